"""The README stays true: its rule table, its commands, and `.ci/run`."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_is_what_gate_rules_prints() -> None:
    table = README.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    printed = subprocess.run(
        [sys.executable, "-m", "gate", "rules", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert table == printed, "regenerate the table with `gate rules --format markdown`"


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_the_two_commands() -> None:
    example, tests = _quick_start_commands()[:2]
    assert "fixtures/example/run.py" in example
    assert "pip install" in example
    assert "pytest" in tests
    assert "[test]" in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = _quick_start_commands()[:2]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line
        for line in script.splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == [tests]


def _between(name: str) -> str:
    return README.split(f"<!-- {name}:start -->\n", 1)[1].split(f"<!-- {name}:end -->", 1)[0]


def test_protobuf_rule_table_is_what_gate_rules_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "gate", "rules", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    expected = [*printed[:2], *(line for line in printed[2:] if line.startswith("| `PROTOBUF_"))]
    assert _between("protobuf-rules").splitlines() == expected, (
        "regenerate the Protobuf table from `gate rules --format markdown` (its PROTOBUF_ rows)"
    )


def test_protobuf_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    example = _between("protobuf-example")
    files = re.findall(r"`([\w/.]+\.proto)`:\n\n```proto\n(.*?)```", example, re.DOTALL)
    assert [name for name, _ in files] == ["v1/order.proto", "v2/order.proto"]
    for name, text in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (shown,) = re.findall(r"```text\n(.*?)```", example, re.DOTALL)
    commands = re.findall(r"^\$ (gate .*)$", shown, re.MULTILINE)
    assert len(commands) == 2
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    printed = ""
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "gate", *shlex.split(command)[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr  # both show the breaking change
        printed += f"$ {command}\n{done.stdout}"
    assert printed == shown
