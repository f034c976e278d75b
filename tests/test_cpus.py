"""`usable_cpus`: the affinity mask, capped by a container's CPU quota (cgroup v1 and v2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate import cpus
from gate.cpus import cgroup_quota, usable_cpus


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n", encoding="ascii")
    return root


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "200000 100000"}, 2.0),
        ({"cpu.max": "150000 100000"}, 1.5),
        ({"cpu.max": "max 100000"}, None),
        ({"cpu/cpu.cfs_quota_us": "50000", "cpu/cpu.cfs_period_us": "100000"}, 0.5),
        ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
        ({"cpu.cfs_quota_us": "300000", "cpu.cfs_period_us": "100000"}, 3.0),
        ({}, None),
        ({"cpu.max": "garbage"}, None),
    ],
)
def test_the_quota_is_read_from_either_cgroup_version(
    tmp_path: Path, files: dict[str, str], quota: float | None
) -> None:
    assert cgroup_quota(_cgroup(tmp_path, files)) == quota


def test_a_quota_caps_the_affinity_and_rounds_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert usable_cpus(_cgroup(tmp_path / "a", {"cpu.max": "200000 100000"})) == 2
    assert usable_cpus(_cgroup(tmp_path / "b", {"cpu.max": "150000 100000"})) == 2
    assert usable_cpus(_cgroup(tmp_path / "c", {"cpu.max": "10000 100000"})) == 1
    assert usable_cpus(_cgroup(tmp_path / "d", {"cpu.max": "max 100000"})) == 64


def test_without_affinity_the_cpu_count_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert usable_cpus(tmp_path) == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 12)
    assert usable_cpus(_cgroup(tmp_path, {"cpu.max": "400000 100000"})) == 4


def test_this_machine_has_at_least_one() -> None:
    assert usable_cpus() >= 1
    assert Path("/sys/fs/cgroup") == cpus.CGROUP_ROOT
