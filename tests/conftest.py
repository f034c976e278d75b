"""Suite-wide settings.

Property tests run a fixed sequence of examples by default, so a run of the suite (and CI) gives
the same verdict every time; `GATE_HYPOTHESIS=explore` draws fresh random examples instead, to
look for new failures (and keeps those it finds in `.hypothesis/` to replay them).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.support.gitrepo import pin_environment

# no wall-clock budget per example (hypothesis' default deadline of 200 ms, and its health check
# of slow data generation), which a slower or busier machine would miss: speed is measured in
# benchmarks/, against a baseline taken in the same run
for name, fixed in (("gate-fixed", True), ("gate-explore", False)):
    settings.register_profile(
        name,
        derandomize=fixed,
        print_blob=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(
    "gate-explore" if os.environ.get("GATE_HYPOTHESIS") == "explore" else "gate-fixed"
)


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test: a pinned git identity, no global git config, no CI, hook or registry
    variables, no colour (tests/support/gitrepo.py)."""
    pin_environment(monkeypatch)
