"""`--color auto|always|never`, NO_COLOR and FORCE_COLOR, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.commands import use_color

if TYPE_CHECKING:
    from pathlib import Path

ESC = "\x1b["
OLD = {"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]}
NEW = {
    "type": "record",
    "name": "E",
    "fields": [{"name": "id", "type": "string"}, {"name": "x", "type": "int"}],
}


@pytest.fixture
def pair(tmp_path: Path) -> list[str]:
    (tmp_path / "old.avsc").write_text(json.dumps(OLD))
    (tmp_path / "new.avsc").write_text(json.dumps(NEW))
    return [str(tmp_path / "old.avsc"), str(tmp_path / "new.avsc")]


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": ""}, True),  # empty means unset
        ([], {"FORCE_COLOR": ""}, False),
        ([], {}, False),  # not a terminal
    ],
)
@pytest.mark.parametrize("command", ["compat", "diff"])
def test_the_choice_and_the_environment_decide(
    pair: list[str],
    args: list[str],
    env: dict[str, str],
    coloured: bool,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, [command, *args, *pair], env=env)
    assert result.exit_code == 1, result.output
    assert (ESC in result.stdout) is coloured, result.stdout


def test_an_unknown_choice_is_a_usage_error(pair: list[str]) -> None:
    result = CliRunner().invoke(cli, ["compat", "--color", "sometimes", *pair])
    assert result.exit_code == 2
    assert "'sometimes' is not one of 'auto', 'always', 'never'" in result.output


def test_a_pipe_gets_no_colour_by_default(pair: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [sys.executable, "-m", "gate", "compat", *pair],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout
    assert ESC not in done.stdout


def test_a_terminal_is_coloured_unless_no_color() -> None:
    assert use_color("auto", {}, isatty=True)
    assert not use_color("auto", {"NO_COLOR": "x"}, isatty=True)
    assert use_color("auto", {"NO_COLOR": ""}, isatty=True)
    assert not use_color("never", {}, isatty=True)
