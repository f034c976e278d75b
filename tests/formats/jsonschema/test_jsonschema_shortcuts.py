"""The shortcuts that make the JSON Schema engine fast change no verdict: pairs of identical
plain subschemas are skipped, the text is decoded without measuring it first, references are
resolved once, and shallow schemas are compared without a worker thread."""

from __future__ import annotations

import copy
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT
from gate.formats.jsonschema.checker import Pos, differences
from gate.formats.jsonschema.loader import _SHARED_NODES, decode, nesting_depth, value_depth
from gate.formats.jsonschema.nodes import (
    ArrayNode,
    CombinedNode,
    Node,
    NotNode,
    ObjectNode,
    ParsedJsonSchema,
    Place,
    RefNode,
)
from gate.model import JsonPolicy, Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from collections.abc import Iterator

D2020 = "https://json-schema.org/draft/2020-12/schema"


def parse(document: Any) -> ParsedJsonSchema:
    text = document if isinstance(document, str) else json.dumps(document)
    return FORMAT.parse(
        Schema(SchemaType.JSON, text, Origin(OriginKind.FILE, "s.json")), CheckOptions()
    )


def nodes_of(root: Node) -> Iterator[Node]:
    """Every node reachable from `root`, each once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        children: list[Any] = []
        if isinstance(node, ObjectNode):
            children += node.properties.values()
            children += [schema for _, _, schema in node.pattern_properties]
            children += [dependency.schema for dependency in node.schema_dependencies.values()]
            children += [node.additional, node.unevaluated]
        elif isinstance(node, ArrayNode):
            children += [node.all_items, *node.item_list, node.additional, node.unevaluated]
        elif isinstance(node, CombinedNode):
            children += node.subschemas
        elif isinstance(node, NotNode):
            children.append(node.schema)
        elif isinstance(node, RefNode):
            children.append(node.target)
        stack.extend(child for child in children if isinstance(child, Node))


def walked_in_full(document: Any) -> ParsedJsonSchema:
    """`document` parsed with no node marked plain: the checker compares every pair.

    Its nodes are its own: none is shared with an earlier parse (which would then be walked in
    full too) nor offered to a later one."""
    _SHARED_NODES.clear()
    parsed = parse(document)
    _SHARED_NODES.clear()
    for node in nodes_of(parsed.root):
        node.plain = None
    return parsed


# --- generated schemas and edits -----------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c/d"])
REF = {"$ref": "#/definitions/shared"}
VALUES = st.sampled_from(
    [None, True, False, 0, 1, 1.0, -2, 2.5, "x", "", [1], [True], {"k": 1}, {"k": True}]
)


def leaves() -> st.SearchStrategy[Any]:
    typed = st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])},
        optional={
            "maxLength": st.integers(1, 3),
            "minimum": st.sampled_from([0, 1, 1.0]),
            "title": st.sampled_from(["t", "u"]),
            "default": VALUES,
            "pattern": st.sampled_from(["^a", "^b"]),
        },
    )
    return st.one_of(
        typed,
        st.lists(VALUES, min_size=1, max_size=3).map(lambda values: {"enum": values}),
        VALUES.map(lambda value: {"const": value}),
        st.just({"type": ["string", "null"]}),
        st.just({"type": ["integer", "number"]}),
        st.just({"type": "string", "enum": ["a", "b"]}),
        st.just(REF),
        st.just({}),
        st.booleans(),
    )


def schemas() -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.fixed_dictionaries(
                {
                    "type": st.just("object"),
                    "properties": st.dictionaries(NAMES, inner, max_size=3),
                },
                optional={
                    "additionalProperties": st.booleans() | inner,
                    "required": st.lists(NAMES, max_size=2, unique=True),
                    "patternProperties": st.dictionaries(st.just("^x"), inner, max_size=1),
                    "title": st.sampled_from(["t", "u"]),
                },
            ),
            st.fixed_dictionaries(
                {
                    "type": st.just("array"),
                    "items": inner | st.lists(inner, min_size=1, max_size=2),
                },
                optional={"additionalItems": st.booleans() | inner, "maxItems": st.integers(1, 3)},
            ),
            st.lists(inner, min_size=1, max_size=3).map(lambda members: {"anyOf": members}),
            st.lists(inner, min_size=1, max_size=2).map(lambda members: {"allOf": members}),
            st.lists(inner, min_size=1, max_size=2).map(lambda members: {"oneOf": members}),
            inner.map(lambda schema: {"not": schema}),
        )

    return st.recursive(leaves(), extend, max_leaves=10)


@st.composite
def documents(draw: st.DrawFn) -> Any:
    shared = draw(leaves().filter(lambda schema: schema != REF))
    root = draw(schemas())
    if not isinstance(root, dict):
        root = {"allOf": [root]}
    return {**root, "definitions": {"shared": shared}}


def schema_slots(schema: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every subschema below `schema`."""
    slots: list[tuple[Any, Any]] = []
    stack = [schema]
    while stack:
        value = stack.pop()
        if not isinstance(value, dict):
            continue
        here: list[tuple[Any, Any]] = []
        for keyword in ("properties", "patternProperties", "definitions"):
            if isinstance(value.get(keyword), dict):
                here += [(value[keyword], name) for name in value[keyword]]
        for keyword in ("anyOf", "allOf", "oneOf", "items"):
            if isinstance(value.get(keyword), list):
                here += [(value[keyword], index) for index in range(len(value[keyword]))]
        for keyword in ("items", "additionalProperties", "additionalItems", "not"):
            if isinstance(value.get(keyword), (dict, bool)):
                here.append((value, keyword))
        slots += here
        stack += [container[key] for container, key in here]
    return slots


@st.composite
def edited(draw: st.DrawFn, document: Any) -> Any:
    """`document` with a few subschemas replaced (most of it stays the same)."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(0, 2))):
        slots = schema_slots(result)
        if slots:
            container, key = draw(st.sampled_from(slots))
            replacement = draw(leaves() | schemas())
            if container is result["definitions"] and replacement == REF:
                continue  # a reference to itself names no schema
            container[key] = replacement
    return result


@settings(max_examples=200, deadline=None)
@given(data=st.data(), policy=st.sampled_from(list(JsonPolicy)))
def test_skipping_identical_subschemas_changes_nothing(
    data: st.DataObject, policy: JsonPolicy
) -> None:
    old_json = data.draw(documents(), label="old")
    new_json = data.draw(edited(old_json), label="new")
    fast_old, fast_new = parse(old_json), parse(new_json)
    full_old, full_new = walked_in_full(old_json), walked_in_full(new_json)
    options = CheckOptions(json_policy=policy)
    for notes in (False, True):
        assert differences(fast_old, fast_new, policy, notes) == differences(
            full_old, full_new, policy, notes
        )
        assert differences(fast_new, fast_old, policy, notes) == differences(
            full_new, full_old, policy, notes
        )
    assert FORMAT.check(fast_new, fast_old, options) == FORMAT.check(full_new, full_old, options)
    assert FORMAT.diff(fast_old, fast_new, options) == FORMAT.diff(full_old, full_new, options)
    # a schema against itself, and against its own copy
    assert differences(fast_old, fast_old, policy) == differences(full_old, full_old, policy)
    assert differences(fast_old, parse(old_json), policy) == differences(
        full_old, walked_in_full(old_json), policy
    )


@pytest.mark.parametrize(
    ("old", "new", "paths"),
    [
        # identical branches of one kind may still be paired crosswise, as the registry's matching
        # pairs them: such combinations are compared in full, title changes and all
        (
            {"anyOf": [{"type": "string", "title": "a"}, {"type": "string", "title": "b"}]},
            None,
            ["/anyOf/1/title", "/anyOf/0/title"],
        ),
        ({"type": ["integer", "number"]}, None, []),
        # equal in Python, not in JSON: true is not 1
        ({"default": True}, {"default": 1}, ["/default"]),
        ({"const": True}, {"const": 1}, ["/const"]),
        ({"enum": [True]}, {"enum": [1]}, ["/enum"]),
        (
            {"type": "object", "properties": {"a": {"const": [True]}}},
            {"type": "object", "properties": {"a": {"const": [1]}}},
            ["/properties/a/const"],
        ),
        # and 1.0 is 1
        ({"default": 1}, {"default": 1.0}, []),
        # a reference is never taken for its target's twin
        (
            {
                "type": "object",
                "properties": {"a": {"$ref": "#/definitions/x"}},
                "definitions": {"x": {"type": "string"}},
            },
            {
                "type": "object",
                "properties": {"a": {"$ref": "#/definitions/x"}},
                "definitions": {"x": {"type": "integer"}},
            },
            ["/definitions/x"],
        ),
    ],
)
def test_identical_looking_subschemas(old: Any, new: Any, paths: list[str]) -> None:
    new = old if new is None else new
    changes = FORMAT.diff(parse(old), parse(new), CheckOptions())
    assert [change.path for change in changes] == paths
    assert changes == FORMAT.diff(walked_in_full(old), walked_in_full(new), CheckOptions())


def test_plain_nodes_are_marked_and_references_are_not() -> None:
    parsed = parse(
        {
            "type": "object",
            "properties": {
                "s": {"type": "string"},
                "r": {"$ref": "#/definitions/x"},
                "both": {"type": ["string", "null"]},
                "same": {"type": ["integer", "number"]},
                "holds_ref": {"type": "array", "items": {"$ref": "#/definitions/x"}},
            },
            "definitions": {"x": {"type": "string"}},
        }
    )
    assert isinstance(parsed.root, ObjectNode)
    plain = {name: node.plain is not None for name, node in parsed.root.properties.items()}
    assert plain == {"s": True, "r": False, "both": True, "same": False, "holds_ref": False}
    assert parsed.root.plain is None


# --- references ----------------------------------------------------------------------------------


def test_many_references_to_one_definition_share_its_node() -> None:
    count = 200
    parsed = parse(
        {
            "$schema": D2020,
            "type": "object",
            "$defs": {"x": {"type": "string"}},
            "properties": {f"p{i}": {"$ref": "#/$defs/x"} for i in range(count)},
        }
    )
    assert isinstance(parsed.root, ObjectNode)
    targets = {
        id(node.target) for node in parsed.root.properties.values() if isinstance(node, RefNode)
    }
    assert len(targets) == 1
    assert parsed.references == count


def test_shallow_schemas_with_many_references_are_compared_in_this_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def document(kind: str) -> dict[str, Any]:
        return {
            "type": "object",
            "definitions": {"x": {"type": kind}},
            "properties": {f"p{i}": {"$ref": "#/definitions/x"} for i in range(100)},
        }

    old, new = parse(document("string")), parse(document("integer"))
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    found = FORMAT.check(new, old, CheckOptions())
    assert [(item.rule, item.path) for item in found] == [("JSON_TYPE_CHANGED", "/definitions/x")]
    assert started == []


def test_a_long_chain_of_references_still_gets_a_large_stack() -> None:
    links = 1500
    defs = {f"n{i}": {"$ref": f"#/definitions/n{i + 1}"} for i in range(links)}
    old = parse(
        {
            "$ref": "#/definitions/n0",
            "definitions": {
                **defs,
                f"n{links}": {"type": "array", "items": {"$ref": "#/definitions/n0"}},
            },
        }
    )
    new = parse(
        {
            "$ref": "#/definitions/n0",
            "definitions": {
                **defs,
                f"n{links}": {
                    "type": "array",
                    "items": {"$ref": "#/definitions/n0"},
                    "maxItems": 3,
                },
            },
        }
    )
    found = FORMAT.check(new, old, CheckOptions())
    assert [item.rule for item in found] == ["JSON_MAX_ITEMS_ADDED"]


# --- decoding ------------------------------------------------------------------------------------


def reference_depth(text: str) -> int:
    """The nesting of brackets outside string tokens, one character at a time."""
    depth = deepest = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = index + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end < len(text):
                index = end + 1
                continue
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
        index += 1
    return deepest


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]"\\ a:,\n', max_size=40))
def test_nesting_depth_of_any_text(text: str) -> None:
    assert nesting_depth(text) == reference_depth(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='a"\\[{}]'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="ab[{", max_size=2), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_decoded_depth_is_the_depth_of_the_text(value: Any) -> None:
    text = json.dumps(value)
    assert decode(text) == (value, nesting_depth(text))
    assert value_depth(value) == nesting_depth(text)


@pytest.fixture
def raised_recursion_limit() -> Iterator[None]:
    # what a deep comparison running in another thread does to the whole process
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


def test_wide_text_is_measured_first_while_the_limit_is_raised(
    raised_recursion_limit: None,
) -> None:
    text = json.dumps(
        {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(3000)}}
    )
    assert decode(text) == (json.loads(text), 3)
    duplicated = text[:-2] + ', "p0": {}}}'
    with pytest.raises(Exception, match="duplicate key `p0`"):
        parse(duplicated)


def test_deep_text_is_measured_first_while_the_limit_is_raised(
    raised_recursion_limit: None,
) -> None:
    levels = 3000
    text = '{"items": ' * levels + "{}" + "}" * levels
    assert decode(text)[1] == levels + 1


# --- places --------------------------------------------------------------------------------------


def test_places_and_positions_are_values() -> None:
    place = Place("/properties/a~1b", None)
    assert place == Place("/properties/a~1b")
    assert hash(place) == hash(Place("/properties/a~1b"))
    assert place != Place("/properties/a~1b", "other.json")
    assert place.child("items", 0) == Place("/properties/a~1b/items/0")
    assert Place("").child("properties", "x/y~z").pointer == "/properties/x~1y~0z"
    assert Pos(place, "/x") == Pos(Place("/properties/a~1b"), "/x")
    assert len({Pos(place, "/x"), Pos(Place("/properties/a~1b"), "/x")}) == 1
    inside = Pos(Place("/a", "other.json"), "/ref")
    assert inside.child("b") == Pos(Place("/a/b", "other.json"), "/ref")
