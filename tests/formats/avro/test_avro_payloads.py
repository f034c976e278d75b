"""Avro payload generation: coverage, determinism, validity, encode/decode and the JSON view."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import json
import math
import uuid
from decimal import Decimal
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.errors import SchemaInvalid
from gate.formats.avro import payloads

ENUM = {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE", "BLACK"]}
FIXED = {"type": "fixed", "name": "Hash", "size": 4}
INNER = {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]}


def _branch(data: bytes) -> int:
    """The union branch index a body starts with (zig-zag varint)."""
    shift = value = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return (value >> 1) ^ -(value & 1)


def _coverage(schema: Any) -> list[Any]:
    return payloads.generate(schema, random_count=0)


def _roundtrip(schema: Any, value: Any) -> Any:
    parsed = fastavro.parse_schema(copy.deepcopy(schema))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, value)
    return fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), parsed, None)


def _record(*fields: tuple[str, Any]) -> dict[str, Any]:
    return {
        "type": "record",
        "name": "R",
        "namespace": "t",
        "fields": [{"name": name, "type": kind} for name, kind in fields],
    }


def test_every_union_branch_is_written_by_some_coverage_payload() -> None:
    union = [
        "null",
        "boolean",
        "int",
        "long",
        "float",
        "double",
        "bytes",
        "string",
        ENUM,
        FIXED,
        INNER,
        {"type": "array", "items": "int"},
        {"type": "map", "values": "int"},
    ]
    parsed = payloads.parse(union)
    branches = {_branch(payloads.encode(p, parsed)) for p in _coverage(union)}
    assert branches == set(range(len(union)))


@pytest.mark.parametrize(
    "union",
    [
        ["int", "long"],  # 0 fits int: long is reached through tuple notation
        ["float", "double"],  # fastavro prefers double for every Python float
        ["string", ENUM],  # every symbol is a string
        ["bytes", FIXED],
        [INNER, {"type": "record", "name": "Other", "fields": [{"name": "x", "type": "int"}]}],
        [{"type": "map", "values": "int"}, INNER],
    ],
)
def test_branches_fastavro_would_not_pick_are_still_covered(union: list[Any]) -> None:
    parsed = payloads.parse(union)
    branches = {_branch(payloads.encode(p, parsed)) for p in _coverage(union)}
    assert branches == set(range(len(union)))


def test_every_enum_symbol_in_a_nested_position_is_covered() -> None:
    schema = _record(
        ("colors", {"type": "array", "items": ["null", ENUM]}),
        ("by_name", {"type": "map", "values": "Color"}),
    )
    seen_in_arrays = {c for p in _coverage(schema) for c in p["colors"]}
    seen_in_maps = {c for p in _coverage(schema) for c in p["by_name"].values()}
    assert seen_in_arrays == {None, *ENUM["symbols"]}
    assert seen_in_maps == set(ENUM["symbols"])


def test_edge_values_of_primitives_are_covered() -> None:
    schema = _record(
        ("i", "int"),
        ("l", "long"),
        ("f", "float"),
        ("d", "double"),
        ("s", "string"),
        ("b", "bytes"),
        ("flag", "boolean"),
        ("fx", FIXED),
        ("opt", ["null", "string"]),
        ("arr", {"type": "array", "items": "int"}),
        ("m", {"type": "map", "values": "int"}),
    )
    rows = _coverage(schema)

    def column(name: str) -> list[Any]:
        return [row[name] for row in rows]

    assert {0, -1, 1, -(2**31), 2**31 - 1} <= set(column("i"))
    assert {0, -(2**63), 2**63 - 1} <= set(column("l"))
    for name in ("f", "d"):
        values = column(name)
        assert any(math.isnan(v) for v in values)
        assert math.inf in values
        assert -math.inf in values
        assert any(v == 0 and math.copysign(1, v) < 0 for v in values)  # -0.0
    strings = column("s")
    assert "" in strings
    assert any(any(ord(char) > 0xFFFF for char in text) for text in strings)  # astral plane
    assert b"" in column("b")
    assert bytes(range(256)) in column("b")
    assert set(column("flag")) == {False, True}
    assert {b"\x00" * 4, b"\xff" * 4} <= set(column("fx"))
    assert None in column("opt")
    assert any(v is not None for v in column("opt"))
    assert [] in column("arr")
    assert any(column("arr"))
    assert {} in column("m")
    assert any(column("m"))


def test_logical_types_are_covered_at_their_edges() -> None:
    schema = _record(
        ("dec", {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}),
        (
            "fdec",
            {
                "type": "fixed",
                "name": "D",
                "size": 3,
                "logicalType": "decimal",
                "precision": 6,
                "scale": 0,
            },
        ),
        ("day", {"type": "int", "logicalType": "date"}),
        ("tm", {"type": "int", "logicalType": "time-millis"}),
        ("tu", {"type": "long", "logicalType": "time-micros"}),
        ("tsm", {"type": "long", "logicalType": "timestamp-millis"}),
        ("tsu", {"type": "long", "logicalType": "timestamp-micros"}),
        ("tsn", {"type": "long", "logicalType": "timestamp-nanos"}),
        ("ltm", {"type": "long", "logicalType": "local-timestamp-millis"}),
        ("ltu", {"type": "long", "logicalType": "local-timestamp-micros"}),
        ("id", {"type": "string", "logicalType": "uuid"}),
        ("dur", {"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}),
    )
    rows = _coverage(schema)

    def column(name: str) -> list[Any]:
        return [row[name] for row in rows]

    assert {Decimal("999.99"), Decimal("-999.99"), Decimal("0.01")} <= set(column("dec"))
    assert Decimal("999999") in column("fdec")
    assert {dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1)} <= set(column("day"))
    assert dt.time(23, 59, 59, 999000) in column("tm")
    assert dt.time(23, 59, 59, 999999) in column("tu")
    assert dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.UTC) in column("tsm")
    assert dt.datetime(1, 1, 1, tzinfo=dt.UTC) in column("tsu")
    assert {-(2**63), 2**63 - 1} <= set(column("tsn"))
    assert dt.datetime(9999, 12, 31, 23, 59, 59, 999999) in column("ltu")
    assert all(value.tzinfo is None for value in column("ltm"))
    assert uuid.UUID(int=0) in column("id")
    assert b"\xff" * 12 in column("dur")
    for row in rows:  # each value survives fastavro's own write and read unchanged
        assert _roundtrip(schema, row) == row


def test_coverage_size_is_the_largest_choice_not_the_product() -> None:
    schema = _record(("a", ENUM), ("b", "Color"), ("c", ["null", "boolean"]))
    assert payloads.coverage_size(schema) == 4  # max(4, 4, 1 + 2), not 4 * 4 * 3
    assert len(_coverage(schema)) == 4
    assert {row["c"] for row in _coverage(schema)} == {None, False, True}


def test_recursive_types_are_bounded_and_uninhabited_ones_give_nothing() -> None:
    linked = {
        "type": "record",
        "name": "Node",
        "fields": [
            {"name": "value", "type": "int"},
            {"name": "next", "type": ["null", "Node"]},
            {"name": "children", "type": {"type": "array", "items": "Node"}},
        ],
    }
    rows = payloads.generate(linked, random_count=30)

    def depth(node: Any) -> int:
        if not isinstance(node, dict):
            return 0
        inner = [node["next"], *node["children"]]
        return 1 + max((depth(child) for child in inner), default=0)

    assert rows
    assert max(depth(row) for row in rows) <= payloads.MAX_RECURSION + 1
    assert any(row["next"] is not None for row in rows)
    endless = {"type": "record", "name": "Loop", "fields": [{"name": "me", "type": "Loop"}]}
    assert not payloads.inhabited(endless)
    assert payloads.generate(endless) == []
    assert payloads.payload_set(endless).exhaustive is False


def test_same_seed_same_payloads_and_the_coverage_part_does_not_depend_on_it() -> None:
    schema = _record(
        ("a", "string"), ("b", ["null", "long", ENUM]), ("c", {"type": "map", "values": "double"})
    )
    first = payloads.payload_set(schema, seed=7, random_count=15)
    again = payloads.payload_set(copy.deepcopy(schema), seed=7, random_count=15)
    other = payloads.payload_set(schema, seed=8, random_count=15)
    assert [data for _, data in first.items] == [data for _, data in again.items]
    assert [data for _, data in first.items] != [data for _, data in other.items]
    assert first.items[: first.coverage] == other.items[: other.coverage]
    assert len(first.items) > first.coverage  # the random ones are there


def test_payload_bodies_are_what_fastavro_writes() -> None:
    schema = _record(("a", "string"), ("b", ["null", "long"]), ("c", FIXED))
    generated = payloads.payload_set(schema, random_count=5)
    parsed = fastavro.parse_schema(copy.deepcopy(schema))
    for payload, data in generated.items:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, parsed, payload)
        assert buffer.getvalue() == data


def test_parse_is_cached_by_content_and_rejects_invalid_schemas() -> None:
    schema = _record(("a", "int"))
    assert payloads.parse(schema) is payloads.parse(copy.deepcopy(schema))
    with pytest.raises(SchemaInvalid, match=r"UnknownType: t\.NoSuchType"):
        payloads.parse(_record(("a", "NoSuchType")))


def test_encode_and_decode_resolve_with_the_reader() -> None:
    writer = _record(("a", "int"))
    reader = _record(("a", "long"), ("b", "string"))
    reader["fields"][1]["default"] = "x"
    data = payloads.encode({"a": 5}, payloads.parse(writer))
    assert payloads.decode(data, payloads.parse(writer), payloads.parse(reader)) == {
        "a": 5,
        "b": "x",
    }
    with pytest.raises(Exception, match="No default value for field b"):
        payloads.decode(data, payloads.parse(writer), payloads.parse(_record(("b", "int"))))


def test_to_json_is_json_and_documented() -> None:
    value = {
        "b": b"\x00\xff",
        "d": Decimal("-1.50"),
        "ts": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "day": dt.date(2024, 1, 2),
        "t": dt.time(1, 2, 3),
        "u": uuid.UUID(int=1),
        "nan": math.nan,
        "inf": -math.inf,
        "z": -0.0,
        "tagged": ("long", 3),
        "list": [1, "x"],
    }
    view = payloads.to_json(value)
    assert view == {
        "b": "\u0000\u00ff",
        "d": "-1.50",
        "ts": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "t": "01:02:03",
        "u": "00000000-0000-0000-0000-000000000001",
        "nan": "NaN",
        "inf": "-Infinity",
        "z": -0.0,
        "tagged": {"long": 3},
        "list": [1, "x"],
    }
    assert view["b"].encode("latin-1") == value["b"]  # Avro's JSON encoding of bytes
    schema = _record(("a", ["null", "bytes", "double"]), ("c", FIXED))
    for payload in payloads.generate(schema):
        json.dumps(payloads.to_json(payload), allow_nan=False)


def test_avro_json_encoding_converts_to_writable_values() -> None:
    schema = _record(("a", ["null", "bytes"]), ("c", FIXED))
    parsed = payloads.parse(schema)
    value = payloads.from_avro_json({"a": {"bytes": "\u00ff\u0001"}, "c": "abcd"}, parsed)
    assert value == {"a": b"\xff\x01", "c": b"abcd"}
    assert base64.b64encode(payloads.encode(value, parsed))


# -- property: every generated payload is a valid value of its schema -----------------------------

_PRIMITIVE = st.sampled_from(
    ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
)


@st.composite
def _types(draw: st.DrawFn, depth: int = 0, prefix: str = "N") -> Any:
    roll = draw(st.integers(0, 9 if depth < 2 else 3))
    if roll <= 3:
        return draw(_PRIMITIVE)
    name = f"{prefix}{depth}x{roll}"
    if roll == 4:
        symbols = draw(st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=4, unique=True))
        return {"type": "enum", "name": name, "symbols": symbols}
    if roll == 5:
        return {"type": "fixed", "name": name, "size": draw(st.integers(0, 5))}
    if roll == 6:
        kinds = draw(st.lists(_PRIMITIVE, min_size=1, max_size=4, unique=True))
        return kinds
    if roll == 7:
        return {"type": "array", "items": draw(_types(depth + 1, name))}
    if roll == 8:
        return {"type": "map", "values": draw(_types(depth + 1, name))}
    count = draw(st.integers(1, 3))
    return {
        "type": "record",
        "name": name,
        "fields": [
            {"name": f"f{i}", "type": draw(_types(depth + 1, f"{name}f{i}"))} for i in range(count)
        ],
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, tuple):  # tuple notation: fastavro reads back the bare value
        return _same(a[1], b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= abs(a) * 1e-6  # float32 rounding
    return bool(a == b)


@settings(max_examples=60, deadline=None)
@given(_types(), st.integers(0, 3))
def test_generated_payloads_round_trip_through_fastavro(schema: Any, seed: int) -> None:
    generated = payloads.payload_set(schema, seed=seed, random_count=5)
    assert generated.exhaustive
    parsed = payloads.parse(schema)
    for payload, data in generated.items:
        assert _same(payload, payloads.decode(data, parsed, parsed))


def test_random_payloads_of_deeply_nested_arrays_stay_within_their_budget() -> None:
    from gate.formats.avro import payloads as avro_payloads

    schema: Any = "int"
    for _ in range(40):
        schema = {"type": "array", "items": schema}
    generated = avro_payloads.payload_set(schema, random_count=20)
    assert generated.bounded

    def values(value: Any) -> int:
        return 1 + sum(values(item) for item in value) if isinstance(value, list) else 1

    assert all(
        values(payload) <= 2 * avro_payloads.MAX_RANDOM_VALUES + 1 for payload, _ in generated.items
    )
    assert not avro_payloads.payload_set({"type": "array", "items": "int"}).bounded


# -- work bounded by counting, never by time ---------------------------------------------------

# every value the coverage set or the random payloads build or look at is one call of these
_BUILDERS = ("_cover", "_random", "_minimal", "_valid")
# what generating one schema's payloads may cost at most: the coverage set and the random
# payloads each build at most MAX_COVERAGE_VALUES values, and a call builds or looks at one
# value (a union's own call, and the value it holds, are two)
_WORK_BOUND = 4 * 2 * payloads.MAX_COVERAGE_VALUES


class _TooMuchWork(AssertionError):
    pass


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of the payload builders, counted; past `_WORK_BOUND` the generation fails fast
    instead of running on (exponentially, in the schemas below)."""
    payloads.clear_caches()
    calls = {"n": 0}
    for name in _BUILDERS:
        original = getattr(payloads, name)

        def counting(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] > _WORK_BOUND:
                raise _TooMuchWork(f"more than {_WORK_BOUND} values built or looked at")
            return _original(*args, **kwargs)

        monkeypatch.setattr(payloads, name, counting)
    yield calls
    payloads.clear_caches()


def _round_trip(schema: Any, generated: payloads.PayloadSet) -> None:
    parsed = payloads.parse(schema)
    for payload, data in generated.items:
        assert payloads.encode(payload, parsed) == data


def test_a_smallest_value_past_the_budget_gives_no_payloads_and_a_note(
    counted: dict[str, int],
) -> None:
    from tests.support.avro_shapes import record_used_twice

    schema = record_used_twice(20)  # its smallest value alone holds 2^20 leaves
    generated = payloads.payload_set(schema)
    assert generated.items == ()
    assert not generated.exhaustive
    assert generated.values == 0
    (note,) = generated.notes
    assert "no payloads simulated" in note
    assert str(payloads.MAX_COVERAGE_VALUES) in note
    assert payloads.minimal(schema) is None
    assert counted["n"] <= _WORK_BOUND


def test_payloads_of_a_record_used_twice_at_each_level_stay_within_the_budget(
    counted: dict[str, int],
) -> None:
    from tests.support.avro_shapes import record_used_twice

    schema = record_used_twice(12)  # 2^12 leaves in each payload
    generated = payloads.payload_set(schema, random_count=20)
    assert generated.items, "payloads of a schema within the budget are built"
    assert generated.values <= 2 * payloads.MAX_COVERAGE_VALUES
    assert any("random payloads were cut short" in note for note in generated.notes)
    assert counted["n"] <= _WORK_BOUND
    _round_trip(schema, generated)


def test_nested_unions_of_records_are_tagged_not_searched(counted: dict[str, int]) -> None:
    from tests.support.avro_shapes import unions_of_records

    schema = unions_of_records(8, 4)
    generated = payloads.payload_set(schema, random_count=20)
    assert len(generated.items) > payloads.MAX_COVERAGE // 2
    assert generated.values <= 2 * payloads.MAX_COVERAGE_VALUES
    assert not generated.exhaustive
    assert any(
        f"coverage payloads stopped at {payloads.MAX_COVERAGE}" in note for note in generated.notes
    )
    assert counted["n"] <= _WORK_BOUND
    _round_trip(schema, generated)


@pytest.mark.parametrize(
    ("shape", "note"),
    [
        ("nested_arrays(40)", "random payloads stopped at"),
        ("nested_arrays(40, ['int', 'string'])", "random payloads stopped at"),
        ("enum_in_arrays(5, 2000)", "coverage payloads stopped at"),
        ("enum_in_arrays(40, 600)", "coverage payloads stopped at"),
    ],
)
def test_deep_arrays_and_big_enums_stay_within_the_budget_and_say_where_they_stop(
    counted: dict[str, int], shape: str, note: str
) -> None:
    from tests.support import avro_shapes

    schema = eval(shape, vars(avro_shapes))  # a fixed expression of this test
    generated = payloads.payload_set(schema, random_count=20)
    assert generated.items
    assert generated.values <= 2 * payloads.MAX_COVERAGE_VALUES
    assert counted["n"] <= _WORK_BOUND
    # the coverage set of an enum of more symbols than it has payloads is no longer silently
    # cut at MAX_COVERAGE
    assert any(note in said for said in generated.notes), generated.notes
    _round_trip(schema, generated)
