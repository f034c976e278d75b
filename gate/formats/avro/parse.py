"""Parse and validate an Avro schema the way Confluent Schema Registry does.

The registry parses with Apache Avro's Java `Schema.Parser` (name validation on, default validation
on for new schemas). We enforce the same rules and report the first violation as `SchemaInvalid`
with the JSON Pointer of the offending place:

- type names: the eight primitives, `record`/`error`, `enum`, `fixed`, `array`, `map`, a list for a
  union, or the name of a named type defined earlier (in this schema or a referenced one), looked
  up in the enclosing namespace first, then in the null namespace;
- names start with a letter or `_` and go on with letters, digits or `_` (Unicode letters
  allowed, as Java's default validator allows them); namespaces are dot-separated names;
  a named type may not be named after a primitive and may not be defined twice;
- records need a `fields` list; fields need a `name` and a `type`, names are unique, `order` is
  ascending, descending or ignore, `aliases` are lists of strings;
- enums need a `symbols` list of unique names, and an enum default must be one of them;
- fixed sizes are non-negative integers (Java accepts a size of 0);
- a union may not directly contain a union, nor two branches of the same unnamed type or the same
  full name;
- field defaults must match the field's type (a union's default its FIRST branch);
- logical types that are invalid (a decimal with scale > precision, a date on a string) are
  ignored, as Avro ignores them: the type falls back to its underlying type.

Deviations, all stricter than Java and all for `fastavro`, which must accept `AvroSchema.json`:
a non-string enum default is refused (Java ignores it), and the whole schema is finally run
through `fastavro.parse_schema` (which cannot, for example, refer to a null-namespace type from
inside a namespace).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from gate.errors import SchemaInvalid
from gate.formats.avro import defaults as default_rules
from gate.formats.avro.describe import label
from gate.formats.avro.logical import interpret
from gate.formats.avro.nodes import (
    PRIMITIVES,
    Array,
    AvroSchema,
    Enum,
    Field,
    Fixed,
    Map,
    Named,
    Node,
    Primitive,
    Record,
    Union,
    qualify,
)
from gate.jsonpos import line_of
from gate.model import Schema

_ORDERS = frozenset({"ascending", "descending", "ignore"})
_FIELD_RESERVED = frozenset({"default", "doc", "name", "order", "type", "aliases"})
_SCHEMA_RESERVED = frozenset(
    {"doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases"}
)
_JAVA_INT_MAX = 2**31 - 1
_MAX_FIXED_SIZE = _JAVA_INT_MAX - 8  # Avro's SystemLimitException bound for byte lengths


_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _valid_name(name: str) -> bool:
    if _ASCII_NAME.fullmatch(name):
        return True
    # Java's UTF validator: Character.isLetter / isLetterOrDigit on UTF-16 code units
    if not name or any(ord(char) > 0xFFFF for char in name):
        return False
    first = name[0]
    if not (first.isalpha() or first == "_"):
        return False
    return all(char.isalpha() or char.isdecimal() or char == "_" for char in name[1:])


_NAME_RULE = "names start with a letter or `_` and go on with letters, digits or `_`"


class _RefDef:
    """A named type defined in a referenced schema, waiting to be inlined at its first use."""

    __slots__ = ("raw", "namespace")

    def __init__(self, raw: dict[str, Any], namespace: str | None) -> None:
        self.raw = raw
        self.namespace = namespace  # the namespace enclosing its definition


class _Builder:
    """Builds the node graph of one JSON document, and the JSON to hand to fastavro."""

    def __init__(self, available: dict[str, _RefDef] | None = None) -> None:
        self.names: dict[str, Named] = {}
        # referenced types not inlined yet, by full name
        self.available: dict[str, _RefDef] = dict(available or {})
        self.from_references: set[str] = set()
        # definitions seen, by full name (what a referenced document offers to the main one)
        self.definitions: dict[str, _RefDef] = {}
        self.inlining = 0

    # -- errors ---------------------------------------------------------------------------------

    @staticmethod
    def fail(message: str, pointer: str) -> SchemaInvalid:
        return SchemaInvalid(message, pointer)

    # -- names ----------------------------------------------------------------------------------

    def resolve(
        self, name: str, namespace: str | None, pointer: str, place: str | None = None
    ) -> tuple[Named, Any]:
        """The named type `name` refers to; `place` is where an inlined definition lands."""
        candidates = [qualify(name, namespace)]
        if "." not in name and namespace:
            candidates.append(name)
        for full in candidates:
            node = self.names.get(full)
            if node is not None:
                return node, name
            ref = self.available.get(full)
            if ref is not None:
                return self.inline(full, ref, pointer if place is None else place, namespace)
        raise self.fail(
            f"unknown type `{name}`: no named type of that name is defined before this point",
            pointer,
        )

    def inline(
        self, full: str, ref: _RefDef, pointer: str, namespace: str | None
    ) -> tuple[Named, Any]:
        del self.available[full]
        self.inlining += 1
        try:
            node, out = self.walk(ref.raw, pointer, ref.namespace)
        finally:
            self.inlining -= 1
        if not isinstance(node, Named):  # pragma: no cover - definitions are named by construction
            raise self.fail(f"referenced type `{full}` is not a named type", pointer)
        # the definition moves into another namespace: state its own explicitly
        raw_name = ref.raw.get("name")
        if isinstance(out, dict) and isinstance(raw_name, str) and "." not in raw_name:
            if (node.namespace or None) != (namespace or None):
                out = {**out, "namespace": node.namespace or ""}
        return node, out

    def named_header(
        self, value: dict[str, Any], pointer: str, namespace: str | None, kind: str
    ) -> tuple[str, str | None, tuple[str, ...], str | None]:
        raw_name = value.get("name")
        if raw_name is None:
            raise self.fail(f'{kind} has no "name"', pointer)
        if not isinstance(raw_name, str):
            raise self.fail(f"the name of a {kind} must be a string", f"{pointer}/name")
        raw_space = value.get("namespace")
        # Java reads a non-string namespace as absent
        space = raw_space if isinstance(raw_space, str) else namespace
        own_space = isinstance(raw_space, str)
        if "." in raw_name:
            space, _, short = raw_name.rpartition(".")
            space_pointer = f"{pointer}/name"
            own_space = True
        else:
            short = raw_name
            space_pointer = f"{pointer}/namespace"
        if not _valid_name(short):
            raise self.fail(f"`{short}` is not a valid Avro name: {_NAME_RULE}", f"{pointer}/name")
        space = space or None
        # an inherited namespace was checked where it was written
        if space is not None and own_space:
            for part in space.split("."):
                if not _valid_name(part):
                    raise self.fail(
                        f"`{space}` is not a valid Avro namespace: it is names joined by dots, "
                        f"and {_NAME_RULE}",
                        space_pointer,
                    )
        full = f"{space}.{short}" if space else short
        if full in PRIMITIVES:
            raise self.fail(
                f"a named type may not be called `{full}`, the name of a primitive type",
                f"{pointer}/name",
            )
        aliases = self.aliases(value, pointer, named=True)
        doc = value.get("doc")
        return short, space, aliases, doc if isinstance(doc, str) else None

    def register(self, node: Named, raw: dict[str, Any], namespace: str | None) -> None:
        full = node.fullname
        self.check_new_name(full, node.pointer)
        self.names[full] = node
        self.definitions[full] = _RefDef(raw, namespace)
        if self.inlining:
            self.from_references.add(full)

    def check_new_name(self, full: str, pointer: str) -> None:
        if self.inlining and full in self.available:
            # a type nested in the referenced type being inlined: defined here, from its own text
            del self.available[full]
        if full in self.names or full in self.available:
            raise self.fail(f"the named type `{full}` is defined twice", f"{pointer}/name")

    def already_inlined(self, value: dict[str, Any], namespace: str | None) -> Named | None:
        """A referenced type's nested definition that an earlier use has inlined already."""
        if not self.inlining:
            return None
        raw_name = value.get("name")
        if not isinstance(raw_name, str):
            return None
        raw_space = value.get("namespace")
        space = raw_space if isinstance(raw_space, str) else namespace
        full = qualify(raw_name, space or None)
        if full in self.from_references:
            return self.names.get(full)
        return None

    def aliases(self, value: dict[str, Any], pointer: str, named: bool) -> tuple[str, ...]:
        raw = value.get("aliases")
        if raw is None:
            return ()
        at = f"{pointer}/aliases"
        if not isinstance(raw, list):
            raise self.fail("aliases must be a list of strings", at)
        out: list[str] = []
        for index, alias in enumerate(raw):
            if not isinstance(alias, str):
                raise self.fail("aliases must be a list of strings", f"{at}/{index}")
            if named and not _valid_name(alias.rpartition(".")[2]):
                raise self.fail(
                    f"alias `{alias}` is not a valid Avro name: {_NAME_RULE}",
                    f"{at}/{index}",
                )
            if alias not in out:
                out.append(alias)
        return tuple(out)

    # -- types ----------------------------------------------------------------------------------

    def walk(self, value: Any, pointer: str, namespace: str | None) -> tuple[Node, Any]:
        """The node of the schema `value` at `pointer`, and its JSON for fastavro."""
        if isinstance(value, str):
            if value in PRIMITIVES:
                return Primitive(value, pointer), value
            return self.resolve(value, namespace, pointer)
        if isinstance(value, list):
            return self.union(value, pointer, namespace)
        if isinstance(value, dict):
            return self.complex(value, pointer, namespace)
        raise self.fail(
            "a schema must be a type name, a JSON object or a union (a JSON list), "
            f"not {default_rules.short_json(value)}",
            pointer,
        )

    def union(self, value: list[Any], pointer: str, namespace: str | None) -> tuple[Node, Any]:
        branches: list[Node] = []
        out: list[Any] | None = None
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            at = f"{pointer}/{index}"
            if isinstance(item, list):
                raise self.fail("a union may not directly contain another union", at)
            node, item_out = self.walk(item, at, namespace)
            if node.kind == "union":
                raise self.fail("a union may not directly contain another union", at)
            key = node.branch_key
            if key in seen:
                raise self.fail(
                    f"the union has two branches of type `{label(node)}` "
                    f"(branches {seen[key]} and {index})",
                    at,
                )
            seen[key] = index
            branches.append(node)
            if item_out is not item and out is None:
                out = list(value[:index])
            if out is not None:
                out.append(item_out)
        return Union(pointer, tuple(branches)), value if out is None else out

    def complex(
        self, value: dict[str, Any], pointer: str, namespace: str | None
    ) -> tuple[Node, Any]:
        kind = value.get("type")
        if kind is None:
            raise self.fail('the schema object has no "type"', pointer)
        if not isinstance(kind, str):
            raise self.fail(
                'the "type" of a schema object must be a type name; nest schemas in fields, '
                "items, values or unions",
                f"{pointer}/type",
            )
        if kind in PRIMITIVES:
            logical, invalid = interpret(kind, value)
            out = _without_logical(value) if invalid else value
            return Primitive(kind, pointer, logical), out
        if kind in ("record", "error"):
            return self.record(value, pointer, namespace, kind == "error")
        if kind == "enum":
            return self.enum(value, pointer, namespace)
        if kind == "fixed":
            return self.fixed(value, pointer, namespace)
        if kind == "array":
            return self.container(value, pointer, namespace, "items")
        if kind == "map":
            return self.container(value, pointer, namespace, "values")
        # {"type": "Name"} refers to a named type, as Java reads it; fastavro wants the bare name
        return self.resolve(kind, namespace, f"{pointer}/type", pointer)

    def container(
        self, value: dict[str, Any], pointer: str, namespace: str | None, key: str
    ) -> tuple[Node, Any]:
        kind = value["type"]
        if key not in value:
            raise self.fail(f'{"an" if kind == "array" else "a"} {kind} has no "{key}"', pointer)
        inner, inner_out = self.walk(value[key], f"{pointer}/{key}", namespace)
        node: Node = Array(pointer, inner) if key == "items" else Map(pointer, inner)
        _, invalid = interpret(kind, value)
        out = value if inner_out is value[key] else {**value, key: inner_out}
        if invalid:
            out = _without_logical(out)
        return node, out

    def record(
        self, value: dict[str, Any], pointer: str, namespace: str | None, is_error: bool
    ) -> tuple[Node, Any]:
        existing = self.already_inlined(value, namespace)
        if existing is not None:
            return existing, _reference_text(existing, namespace)
        name, space, aliases, doc = self.named_header(value, pointer, namespace, "record")
        node = Record(pointer, name, space, aliases, doc, _props(value, _SCHEMA_RESERVED), is_error)
        fields_value = value.get("fields")
        if not isinstance(fields_value, list):
            where = pointer if fields_value is None else f"{pointer}/fields"
            raise self.fail(f'record `{name}` has no "fields" list', where)
        # registered before its fields are parsed, so that they may refer to it
        self.register(node, value, namespace)
        fields: list[Field] = []
        out_fields: list[Any] | None = None
        for index, raw in enumerate(fields_value):
            record_field, raw_out = self.field(node, index, raw, pointer, space)
            fields.append(record_field)
            if raw_out is not raw and out_fields is None:
                out_fields = list(fields_value[:index])
            if out_fields is not None:
                out_fields.append(raw_out)
        by_name: dict[str, int] = {}
        for record_field in fields:
            if record_field.name in by_name:
                raise self.fail(
                    f"record `{name}` has two fields named `{record_field.name}`",
                    f"{record_field.pointer}/name",
                )
            by_name[record_field.name] = record_field.index
        node.set_fields(tuple(fields))
        _, invalid = interpret("record", value)
        out = value if out_fields is None else {**value, "fields": out_fields}
        if invalid:
            out = _without_logical(out)
        return node, out

    def field(
        self, record: Record, index: int, raw: Any, record_pointer: str, namespace: str | None
    ) -> tuple[Field, Any]:
        pointer = f"{record_pointer}/fields/{index}"
        if not isinstance(raw, dict):
            raise self.fail(
                f"field {index} of record `{record.name}` is not a JSON object", pointer
            )
        name = raw.get("name")
        if not isinstance(name, str):
            where = pointer if name is None else f"{pointer}/name"
            raise self.fail(f'field {index} of record `{record.name}` has no "name"', where)
        if "type" not in raw:
            raise self.fail(f'field `{name}` (in record `{record.name}`) has no "type"', pointer)
        type_node, type_out = self.walk(raw["type"], f"{pointer}/type", namespace)
        order = raw.get("order", "ascending")
        if not isinstance(order, str) or order.lower() not in _ORDERS:
            raise self.fail(
                f"the order of field `{name}` is {default_rules.short_json(order)}; "
                "it must be ascending, descending or ignore",
                f"{pointer}/order",
            )
        if not _valid_name(name):
            raise self.fail(
                f"`{name}` is not a valid Avro field name: {_NAME_RULE}",
                f"{pointer}/name",
            )
        has_default = "default" in raw
        default = raw.get("default")
        if has_default:
            default = self.checked_default(name, type_node, default, pointer)
        aliases = self.aliases(raw, pointer, named=False)
        doc = raw.get("doc")
        record_field = Field(
            name=name,
            index=index,
            pointer=pointer,
            type=type_node,
            has_default=has_default,
            default=default,
            aliases=aliases,
            doc=doc if isinstance(doc, str) else None,
            order=order.lower(),
            props=_props(raw, _FIELD_RESERVED),
        )
        out = raw if type_out is raw["type"] else {**raw, "type": type_out}
        return record_field, out

    def checked_default(self, name: str, type_node: Node, default: Any, pointer: str) -> Any:
        value = default
        # Java converts a string default of a float or double field with Double.parseDouble
        if type_node.kind in ("float", "double") and isinstance(default, str):
            converted = default_rules.java_double(default)
            if converted is not None:
                value = converted
        reason = default_rules.invalid_default(type_node, value)
        if reason is not None:
            from gate.formats.avro.describe import describe

            message = (
                f"default of field `{name}` is {default_rules.short_json(default)} "
                f"but its type is {describe(type_node)}"
            )
            if reason:
                message += f" ({reason})"
            raise self.fail(message, f"{pointer}/default")
        return value

    def enum(self, value: dict[str, Any], pointer: str, namespace: str | None) -> tuple[Node, Any]:
        existing = self.already_inlined(value, namespace)
        if existing is not None:
            return existing, _reference_text(existing, namespace)
        name, space, aliases, doc = self.named_header(value, pointer, namespace, "enum")
        symbols_value = value.get("symbols")
        if not isinstance(symbols_value, list):
            where = pointer if symbols_value is None else f"{pointer}/symbols"
            raise self.fail(f'enum `{name}` has no "symbols" list', where)
        seen: set[str] = set()
        for index, symbol in enumerate(symbols_value):
            at = f"{pointer}/symbols/{index}"
            if not isinstance(symbol, str) or not _valid_name(symbol):
                raise self.fail(
                    f"symbol {default_rules.short_json(symbol)} of enum `{name}` is not a valid "
                    f"Avro name: {_NAME_RULE}",
                    at,
                )
            if symbol in seen:
                raise self.fail(f"enum `{name}` lists the symbol `{symbol}` twice", at)
            seen.add(symbol)
        default = value.get("default")
        if "default" in value and (not isinstance(default, str) or default not in seen):
            raise self.fail(
                f"the default of enum `{name}` is {default_rules.short_json(default)}, "
                "which is not one of its symbols",
                f"{pointer}/default",
            )
        props = _props(value, _SCHEMA_RESERVED | {"default"})
        node = Enum(pointer, name, space, tuple(symbols_value), default, aliases, doc, props)
        self.register(node, value, namespace)
        _, invalid = interpret("enum", value)
        return node, _without_logical(value) if invalid else value

    def fixed(self, value: dict[str, Any], pointer: str, namespace: str | None) -> tuple[Node, Any]:
        existing = self.already_inlined(value, namespace)
        if existing is not None:
            return existing, _reference_text(existing, namespace)
        name, space, aliases, doc = self.named_header(value, pointer, namespace, "fixed")
        size = value.get("size")
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
            or size > _MAX_FIXED_SIZE
        ):
            where = pointer if size is None else f"{pointer}/size"
            shown = "missing" if size is None else default_rules.short_json(size)
            raise self.fail(
                f"the size of fixed `{name}` must be a non-negative integer, not {shown}", where
            )
        logical, invalid = interpret("fixed", value, size)
        node = Fixed(
            pointer, name, space, size, logical, aliases, doc, _props(value, _SCHEMA_RESERVED)
        )
        self.register(node, value, namespace)
        return node, _without_logical(value) if invalid else value


_NO_PROPS: Mapping[str, Any] = MappingProxyType({})


def _props(value: Mapping[str, Any], reserved: frozenset[str]) -> Mapping[str, Any]:
    if all(key in reserved for key in value):
        return _NO_PROPS
    return {key: item for key, item in value.items() if key not in reserved}


def _without_logical(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if key != "logicalType"}


def _reference_text(node: Named, namespace: str | None) -> str:
    if (node.namespace or None) == (namespace or None):
        return node.name
    return node.fullname


def parse_schema(schema: Schema) -> AvroSchema:
    """Parse and validate `schema`; raises `SchemaInvalid` (and nothing else) when invalid."""
    from gate.formats.avro.loadjson import SHALLOW, load, recursion_headroom

    value, clean, depth = load(schema.text)
    available: dict[str, _RefDef] = {}
    ref_depth = 0
    for ref_name, ref_text in schema.resolved_references:
        definitions, one_depth = _reference_definitions(ref_name, ref_text, available)
        available.update(definitions)
        ref_depth = max(ref_depth, one_depth)
    # inlined references nest below the places that use them
    depth += ref_depth
    try:
        with recursion_headroom(depth > SHALLOW):
            builder = _Builder(available)
            root, out = builder.walk(value, "", None)
            _fastavro_accepts(out)
    except SchemaInvalid as error:
        if error.line is None:
            error.line = line_of(clean, error.pointer)
        raise
    except RecursionError:
        raise SchemaInvalid("the schema is nested too deeply", "", None) from None
    return AvroSchema(
        text=schema.text,
        json=out,
        root=root,
        names=dict(builder.names),
        reference_names=tuple(name for name, _ in schema.resolved_references),
        depth=depth,
    )


def _reference_definitions(
    ref_name: str, ref_text: str, earlier: dict[str, _RefDef]
) -> tuple[dict[str, _RefDef], int]:
    """The named types a referenced schema defines, validated, ready to inline; and its depth."""
    from gate.formats.avro.loadjson import SHALLOW, load, recursion_headroom

    try:
        value, _, depth = load(ref_text)
        with recursion_headroom(depth > SHALLOW):
            builder = _Builder(earlier)
            builder.walk(value, "", None)
    except SchemaInvalid as error:
        raise SchemaInvalid(
            f"referenced schema `{ref_name}` is invalid: {error.message}", "", None
        ) from None
    except RecursionError:
        raise SchemaInvalid(
            f"referenced schema `{ref_name}` is nested too deeply", "", None
        ) from None
    # what it took from earlier references stays offered by them, not by this one
    offered = {
        full: definition
        for full, definition in builder.definitions.items()
        if full not in builder.from_references
    }
    return offered, depth


def _fastavro_accepts(value: Any) -> None:
    from fastavro.schema import parse_schema as fastavro_parse_schema

    try:
        fastavro_parse_schema(value, _write_hint=False)
    except RecursionError:
        raise SchemaInvalid("the schema is nested too deeply", "", None) from None
    except Exception as error:  # noqa: BLE001 - any refusal by fastavro makes the schema unusable
        raise SchemaInvalid(
            f"fastavro refuses the schema ({type(error).__name__}: {error})", "", None
        ) from None
