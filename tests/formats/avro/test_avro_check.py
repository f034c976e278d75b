"""The reader/writer checker: Avro's resolution rules, all incompatibilities, pointers, messages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.formats.avro.check import compatible
from gate.formats.avro.rules import ERROR_RULES
from gate.jsonpos import line_of
from gate.model import Incompatibility, Origin, OriginKind, Schema, SchemaType
from tests.support.paths import CONFORMANCE

if TYPE_CHECKING:
    from gate.formats.avro.nodes import AvroSchema

OPTIONS = CheckOptions()
AVRO_CONFORMANCE = CONFORMANCE / "avro"
PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
# writer -> the readers Avro resolution allows besides the same type
PROMOTES_TO = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


def parse(value: Any, refs: tuple[tuple[str, Any], ...] = ()) -> AvroSchema:
    text = json.dumps(value, indent=2)
    resolved = tuple((n, json.dumps(r)) for n, r in refs)
    return FORMAT.parse(
        Schema(
            SchemaType.AVRO, text, Origin(OriginKind.FILE, "s.avsc"), resolved_references=resolved
        ),
        OPTIONS,
    )


def check(reader: Any, writer: Any) -> list[Incompatibility]:
    return FORMAT.check(parse(reader), parse(writer), OPTIONS)


def errors(reader: Any, writer: Any) -> list[tuple[str, str]]:
    return [(i.rule, i.path) for i in check(reader, writer) if i.rule in ERROR_RULES]


def record(fields: list[Any], name: str = "User", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, **extra, "fields": fields}


def _conformance_cases() -> list[Any]:
    path = AVRO_CONFORMANCE / "apache-avro-py.json"
    if not path.is_file():
        pytest.fail(f"conformance corpus missing: {path}")
    cases = json.loads(path.read_text(encoding="utf-8"))
    return [
        pytest.param(case, mode, expected, id=f"{case['id']}-{mode}")
        for case in cases
        for mode, expected in sorted(case["expect"].items())
    ]


@pytest.mark.parametrize(("case", "mode", "expected"), _conformance_cases())
def test_apache_avro_conformance(case: Any, mode: str, expected: bool) -> None:
    old, new = parse(case["old"]), parse(case["new"])
    reader, writer = (new, old) if mode == "BACKWARD" else (old, new)
    found = FORMAT.check(reader, writer, OPTIONS)
    assert (not [i for i in found if i.rule in ERROR_RULES]) is expected, found
    for incompatibility in found:
        assert incompatibility.side == "reader"
        assert line_of(reader.text, incompatibility.path) is not None


@pytest.mark.parametrize("writer", PRIMITIVES)
@pytest.mark.parametrize("reader", PRIMITIVES)
def test_primitive_promotions(reader: str, writer: str) -> None:
    readable = reader == writer or reader in PROMOTES_TO.get(writer, set())
    found = errors(reader, writer)
    assert found == ([] if readable else [("AVRO_TYPE_MISMATCH", "")])


def test_every_incompatibility_is_reported_not_only_the_first() -> None:
    writer = record(
        [
            {"name": "a", "type": "long"},
            {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["X", "Y"]}},
            {"name": "c", "type": ["null", "string"], "default": None},
            {"name": "d", "type": {"type": "fixed", "name": "F", "size": 4}},
        ]
    )
    reader = record(
        [
            {"name": "a", "type": "int"},
            {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["X"]}},
            {"name": "c", "type": "string"},
            {"name": "d", "type": {"type": "fixed", "name": "F", "size": 8}},
            {"name": "e", "type": "string"},
        ]
    )
    assert errors(reader, writer) == [
        ("AVRO_TYPE_MISMATCH", "/fields/0/type"),
        ("AVRO_MISSING_ENUM_SYMBOLS", "/fields/1/type/symbols"),
        ("AVRO_TYPE_MISMATCH", "/fields/2/type"),
        ("AVRO_FIXED_SIZE_MISMATCH", "/fields/3/type/size"),
        ("AVRO_READER_FIELD_MISSING_DEFAULT", "/fields/4"),
    ]


def test_messages_name_field_types_and_sides_and_suggest_a_fix() -> None:
    [found] = check(
        record([{"name": "age", "type": "int"}]), record([{"name": "age", "type": "long"}])
    )
    assert "field `age` (in record `User`)" in found.message
    assert "int in the reader but long in the writer" in found.message
    assert found.fix is not None
    assert "long" in found.fix
    [missing] = check(record([{"name": "b", "type": "int"}]), record([]))
    assert missing.message == (
        "field `b` (in record `User`) has no default and is missing from the writer schema, so "
        "the reader cannot fill it"
    )
    assert missing.fix == "give `b` a default"


def test_messages_do_not_depend_on_the_direction() -> None:
    old = record(
        [{"name": "a", "type": ["null", "string"], "default": None}, {"name": "b", "type": "long"}]
    )
    new = record(
        [
            {"name": "a", "type": "null", "default": None},
            {"name": "b", "type": "int"},
            {"name": "c", "type": "int"},
        ]
    )
    for reader, writer in ((old, new), (new, old)):
        for incompatibility in check(reader, writer):
            words = incompatibility.message.lower().split()
            assert not {"backward", "forward", "old", "new"} & set(words)
            assert "reader" in incompatibility.message or "writer" in incompatibility.message


def test_a_union_branch_the_reader_dropped() -> None:
    [found] = check(
        record([{"name": "c", "type": ["null", "long"], "default": None}]),
        record([{"name": "c", "type": ["null", "string", "long"], "default": None}]),
    )
    assert (found.rule, found.path) == ("AVRO_MISSING_UNION_BRANCH", "/fields/0/type")
    assert found.message.startswith("writer union branch `string` at field `c`")
    assert found.fix == "keep `string` in the union"


def test_a_union_branch_meant_for_the_writer_type_explains_why_it_cannot_read_it() -> None:
    old_user = record([{"name": "id", "type": "long"}])
    new_user = record([{"name": "id", "type": "long"}, {"name": "email", "type": "string"}])
    reader = record([{"name": "u", "type": ["null", new_user], "default": None}], name="Event")
    writer = record([{"name": "u", "type": old_user}], name="Event")
    assert errors(reader, writer) == [
        ("AVRO_READER_FIELD_MISSING_DEFAULT", "/fields/0/type/1/fields/1")
    ]


def test_a_writer_union_against_a_reader_that_is_not_a_union() -> None:
    found = check(
        record([{"name": "n", "type": "string"}]),
        record([{"name": "n", "type": ["null", "string", "int"], "default": None}]),
    )
    assert [(i.rule, i.path) for i in found] == [
        ("AVRO_TYPE_MISMATCH", "/fields/0/type"),
        ("AVRO_TYPE_MISMATCH", "/fields/0/type"),
    ]
    assert "writer union branch `null`" in found[0].message
    assert "writer union branch `int`" in found[1].message


def test_fields_match_by_alias_and_named_types_by_unqualified_name_or_alias() -> None:
    writer = record([{"name": "old_name", "type": "string"}], name="User", namespace="com.old")
    assert (
        errors(
            record(
                [{"name": "new_name", "type": "string", "aliases": ["old_name"]}],
                namespace="com.new",
            ),
            writer,
        )
        == []
    )
    assert errors(
        record([{"name": "new_name", "type": "string"}], namespace="com.new"), writer
    ) == [("AVRO_READER_FIELD_MISSING_DEFAULT", "/fields/0")]
    renamed = record([{"name": "old_name", "type": "string"}], name="Customer", namespace="com.new")
    assert errors(renamed, writer) == [("AVRO_NAME_MISMATCH", "/name")]
    assert errors({**renamed, "aliases": ["com.old.User"]}, writer) == []


def test_an_enum_default_reads_unknown_symbols() -> None:
    writer = {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}
    assert (
        errors({"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "A"}, writer) == []
    )
    [(rule, path)] = errors({"type": "enum", "name": "E", "symbols": ["A", "B"]}, writer)
    assert (rule, path) == ("AVRO_MISSING_ENUM_SYMBOLS", "/symbols")


def test_an_enum_default_is_not_a_field_default() -> None:
    enum = {"type": "enum", "name": "E", "symbols": ["A"], "default": "A"}
    [found] = check(record([{"name": "e", "type": enum}]), record([]))
    assert found.rule == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert "the default of its enum type does not count" in found.message


def test_recursive_types_terminate_and_point_at_the_definition() -> None:
    def node(extra: list[Any]) -> dict[str, Any]:
        return record(
            [
                {"name": "value", "type": "int"},
                {"name": "children", "type": {"type": "array", "items": "Node"}},
                *extra,
            ],
            name="Node",
        )

    assert errors(node([]), node([])) == []
    reader = node([{"name": "label", "type": "string"}])
    assert errors(reader, node([])) == [("AVRO_READER_FIELD_MISSING_DEFAULT", "/fields/2")]
    assert errors(node([]), reader) == []


def test_mutually_recursive_types() -> None:
    def tree(leaf_type: str) -> dict[str, Any]:
        forest = record(
            [{"name": "trees", "type": {"type": "array", "items": "Tree"}}], name="Forest"
        )
        return record(
            [
                {"name": "leaf", "type": leaf_type},
                {"name": "forest", "type": ["null", forest], "default": None},
            ],
            name="Tree",
        )

    assert errors(tree("long"), tree("int")) == []
    assert errors(tree("int"), tree("long")) == [("AVRO_TYPE_MISMATCH", "/fields/0/type")]


def test_a_named_type_used_twice_is_reported_once_at_its_definition() -> None:
    def schema(symbols: list[str]) -> dict[str, Any]:
        return record(
            [
                {"name": "home", "type": {"type": "enum", "name": "Country", "symbols": symbols}},
                {"name": "work", "type": "Country"},
            ]
        )

    assert errors(schema(["NL"]), schema(["NL", "DE"])) == [
        ("AVRO_MISSING_ENUM_SYMBOLS", "/fields/0/type/symbols")
    ]


def test_a_named_reference_of_another_kind_is_a_mismatch_where_it_is_used() -> None:
    reader = record(
        [
            {"name": "a", "type": {"type": "fixed", "name": "F", "size": 2}},
            {"name": "b", "type": "F"},
        ]
    )
    writer = record(
        [
            {"name": "a", "type": {"type": "fixed", "name": "F", "size": 2}},
            {"name": "b", "type": "string"},
        ]
    )
    assert errors(reader, writer) == [("AVRO_TYPE_MISMATCH", "/fields/1/type")]


def test_types_from_references_are_reported_where_they_are_first_used() -> None:
    def address(fields: list[Any]) -> dict[str, Any]:
        return record(fields, name="Address", namespace="com.acme")

    main = record(
        [{"name": "id", "type": "long"}, {"name": "home", "type": "com.acme.Address"}], name="Order"
    )
    reader = parse(main, (("address", address([{"name": "zip", "type": "string"}])),))
    writer = parse(main, (("address", address([])),))
    found = FORMAT.check(reader, writer, OPTIONS)
    assert [(i.rule, i.path) for i in found] == [
        ("AVRO_READER_FIELD_MISSING_DEFAULT", "/fields/1/type/fields/0")
    ]
    # the reference's fields are not in the schema text: the line is the line of the use
    assert line_of(reader.text, found[0].path) == line_of(reader.text, "/fields/1/type")


def test_warnings_do_not_change_the_verdict() -> None:
    def created(logical: str) -> dict[str, Any]:
        return record([{"name": "created", "type": {"type": "long", "logicalType": logical}}])

    reader, writer = parse(created("timestamp-micros")), parse(created("timestamp-millis"))
    found = FORMAT.check(reader, writer, OPTIONS)
    assert [(i.rule, i.path) for i in found] == [
        ("AVRO_TIMESTAMP_PRECISION_CHANGED", "/fields/0/type")
    ]
    assert compatible(reader, writer)


def test_a_promotion_that_drops_a_logical_type_warns() -> None:
    found = check(
        record([{"name": "d", "type": "long"}]),
        record([{"name": "d", "type": {"type": "int", "logicalType": "date"}}]),
    )
    assert [(i.rule, i.path) for i in found] == [("AVRO_LOGICAL_TYPE_CHANGED", "/fields/0/type")]
    assert "underlying long and int" in found[0].message


def test_decimal_precision_and_scale_on_fixed() -> None:
    def money(precision: int, scale: int) -> dict[str, Any]:
        return {
            "type": "fixed",
            "name": "Money",
            "size": 8,
            "logicalType": "decimal",
            "precision": precision,
            "scale": scale,
        }

    found = check(money(10, 4), money(12, 2))
    assert [(i.rule, i.path) for i in found] == [
        ("AVRO_DECIMAL_PRECISION_CHANGED", ""),
        ("AVRO_DECIMAL_SCALE_CHANGED", ""),
    ]
    assert "factor of 10^2" in found[1].message


def test_an_empty_union_reads_nothing_and_writes_nothing() -> None:
    assert errors("int", []) == []
    assert errors([], "int") == [("AVRO_MISSING_UNION_BRANCH", "")]


def _nested_unions(name: str, depth: int, width: int, tail: Any = None) -> dict[str, Any]:
    """A record whose field `u` is a union of `width` inlined records, each alike, `depth` deep;
    `tail` is added as a field of every innermost record."""
    fields: list[Any] = [{"name": "x", "type": "int"}]
    if depth > 0:
        branches = [_nested_unions(f"{name}_{i}", depth - 1, width, tail) for i in range(width)]
        fields.append({"name": "u", "type": branches})
    elif tail is not None:
        fields.append(tail)
    return record(fields, name=name)


@pytest.mark.parametrize(
    ("tail", "broken"),
    [
        ({"name": "y", "type": "string", "default": ""}, False),
        ({"name": "y", "type": "string"}, True),
    ],
)
def test_nested_unions_of_records_are_paired_in_polynomial_work(tail: Any, broken: bool) -> None:
    # each writer record is paired with one reader branch of its name, not with all of them: the
    # other branches fail on their names alone (8^3 pairs per level here before, 8 now)
    from gate.formats.avro.check import Checker

    writer = parse(_nested_unions("R", 3, 6))
    reader = parse(_nested_unions("R", 3, 6, tail))
    checker = Checker()
    issues = checker.run(reader.root, writer.root)
    records = 1 + 6 + 36 + 216
    assert len(checker.memo) <= 4 * records
    assert bool([i for i in issues if i.error]) is broken
    if broken:
        assert {i.rule for i in issues if i.error} == {"AVRO_READER_FIELD_MISSING_DEFAULT"}
        assert len([i for i in issues if i.error]) == 216  # every innermost record names it


def test_a_branch_of_another_name_is_still_walked_when_a_field_alias_below_it_can_throw() -> None:
    # Avro's checker walks every reader branch; a reader field whose aliases match two writer
    # fields throws there, even under a branch whose name fails: that walk is kept
    writer = record([{"name": "a", "type": "int"}, {"name": "b", "type": "int"}], name="W")
    ambiguous = record([{"name": "f", "type": "int", "aliases": ["a", "b"]}], name="X")
    reader = record([{"name": "v", "type": [ambiguous, writer]}], name="Outer")
    outer_writer = record([{"name": "v", "type": writer}], name="Outer")
    issues = check(reader, outer_writer)
    assert len(issues) == 1
    assert "more than one writer field" in issues[0].message
