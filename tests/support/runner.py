"""The real `gate` command run in-process through click, in a chosen directory and environment."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


GateRunner = Callable[..., Run]


def in_process_runner(monkeypatch: pytest.MonkeyPatch) -> GateRunner:
    """run(args, cwd=None, env=None): `gate args` in `cwd`, with `env` set for the rest of the
    test (through `monkeypatch`)."""
    from click.testing import CliRunner

    from gate.cli import cli

    def run(args: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def modules_loaded(
    cwd: Path, args: Sequence[str], prefix: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`gate args` run in a fresh interpreter in `cwd`: the finished process, and the modules
    whose name starts with `prefix` that it loaded (what a real start-up imports)."""
    import os
    import sys
    from pathlib import Path

    from tests.support.gitrepo import PINNED

    program = (
        "import sys\n"
        "from gate.cli import main\n"
        f"sys.argv = ['gate', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    loaded = sorted(m for m in sys.modules if m.startswith({prefix!r}))\n"
        "    print(' '.join(loaded), file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, **PINNED, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return done, set(last.split())
