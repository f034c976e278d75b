"""How many CPUs this process may use: its affinity mask and its container's CPU quota.

`os.cpu_count()` counts the machine's CPUs. A CI container limited to two CPUs on a 64-core host
would start 64 workers that then take turns; the quota (cgroup v2 `cpu.max`, or v1's
`cpu.cfs_quota_us` / `cpu.cfs_period_us`) says two.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """The CPUs this process can keep busy: at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        count = os.cpu_count() or 1
    quota = cgroup_quota(cgroup_root)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def cgroup_quota(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota in CPUs (1.5 for 150 ms per 100 ms), or None when there is none."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        return _ratio(quota, period or "100000")
    v1 = _read(root / "cpu" / "cpu.cfs_quota_us") or _read(root / "cpu.cfs_quota_us")
    if v1 is not None:
        period = (
            _read(root / "cpu" / "cpu.cfs_period_us")
            or _read(root / "cpu.cfs_period_us")
            or "100000"
        )
        return _ratio(v1, period)
    return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        numerator, denominator = int(quota), int(period)
    except ValueError:  # "max": no limit
        return None
    if numerator <= 0 or denominator <= 0:  # v1's -1: no limit
        return None
    return numerator / denominator


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None
