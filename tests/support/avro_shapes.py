"""Avro schema builders and generators: `record()` for hand-written tests, `Gen` for random
schemas and their mutations, and schemas whose payloads grow exponentially or very large with
their size, unless payload generation and witness shrinking are bounded."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import avro.schema
from hypothesis import strategies as st

from gate.errors import SchemaInvalid
from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.judge import Parsed
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from gate.formats.avro.nodes import AvroSchema


def record(fields: list[tuple[str, Any]], name: str = "Event", **extra: Any) -> str:
    """A pretty-printed Avro record schema, one field per line (line numbers are meaningful)."""
    lines = [
        f'  {{"name": {json.dumps(n)}, "type": {json.dumps(t)}'
        + (f', "default": {json.dumps(extra[n])}' if n in extra else "")
        + "}"
        for n, t in fields
    ]
    return (
        "{\n"
        f'"type": "record",\n"name": {json.dumps(name)},\n"fields": [\n'
        + ",\n".join(lines)
        + "\n]\n}\n"
    )


PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
PROMOTE = {"int": "long", "long": "float", "float": "double", "string": "bytes", "bytes": "string"}
NARROW = {"long": "int", "float": "long", "double": "float"}
FIELD_NAMES = ["a", "b", "c", "d", "e", "f", "g"]
SYMBOLS = ["A", "B", "C", "D"]

Draw = Callable[[st.SearchStrategy[Any]], Any]


def parse(value: Any) -> AvroSchema:
    text = json.dumps(value)
    return FORMAT.parse(
        Schema(SchemaType.AVRO, text, Origin(OriginKind.FILE, "t.avsc")), CheckOptions()
    )


class Gen:
    """Random valid Avro schemas and mutations of them, drawn through hypothesis."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.counter = 0
        self.namespace = "ns.a" if self.chance(0.5) else None
        # the top record by its full name: it is referred to from other namespaces too
        self.top = f"{self.namespace}.Top" if self.namespace else "Top"

    def pick(self, options: list[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    def chance(self, p: float = 0.5) -> bool:
        return bool(self.draw(st.integers(0, 99)) < int(p * 100))

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- types ----------------------------------------------------------------------------------

    def type(self, depth: int, in_union: bool = False) -> Any:
        kinds = ["prim", "prim", "prim", "enum", "fixed", "array", "map"]
        if not in_union:
            kinds += ["union", "union"]
        if depth < 2:
            kinds.append("record")
        if depth > 0:
            kinds.append("recur")
        kind = self.pick(kinds)
        if kind == "prim":
            return self.pick(PRIMITIVES)
        if kind == "enum":
            count = self.draw(st.integers(1, 4))
            enum: dict[str, Any] = {
                "type": "enum",
                "name": self.fresh("E"),
                "symbols": SYMBOLS[:count],
            }
            if self.chance(0.3):
                enum["default"] = self.pick(enum["symbols"])
            return enum
        if kind == "fixed":
            return {"type": "fixed", "name": self.fresh("F"), "size": self.pick([2, 4, 8])}
        if kind == "array":
            return {"type": "array", "items": self.type(depth + 1)}
        if kind == "map":
            return {"type": "map", "values": self.type(depth + 1)}
        if kind == "recur":
            # a reference back to the top record, behind a union or a container so it ends
            options: list[Any] = [
                {"type": "array", "items": self.top},
                {"type": "map", "values": self.top},
            ]
            if not in_union:
                options.append(["null", self.top])
            return self.pick(options)
        if kind == "record":
            record: dict[str, Any] = {"type": "record", "name": self.fresh("R"), "fields": []}
            if self.namespace and self.chance(0.3):
                # fastavro cannot refer to a null-namespace type from inside a namespace
                record["namespace"] = "other.space"
            for name in FIELD_NAMES[: self.draw(st.integers(0, 3))]:
                record["fields"].append(self.field(name, depth + 1))
            return record
        return self.union(depth)

    def union(self, depth: int) -> list[Any]:
        branches: list[Any] = []
        keys: set[str] = set()
        for _ in range(self.draw(st.integers(1, 3))):
            branch = self.type(depth + 1, in_union=True)
            key = branch_key(branch)
            if key not in keys:
                keys.add(key)
                branches.append(branch)
        return branches

    def field(self, name: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "type": self.type(depth)}
        if self.chance(0.4):
            default = default_for(out["type"])
            if default is not _NO_DEFAULT:
                out["default"] = default
        return out

    def schema(self) -> dict[str, Any]:
        top: dict[str, Any] = {"type": "record", "name": "Top", "fields": []}
        if self.namespace:
            top["namespace"] = self.namespace
        for name in FIELD_NAMES[: self.draw(st.integers(1, 4))]:
            top["fields"].append(self.field(name, 0))
        return top

    # -- mutations ------------------------------------------------------------------------------

    def mutate(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(schema)
        for _ in range(self.draw(st.integers(1, 3))):
            self.mutate_once(out)
        return out

    def mutate_once(self, schema: dict[str, Any]) -> None:
        records = [r for r in walk_dicts(schema) if r.get("type") == "record"]
        record = self.pick(records)
        fields = record["fields"]
        action = self.pick(
            [
                "add",
                "remove",
                "retype",
                "retype",
                "rename_field",
                "rename_type",
                "enum",
                "union",
                "fixed",
                "default",
            ]
        )
        used = {f["name"] for f in fields}
        if action == "add" or not fields:
            free = [n for n in FIELD_NAMES if n not in used]
            if free:
                fields.insert(
                    self.draw(st.integers(0, len(fields))), self.field(self.pick(free), 1)
                )
            return
        index = self.draw(st.integers(0, len(fields) - 1))
        target = fields[index]
        if action == "remove":
            del fields[index]
        elif action == "retype":
            target["type"] = self.retype(target["type"])
            target.pop("default", None)
            if self.chance(0.5):
                default = default_for(target["type"])
                if default is not _NO_DEFAULT:
                    target["default"] = default
        elif action == "rename_field":
            free = [n for n in FIELD_NAMES if n not in used]
            if free:
                old = target["name"]
                target["name"] = self.pick(free)
                if self.chance(0.6):
                    target["aliases"] = [old]
        elif action == "rename_type":
            self.rename_type(schema)
        elif action == "enum":
            self.mutate_enum(schema)
        elif action == "union":
            self.mutate_union(target)
        elif action == "fixed":
            for fixed in walk_dicts(schema):
                if fixed.get("type") == "fixed":
                    fixed["size"] = self.pick([2, 4, 8, 16])
                    break
        else:
            if "default" in target:
                del target["default"]
            else:
                default = default_for(target["type"])
                if default is not _NO_DEFAULT:
                    target["default"] = default

    def retype(self, current: Any) -> Any:
        if isinstance(current, str) and current in PRIMITIVES and self.chance(0.6):
            table = PROMOTE if self.chance(0.5) else NARROW
            return table.get(current, self.pick(PRIMITIVES))
        if isinstance(current, dict) and current.get("type") in ("array", "map") and self.chance():
            key = "items" if current["type"] == "array" else "values"
            return {**current, key: self.retype(current[key])}
        return self.type(1)

    def rename_type(self, schema: dict[str, Any]) -> None:
        named = [(d, full) for d, full in named_types(schema, None) if d["name"] != "Top"]
        if not named:
            return
        target, old_full = self.pick(named)
        target["name"] = target["name"] + "x"
        if self.chance(0.6):
            # aliases as full names: there Java and the Python port agree
            target["aliases"] = [old_full]

    def mutate_enum(self, schema: dict[str, Any]) -> None:
        enums = [d for d in walk_dicts(schema) if d.get("type") == "enum"]
        if not enums:
            return
        enum = self.pick(enums)
        symbols = enum["symbols"]
        move = self.pick(["add", "remove", "default"])
        if move == "add" and len(symbols) < len(SYMBOLS):
            symbols.append(next(s for s in SYMBOLS if s not in symbols))
        elif move == "remove" and len(symbols) > 1:
            removed = symbols.pop(self.draw(st.integers(0, len(symbols) - 1)))
            if enum.get("default") == removed:
                del enum["default"]
        elif "default" in enum:
            del enum["default"]
        else:
            enum["default"] = self.pick(symbols)

    def mutate_union(self, target: dict[str, Any]) -> None:
        current = target["type"]
        if isinstance(current, list):
            if len(current) > 1 and self.chance():
                current.pop(self.draw(st.integers(0, len(current) - 1)))
            elif self.chance(0.3) and current:
                target["type"] = current[0]
            else:
                branch = self.type(1, in_union=True)
                if branch_key(branch) not in {branch_key(b) for b in current}:
                    current.insert(self.draw(st.integers(0, len(current))), branch)
        else:
            target["type"] = ["null", current] if self.chance() else [current, "null"]
        target.pop("default", None)
        if self.chance(0.6):
            default = default_for(target["type"])
            if default is not _NO_DEFAULT:
                target["default"] = default


_NO_DEFAULT = object()


def default_for(type_: Any) -> Any:
    """A valid default for `type_`, or _NO_DEFAULT where one is awkward to build."""
    simple = {
        "null": None,
        "boolean": True,
        "int": 7,
        "long": 7,
        "float": 1.5,
        "double": 1.5,
        "bytes": "\u00ff",
        "string": "x",
    }
    if isinstance(type_, str):
        return simple.get(type_, _NO_DEFAULT)
    if isinstance(type_, list):
        return default_for(type_[0]) if type_ else _NO_DEFAULT
    kind = type_.get("type")
    if kind == "enum":
        return type_["symbols"][0]
    if kind == "fixed":
        return "\u0000" * type_["size"]
    if kind == "array":
        return []
    if kind == "map":
        return {}
    if kind == "record":
        value = {}
        for f in type_["fields"]:
            inner = f["default"] if "default" in f else default_for(f["type"])
            if inner is _NO_DEFAULT:
                return _NO_DEFAULT
            value[f["name"]] = inner
        return value
    return _NO_DEFAULT


def branch_key(branch: Any) -> str:
    if isinstance(branch, str):
        return branch
    if branch.get("type") in ("record", "enum", "fixed"):
        return branch.get("namespace", "") + "." + branch["name"]
    return str(branch.get("type"))


def walk_dicts(value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def named_types(value: Any, namespace: str | None) -> list[tuple[dict[str, Any], str]]:
    """Every named type definition in `value` with its full name."""
    out: list[tuple[dict[str, Any], str]] = []
    if isinstance(value, list):
        for item in value:
            out.extend(named_types(item, namespace))
    elif isinstance(value, dict):
        kind = value.get("type")
        if kind in ("record", "enum", "fixed"):
            namespace = value.get("namespace", namespace)
            full = f"{namespace}.{value['name']}" if namespace else value["name"]
            out.append((value, full))
            for f in value.get("fields", []):
                out.extend(named_types(f["type"], namespace))
        elif kind == "array":
            out.extend(named_types(value["items"], namespace))
        elif kind == "map":
            out.extend(named_types(value["values"], namespace))
    return out


def both_parse(value: Any) -> AvroSchema | None:
    try:
        parsed = parse(value)
        avro.schema.parse(json.dumps(value))
    except (SchemaInvalid, avro.errors.AvroException):
        return None
    return parsed


def parsed(value: Any, text: str | None = None) -> Parsed | None:
    """`value` (or its spelling `text`) parsed as a registered schema; None where either parser
    refuses it."""
    text = json.dumps(value) if text is None else text
    schema = Schema(SchemaType.AVRO, text, Origin(OriginKind.SNAPSHOT))
    result = both_parse(json.loads(text))
    return None if result is None else Parsed(schema, value=result)


def nested_arrays(levels: int, leaf: Any = "int") -> dict[str, Any]:
    """A record with one field: `levels` arrays, one inside the other, of `leaf`."""
    schema: Any = leaf
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return {"type": "record", "name": "Grid", "fields": [{"name": "cells", "type": schema}]}


def record_used_twice(levels: int, leaf: str = "int") -> dict[str, Any]:
    """T0 holds one `leaf`; each T<i> holds two T<i-1> (the second by name): a schema that
    grows by one record a level, whose smallest value holds 2^levels leaves."""
    root: dict[str, Any] = {"type": "record", "name": "T0", "fields": [{"name": "v", "type": leaf}]}
    for level in range(1, levels + 1):
        root = {
            "type": "record",
            "name": f"T{level}",
            "fields": [{"name": "a", "type": root}, {"name": "b", "type": f"T{level - 1}"}],
        }
    return root


def unions_of_records(levels: int, width: int, leaf: str = "int") -> dict[str, Any]:
    """`width` records per level, each holding a union of the `width` records of the level
    below (named after their first use), `levels` deep: the union branches multiply level by
    level."""
    below: list[Any] = [
        {"type": "record", "name": f"L0_{j}", "fields": [{"name": "v", "type": leaf}]}
        for j in range(width)
    ]
    for level in range(1, levels + 1):
        names = [branch["name"] for branch in below]
        below = [
            {
                "type": "record",
                "name": f"L{level}_{j}",
                "fields": [{"name": "u", "type": below if j == 0 else names}],
            }
            for j in range(width)
        ]
    return {"type": "record", "name": "Top", "fields": [{"name": "u", "type": below}]}


def enum_in_arrays(levels: int, symbols: int, drop: str | None = None) -> dict[str, Any]:
    """An enum of `symbols` symbols (S0, S1, ...; without `drop`) inside `levels` arrays."""
    enum = {
        "type": "enum",
        "name": "E",
        "symbols": [f"S{i}" for i in range(symbols) if f"S{i}" != drop],
    }
    return {**nested_arrays(levels, enum), "name": "R"}
