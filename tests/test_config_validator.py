"""gate/configschema.py (gate's own validator of gate.yaml) against `jsonschema` as an oracle.

gate does not import `jsonschema` to check gate.yaml (it costs a third of the start-up); the
validator it uses instead must find the same errors, in the same order, with what `_explain`
reads of them, so that every message, line and did-you-mean stays as it is.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

import gate.config as config_module
from gate.config import ConfigProblem, _Document, _schema_problems
from gate.configschema import ConfigSchema, UnsupportedSchemaError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCHEMA: dict[str, Any] = json.loads(
    files("gate").joinpath("schemas/config.schema.json").read_text("utf-8")
)
DEFS: dict[str, Any] = SCHEMA["$defs"]


@cache
def oracle(definition: str | None) -> Any:
    """jsonschema's validator, built the way gate built it before it had its own."""
    schema = SCHEMA
    if definition is not None:
        schema = {
            "$schema": SCHEMA["$schema"],
            "$id": SCHEMA["$id"],
            "$defs": SCHEMA["$defs"],
            "$ref": f"#/$defs/{definition}",
        }
    return validator_for(schema)(schema)


@cache
def ours(definition: str | None) -> ConfigSchema:
    return ConfigSchema(SCHEMA, definition)


def shape(error: Any) -> tuple[Any, ...]:
    return (
        tuple(error.absolute_path),
        error.validator,
        error.validator_value,
        error.schema,
        repr(error.instance),
    )


def assert_same_errors(instance: Any, definition: str | None) -> None:
    expected = [shape(e) for e in oracle(definition).iter_errors(instance)]
    found = [shape(e) for e in ours(definition).iter_errors(instance)]
    assert {(e[0], e[1]) for e in found} == {(e[0], e[1]) for e in expected}
    assert found == expected  # and in the same order, with the same details


# ---------------------------------------------------------------------------- instances

UNKNOWN_KEYS = ["nmae", "subjcet", "filess", "urll", "Version", "x", "compatibilty", "sample"]
STRINGS = [
    "",
    " ",
    "a",
    "AVRO",
    "avro",
    "JSON",
    "BACKWARD",
    "FULL_TRANSITIVE",
    "STRICT",
    "NOPE",
    "MISSING_DEFAULT",
    "missing_default",
    "ABC123",
    "abcdef",
    "abcde",
    "0123456789ABCDEF",
    "xyz123",
    "2026-01-31",
    "2026-1-31",
    "2026-01-31\n",
    "schemas/**/*.avsc",
    "{stem}-value",
    "ü",
]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from([0.0, 1.0, 0.5, -1.5, 1e9]),
    st.sampled_from(STRINGS),
    st.text(max_size=3),
    st.just([]),
    st.just({}),
    st.lists(st.sampled_from([1, "a", None]), max_size=2),
    st.dictionaries(st.sampled_from([*UNKNOWN_KEYS, "name", "subject"]), st.integers(), max_size=2),
)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        inner = resolve(DEFS[schema["$ref"].rsplit("/", 1)[1]])
        return {**{k: v for k, v in schema.items() if k != "$ref"}, **inner}
    return schema


def numbers(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    edges: list[Any] = [0, 1, -1, 7]
    for keyword in ("minimum", "maximum", "exclusiveMinimum"):
        if keyword in schema:
            bound = schema[keyword]
            edges += [bound, bound - 1, bound + 1, bound + 0.5, float(bound)]
    return st.one_of(st.sampled_from(edges), st.integers(-100, 100_001))


def near(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values for `schema`: mostly of the right shape (at every depth), sometimes anything."""
    shaped = of_shape(resolve(schema))
    # about one value in eight is junk (st.one_of would pick junk half the time)
    return st.tuples(st.sampled_from([False] * 7 + [True]), shaped, JUNK).map(
        lambda drawn: drawn[2] if drawn[0] else drawn[1]
    )


def of_shape(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        const = schema["const"]
        return st.sampled_from([const, float(const), True, const + 1, str(const)])
    if "enum" in schema:
        return st.sampled_from([*schema["enum"], "avro", "Backward", "NOPE", "", 1])
    if "pattern" in schema:
        return st.one_of(
            st.from_regex(schema["pattern"], fullmatch=True).map(lambda s: s[:70]),
            st.sampled_from(STRINGS),
        )
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    options: list[st.SearchStrategy[Any]] = []
    for kind in kinds:
        if kind == "object":
            properties = schema.get("properties", {})
            required = schema.get("required", [])
            known = st.fixed_dictionaries(
                {name: near(properties[name]) for name in required},
                optional={
                    name: near(sub) for name, sub in properties.items() if name not in required
                },
            )
            # sometimes a required key goes missing, sometimes an unknown key comes along
            partial = st.fixed_dictionaries(
                {}, optional={name: near(sub) for name, sub in properties.items()}
            )
            extra = st.dictionaries(st.sampled_from(UNKNOWN_KEYS), JUNK, max_size=2)
            options.append(
                st.tuples(st.one_of(known, known, partial), st.one_of(st.just({}), extra)).map(
                    lambda pair: {**pair[0], **pair[1]}
                )
            )
        elif kind == "array":
            options.append(st.lists(near(schema.get("items", {})), max_size=3))
        elif kind == "string":
            options.append(st.one_of(st.sampled_from(STRINGS), st.text(max_size=4)))
        elif kind in ("integer", "number"):
            options.append(numbers(schema))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "null":
            options.append(st.none())
    return st.one_of(*options) if options else JUNK


CONFIGS = near(SCHEMA)
WAIVERS = near(DEFS["waivers"])


# ---------------------------------------------------------------------------- the problems


@contextmanager
def validated_by(validator: Any) -> Iterator[None]:
    with mock.patch.object(config_module, "_validator", validator):
        yield


def document_for(instance: Any) -> _Document:
    """A document giving every key a line, and a raw text to every number (as YAML would)."""
    document = _Document("gate.yaml", {}, frozenset())
    counter = iter(range(2, 10_000))

    def walk(value: Any, key: tuple[str | int, ...]) -> None:
        document.lines[key] = next(counter)
        if isinstance(value, dict):
            for name, item in value.items():
                document.key_lines[(*key, name)] = document.lines[key] + 1
                walk(item, (*key, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*key, index))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            document.raw[key] = str(value)

    walk(instance, ())
    return document


def problems(instance: Any, definition: str | None, validator: Any) -> list[ConfigProblem]:
    instance = copy.deepcopy(instance)
    document = document_for(instance)
    with validated_by(validator):
        _schema_problems(instance, document, definition)
    return document.problems


def assert_same_problems(instance: Any, definition: str | None) -> None:
    assert problems(instance, definition, ours) == problems(instance, definition, oracle)


# ---------------------------------------------------------------------------- the tests


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIGS)
def test_the_validator_finds_what_jsonschema_finds_in_gate_yaml(instance: Any) -> None:
    assert_same_errors(instance, None)
    assert_same_problems(instance, None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WAIVERS)
def test_the_validator_finds_what_jsonschema_finds_in_a_waivers_file(instance: Any) -> None:
    assert_same_errors(instance, "waivers")
    assert_same_problems(instance, "waivers")


EDGE_CASES = [
    {},
    {"version": 1},
    {"version": 1.0},
    {"version": True},
    {"version": "1"},
    {"version": 2, "bogus": 1, "subjects": [{"files": 1}], "registry": []},
    {"registry": None, "defaults": None, "simulation": None},
    {"registry": {"timeout": 0, "retries": 3.0, "concurrency": 65, "url": None}},
    {"registry": {"timeout": True, "retries": 2.5, "concurrency": 0, "urll": "x", "tokn": 1}},
    {"registry": {"timeout": 3600.0001, "retries": -1, "context": ""}},
    {"defaults": {"compatibility": "backward", "json_policy": 1, "allow_remote_refs": "yes"}},
    {"simulation": {"random": 100_001, "seed": -5, "enabled": 1}},
    {"subjects": [{}, {"subject": ""}, {"subject": 1, "samples": ""}, {"subject": "s", "x": 1}]},
    {"subjects": [{"subject": "s", "samples": ["", 1, "a"], "type": "AVROO"}]},
    {"contracts": [{"producers": [{}], "consumers": [{"name": "a"}, {"reader": ""}, 3]}]},
    {"waivers": [{}]},
    {
        "waivers": [
            {
                "rule": "missing_default",
                "subject": "s",
                "fingerprint": "abc",
                "reason": "r",
                "owner": "o",
                "expires": "2026-01-31\n",
            }
        ]
    },
    {"waivers_file": "", "subjects": "a", "contracts": {}},
    [],
    None,
    "version: 1",
]


@pytest.mark.parametrize("instance", EDGE_CASES)
def test_edge_cases_agree_with_jsonschema(instance: Any) -> None:
    assert_same_errors(instance, None)
    assert_same_problems(instance, None)


def test_errors_come_in_jsonschema_order() -> None:
    instance = {
        "zzz": 1,
        "subjects": [{"files": 1, "bogus": 2}, {"subject": ""}],
        "version": 2,
        "registry": {"concurrency": 0},
    }
    found = [(tuple(e.absolute_path), e.validator) for e in ours(None).iter_errors(instance)]
    assert found == [
        ((), "additionalProperties"),
        (("version",), "const"),
        (("registry", "concurrency"), "minimum"),  # the schema's order of properties
        (("subjects", 0), "additionalProperties"),
        (("subjects", 0), "required"),
        (("subjects", 0, "files"), "type"),
        (("subjects", 1, "subject"), "minLength"),
    ]
    assert_same_errors(instance, None)


def test_the_shipped_schema_uses_only_keywords_the_validator_knows() -> None:
    ConfigSchema(SCHEMA)  # raises UnsupportedSchemaError otherwise
    for name in DEFS:
        ConfigSchema(SCHEMA, name)


def with_subject_property(extra: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    schema["$defs"]["subject"]["properties"]["subject"] = extra
    return schema


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (with_subject_property({"oneOf": [{"type": "string"}]}), "unsupported keyword 'oneOf'"),
        (with_subject_property({"type": "string", "format": "uri"}), "'format'"),
        (with_subject_property({"anyOf": []}), "'anyOf'"),
        (with_subject_property({"if": {}, "then": {}}), "'if'"),
        (with_subject_property({"patternProperties": {}}), "'patternProperties'"),
        (with_subject_property({"maxLength": 3}), "'maxLength'"),
        (with_subject_property({"$ref": "#/definitions/x"}), "unsupported \\$ref"),
        (with_subject_property({"$ref": "#/$defs/nothing"}), "unsupported \\$ref"),
        (with_subject_property({"$ref": "other.json#/$defs/path"}), "unsupported \\$ref"),
        (with_subject_property({"$defs": {}}), "at the root only"),
        (with_subject_property({"$id": "urn:x"}), "at the root only"),
        (with_subject_property({"type": "strin"}), "unsupported type"),
        (with_subject_property({"additionalProperties": {"type": "string"}}), "true or false"),
        (with_subject_property({"items": True}), "must be a mapping"),
        ({**SCHEMA, "$schema": "http://json-schema.org/draft-07/schema#"}, "\\$schema"),
    ],
)
def test_a_keyword_the_validator_does_not_know_fails_at_load(
    schema: dict[str, Any], expected: str
) -> None:
    with pytest.raises(UnsupportedSchemaError, match=expected):
        ConfigSchema(schema)


def test_loading_gate_yaml_does_not_import_jsonschema(tmp_path: Path) -> None:
    good = tmp_path / "good" / "gate.yaml"
    bad = tmp_path / "bad" / "gate.yaml"
    for path in (good, bad):
        path.parent.mkdir()
    good.write_text("version: 1\nsubjects:\n  - {files: '*.avsc', subject: '{stem}'}\n")
    bad.write_text(
        textwrap.dedent(
            """\
            version: 2
            subjects:
              - {files: 1, subjcet: a}
            waivers: [{rule: x}]
            """
        )
    )
    code = textwrap.dedent(
        f"""\
        import sys
        from pathlib import Path
        from gate.config import ConfigFileError, load_config
        load_config(Path({str(good)!r}), {{}})
        try:
            load_config(Path({str(bad)!r}), {{}})
        except ConfigFileError as error:
            assert len(error.problems) >= 4, error.problems
        else:
            raise AssertionError("no problem found")
        sys.exit(3 if "jsonschema" in sys.modules else 0)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
