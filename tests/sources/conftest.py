"""Builders of real git repositories in tmp_path (pinned by tests/conftest.py), and git traces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.gitrepo import RepoBuilder, snapshot_worktree

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., RepoBuilder]:
    """make_repo(name, branch="main", bare=False): a new repository at tmp_path / name."""

    def make(name: str, branch: str = "main", bare: bool = False) -> RepoBuilder:
        return RepoBuilder(tmp_path / name, branch=branch, bare=bare)

    return make


@pytest.fixture
def worktree_snapshot() -> Callable[[Path], dict[str, tuple[int, int]]]:
    return snapshot_worktree


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    return RepoBuilder(tmp_path / "repo")


@pytest.fixture
def traced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """traced(name): start recording every git process into a fresh trace file."""

    def start(name: str) -> Path:
        trace = tmp_path / f"trace-{name}"
        monkeypatch.setenv("GIT_TRACE", str(trace))
        return trace

    return start
