"""The README stays true: its rule table, its commands, and `.ci/run`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_is_what_gate_rules_prints() -> None:
    table = README.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    printed = subprocess.run([sys.executable, "-m", "gate", "rules", "--format", "markdown"],
                             capture_output=True, text=True, check=True).stdout
    assert table == printed, "regenerate the table with `gate rules --format markdown`"


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_the_two_commands() -> None:
    example, tests = _quick_start_commands()[:2]
    assert "fixtures/example/run.py" in example and "pip install" in example
    assert "pytest" in tests and "[test]" in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = _quick_start_commands()[:2]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines()
                if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == [tests]
