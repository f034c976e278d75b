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
import functools
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
        # `_value_` rather than `value`: the property costs more than the comparison
        return bool(self._value_ >= other._value_)


class Place:
    """Where a node lives: a pointer in the root document, or in a referenced document.

    A value: equal and hashing by pointer and document, and never changed once made. Not a
    frozen dataclass only because a schema has one per node, and building them must be cheap.
    """

    __slots__ = ("document", "pointer")

    def __init__(self, pointer: str, document: str | None = None) -> None:
        self.pointer = pointer
        # None: the schema itself; else the referenced document's name
        self.document = document

    def child(self, *tokens: str | int) -> Place:
        return Place(join_pointer(self.pointer, *tokens), self.document)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Place:
            return NotImplemented
        assert isinstance(other, Place)
        return self.pointer == other.pointer and self.document == other.document

    def __hash__(self) -> int:
        return hash((self.pointer, self.document))

    def __repr__(self) -> str:
        return f"Place(pointer={self.pointer!r}, document={self.document!r})"


def child_pointer(pointer: str, token: str) -> str:
    """`join_pointer(pointer, token)` for one string token, without the general machinery."""
    if "~" in token or "/" in token:
        token = token.replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{token}"


class Node:
    """A typed piece of a schema. Subclasses add the keywords the checker compares.

    A schema has a node for every subschema, so building them must be cheap: every attribute
    whose value is usually the default is a class attribute, set on an instance only when it
    differs.
    """

    kind = "schema"

    title: Any = None
    description: Any = None
    default: Any = None
    has_default = False
    id: Any = None
    connect_type: Any = None
    # the draft the node was built under, when nothing below it can make two nodes built from
    # equal JSON differ (no `$ref`, no combination whose branches could be paired crosswise):
    # the checker then skips such pairs without walking them. None otherwise
    plain: Draft | None = None
    # which of the nodes built from one schema object this is (several are, when it holds
    # several groups of keywords): "type:string", "enum", "anyOf", "parts" (their
    # combination)... Two plain nodes built from equal JSON in the same role are alike
    role = ""
    # a byte string equal only for identical JSON, made when the checker first needs it
    fingerprint: bytes | None = None

    def __init__(self, place: Place, raw: Any) -> None:
        self.place = place
        self.raw = raw  # the JSON value of the schema object this node was built from

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {self.place.pointer or '/'}>"


class EmptyNode(Node):
    """`{}` or `true`: accepts every value."""

    kind = "an unconstrained schema"
    role = "empty"


class FalseNode(Node):
    """`false`: accepts nothing."""

    kind = "`false`"
    role = "false"


class BooleanNode(Node):
    kind = "a boolean schema"
    role = "type:boolean"


class NullNode(Node):
    kind = "a null schema"
    role = "type:null"


class StringNode(Node):
    kind = "a string schema"
    role = "type:string"

    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


class NumberNode(Node):
    kind = "a number schema"
    role = "type:number"  # "type:integer" when `requires_integer`

    requires_integer = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    # draft 6 and later: the numeric limits; draft 4's boolean flags are not compared, exactly
    # as the registry does not compare them
    exclusive_minimum: int | float | None = None
    exclusive_maximum: int | float | None = None
    multiple_of: int | float | None = None


class EnumNode(Node):
    kind = "an enum"
    role = "enum"

    def __init__(self, place: Place, raw: Any, values: list[Any]) -> None:
        self.place = place
        self.raw = raw
        self.values = values


class ConstNode(Node):
    kind = "a const"
    role = "const"

    def __init__(self, place: Place, raw: Any, value: Any) -> None:
        self.place = place
        self.raw = raw
        self.value = value


@dataclass
class Dependency:
    """One entry of `dependencies` / `dependentRequired` / `dependentSchemas`."""

    place: Place
    names: tuple[str, ...] = ()
    schema: Node | None = None


class ObjectNode(Node):
    kind = "an object schema"
    role = "type:object"

    # True: extra properties allowed with no schema; False: forbidden; a Node: their schema
    additional: bool | Node = True
    min_properties: int | None = None
    max_properties: int | None = None
    # None: absent; True / False / a Node as written
    unevaluated: bool | Node | None = None

    def __init__(self, place: Place, raw: Any) -> None:
        self.place = place
        self.raw = raw
        self.properties: dict[str, Node] = {}
        self.pattern_properties: list[tuple[str, re.Pattern[str], Node]] = []
        self.required: list[str] = []
        self.property_dependencies: dict[str, Dependency] = {}
        self.schema_dependencies: dict[str, Dependency] = {}

    @property
    def required_place(self) -> Place:
        return self.place.child("required")


class ArrayNode(Node):
    kind = "an array schema"
    role = "type:array"

    all_items: Node | None = None
    item_keyword = "items"  # `prefixItems` in draft 2020-12
    additional: bool | Node = True
    additional_keyword = "additionalItems"  # `items` in draft 2020-12
    min_items: int | None = None
    max_items: int | None = None
    unique_items = False
    unevaluated: bool | Node | None = None

    def __init__(self, place: Place, raw: Any) -> None:
        self.place = place
        self.raw = raw
        self.item_list: list[Node] = []


class CombinedNode(Node):
    kind = "a combined schema"

    def __init__(
        self,
        place: Place,
        raw: Any,
        criterion: str,
        subschemas: list[Node],
        synthetic: bool = False,
    ) -> None:
        self.place = place
        self.raw = raw
        self.criterion = criterion  # "allOf", "anyOf" or "oneOf"
        self.subschemas = subschemas
        # True when the registry's model made it up: several keyword groups in one object, or a
        # list of types; its members share the object's pointer
        self.synthetic = synthetic

    @property
    def description_of_kind(self) -> str:
        return f"an {self.criterion}" if self.criterion != "oneOf" else "a oneOf"


class NotNode(Node):
    kind = "a not schema"
    role = "not"

    def __init__(self, place: Place, raw: Any, schema: Node) -> None:
        self.place = place
        self.raw = raw
        self.schema = schema


class ConditionalNode(Node):
    """`if` / `then` / `else`: kept so a change of kind is seen; its parts are not compared."""

    kind = "an if/then/else schema"
    role = "if"


class RefNode(Node):
    """A `$ref`; `target` is filled in once every document is loaded."""

    kind = "a reference"
    role = "$ref"

    target: Node | None = None

    def __init__(self, place: Place, raw: Any, ref: str, uri: str) -> None:
        self.place = place
        self.raw = raw
        self.ref = ref  # as written
        self.uri = uri  # absolute, resolved against the base URI in scope


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

    @functools.cached_property
    def json(self) -> Any:
        """The schema as one self-contained document, for tools that follow only local `$ref`s
        (the payload simulator): the documents it references by name or file embedded."""
        from gate.formats.jsonschema.loader import bundle

        return bundle(self)

    def validator(self) -> Any:
        """A `jsonschema` validator for instances of this schema; `$ref`s resolve locally."""
        from gate.formats.jsonschema.loader import build_validator

        return build_validator(self)

    def errors(self, instance: Any) -> list[str]:
        """Why `instance` does not validate (empty: it does)."""
        from gate.deep import call_deep

        def run() -> list[str]:
            from referencing.exceptions import Unresolvable

            from gate.formats.jsonschema.patterns import PatternTooSlow

            try:
                return [
                    f"{error.json_path}: {error.message}"
                    for error in self.validator().iter_errors(instance)
                ]
            except Unresolvable as error:
                return [f"$: the schema's reference {error.ref!r} cannot be resolved"]
            except re.error as error:
                return [f"$: a pattern of the schema cannot be evaluated here: {error}"]
            except PatternTooSlow as error:
                return [f"$: {error}"]

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
