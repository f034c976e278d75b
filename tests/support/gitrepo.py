"""Real git repositories for tests, and the one environment every test runs in (`pin_environment`,
applied by tests/conftest.py): a pinned git identity, no global git config, no colour, and none
of the variables of a CI runner, a hook or a registry that would steer git or gate."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

PINNED = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Gate Tester",
    "GIT_AUTHOR_EMAIL": "tester@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "Gate Tester",
    "GIT_COMMITTER_EMAIL": "tester@example.com",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
}
# variables that would point git (or gate) somewhere else than the repository under test
CLEARED = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_TRACE",
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_BASE_REF",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_ENV",
    "GITHUB_WORKSPACE",
    "GITHUB_ACTION_PATH",
    "RUNNER_TEMP",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_HOME",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "GATE_REGISTRY_URL",
    "GATE_REGISTRY_USER",
    "GATE_REGISTRY_PASSWORD",
    "GATE_REGISTRY_TOKEN",
)
# set for every test, beside PINNED
NO_COLOR = {"NO_COLOR": "1"}


def pin_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set PINNED and NO_COLOR, remove CLEARED, for the rest of the test."""
    for name, value in {**PINNED, **NO_COLOR}.items():
        monkeypatch.setenv(name, value)
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)


def run_git(cwd: Path, *args: str) -> str:
    """Run git for the test's own setup (never through the code under test)."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=os.environ
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def git_commands(trace: Path) -> list[str]:
    """The git commands a GIT_TRACE file recorded (their arguments, without `git`)."""
    lines = trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []
    return [line.split("trace: built-in: git ", 1)[1] for line in lines if "built-in: git " in line]


class RepoBuilder:
    """A real repository under construction: write files, stage, commit, branch, tag."""

    def __init__(self, root: Path, branch: str = "main", bare: bool = False, init: bool = True):
        self.root = root
        if init:
            root.mkdir(parents=True, exist_ok=True)
            run_git(root, "init", "-q", f"--initial-branch={branch}", *(["--bare"] * bare))

    def clone(self, target: Path, *options: str) -> RepoBuilder:
        """`git clone [options] file://<this repository> <target>`."""
        run_git(target.parent, "clone", "-q", *options, self.root.as_uri(), str(target))
        return RepoBuilder(target, init=False)

    def git(self, *args: str) -> str:
        return run_git(self.root, *args)

    def write(self, path: str, content: str | bytes) -> Path:
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            full.write_bytes(content)
        else:
            full.write_text(content, encoding="utf-8")
        return full

    def move(self, old: str, new: str) -> None:
        """`git mv`, creating the destination directory first."""
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def symlink(self, path: str, target: str) -> None:
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, full)

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for path, content in (files or {}).items():
            self.write(path, content)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.sha("HEAD")

    def sha(self, rev: str) -> str:
        return self.git("rev-parse", rev).strip()

    def status(self) -> str:
        return self.git("status", "--porcelain", "--untracked-files=all", "--ignored")


def snapshot_worktree(root: Path) -> dict[str, tuple[int, int]]:
    """Modification time and size of every file outside .git: to prove nothing was touched."""
    seen: dict[str, tuple[int, int]] = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if name != ".git"]
        for name in filenames:
            full = Path(directory) / name
            stat = full.lstat()
            seen[full.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return seen
