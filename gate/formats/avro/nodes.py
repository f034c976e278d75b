"""The parsed form of an Avro schema: a graph of nodes, one per place a type is written.

Every node knows the JSON Pointer of where it stands in the schema's JSON (`AvroSchema.json`, which
is the schema text with referenced types inlined at first use), so the checker can say where a
problem is without walking back. Named types are shared: a record used in three fields is one
`Record` node, defined at its first use, and recursive types are cycles in the graph. Nodes are
built once by the parser and never changed afterwards.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gate import records
from gate.formats.avro import PRIMITIVES as PRIMITIVES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

NAMED_KINDS = frozenset({"record", "enum", "fixed"})

# writer kind -> reader kinds that read it by promotion
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}

_NO_ALIASES: frozenset[str] = frozenset()
_UNKNOWN: Any = object()
# the properties of a type or field that has none beyond the ones Avro defines (shared, read-only)
NO_PROPS: Mapping[str, Any] = MappingProxyType({})


class Logical(records.Record):
    """A valid logical type: its name, and for decimals their precision and scale."""

    name: str
    precision: int | None = None
    scale: int | None = None

    def __str__(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision}, {self.scale})"
        return self.name


class Node:
    """One type at one place of a schema.

    `fp` (fingerprint) is a value built bottom-up from the children's when the node is built,
    equal for two nodes only when schema resolution cannot tell them apart: it holds, all the
    way down, everything resolution reads (kinds, names, full names, aliases, fields in order with
    their aliases and whether they have a default, symbols, enum defaults, sizes, logical types),
    and leaves out what it does not read (docs, properties, orders, default values). It is None
    for a type that is recursive or refers to one, and for a type that, read by an identical copy
    of itself, would yield any issue at all (a field alias naming a field of the same record; a
    union in which a branch may read a later one with a warning, or with two named types of one
    kind). So two nodes with equal fingerprints other than None read each other with no issue,
    and the checker answers for them without walking them.
    """

    __slots__ = ("fp", "kind", "pointer")

    kind: str
    pointer: str
    fp: Any

    @property
    def is_named(self) -> bool:
        return False

    @property
    def logical(self) -> Logical | None:
        return None

    @property
    def branch_key(self) -> str:
        """The name a union tells its branches apart by: a full name, or the type's kind."""
        return self.kind


class Primitive(Node):
    __slots__ = ("_logical",)

    def __init__(self, kind: str, pointer: str, logical: Logical | None = None) -> None:
        self.kind = kind
        self.pointer = pointer
        self._logical = logical
        self.fp = kind if logical is None else ("p", kind, *_logical_key(logical))

    @property
    def logical(self) -> Logical | None:
        return self._logical


class Array(Node):
    __slots__ = ("items",)

    def __init__(self, pointer: str, items: Node) -> None:
        self.kind = "array"
        self.pointer = pointer
        self.items = items
        inner = items.fp
        self.fp = None if inner is None else ("a", inner)


class Map(Node):
    __slots__ = ("values",)

    def __init__(self, pointer: str, values: Node) -> None:
        self.kind = "map"
        self.pointer = pointer
        self.values = values
        inner = values.fp
        self.fp = None if inner is None else ("m", inner)


class Union(Node):
    __slots__ = ("branches",)

    def __init__(self, pointer: str, branches: tuple[Node, ...], fp: Any = _UNKNOWN) -> None:
        """`fp`, when the builder knows it, must be what `_union_fingerprint` would make."""
        self.kind = "union"
        self.pointer = pointer
        self.branches = branches
        self.fp = _union_fingerprint(branches) if fp is _UNKNOWN else fp


class Named(Node):
    """A record, enum or fixed: it has a full name and may have aliases."""

    __slots__ = ("aliases", "doc", "fullname", "name", "namespace", "props", "raw_aliases")

    name: str
    namespace: str | None
    fullname: str
    # aliases as full names, qualified with this type's namespace the way Java does
    aliases: frozenset[str]
    raw_aliases: tuple[str, ...]
    doc: str | None
    props: Mapping[str, Any]

    def _init_named(
        self,
        kind: str,
        pointer: str,
        name: str,
        namespace: str | None,
        aliases: tuple[str, ...],
        doc: str | None,
        props: Mapping[str, Any] | None,
    ) -> None:
        self.kind = kind
        self.pointer = pointer
        self.name = name
        self.namespace = namespace
        self.fullname = f"{namespace}.{name}" if namespace else name
        self.raw_aliases = aliases
        self.aliases = (
            frozenset([qualify(alias, namespace) for alias in aliases]) if aliases else _NO_ALIASES
        )
        self.doc = doc
        self.props = NO_PROPS if props is None else props
        # a record's is set with its fields; until then it counts as recursive
        self.fp = None

    @property
    def is_named(self) -> bool:
        return True

    @property
    def branch_key(self) -> str:
        return self.fullname


class Record(Named):
    __slots__ = ("field_aliases", "field_map", "fields", "is_error")

    fields: tuple[Field, ...]
    field_map: dict[str, Field]
    field_aliases: bool  # whether a field has aliases

    def __init__(
        self,
        pointer: str,
        name: str,
        namespace: str | None,
        aliases: tuple[str, ...] = (),
        doc: str | None = None,
        props: Mapping[str, Any] | None = None,
        is_error: bool = False,
    ) -> None:
        self._init_named("record", pointer, name, namespace, aliases, doc, props)
        self.is_error = is_error
        # fields are set once, after the record is registered, so that they may refer to it
        self.fields = ()
        self.field_map = {}
        self.field_aliases = False

    def set_fields(
        self, fields: tuple[Field, ...], field_map: dict[str, Field] | None = None
    ) -> None:
        """Set the fields once; `field_map`, when given, must be `{f.name: f for f in fields}`."""
        self.fields = fields
        self.field_map = {f.name: f for f in fields} if field_map is None else field_map
        self.fp = _record_fingerprint(self)  # (and `field_aliases`)


class Enum(Named):
    __slots__ = ("default", "symbol_set", "symbols")

    def __init__(
        self,
        pointer: str,
        name: str,
        namespace: str | None,
        symbols: tuple[str, ...],
        default: str | None = None,
        aliases: tuple[str, ...] = (),
        doc: str | None = None,
        props: Mapping[str, Any] | None = None,
    ) -> None:
        self._init_named("enum", pointer, name, namespace, aliases, doc, props)
        self.symbols = symbols
        self.symbol_set = frozenset(symbols)
        self.default = default
        self.fp = ("e", self.name, self.fullname, self.aliases, symbols, default)


class Fixed(Named):
    __slots__ = ("_logical", "size")

    def __init__(
        self,
        pointer: str,
        name: str,
        namespace: str | None,
        size: int,
        logical: Logical | None = None,
        aliases: tuple[str, ...] = (),
        doc: str | None = None,
        props: Mapping[str, Any] | None = None,
    ) -> None:
        self._init_named("fixed", pointer, name, namespace, aliases, doc, props)
        self.size = size
        self._logical = logical
        self.fp = ("f", self.name, self.fullname, self.aliases, size, *_logical_key(logical))

    @property
    def logical(self) -> Logical | None:
        return self._logical


_NEW_DICT: Any = object()


class Field:
    """A record field; `pointer` is the field object's place, its type is at `pointer + /type`.

    (A plain class, not a dataclass: defining one costs more at import than all its uses save.)
    """

    __match_args__ = (
        "name",
        "index",
        "pointer",
        "type",
        "has_default",
        "default",
        "aliases",
        "doc",
        "order",
        "props",
    )
    __slots__ = (
        "aliases",
        "default",
        "doc",
        "fp_part",
        "has_default",
        "index",
        "name",
        "order",
        "pointer",
        "props",
        "type",
    )

    name: str
    index: int
    pointer: str
    type: Node
    has_default: bool
    default: Any
    aliases: tuple[str, ...]
    doc: str | None
    order: str
    props: Mapping[str, Any]
    # this field's part of its record's fingerprint (see `_record_fingerprint`)
    fp_part: Any

    def __init__(
        self,
        name: str,
        index: int,
        pointer: str,
        type: Node,
        has_default: bool,
        default: Any,
        aliases: tuple[str, ...] = (),
        doc: str | None = None,
        order: str = "ascending",
        props: Mapping[str, Any] = _NEW_DICT,
    ) -> None:
        self.name = name
        self.index = index
        self.pointer = pointer
        self.type = type
        self.has_default = has_default
        self.default = default
        self.aliases = aliases
        self.doc = doc
        self.order = order
        self.props = {} if props is _NEW_DICT else props
        self.fp_part = None

    def __repr__(self) -> str:
        return (
            f"Field(name={self.name!r}, index={self.index!r}, pointer={self.pointer!r}, "
            f"type={self.type!r}, has_default={self.has_default!r}, default={self.default!r}, "
            f"aliases={self.aliases!r}, doc={self.doc!r}, order={self.order!r}, "
            f"props={self.props!r})"
        )

    @property
    def type_pointer(self) -> str:
        return self.pointer + "/type"


def names_match(r: Named, w: Named) -> bool:
    """Java's `schemaNameEquals`: same unqualified name, or a reader alias is the writer's."""
    return r.name == w.name or w.fullname in r.aliases


def _logical_key(logical: Logical | None) -> tuple[Any, ...]:
    if logical is None:
        return (None, None, None)
    return (logical.name, logical.precision, logical.scale)


def primitive_union_fingerprint(kinds: tuple[str, ...]) -> Any:
    """The fingerprint of a union of distinct primitive type names, such as `["null", "int"]`:
    without logical types, no branch reads a later one with a warning."""
    return ("u", *kinds)


def _union_fingerprint(branches: tuple[Node, ...]) -> Any:
    fps = [branch.fp for branch in branches]
    if None in fps:
        return None
    # reading the union with an identical one probes, for each writer branch, the reader's
    # earlier branches first: one that reads it by promotion with another logical type answers
    # with a warning, and one of the same named kind is checked against it in full
    for i in range(1, len(branches)):
        w = branches[i]
        promoted = PROMOTIONS.get(w.kind)
        for j in range(i):
            r = branches[j]
            if promoted is not None and r.kind in promoted:
                if r.logical != w.logical:
                    return None
            elif r.kind == w.kind:
                return None
    return ("u", *fps)


def _record_fingerprint(record: Record) -> Any:
    """The record's fingerprint; sets `field_aliases` on the way."""
    key: list[Any] = ["r", record.name, record.fullname, record.aliases]
    names = record.field_map
    aliased = False
    for one in record.fields:
        part = one.fp_part
        if part is None:
            type_fp = one.type.fp
            if type_fp is None:
                record.field_aliases = any(field.aliases for field in record.fields)
                return None
            # a field is shared by the versions of a schema: its part is made once (and only
            # once its type's fingerprint is known, which a recursive type's is not at first)
            part = one.fp_part = (one.name, one.aliases, one.has_default, type_fp)
        if one.aliases:
            aliased = True
            for alias in one.aliases:
                # matched twice (or to another field) when read by an identical record
                if alias in names:
                    record.field_aliases = True
                    return None
        key.append(part)
    record.field_aliases = aliased
    return tuple(key)


def fields_apart(mine: tuple[Field, ...], theirs: tuple[Field, ...]) -> Sequence[Field]:
    """The fields of `mine` that `theirs` does not hold at the same place, in order: a field two
    versions repeat as written is one object at one index (see `parse._SHARED_FIELDS`)."""
    common = min(len(mine), len(theirs))
    if mine[:common] == theirs[:common]:  # (Field has no `==`: a tuple compares by identity)
        return mine[common:]
    apart = [one for one, other in zip(mine, theirs, strict=False) if one is not other]
    return apart + list(mine[common:])


def qualify(name: str, namespace: str | None) -> str:
    """The full name of `name` written inside `namespace`, as Java's `Schema.Name` computes it."""
    if "." in name:
        space, _, short = name.rpartition(".")
        return f"{space}.{short}" if space else short
    return f"{namespace}.{name}" if namespace else name


class AvroSchema:
    """A parsed, valid Avro schema.

    `text` is the schema text as given; `json` the schema as a JSON value with referenced named
    types inlined at their first use (and logical types Avro ignores as invalid left out), which
    `fastavro.parse_schema` accepts as is; `root` the node graph the checker walks; `names` every
    named type by full name; `depth` how deeply its JSON nests with the referenced types inlined
    (a bound).

    (A plain class, as `Field` is: every parse builds one, never changed afterwards, equal to
    itself only.)
    """

    __slots__ = (
        "_depth",
        "json",
        "measured_depth",
        "names",
        "reference_names",
        "reference_texts",
        "root",
        "text",
    )

    def __init__(
        self,
        text: str,
        json: Any,
        root: Node,
        names: Mapping[str, Named],
        reference_names: tuple[str, ...] = (),
        measured_depth: int | None = None,
        reference_texts: tuple[str, ...] = (),
    ) -> None:
        self.text = text
        self.json = json
        self.root = root
        self.names = names
        self.reference_names = reference_names
        # the depth when parsing measured it (deep schemas, see `loadjson.load`); when None,
        # `depth` is measured on first use, from the text and the referenced schemas' texts
        self.measured_depth = measured_depth
        self.reference_texts = reference_texts
        self._depth = measured_depth

    @property
    def depth(self) -> int:
        """How deeply its JSON nests, referenced types inlined below their uses (a bound)."""
        if self._depth is None:
            from gate.formats.avro.loadjson import nesting_depth, strip_comments

            own = nesting_depth(strip_comments(self.text))
            self._depth = own + max(
                (nesting_depth(strip_comments(text)) for text in self.reference_texts), default=0
            )
        return self._depth

    @property
    def deep(self) -> bool:
        """Known, from parsing, to nest deeper than Python's default recursion limit comfortably
        allows: walks over it make room to recurse before they start. (Walks over any other
        schema start without, and make room only if they run out of it.)"""
        if self.measured_depth is None:
            return False  # the common case, without the import below
        from gate.formats.avro.loadjson import SHALLOW

        return self.measured_depth > SHALLOW

    def __repr__(self) -> str:
        return f"AvroSchema({describe_short(self.root)})"


def describe_short(node: Node) -> str:
    if isinstance(node, Named):
        return f"{node.kind} {node.fullname}"
    return node.kind
