"""Suite-wide settings.

Property tests run a fixed sequence of examples by default, so a run of the suite (and CI) gives
the same verdict every time; `GATE_HYPOTHESIS=explore` draws fresh random examples instead, to
look for new failures (and keeps those it finds in `.hypothesis/` to replay them).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("gate-fixed", derandomize=True, print_blob=True)
settings.register_profile("gate-explore", derandomize=False, print_blob=True)
settings.load_profile(
    "gate-explore" if os.environ.get("GATE_HYPOTHESIS") == "explore" else "gate-fixed"
)
