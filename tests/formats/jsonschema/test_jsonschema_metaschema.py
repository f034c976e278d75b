"""The compiled metaschemas (`gate.formats.jsonschema.metaschema`): they only ever vouch for a
schema `jsonschema` itself accepts, they do vouch for the schemas people write, and `parse`
reports an invalid schema exactly as `jsonschema` judges it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.exceptions import best_match

from gate.errors import SchemaInvalid
from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT
from gate.formats.jsonschema.loader import validator_class
from gate.formats.jsonschema.metaschema import compiled_check, conforms
from gate.formats.jsonschema.nodes import Draft
from gate.model import Origin, OriginKind, Schema, SchemaType

DRAFTS = list(Draft)


def reference_verdict(document: Any, draft: Draft) -> bool:
    cls = validator_class(draft)
    return bool(cls(cls.META_SCHEMA).is_valid(document))


def parse(document: Any) -> Any:
    text = json.dumps(document)
    return FORMAT.parse(
        Schema(SchemaType.JSON, text, Origin(OriginKind.FILE, "s.json")), CheckOptions()
    )


# --- generated schema-like documents -------------------------------------------------------------

SCALARS = st.sampled_from(
    [None, True, False, 0, 1, -1, 1.0, 2.5, 10**20, "", "a", "string", "integer", "#", "^a$", "x/y"]
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "type"]), inner, max_size=2)
    ),
    max_leaves=6,
)
TYPES = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array"])
KEYWORDS = [
    "type",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "minimum",
    "exclusiveMinimum",
    "multipleOf",
    "pattern",
    "title",
    "default",
    "allOf",
    "anyOf",
    "not",
    "uniqueItems",
    "minItems",
    "dependencies",
    "dependentRequired",
    "$ref",
    "$id",
    "id",
    "$anchor",
    "definitions",
    "$defs",
    "format",
    "patternProperties",
    "propertyNames",
    "if",
    "prefixItems",
    "unevaluatedProperties",
    "readOnly",
    "examples",
    "$comment",
    "contains",
    "unknown",
]


def keyword_values(keyword: str, schema: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly well-formed values, sometimes anything at all."""
    good: dict[str, st.SearchStrategy[Any]] = {
        "type": TYPES | st.lists(TYPES, max_size=3),
        "properties": st.dictionaries(st.sampled_from(["a", "b", "c~d"]), schema, max_size=3),
        "patternProperties": st.dictionaries(st.sampled_from(["^a", "b$"]), schema, max_size=2),
        "definitions": st.dictionaries(st.sampled_from(["a", "b"]), schema, max_size=2),
        "$defs": st.dictionaries(st.sampled_from(["a", "b"]), schema, max_size=2),
        "required": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "enum": st.lists(JSON, max_size=3),
        "allOf": st.lists(schema, min_size=1, max_size=2),
        "anyOf": st.lists(schema, max_size=2),
        "prefixItems": st.lists(schema, min_size=1, max_size=2),
        "items": schema | st.lists(schema, max_size=2),
        "minLength": st.integers(-1, 3) | st.just(2.0),
        "maxLength": st.integers(0, 3),
        "minItems": st.integers(0, 2),
        "minimum": st.integers(-2, 2) | st.just(0.5),
        "exclusiveMinimum": st.booleans() | st.integers(-1, 1),
        "multipleOf": st.sampled_from([0, 1, 2, 0.5, -1]),
        "pattern": st.sampled_from(["^a", "\\d+", "b$"]),
        "uniqueItems": st.booleans(),
        "dependencies": st.dictionaries(
            st.sampled_from(["a", "b"]),
            st.lists(st.sampled_from(["a", "b"]), max_size=2) | schema,
            max_size=2,
        ),
        "dependentRequired": st.dictionaries(
            st.sampled_from(["a"]), st.lists(st.sampled_from(["a", "b"]), max_size=2)
        ),
        "$ref": st.sampled_from(["#", "#/definitions/a", "#/$defs/a", "other.json"]),
        "$id": st.sampled_from(["http://example.com/s.json", "#frag", "s.json"]),
        "id": st.sampled_from(["http://example.com/s.json", "#frag"]),
        "$anchor": st.sampled_from(["a", "1a", "a-b"]),
        "readOnly": st.booleans(),
        "examples": st.lists(JSON, max_size=2),
    }
    chosen = good.get(
        keyword,
        schema
        if keyword
        in {
            "additionalProperties",
            "not",
            "propertyNames",
            "if",
            "unevaluatedProperties",
            "contains",
        }
        else JSON,
    )
    return chosen | JSON if keyword != "unknown" else JSON


def schema_documents() -> st.SearchStrategy[Any]:
    def extend(schema: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.lists(st.sampled_from(KEYWORDS), max_size=4).flatmap(
            lambda keys: st.fixed_dictionaries(
                {key: keyword_values(key, schema) for key in dict.fromkeys(keys)}
            )
        )

    return st.recursive(
        st.just({}) | st.booleans() | st.fixed_dictionaries({"type": TYPES}), extend, max_leaves=8
    )


@settings(max_examples=300, deadline=None)
@given(document=schema_documents(), draft=st.sampled_from(DRAFTS))
def test_only_schemas_jsonschema_accepts_are_vouched_for(document: Any, draft: Draft) -> None:
    if conforms(document, draft):
        assert reference_verdict(document, draft)


@settings(max_examples=200, deadline=None)
@given(document=schema_documents())
def test_parse_judges_the_metaschema_as_jsonschema_does(document: Any) -> None:
    if isinstance(document, dict):
        document = {"$schema": "http://json-schema.org/draft-07/schema#", **document}
    expected = None
    if not reference_verdict(document, Draft.DRAFT7):
        cls = validator_class(Draft.DRAFT7)
        expected = best_match(cls(cls.META_SCHEMA).iter_errors(document)).message
    try:
        parse(document)
    except SchemaInvalid as error:
        if expected is not None:
            assert expected in error.message
        else:  # valid against the metaschema: some other rule of ours refused it
            assert not error.message.startswith("invalid draft-07 schema")
    else:
        assert expected is None


# --- the schemas people write are vouched for (the fast path is the one taken) -------------------


TYPICAL = [
    {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "n": {"type": "integer", "minimum": 0},
            "tags": {
                "type": "array",
                "items": {"type": "string"},
                "uniqueItems": True,
                "minItems": 1,
            },
        },
        "required": ["id"],
        "additionalProperties": False,
    },
    {
        "definitions": {"a": {"enum": ["x", "y", 1, None, True]}},
        "properties": {"a": {"$ref": "#/definitions/a"}, "b": {"type": ["string", "null"]}},
    },
    {
        "anyOf": [{"type": "string", "pattern": "^a", "maxLength": 3}, {"const": {"k": [1]}}],
        "not": {"multipleOf": 0.5},
        "title": "t",
        "description": "d",
        "default": 1,
    },
    {
        "if": {"properties": {"a": {"const": 1}}},
        "then": {"required": ["b"]},
        "else": True,
        "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
        "propertyNames": {"maxLength": 3},
    },
    True,
    False,
    {},
]


@pytest.mark.parametrize(
    ("draft", "document"),
    [
        (draft, document)
        for draft in DRAFTS
        for document in TYPICAL
        # draft-04 has neither boolean schemas nor `const`
        if draft is not Draft.DRAFT4 or not (isinstance(document, bool) or "const" in str(document))
    ],
)
def test_typical_schemas_are_vouched_for_in_every_draft(draft: Draft, document: Any) -> None:
    assert reference_verdict(document, draft)
    assert conforms(document, draft)


@pytest.mark.parametrize("draft", DRAFTS)
def test_every_draft_compiles(draft: Draft) -> None:
    assert compiled_check(draft) is not None


DRAFT_2019 = Draft.DRAFT2019_09
DRAFT_2020 = Draft.DRAFT2020_12


@pytest.mark.parametrize(
    ("draft", "document"),
    [
        # unique items as `jsonschema` compares them: 1 and 1.0 are equal, 1 and true are not
        (Draft.DRAFT4, {"enum": [1, 1.0]}),
        (Draft.DRAFT4, {"enum": [1, True]}),
        (Draft.DRAFT4, {"enum": ["a", "a"]}),
        (Draft.DRAFT7, {"type": ["string", "string"]}),
        (Draft.DRAFT7, {"required": ["a", "a"]}),
        # draft-04's boolean exclusiveMinimum, folded into its metaschema's `multipleOf` > 0
        (Draft.DRAFT4, {"multipleOf": 0}),
        (Draft.DRAFT4, {"multipleOf": 0.5, "maximum": 1, "exclusiveMaximum": True}),
        (Draft.DRAFT4, {"exclusiveMaximum": True}),
        (Draft.DRAFT6, {"multipleOf": 0}),
        (Draft.DRAFT7, {"minLength": -1}),
        (Draft.DRAFT7, {"minLength": 2.0}),
        (Draft.DRAFT4, {"minLength": 2.0}),
        # deep inside, through `$ref: "#"`, `$recursiveRef` and `$dynamicRef`
        (Draft.DRAFT7, {"definitions": {"a": {"items": [{"not": {"type": "nope"}}]}}}),
        (DRAFT_2019, {"$defs": {"a": {"properties": {"b": {"minItems": "1"}}}}}),
        (DRAFT_2019, {"dependentSchemas": {"a": {"contentSchema": {"type": 1}}}}),
        (DRAFT_2020, {"$defs": {"a": {"prefixItems": [{"unevaluatedItems": {"type": 1}}]}}}),
        (DRAFT_2020, {"dependencies": {"a": {"type": "nope"}}}),
        # patterns and formats of the later drafts' core vocabularies
        (DRAFT_2019, {"$anchor": "1a"}),
        (DRAFT_2019, {"$id": "http://example.com/s.json#frag"}),
        (DRAFT_2020, {"$anchor": "_a.b-c"}),
        (DRAFT_2020, {"$dynamicAnchor": "has space"}),
        (DRAFT_2020, {"$vocabulary": {"https://example.com/v": "yes"}}),
        (DRAFT_2020, {"$schema": 1}),
    ],
)
def test_edge_cases_agree_with_jsonschema(draft: Draft, document: Any) -> None:
    expected = reference_verdict(document, draft)
    assert conforms(document, draft) is expected
