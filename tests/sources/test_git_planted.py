"""No code from the repository under check runs: a `git` committed at its root stays inert even
when PATH has an empty entry (which means the current folder), and git's own hooks into the work
tree (fsmonitor) are off for gate's reads."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import PINNED, RepoBuilder

ROOT = Path(__file__).resolve().parents[2]
OLD = json.dumps({"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]})
NEW = json.dumps({"type": "record", "name": "E", "fields": [
    {"name": "id", "type": "string"}, {"name": "x", "type": "int"}]})


def _planted(repo: RepoBuilder, marker: Path) -> None:
    script = repo.write("git", f"#!/bin/sh\necho planted >> '{marker}'\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX PATH semantics")
@pytest.mark.parametrize("path_form", ["leading-empty", "double-colon", "trailing", "dot"])
def test_a_git_committed_in_the_repository_never_runs(tmp_path: Path, path_form: str) -> None:
    marker = tmp_path / "ran"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    _planted(repo, marker)
    repo.git("add", "git")
    repo.git("commit", "-q", "-m", "a script named git")
    repo.write("schemas/e.avsc", NEW)
    real = os.path.dirname(shutil.which("git") or "/usr/bin/git")
    rest = os.environ.get("PATH", "")
    path = {
        "leading-empty": f":{rest}",
        "double-colon": f"{real}::{rest}".replace(f"{real}::", "::", 1) + f":{real}",
        "trailing": f"{rest}:",
        "dot": f".:{rest}",
    }[path_form]
    env = {**os.environ, **PINNED, "PATH": path, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    done = subprocess.run([sys.executable, "-m", "gate", "check", "--base", "HEAD"],
                          cwd=repo.root, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert not marker.exists(), "the repository's `git` ran"
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in done.stdout


def test_without_git_on_path_the_error_says_so(tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    _planted(repo, tmp_path / "ran")
    env = {**os.environ, **PINNED, "PATH": ":", "PYTHONPATH": str(ROOT)}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    done = subprocess.run([sys.executable, "-m", "gate", "check", "--base", "HEAD"],
                          cwd=repo.root, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 3, done.stderr
    assert "git is not installed or not on PATH" in done.stderr
    assert not (tmp_path / "ran").exists()


def test_an_fsmonitor_hook_in_the_repository_configuration_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "fsmonitor-ran"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    hook = repo.write("fsmonitor.sh", f"#!/bin/sh\necho ran >> '{marker}'\nexit 1\n")
    hook.chmod(0o755)
    repo.git("config", "core.fsmonitor", str(hook))
    repo.write("schemas/e.avsc", NEW)
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "gate", "check", "--base", "HEAD"],
                          cwd=repo.root, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not marker.exists(), "core.fsmonitor ran"

