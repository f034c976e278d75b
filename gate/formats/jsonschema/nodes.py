"""The typed form of a JSON Schema that the checker compares.

A schema object is split the way Confluent's registry models it: every group of keywords becomes
one typed node (string, number, object, array, enum, const, allOf/anyOf/oneOf, not, $ref...), and
an object that carries several groups (`{"type": "string", "enum": [...]}`) becomes a synthetic
`allOf` of them. Every node remembers the JSON Pointer of the schema object it came from, so a
difference can be shown at its place in the file.

Nodes form a graph (a recursive `$ref` points back up), so they are plain objects rather than
frozen values; only `ParsedJsonSchema`, which wraps the graph, crosses module boundaries.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gate.jsonpos import join_pointer

if TYPE_CHECKING:
    from gate.model import Schema


class Draft(enum.Enum):
    """The JSON Schema drafts the registry supports, in order."""

    DRAFT4 = 4
    DRAFT6 = 6
    DRAFT7 = 7
    DRAFT2019_09 = 2019
    DRAFT2020_12 = 2020

    @property
    def label(self) -> str:
        return {
            Draft.DRAFT4: "draft-04",
            Draft.DRAFT6: "draft-06",
            Draft.DRAFT7: "draft-07",
            Draft.DRAFT2019_09: "draft 2019-09",
            Draft.DRAFT2020_12: "draft 2020-12",
        }[self]

    @property
    def meta_uri(self) -> str:
        return {
            Draft.DRAFT4: "http://json-schema.org/draft-04/schema#",
            Draft.DRAFT6: "http://json-schema.org/draft-06/schema#",
            Draft.DRAFT7: "http://json-schema.org/draft-07/schema#",
            Draft.DRAFT2019_09: "https://json-schema.org/draft/2019-09/schema",
            Draft.DRAFT2020_12: "https://json-schema.org/draft/2020-12/schema",
        }[self]

    def at_least(self, other: Draft) -> bool:
        return self.value >= other.value


@dataclass(frozen=True)
class Place:
    """Where a node lives: a pointer in the root document, or in a referenced document."""

    pointer: str
    document: str | None = None  # None: the schema itself; else the referenced document's name

    def child(self, *tokens: str | int) -> Place:
        return Place(join_pointer(self.pointer, *tokens), self.document)


class Node:
    """A typed piece of a schema. Subclasses add the keywords the checker compares."""

    __slots__ = ("place", "raw", "title", "description", "default", "has_default", "id",
                 "connect_type")

    kind = "schema"

    def __init__(self, place: Place, raw: Any) -> None:
        self.place = place
        self.raw = raw  # the JSON value of the schema object this node was built from
        self.title: Any = None
        self.description: Any = None
        self.default: Any = None
        self.has_default = False
        self.id: Any = None
        self.connect_type: Any = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {self.place.pointer or '/'}>"


class EmptyNode(Node):
    """`{}` or `true`: accepts every value."""

    __slots__ = ()
    kind = "an unconstrained schema"


class FalseNode(Node):
    """`false`: accepts nothing."""

    __slots__ = ()
    kind = "`false`"


class BooleanNode(Node):
    __slots__ = ()
    kind = "a boolean schema"


class NullNode(Node):
    __slots__ = ()
    kind = "a null schema"


class StringNode(Node):
    __slots__ = ("min_length", "max_length", "pattern")
    kind = "a string schema"

    def __init__(self, place: Place, raw: Any) -> None:
        super().__init__(place, raw)
        self.min_length: int | None = None
        self.max_length: int | None = None
        self.pattern: str | None = None


class NumberNode(Node):
    __slots__ = ("requires_integer", "minimum", "maximum", "exclusive_minimum",
                 "exclusive_maximum", "multiple_of")
    kind = "a number schema"

    def __init__(self, place: Place, raw: Any) -> None:
        super().__init__(place, raw)
        self.requires_integer = False
        self.minimum: int | float | None = None
        self.maximum: int | float | None = None
        # draft 6 and later: the numeric limits; draft 4's boolean flags are not compared,
        # exactly as the registry does not compare them
        self.exclusive_minimum: int | float | None = None
        self.exclusive_maximum: int | float | None = None
        self.multiple_of: int | float | None = None


class EnumNode(Node):
    __slots__ = ("values",)
    kind = "an enum"

    def __init__(self, place: Place, raw: Any, values: list[Any]) -> None:
        super().__init__(place, raw)
        self.values = values


class ConstNode(Node):
    __slots__ = ("value",)
    kind = "a const"

    def __init__(self, place: Place, raw: Any, value: Any) -> None:
        super().__init__(place, raw)
        self.value = value


@dataclass
class Dependency:
    """One entry of `dependencies` / `dependentRequired` / `dependentSchemas`."""

    place: Place
    names: tuple[str, ...] = ()
    schema: Node | None = None


class ObjectNode(Node):
    __slots__ = ("properties", "pattern_properties", "additional", "required", "required_place",
                 "property_dependencies", "schema_dependencies", "min_properties",
                 "max_properties", "unevaluated")
    kind = "an object schema"

    def __init__(self, place: Place, raw: Any) -> None:
        super().__init__(place, raw)
        self.properties: dict[str, Node] = {}
        self.pattern_properties: list[tuple[str, re.Pattern[str], Node]] = []
        # True: extra properties allowed with no schema; False: forbidden; a Node: their schema
        self.additional: bool | Node = True
        self.required: list[str] = []
        self.required_place = place.child("required")
        self.property_dependencies: dict[str, Dependency] = {}
        self.schema_dependencies: dict[str, Dependency] = {}
        self.min_properties: int | None = None
        self.max_properties: int | None = None
        # None: absent; True / False / a Node as written
        self.unevaluated: bool | Node | None = None


class ArrayNode(Node):
    __slots__ = ("all_items", "item_list", "item_keyword", "additional", "additional_keyword",
                 "min_items", "max_items", "unique_items", "unevaluated")
    kind = "an array schema"

    def __init__(self, place: Place, raw: Any) -> None:
        super().__init__(place, raw)
        self.all_items: Node | None = None
        self.item_list: list[Node] = []
        self.item_keyword = "items"  # `prefixItems` in draft 2020-12
        self.additional: bool | Node = True
        self.additional_keyword = "additionalItems"  # `items` in draft 2020-12
        self.min_items: int | None = None
        self.max_items: int | None = None
        self.unique_items = False
        self.unevaluated: bool | Node | None = None


class CombinedNode(Node):
    __slots__ = ("criterion", "subschemas", "synthetic")
    kind = "a combined schema"

    def __init__(self, place: Place, raw: Any, criterion: str, subschemas: list[Node],
                 synthetic: bool = False) -> None:
        super().__init__(place, raw)
        self.criterion = criterion  # "allOf", "anyOf" or "oneOf"
        self.subschemas = subschemas
        # True when the registry's model made it up: several keyword groups in one object, or a
        # list of types; its members share the object's pointer
        self.synthetic = synthetic

    @property
    def description_of_kind(self) -> str:
        return f"an {self.criterion}" if self.criterion != "oneOf" else "a oneOf"


class NotNode(Node):
    __slots__ = ("schema",)
    kind = "a not schema"

    def __init__(self, place: Place, raw: Any, schema: Node) -> None:
        super().__init__(place, raw)
        self.schema = schema


class ConditionalNode(Node):
    """`if` / `then` / `else`: kept so a change of kind is seen; its parts are not compared."""

    __slots__ = ()
    kind = "an if/then/else schema"


class RefNode(Node):
    """A `$ref`; `target` is filled in once every document is loaded."""

    __slots__ = ("ref", "uri", "target")
    kind = "a reference"

    def __init__(self, place: Place, raw: Any, ref: str, uri: str) -> None:
        super().__init__(place, raw)
        self.ref = ref  # as written
        self.uri = uri  # absolute, resolved against the base URI in scope
        self.target: Node | None = None


def kind_of(node: Node) -> str:
    """A short phrase naming what a node is, for messages."""
    if isinstance(node, CombinedNode):
        if node.synthetic and node.criterion == "allOf":
            return "a schema combining " + ", ".join(kind_of(sub) for sub in node.subschemas)
        if node.synthetic and isinstance(node.raw, dict):
            from json import dumps

            return f"types {dumps(node.raw.get('type'))}"
        return node.description_of_kind
    if isinstance(node, NumberNode):
        return "an integer schema" if node.requires_integer else "a number schema"
    if isinstance(node, ConstNode):
        from json import dumps

        return f"const {dumps(node.value)}"
    if isinstance(node, EnumNode):
        from json import dumps

        return f"enum {dumps(node.values)}"
    return node.kind


@dataclass(frozen=True, eq=False)
class ParsedJsonSchema:
    """A parsed, validated JSON Schema: what `JsonSchemaFormat.parse` returns.

    `document` is the JSON value as written; `root` the typed graph the checker compares;
    `resources` every document reachable through `$ref` (root included) by absolute URI, so a
    validator can be built that resolves references without touching the network.
    """

    schema: Schema
    document: Any
    draft: Draft
    base_uri: str
    root: Node = field(compare=False)
    resources: tuple[tuple[str, Any, Draft], ...] = field(default=(), compare=False)
    depth: int = 0  # the deepest nesting of JSON containers in any loaded document
    # how many `$ref`s the graph holds: each may lead one level deeper when comparing
    references: int = 0

    def validator(self) -> Any:
        """A `jsonschema` validator for instances of this schema; `$ref`s resolve locally."""
        from gate.formats.jsonschema.loader import build_validator

        return build_validator(self)

    def errors(self, instance: Any) -> list[str]:
        """Why `instance` does not validate (empty: it does)."""
        from gate.formats.jsonschema.deep import call_deep

        def run() -> list[str]:
            from referencing.exceptions import Unresolvable

            try:
                return [
                    f"{error.json_path}: {error.message}"
                    for error in self.validator().iter_errors(instance)
                ]
            except Unresolvable as error:
                return [f"$: the schema's reference {error.ref!r} cannot be resolved"]
            except re.error as error:
                return [f"$: a pattern of the schema cannot be evaluated here: {error}"]

        return call_deep(run, max(self.depth, _depth(instance)) + self.references)


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in item)
    return deepest
