"""The real `gate` command run in-process through click, in a chosen directory and environment."""

from __future__ import annotations

import json
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
