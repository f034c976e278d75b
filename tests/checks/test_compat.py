"""Modes and transitivity, independent of any real schema format."""

from __future__ import annotations

from typing import Any

import pytest

from gate.compat import CheckMemo, Version, check_candidate, versions_to_check
from gate.formats import Change, CheckOptions
from gate.model import Direction, Incompatibility, Mode, SchemaType


class IntervalFormat:
    """A toy format: a schema is a set of field names; a reader needs every field it declares."""

    type = SchemaType.AVRO
    extensions = (".toy",)

    def rules(self) -> tuple[Any, ...]:
        return ()

    def sniff(self, text: str) -> bool:
        return False

    def parse(self, schema: Any, options: CheckOptions) -> Any:
        return frozenset(schema.text.split())

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        return [
            Incompatibility("MISSING", f"`{name}` missing", f"/{name}")
            for name in sorted(reader - writer)
        ]

    def diff(self, old: Any, new: Any, options: CheckOptions) -> list[Change]:
        return []

    def edit_warnings(self, old: Any, new: Any, side: str) -> list[Incompatibility]:
        return []


FMT = IntervalFormat()
HISTORY = [Version("v1", frozenset({"a"})), Version("v2", frozenset({"a", "b"}))]


def _violations(candidate: frozenset[str], mode: Mode) -> set[tuple[str, Direction, str]]:
    return {
        (v.against.label, v.direction, v.incompatibility.path)
        for v in check_candidate(FMT, candidate, HISTORY, mode, CheckOptions())
    }


def test_mode_flags() -> None:
    assert Mode.FULL_TRANSITIVE.backward
    assert Mode.FULL_TRANSITIVE.forward
    assert Mode.FULL_TRANSITIVE.transitive
    assert not Mode.FULL.transitive
    assert Mode.BACKWARD.backward
    assert not Mode.BACKWARD.forward
    assert Mode.FORWARD_TRANSITIVE.forward
    assert not Mode.FORWARD_TRANSITIVE.backward
    assert not Mode.NONE.backward
    assert not Mode.NONE.forward
    assert Mode.parse("full_transitive") is Mode.FULL_TRANSITIVE


@pytest.mark.parametrize(
    ("mode", "labels"),
    [
        (Mode.BACKWARD, ["v2"]),
        (Mode.FORWARD, ["v2"]),
        (Mode.FULL, ["v2"]),
        (Mode.BACKWARD_TRANSITIVE, ["v1", "v2"]),
        (Mode.FULL_TRANSITIVE, ["v1", "v2"]),
        (Mode.NONE, []),
    ],
)
def test_versions_to_check(mode: Mode, labels: list[str]) -> None:
    assert [v.label for v in versions_to_check(mode, HISTORY)] == labels


def test_backward_reads_old_data_with_the_candidate() -> None:
    # candidate needs c: neither version wrote it
    assert _violations(frozenset({"a", "c"}), Mode.BACKWARD) == {("v2", Direction.BACKWARD, "/c")}
    assert _violations(frozenset({"a", "c"}), Mode.BACKWARD_TRANSITIVE) == {
        ("v1", Direction.BACKWARD, "/c"),
        ("v2", Direction.BACKWARD, "/c"),
    }


def test_forward_reads_new_data_with_old_schemas() -> None:
    # dropping b breaks v2 as a reader, and only transitively does v1 matter (it never needed b)
    assert _violations(frozenset({"a"}), Mode.FORWARD) == {("v2", Direction.FORWARD, "/b")}
    assert _violations(frozenset({"a"}), Mode.FORWARD_TRANSITIVE) == {
        ("v2", Direction.FORWARD, "/b")
    }
    assert _violations(frozenset(), Mode.FORWARD_TRANSITIVE) == {
        ("v1", Direction.FORWARD, "/a"),
        ("v2", Direction.FORWARD, "/a"),
        ("v2", Direction.FORWARD, "/b"),
    }


def test_full_is_both_directions() -> None:
    assert _violations(frozenset({"a", "c"}), Mode.FULL) == {
        ("v2", Direction.BACKWARD, "/c"),
        ("v2", Direction.FORWARD, "/b"),
    }


def test_none_and_empty_history_check_nothing() -> None:
    assert _violations(frozenset({"z"}), Mode.NONE) == set()
    assert check_candidate(FMT, frozenset({"z"}), [], Mode.FULL_TRANSITIVE, CheckOptions()) == []


class CountingFormat(IntervalFormat):
    def __init__(self) -> None:
        self.calls = 0

    def check(self, reader: Any, writer: Any, options: CheckOptions) -> list[Incompatibility]:
        self.calls += 1
        return super().check(reader, writer, options)


def test_a_memo_checks_each_pair_of_schemas_once_across_calls() -> None:
    fmt = CountingFormat()
    memo = CheckMemo()
    options = CheckOptions()
    candidate = frozenset({"a", "c"})
    latest = HISTORY[-1]
    # the base revision's version is the latest registered one: one parsed object for both
    against_base = check_candidate(fmt, candidate, [latest], Mode.FULL, options, memo)
    against_registry = check_candidate(fmt, candidate, HISTORY, Mode.FULL_TRANSITIVE, options, memo)
    assert fmt.calls == 4  # v1 and v2 in both directions, v2's pair checked once
    fresh = check_candidate(IntervalFormat(), candidate, HISTORY, Mode.FULL_TRANSITIVE, options)
    assert [(v.incompatibility, v.direction, v.against) for v in against_registry] == [
        (v.incompatibility, v.direction, v.against) for v in fresh
    ]
    assert [v.incompatibility for v in against_base] == [
        v.incompatibility for v in fresh if v.against is latest
    ]


def test_a_memo_tells_equal_schemas_that_are_distinct_objects_apart() -> None:
    fmt = CountingFormat()
    memo = CheckMemo()
    options = CheckOptions()
    check_candidate(fmt, frozenset({"a"}), HISTORY, Mode.BACKWARD, options, memo)
    # another candidate: never answered from the first one's verdicts
    found = check_candidate(fmt, frozenset({"a", "z"}), HISTORY, Mode.BACKWARD, options, memo)
    assert fmt.calls == 2
    assert [v.incompatibility.rule for v in found] == ["MISSING"]
