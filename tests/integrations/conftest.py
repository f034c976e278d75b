"""Every integration test runs git (through RepoBuilder) with a pinned identity and no steering."""

from __future__ import annotations

import pytest

from tests.integrations.support import STEERING
from tests.support.gitrepo import PINNED


@pytest.fixture(autouse=True)
def pinned_git_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """RepoBuilder runs git with os.environ: pin the identity, clear what would steer it."""
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    for name in STEERING:
        if name not in PINNED:
            monkeypatch.delenv(name, raising=False)
