"""JSON Schema instance generation and validation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, validators

from gate.errors import SchemaInvalid
from gate.formats.jsonschema import payloads

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_4 = "http://json-schema.org/draft-04/schema#"


def _independently_valid(schema: Any, instance: Any) -> bool:
    cls = validators.validator_for(schema, default=Draft7Validator)
    return bool(cls(schema, format_checker=cls.FORMAT_CHECKER).is_valid(instance))


SCHEMAS: list[Any] = [
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "code"],
        "properties": {
            "id": {"type": "integer", "minimum": 3, "maximum": 10},
            "code": {"type": "string", "pattern": "^[A-Z]{2,3}-\\d{2}$"},
            "kind": {"enum": ["a", "b", 3, None]},
            "flag": {"type": ["null", "boolean"]},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "tags": {
                "type": "array",
                "items": {"type": "string", "maxLength": 2},
                "maxItems": 3,
                "uniqueItems": True,
            },
            "step": {"type": "integer", "multipleOf": 5},
        },
    },
    {
        "$schema": DRAFT_4,
        "type": "number",
        "minimum": 1,
        "exclusiveMinimum": True,
        "maximum": 2,
        "exclusiveMaximum": True,
    },
    {
        "$schema": DRAFT_2020,
        "type": "array",
        "minItems": 2,
        "prefixItems": [{"type": "string", "format": "date"}, {"const": 7}],
        "items": {"type": "boolean"},
    },
    {"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "additionalItems": False},
    {
        "definitions": {
            "node": {
                "type": "object",
                "required": ["v"],
                "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/definitions/node"}},
            }
        },
        "$ref": "#/definitions/node",
    },
    {"oneOf": [{"type": "string", "minLength": 4}, {"type": "integer", "maximum": -5}]},
    {
        "anyOf": [
            {"type": "object", "required": ["k"], "properties": {"k": {"const": 1}}},
            {"type": "null"},
        ]
    },
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
        ]
    },
    {"type": "string", "format": "email"},
    {"type": "string", "format": "date-time"},
    {"type": "object", "properties": {"x": {"type": "string", "pattern": "(a)\\1"}}},
    True,
    {},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_every_generated_instance_is_valid_under_its_schema(schema: Any) -> None:
    instances = payloads.generate(schema, seed=3, random_count=10)
    assert instances
    for instance in instances:
        assert _independently_valid(schema, instance), instance


def test_enum_values_types_and_branches_are_all_covered() -> None:
    schema = SCHEMAS[0]
    instances = payloads.generate(schema, random_count=0)
    assert {json.dumps(i.get("kind")) for i in instances if "kind" in i} == {
        '"a"',
        '"b"',
        "3",
        "null",
    }
    assert {i["flag"] for i in instances if "flag" in i} == {None, False, True}
    assert any("kind" not in i for i in instances)  # the required-only variant
    one_of = payloads.generate(SCHEMAS[5], random_count=0)
    assert any(isinstance(i, str) for i in one_of)
    assert any(isinstance(i, int) for i in one_of)
    assert {type(i).__name__ for i in payloads.generate(True, random_count=0)} >= {
        "NoneType",
        "bool",
        "int",
        "float",
        "str",
        "list",
        "dict",
    }


def test_open_objects_get_an_unknown_property_and_closed_ones_never_do() -> None:
    open_schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    closed = {**open_schema, "additionalProperties": False}
    assert any(set(i) - {"a"} for i in payloads.generate(open_schema, random_count=0))
    assert all(set(i) <= {"a"} for i in payloads.generate(closed, random_count=20))


def test_an_unsupported_pattern_is_skipped_not_fatal() -> None:
    instances = payloads.generate(SCHEMAS[10], random_count=5)
    assert instances
    assert all("x" not in i for i in instances)


def test_same_seed_same_instances() -> None:
    schema = SCHEMAS[0]
    first = payloads.generate(schema, seed=11, random_count=12)
    assert first == payloads.generate(copy.deepcopy(schema), seed=11, random_count=12)
    assert first != payloads.generate(schema, seed=12, random_count=12)


def test_decode_reports_reader_errors_with_pointers() -> None:
    items = {"type": "array", "items": {"type": "integer"}}
    reader = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": items},
        "required": ["c"],
    }
    assert payloads.decode({"a": "x", "c": 1}, reader) == []
    assert payloads.decode({"a": 5, "b": [1, "two"], "c": 1}, reader) == [
        "/a: 5 is not of type 'string'",
        "/b/1: 'two' is not of type 'integer'",
    ]
    assert payloads.decode({}, reader) == ["'c' is a required property"]


def test_decode_uses_the_draft_the_schema_declares() -> None:
    tuple_2020 = {"$schema": DRAFT_2020, "prefixItems": [{"type": "integer"}]}
    tuple_7 = {"prefixItems": [{"type": "integer"}]}  # draft 7 does not know prefixItems
    assert payloads.decode(["a"], tuple_2020) == ["/0: 'a' is not of type 'integer'"]
    assert payloads.decode(["a"], tuple_7) == []
    assert payloads.decode("not an email", {"format": "email"}) == [
        "'not an email' is not a 'email'"
    ]


def test_invalid_schemas_raise_schema_invalid() -> None:
    with pytest.raises(SchemaInvalid, match="invalid JSON Schema"):
        payloads.decode(1, {"type": "no-such-type"})


def test_fill_defaults_fills_absent_properties_only() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "default": "x"},
            "n": {"$ref": "#/definitions/inner"},
        },
        "definitions": {
            "inner": {"type": "object", "properties": {"z": {"type": "integer", "default": 0}}}
        },
    }
    instance = {"n": {}}
    assert payloads.fill_defaults(instance, schema) == {"a": "x", "n": {"z": 0}}
    assert instance == {"n": {}}
    assert payloads.fill_defaults({"a": "kept"}, schema) == {"a": "kept"}


# -- property: instances generated for random schemas validate -----------------------------------

_LEAF = st.one_of(
    st.builds(
        lambda lo, span: {"type": "integer", "minimum": lo, "maximum": lo + span},
        st.integers(-50, 50),
        st.integers(0, 20),
    ),
    st.builds(
        lambda lo, hi: {"type": "string", "minLength": lo, "maxLength": lo + hi},
        st.integers(0, 4),
        st.integers(0, 4),
    ),
    st.builds(
        lambda values: {"enum": values},
        st.lists(
            st.one_of(st.integers(), st.text(max_size=3), st.none()),
            min_size=1,
            max_size=4,
            unique_by=json.dumps,
        ),
    ),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.just({"type": "number", "multipleOf": 0.5}),
    st.sampled_from(
        [{"type": "string", "pattern": "^[a-c]+x?$"}, {"type": "string", "format": "uuid"}]
    ),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(["a", "b", "c", "d"])
    objects = st.builds(
        lambda props, required, closed: {
            "type": "object",
            "properties": props,
            "required": [name for name in required if name in props],
            **({"additionalProperties": False} if closed else {}),
        },
        st.dictionaries(names, children, max_size=3),
        st.lists(names, max_size=2, unique=True),
        st.booleans(),
    )
    arrays = st.builds(
        lambda items, low: {"type": "array", "items": items, "minItems": low},
        children,
        st.integers(0, 2),
    )
    unions = st.builds(
        lambda options: {"anyOf": options}, st.lists(children, min_size=1, max_size=3)
    )
    return st.one_of(objects, arrays, unions)


@settings(max_examples=60, deadline=None)
@given(st.recursive(_LEAF, _extend, max_leaves=6), st.integers(0, 5))
def test_generated_instances_validate_for_random_schemas(schema: Any, seed: int) -> None:
    for instance in payloads.generate(schema, seed=seed, random_count=5):
        assert _independently_valid(schema, instance)


def test_focused_payloads_vary_only_where_aimed() -> None:
    schema = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "tags": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"k": {"type": "string", "enum": ["a", "b"]}},
                },
            },
        },
    }
    aimed = payloads.generate_focused(
        schema, {"tags": {payloads.ANY: {"k": {payloads.HERE: True}}}}, random_count=3
    )
    validate = payloads.validator(schema)
    assert aimed
    assert all(validate.is_valid(instance) for instance in aimed)
    assert all(set(instance) <= {"id", "tags"} and instance["id"] == 0 for instance in aimed)
    assert {item["k"] for instance in aimed for item in instance.get("tags", [])} == {"a", "b"}
    # a property the schema does not declare: every kind of value an open object may carry
    extra = payloads.generate_focused(schema, {"nickname": {payloads.HERE: True}}, random_count=0)
    kinds = {type(instance["nickname"]).__name__ for instance in extra if "nickname" in instance}
    assert kinds >= {"NoneType", "bool", "int", "float", "str", "list", "dict"}
    closed = {**schema, "additionalProperties": False}
    assert all(
        "nickname" not in instance
        for instance in payloads.generate_focused(
            closed, {"nickname": {payloads.HERE: True}}, random_count=5
        )
    )
