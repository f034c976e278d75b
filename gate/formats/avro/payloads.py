"""Avro payloads: a deterministic coverage set plus seeded random values; encode and decode.

Schemas come in as JSON values (`str`, `dict` or `list`, as parsed from the schema text, with
references already inlined), so nothing here depends on the checker's own parsed form.

Payloads are the Python values fastavro's `schemaless_writer` accepts: `dict` for records, `list`
for arrays, `bytes`, `decimal.Decimal`, `datetime` values and `uuid.UUID` for logical types.
Where fastavro would put a value into another union branch than the one being covered (`0` in
`["int", "long"]` goes to `int`; a Python float always goes to `double` before `float`), the value
is written in fastavro's tuple notation `(branch name, value)`, the only way to reach that branch.

The coverage set is small: payload `i` takes choice `i mod k` at every choice point (union
branch, enum symbol, edge value of a primitive, empty or non-empty array and map), and a union's
choices are the choices of all its branches one after the other, so every branch, every symbol
and every edge value appears at least once, and the number of payloads is the largest number of
choices of any one field, not their product. Recursive types are expanded at most
`MAX_RECURSION` times on any path, then closed with their smallest finite value.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import random
import struct
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from gate.canonical import content_key
from gate.errors import SchemaInvalid
from gate.formats.avro.nodes import PRIMITIVES
from gate.jsonpos import join_pointer
from gate.lru import Lru
from gate.records import Record

MAX_RECURSION = 2  # expansions of one named type on a path before it is closed
MAX_DEPTH = 48  # containers nested in one payload, against pathological schemas
_PAIRED_DEPTH = 3  # containers this deep or deeper get one item, not two
MAX_COVERAGE = 512  # coverage payloads of one schema; beyond that the set is truncated
# values in one random payload: nested arrays and maps would otherwise multiply their items
# level by level (3^40 for 40 nested arrays); past it, containers are left empty
MAX_RANDOM_VALUES = 2000
# values built for the whole coverage set (each value, and each value fastavro's union choice
# is predicted on, counts one): a named record used twice in each of 20 nested records has a
# smallest value of 2^20 values, and wide records under unions multiply the set's size; past
# it, the set stops at the payloads already built, and says so
MAX_COVERAGE_VALUES = 200_000

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
FLOAT_MAX = 3.4028234663852886e38
FLOAT_TRUE_MIN = 1.401298464324817e-45

_RECORD_KINDS = frozenset({"record", "error"})
_INF = 1 << 30

_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)

# the first value of each list is the type's smallest value (used to close recursion and shrink)
_EDGES: dict[str, list[Any]] = {
    "null": [None],
    "boolean": [False, True],
    "int": [0, -1, 1, INT_MIN, INT_MAX],
    "long": [0, -1, 1, LONG_MIN, LONG_MAX, INT_MAX + 1, INT_MIN - 1],
    "float": [0.0, -0.0, 1.5, math.nan, math.inf, -math.inf, FLOAT_MAX, FLOAT_TRUE_MIN],
    "double": [0.0, -0.0, 1.5, math.nan, math.inf, -math.inf, sys.float_info.max, 5e-324],
    "string": [
        "",
        "a",
        "\u00e9t\u00e9",
        "\u4e2d\u6587",
        "\U0001d11e\U0001f600",
        "\x00",
        'line\nbreak "quoted" \\',
    ],
    "bytes": [b"", b"\x00", b"\xff", bytes(range(256))],
}
_LOGICAL_EDGES: dict[str, list[Any]] = {
    "int-date": [
        dt.date(1970, 1, 1),
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        dt.date(1969, 12, 31),
    ],
    "int-time-millis": [dt.time(0, 0), dt.time(23, 59, 59, 999000), dt.time(0, 0, 0, 1000)],
    "long-time-micros": [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(0, 0, 0, 1)],
    "long-timestamp-millis": [
        _EPOCH,
        dt.datetime(1, 1, 1, tzinfo=_UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=_UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=_UTC),
    ],
    "long-timestamp-micros": [
        _EPOCH,
        dt.datetime(1, 1, 1, tzinfo=_UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=_UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=_UTC),
    ],
    "long-local-timestamp-millis": [
        _EPOCH_NAIVE,
        dt.datetime(1, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999000),
    ],
    "long-local-timestamp-micros": [
        _EPOCH_NAIVE,
        dt.datetime(1, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    ],
    # fastavro has no Python type for nanosecond timestamps: they are written as plain longs
    "long-timestamp-nanos": [0, -1, 1, LONG_MIN, LONG_MAX],
    "long-local-timestamp-nanos": [0, -1, 1, LONG_MIN, LONG_MAX],
    "string-uuid": [
        uuid.UUID(int=0),
        uuid.UUID(int=2**128 - 1),
        uuid.UUID("123e4567-e89b-42d3-a456-426614174000"),
    ],
}
# logical types fastavro converts (its LOGICAL_WRITERS keys); others are written as the base type
_FASTAVRO_LOGICAL = frozenset(
    {
        "bytes-decimal",
        "fixed-decimal",
        "int-date",
        "int-time-millis",
        "long-time-micros",
        "long-timestamp-millis",
        "long-timestamp-micros",
        "long-local-timestamp-millis",
        "long-local-timestamp-micros",
        "string-uuid",
    }
)
_STRING_POOL = 'ab Z09_-\u00e9\u00df\u4e2d\u0416\U0001f600\U0001d11e\x00\n"\\'
_MAP_KEYS = ("k", "\u043a\u043b\u044e\u0447\U0001f511")


class _Node:
    """One schema node; named nodes are shared by every reference, so the graph may cycle."""

    __slots__ = (
        "ambiguous",
        "branches",
        "defaults",
        "edges",
        "fields",
        "items",
        "kind",
        "least",
        "live",
        "live_least",
        "logical",
        "name",
        "pointer",
        "precision",
        "rank",
        "recursive",
        "sampler",
        "scale",
        "size",
        "symbols",
        "width",
    )

    def __init__(self, kind: str, pointer: str, name: str | None = None) -> None:
        self.kind = kind
        self.pointer = pointer
        self.name = name
        self.logical: str | None = None
        self.fields: list[tuple[str, _Node]] = []
        self.defaults: dict[str, Any] = {}
        self.symbols: tuple[str, ...] = ()
        self.size = 0
        self.items: _Node | None = None
        self.branches: list[_Node] = []
        self.precision: int | None = None
        self.scale = 0
        self.rank = _INF  # height of the smallest finite value; _INF: the type has no value
        self.width = 1  # number of coverage choices
        self.edges: list[Any] = []
        self.sampler: Callable[[random.Random], Any] | None = None  # leaves only
        self.recursive = False  # a record that can contain itself
        self.ambiguous = True  # a union where one Python value may fit several branches
        self.least = _INF  # values in the smallest value (`_minimal`), at most _INF
        self.live: list[int] = []  # a union's branches that have a value
        self.live_least = 0  # the most values the smallest value of one of them holds

    @property
    def label(self) -> str:
        """The name fastavro's tuple notation uses for this node as a union branch."""
        return self.name if self.name is not None else self.kind


class NamedType(Record):
    """A named type (record, enum, fixed) of a schema, and where it is defined."""

    fullname: str
    kind: str
    pointer: str  # JSON Pointer of its definition in the schema
    definition: Mapping[str, Any]
    namespace: str


class _Model:
    """A schema JSON value turned into a node graph with the facts generation needs."""

    def __init__(self, schema_json: Any) -> None:
        self.names: dict[str, _Node] = {}
        self.named: dict[str, NamedType] = {}
        self.nodes: list[_Node] = []
        self.root = self._build(schema_json, "", "")
        self._facts = False

    def facts(self) -> _Model:
        """Compute ranks, widths, edges and samplers once (only generation needs them)."""
        if not self._facts:
            self._rank()
            self._least()
            self._width()
            for node in self.nodes:
                if node.kind == "union":
                    node.live = [i for i, branch in enumerate(node.branches) if branch.rank < _INF]
                    node.live_least = max((node.branches[i].least for i in node.live), default=0)
            self._facts = True
        return self

    # -- building -------------------------------------------------------------------------------

    def _new(self, kind: str, pointer: str, name: str | None = None) -> _Node:
        node = _Node(kind, pointer, name)
        self.nodes.append(node)
        return node

    def _lookup(self, ref: str, namespace: str, pointer: str) -> _Node:
        candidates = [ref] if "." in ref else ([f"{namespace}.{ref}", ref] if namespace else [ref])
        for candidate in candidates:
            if candidate in self.names:
                return self.names[candidate]
        raise SchemaInvalid(f"unknown type {ref!r}", pointer)

    def _build(self, schema: Any, namespace: str, pointer: str) -> _Node:
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return self._new(schema, pointer)
            return self._lookup(schema, namespace, pointer)
        if isinstance(schema, list):
            union = self._new("union", pointer)
            union.branches = [
                self._build(branch, namespace, join_pointer(pointer, index))
                for index, branch in enumerate(schema)
            ]
            return union
        if not isinstance(schema, Mapping):
            raise SchemaInvalid(f"not an Avro schema: {schema!r}", pointer)
        kind = schema.get("type")
        if isinstance(kind, (list, Mapping)):
            return self._build(kind, namespace, join_pointer(pointer, "type"))
        if not isinstance(kind, str):
            raise SchemaInvalid('a schema object needs a string "type"', pointer)
        if kind in _RECORD_KINDS or kind in ("enum", "fixed"):
            return self._build_named(schema, kind, namespace, pointer)
        if kind == "array":
            node = self._new("array", pointer)
            node.items = self._build(schema.get("items"), namespace, join_pointer(pointer, "items"))
            return node
        if kind == "map":
            node = self._new("map", pointer)
            node.items = self._build(
                schema.get("values"), namespace, join_pointer(pointer, "values")
            )
            return node
        if kind in PRIMITIVES:
            node = self._new(kind, pointer)
            self._logical(node, schema)
            return node
        return self._lookup(kind, namespace, pointer)

    def _build_named(
        self, schema: Mapping[str, Any], kind: str, namespace: str, pointer: str
    ) -> _Node:
        name = schema.get("name")
        if not isinstance(name, str) or not name:
            raise SchemaInvalid(f"a {kind} needs a name", pointer)
        if "." in name:
            fullname, own_namespace = name, name.rsplit(".", 1)[0]
        else:
            declared = schema.get("namespace")
            own_namespace = declared if isinstance(declared, str) else namespace
            fullname = f"{own_namespace}.{name}" if own_namespace else name
        node = self._new("record" if kind in _RECORD_KINDS else kind, pointer, fullname)
        self.names[fullname] = node  # before the fields: a record may refer to itself
        self.named[fullname] = NamedType(fullname, node.kind, pointer, schema, own_namespace)
        if node.kind == "record":
            fields = schema.get("fields")
            if not isinstance(fields, list):
                raise SchemaInvalid("a record needs a list of fields", pointer)
            for index, field in enumerate(fields):
                field_pointer = join_pointer(pointer, "fields", index)
                if not isinstance(field, Mapping) or not isinstance(field.get("name"), str):
                    raise SchemaInvalid("a field needs a name", field_pointer)
                field_node = self._build(
                    field.get("type"), own_namespace, join_pointer(field_pointer, "type")
                )
                node.fields.append((field["name"], field_node))
                if "default" in field:
                    node.defaults[field["name"]] = field["default"]
        elif node.kind == "enum":
            symbols = schema.get("symbols")
            if not isinstance(symbols, list):
                raise SchemaInvalid("an enum needs a list of symbols", pointer)
            node.symbols = tuple(str(symbol) for symbol in symbols)
        else:
            size = schema.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise SchemaInvalid("a fixed needs a non-negative size", pointer)
            node.size = size
            self._logical(node, schema)
        return node

    @staticmethod
    def _logical(node: _Node, schema: Mapping[str, Any]) -> None:
        logical = schema.get("logicalType")
        if not isinstance(logical, str):
            return
        if logical == "decimal":
            precision, scale = schema.get("precision"), schema.get("scale", 0)
            # an invalid decimal is its base type (the spec says so; fastavro passes bytes through)
            if (
                isinstance(precision, int)
                and isinstance(scale, int)
                and precision > 0
                and 0 <= scale <= precision
            ):
                node.precision, node.scale = precision, scale
            else:
                return
        node.logical = logical

    # -- facts ----------------------------------------------------------------------------------

    def _rank(self) -> None:
        """Height of each type's smallest finite value, by fixpoint (records may recurse)."""
        changed = True
        while changed:
            changed = False
            for node in self.nodes:
                rank = _rank_of(node)
                if rank < node.rank:
                    node.rank = rank
                    changed = True

    def _least(self) -> None:
        """How many values each type's smallest value holds, without building it: a record's
        fields have a lower rank than the record, and a union's smallest branch is no union,
        so one pass in rank order sees every part before the whole."""
        order = sorted(
            (node for node in self.nodes if node.rank < _INF),
            key=lambda node: (node.rank, node.kind == "union"),
        )
        for node in order:
            if node.kind == "record":
                node.least = min(_INF, 1 + sum(child.least for _, child in node.fields))
            elif node.kind == "union":
                node.least = node.branches[_smallest_branch(node)].least
            else:
                node.least = 1

    def _width(self) -> None:
        done: set[int] = set()
        active: set[int] = set()

        def visit(node: _Node) -> int:
            key = id(node)
            if key in done:
                return node.width
            if key in active:
                node.recursive = True
                return 1  # a recursive reference: its own coverage is counted where it starts
            active.add(key)
            kind = node.kind
            if kind == "record":
                width = max((visit(child) for _, child in node.fields), default=1)
            elif kind == "union":
                width = sum(visit(branch) for branch in node.branches if branch.rank < _INF)
                node.ambiguous = _ambiguous(node)
            elif kind in ("array", "map"):
                assert node.items is not None
                items = visit(node.items)
                width = 1 + items if node.items.rank < _INF else 1
            else:
                node.edges = _edges_of(node)
                node.sampler = _sampler(node)
                width = len(node.edges)
            node.width = max(1, min(width, MAX_COVERAGE))
            active.discard(key)
            done.add(key)
            return node.width

        visit(self.root)
        for node in self.nodes:  # nodes reached only through recursion still need their edges
            if not node.edges and node.kind not in ("record", "union", "array", "map"):
                node.edges = _edges_of(node)
                node.sampler = _sampler(node)


# the Python types fastavro's validation accepts for each type (which decides its union choice)
_ACCEPTS: dict[str, frozenset[str]] = {
    "null": frozenset({"none"}),
    "boolean": frozenset({"bool"}),
    "int": frozenset({"int"}),
    "long": frozenset({"int"}),
    "float": frozenset({"int", "float"}),
    "double": frozenset({"int", "float"}),
    "string": frozenset({"str"}),
    "enum": frozenset({"str"}),
    "bytes": frozenset({"bytes"}),
    "fixed": frozenset({"bytes"}),
    "array": frozenset({"list", "bytes", "tuple"}),
    "map": frozenset({"mapping"}),
    "record": frozenset({"mapping"}),
}
_LOGICAL_ACCEPTS: dict[str, frozenset[str]] = {
    "int-date": frozenset({"date", "str"}),
    "int-time-millis": frozenset({"time"}),
    "long-time-micros": frozenset({"time"}),
    "long-timestamp-millis": frozenset({"date"}),  # a datetime is a date
    "long-timestamp-micros": frozenset({"date"}),
    "long-local-timestamp-millis": frozenset({"date"}),
    "long-local-timestamp-micros": frozenset({"date"}),
    "bytes-decimal": frozenset({"decimal"}),
    "fixed-decimal": frozenset({"decimal"}),
    "string-uuid": frozenset({"uuid"}),
}


def _ambiguous(union: _Node) -> bool:
    """Whether one Python value could fit two branches (then fastavro's choice is checked)."""
    seen: set[str] = set()
    for branch in union.branches:
        accepts = _ACCEPTS.get(branch.kind, frozenset({"?"}))
        accepts |= _LOGICAL_ACCEPTS.get(f"{branch.kind}-{branch.logical}", frozenset())
        if seen & accepts:
            return True
        seen |= accepts
    return False


def _rank_of(node: _Node) -> int:
    kind = node.kind
    if kind == "record":
        return 1 + max((child.rank for _, child in node.fields), default=0)
    if kind == "union":
        return min((branch.rank for branch in node.branches), default=_INF)
    if kind == "enum":
        return 0 if node.symbols else _INF
    return 0


def _edges_of(node: _Node) -> list[Any]:
    kind = node.kind
    if kind == "enum":
        return list(node.symbols)
    key = f"{kind}-{node.logical}"
    if node.logical == "decimal" and node.precision is not None:
        unit = Decimal(1).scaleb(-node.scale)
        top = Decimal(10**node.precision - 1).scaleb(-node.scale)
        return [Decimal(0).scaleb(-node.scale), top, -top, unit, -unit]
    if key in _LOGICAL_EDGES:
        return list(_LOGICAL_EDGES[key])
    if kind == "fixed":
        size = node.size
        edges = [bytes(size), b"\xff" * size, bytes(i % 256 for i in range(1, size + 1))]
        if node.logical == "duration" and size == 12:
            edges.append(struct.pack("<III", 1, 30, 86_400_000))
        return list(dict.fromkeys(edges))
    return list(_EDGES[kind])


# -- fastavro's union branch choice --------------------------------------------------------------


def _prepared(node: _Node, value: Any) -> Any:
    """What fastavro's logical writer turns `value` into, as far as its type is concerned."""
    key = f"{node.kind}-{node.logical}"
    if key not in _FASTAVRO_LOGICAL:
        return value
    if key == "int-date" and isinstance(value, (dt.date, str)):
        return 0
    if key in ("int-time-millis", "long-time-micros") and isinstance(value, dt.time):
        return 0
    if "timestamp" in key and isinstance(value, dt.datetime):
        return 0
    if key.endswith("decimal") and isinstance(value, Decimal):
        return bytes(node.size) if node.kind == "fixed" else b""
    if key == "string-uuid" and isinstance(value, uuid.UUID):
        return ""
    return value


def _valid(node: _Node, value: Any, values: _Values | None = None) -> bool:
    """fastavro's `validate` of `value` against `node` (used to predict its union choice);
    each value looked at is spent from `values`."""
    if values is not None:
        values.spend()
    kind = node.kind
    value = _prepared(node, value)
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        low, high = (INT_MIN, INT_MAX) if kind == "int" else (LONG_MIN, LONG_MAX)
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if kind in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "bytes":
        return isinstance(value, (bytes, bytearray))
    if kind == "fixed":
        return isinstance(value, bytes) and len(value) == node.size
    if kind == "enum":
        return isinstance(value, str) and value in node.symbols
    if kind == "array":
        assert node.items is not None
        items = node.items
        return (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and all(_valid(items, item, values) for item in value)
        )
    if kind == "map":
        assert node.items is not None
        return (
            isinstance(value, Mapping)
            and all(isinstance(key, str) for key in value)
            and all(_valid(node.items, item, values) for item in value.values())
        )
    if kind == "record":
        if not isinstance(value, Mapping):
            return False
        if "-type" in value and value["-type"] != node.name:
            return False
        return all(
            _valid(child, value.get(name, node.defaults.get(name)), values)
            for name, child in node.fields
        )
    if kind == "union":
        if isinstance(value, tuple) and len(value) == 2:
            label, inner = value
            return any(
                branch.label == label and _valid(branch, inner, values) for branch in node.branches
            )
        return any(_valid(branch, value, values) for branch in node.branches)
    return False


def _choice(union: _Node, value: Any, values: _Values | None = None) -> int:
    """The branch index fastavro's writer picks for `value` (-1: none), as its write_union does."""
    best, most_fields, could_be_float = -1, -1, False
    for index, branch in enumerate(union.branches):
        if could_be_float:
            if branch.kind == "double":
                return index
            continue
        if not _valid(branch, value, values):
            continue
        if branch.kind == "record":
            fields = len({name for name, _ in branch.fields} & set(value))
            if fields > most_fields:
                best, most_fields = index, fields
        elif branch.kind == "float":
            best, could_be_float = index, True
        else:
            return index
    return best


# values one prediction of fastavro's union choice may look at; a larger value is written in
# tuple notation instead, which names its branch (checking every branch of nested unions of
# records against every value below would grow exponentially with their nesting)
_CHOICE_VALUES = 64


def _tag(union: _Node, index: int, value: Any, values: _Values | None = None) -> Any:
    if not union.ambiguous:
        return value
    looked = _Values(_CHOICE_VALUES)
    try:
        chosen = _choice(union, value, looked)
    except _OutOfValues:
        chosen = -1
    if values is not None:
        values.spend(_CHOICE_VALUES - max(looked.left, 0))
    if chosen == index:
        return value
    return (union.branches[index].label, value)


# -- generation ---------------------------------------------------------------------------------


class _OutOfValues(Exception):
    """A payload being built would pass the values it may hold."""


class _Values:
    """The values a payload (or a set of payloads) may still take to build."""

    __slots__ = ("left",)

    def __init__(self, values: int) -> None:
        self.left = values

    def spend(self, values: int = 1) -> None:
        self.left -= values
        if self.left < 0:
            raise _OutOfValues


def _smallest_branch(union: _Node) -> int:
    return min(range(len(union.branches)), key=lambda i: union.branches[i].rank)


def _minimal(node: _Node, depth: int = 0, values: _Values | None = None) -> Any:
    if values is not None and depth == 0:
        values.spend(node.least)  # known before it is built: a value too large is never built
    kind = node.kind
    if kind == "record":
        return {name: _minimal(child, depth + 1, values) for name, child in node.fields}
    if kind == "union":
        index = _smallest_branch(node)
        return _tag(node, index, _minimal(node.branches[index], depth + 1, values), values)
    if kind == "array":
        return []
    if kind == "map":
        return {}
    return node.edges[0]


def _cover(node: _Node, i: int, depth: int, seen: dict[str, int], values: _Values) -> Any:
    values.spend()
    kind = node.kind
    if kind == "record":
        if not node.recursive and depth <= MAX_DEPTH:
            return {
                field: _cover(child, i, depth + 1, seen, values) for field, child in node.fields
            }
        name = node.name or ""
        count = seen.get(name, 0)
        if count >= MAX_RECURSION or depth > MAX_DEPTH:
            return _minimal(node, 0, values)
        seen[name] = count + 1
        try:
            return {
                field: _cover(child, i, depth + 1, seen, values) for field, child in node.fields
            }
        finally:
            seen[name] = count
    if kind == "union":
        j = i % node.width
        for index, branch in enumerate(node.branches):
            if branch.rank >= _INF:
                continue
            if j < branch.width:
                return _tag(node, index, _cover(branch, j, depth + 1, seen, values), values)
            j -= branch.width
        return _minimal(node, 0, values)
    if kind in ("array", "map"):
        j = i % node.width
        items = node.items
        assert items is not None
        if j == 0 or items.rank >= _INF or depth > MAX_DEPTH:
            return [] if kind == "array" else {}
        second = _cover(items, j, depth + 1, seen, values)
        if depth >= _PAIRED_DEPTH:
            # one item below the first levels: two at every level would grow as 2**depth, and
            # the other payloads of the set still cover the other choices
            return [second] if kind == "array" else {_MAP_KEYS[1]: second}
        first = _cover(items, j - 1, depth + 1, seen, values)
        if kind == "array":
            return [first, second]
        return {_MAP_KEYS[0]: first, _MAP_KEYS[1]: second}
    edges = node.edges
    return edges[i % len(edges)]


def _random_datetime(rng: random.Random, aware: bool, millis: bool) -> dt.datetime:
    low = dt.datetime(1, 1, 1)
    high = dt.datetime(9999, 12, 31, 23, 59, 59)
    seconds = rng.randint(0, int((high - low).total_seconds()))
    micros = rng.randint(0, 999) * 1000 if millis else rng.randint(0, 999_999)
    value = low + dt.timedelta(seconds=seconds, microseconds=micros)
    return value.replace(tzinfo=_UTC) if aware else value


def _sampler(node: _Node) -> Callable[[random.Random], Any]:
    """A function drawing a random value of a leaf type (built once per node: it is hot)."""
    kind, logical = node.kind, node.logical
    key = f"{kind}-{logical}"
    if kind == "enum":
        symbols = node.symbols
        return lambda rng: rng.choice(symbols)
    if logical == "decimal" and node.precision is not None:
        top, scale = 10**node.precision - 1, node.scale
        return lambda rng: Decimal(rng.randint(-top, top)).scaleb(-scale)
    if key == "int-date":
        last = dt.date.max.toordinal()
        return lambda rng: dt.date.fromordinal(rng.randint(1, last))
    if key in ("int-time-millis", "long-time-micros"):
        step = 1000 if key == "int-time-millis" else 1
        return lambda rng: dt.time(
            rng.randrange(24),
            rng.randrange(60),
            rng.randrange(60),
            rng.randrange(1_000_000 // step) * step,
        )
    if key in (
        "long-timestamp-millis",
        "long-timestamp-micros",
        "long-local-timestamp-millis",
        "long-local-timestamp-micros",
    ):
        aware, millis = "local" not in key, key.endswith("millis")
        return lambda rng: _random_datetime(rng, aware, millis)
    if key == "string-uuid":
        return lambda rng: uuid.UUID(int=rng.getrandbits(128))
    if kind == "fixed":
        size = node.size
        return lambda rng: rng.randbytes(size)
    if kind == "null":
        return lambda rng: None
    if kind == "boolean":
        return lambda rng: bool(rng.getrandbits(1))
    if kind in ("int", "long"):
        bits = 32 if kind == "int" else 64
        half = 1 << (bits - 1)

        def integer(rng: random.Random) -> int:
            # half small numbers, half anywhere in the type's range
            if rng.getrandbits(1):
                return rng.getrandbits(bits) - half
            return rng.getrandbits(8) - 128

        return integer
    if kind == "float":
        return lambda rng: float(struct.unpack("<f", struct.pack("<f", rng.uniform(-1e6, 1e6)))[0])
    if kind == "double":
        return lambda rng: rng.uniform(-1e12, 1e12)
    if kind == "string":
        return lambda rng: "".join(rng.choices(_STRING_POOL, k=rng.getrandbits(4) % 13))
    return lambda rng: rng.randbytes(rng.getrandbits(4) % 13)


class _Budget(_Values):
    """What one random payload may take: `items` container items (past them, containers are
    left empty and `spent` is set), and `left` values in all, each value counted (past them,
    the payload is not built: its records would need more than there is)."""

    __slots__ = ("items", "spent", "starved")

    def __init__(self, items: int, values: int | None = None) -> None:
        super().__init__(values if values is not None else 1 << 62)
        self.items = items
        self.spent = False
        self.starved = False  # fewer items than wanted for want of values

    def take(self, wanted: int, each: int = 1) -> int:
        """Container items granted, of `wanted` items of at least `each` values each."""
        allowed = min(wanted, self.items)
        granted = min(allowed, max(0, self.left) // max(1, each))
        self.items -= granted
        self.spent = self.spent or allowed < wanted
        self.starved = self.starved or granted < allowed
        return granted


def _random(
    node: _Node, rng: random.Random, depth: int, seen: dict[str, int], budget: _Budget | None = None
) -> Any:
    if budget is None:
        budget = _Budget(MAX_RANDOM_VALUES)
    budget.left -= 1  # (`spend`, without a call: one for every value of every payload)
    if budget.left < 0:
        raise _OutOfValues
    if node.sampler is not None:
        return node.sampler(rng)
    kind = node.kind
    if kind == "record":
        if not node.recursive and depth <= MAX_DEPTH:
            return {
                field: _random(child, rng, depth + 1, seen, budget) for field, child in node.fields
            }
        name = node.name or ""
        count = seen.get(name, 0)
        if count >= MAX_RECURSION or depth > MAX_DEPTH:
            return _minimal(node, 0, budget)
        seen[name] = count + 1
        try:
            return {
                field: _random(child, rng, depth + 1, seen, budget) for field, child in node.fields
            }
        finally:
            seen[name] = count
    if kind == "union":
        live = node.live
        # a branch whose smallest value alone would pass the values left is not chosen
        fits = (
            live
            if node.live_least <= budget.left
            else [index for index in live if node.branches[index].least <= budget.left]
        )
        index = rng.choice(fits) if fits else _smallest_branch(node)
        return _tag(
            node, index, _random(node.branches[index], rng, depth + 1, seen, budget), budget
        )
    if kind in ("array", "map"):
        items = node.items
        assert items is not None
        count = 0 if items.rank >= _INF or depth > MAX_DEPTH else rng.getrandbits(2)
        count = budget.take(count, items.least)
        values = [_random(items, rng, depth + 1, seen, budget) for _ in range(count)]
        if kind == "array":
            return values
        keys = ["".join(rng.choices(_STRING_POOL, k=rng.getrandbits(3))) for _ in values]
        return dict(zip(keys, values, strict=True))
    raise AssertionError(f"no sampler for {kind}")


# -- caches ---------------------------------------------------------------------------------------


_PARSED: Lru[Any] = Lru(256)
_MODELS: Lru[Any] = Lru(64)
_GENERATED: Lru[Any] = Lru(64)


def clear_caches() -> None:
    """Forget every parsed schema and generated payload (for benchmarks and long sessions)."""
    for cache in (_PARSED, _MODELS, _GENERATED):
        cache.clear()


def _model(schema_json: Any, key: str | None = None) -> _Model:
    model: _Model = _MODELS.get_or(key or content_key(schema_json), lambda: _Model(schema_json))
    return model


# -- public interface ---------------------------------------------------------------------------


def named_types(schema_json: Any, *, key: str | None = None) -> dict[str, NamedType]:
    """Every named type of the schema by full name, with the JSON Pointer of its definition.

    `key`, when given, is the schema's `content_key` (saves computing it again).
    """
    return dict(_model(schema_json, key).named)


def root_type(schema_json: Any, *, key: str | None = None) -> NamedType | None:
    """The named type at the top of the schema (None when the top is not a named type)."""
    model = _model(schema_json, key)
    return None if model.root.name is None else model.named[model.root.name]


def minimal(schema_json: Any) -> Any:
    """The schema's smallest value: first symbols and edge values, the lowest union branch,
    empty arrays and maps (None for a schema with no finite value, or whose smallest value holds
    more than `MAX_COVERAGE_VALUES` values)."""
    root = _model(schema_json).facts().root
    if root.rank >= _INF or root.least > MAX_COVERAGE_VALUES:
        return None
    return _minimal(root)


def empty_unions(schema_json: Any, *, key: str | None = None) -> list[str]:
    """JSON Pointers of the empty unions (`[]`) in the schema."""
    return [
        node.pointer
        for node in _model(schema_json, key).nodes
        if node.kind == "union" and not node.branches
    ]


def inhabited(schema_json: Any) -> bool:
    """False when the schema admits no finite value (e.g. a record that must contain itself)."""
    return _model(schema_json).facts().root.rank < _INF


def coverage_size(schema_json: Any) -> int:
    """How many payloads the deterministic coverage set has (0 for an uninhabited schema)."""
    root = _model(schema_json).facts().root
    return 0 if root.rank >= _INF else root.width


def parse(schema_json: Any, *, key: str | None = None) -> Any:
    """fastavro's parsed form of the schema, cached by content (parse_schema is slow).

    Raises `SchemaInvalid` when fastavro cannot parse it. The result is shared: do not mutate it.
    `key`, when given, is the schema's `content_key`.
    """
    key = key or content_key(schema_json)

    def make() -> Any:
        from fastavro import parse_schema

        try:
            return parse_schema(schema_json, named_schemas={})
        except Exception as error:  # fastavro raises several unrelated types for bad schemas
            raise SchemaInvalid(f"{type(error).__name__}: {error}") from error

    return _PARSED.get_or(key, make)


def encode(payload: Any, writer_parsed: Any) -> bytes:
    """The Avro binary body of `payload` written with `writer_parsed` (no framing)."""
    from fastavro import schemaless_writer

    buffer = io.BytesIO()
    schemaless_writer(buffer, writer_parsed, payload)
    return buffer.getvalue()


def decode(data: bytes, writer_parsed: Any, reader_parsed: Any) -> Any:
    """What a consumer reading with `reader_parsed` sees in a body written with `writer_parsed`.

    Raises whatever fastavro raises (the error a consumer would hit).
    """
    from fastavro import schemaless_reader

    return schemaless_reader(io.BytesIO(data), writer_parsed, reader_parsed)


class PayloadSet(Record):
    """Generated payloads with their Avro bodies: the coverage set first, then the random ones."""

    items: tuple[tuple[Any, bytes], ...]
    coverage: int  # how many of `items` come from the coverage set
    # every union branch, enum symbol and edge value of the schema is in the coverage part
    exhaustive: bool
    # some random payload reached `MAX_RANDOM_VALUES` and left containers empty
    bounded: bool = False
    # what a budget left out, said for the report (a coverage set that stopped early)
    notes: tuple[str, ...] = ()
    # values built (and looked at to predict fastavro's union choice) for the whole set
    values: int = 0


def payload_set(
    schema_json: Any, *, seed: int = 0, random_count: int = 20, key: str | None = None
) -> PayloadSet:
    """`generate`'s payloads with their Avro bodies, cached per schema, seed and count.

    Payloads fastavro cannot write (a union corner that tuple notation cannot reach) are left
    out, and so are payloads whose bytes repeat an earlier one. Raises `SchemaInvalid` when
    fastavro cannot parse the schema. `key`, when given, is the schema's `content_key`.
    """
    key = key or content_key(schema_json)

    def make() -> PayloadSet:
        from fastavro import schemaless_writer

        parsed = parse(schema_json, key=key)
        model = _model(schema_json, key).facts()
        root = model.root
        if root.rank >= _INF:
            return PayloadSet((), 0, False)
        if root.least > MAX_COVERAGE_VALUES:
            return PayloadSet(
                (),
                0,
                False,
                notes=(
                    f"no payloads simulated: the writer's smallest value holds more than "
                    f"{MAX_COVERAGE_VALUES} values (named records used several times within each "
                    "other); the checker's verdict stands alone",
                ),
                values=0,
            )
        notes: list[str] = []
        values = _Values(MAX_COVERAGE_VALUES)
        coverage: list[Any] = []
        for i in range(root.width):
            try:
                coverage.append(_cover(root, i, 0, {}, values))
            except _OutOfValues:
                notes.append(
                    f"coverage payloads stopped at {len(coverage)} of {root.width}: the set "
                    f"would hold more than {MAX_COVERAGE_VALUES} values; union branches, enum "
                    "symbols and edge values past them were not tried"
                )
                break
        if root.width >= MAX_COVERAGE:
            notes.append(
                f"coverage payloads stopped at {MAX_COVERAGE}: the writer has more union "
                "branches, enum symbols or edge values in one place than that; those past them "
                "were not tried"
            )
        built = MAX_COVERAGE_VALUES - max(values.left, 0)
        rng = random.Random(seed)
        shared = _Values(MAX_COVERAGE_VALUES)  # for the random payloads together
        randoms: list[Any] = []
        bounded = starved = False
        for _ in range(random_count):
            budget = _Budget(MAX_RANDOM_VALUES, max(shared.left, 0))
            try:
                randoms.append(_random(root, rng, 0, {}, budget))
            except _OutOfValues:
                starved = True
            bounded = bounded or budget.spent
            starved = starved or budget.starved
            shared.left = budget.left
        built += MAX_COVERAGE_VALUES - max(shared.left, 0)
        if bounded:
            notes.append(
                f"random payloads stopped at {MAX_RANDOM_VALUES} values each (the writer nests "
                "arrays or maps deeply); deeper containers were left empty"
            )
        if starved:
            notes.append(
                f"random payloads were cut short ({len(randoms)} of {random_count} built, "
                f"containers left empty): together they would hold more than "
                f"{MAX_COVERAGE_VALUES} values"
            )
        out: list[tuple[Any, bytes]] = []
        seen: set[bytes] = set()
        dropped = False
        covered = 0
        for index, payload in enumerate([*coverage, *randoms]):
            buffer = io.BytesIO()
            try:
                schemaless_writer(buffer, parsed, payload)
            except Exception:  # an unwritable value is not a payload
                dropped = dropped or index < len(coverage)
                continue
            data = buffer.getvalue()
            if data not in seen:
                seen.add(data)
                out.append((payload, data))
                covered += index < len(coverage)
        exhaustive = not dropped and root.width < MAX_COVERAGE and len(coverage) == root.width
        return PayloadSet(
            tuple(out), covered, exhaustive, bounded=bounded, notes=tuple(notes), values=built
        )

    result: PayloadSet = _GENERATED.get_or(f"{seed}\x1f{random_count}\x1f{key}", make)
    return result


def generate(schema_json: Any, *, seed: int = 0, random_count: int = 20) -> list[Any]:
    """Payloads covering the schema deterministically, then `random_count` seeded random ones.

    Same schema and seed, same payloads. Every union branch, enum symbol and edge value appears
    in the coverage part; payloads that encode to identical bytes are kept once.
    """
    return [
        payload
        for payload, _ in payload_set(schema_json, seed=seed, random_count=random_count).items
    ]


def to_json(payload: Any) -> Any:
    """A JSON-friendly view of a payload (or of a decoded value).

    bytes and fixed become strings with one code point U+0000..U+00FF per byte, as Avro's JSON
    encoding writes them; Decimal becomes its decimal text; date, time and datetime their ISO 8601
    text; UUID its canonical text; NaN and the infinities the strings "NaN", "Infinity" and
    "-Infinity" (JSON has no such numbers); a value in fastavro's tuple notation
    `(branch, value)` becomes `{branch: value}`, as in Avro's JSON encoding of unions.
    """
    if payload is None or isinstance(payload, (bool, int, str)):
        return payload
    if isinstance(payload, float):
        if math.isnan(payload):
            return "NaN"
        if math.isinf(payload):
            return "Infinity" if payload > 0 else "-Infinity"
        return payload
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload).decode("latin-1")
    if isinstance(payload, Mapping):
        return {str(key): to_json(value) for key, value in payload.items()}
    if isinstance(payload, tuple) and len(payload) == 2 and isinstance(payload[0], str):
        return {payload[0]: to_json(payload[1])}
    if isinstance(payload, (list, tuple)):
        return [to_json(item) for item in payload]
    if isinstance(payload, (dt.date, dt.time)):  # datetime is a date
        return payload.isoformat()
    if isinstance(payload, (Decimal, uuid.UUID)):
        return str(payload)
    return repr(payload)


def from_avro_json(value: Any, writer_parsed: Any) -> Any:
    """A value in Avro's JSON encoding (unions as `{"type": value}`, bytes as code points)
    turned into the Python value fastavro writes. Raises when it does not fit the schema."""
    from fastavro import json_reader

    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    records = list(json_reader(io.StringIO(text), writer_parsed))
    if len(records) != 1:
        raise ValueError("expected one value")
    return records[0]
