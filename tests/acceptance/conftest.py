from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.cli import cli


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


GateRunner = Callable[..., Run]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> GateRunner:
    """Run the real `gate` command in-process, in a chosen directory and environment."""

    def run(args: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture(autouse=True)
def pinned_git_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.gitrepo import CLEARED, PINNED

    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    for name in (*CLEARED, "GITHUB_BASE_REF", "GITHUB_EVENT_PATH", "PRE_COMMIT_FROM_REF",
                 "PRE_COMMIT_TO_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA", "GATE_REGISTRY_URL",
                 "GATE_REGISTRY_USER", "GATE_REGISTRY_PASSWORD", "GATE_REGISTRY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def record(fields: list[tuple[str, Any]], name: str = "Event", **extra: Any) -> str:
    """A pretty-printed Avro record schema, one field per line (line numbers are meaningful)."""
    lines = [f'  {{"name": {json.dumps(n)}, "type": {json.dumps(t)}' +
             (f', "default": {json.dumps(extra[n])}' if n in extra else "") + "}"
             for n, t in fields]
    return (
        "{\n"
        f'"type": "record",\n"name": {json.dumps(name)},\n"fields": [\n'
        + ",\n".join(lines)
        + "\n]\n}\n"
    )
