"""The parsed form of an Avro schema: a graph of nodes, one per place a type is written.

Every node knows the JSON Pointer of where it stands in the schema's JSON (`AvroSchema.json`, which
is the schema text with referenced types inlined at first use), so the checker can say where a
problem is without walking back. Named types are shared: a record used in three fields is one
`Record` node, defined at its first use, and recursive types are cycles in the graph. Nodes are
built once by the parser and never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_KINDS = frozenset({"record", "enum", "fixed"})


@dataclass(frozen=True)
class Logical:
    """A valid logical type: its name, and for decimals their precision and scale."""

    name: str
    precision: int | None = None
    scale: int | None = None

    def __str__(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision}, {self.scale})"
        return self.name


class Node:
    """One type at one place of a schema."""

    __slots__ = ("kind", "pointer")

    kind: str
    pointer: str

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

    @property
    def logical(self) -> Logical | None:
        return self._logical


class Array(Node):
    __slots__ = ("items",)

    def __init__(self, pointer: str, items: Node) -> None:
        self.kind = "array"
        self.pointer = pointer
        self.items = items


class Map(Node):
    __slots__ = ("values",)

    def __init__(self, pointer: str, values: Node) -> None:
        self.kind = "map"
        self.pointer = pointer
        self.values = values


class Union(Node):
    __slots__ = ("branches",)

    def __init__(self, pointer: str, branches: tuple[Node, ...]) -> None:
        self.kind = "union"
        self.pointer = pointer
        self.branches = branches


class Named(Node):
    """A record, enum or fixed: it has a full name and may have aliases."""

    __slots__ = ("name", "namespace", "fullname", "aliases", "raw_aliases", "doc", "props")

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
        props: Mapping[str, Any],
    ) -> None:
        self.kind = kind
        self.pointer = pointer
        self.name = name
        self.namespace = namespace
        self.fullname = f"{namespace}.{name}" if namespace else name
        self.raw_aliases = aliases
        self.aliases = frozenset(qualify(alias, namespace) for alias in aliases)
        self.doc = doc
        self.props = props

    @property
    def is_named(self) -> bool:
        return True

    @property
    def branch_key(self) -> str:
        return self.fullname


class Record(Named):
    __slots__ = ("fields", "field_map", "is_error")

    fields: tuple[Field, ...]
    field_map: dict[str, Field]

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
        self._init_named("record", pointer, name, namespace, aliases, doc, props or {})
        self.is_error = is_error
        # fields are set once, after the record is registered, so that they may refer to it
        self.fields = ()
        self.field_map = {}

    def set_fields(self, fields: tuple[Field, ...]) -> None:
        self.fields = fields
        self.field_map = {f.name: f for f in fields}


class Enum(Named):
    __slots__ = ("symbols", "symbol_set", "default")

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
        self._init_named("enum", pointer, name, namespace, aliases, doc, props or {})
        self.symbols = symbols
        self.symbol_set = frozenset(symbols)
        self.default = default


class Fixed(Named):
    __slots__ = ("size", "_logical")

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
        self._init_named("fixed", pointer, name, namespace, aliases, doc, props or {})
        self.size = size
        self._logical = logical

    @property
    def logical(self) -> Logical | None:
        return self._logical


@dataclass(eq=False, slots=True)
class Field:
    """A record field; `pointer` is the field object's place, its type is at `pointer + /type`."""

    name: str
    index: int
    pointer: str
    type: Node
    has_default: bool
    default: Any
    aliases: tuple[str, ...] = ()
    doc: str | None = None
    order: str = "ascending"
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def type_pointer(self) -> str:
        return self.pointer + "/type"


def qualify(name: str, namespace: str | None) -> str:
    """The full name of `name` written inside `namespace`, as Java's `Schema.Name` computes it."""
    if "." in name:
        space, _, short = name.rpartition(".")
        return f"{space}.{short}" if space else short
    return f"{namespace}.{name}" if namespace else name


@dataclass(frozen=True, eq=False)
class AvroSchema:
    """A parsed, valid Avro schema.

    `text` is the schema text as given; `json` the schema as a JSON value with referenced named
    types inlined at their first use (and logical types Avro ignores as invalid left out), which
    `fastavro.parse_schema` accepts as is; `root` the node graph the checker walks; `names` every
    named type by full name.
    """

    text: str
    json: Any
    root: Node
    names: Mapping[str, Named]
    reference_names: tuple[str, ...] = ()
    depth: int = 0  # how deeply its JSON nests (a bound), to size the recursion it needs

    def __repr__(self) -> str:
        return f"AvroSchema({describe_short(self.root)})"


def describe_short(node: Node) -> str:
    if isinstance(node, Named):
        return f"{node.kind} {node.fullname}"
    return node.kind
