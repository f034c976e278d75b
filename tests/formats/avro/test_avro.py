"""The Avro format: its interface, sniffing, and the validity rules the registry enforces."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.errors import SchemaInvalid
from gate.formats import CheckOptions, SchemaFormat, get_format
from gate.formats.avro import FORMAT
from gate.formats.avro.nodes import AvroSchema, Fixed, Primitive, Record, Union
from gate.formats.avro.rules import ERROR_RULES
from gate.jsonpos import line_of
from gate.model import Origin, OriginKind, Schema, SchemaType, Severity

OPTIONS = CheckOptions()


def schema_of(value: Any, refs: tuple[tuple[str, Any], ...] = ()) -> Schema:
    text = value if isinstance(value, str) else json.dumps(value, indent=2)
    resolved = tuple((name, ref if isinstance(ref, str) else json.dumps(ref)) for name, ref in refs)
    return Schema(
        SchemaType.AVRO, text, Origin(OriginKind.FILE, "s.avsc"), resolved_references=resolved
    )


def parse(value: Any, refs: tuple[tuple[str, Any], ...] = ()) -> AvroSchema:
    return FORMAT.parse(schema_of(value, refs), OPTIONS)


def invalid(value: Any, refs: tuple[tuple[str, Any], ...] = ()) -> SchemaInvalid:
    with pytest.raises(SchemaInvalid) as caught:
        parse(value, refs)
    return caught.value


def record(fields: list[Any], name: str = "User", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, **extra, "fields": fields}


# -- the interface --------------------------------------------------------------------------------


def test_the_format_is_registered_for_avro() -> None:
    fmt: SchemaFormat = get_format(SchemaType.AVRO)
    assert fmt is FORMAT
    assert fmt.type is SchemaType.AVRO
    assert fmt.extensions == (".avsc",)


def test_rules_have_ids_purposes_and_severities() -> None:
    rules = {rule.id: rule for rule in FORMAT.rules()}
    assert rules["AVRO_INVALID_SCHEMA"].severity is Severity.ERROR
    assert rules["AVRO_DECIMAL_SCALE_CHANGED"].severity is Severity.WARNING
    assert {r for r, rule in rules.items() if rule.severity is Severity.WARNING} == {
        "AVRO_DECIMAL_PRECISION_CHANGED",
        "AVRO_DECIMAL_SCALE_CHANGED",
        "AVRO_TIMESTAMP_PRECISION_CHANGED",
        "AVRO_LOGICAL_TYPE_CHANGED",
    }
    assert len(rules) == 11
    assert all(rule.purpose.endswith(".") and rule.category == "avro" for rule in rules.values())
    assert {r for r, rule in rules.items() if rule.severity is Severity.ERROR} == ERROR_RULES


def test_importing_the_format_does_not_import_fastavro() -> None:
    code = (
        "import sys, gate.formats.avro as a; a.FORMAT.rules(); a.FORMAT.sniff('\"int\"');"
        "print('fastavro' in sys.modules, 'gate.formats.avro.check' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "record", "name": "A", "fields": []}', True),
        ('{"type": "enum", "name": "E", "symbols": ["A"]}', True),
        ('{"type": "fixed", "name": "F", "size": 4}', True),
        ('["null", "string"]', True),
        ('"string"', True),
        ('// a user\n{"type": "record", "name": "A", "fields": []}', True),
        ('"str"', False),
        ('{"type": "object", "properties": {}}', False),
        ('{"type": "record"}', False),
        ('{"$schema": "http://json-schema.org/draft-07/schema#"}', False),
        ("not json", False),
        ("[" * 100_000, False),
        ("42", False),
    ],
)
def test_sniff(text: str, expected: bool) -> None:
    assert FORMAT.sniff(text) is expected


# -- valid schemas --------------------------------------------------------------------------------


def test_a_valid_schema_keeps_its_text_and_json() -> None:
    value = record([{"name": "id", "type": "long"}], namespace="com.example")
    parsed = parse(value)
    assert parsed.json == value
    assert parsed.text == json.dumps(value, indent=2)
    assert isinstance(parsed.root, Record)
    assert parsed.root.fullname == "com.example.User"
    assert set(parsed.names) == {"com.example.User"}
    assert fastavro.parse_schema(parsed.json)["name"] == "com.example.User"


def test_nodes_know_their_pointers() -> None:
    parsed = parse(
        record(
            [
                {"name": "id", "type": "long"},
                {
                    "name": "tags",
                    "type": ["null", {"type": "array", "items": "string"}],
                    "default": None,
                },
            ]
        )
    )
    assert isinstance(parsed.root, Record)
    tags = parsed.root.fields[1]
    assert tags.pointer == "/fields/1"
    assert isinstance(tags.type, Union)
    assert tags.type.pointer == "/fields/1/type"
    assert tags.type.branches[1].pointer == "/fields/1/type/1"


def test_recursive_types_are_allowed_and_shared() -> None:
    parsed = parse(
        record(
            [
                {"name": "value", "type": "int"},
                {"name": "next", "type": ["null", "Node"], "default": None},
            ],
            name="Node",
        )
    )
    assert isinstance(parsed.root, Record)
    union = parsed.root.fields[1].type
    assert isinstance(union, Union)
    assert union.branches[1] is parsed.root


def test_a_named_type_may_be_referred_to_by_an_object_with_its_name_as_type() -> None:
    parsed = parse(
        record(
            [
                {"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
                {"name": "b", "type": {"type": "E"}},
            ]
        )
    )
    assert isinstance(parsed.root, Record)
    assert parsed.root.fields[1].type is parsed.root.fields[0].type
    assert parsed.json["fields"][1]["type"] == "E"
    fastavro.parse_schema(parsed.json)


def test_comments_are_accepted_as_the_registry_accepts_them() -> None:
    text = '{\n  // who\n  "type": "record", /* a name */ "name": "A",\n  "fields": []\n}'
    assert parse(text).root.kind == "record"


def test_invalid_logical_types_fall_back_to_their_type() -> None:
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 2, "scale": 5}
    parsed = parse(record([{"name": "price", "type": decimal}]))
    assert isinstance(parsed.root, Record)
    price = parsed.root.fields[0].type
    assert isinstance(price, Primitive)
    assert price.logical is None
    # left out of the JSON, so fastavro (which would refuse it) sees plain bytes
    assert parsed.json["fields"][0]["type"] == {"type": "bytes", "precision": 2, "scale": 5}


@pytest.mark.parametrize(
    ("type_", "logical"),
    [
        ({"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}, "decimal(5, 2)"),
        ({"type": "bytes", "logicalType": "decimal", "precision": 5}, "decimal(5, 0)"),
        ({"type": "long", "logicalType": "timestamp-nanos"}, "timestamp-nanos"),
        ({"type": "int", "logicalType": "date"}, "date"),
        ({"type": "string", "logicalType": "uuid"}, "uuid"),
        ({"type": "string", "logicalType": "date"}, None),
        ({"type": "int", "logicalType": "no-such-type"}, None),
        ({"type": "bytes", "logicalType": "decimal", "precision": "5"}, None),
        ({"type": "bytes", "logicalType": "decimal", "precision": 0}, None),
    ],
)
def test_logical_types_as_avro_reads_them(type_: Any, logical: str | None) -> None:
    parsed = parse(type_)
    assert (None if parsed.root.logical is None else str(parsed.root.logical)) == logical


def test_a_decimal_must_fit_its_fixed_size() -> None:
    fits = {"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 9}
    too_big = {**fits, "precision": 10}
    assert str(parse(fits).root.logical) == "decimal(9, 0)"
    assert parse(too_big).root.logical is None


@pytest.mark.parametrize(
    ("type_", "default"),
    [
        ("int", 2**31 - 1),
        ("long", -(2**63)),
        ("float", 1),
        ("double", "NaN"),  # Java reads a string default of a float or double as a number
        ("double", "-Infinity"),
        ("bytes", "\u00ff"),
        ({"type": "fixed", "name": "F", "size": 2}, "xy"),
        ({"type": "enum", "name": "E", "symbols": ["A"]}, "A"),
        (["null", "int"], None),
        (["int", "null"], 3),
        ({"type": "array", "items": ["string", "null"]}, ["a", "b"]),
        ({"type": "map", "values": "long"}, {"a": 1}),
        (
            record(
                [{"name": "x", "type": "int"}, {"name": "y", "type": "int", "default": 1}], name="P"
            ),
            {"x": 1},
        ),
    ],
)
def test_valid_defaults(type_: Any, default: Any) -> None:
    parse(record([{"name": "f", "type": type_, "default": default}]))


def test_references_are_usable_by_name_and_inlined_at_first_use() -> None:
    address = record(
        [
            {"name": "street", "type": "string"},
            {
                "name": "country",
                "type": {"type": "enum", "name": "Country", "symbols": ["NL", "DE"]},
            },
        ],
        name="Address",
        namespace="com.acme",
    )
    main = record(
        [
            {"name": "billing", "type": "com.acme.Address"},
            {"name": "shipping", "type": ["null", "com.acme.Address"], "default": None},
            {"name": "origin", "type": "com.acme.Country"},
        ],
        name="Order",
        namespace="com.shop",
    )
    parsed = parse(main, (("com.acme.Address", address),))
    fields = parsed.json["fields"]
    assert fields[0]["type"]["name"] == "Address"
    assert fields[0]["type"]["namespace"] == "com.acme"
    assert fields[1]["type"] == ["null", "com.acme.Address"]
    assert fields[2]["type"] == "com.acme.Country"
    assert set(parsed.names) == {"com.shop.Order", "com.acme.Address", "com.acme.Country"}
    assert isinstance(parsed.root, Record)
    assert parsed.root.fields[0].type.pointer == "/fields/0/type"
    parsed_by_fastavro = fastavro.parse_schema(parsed.json)
    assert parsed_by_fastavro["name"] == "com.shop.Order"


def test_a_referenced_type_first_used_nested_is_not_defined_twice() -> None:
    address = record(
        [{"name": "country", "type": {"type": "enum", "name": "Country", "symbols": ["NL"]}}],
        name="Address",
        namespace="com.acme",
    )
    main = record(
        [
            {"name": "origin", "type": "com.acme.Country"},
            {"name": "billing", "type": "com.acme.Address"},
        ],
        name="Order",
        namespace="com.acme",
    )
    parsed = parse(main, (("address", address),))
    assert parsed.json["fields"][1]["type"]["fields"][0]["type"] == "Country"
    fastavro.parse_schema(parsed.json)


def test_references_may_use_earlier_references() -> None:
    country = {"type": "enum", "name": "Country", "symbols": ["NL"]}
    address = record([{"name": "country", "type": "Country"}], name="Address")
    parsed = parse(
        record([{"name": "a", "type": "Address"}]), (("country", country), ("address", address))
    )
    assert parsed.json["fields"][0]["type"]["fields"][0]["type"]["type"] == "enum"


# -- invalid schemas: each kind, with its pointer -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pointer", "fragment"),
    [
        (
            record([{"name": "age", "type": "int", "default": "x"}]),
            "/fields/0/default",
            'default of field `age` is "x" but its type is int',
        ),
        (
            record([{"name": "e", "type": ["null", "string"], "default": 1}]),
            "/fields/0/default",
            "must match one of its branches (null, string)",
        ),
        (
            record([{"name": "n", "type": "int", "default": 2**31}]),
            "/fields/0/default",
            "its type is int",
        ),
        (
            record([{"name": "n", "type": "long", "default": 1.0}]),
            "/fields/0/default",
            "its type is long",
        ),
        (record([{"name": "n", "type": "boolean", "default": 0}]), "/fields/0/default", "boolean"),
        (record([{"name": "n", "type": "float", "default": "abc"}]), "/fields/0/default", "float"),
        (record([{"name": "n", "type": "null", "default": 0}]), "/fields/0/default", "null"),
        (
            record(
                [
                    {
                        "name": "p",
                        "type": record([{"name": "x", "type": "int"}], name="P"),
                        "default": {},
                    }
                ]
            ),
            "/fields/0/default",
            "no value for field `x`",
        ),
        (
            record([{"name": "a", "type": {"type": "array", "items": "int"}, "default": ["x"]}]),
            "/fields/0/default",
            "item 0",
        ),
        (
            record([{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]),
            "/fields/1/name",
            "two fields named `a`",
        ),
        (record([], name="bad-name"), "/name", "`bad-name` is not a valid Avro name"),
        (record([], name="1st"), "/name", "not a valid Avro name"),
        (record([], namespace="com.my-co"), "/namespace", "not a valid Avro namespace"),
        (record([], name="com..User"), "/name", "not a valid Avro namespace"),
        (
            record([{"name": "my-field", "type": "int"}]),
            "/fields/0/name",
            "not a valid Avro field name",
        ),
        (record([], name="int"), "/name", "may not be called `int`"),
        ({"type": "fixed", "name": "F", "size": -1}, "/size", "non-negative integer, not -1"),
        ({"type": "fixed", "name": "F", "size": 1.5}, "/size", "non-negative integer"),
        ({"type": "fixed", "name": "F", "size": "16"}, "/size", "non-negative integer"),
        ({"type": "fixed", "name": "F"}, "", "non-negative integer, not missing"),
        (record([{"name": "a", "type": "Address"}]), "/fields/0/type", "unknown type `Address`"),
        (
            record(
                [{"name": "a", "type": "Later"}, {"name": "b", "type": record([], name="Later")}]
            ),
            "/fields/0/type",
            "unknown type `Later`",
        ),
        (
            {"type": "enum", "name": "E", "symbols": ["A"], "default": "B"},
            "/default",
            "not one of its symbols",
        ),
        ({"type": "enum", "name": "E", "symbols": ["A", "A"]}, "/symbols/1", "`A` twice"),
        ({"type": "enum", "name": "E", "symbols": ["A-B"]}, "/symbols/0", "not a valid"),
        ({"type": "enum", "name": "E"}, "", 'no "symbols" list'),
        (
            record([{"name": "u", "type": ["null", ["int", "string"]]}]),
            "/fields/0/type/1",
            "may not directly contain another union",
        ),
        (
            record([{"name": "u", "type": ["int", "string", "int"]}]),
            "/fields/0/type/2",
            "two branches of type `int`",
        ),
        (
            record(
                [
                    {
                        "name": "u",
                        "type": [
                            {"type": "map", "values": "int"},
                            {"type": "map", "values": "long"},
                        ],
                    }
                ]
            ),
            "/fields/0/type/1",
            "two branches of type `map`",
        ),
        (
            record(
                [
                    {"name": "a", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
                    {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["B"]}},
                ]
            ),
            "/fields/1/type/name",
            "`E` is defined twice, differently",
        ),
        ({"type": "record", "name": "R"}, "", 'record `R` has no "fields" list'),
        ({"type": "record", "fields": []}, "", 'record has no "name"'),
        (record([{"type": "int"}]), "/fields/0", 'has no "name"'),
        (record([{"name": "a"}]), "/fields/0", 'field `a` (in record `User`) has no "type"'),
        (record(["a"]), "/fields/0", "is not a JSON object"),
        (
            record([{"name": "a", "type": "int", "order": "up"}]),
            "/fields/0/order",
            "ascending, descending or ignore",
        ),
        (
            record([{"name": "a", "type": "int", "aliases": "b"}]),
            "/fields/0/aliases",
            "list of strings",
        ),
        (record([], aliases=["ok", "not ok"]), "/aliases/1", "alias `not ok`"),
        ({"type": "array"}, "", 'an array has no "items"'),
        ({"type": "map"}, "", 'a map has no "values"'),
        ({"type": {"type": "int"}}, "/type", 'the "type" of a schema object'),
        ({"name": "x"}, "", 'no "type"'),
        (5, "", "a schema must be a type name"),
        (record([{"name": "a", "type": "integer"}]), "/fields/0/type", "unknown type `integer`"),
    ],
)
def test_invalid_schemas_say_what_and_where(value: Any, pointer: str, fragment: str) -> None:
    error = invalid(value)
    assert fragment in error.message
    assert error.pointer == pointer
    assert error.line == line_of(json.dumps(value, indent=2), pointer)


def test_the_line_of_an_invalid_default_is_the_line_of_the_default() -> None:
    text = (
        '{\n  "type": "record",\n  "name": "User",\n  "fields": [\n'
        '    {"name": "id", "type": "long"},\n'
        '    {"name": "age", "type": "int",\n     "default": "x"}\n  ]\n}\n'
    )
    error = invalid(text)
    assert (error.pointer, error.line) == ("/fields/1/default", 7)


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ("", "empty", 1),
        ('{\n  "type": "record",\n', "not valid JSON", 3),
        ('{"type": "record", "name": "R", "fields": [], }', "not valid JSON", 1),
        ('{"type": "double", "default": NaN}', "NaN is not a JSON number", None),
        ('"int" "long"', "not valid JSON", 1),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply", 1),
        ('{"type": "array", "items": ' * 1001 + '"int"' + "}" * 1001, "nested too deeply", 1),
    ],
)
def test_text_that_is_not_json_or_too_deep(text: str, fragment: str, line: int | None) -> None:
    error = invalid(text)
    assert fragment in error.message
    assert error.line == line


def test_a_thousand_levels_of_nesting_parse_check_and_diff() -> None:
    levels = 999
    old = parse('{"type": "array", "items": ' * levels + '"int"' + "}" * levels)
    new = parse('{"type": "array", "items": ' * levels + '"long"' + "}" * levels)
    limit = sys.getrecursionlimit()
    assert old.depth == levels
    backward = FORMAT.check(new, old, OPTIONS)
    forward = FORMAT.check(old, new, OPTIONS)
    assert backward == []
    assert [i.rule for i in forward] == ["AVRO_TYPE_MISMATCH"]
    assert forward[0].path == "/items" * levels
    assert "a value 999 levels deep in the top-level schema" in forward[0].message
    assert len(FORMAT.diff(old, new, OPTIONS)) == 1
    # the recursion limit is raised only while the deep schema is worked on
    assert sys.getrecursionlimit() == limit


def test_invalid_references_are_reported_against_the_schema() -> None:
    error = invalid(
        record([{"name": "a", "type": "Address"}]), (("com.acme.Address", '{"type": "record"}'),)
    )
    assert "referenced schema `com.acme.Address` is invalid" in error.message
    assert error.pointer == ""


def test_a_type_defined_by_a_reference_cannot_be_defined_again_differently() -> None:
    address = record([], name="Address")
    other = record([{"name": "street", "type": "string"}], name="Address")
    error = invalid(record([{"name": "a", "type": other}]), (("address", address),))
    assert "`Address` is defined twice" in error.message
    assert error.pointer == "/fields/0/type/name"
    # Avro 1.12: an identical redefinition is the referenced type itself
    same = parse(record([{"name": "a", "type": address}]), (("address", address),))
    assert same.names["Address"].fields == ()


def test_a_null_namespace_type_used_inside_a_namespace_is_refused_for_fastavro() -> None:
    # Java finds `E` in the null namespace; fastavro, which must read `.json`, cannot
    value = record(
        [
            {"name": "a", "type": {"type": "enum", "name": "E", "namespace": "", "symbols": ["A"]}},
            {"name": "b", "type": "E"},
        ],
        namespace="ns",
    )
    error = invalid(value)
    assert error.message.startswith("fastavro refuses the schema")


def test_a_fixed_of_size_zero_is_valid_as_in_java() -> None:
    parsed = parse({"type": "fixed", "name": "Empty", "size": 0})
    assert isinstance(parsed.root, Fixed)
    assert parsed.root.size == 0


# -- robustness: nothing but SchemaInvalid comes out ---------------------------------------------

_KEYS = [
    "type",
    "name",
    "namespace",
    "fields",
    "items",
    "values",
    "symbols",
    "size",
    "default",
    "aliases",
    "logicalType",
    "precision",
    "scale",
    "order",
    "doc",
]
_WORDS = [
    "record",
    "enum",
    "fixed",
    "array",
    "map",
    "error",
    "int",
    "long",
    "string",
    "null",
    "bytes",
    "double",
    "float",
    "boolean",
    "A",
    "B",
    "x.y",
    "",
    "decimal",
    "date",
    "timestamp-millis",
    "uuid",
    "ascending",
]
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(_WORDS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(_json)
def test_any_json_parses_or_is_invalid_never_crashes(value: Any) -> None:
    try:
        parsed = parse(value)
    except SchemaInvalid as error:
        assert error.message
        return
    # whatever parses reads itself, changes nothing against itself, and suits fastavro
    assert not [i for i in FORMAT.check(parsed, parsed, OPTIONS) if i.rule in ERROR_RULES]
    assert FORMAT.diff(parsed, parsed, OPTIONS) == []
    fastavro.parse_schema(parsed.json)
