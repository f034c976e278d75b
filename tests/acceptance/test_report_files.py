"""Report files: never over one of the run's inputs, all or nothing across files, written
through a symbolic link or a device, with the umask's permissions (gate.yaml keeps its own)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import PINNED, RepoBuilder

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

ROOT = Path(__file__).resolve().parents[2]
OLD = record([("id", "string")])
NEW = record([("id", "string"), ("x", "int")])
GATE_YAML = """version: 1
subjects:
  - files: "schemas/*.avsc"
    subject: "{stem}-value"
    samples: ["samples/{stem}.jsonl"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": GATE_YAML,
            "schemas/orders.avsc": OLD,
            "samples/orders.jsonl": '{"id": "a"}\n',
        },
    )
    builder.write("schemas/orders.avsc", NEW)
    return builder


@pytest.mark.parametrize(
    "target", ["schemas/orders.avsc", "gate.yaml", "samples/orders.jsonl", "./schemas/../gate.yaml"]
)
def test_a_report_over_an_input_is_refused(
    gate: GateRunner, repo: RepoBuilder, target: str
) -> None:
    before = (repo.root / target).read_bytes()
    run = gate(["check", "--base", "HEAD", "--report", f"json={target}"], cwd=repo.root)
    assert run.exit_code == 2, run.stderr
    assert "would overwrite one of the run's inputs" in run.stderr
    assert (repo.root / target).read_bytes() == before


def test_one_report_that_cannot_be_written_leaves_the_others_unwritten(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    (repo.root / "out").mkdir()
    (repo.root / "out" / "gate.json").write_text("old json\n")
    blocked = repo.root / "blocked"
    blocked.write_text("a file where a folder should be\n")
    run = gate(
        [
            "check",
            "--base",
            "HEAD",
            "--report",
            "json=out/gate.json",
            "--report",
            "junit=blocked/gate.xml",
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 3, run.stderr
    assert (repo.root / "out" / "gate.json").read_text() == "old json\n"
    assert not [p for p in (repo.root / "out").iterdir() if p.name != "gate.json"]


def test_a_symbolic_link_is_written_through(gate: GateRunner, repo: RepoBuilder) -> None:
    (repo.root / "real").mkdir()
    (repo.root / "real" / "gate.json").write_text("{}")
    (repo.root / "link.json").symlink_to(repo.root / "real" / "gate.json")
    run = gate(["check", "--base", "HEAD", "--report", "json=link.json"], cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    assert (repo.root / "link.json").is_symlink()
    assert json.loads((repo.root / "real" / "gate.json").read_text())["findings"]


def test_a_device_is_written_to_not_replaced(repo: RepoBuilder, tmp_path: Path) -> None:
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gate",
            "check",
            "--base",
            "HEAD",
            "-q",
            "--report",
            "json=/dev/stdout",
        ],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["findings"]
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # the devices are still devices


def test_waive_keeps_gate_yaml_mode(gate: GateRunner, repo: RepoBuilder) -> None:
    config = repo.root / "gate.yaml"
    config.chmod(0o640)
    run = gate(["check", "--base", "HEAD", "--report", "json=../r.json"], cwd=repo.root)
    finding = json.loads((repo.root.parent / "r.json").read_text())["findings"][0]
    run = gate(
        [
            "waive",
            finding["fingerprint"],
            "--reason",
            "r",
            "--owner",
            "o",
            "--expires",
            "2999-01-01",
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 0, run.stderr
    assert "waivers" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
