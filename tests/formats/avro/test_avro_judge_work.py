"""Judging a changed pair does each piece of work once: counted, not timed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.formats.avro import check as avro_check
from gate.formats.avro.check import Checker, check, check_issues
from gate.formats.avro.diff import diff
from gate.formats.avro.parse import parse_schema
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from gate.formats.avro.nodes import AvroSchema


def parsed(value: Any, registered: bool = False) -> AvroSchema:
    text = json.dumps(value)
    schema = Schema(SchemaType.AVRO, text, Origin(OriginKind.FILE, "s.avsc"))
    return parse_schema(schema, registered=registered)


def version(extra: bool, enum_symbols: tuple[str, ...] = ("A", "B")) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "long"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": list(enum_symbols)}},
    ]
    if extra:
        fields.append({"name": "added", "type": ["null", "int"], "default": None})
    return {"type": "record", "name": "Judged", "fields": fields}


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The (reader root, writer root) ids of every whole-schema check run."""
    seen: list[tuple[int, int]] = []
    original = Checker.run

    def counted(self: Checker, reader: Any, writer: Any) -> Any:
        seen.append((id(reader), id(writer)))
        return original(self, reader, writer)

    monkeypatch.setattr(Checker, "run", counted)
    return seen


def test_a_pair_checked_for_its_verdict_is_not_checked_again_for_its_changelog(
    runs: list[tuple[int, int]],
) -> None:
    new = parsed(version(True, ("A", "B", "C")))
    old = parsed(version(False), registered=True)
    verdict = check(new, old)
    changes = diff(old, new)
    # once each way: the changelog's backward check is the verdict's
    assert runs == [(id(new.root), id(old.root)), (id(old.root), id(new.root))]
    assert verdict == []
    assert [change.forward_ok for change in changes] == [False, True]


def test_remembered_issues_are_a_fresh_list_each_time(runs: list[tuple[int, int]]) -> None:
    new = parsed(version(False, ("A",)))
    old = parsed(version(False), registered=True)
    first = check_issues(new, old)
    assert first
    assert first[0].error
    first.clear()
    again = check_issues(new, old)
    assert again
    assert again == check_issues(new, old)
    assert len(runs) == 1


def test_only_the_last_few_pairs_are_remembered(runs: list[tuple[int, int]]) -> None:
    schemas = [parsed(version(False)) for _ in range(avro_check._RECENT_LIMIT + 2)]
    for schema in schemas:
        check_issues(schema, schemas[0])
    assert len(avro_check._RECENT) == avro_check._RECENT_LIMIT
    check_issues(schemas[0], schemas[0])  # forgotten: checked again
    assert len(runs) == len(schemas) + 1


def test_a_schema_diffed_with_itself_reads_as_two_equal_parses() -> None:
    # a field alias naming a field of the same record: an issue even against itself
    value = {
        "type": "record",
        "name": "Self",
        "fields": [
            {"name": "a", "type": "int", "aliases": ["b"]},
            {"name": "b", "type": "int"},
        ],
    }
    one = parsed(value)
    assert diff(one, one) == diff(one, parsed(value))
    assert len(diff(one, one)) == 2
