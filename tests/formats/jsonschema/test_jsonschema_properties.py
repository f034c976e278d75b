"""Property: when the checker calls a change BACKWARD-compatible, data valid under the original
stays valid under the update.

Schemas come from a generated subset of JSON Schema (draft-07): typed strings, numbers, booleans,
nulls, enums, consts, `{}`, objects (open, closed, partially open) and arrays (lists and
tuples), `anyOf`, and lists of types. The update is the original with a few random edits. Data
comes from a small generator of valid instances written here (open objects get undeclared
properties with arbitrary values, which is what makes open content models matter).

Left out on purpose, because the registry itself accepts them although data can break (the
checker reproduces the registry, not the instance semantics): `oneOf` (a new branch may overlap
an old one), `default` (a required property with a default is accepted), keywords without a
`type` (the registry does not compare the implied type), and `required` names that are not
declared properties (the registry compares `required` only for declared properties).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT
from gate.model import Origin, OriginKind, Schema, SchemaType

NAMES = ("a", "b", "c", "d")
PATTERNS = ("^[a-c]+$", "^x", "^[0-9]{2}$")
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([0.5, -2.5])
    | st.text(alphabet="abcx09", max_size=3),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=2)
    ),
    max_leaves=4,
)


# --- schemas -------------------------------------------------------------------------------------


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if draw(st.booleans()):
        schema["maxLength"] = draw(st.integers(2, 6))
    if draw(st.booleans()):
        schema["minLength"] = draw(st.integers(0, 2))
    if draw(st.integers(0, 3)) == 0:
        schema["pattern"] = draw(st.sampled_from(PATTERNS))
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": draw(st.sampled_from(["integer", "number"]))}
    if draw(st.booleans()):
        schema["minimum"] = draw(st.integers(-5, 0))
    if draw(st.booleans()):
        schema["maximum"] = draw(st.integers(1, 6))
    if schema["type"] == "integer" and draw(st.integers(0, 2)) == 0:
        schema["multipleOf"] = draw(st.sampled_from([2, 3, 4]))
    return schema


def leaf_schemas() -> st.SearchStrategy[Any]:
    return st.one_of(
        string_schemas(),
        number_schemas(),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.just({}),
        st.lists(st.sampled_from(["x", "y", 1, 2, None]), min_size=1, max_size=3, unique=True).map(
            lambda values: {"enum": values}
        ),
        st.sampled_from(["x", 1, True]).map(lambda value: {"const": value}),
        st.just({"type": ["string", "null"]}),
    )


def schemas(depth: int = 2) -> st.SearchStrategy[Any]:
    if depth == 0:
        return leaf_schemas()
    inner = schemas(depth - 1)
    return st.one_of(
        leaf_schemas(),
        object_schemas(inner),
        array_schemas(inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda items: {"anyOf": items}),
    )


@st.composite
def object_schemas(draw: st.DrawFn, inner: st.SearchStrategy[Any]) -> dict[str, Any]:
    properties = draw(st.dictionaries(st.sampled_from(NAMES[:3]), inner, max_size=3))
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [name for name in properties if draw(st.booleans())]
    if required:
        schema["required"] = required
    extra = draw(st.integers(0, 3))
    if extra == 1:
        schema["additionalProperties"] = False
    elif extra == 2:
        schema["additionalProperties"] = draw(leaf_schemas())
    return schema


@st.composite
def array_schemas(draw: st.DrawFn, inner: st.SearchStrategy[Any]) -> dict[str, Any]:
    if draw(st.booleans()):
        schema: dict[str, Any] = {"type": "array", "items": draw(inner)}
        if draw(st.booleans()):
            schema["maxItems"] = draw(st.integers(1, 3))
        if draw(st.booleans()):
            schema["minItems"] = draw(st.integers(0, 1))
        if draw(st.integers(0, 3)) == 0:
            schema["uniqueItems"] = True
        return schema
    schema = {"type": "array", "items": draw(st.lists(inner, min_size=1, max_size=2))}
    extra = draw(st.integers(0, 2))
    if extra == 1:
        schema["additionalItems"] = False
    elif extra == 2:
        schema["additionalItems"] = draw(leaf_schemas())
    return schema


# --- edits ---------------------------------------------------------------------------------------


def _children(schema: Any) -> list[tuple[Any, Any]]:
    """(container, key) pairs of every direct subschema."""
    if not isinstance(schema, dict):
        return []
    found: list[tuple[Any, Any]] = [
        (schema["properties"], name) for name in schema.get("properties", {})
    ]
    items = schema.get("items")
    if isinstance(items, dict):
        found.append((schema, "items"))
    elif isinstance(items, list):
        found.extend((items, index) for index in range(len(items)))
    if isinstance(schema.get("additionalProperties"), dict):
        found.append((schema, "additionalProperties"))
    if isinstance(schema.get("additionalItems"), dict):
        found.append((schema, "additionalItems"))
    found.extend((schema["anyOf"], index) for index in range(len(schema.get("anyOf", []))))
    return found


@st.composite
def edited(draw: st.DrawFn, schema: Any) -> Any:
    """`schema` with one to three random edits somewhere inside."""
    result = copy.deepcopy(schema)
    for _ in range(draw(st.integers(1, 3))):
        holder: list[Any] = [result]
        container, key = holder, 0
        while True:
            children = _children(container[key])
            if not children or draw(st.integers(0, 2)) == 0:
                break
            container, key = draw(st.sampled_from(children))
        container[key] = draw(_edit(container[key]))
        result = holder[0]
    return result


@st.composite
def _edit(draw: st.DrawFn, schema: Any) -> Any:
    schema = copy.deepcopy(schema)
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return {}
    if choice == 1:
        return draw(leaf_schemas())
    if choice == 2:
        return {"anyOf": [schema, draw(leaf_schemas())]}
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "object":
        properties = schema["properties"]
        action = draw(st.integers(0, 3))
        if action == 0:
            properties[draw(st.sampled_from(NAMES))] = draw(leaf_schemas())
        elif action == 1 and properties:
            name = draw(st.sampled_from(sorted(properties)))
            del properties[name]
            if name in schema.get("required", []):
                schema["required"].remove(name)
                if not schema["required"]:
                    del schema["required"]
        elif action == 2 and properties:
            name = draw(st.sampled_from(sorted(properties)))
            required = schema.setdefault("required", [])
            if name in required:
                required.remove(name)
            else:
                required.append(name)
            if not required:
                del schema["required"]
        else:
            schema["additionalProperties"] = draw(
                st.sampled_from([False, True, {}, {"type": "string"}])
            )
        return schema
    keyword = draw(
        st.sampled_from(
            [
                "maxLength",
                "minLength",
                "pattern",
                "minimum",
                "maximum",
                "multipleOf",
                "maxItems",
                "minItems",
                "uniqueItems",
                "additionalItems",
                "enum",
                "type",
            ]
        )
    )
    value = {
        "maxLength": st.integers(1, 7),
        "minLength": st.integers(0, 3),
        "pattern": st.sampled_from(PATTERNS),
        "minimum": st.integers(-6, 1),
        "maximum": st.integers(0, 7),
        "multipleOf": st.sampled_from([2, 3, 4, 6]),
        "maxItems": st.integers(1, 4),
        "minItems": st.integers(0, 2),
        "uniqueItems": st.booleans(),
        "additionalItems": st.sampled_from([False, True, {}]),
        "enum": st.lists(
            st.sampled_from(["x", "y", "z", 1, 2, None]), min_size=1, max_size=4, unique=True
        ),
        "type": st.sampled_from(["string", "integer", "number"]),
    }[keyword]
    if keyword in schema and draw(st.booleans()):
        del schema[keyword]
    elif keyword != "type" or kind in ("string", "integer", "number"):
        schema[keyword] = draw(value)
    return schema


# --- instances -----------------------------------------------------------------------------------


def instances(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid under `schema` (the validator has the last word)."""
    validator = Draft7Validator(schema)
    return _instances(schema, depth=3).filter(validator.is_valid)


def _instances(schema: Any, depth: int) -> st.SearchStrategy[Any]:
    if schema is True or schema == {}:
        return JSON_VALUES
    if schema is False:
        return st.nothing()
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    if "anyOf" in schema:
        return st.one_of([_instances(branch, depth) for branch in schema["anyOf"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_instances({**schema, "type": one}, depth) for one in kind])
    if kind == "string":
        low = schema.get("minLength", 0)
        high = schema.get("maxLength", low + 5)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"]).filter(lambda text: low <= len(text) <= high)
        return st.text(alphabet="abcx09", min_size=low, max_size=max(low, high))
    if kind in ("integer", "number"):
        low, high = schema.get("minimum", -8), schema.get("maximum", 8)
        step = schema.get("multipleOf", 1)
        numbers = st.integers(-(-low // step), high // step).map(lambda k: k * step)
        if kind == "number" and "multipleOf" not in schema:
            return numbers | st.floats(low, high, allow_nan=False).filter(
                lambda x: not x.is_integer()
            )
        return numbers
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "object":
        return _objects(schema, depth)
    if kind == "array":
        return _arrays(schema, depth)
    return JSON_VALUES


def _objects(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    extra = schema.get("additionalProperties", True)
    undeclared = [name for name in NAMES if name not in properties]
    values = {name: _instances(sub, depth - 1) for name, sub in properties.items()}
    declared = st.fixed_dictionaries(
        {name: values[name] for name in properties if name in required},
        optional={name: values[name] for name in properties if name not in required},
    )
    if extra is False or not undeclared:
        return declared
    extra_values = JSON_VALUES if extra is True else _instances(extra, depth - 1)
    return st.tuples(
        declared, st.dictionaries(st.sampled_from(undeclared), extra_values, max_size=2)
    ).map(lambda pair: {**pair[1], **pair[0]})


def _arrays(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    items = schema.get("items", {})
    if isinstance(items, list):
        fixed = st.tuples(*[_instances(sub, depth - 1) for sub in items]).map(list)
        extra = schema.get("additionalItems", True)
        if extra is False:
            return fixed
        more = st.lists(JSON_VALUES if extra is True else _instances(extra, depth - 1), max_size=2)
        return st.tuples(fixed, more).map(lambda pair: pair[0] + pair[1])
    low = schema.get("minItems", 0)
    high = schema.get("maxItems", low + 3)
    unique = schema.get("uniqueItems", False)
    return st.lists(
        _instances(items, depth - 1),
        min_size=low,
        max_size=max(low, high),
        unique_by=(lambda item: json.dumps(item, sort_keys=True)) if unique else None,
    )


# --- the property --------------------------------------------------------------------------------


def _parse(document: Any) -> Any:
    text = json.dumps(document)
    return FORMAT.parse(
        Schema(SchemaType.JSON, text, Origin(OriginKind.FILE, "s.json")), CheckOptions()
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.data())
def test_backward_compatible_changes_keep_original_data_valid(data: st.DataObject) -> None:
    old = data.draw(schemas(), label="original")
    new = data.draw(edited(old), label="update")
    found = FORMAT.check(_parse(new), _parse(old), CheckOptions())
    note(f"findings: {[item.rule for item in found]}")
    event("incompatible" if found else "compatible")
    if found:
        return
    reader = Draft7Validator(new)
    for instance in data.draw(st.lists(instances(old), min_size=1, max_size=4), label="data"):
        assert reader.is_valid(instance), [error.message for error in reader.iter_errors(instance)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_instances_are_valid_and_varied(data: st.DataObject) -> None:
    # the generator under the property above must itself produce valid data
    schema = data.draw(schemas())
    value = data.draw(instances(schema))
    assert Draft7Validator(schema).is_valid(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_diff_agrees_with_check_both_ways(data: st.DataObject) -> None:
    old_json = data.draw(schemas(), label="old")
    new_json = data.draw(edited(old_json), label="new")
    old, new = _parse(old_json), _parse(new_json)
    options = CheckOptions()
    changes = FORMAT.diff(old, new, options)
    for broken, found in (
        (
            {change.path for change in changes if not change.backward_ok},
            {item.path for item in FORMAT.check(new, old, options)},
        ),
        (
            {change.path for change in changes if not change.forward_ok},
            {item.path for item in FORMAT.check(old, new, options)},
        ),
    ):
        assert broken == found
    rules = {rule for change in changes for rule in change.rules}
    assert rules == {item.rule for item in FORMAT.check(new, old, options)} | {
        item.rule for item in FORMAT.check(old, new, options)
    }
