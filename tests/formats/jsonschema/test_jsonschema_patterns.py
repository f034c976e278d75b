"""Schema patterns are matched within a budget, with `re`'s meaning and jsonschema's messages."""

from __future__ import annotations

import jsonschema
import pytest

from gate.formats.jsonschema import payloads
from gate.formats.jsonschema.patterns import (
    PatternTooSlow,
    bounded_validator_class,
    search,
)

BOMB = "^(a|a)*$"
VICTIM = "a" * 40 + "!"
DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema"


def test_a_catastrophic_match_gives_up_with_the_pattern_named() -> None:
    with pytest.raises(PatternTooSlow, match=r"\^\(a\|a\)\*\$"):
        search(BOMB, VICTIM)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("^[a-z]+$", "abc", True),
        ("^[a-z]+$", "abC", False),
        (r"\d{3}", "x123", True),
        (r"^(?=.*\d)[a-z0-9]+$", "abc1", True),  # look-ahead, as ECMA 262 patterns use
        (r"^(\w)\1$", "aa", True),  # back-reference
        (BOMB, "a" * 40, True),  # the bomb is harmless where it matches
    ],
)
def test_ordinary_patterns_mean_what_re_says(pattern: str, text: str, expected: bool) -> None:
    assert search(pattern, text) is expected


def test_an_invalid_pattern_is_re_error() -> None:
    import re

    with pytest.raises(re.error):
        search("((", "a")


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "string", "pattern": "^a+$"}, "b"),
        ({"patternProperties": {"^x": {"type": "integer"}}}, {"xa": "s", "y": 1}),
        ({"patternProperties": {"^x": {}}, "additionalProperties": False}, {"y": 1, "z": 2}),
        ({"properties": {"a": {}}, "additionalProperties": False}, {"b": 1}),
        ({"additionalProperties": {"type": "string"}}, {"b": 1}),
    ],
)
@pytest.mark.parametrize(
    "cls", [jsonschema.Draft4Validator, jsonschema.Draft7Validator, jsonschema.Draft202012Validator]
)
def test_bounded_keywords_report_what_jsonschema_reports(
    cls: type, schema: dict, instance: object
) -> None:
    plain = sorted((e.message, list(e.absolute_path)) for e in cls(schema).iter_errors(instance))
    bounded = bounded_validator_class(cls)(schema)
    assert (
        sorted((e.message, list(e.absolute_path)) for e in bounded.iter_errors(instance)) == plain
    )
    assert plain  # each case is an invalid instance


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": BOMB},
        {"type": "object", "patternProperties": {BOMB: {"type": "string"}}},
        {"type": "object", "patternProperties": {BOMB: {}}, "additionalProperties": False},
        # unevaluatedProperties first: jsonschema's own evaluation matches the patterns before
        # the patternProperties keyword does
        {
            "$schema": DRAFT_2020,
            "type": "object",
            "unevaluatedProperties": False,
            "patternProperties": {BOMB: {}},
        },
        {
            "$schema": DRAFT_2019,
            "type": "object",
            "unevaluatedProperties": False,
            "patternProperties": {BOMB: {}},
        },
        {
            "$schema": DRAFT_2020,
            "type": "object",
            "unevaluatedProperties": False,
            "allOf": [{"unevaluatedProperties": True}, {"patternProperties": {BOMB: {}}}],
        },
        {
            "$schema": DRAFT_2020,
            "type": "object",
            "unevaluatedProperties": False,
            "dependentSchemas": {
                VICTIM: {"unevaluatedProperties": False, "patternProperties": {BOMB: {}}}
            },
        },
        {"$schema": DRAFT_2020, "type": "object", "propertyNames": {"pattern": BOMB}},
        {
            "$schema": DRAFT_2020,
            "type": "object",
            "unevaluatedProperties": False,
            "if": {"patternProperties": {BOMB: {}}},
        },
    ],
)
def test_payload_validation_of_a_bomb_gives_up(schema: dict) -> None:
    instance = VICTIM if schema["type"] == "string" else {VICTIM: 1}
    with pytest.raises(PatternTooSlow):
        payloads.validation_errors(instance, schema)


def test_payload_generation_against_a_bomb_gives_up_once() -> None:
    schema = {"type": "string", "enum": [VICTIM, "b"], "pattern": BOMB}
    with pytest.raises(PatternTooSlow):
        payloads.generate(schema, random_count=50)


_UNEVALUATED = {"type": "object", "unevaluatedProperties": False}


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({**_UNEVALUATED, "properties": {"a": {}}}, {"a": 1, "b": 2, "c": 3}),
        ({**_UNEVALUATED, "patternProperties": {"^x": {}}}, {"xa": 1, "y": 2}),
        (
            {
                **_UNEVALUATED,
                "allOf": [{"properties": {"a": {}}}, {"patternProperties": {"^x": {}}}],
            },
            {"a": 1, "xb": 2, "c": 3},
        ),
        (
            {
                **_UNEVALUATED,
                "anyOf": [
                    {"properties": {"a": {"type": "string"}}},
                    {"patternProperties": {"^a": {"type": "integer"}}},
                ],
            },
            {"a": 1, "b": 2},
        ),
        (
            {
                **_UNEVALUATED,
                "oneOf": [{"required": ["a"], "properties": {"a": {}}}, {"required": ["b"]}],
            },
            {"a": 1, "c": 2},
        ),
        (
            {
                **_UNEVALUATED,
                "if": {"properties": {"a": {"const": 1}}},
                "then": {"properties": {"b": {}}},
                "else": {"patternProperties": {"^c": {}}},
            },
            {"a": 1, "b": 2, "c": 3},
        ),
        (
            {
                **_UNEVALUATED,
                "if": {"properties": {"a": {"const": 1}}},
                "then": {"properties": {"b": {}}},
                "else": {"patternProperties": {"^c": {}}},
            },
            {"a": 2, "b": 2, "c": 3},
        ),
        (
            {**_UNEVALUATED, "dependentSchemas": {"a": {"properties": {"b": {}}}}},
            {"a": 1, "b": 2, "c": 3},
        ),
        (
            {**_UNEVALUATED, "additionalProperties": {"type": "integer"}, "properties": {"a": {}}},
            {"a": 1, "b": "x"},
        ),
        (
            {**_UNEVALUATED, "$defs": {"base": {"properties": {"a": {}}}}, "$ref": "#/$defs/base"},
            {"a": 1, "b": 2},
        ),
        (
            {
                "type": "object",
                "unevaluatedProperties": {"type": "integer"},
                "patternProperties": {"^x": {}},
            },
            {"xa": "s", "b": "t", "c": 1},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "unevaluatedProperties": False}},
            },
            {"a": {"z": 1}},
        ),
    ],
)
@pytest.mark.parametrize("cls", [jsonschema.Draft201909Validator, jsonschema.Draft202012Validator])
def test_bounded_unevaluated_properties_report_what_jsonschema_reports(
    cls: type, schema: dict, instance: object
) -> None:
    plain = sorted(
        (e.message, list(e.absolute_path), list(e.schema_path))
        for e in cls(schema).iter_errors(instance)
    )
    bounded = bounded_validator_class(cls)(schema)
    assert (
        sorted(
            (e.message, list(e.absolute_path), list(e.schema_path))
            for e in bounded.iter_errors(instance)
        )
        == plain
    )
    assert plain  # each case is an invalid instance
