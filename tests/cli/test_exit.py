"""How the `gate` command ends (`gate.cli.run`): what a normal exit does that a user can see,
without tearing the interpreter down; the interpreter's own exit where that is not enough."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from click.testing import CliRunner

from gate.cli import cli
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

OLD = {"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]}
NEW = {
    "type": "record",
    "name": "E",
    "fields": [{"name": "id", "type": "string"}, {"name": "x", "type": "int"}],
}


def _gate(
    args: list[str], cwd: Path, before: str = "", **environ: str
) -> subprocess.CompletedProcess[str]:
    """`gate ARGS` as the console script runs it, after `before` (Python run first)."""
    lines = ["import sys", before, "sys.argv = ['gate', *sys.argv[1:]]", "from gate.cli import run"]
    program = "\n".join([*lines, "run()"])
    env = {**os.environ, "NO_COLOR": "1", **environ}
    env.pop("PYTHONUNBUFFERED", None)  # standard output to a pipe is buffered, as in CI
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_whole_output_reaches_a_pipe_and_the_status_is_the_run_s(tmp_path: Path) -> None:
    # more than a pipe's buffer and a stream's: what is still buffered at the end is written
    done = _gate(["rules", "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 16_384
    assert json.loads(done.stdout) == json.loads(
        CliRunner().invoke(cli, ["rules", "--format", "json"]).output
    )
    (tmp_path / "old.avsc").write_text(json.dumps(OLD))
    (tmp_path / "new.avsc").write_text(json.dumps(NEW))
    broken = _gate(["compat", "old.avsc", "new.avsc", "--no-simulate"], tmp_path)
    assert broken.returncode == 1, broken.stderr
    assert "FAIL" in broken.stdout
    usage = _gate(["check", "--no-such-option"], tmp_path)
    assert usage.returncode == 2
    assert "No such option" in usage.stderr


def test_what_is_still_buffered_is_written(tmp_path: Path) -> None:
    # a usage error writes to standard error only: nothing flushes standard output but the exit
    done = _gate(["check", "--no-such-option"], tmp_path, "sys.stdout.write('unflushed ' * 50)")
    assert done.returncode == 2
    assert done.stdout == "unflushed " * 50


def test_exit_handlers_run(tmp_path: Path) -> None:
    marker = tmp_path / "handled"
    before = f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)"
    done = _gate(["--version"], tmp_path, before)
    assert done.returncode == 0, done.stderr
    assert marker.exists()


def test_a_protobuf_run_leaves_no_temporary_folder(tmp_path: Path) -> None:
    """The compiler's work folder is removed by an exit handler (`gate.formats.protobuf`)."""
    rules = REPO_ROOT / "fixtures/rules/protobuf/PROTOBUF_CARDINALITY_CHANGED"
    for name in ("old.proto", "new.proto"):
        (tmp_path / name).write_text((rules / name).read_text())
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    done = _gate(["compat", "old.proto", "new.proto"], tmp_path, TMPDIR=str(temporary))
    assert done.returncode in (0, 1), done.stderr
    assert "PROTOBUF" in done.stdout
    assert list(temporary.iterdir()) == []


def test_a_thread_still_running_is_waited_for(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    before = (
        "import pathlib, threading, time\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n"
        "threading.Thread(target=late).start()"
    )
    done = _gate(["--version"], tmp_path, before)
    assert done.returncode == 0, done.stderr
    assert marker.exists(), "the process ended before its thread"


def test_a_status_that_is_text_is_written_as_the_interpreter_writes_it(tmp_path: Path) -> None:
    before = (
        "import gate.cli\n"
        "def stop(argv=None):\n"
        "    raise SystemExit('stopped: see above')\n"
        "gate.cli.main = stop"
    )
    done = _gate(["--version"], tmp_path, before)
    assert done.returncode == 1
    assert done.stderr.strip() == "stopped: see above"
