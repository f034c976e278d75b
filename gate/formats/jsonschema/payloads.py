"""JSON Schema instances: a deterministic coverage set plus seeded random ones; validation.

A practical subset is generated: `type` (one or several), `properties`, `required`,
`additionalProperties`, `items` / `prefixItems` (and draft 4-2019 tuple `items`), `enum`,
`const`, numeric bounds (draft 4 boolean and draft 6+ numeric exclusive bounds), `multipleOf`,
`minLength` / `maxLength`, `pattern` (literals, classes, groups, alternation and quantifiers;
patterns with look-arounds or back-references are skipped), common `format`s, `oneOf` / `anyOf`
(each branch merged with its parent) / `allOf` (merged), and local `$ref`. Every candidate is
then validated with the schema's own validator class and dropped when it is not valid, so every
instance returned is valid under the schema.

Validation checks `format` too (with the validator class's format checker), as the Confluent JSON
Schema deserializers do.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gate.canonical import canonical_dumps
from gate.canonical import content_key as _content_key
from gate.errors import SchemaInvalid
from gate.jsonpos import join_pointer, pointer_tokens
from gate.lru import Lru

MAX_DEPTH = 6  # nested subschemas expanded through $ref recursion before closing
MAX_COVERAGE = 256
# the longest string and array generated: a `minLength` or `minItems` above it generates nothing
MAX_GENERATED_SIZE = 100_000
_OPEN_EXTRA = "x-extra"  # the extra property put into open objects

_STRINGS = ["", "a", "\u00e9t\u00e9", "\U0001d11e\U0001f600", "hello world", "\x00"]
_INTEGERS = [0, -1, 1, 2**31 - 1, -(2**31), 2**53, -(2**53)]
_NUMBERS = [0.5, -1.5, 1e308, -1e308, 5e-324]
_ANY: list[Any] = [None, True, 0, 1.5, "", "a", [], {}]
_FORMATS: dict[str, list[str]] = {
    "date-time": ["2024-01-31T12:34:56Z", "1970-01-01T00:00:00.000+01:00"],
    "date": ["2024-01-31", "0001-01-01"],
    "time": ["12:34:56Z", "23:59:59.999+00:00"],
    "email": ["a@example.com"],
    "idn-email": ["\u00e9@example.com"],
    "uuid": ["123e4567-e89b-42d3-a456-426614174000", "00000000-0000-0000-0000-000000000000"],
    "uri": ["https://example.com/a?b=c"],
    "uri-reference": ["/a/b", "https://example.com/"],
    "iri": ["https://example.com/\u00e9"],
    "hostname": ["example.com"],
    "ipv4": ["192.0.2.1", "0.0.0.0"],
    "ipv6": ["2001:db8::1", "::"],
    "duration": ["P1D", "PT1H30M"],
    "regex": ["^a+$"],
    "json-pointer": ["", "/a/0"],
}
_TYPES_BY_KEYWORD: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "object",
        (
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
        ),
    ),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains")),
    ("string", ("minLength", "maxLength", "pattern", "format")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)


class _Skip(Exception):
    """This subschema cannot be generated here (e.g. an unsupported pattern)."""


# A focus says where in an instance the values vary, for payloads aimed at a change: a mapping
# from property name (or array index, or `ANY` for every item or undeclared property) to the
# focus below it. Outside a focus an instance is minimal: its required properties only, each
# with its smallest value. `HERE` in a focus varies the value at that place itself: every value
# of a scalar or array, and an object's variants (required properties only, every property,
# one property it does not declare). `None` instead of a focus is the full coverage set.
Focus = dict[Any, Any]
ANY = "*"
HERE = "\x00here"
_MINIMAL: Focus = {}


class _Generator:
    def __init__(self, root: Any, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        # memos keyed by id(); each keeps its key object alive so an id is never reused
        self.widths: dict[tuple[int, int], tuple[Any, Any, int]] = {}
        self.alts: dict[int, tuple[Any, list[Any]]] = {}

    # -- schema plumbing ------------------------------------------------------------------------

    def resolve(self, schema: Any) -> Any:
        """Follow local `$ref`s (merging sibling keywords); remote ones cannot be generated."""
        for _ in range(32):
            if not isinstance(schema, Mapping) or not isinstance(schema.get("$ref"), str):
                return schema
            ref = schema["$ref"]
            if not ref.startswith("#"):
                raise _Skip
            target: Any = self.root
            for token in pointer_tokens(ref[1:]):
                if isinstance(target, list) and token.isdigit() and int(token) < len(target):
                    target = target[int(token)]
                elif isinstance(target, Mapping) and token in target:
                    target = target[token]
                else:
                    raise _Skip
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            if siblings and isinstance(target, Mapping):
                schema = _merge(target, siblings)
            elif siblings and target is True:
                schema = siblings
            else:
                schema = target
        raise _Skip

    def types(self, schema: Mapping[str, Any]) -> list[str]:
        declared = schema.get("type")
        if isinstance(declared, str):
            return [declared]
        if isinstance(declared, list):
            return [kind for kind in declared if isinstance(kind, str)]
        for kind, keywords in _TYPES_BY_KEYWORD:
            if any(keyword in schema for keyword in keywords):
                return [kind]
        return []

    def alternatives(self, schema: Mapping[str, Any]) -> list[Any]:
        """The subschemas a value of `schema` is drawn from: one per type and per branch."""
        key = id(schema)
        if key not in self.alts:
            self.alts[key] = (schema, self._alternatives(schema))
        return self.alts[key][1]

    def _alternatives(self, schema: Mapping[str, Any]) -> list[Any]:
        if "allOf" in schema and isinstance(schema["allOf"], list):
            merged: Any = {key: value for key, value in schema.items() if key != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                if part is False:
                    return []
                if isinstance(part, Mapping):
                    merged = _merge(merged, part)
            return self.alternatives(merged)
        for keyword in ("oneOf", "anyOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list):
                base = {key: value for key, value in schema.items() if key != keyword}
                out: list[Any] = []
                for branch in branches:
                    try:
                        branch = self.resolve(branch)
                    except _Skip:
                        continue
                    if branch is True:
                        out.append(base)
                    elif isinstance(branch, Mapping):
                        out.append(_merge(base, branch))
                return out
        if "const" in schema or "enum" in schema:
            return [schema]
        kinds = self.types(schema)
        if len(kinds) <= 1:
            return [schema]
        return [{**schema, "type": kind} for kind in kinds]

    def width(self, schema: Any, depth: int = 0, focus: Focus | None = None) -> int:
        try:
            schema = self.resolve(schema)
        except _Skip:
            return 1
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return len(_ANY) if schema is True else 1
        key = (id(schema), id(focus))
        if key in self.widths:
            return self.widths[key][2]
        self.widths[key] = (schema, focus, 1)  # recursion guard
        alternatives = self.alternatives(schema)
        if len(alternatives) != 1 or alternatives[0] is not schema:
            width = sum(self.width(alt, depth + 1, focus) for alt in alternatives)
        else:
            width = self._leaf_width(schema, depth, focus)
        width = max(1, min(width, MAX_COVERAGE))
        self.widths[key] = (schema, focus, width)
        return width

    def _leaf_width(self, schema: Mapping[str, Any], depth: int, focus: Focus | None) -> int:
        if "const" in schema:
            return 1
        if isinstance(schema.get("enum"), list):
            return max(1, len(schema["enum"]))
        kinds = self.types(schema)
        kind = kinds[0] if kinds else None
        if focus is not None and not focus:
            return 1
        if kind == "object":
            if focus is not None:
                return self._focused_width(schema, depth, focus)
            return self._properties_width(schema, depth) + 2
        if kind == "array":
            items = _items_schema(schema)
            prefix = _prefix_items(schema)
            if focus is not None and HERE not in focus:
                inner = [
                    self.width(sub, depth + 1, _below(focus, index))
                    for index, sub in enumerate(prefix)
                ]
                if items is not None:
                    inner.append(self.width(items, depth + 1, _below(focus, len(prefix))))
                return 1 + max([1, *inner])
            widths = [self.width(sub, depth + 1) for sub in prefix]
            return 1 + max([self.width(items, depth + 1) if items is not None else 1, *widths])
        if kind in ("integer", "number"):
            return len(_INTEGERS) + (len(_NUMBERS) if kind == "number" else 0) + 2
        if kind == "string":
            return len(_STRINGS) + 2
        if kind == "boolean":
            return 2
        if kind is None:
            return len(_ANY)
        return 1

    def _properties_width(self, schema: Mapping[str, Any], depth: int) -> int:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return 1
        return max([1, *(self.width(sub, depth + 1) for sub in properties.values())])

    def _focused_width(self, schema: Mapping[str, Any], depth: int, focus: Focus) -> int:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        widths = [3 if HERE in focus else 1]
        for name, below in focus.items():
            if name == HERE or not isinstance(name, str):
                continue
            sub = properties.get(name) if name != ANY else None
            if sub is None:
                sub = _extra_schema(schema, name)
            if sub is not None:
                widths.append(self.width(sub, depth + 1, below))
        return max(widths)

    # -- generation -----------------------------------------------------------------------------

    def pick(self, count: int, i: int | None) -> int:
        return i % count if i is not None else self.rng.randrange(count)

    def value(self, schema: Any, i: int | None, depth: int, focus: Focus | None = None) -> Any:
        """The i-th coverage value of `schema`, or a random one when `i` is None; within
        `focus` only, when one is given."""
        schema = self.resolve(schema)
        if schema is True or (isinstance(schema, Mapping) and not schema):
            if focus is not None and not focus:
                return _ANY[0]
            return _ANY[self.pick(len(_ANY), i)]
        if schema is False or not isinstance(schema, Mapping):
            raise _Skip
        alternatives = self.alternatives(schema)
        if not alternatives:
            raise _Skip
        if len(alternatives) != 1 or alternatives[0] is not schema:
            if i is None:
                return self.value(self.rng.choice(alternatives), None, depth + 1, focus)
            j = i % self.width(schema, depth, focus)
            for alternative in alternatives:
                width = self.width(alternative, depth + 1, focus)
                if j < width:
                    return self.value(alternative, j, depth + 1, focus)
                j -= width
            return self.value(alternatives[0], 0, depth + 1, focus)
        return self.leaf(schema, i, depth, focus)

    def leaf(
        self, schema: Mapping[str, Any], i: int | None, depth: int, focus: Focus | None = None
    ) -> Any:
        if focus is not None and not focus:
            i = 0  # outside the focus: the smallest value
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][self.pick(len(schema["enum"]), i)]
        kinds = self.types(schema)
        kind = kinds[0] if kinds else None
        if kind == "null":
            return None
        if kind == "boolean":
            return self.pick(2, i) == 1
        if kind in ("integer", "number"):
            return self.number(schema, kind, i)
        if kind == "string":
            return self.string(schema, i)
        if kind == "array":
            return self.array(schema, i, depth, focus)
        if kind == "object":
            if focus is not None:
                return self.focused_object(schema, i, depth, focus)
            return self.object(schema, i, depth)
        return _ANY[self.pick(len(_ANY), i)]

    def number(self, schema: Mapping[str, Any], kind: str, i: int | None) -> int | float:
        try:
            return self._number(schema, kind, i)
        except (OverflowError, ZeroDivisionError, ValueError):
            # bounds or a multipleOf beyond what floats hold (1e400, 10**400): nothing to make
            raise _Skip from None

    def _number(self, schema: Mapping[str, Any], kind: str, i: int | None) -> int | float:
        bounds = _bounds(schema)
        integer = kind == "integer"
        multiple = schema.get("multipleOf")
        candidates: list[int | float] = [*bounds.inner(integer), *_INTEGERS]
        if not integer:
            candidates += _NUMBERS
        if i is None:
            a = max(bounds.low, -1e15) if bounds.low is not None else -1e6
            b = min(bounds.high, 1e15) if bounds.high is not None else 1e6
            if a <= b:
                whole = integer or self.rng.random() < 0.5
                if whole and math.ceil(a) <= math.floor(b):
                    candidates.insert(0, self.rng.randint(math.ceil(a), math.floor(b)))
                elif not whole:
                    candidates.insert(0, self.rng.uniform(a, b))
        if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
            candidates = [_round_to(value, multiple, bounds) for value in candidates]
        candidates = [value for value in candidates if bounds.admits(value)]
        if integer:
            candidates = [int(value) for value in candidates if float(value).is_integer()]
        if not candidates:
            raise _Skip
        return candidates[0] if i is None else candidates[i % len(candidates)]

    def string(self, schema: Mapping[str, Any], i: int | None) -> str:
        pattern = schema.get("pattern")
        fmt = schema.get("format")
        if isinstance(pattern, str):
            text = _from_pattern(pattern, i, self.rng)
            if text is None:
                raise _Skip
            candidates = [text]
        elif isinstance(fmt, str) and fmt in _FORMATS:
            candidates = _FORMATS[fmt]
        elif i is None:
            pool = "ab Z09_-\u00e9\u4e2d\U0001f600"
            candidates = ["".join(self.rng.choice(pool) for _ in range(self.rng.randint(0, 12)))]
        else:
            candidates = list(_STRINGS)
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        low = low if isinstance(low, int) else 0
        high = high if isinstance(high, int) else None
        if low > MAX_GENERATED_SIZE:
            raise _Skip  # a string that long is no payload to simulate with
        sized = []
        for text in candidates:
            if len(text) < low:
                text += "a" * (low - len(text))
            if high is not None and len(text) > high:
                text = text[:high]
            sized.append(text)
        if i is not None and pattern is None and fmt is None:
            sized += ["b" * low, "c" * (min(high, MAX_GENERATED_SIZE) if high is not None else 64)]
        return sized[0] if i is None else sized[i % len(sized)]

    def array(
        self, schema: Mapping[str, Any], i: int | None, depth: int, focus: Focus | None = None
    ) -> list[Any]:
        items = _items_schema(schema)
        prefix = _prefix_items(schema)
        low = schema.get("minItems", 0)
        high = schema.get("maxItems")
        low = low if isinstance(low, int) else 0
        high = high if isinstance(high, int) else None
        if low > MAX_GENERATED_SIZE:
            raise _Skip  # an array that long is no payload to simulate with
        if focus is not None and HERE not in focus:
            return self.focused_array(schema, i, depth, focus, items, prefix, low, high)
        first: int | None = None
        if i is None:
            count = self.rng.randint(low, max(low, min(high if high is not None else 3, 3)))
        else:
            j = i % self.width(schema, depth)
            count = 0 if j == 0 else max(2, len(prefix))
            first = max(0, j - 1)
        count = max(count, low)
        if high is not None:
            count = min(count, high)
        if depth > MAX_DEPTH:
            count = low
        out: list[Any] = []
        for index in range(count):
            item = prefix[index] if index < len(prefix) else items
            out.append(
                self.value(
                    True if item is None else item,
                    None if first is None else first + index,
                    depth + 1,
                )
            )
        if schema.get("uniqueItems") is True and len({_key(item) for item in out}) < len(out):
            raise _Skip
        return out

    def focused_array(
        self,
        schema: Mapping[str, Any],
        i: int | None,
        depth: int,
        focus: Focus,
        items: Any,
        prefix: list[Any],
        low: int,
        high: int | None,
    ) -> list[Any]:
        """The fewest items the array allows, and one more when an item is in focus."""
        count = low
        if focus and (i is None or i % self.width(schema, depth, focus) > 0):
            count = max(low, 1, *(key + 1 for key in focus if isinstance(key, int)))
        if high is not None:
            count = min(count, high)
        out: list[Any] = []
        for index in range(count):
            item = prefix[index] if index < len(prefix) else items
            below = _below(focus, index)
            out.append(
                self.value(
                    True if item is None else item,
                    None if i is None else max(0, i - 1),
                    depth + 1,
                    below,
                )
            )
        if schema.get("uniqueItems") is True and len({_key(item) for item in out}) < len(out):
            raise _Skip
        return out

    def focused_object(
        self, schema: Mapping[str, Any], i: int | None, depth: int, focus: Focus
    ) -> dict[str, Any]:
        """The required properties at their smallest, the properties in focus with their i-th
        values (a name the schema does not declare gets values its undeclared properties may
        take), and with `HERE`: every declared property, or one undeclared, by turns."""
        if depth > 8 * MAX_DEPTH:
            raise _Skip  # required properties that nest without end admit no instance
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [name for name in schema.get("required", []) if isinstance(name, str)]
        turn = self.rng.randrange(3) if i is None else i % 3
        here = HERE in focus
        out: dict[str, Any] = {}
        names = list(properties) if here and turn == 1 else []
        for name in dict.fromkeys([*required, *names]):
            if name in focus:
                continue
            sub = properties.get(name)
            if sub is None:
                sub = _extra_schema(schema, name)
            if sub is None:
                raise _Skip
            try:
                out[name] = self.value(sub, 0, depth + 1, _MINIMAL)
            except _Skip:
                if name in required:
                    raise
        for name, below in focus.items():
            if name == HERE or not isinstance(name, str):
                continue  # an array index where the schema has an object: nothing to aim at
            if name == ANY:
                name = _OPEN_EXTRA if _OPEN_EXTRA not in properties else _OPEN_EXTRA + "-2"
            sub = properties.get(name)
            if sub is None:
                sub = _extra_schema(schema, name)
            if sub is None:
                continue  # the schema admits no such property
            try:
                out[name] = self.value(sub, i, depth + 1, below)
            except _Skip:
                if name in required:
                    raise
        if here and turn == 2:
            extra = _extra_schema(schema, _OPEN_EXTRA)
            if extra is not None and _OPEN_EXTRA not in properties:
                with contextlib.suppress(_Skip):
                    out[_OPEN_EXTRA] = self.value(extra, i, depth + 1, None)
        return out

    def object(self, schema: Mapping[str, Any], i: int | None, depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [name for name in schema.get("required", []) if isinstance(name, str)]
        additional = schema.get("additionalProperties", True)
        if i is None:
            names = [n for n in properties if n in required or self.rng.random() < 0.7]
            extra = self.rng.random() < 0.3
            index: int | None = None
        else:
            # choices 0..w-1: every property with its i-th value; then only the required ones;
            # then every property plus one the schema does not name (open content models)
            width = self._properties_width(schema, depth)
            j = i % (width + 2)
            names = [n for n in properties if n in required] if j == width else list(properties)
            extra = j == width + 1
            index = j if j < width else 0
        if depth > MAX_DEPTH:
            names, extra = [n for n in properties if n in required], False
        out: dict[str, Any] = {}
        for name in names:
            try:
                out[name] = self.value(properties[name], index, depth + 1)
            except _Skip:
                if name in required:
                    raise
        for name in required:
            if name not in out:
                out[name] = self.value(
                    additional if isinstance(additional, Mapping) else True, index, depth + 1
                )
        if extra and additional is not False and _OPEN_EXTRA not in properties:
            extra_schema = additional if isinstance(additional, Mapping) else {"type": "string"}
            with contextlib.suppress(_Skip):
                out[_OPEN_EXTRA] = self.value(extra_schema, index, depth + 1)
        return out


def _below(focus: Focus, key: Any) -> Focus:
    """The focus at `key` inside `focus` (an array index or a property name)."""
    if HERE in focus:
        return {HERE: True}
    below = focus.get(key)
    if below is None:
        below = focus.get(ANY)
    return below if below is not None else _MINIMAL


def _extra_schema(schema: Mapping[str, Any], name: str) -> Any:
    """The schema of an undeclared property `name`: the first `patternProperties` it matches,
    else `additionalProperties` (any value when absent); None when no such property is
    allowed."""
    from gate.formats.jsonschema.patterns import search

    patterns = schema.get("patternProperties")
    if isinstance(patterns, Mapping):
        for pattern, sub in patterns.items():
            try:
                if search(pattern, name):
                    return sub
            except re.error:
                continue
    additional = schema.get("additionalProperties", True)
    if additional is False:
        return None
    return additional if isinstance(additional, Mapping) else True


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if (
            key == "properties"
            and isinstance(merged.get(key), Mapping)
            and isinstance(value, Mapping)
        ):
            merged[key] = {**merged[key], **value}
        elif key == "required" and isinstance(merged.get(key), list) and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key == "type" and key in merged and merged[key] != value:
            mine = merged[key] if isinstance(merged[key], list) else [merged[key]]
            theirs = value if isinstance(value, list) else [value]
            both = [kind for kind in mine if kind in theirs]
            if ("number" in mine and "integer" in theirs) or (
                "number" in theirs and "integer" in mine
            ):
                both.append("integer")
            merged[key] = both[0] if len(both) == 1 else both
        else:
            merged[key] = value
    return merged


def _items_schema(schema: Mapping[str, Any]) -> Any:
    items = schema.get("items")
    if isinstance(items, list):  # draft 4-2019 tuple form: the rest is additionalItems
        return schema.get("additionalItems", True)
    return items


def _prefix_items(schema: Mapping[str, Any]) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        return prefix
    items = schema.get("items")
    return items if isinstance(items, list) else []


@dataclass(frozen=True)
class _Range:
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False

    def admits(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return self.high is None or not (
            value > self.high or (self.high_open and value == self.high)
        )

    def inner(self, integer: bool) -> list[float]:
        """Values just inside each bound, and between them."""
        out: list[float] = []
        if self.low is not None:
            out.append(math.floor(self.low) + 1 if self.low_open and integer else self.low)
        if self.high is not None:
            out.append(math.ceil(self.high) - 1 if self.high_open and integer else self.high)
        if self.low is not None and self.high is not None:
            middle = self.low / 2 + self.high / 2  # (low + high) may pass the largest float
            out.append(math.floor(middle) if integer else middle)
        elif self.low is not None:
            out.append(self.low + 1)
        elif self.high is not None:
            out.append(self.high - 1)
        return out


def _bounds(schema: Mapping[str, Any]) -> _Range:
    def number(key: str) -> float | None:
        value = schema.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    low, high = number("minimum"), number("maximum")
    low_open = schema.get("exclusiveMinimum") is True  # draft 4
    high_open = schema.get("exclusiveMaximum") is True
    exclusive_low, exclusive_high = number("exclusiveMinimum"), number("exclusiveMaximum")
    if exclusive_low is not None and (low is None or exclusive_low >= low):
        low, low_open = exclusive_low, True
    if exclusive_high is not None and (high is None or exclusive_high <= high):
        high, high_open = exclusive_high, True
    return _Range(low, low_open, high, high_open)


def _round_to(value: float, multiple: float, bounds: _Range) -> float:
    factor = round(value / multiple) if math.isfinite(value / multiple) else 0
    result = factor * multiple
    if bounds.low is not None and not bounds.admits(result) and result <= bounds.low:
        result = (math.floor(bounds.low / multiple) + 1) * multiple
    if bounds.high is not None and not bounds.admits(result) and result >= bounds.high:
        result = (math.ceil(bounds.high / multiple) - 1) * multiple
    return int(result) if float(result).is_integer() and abs(result) < 2**53 else result


def _key(value: Any) -> str:
    return canonical_dumps(value)


# -- patterns --------------------------------------------------------------------------------------

_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": "07",
    "CATEGORY_NOT_DIGIT": "a-",
    "CATEGORY_WORD": "aZ_5",
    "CATEGORY_NOT_WORD": " -",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a0",
}


def _sre(name: str) -> Any:
    """Python's own regex parser, whose parse tree the generator walks."""
    import importlib

    return importlib.import_module(name)


def _from_pattern(pattern: str, i: int | None, rng: random.Random) -> str | None:
    """A string matching `pattern` (the i-th variant, or a random one); None when unsupported."""
    try:
        parsed = _sre("re._parser").parse(pattern)
    except Exception:  # an unparsable pattern just cannot be generated
        return None
    choose: Callable[[int], int] = (lambda n: i % n) if i is not None else rng.randrange
    try:
        text = _emit(parsed, choose)
    except _Skip:
        return None
    from gate.formats.jsonschema.patterns import PatternTooSlow, search

    try:
        return text if search(pattern, text) else None
    except (PatternTooSlow, re.error):
        return None


def _emit(items: Any, choose: Callable[[int], int]) -> str:
    c = _sre("re._constants")

    out: list[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if arg != ord("a") else "b")
        elif op is c.ANY:
            out.append("x")
        elif op is c.IN:
            out.append(_emit_class(arg, choose))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            high = low + 2 if high is c.MAXREPEAT else high
            count = low + choose(min(high - low, 2) + 1)
            out.extend(_emit(sub, choose) for _ in range(count))
        elif op is c.SUBPATTERN:
            out.append(_emit(arg[-1], choose))
        elif op is getattr(c, "ATOMIC_GROUP", None):
            out.append(_emit(arg, choose))
        elif op is c.BRANCH:
            alternatives = arg[1]
            out.append(_emit(alternatives[choose(len(alternatives))], choose))
        elif op is c.AT:
            continue
        else:  # back-references, look-arounds, conditionals
            raise _Skip
    return "".join(out)


def _emit_class(members: Any, choose: Callable[[int], int]) -> str:
    c = _sre("re._constants")

    negate = any(op is c.NEGATE for op, _ in members)
    options: list[str] = []
    for op, arg in members:
        if op is c.LITERAL:
            options.append(chr(arg))
        elif op is c.RANGE:
            options.extend((chr(arg[0]), chr(arg[1])))
        elif op is c.CATEGORY:
            options.extend(_CATEGORY_CHARS.get(str(arg), "a"))
    if negate:
        pool = [char for char in "aZ0_- .\u00e9" if not re.fullmatch(_class_regex(members), char)]
        if not pool:
            raise _Skip
        return pool[choose(len(pool))]
    if not options:
        raise _Skip
    return options[choose(len(options))]


def _class_regex(members: Any) -> str:
    c = _sre("re._constants")

    parts = []
    for op, arg in members:
        if op is c.LITERAL:
            parts.append(re.escape(chr(arg)))
        elif op is c.RANGE:
            parts.append(f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}")
        elif op is c.CATEGORY:
            parts.append(
                {
                    "CATEGORY_DIGIT": r"\d",
                    "CATEGORY_NOT_DIGIT": r"\D",
                    "CATEGORY_WORD": r"\w",
                    "CATEGORY_NOT_WORD": r"\W",
                    "CATEGORY_SPACE": r"\s",
                    "CATEGORY_NOT_SPACE": r"\S",
                }.get(str(arg), "")
            )
    return "[" + "".join(parts) + "]"


# -- validation -----------------------------------------------------------------------------------


_VALIDATORS: Lru[Any] = Lru(128)
_GENERATED: Lru[Any] = Lru(64)


_TRUSTED: OrderedDict[int, Any] = OrderedDict()  # schemas known valid, by identity (kept alive)


def content_key(schema_json: Any) -> str:
    """A key that is equal for equal schema JSON values, remembered for recent schema objects."""
    return _content_key(schema_json, remember=True)


def trust(schema_json: Any) -> None:
    """Record that `schema_json` passed its metaschema already (gate's parser checks every
    schema it accepts): `validator` then skips that check for this very object."""
    _TRUSTED[id(schema_json)] = schema_json
    _TRUSTED.move_to_end(id(schema_json))
    if len(_TRUSTED) > 64:
        _TRUSTED.popitem(last=False)


def validator(schema_json: Any) -> Any:
    """A jsonschema validator for the schema: its class from `$schema` (default draft 7), with
    format checking; its patterns raise `PatternTooSlow` past their budget. Raises
    `SchemaInvalid` for a schema its metaschema rejects. Cached."""

    def make() -> Any:
        from jsonschema import Draft7Validator, validators
        from jsonschema.exceptions import SchemaError

        from gate.formats.jsonschema.loader import draft_of, validator_class
        from gate.formats.jsonschema.metaschema import conforms
        from gate.formats.jsonschema.patterns import bounded_validator_class

        cls = bounded_validator_class(
            validators.validator_for(schema_json, default=Draft7Validator)
        )
        if _TRUSTED.get(id(schema_json)) is schema_json:
            return cls(schema_json, format_checker=cls.FORMAT_CHECKER)
        draft = draft_of(schema_json)
        if validator_class(draft) is cls and conforms(schema_json, draft):
            # certainly valid, as jsonschema would judge it, in a fraction of its time
            return cls(schema_json, format_checker=cls.FORMAT_CHECKER)
        try:
            cls.check_schema(schema_json)
        except SchemaError as error:
            pointer = join_pointer("", *error.path) if error.path else ""
            raise SchemaInvalid(f"invalid JSON Schema: {error.message}", pointer) from error
        return cls(schema_json, format_checker=cls.FORMAT_CHECKER)

    known = _BY_IDENTITY.get(id(schema_json))
    if known is not None and known[0] is schema_json:
        return known[1]
    if _TRUSTED.get(id(schema_json)) is schema_json:
        made = make()  # no content key: serialising a large schema costs more than this
    else:
        made = _VALIDATORS.get_or(content_key(schema_json), make)
    if isinstance(schema_json, (dict, list)):
        _BY_IDENTITY[id(schema_json)] = (schema_json, made)
        if len(_BY_IDENTITY) > 64:
            _BY_IDENTITY.popitem(last=False)
    return made


_BY_IDENTITY: OrderedDict[int, tuple[Any, Any]] = OrderedDict()


def validation_errors(instance: Any, schema_json: Any, checker: Any = None) -> list[Any]:
    """jsonschema's `ValidationError`s for the instance, sorted by place then message;
    `checker` is `validator(schema_json)` when the caller holds it already.

    A `$ref` that cannot be resolved raises `SchemaInvalid`.
    """
    from referencing.exceptions import Unresolvable

    if checker is None:
        checker = validator(schema_json)
    try:
        errors = list(checker.iter_errors(instance))
    except Unresolvable as error:
        raise SchemaInvalid(f"unresolvable reference: {error}") from error
    return sorted(errors, key=lambda e: ([str(p) for p in e.absolute_path], e.message))


def describe(error: Any) -> str:
    """One validation error as `<JSON Pointer into the instance>: <message>` (no pointer at
    the root)."""
    pointer = join_pointer("", *error.absolute_path)
    return f"{pointer}: {error.message}" if pointer else str(error.message)


def fill_defaults(instance: Any, schema_json: Any) -> Any:
    """The instance with the `default` of every absent property filled in, as a consumer that
    honours defaults reads it (Confluent's rules count a required property added with a default
    as compatible for this reason). Follows `properties`, `items` and local `$ref`s; the input
    is not modified."""
    return defaults_filler(schema_json)(instance)


def defaults_filler(schema_json: Any) -> Callable[[Any], Any]:
    """`fill_defaults` for one schema, as a function that remembers, for each object schema it
    meets, which properties have a default: filling many instances walks each schema once."""
    generator = _Generator(schema_json, random.Random(0))
    # id(object schema) -> (schema, properties, {name: default}), the schema kept alive
    known: dict[int, tuple[Any, Mapping[str, Any], dict[str, Any]]] = {}

    def resolved(schema: Any) -> Any:
        try:
            return generator.resolve(schema)
        except _Skip:
            return None

    def defaults_of(schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], dict[str, Any]]:
        entry = known.get(id(schema))
        if entry is None or entry[0] is not schema:
            properties = schema.get("properties")
            properties = properties if isinstance(properties, Mapping) else {}
            defaults = {}
            for name, sub in properties.items():
                sub = resolved(sub)
                if isinstance(sub, Mapping) and "default" in sub:
                    defaults[name] = sub["default"]
            entry = (schema, properties, defaults)
            known[id(schema)] = entry
        return entry[1], entry[2]

    def fill(value: Any, schema: Any, depth: int) -> Any:
        if depth > 64:
            return value
        schema = resolved(schema)
        if not isinstance(schema, Mapping):
            return value
        if isinstance(value, dict):
            if not isinstance(schema.get("properties"), Mapping):
                return value
            properties, defaults = defaults_of(schema)
            out = dict(value)
            for name in out:
                if name in properties:
                    out[name] = fill(out[name], properties[name], depth + 1)
            for name, default in defaults.items():
                if name not in out:
                    out[name] = default
            return out
        if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            return [fill(item, schema["items"], depth + 1) for item in value]
        return value

    return lambda instance: fill(instance, schema_json, 0)


def decode(instance: Any, reader_json: Any) -> list[str]:
    """The validation errors a consumer validating with `reader_json` reports (empty: accepted).

    Each error is `<JSON Pointer into the instance>: <message>`, or just the message at the
    root; errors are sorted by place. A `$ref` that cannot be resolved raises `SchemaInvalid`.
    """
    return [describe(error) for error in validation_errors(instance, reader_json)]


def generate(schema_json: Any, *, seed: int = 0, random_count: int = 20) -> list[Any]:
    """Instances valid under the schema: a deterministic coverage set, then `random_count`
    seeded random ones. Same schema and seed, same instances; duplicates are kept once.
    `PatternTooSlow` when a pattern of the schema cannot be evaluated within its budget.
    The list is shared between callers: do not mutate it."""
    key = f"{seed}\x1f{random_count}\x1f{content_key(schema_json)}"
    return _GENERATED.get_or(key, lambda: _generate(schema_json, seed, random_count))


def generate_focused(
    schema_json: Any, focus: Focus, *, seed: int = 0, random_count: int = 20
) -> list[Any]:
    """Instances valid under the schema that vary only within `focus` (see `Focus`) and are
    as small as the schema allows elsewhere: payloads aimed at the places a change touches,
    whatever the size of the rest of the schema. Cached like `generate`."""
    key = (id(schema_json), seed, random_count, _key(focus))
    known = _FOCUSED.get(key)
    if known is not None and known[0] is schema_json:
        return known[1]
    made = _generate(schema_json, seed, random_count, focus)
    _FOCUSED[key] = (schema_json, made)
    if len(_FOCUSED) > 64:
        _FOCUSED.popitem(last=False)
    return made


# focused payloads by the identity of their schema (kept alive), seed, count and focus
_FOCUSED: OrderedDict[tuple[int, int, int, str], tuple[Any, list[Any]]] = OrderedDict()


def _generate(
    schema_json: Any, seed: int, random_count: int, focus: Focus | None = None
) -> list[Any]:
    from gate.formats.jsonschema.patterns import PatternTooSlow

    checker = validator(schema_json)
    rng = random.Random(seed)
    generator = _Generator(schema_json, rng)
    candidates: list[Any] = []
    count = generator.width(schema_json, 0, focus)
    for index in [*range(count), *([None] * random_count)]:
        try:
            candidates.append(generator.value(schema_json, index, 0, focus))
        except (_Skip, RecursionError):
            continue
    out: list[Any] = []
    seen: set[str] = set()
    for candidate in candidates:
        key = _key(candidate)
        if key in seen:
            continue
        seen.add(key)
        try:
            if checker.is_valid(candidate):
                out.append(candidate)
        except PatternTooSlow:
            raise  # every other candidate would spend the budget again
        except Exception:  # e.g. an unresolvable $ref: nothing is provable
            continue
    return out
