"""Judging a changed pair does each piece of work once: counted, not timed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.errors import SchemaInvalid
from gate.formats.avro import check as avro_check
from gate.formats.avro import diff as avro_diff
from gate.formats.avro import parse as avro_parse
from gate.formats.avro.check import Checker, check, check_issues
from gate.formats.avro.diff import diff
from gate.formats.avro.nodes import Record, fields_apart
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


def record_of(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Moved", "fields": list(fields)}


S = {"name": "s", "type": ["null", "string"], "default": None}
A = {"name": "a", "type": "int"}
B = {"name": "b", "type": "int"}

# (old, new): moves across a field both versions share, renames by either side's aliases
SHAPES = [
    (record_of(A, S), record_of({"name": "x", "type": "int", "default": 0}, S, A)),
    (record_of(A, B, S), record_of(B, A, S)),
    (record_of(S, A, B), record_of(S, B, A)),
    (record_of(A, S), record_of({"name": "a2", "type": "int", "aliases": ["a"]}, S)),
    (record_of({**A, "aliases": ["b"]}, S), record_of(B, S)),
    (record_of(S, A), record_of(S, {"name": "t", "type": "int", "aliases": ["s", "a"]})),
    (record_of(S, A, B), record_of(S, {"name": "a", "type": "long"}, B)),
]


@pytest.mark.parametrize(("old", "new"), SHAPES)
def test_fields_both_versions_share_change_no_changelog(old: Any, new: Any) -> None:
    avro_parse.clear_caches()
    # a registered version parsed first shares nothing with the new schema
    apart = diff(parsed(old, registered=True), parsed(new))
    avro_parse.clear_caches()
    new_first = parsed(new)
    old_after = parsed(old, registered=True)
    assert isinstance(new_first.root, Record)
    assert isinstance(old_after.root, Record)
    assert set(new_first.root.fields) & set(old_after.root.fields)
    assert diff(old_after, new_first) == apart


def test_a_changelog_looks_only_at_the_fields_that_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    places: list[str] = []
    original = avro_diff.field_place

    def counted(field_name: str, record_name: str) -> str:
        places.append(field_name)
        return original(field_name, record_name)

    monkeypatch.setattr(avro_diff, "field_place", counted)
    many = [{"name": f"f{k}", "type": ["null", "string"], "default": None} for k in range(30)]
    added = {"name": "added", "type": ["null", "int"], "default": None}
    new = parsed({"type": "record", "name": "Wide", "fields": [*many, added]})
    old = parsed({"type": "record", "name": "Wide", "fields": many}, registered=True)
    changes = diff(old, new)
    assert [change.description for change in changes] == [
        "field `added` added with default null (in record `Wide`)"
    ]
    assert places == ["added"]


def fields_of(schema: AvroSchema) -> tuple[Any, ...]:
    assert isinstance(schema.root, Record)
    return schema.root.fields


def test_a_field_is_looked_up_before_it_is_judged_and_shared_only_as_judged() -> None:
    avro_parse.clear_caches()
    inner = {"type": "record", "name": "Inner", "fields": [{"name": "a", "type": "int"}]}
    value = record_of(
        {"name": "kept", "type": ["null", "string"], "default": None},
        # a union of a record: unhashable as a key of simple fields, shared as a subtree
        {"name": "boxed", "type": ["null", inner], "default": None},
        # a named type's name: built anew each time, as what it names may differ
        {"name": "named", "type": ["null", "Inner"], "default": None},
        {"name": "again", "type": "Inner"},
    )
    first, second = fields_of(parsed(value)), fields_of(parsed(value))
    assert [one is other for one, other in zip(first, second, strict=True)] == [
        True,
        True,
        False,
        False,
    ]
    assert len(avro_parse._SHARED_FIELDS) == 2  # `kept`, and `a` of Inner
    assert len(avro_parse._SHARED_SUBTREES) == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"name": ["x"], "type": ["null", "string"], "default": None}, 'has no "name"'),
        ({"name": {"x": 1}, "type": "int"}, 'has no "name"'),
        ({"name": "x", "type": ["null", ["int"]], "default": None}, "another union"),
        ({"name": "x", "type": ["null", "null"], "default": None}, "two branches"),
        ({"name": "x", "type": ["null", 5], "default": None}, "a schema must be"),
    ],
)
def test_fields_of_no_shared_shape_are_judged_as_ever(raw: Any, message: str) -> None:
    for _ in range(2):
        with pytest.raises(SchemaInvalid, match=message):
            parsed(record_of(raw))


# (reader, writer) whose shared fields still have something to say
READ_SHAPES = [
    # a shared field whose aliases name another writer field: matched twice
    (
        record_of({"name": "a", "type": "int", "aliases": ["old"]}, B),
        record_of({"name": "a", "type": "int", "aliases": ["old"]}, {"name": "old", "type": "int"}),
    ),
    # a shared field whose union reads one branch with another's logical type: a warning
    (
        record_of({"name": "u", "type": ["long", {"type": "int", "logicalType": "date"}]}, B),
        record_of({"name": "u", "type": ["long", {"type": "int", "logicalType": "date"}]}, A),
    ),
    # a shared field and a changed one
    (record_of(S, {"name": "a", "type": "long"}), record_of(S, {"name": "a", "type": "string"})),
]


@pytest.mark.parametrize(("reader", "writer"), READ_SHAPES)
def test_fields_both_versions_share_are_read_as_if_apart(reader: Any, writer: Any) -> None:
    avro_parse.clear_caches()
    # the registered version first: it shares nothing with the new schema
    writer_apart = parsed(writer, registered=True)
    apart = check_issues(parsed(reader), writer_apart)
    avro_parse.clear_caches()
    reader_first = parsed(reader)
    writer_after = parsed(writer, registered=True)
    assert fields_of(reader_first)[0] is fields_of(writer_after)[0]
    assert apart
    assert check_issues(reader_first, writer_after) == apart


class _CountedMap(dict[str, Any]):
    looked_up: list[str]

    def get(self, key: str, default: Any = None) -> Any:
        self.looked_up.append(key)
        return super().get(key, default)


def test_a_check_looks_only_at_the_fields_that_differ() -> None:
    kept = [{"name": f"f{k}", "type": ["null", "string"], "default": None} for k in range(30)]
    reader = parsed(record_of(*kept, {"name": "v", "type": "long"}))
    writer = parsed(record_of(*kept, {"name": "v", "type": "int"}), registered=True)
    assert isinstance(writer.root, Record)
    counted = _CountedMap(writer.root.field_map)
    counted.looked_up = []
    writer.root.field_map = counted
    assert Checker().run(reader.root, writer.root) == []
    assert counted.looked_up == ["v"]


def test_fields_apart_are_those_not_held_at_the_same_index() -> None:
    value = record_of(S, A, B)
    one = fields_of(parsed(value))
    same = fields_of(parsed(value))
    assert one == same  # one object each
    changed = fields_of(parsed(record_of(S, {"name": "a", "type": "long"}, B)))
    longer = fields_of(parsed(record_of(S, A, B, {**A, "name": "c"})))
    assert list(fields_apart(one, same)) == []
    assert list(fields_apart(changed, one)) == [changed[1]]
    assert list(fields_apart(longer, one)) == [longer[3]]
    assert list(fields_apart(one, longer)) == []
    assert list(fields_apart(one, one[1:])) == list(one)
