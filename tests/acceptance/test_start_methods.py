"""Enough changed subjects to share among workers: where `fork` is unavailable (Windows; macOS
by default) the run is serial and gives the same report, instead of raising."""

from __future__ import annotations

import json
import math
import multiprocessing
from typing import TYPE_CHECKING, Any

import pytest

from gate import pool
from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

OLD = record([("id", "string")])
OK = record([("id", "string"), ("x", ["null", "int"])], x=None)
BROKEN = record([("id", "string"), ("x", "int")])
SUBJECTS = 60  # above the point where the pool starts


def _report(gate: GateRunner, repo: RepoBuilder, out: Path) -> Any:
    run = gate(
        ["check", "--base", "HEAD", "--no-simulate", "--report", f"json={out}"], cwd=repo.root
    )
    assert run.exit_code == 1, run.stderr
    report = json.loads(out.read_text())
    return sorted((c["subject"], c["passed"], tuple(c["findings"])) for c in report["checks"])


def test_without_fork_the_subjects_are_judged_serially_with_the_same_verdicts(
    gate: GateRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SUBJECTS >= pool._PARALLEL_FROM
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {f"schemas/s{i:02d}.avsc": OLD for i in range(SUBJECTS)})
    for i in range(SUBJECTS):
        repo.write(f"schemas/s{i:02d}.avsc", BROKEN if i % 7 == 0 else OK)
    pools: list[object] = []
    real_context = multiprocessing.get_context

    def watched_context(method: str | None = None) -> Any:
        pools.append(method)
        return real_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", watched_context)
    monkeypatch.setattr("gate.cpus.usable_cpus", lambda: 2)
    monkeypatch.setattr("sys.platform", "linux")
    forked = _report(gate, repo, tmp_path / "forked.json")
    assert pools == ["fork"]
    pools.clear()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    serial = _report(gate, repo, tmp_path / "serial.json")
    assert pools == [], "no pool without fork"
    assert serial == forked
    assert sum(not passed for _, passed, _ in serial) == len(range(0, SUBJECTS, 7))


def test_macos_is_judged_serially(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    assert not pool.can_fork()
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(
        multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn", "forkserver"]
    )
    assert pool.can_fork()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not pool.can_fork()


def test_workers_give_each_subject_its_own_checks_in_the_serial_order(
    gate: GateRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The changed subjects are judged first (they hold the work) and their checks put back in
    place: the report is the serial run's, check for check, in the same order."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {f"schemas/s{i:03d}.avsc": OLD for i in range(150)})
    for i in range(90, 150):  # the changes cluster at the end, behind 90 unchanged subjects
        repo.write(f"schemas/s{i:03d}.avsc", BROKEN if i % 7 == 0 else OK)
    monkeypatch.setattr("gate.cpus.usable_cpus", lambda: 2)
    monkeypatch.setattr("sys.platform", "linux")

    def checks(out: Path) -> Any:
        run = gate(
            ["check", "--base", "HEAD", "--no-simulate", "--report", f"json={out}"],
            cwd=repo.root,
        )
        assert run.exit_code == 1, run.stderr
        return [
            (c["subject"], c["name"], c["passed"]) for c in json.loads(out.read_text())["checks"]
        ]

    forked = checks(tmp_path / "forked.json")
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert checks(tmp_path / "serial.json") == forked
    assert [subject for subject, _, _ in forked][:2] == ["s000", "s001"]


@pytest.mark.parametrize("count", [1, 4, 5, 48, 60, 1000, 20_000])
@pytest.mark.parametrize("workers", [2, 3, 8])
def test_chunks_cover_the_subjects_in_order_and_shrink_toward_the_end(
    count: int, workers: int
) -> None:
    chunks = pool._chunks(count, workers)
    assert [start for start, _ in chunks] == [0, *[stop for _, stop in chunks[:-1]]]
    assert chunks[-1][1] == count
    sizes = [stop - start for start, stop in chunks]
    assert sizes == sorted(sizes, reverse=True)
    # the last chunk a worker may be left alone with is small, and the first are large
    # enough that the round trips grow with the logarithm of the subjects only
    assert sizes[-1] <= pool._SMALLEST_CHUNK
    assert len(chunks) <= 4 * workers * (math.log(count) + 2)
