"""Parse and validate an Avro schema the way Confluent Schema Registry does.

The registry parses with Apache Avro's Java `Schema.Parser`, by one of two rules depending on the
schema's role. A **new** schema (the one being registered: the candidate) gets strict names (ASCII
letters, digits and `_` in record, enum and fixed names, namespaces, field names, enum symbols and
aliases; the registry answers 422 for `é`) and default validation. A **registered** version (the
registry's own versions, the git base, the older files of `gate compat`) gets neither: only Avro's
own name check (Unicode letters allowed), and its defaults are taken as they are, whatever their
type. We enforce the same rules and report the first violation as `SchemaInvalid` with the JSON
Pointer of the offending place:

- type names: the eight primitives, `record`/`error`, `enum`, `fixed`, `array`, `map`, a list for a
  union, or the name of a named type defined earlier (in this schema or a referenced one), looked
  up in the enclosing namespace first, then in the null namespace;
- names start with a letter or `_` and go on with letters, digits or `_` (Unicode letters
  allowed in a registered version, as Java's default validator allows them; ASCII only in a new
  one); namespaces are dot-separated names; a named type may not be named after a primitive and
  may not be defined twice differently (Avro 1.12: an identical redefinition is the same type);
- records need a `fields` list; fields need a `name` and a `type`, names are unique, `order` is
  ascending, descending or ignore, `aliases` are lists of strings;
- enums need a `symbols` list of unique names, and an enum default must be one of them;
- fixed sizes are non-negative integers (Java accepts a size of 0);
- a union may not directly contain a union, nor two branches of the same unnamed type or the same
  full name;
- in a new schema, field defaults must match the field's type (a union's default ANY of its
  branches, as Avro 1.12 has it: AVRO-3649);
- logical types that are invalid (a decimal with scale > precision, a date on a string) are
  ignored, as Avro ignores them: the type falls back to its underlying type.

Deviations, all stricter than Java, all for `fastavro`, and all for new schemas only (a registered
version is the registry's to judge): a non-string enum default is refused (Java ignores it), and
a schema that fastavro's `parse_schema` refuses is refused (it cannot, for example, refer to a
null-namespace type from inside a namespace). fastavro is asked only about schemas that hold one
of the few things it reads differently from Java (`_fastavro_accepts` lists them); it accepts
every other schema that passes our rules, and asking it costs more than the rest of parsing.

Speed: a run parses thousands of versions of the same schemas, so names are judged once each,
and the fields a version repeats at the same place are shared with the earlier version, nodes and
JSON (see `_SHARED_FIELDS` and `_SHARED_SUBTREES`); nesting is measured only for text that
Python's decoder cannot vouch for (see `loadjson.load`), and walks that run out of recursion try
again with room.
"""

from __future__ import annotations

import marshal
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gate.errors import SchemaInvalid
from gate.formats.avro import defaults as default_rules
from gate.formats.avro.describe import label
from gate.formats.avro.logical import interpret
from gate.formats.avro.nodes import (
    NO_PROPS,
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
    primitive_union_fingerprint,
    qualify,
)
from gate.jsonpos import line_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gate.model import Schema

_ORDERS = frozenset({"ascending", "descending", "ignore"})
_FIELD_RESERVED = frozenset({"default", "doc", "name", "order", "type", "aliases"})
_SCHEMA_RESERVED = frozenset(
    {"doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases"}
)
_ENUM_RESERVED = _SCHEMA_RESERVED | {"default"}
_FLOATING = frozenset({"float", "double"})
_PLAIN_FIELD = frozenset({"name", "type", "default"})
_INDEXED = 1024
_INDEXES = tuple(str(index) for index in range(_INDEXED))
_JAVA_INT_MAX = 2**31 - 1
_MAX_FIXED_SIZE = _JAVA_INT_MAX - 8  # Avro's SystemLimitException bound for byte lengths
# a key fastavro reads as "already parsed" on a top-level schema object
_FASTAVRO_MARKER = "__fastavro_parsed"
_K = TypeVar("_K")
_V = TypeVar("_V")


_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# what a name is: not a valid Avro name; valid in ASCII (fastavro's rule for enum symbols too);
# valid with letters beyond ASCII (Java's rule, not fastavro's)
_INVALID, _ASCII, _UNICODE = 0, 1, 2
# names repeat across fields, types and versions: each is judged once
_NAME_CLASSES: dict[str, int] = {}
_NAMESPACES: dict[str, bool] = {}
_NAMES_LIMIT = 1 << 16


class _Recent(Generic[_K, _V]):
    """Values by key, keeping those used lately: new ones go to `young`; when it holds `limit`,
    it becomes `old` and the former `old` is let go; a value found in `old` moves back to `young`.
    So a value used within the last `limit` insertions is kept, and at most `2 * limit` are."""

    __slots__ = ("limit", "old", "young")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.young: dict[_K, _V] = {}
        self.old: dict[_K, _V] = {}

    def __len__(self) -> int:
        return len(self.young) + len(self.old)

    def get(self, key: _K) -> _V | None:
        found = self.young.get(key)
        if found is None and self.old:
            return self.revive(key)
        return found

    def revive(self, key: _K) -> _V | None:
        """The value of `key` in `old`, moved back to `young` (callers look in `young` first)."""
        found = self.old.pop(key, None)
        if found is not None:
            self.put(key, found)
        return found

    def put(self, key: _K, value: _V) -> None:
        if len(self.young) >= self.limit:
            self.old = self.young
            self.young = {}
        self.young[key] = value

    def clear(self) -> None:
        self.young = {}
        self.old = {}


# Versions of a schema repeat most of their fields at the same places: such a field is built once
# and shared with later versions, nodes and JSON, as neither ever changes. The versions of a subject
# are parsed one after another, so each cache keeps only what was used lately: what it keeps alive,
# the collector walks again and again (a cache of thousands of schemas' fields cost more than it
# saved on subjects that do not share field names).
_SHARED_LIMIT = 1 << 11
_SUBTREES_LIMIT = 1 << 9
# Each entry says whose rules built it: a field valid in a registered version (a default of
# another type, a name beyond ASCII) is not valid in a new schema, so a new schema takes only what
# a new schema built. A new schema's field is a registered version's too (its rules only add
# checks), so a registered version takes either: the git base of a changed file then shares the
# candidate's unchanged fields.
# Fields of a primitive type or an optional one (`["null", "string"]`), by place (pointer prefix
# and index), name and type names, with their JSON and whether a new schema built them: the
# commonest, keyed cheaply in `_Builder.record`.
_SHARED_FIELDS: _Recent[Any, tuple[Field, dict[str, Any], bool]] = _Recent(_SHARED_LIMIT)
# Fields of any other type (nested records, enums, arrays...), by place, enclosing namespace and
# JSON (marshalled), with their JSON, the named types they define and those they refer to (see
# `_SharedSubtree`).
_SubtreeKey = tuple[str, int, str | None, bytes]
_SHARED_SUBTREES: _Recent[_SubtreeKey, _SharedSubtree] = _Recent(_SUBTREES_LIMIT)


def _classify_name(name: str) -> int:
    if _ASCII_NAME.fullmatch(name):
        return _ASCII
    # Java's UTF validator: Character.isLetter / isLetterOrDigit on UTF-16 code units
    if not name or any(ord(char) > 0xFFFF for char in name):
        return _INVALID
    first = name[0]
    if not (first.isalpha() or first == "_"):
        return _INVALID
    if all(char.isalpha() or char.isdecimal() or char == "_" for char in name[1:]):
        return _UNICODE
    return _INVALID


def _name_class(name: str) -> int:
    known = _NAME_CLASSES.get(name)
    if known is None:
        known = _classify_name(name)
        if len(_NAME_CLASSES) >= _NAMES_LIMIT:
            _NAME_CLASSES.clear()
        _NAME_CLASSES[name] = known
    return known


def _valid_name(name: str) -> bool:
    return _name_class(name) != _INVALID


def _valid_namespace(space: str) -> bool:
    known = _NAMESPACES.get(space)
    if known is None:
        known = all(_name_class(part) != _INVALID for part in space.split("."))
        if len(_NAMESPACES) >= _NAMES_LIMIT:
            _NAMESPACES.clear()
        _NAMESPACES[space] = known
    return known


_NAME_RULE = "names start with a letter or `_` and go on with letters, digits or `_`"
_ASCII_RULE = (
    "a new schema's names are ASCII: they start with a letter (a-z, A-Z) or `_` and go on with "
    "such letters, digits or `_` (the registry refuses other letters in a schema it registers, "
    "though it reads registered versions that have them)"
)


def _ascii_namespace(space: str) -> bool:
    return all(_name_class(part) == _ASCII for part in space.split("."))


def _without_docs(value: Any) -> Any:
    """`value` without `doc` keys at any depth: Avro's equality of schemas ignores them."""
    if isinstance(value, dict):
        return {key: _without_docs(item) for key, item in value.items() if key != "doc"}
    if isinstance(value, list):
        return [_without_docs(item) for item in value]
    return value


def _same_definition(earlier: dict[str, Any], later: dict[str, Any]) -> bool:
    """Whether two definitions of the same full name define the same type (their JSON equal but
    for docs): Avro 1.12 takes such a redefinition for the type itself."""
    return earlier is later or _without_docs(earlier) == _without_docs(later)


class _RefDef:
    """A named type defined in a referenced schema, waiting to be inlined at its first use."""

    __slots__ = ("namespace", "raw")

    def __init__(self, raw: dict[str, Any], namespace: str | None) -> None:
        self.raw = raw
        self.namespace = namespace  # the namespace enclosing its definition


class _SharedSubtree:
    """A field shared between versions: its node, its JSON, the named types it defines (in
    order), and those defined before it that it refers to (by the full name each was found by).

    It means the same in a later schema at the same place, under the same namespace, whenever
    the names it refers to there are the very nodes it was built with: a fresh parse would find
    the same nodes, and its own definitions are registered again, so a clash fails as it would.
    """

    __slots__ = ("definitions", "field", "outside", "raw", "strict")

    def __init__(
        self,
        field: Field,
        raw: dict[str, Any],
        definitions: tuple[tuple[Named, dict[str, Any], str | None], ...],
        outside: tuple[tuple[str, Named], ...],
        strict: bool,
    ) -> None:
        self.field = field
        self.raw = raw
        self.definitions = definitions
        self.outside = outside
        self.strict = strict  # built by a new schema's rules

    def refers_to_same(self, names: dict[str, Named]) -> bool:
        return all(names.get(full) is node for full, node in self.outside)


class _Builder:
    """Builds the node graph of one JSON document, and the JSON to hand to fastavro."""

    def __init__(self, available: dict[str, _RefDef] | None = None, strict: bool = True) -> None:
        # a new schema's rules (ASCII names, defaults checked, fastavro must accept it), or a
        # registered version's (Avro's own name check only)
        self.strict = strict
        self.names: dict[str, Named] = {}
        # the JSON each named type was defined with, by full name: what an identical
        # redefinition is compared with
        self.raw_of: dict[str, dict[str, Any]] = {}
        # referenced types not inlined yet, by full name
        self.available: dict[str, _RefDef] = dict(available or {})
        self.from_references: set[str] = set()
        self.inlining = 0
        # set where the schema holds something fastavro may read differently from Java, so that
        # only then is fastavro asked whether it accepts the schema (asking costs more than all
        # the rest of parsing); see `_fastavro_accepts`
        self.consult_fastavro = False
        # every named type registered (with its JSON and enclosing namespace: what a referenced
        # document offers to the main one) and every one referred to, in order, and how many
        # were inlined from references: what tells whether a field's subtree can be shared
        self.defined: list[tuple[Named, dict[str, Any], str | None]] = []
        self.referred: list[Named] = []
        self.inlined = 0

    # -- errors ---------------------------------------------------------------------------------

    @staticmethod
    def fail(message: str, pointer: str) -> SchemaInvalid:
        return SchemaInvalid(message, pointer)

    # -- names ----------------------------------------------------------------------------------

    def resolve(
        self, name: str, namespace: str | None, pointer: str, place: str | None = None
    ) -> tuple[Named, Any]:
        """The named type `name` refers to; `place` is where an inlined definition lands."""
        if "." in name:
            if name[0] == ".":
                self.consult_fastavro = True  # fastavro takes ".A" for a full name as written
            candidates: tuple[str, ...] = (qualify(name, namespace),)
        elif namespace:
            candidates = (f"{namespace}.{name}", name)
        else:
            candidates = (name,)
        for index, full in enumerate(candidates):
            node = self.names.get(full)
            if node is not None:
                if index:
                    self.consult_fastavro = True  # fastavro looks in the namespace only
                self.referred.append(node)
                return node, name
            ref = self.available.get(full)
            if ref is not None:
                if index:
                    self.consult_fastavro = True
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
        self.inlined += 1
        try:
            node, out = self.walk(ref.raw, pointer, ref.namespace)
        finally:
            self.inlining -= 1
        if not isinstance(node, Named):  # pragma: no cover - definitions are named by construction
            raise self.fail(f"referenced type `{full}` is not a named type", pointer)
        # the definition moves into another namespace: state its own explicitly
        raw_name = ref.raw.get("name")
        if (
            isinstance(out, dict)
            and isinstance(raw_name, str)
            and "." not in raw_name
            and (node.namespace or None) != (namespace or None)
        ):
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
        own_space = isinstance(raw_space, str)
        if own_space:
            space = raw_space
        else:
            # Java reads a non-string namespace as absent; fastavro uses it as it is
            space = namespace
            if raw_space is not None or "namespace" in value:
                self.consult_fastavro = True
        if "." in raw_name:
            space, _, short = raw_name.rpartition(".")
            if not space:
                self.consult_fastavro = True  # ".A": fastavro keeps the dot in the full name
            space_pointer = f"{pointer}/name"
            own_space = True
        else:
            short = raw_name
            space_pointer = f"{pointer}/namespace"
        short_class = _name_class(short)
        if short_class == _INVALID:
            raise self.fail(f"`{short}` is not a valid Avro name: {_NAME_RULE}", f"{pointer}/name")
        if self.strict and short_class != _ASCII:
            raise self.fail(
                f"`{short}` is not a valid name in a new schema: {_ASCII_RULE}", f"{pointer}/name"
            )
        space = space or None
        # an inherited namespace was checked where it was written
        if space is not None and own_space and not _valid_namespace(space):
            raise self.fail(
                f"`{space}` is not a valid Avro namespace: it is names joined by dots, "
                f"and {_NAME_RULE}",
                space_pointer,
            )
        if space is not None and own_space and self.strict and not _ascii_namespace(space):
            raise self.fail(
                f"`{space}` is not a valid namespace in a new schema: {_ASCII_RULE}",
                space_pointer,
            )
        full = f"{space}.{short}" if space else short
        if full in PRIMITIVES:
            raise self.fail(
                f"a named type may not be called `{full}`, the name of a primitive type",
                f"{pointer}/name",
            )
        aliases = self.aliases(value, pointer, named=True) if "aliases" in value else ()
        doc = value.get("doc")
        return short, space, aliases, doc if isinstance(doc, str) else None

    def register(self, node: Named, raw: dict[str, Any], namespace: str | None) -> None:
        full = node.fullname
        self.check_new_name(full, node.pointer)
        self.names[full] = node
        self.raw_of[full] = raw
        self.defined.append((node, raw, namespace))
        if self.inlining:
            self.from_references.add(full)

    def check_new_name(self, full: str, pointer: str) -> None:
        if self.inlining and full in self.available:
            # a type nested in the referenced type being inlined: defined here, from its own text
            del self.available[full]
        if full in self.names or full in self.available:
            raise self.fail(
                f"the named type `{full}` is defined twice, differently (only an identical "
                "redefinition is allowed)",
                f"{pointer}/name",
            )

    def redefined(
        self, value: dict[str, Any], pointer: str, namespace: str | None
    ) -> tuple[Named, Any] | None:
        """The type `value` defines again, when an earlier definition (in this schema or a
        referenced one) is identical to it: Avro 1.12 takes it for that type. None otherwise
        (a new name, or a differing definition: `register` then refuses it)."""
        raw_name = value.get("name")
        if not isinstance(raw_name, str):
            return None
        raw_space = value.get("namespace")
        space = raw_space if isinstance(raw_space, str) else namespace
        full = qualify(raw_name, space or None)
        node = self.names.get(full)
        if node is not None:
            earlier = self.raw_of.get(full)
            if earlier is None or not _same_definition(earlier, value):
                return None
            self.referred.append(node)
            return node, _reference_text(node, namespace)
        ref = self.available.get(full)
        if ref is not None and _same_definition(ref.raw, value):
            return self.inline(full, ref, pointer, namespace)
        return None

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
            if named and self.strict and not _ascii_namespace(alias.lstrip(".")):
                raise self.fail(
                    f"alias `{alias}` is not a valid name in a new schema: {_ASCII_RULE}",
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
        if isinstance(value, dict):
            return self.complex(value, pointer, namespace)
        if isinstance(value, list):
            return self.union(value, pointer, namespace)
        raise self.fail(
            "a schema must be a type name, a JSON object or a union (a JSON list), "
            f"not {default_rules.short_json(value)}",
            pointer,
        )

    def union(self, value: list[Any], pointer: str, namespace: str | None) -> tuple[Node, Any]:
        prefix = pointer + "/"
        if len(value) == 2:
            # the common optional type, such as ["null", "string"]
            first, second = value
            if (
                isinstance(first, str)
                and isinstance(second, str)
                and first in PRIMITIVES
                and second in PRIMITIVES
                and first != second
            ):
                pair = (Primitive(first, prefix + "0"), Primitive(second, prefix + "1"))
                return Union(pointer, pair, primitive_union_fingerprint((first, second))), value
        branches: list[Node] = []
        out: list[Any] | None = None
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            at = prefix + str(index)
            node: Node
            if isinstance(item, str) and item in PRIMITIVES:
                node = Primitive(item, at)
                item_out: Any = item
                key = item
            else:
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
            if "logicalType" not in value:
                return Primitive(kind, pointer), value
            logical, invalid = interpret(kind, value)
            out = _without_logical(value) if invalid else value
            return Primitive(kind, pointer, logical), out
        if kind == "record" or kind == "error":
            return self.record(value, pointer, namespace, kind == "error")
        if kind == "enum":
            return self.enum(value, pointer, namespace)
        if kind == "array":
            return self.container(value, pointer, namespace, "items")
        if kind == "map":
            return self.container(value, pointer, namespace, "values")
        if kind == "fixed":
            return self.fixed(value, pointer, namespace)
        # {"type": "Name"} refers to a named type, as Java reads it; fastavro wants the bare name
        return self.resolve(kind, namespace, f"{pointer}/type", pointer)

    def container(
        self, value: dict[str, Any], pointer: str, namespace: str | None, key: str
    ) -> tuple[Node, Any]:
        kind = value["type"]
        if key not in value:
            raise self.fail(f'{"an" if kind == "array" else "a"} {kind} has no "{key}"', pointer)
        inner_value = value[key]
        inner_pointer = f"{pointer}/{key}"
        inner: Node
        if isinstance(inner_value, str) and inner_value in PRIMITIVES:
            inner, inner_out = Primitive(inner_value, inner_pointer), inner_value
        else:
            inner, inner_out = self.walk(inner_value, inner_pointer, namespace)
        node: Node = Array(pointer, inner) if key == "items" else Map(pointer, inner)
        out = value if inner_out is inner_value else {**value, key: inner_out}
        if "logicalType" in value and interpret(kind, value)[1]:
            out = _without_logical(out)
        return node, out

    def record(
        self, value: dict[str, Any], pointer: str, namespace: str | None, is_error: bool
    ) -> tuple[Node, Any]:
        if self.inlining:
            existing = self.already_inlined(value, namespace)
            if existing is not None:
                return existing, _reference_text(existing, namespace)
        again = self.redefined(value, pointer, namespace)
        if again is not None:
            return again
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
        prefix = pointer + "/fields/"
        parse_field = self.field
        strict = self.strict
        sharing = not self.inlining
        for index, raw in enumerate(fields_value):
            key: Any = None
            subtree_key: Any = None
            if sharing and raw.__class__ is dict:
                # the commonest shapes, keyed with no more work than they need:
                # {"name": n, "type": t} and {"name": n, "type": [a, b], "default": null}
                raw_type = raw.get("type")
                size = len(raw)
                if size == 2 and raw_type.__class__ is str:
                    key = (prefix, index, raw.get("name"), raw_type)
                elif (
                    size == 3
                    and raw_type.__class__ is list
                    and len(raw_type) == 2
                    and raw.get("default", raw) is None
                ):
                    key = (prefix, index, raw.get("name"), raw_type[0], raw_type[1])
                else:
                    subtree_key = _subtree_key(raw, prefix, index, space)
            if key is not None:
                # looked up before it is judged: only judged keys are stored, and a key equals
                # one only with the same JSON strings (`_Recent.get`, without a call)
                try:
                    shared = _SHARED_FIELDS.young.get(key)
                    if shared is None and _SHARED_FIELDS.old:
                        shared = _SHARED_FIELDS.revive(key)
                except TypeError:  # a name or branch that is no string: unhashable
                    shared = None
                if shared is not None and (shared[2] or not strict):
                    fields.append(shared[0])
                    # the JSON too: this schema's copy of it is then let go
                    if out_fields is None:
                        out_fields = list(fields_value[:index])
                    out_fields.append(shared[1])
                    continue
                if len(key) == 4:
                    # (a named type's name is built anew: what it refers to may differ)
                    if key[3] not in PRIMITIVES or key[2].__class__ is not str:
                        key = None
                elif (
                    key[2].__class__ is not str
                    or key[3].__class__ is not str
                    or key[4].__class__ is not str
                ):
                    key = None
                    subtree_key = _subtree_key(raw, prefix, index, space)
                elif key[3] not in PRIMITIVES or key[4] not in PRIMITIVES:
                    key = None
            if subtree_key is not None:
                subtree = _SHARED_SUBTREES.get(subtree_key)
                if (
                    subtree is not None
                    and (subtree.strict or not strict)
                    and (not subtree.outside or subtree.refers_to_same(self.names))
                    and not self.defines_any(subtree)
                ):
                    # the named types it defines are this schema's too, checked as if new
                    for named, named_raw, named_space in subtree.definitions:
                        self.register(named, named_raw, named_space)
                    if subtree.outside:
                        self.referred.extend(node for _, node in subtree.outside)
                    fields.append(subtree.field)
                    if out_fields is None:
                        out_fields = list(fields_value[:index])
                    out_fields.append(subtree.raw)
                    continue
                flagged = self.consult_fastavro
                marks = (len(self.defined), len(self.referred), self.inlined)
            elif key is not None:
                flagged = self.consult_fastavro
            record_field, raw_out = parse_field(node, index, raw, prefix, space)
            fields.append(record_field)
            if key is not None:
                # of primitive types only: it refers to no named type
                if raw_out is raw and not flagged and not self.consult_fastavro:
                    _SHARED_FIELDS.put(key, (record_field, raw, strict))
            elif (
                subtree_key is not None
                and not flagged
                and not self.consult_fastavro
                and self.inlined == marks[2]
            ):
                # its JSON for fastavro as built (equal JSON at the same place builds the same)
                self._share_subtree(subtree_key, record_field, raw_out, marks)
            if raw_out is not raw and out_fields is None:
                out_fields = list(fields_value[:index])
            if out_fields is not None:
                out_fields.append(raw_out)
        field_map = {record_field.name: record_field for record_field in fields}
        if len(field_map) != len(fields):
            by_name: set[str] = set()
            for record_field in fields:
                if record_field.name in by_name:
                    raise self.fail(
                        f"record `{name}` has two fields named `{record_field.name}`",
                        f"{record_field.pointer}/name",
                    )
                by_name.add(record_field.name)
        node.set_fields(tuple(fields), field_map)
        out = value if out_fields is None else {**value, "fields": out_fields}
        if "logicalType" in value and interpret("record", value)[1]:
            out = _without_logical(out)
        return node, out

    def defines_any(self, subtree: _SharedSubtree) -> bool:
        """Whether a type `subtree` defines is known here already: a fresh parse decides
        whether it is an identical redefinition."""
        names, available = self.names, self.available
        return any(
            named.fullname in names or named.fullname in available
            for named, _, _ in subtree.definitions
        )

    def _share_subtree(
        self,
        key: _SubtreeKey,
        record_field: Field,
        raw: dict[str, Any],
        marks: tuple[int, int, int],
    ) -> None:
        """Offer a field just built to later versions, with the named types it defines and
        those defined before it that it refers to."""
        defined = self.defined[marks[0] :]
        own = {id(named) for named, _, _ in defined}
        outside = {node.fullname: node for node in self.referred[marks[1] :] if id(node) not in own}
        _SHARED_SUBTREES.put(
            key,
            _SharedSubtree(record_field, raw, tuple(defined), tuple(outside.items()), self.strict),
        )

    def field(
        self, record: Record, index: int, raw: Any, prefix: str, namespace: str | None
    ) -> tuple[Field, Any]:
        pointer = prefix + (_INDEXES[index] if index < _INDEXED else str(index))
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
        raw_type = raw["type"]
        type_node: Node
        if isinstance(raw_type, str) and raw_type in PRIMITIVES:
            type_node, type_out = Primitive(raw_type, pointer + "/type"), raw_type
        elif isinstance(raw_type, dict):
            type_node, type_out = self.complex(raw_type, pointer + "/type", namespace)
        else:
            type_node, type_out = self.walk(raw_type, pointer + "/type", namespace)
        # most fields have a name, a type and maybe a default, and nothing else to look at
        plain = raw.keys() <= _PLAIN_FIELD
        order = "ascending"
        if not plain and "order" in raw:
            order = raw["order"]
            if not isinstance(order, str) or order.lower() not in _ORDERS:
                raise self.fail(
                    f"the order of field `{name}` is {default_rules.short_json(order)}; "
                    "it must be ascending, descending or ignore",
                    f"{pointer}/order",
                )
            order = order.lower()
        name_class = _NAME_CLASSES.get(name)
        if name_class is None:
            name_class = _name_class(name)
        if name_class == _INVALID:
            raise self.fail(
                f"`{name}` is not a valid Avro field name: {_NAME_RULE}",
                f"{pointer}/name",
            )
        if name_class != _ASCII and self.strict:
            raise self.fail(
                f"`{name}` is not a valid field name in a new schema: {_ASCII_RULE}",
                f"{pointer}/name",
            )
        has_default = "default" in raw
        default = None
        if has_default:
            raw_default = raw["default"]
            if not (
                raw_default is None
                and isinstance(type_node, Union)
                and type_node.branches
                and type_node.branches[0].kind == "null"
            ):
                # (null is the valid default of a union whose first branch is null)
                default = self.checked_default(name, type_node, raw_default, pointer)
            else:
                default = None
            # fastavro wants a float, or for a type named by a string, something float() takes
            if (
                type_node.kind in _FLOATING
                and not isinstance(raw_default, float)
                and (isinstance(raw_default, str) or not isinstance(raw_type, str))
            ):
                self.consult_fastavro = True
        if plain:
            record_field = Field(
                name, index, pointer, type_node, has_default, default, (), None, order, NO_PROPS
            )
        else:
            aliases: tuple[str, ...] = ()
            if "aliases" in raw:
                if raw["aliases"] is None:
                    self.consult_fastavro = True  # Java reads no aliases, fastavro refuses them
                else:
                    aliases = self.aliases(raw, pointer, named=False)
            doc = raw.get("doc")
            record_field = Field(
                name,
                index,
                pointer,
                type_node,
                has_default,
                default,
                aliases,
                doc if isinstance(doc, str) else None,
                order,
                _props(raw, _FIELD_RESERVED),
            )
        out = raw if type_out is raw_type else {**raw, "type": type_out}
        return record_field, out

    def checked_default(self, name: str, type_node: Node, default: Any, pointer: str) -> Any:
        value = default
        # Java converts a string default of a float or double field with Double.parseDouble
        if type_node.kind in _FLOATING and isinstance(default, str):
            converted = default_rules.java_double(default)
            if converted is not None:
                value = converted
        if not self.strict:
            return value  # a registered version's defaults are not validated
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
        if self.inlining:
            existing = self.already_inlined(value, namespace)
            if existing is not None:
                return existing, _reference_text(existing, namespace)
        again = self.redefined(value, pointer, namespace)
        if again is not None:
            return again
        name, space, aliases, doc = self.named_header(value, pointer, namespace, "enum")
        symbols_value = value.get("symbols")
        if not isinstance(symbols_value, list):
            where = pointer if symbols_value is None else f"{pointer}/symbols"
            raise self.fail(f'enum `{name}` has no "symbols" list', where)
        seen: set[str] = set()
        for index, symbol in enumerate(symbols_value):
            kind = _name_class(symbol) if isinstance(symbol, str) else _INVALID
            if kind == _INVALID:
                raise self.fail(
                    f"symbol {default_rules.short_json(symbol)} of enum `{name}` is not a valid "
                    f"Avro name: {_NAME_RULE}",
                    f"{pointer}/symbols/{index}",
                )
            if kind == _UNICODE and self.strict:
                raise self.fail(
                    f"symbol `{symbol}` of enum `{name}` is not a valid name in a new schema: "
                    f"{_ASCII_RULE}",
                    f"{pointer}/symbols/{index}",
                )
            if symbol in seen:
                raise self.fail(
                    f"enum `{name}` lists the symbol `{symbol}` twice",
                    f"{pointer}/symbols/{index}",
                )
            seen.add(symbol)
        default = value.get("default")
        if not self.strict and default is not None and not isinstance(default, str):
            default = None  # Java reads a default that is no string as none
        elif "default" in value and (not isinstance(default, str) or default not in seen):
            raise self.fail(
                f"the default of enum `{name}` is {default_rules.short_json(default)}, "
                "which is not one of its symbols",
                f"{pointer}/default",
            )
        props = _props(value, _ENUM_RESERVED)
        node = Enum(pointer, name, space, tuple(symbols_value), default, aliases, doc, props)
        self.register(node, value, namespace)
        if "logicalType" in value and interpret("enum", value)[1]:
            return node, _without_logical(value)
        return node, value

    def fixed(self, value: dict[str, Any], pointer: str, namespace: str | None) -> tuple[Node, Any]:
        if self.inlining:
            existing = self.already_inlined(value, namespace)
            if existing is not None:
                return existing, _reference_text(existing, namespace)
        again = self.redefined(value, pointer, namespace)
        if again is not None:
            return again
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


def _subtree_key(
    raw: dict[str, Any], prefix: str, index: int, namespace: str | None
) -> _SubtreeKey | None:
    """The key of a field at `prefix + index` under `namespace` in `_SHARED_SUBTREES`: its
    JSON marshalled (version 0 writes every value in full, so equal bytes only for equal JSON
    of the same types and key order: 1, 1.0 and true differ)."""
    try:
        return (prefix, index, namespace, marshal.dumps(raw, 0))
    except ValueError:  # nested too deeply to marshal: built, not shared
        return None


def clear_caches() -> None:
    """Forget the names judged and the fields shared so far (for measurements)."""
    _NAME_CLASSES.clear()
    _NAMESPACES.clear()
    _SHARED_FIELDS.clear()
    _SHARED_SUBTREES.clear()


def _props(value: dict[str, Any], reserved: frozenset[str]) -> Mapping[str, Any]:
    if value.keys() <= reserved:
        return NO_PROPS
    return {key: item for key, item in value.items() if key not in reserved}


def _without_logical(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if key != "logicalType"}


def _reference_text(node: Named, namespace: str | None) -> str:
    if (node.namespace or None) == (namespace or None):
        return node.name
    return node.fullname


def _has_fastavro_marker(value: Any) -> bool:
    if isinstance(value, dict):
        return _FASTAVRO_MARKER in value
    if isinstance(value, list):
        return any(isinstance(item, dict) and _FASTAVRO_MARKER in item for item in value)
    return False


def _build(
    value: Any,
    available: dict[str, _RefDef],
    consult_fastavro: bool,
    measured: bool,
    strict: bool = True,
) -> tuple[_Builder, Node, Any]:
    builder = _Builder(available, strict)
    root, out = builder.walk(value, "", None)
    if strict and (consult_fastavro or builder.consult_fastavro or _has_fastavro_marker(value)):
        _fastavro_accepts(out, measured)
    return builder, root, out


def parse_schema(
    schema: Schema, *, consult_fastavro: bool = False, registered: bool = False
) -> AvroSchema:
    """Parse and validate `schema`; raises `SchemaInvalid` (and nothing else) when invalid.

    `registered` parses it as the registry parses a version it holds (Avro's own name check,
    defaults not validated, fastavro not asked); else as a new schema (see the module's text).
    fastavro is asked whether it accepts a new schema only where it holds something fastavro
    may read differently from Java (see `_Builder.consult_fastavro`); `consult_fastavro` asks it
    always, which gives the same verdicts, more slowly.
    """
    from gate.formats.avro.loadjson import (
        SHALLOW,
        load,
        nesting_depth,
        recursion_headroom,
        strip_comments,
    )

    value, clean, depth = load(schema.text)
    strict = not registered
    available, known_depths = _references_offered(schema.resolved_references, strict)
    ref_depths = list(known_depths)
    built: tuple[_Builder, Node, Any] | None = None
    measured: int | None = None
    try:
        if depth is None or None in ref_depths:
            # not measured, so no deeper than the recursion limit allows: most likely shallow
            try:
                built = _build(value, available, consult_fastavro, measured=False, strict=strict)
            except RecursionError:
                if depth is None:
                    depth = nesting_depth(clean)
                ref_depths = [
                    nesting_depth(strip_comments(text)) if known is None else known
                    for known, (_, text) in zip(ref_depths, schema.resolved_references, strict=True)
                ]
        if built is None:
            # inlined references nest below the places that use them
            measured = (depth or 0) + max((d or 0 for d in ref_depths), default=0)
            try:
                with recursion_headroom(measured > SHALLOW):
                    built = _build(value, available, consult_fastavro, measured=True, strict=strict)
            except RecursionError:
                raise SchemaInvalid("the schema is nested too deeply", "", None) from None
    except SchemaInvalid as error:
        if error.line is None:
            error.line = line_of(clean, error.pointer)
        raise
    builder, root, out = built
    return AvroSchema(
        text=schema.text,
        json=out,
        root=root,
        names=dict(builder.names),
        reference_names=tuple(name for name, _ in schema.resolved_references),
        measured_depth=measured,
        reference_texts=tuple(text for _, text in schema.resolved_references),
    )


# the named types offered by a list of referenced schemas, by the list: every version of a
# subject, and every subject of a rule, shares its references. Neither the definitions nor the
# JSON they hold are modified by a parse (a builder copies what it takes from them)
_Offered = tuple[dict[str, _RefDef], tuple[int | None, ...]]
_OFFERED: OrderedDict[tuple[tuple[tuple[str, str], ...], bool], _Offered] = OrderedDict()
_OFFERED_LIMIT = 64


def _references_offered(references: tuple[tuple[str, str], ...], strict: bool = True) -> _Offered:
    """The named types `references` define, parsed in order (each may use the earlier ones),
    and each one's depth (None where not measured); remembered for the most recent lists.
    `strict`: by a new schema's rules (the registry parses a schema's references with it)."""
    if not references:
        return {}, ()
    key = (references, strict)
    found = _OFFERED.get(key)
    if found is not None:
        _OFFERED.move_to_end(key)
        return found
    available: dict[str, _RefDef] = {}
    depths: list[int | None] = []
    for ref_name, ref_text in references:
        definitions, one_depth = _reference_definitions(ref_name, ref_text, available, strict)
        available.update(definitions)
        depths.append(one_depth)
    found = _OFFERED[key] = (available, tuple(depths))
    if len(_OFFERED) > _OFFERED_LIMIT:
        _OFFERED.popitem(last=False)
    return found


def _reference_definitions(
    ref_name: str, ref_text: str, earlier: dict[str, _RefDef], strict: bool = True
) -> tuple[dict[str, _RefDef], int | None]:
    """The named types a referenced schema defines, validated, ready to inline; and its depth
    (None when not measured)."""
    from gate.formats.avro.loadjson import SHALLOW, load, nesting_depth, recursion_headroom

    try:
        value, clean, depth = load(ref_text)
        builder: _Builder | None = None
        if depth is None:
            try:
                builder = _Builder(earlier, strict)
                builder.walk(value, "", None)
            except RecursionError:
                builder = None
                depth = nesting_depth(clean)
        if builder is None:
            with recursion_headroom(depth is not None and depth > SHALLOW):
                builder = _Builder(earlier, strict)
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
        node.fullname: _RefDef(raw, namespace)
        for node, raw, namespace in builder.defined
        if node.fullname not in builder.from_references
    }
    return offered, depth


def _fastavro_accepts(value: Any, measured: bool) -> None:
    """Raise `SchemaInvalid` when fastavro refuses `value`.

    Where our own rules passed, fastavro refuses only: a reference it looks up in the enclosing
    namespace alone (Java falls back to the null namespace); a name written with a leading dot;
    a namespace that is not a string; an enum symbol beyond ASCII; a field's `"aliases": null`;
    a float or double default that is not a JSON float where it wants one; a top-level
    `__fastavro_parsed` key. The builder asks only then. A `RecursionError` goes up as it is
    unless the depth was `measured` (the caller then retries with room to recurse).
    """
    from fastavro.schema import parse_schema as fastavro_parse_schema

    try:
        fastavro_parse_schema(value, _write_hint=False)
    except RecursionError:
        if not measured:
            raise
        raise SchemaInvalid("the schema is nested too deeply", "", None) from None
    except Exception as error:  # any refusal by fastavro makes the schema unusable
        raise SchemaInvalid(
            f"fastavro refuses the schema ({type(error).__name__}: {error})", "", None
        ) from None
