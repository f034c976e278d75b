"""The `python` the integration harness puts first on PATH is the interpreter running the tests,
inside its virtual environment: a suite run from a venv must find the venv's packages in the
action's and the hooks' subprocesses."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support.integrations import clean_environ

PROBE = "import sys; print(sys.prefix); print(sys.argv[1:])"


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment made from this interpreter (no pip: nothing is installed)."""
    root = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    return root


@pytest.mark.parametrize("name", ["python", "python3"])
def test_the_harness_python_keeps_the_virtual_environment(
    fresh_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(sys, "executable", str(fresh_venv / "bin" / "python"))
    env = clean_environ(tmp_path, python_path=False)
    run = subprocess.run(
        [name, "-c", PROBE, "two words", "$HOME"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    prefix, arguments = run.stdout.splitlines()
    # a symlink to the venv's python from another folder would start the base interpreter
    assert Path(prefix).resolve() == fresh_venv.resolve()
    assert arguments == repr(["two words", "$HOME"])


def test_the_harness_python_is_this_interpreter(tmp_path: Path) -> None:
    env = clean_environ(tmp_path, python_path=False)
    run = subprocess.run(
        ["python", "-c", "import sys; print(sys.prefix)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(run.stdout.strip()).resolve() == Path(sys.prefix).resolve()
