from __future__ import annotations

import pytest

from tests.support.runner import GateRunner, in_process_runner


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> GateRunner:
    """Run the real `gate` command in-process, in a chosen directory and environment."""
    return in_process_runner(monkeypatch)
