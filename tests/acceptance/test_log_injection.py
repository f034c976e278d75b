"""A schema cannot write lines of its own into gate's output.

A JSON Schema property name may hold any character. Printed raw, a name holding a line break
followed by `::error title=x::y` starts a line that GitHub Actions reads as a workflow command,
in the base repository's run, on behalf of whoever opened the pull request.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

HOSTILE = "a\n::error title=x::y"
SEPARATED = "b\u2028::warning::z\r::notice::w"  # other line breaks a log viewer may honour
ESCAPED = "a\\n::error title=x::y"


def _schema(properties: dict[str, object]) -> str:
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "orders\n::error title=doc::from the description",
        "properties": properties,
    }
    return json.dumps(document, indent=2) + "\n"


OLD = _schema({"id": {"type": "string"}})
NEW = _schema(
    {
        "id": {"type": "string"},
        HOSTILE: {"type": "integer"},
        SEPARATED: {"type": "string", "maxLength": 3},
    }
)


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"schemas/orders.json": OLD})
    builder.write("schemas/orders.json", NEW)
    return builder


def _forged(output: str) -> list[str]:
    """Lines that a log would read as a workflow command (the runner trims leading blanks);
    `splitlines` breaks at every line separator Python knows, U+2028 and \\x85 among them."""
    return [line for line in output.splitlines() if line.lstrip().startswith("::")]


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"], ["-q"]])
def test_the_text_report_of_gate_check_shows_hostile_names_escaped(
    gate: GateRunner, repo: RepoBuilder, verbosity: list[str]
) -> None:
    run = gate(["check", "--base", "HEAD", *verbosity], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _forged(run.stdout) == []
    assert "JSON_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL" in run.stdout
    assert ESCAPED in run.stdout  # the name is still shown, its line break as `\n`
    assert "b\\u2028::warning::z\\r::notice::w" in run.stdout


def test_markdown_on_standard_output_keeps_hostile_names_on_their_line(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    run = gate(["check", "--base", "HEAD", "--report", "markdown"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert "JSON\\_PROPERTY\\_ADDED" in run.stdout or "JSON_PROPERTY_ADDED" in run.stdout
    assert _forged(run.stdout) == []


def test_gate_diff_and_gate_compat_escape_hostile_names(gate: GateRunner, tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(OLD)
    (tmp_path / "new.json").write_text(NEW)
    changelog = gate(["diff", "old.json", "new.json"], cwd=tmp_path)
    assert changelog.exit_code == 1, changelog.stdout + changelog.stderr
    assert ESCAPED in changelog.stdout
    assert _forged(changelog.stdout) == []
    for verbosity in ([], ["-vv"]):
        compat = gate(["compat", *verbosity, "old.json", "new.json"], cwd=tmp_path)
        assert compat.exit_code == 1, compat.stdout + compat.stderr
        assert ESCAPED in compat.stdout
        assert _forged(compat.stdout) == []
