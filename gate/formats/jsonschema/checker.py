"""How Confluent Schema Registry judges a JSON Schema change, reproduced.

The registry does not ask "can every instance of the old schema be read with the new one?" (a
question with no general answer for JSON Schema). It walks the ORIGINAL schema and the UPDATE side
by side and names every structural difference: `MAX_LENGTH_DECREASED`, `TYPE_EXTENDED`,
`PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL`... A change is compatible when every difference is in the
policy's compatible set. BACKWARD checks the old version as original and the new one as update;
FORWARD swaps them.

Policies: STRICT (the registry's default) accepts only changes that cannot reject data written
with the original, and rejects some that no instance could notice (any change of schema kind,
any change of a regular expression). LENIENT also accepts changes to open and partially open
object content models (adding or removing properties there, narrowing or closing
`additionalProperties` / `unevaluatedProperties`), trusting producers not to have used the
freedom the original schema gave them.

Content models decide what adding or removing a property (or tuple position) means:
- open: `additionalProperties` absent or `true` (and no `patternProperties`, no constraining
  `unevaluatedProperties`): any undeclared property may hold any value, so data written with the
  original may already carry a property the update now types. Adding a typed property is
  incompatible (an empty schema `{}` is fine); removing one is compatible.
- closed: `additionalProperties: false` (or `unevaluatedProperties: false`): nothing undeclared
  can appear. Adding an optional property is compatible (a required one needs a default); removing
  one is incompatible, since old data may carry it and the update would reject it.
- partially open: `additionalProperties` (or a matching `patternProperties`, or
  `unevaluatedProperties`) is a schema: a property added or removed must be covered, that is,
  compared compatibly with that schema.
Arrays follow the same three models with `items` tuples and `additionalItems` (`prefixItems` and
`items` in draft 2020-12).

`$ref`s are followed; a pair of (original, update) subschemas already being compared higher up
is assumed compatible, which ends recursive schemas, and finished pairs are remembered.

Most of a new version is the old one unchanged, so a pair of subschemas that cannot differ is not
walked at all: both plain (no `$ref` below them, see `Node.plain`), built the same way under one
draft from identical JSON (`identical`).
"""

from __future__ import annotations

import marshal
import re
from dataclasses import dataclass
from typing import Any

from gate.deep import SHALLOW, call_deep
from gate.formats.jsonschema.kinds import Kind, compatible_kinds
from gate.formats.jsonschema.nodes import (
    ArrayNode,
    BooleanNode,
    CombinedNode,
    ConstNode,
    Dependency,
    Draft,
    EmptyNode,
    EnumNode,
    FalseNode,
    Node,
    NotNode,
    NullNode,
    NumberNode,
    ObjectNode,
    ParsedJsonSchema,
    Place,
    RefNode,
    StringNode,
    kind_of,
)
from gate.jsonpos import join_pointer
from gate.model import JsonPolicy

# keywords the registry does not compare at all; `diff` still mentions changes to them
NOT_COMPARED = (
    "format",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "if",
    "then",
    "else",
    "readOnly",
    "writeOnly",
    "deprecated",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
)


class Pos:
    """A place in one schema, and the pointer in that schema's own document to show for it
    (a place inside a referenced document is shown at the `$ref` that led there).

    A value: equal and hashing by both, and never changed once made. A light class rather than a
    frozen dataclass because the checker makes them for every pair of subschemas it compares.
    """

    __slots__ = ("at", "place")

    def __init__(self, place: Place, at: str) -> None:
        self.place = place
        self.at = at

    def child(self, *tokens: str | int) -> Pos:
        place = self.place
        if place.document is not None:
            return Pos(place.child(*tokens), self.at)
        pointer = join_pointer(place.pointer, *tokens)
        at = self.at
        # (the position in the root document is where the node is: the common case)
        return Pos(Place(pointer), pointer if at == place.pointer else join_pointer(at, *tokens))

    def of(self, node: Node) -> Pos:
        """The position of `node`, reached from here."""
        place = node.place
        return Pos(place, place.pointer if place.document is None else self.at)

    def at_place(self, place: Place) -> Pos:
        if place.document is None:
            return Pos(place, place.pointer)
        return Pos(place, self.at)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Pos:
            return NotImplemented
        assert isinstance(other, Pos)
        return self.place == other.place and self.at == other.at

    def __hash__(self) -> int:
        return hash((self.place, self.at))

    def __repr__(self) -> str:
        return f"Pos(place={self.place!r}, at={self.at!r})"


@dataclass(frozen=True)
class Difference:
    """One difference between an original schema and its update, as the registry names it."""

    kind: Kind
    original: Pos
    update: Pos
    name: str = ""  # the property, keyword or criterion concerned
    old: Any = None  # its value in the original
    new: Any = None  # its value in the update
    # True when no instance can tell the two apart although the registry still flags the change
    indistinguishable: bool = False


class _Run:
    def __init__(self, policy: JsonPolicy, drafts: tuple[Draft, Draft], notes: bool) -> None:
        self.compatible = compatible_kinds(policy)
        self.drafts = drafts
        self.notes = notes
        self.active: dict[tuple[int, int, str, str], int] = {}
        self.cache: dict[tuple[int, int, str, str], tuple[Difference, ...]] = {}
        self.lowest_hit = _NO_HIT
        self.keys: dict[int, str] = {}


_NO_HIT = 1 << 60


class _Context:
    __slots__ = ("diffs", "run")

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.diffs: list[Difference] = []

    def sub(self) -> _Context:
        return _Context(self.run)

    def add(
        self,
        kind: Kind,
        original: Pos,
        update: Pos,
        name: str = "",
        old: Any = None,
        new: Any = None,
        indistinguishable: bool = False,
    ) -> None:
        self.diffs.append(Difference(kind, original, update, name, old, new, indistinguishable))

    def compatible(self) -> bool:
        return all(diff.kind in self.run.compatible for diff in self.diffs)


def differences(
    original: ParsedJsonSchema,
    update: ParsedJsonSchema,
    policy: JsonPolicy = JsonPolicy.STRICT,
    notes: bool = False,
) -> list[Difference]:
    """Every difference from `original` to `update`; `notes` adds keywords not compared."""

    def walk() -> list[Difference]:
        ctx = _Context(_Run(policy, (original.draft, update.draft), notes))
        top = Pos(Place(""), "")
        compare(ctx, original.root, update.root, top, top)
        return ctx.diffs

    nesting = max(original.depth, update.depth)
    # each `$ref` may lead one level deeper, but most lead to a schema compared already
    estimate = nesting + original.references + update.references
    found: list[Difference] | None = None
    if nesting < SHALLOW <= estimate:
        # shallow schemas with many references: worth trying without a worker thread first
        # (starting one costs more than most comparisons); the walk has no side effects, so
        # one that runs out of stack is simply done again where the stack is large
        try:
            found = walk()
        except RecursionError:
            found = None
    if found is None:
        found = call_deep(walk, estimate)
    unique: dict[tuple[Any, ...], Difference] = {}
    for diff in found:
        key = (diff.kind, diff.original, diff.update, diff.name)
        unique.setdefault(key, diff)
    return list(unique.values())


def _deref(node: Node, pos: Pos) -> tuple[Node, Pos]:
    while isinstance(node, RefNode):
        assert node.target is not None, "references are resolved when the schema is parsed"
        node = node.target
        pos = pos.of(node)
    return node, pos


def compare(
    ctx: _Context, original: Node | None, update: Node | None, o_pos: Pos, u_pos: Pos
) -> None:
    """Add to `ctx` every difference between two subschemas (None: absent)."""
    if original is None and update is None:
        return
    if original is None:
        assert update is not None
        ctx.add(
            Kind.SCHEMA_ADDED,
            o_pos,
            u_pos,
            name=_last_token(u_pos),
            indistinguishable=isinstance(_deref(update, u_pos)[0], EmptyNode),
        )
        return
    if update is None:
        ctx.add(Kind.SCHEMA_REMOVED, o_pos, u_pos, name=_last_token(o_pos))
        return
    if original.plain is not None and identical(original, update):
        return
    original, o_pos = _deref(original, o_pos)
    update, u_pos = _deref(update, u_pos)
    if original is update and original.plain is not None:
        return  # one definition both versions share: `identical` holds
    run = ctx.run
    key = (
        id(original),
        id(update),
        o_pos.at if original.place.document else "",
        u_pos.at if update.place.document else "",
    )
    depth = run.active.get(key)
    if depth is not None:
        run.lowest_hit = min(run.lowest_hit, depth)
        return
    cached = run.cache.get(key)
    if cached is not None:
        ctx.diffs.extend(cached)
        return
    depth = len(run.active)
    run.active[key] = depth
    outer_hit, run.lowest_hit = run.lowest_hit, _NO_HIT
    inner = ctx.sub()
    try:
        _compare_resolved(inner, original, update, o_pos, u_pos)
    finally:
        del run.active[key]
    if run.lowest_hit >= depth:
        # nothing below assumed an ancestor compatible: the result holds wherever the pair recurs
        run.cache[key] = tuple(inner.diffs)
    run.lowest_hit = min(outer_hit, run.lowest_hit)
    ctx.diffs.extend(inner.diffs)


def _compare_resolved(ctx: _Context, original: Node, update: Node, o_pos: Pos, u_pos: Pos) -> None:
    if not isinstance(original, CombinedNode) and isinstance(update, CombinedNode):
        if _union_absorbs(ctx, original, update, o_pos, u_pos):
            return
    elif (
        isinstance(original, CombinedNode)
        and not isinstance(update, CombinedNode)
        and _product_absorbs(ctx, original, update, o_pos, u_pos)
    ):
        return
    if type(original) is not type(update):
        if isinstance(original, FalseNode) or isinstance(update, EmptyNode):
            return
        if original.connect_type == "bytes" and update.connect_type == "bytes":
            return  # Kafka Connect decimals: both forms hold the same bytes
        ctx.add(
            Kind.TYPE_CHANGED,
            o_pos,
            u_pos,
            old=kind_of(original),
            new=kind_of(update),
            indistinguishable=_accepts_all(ctx.run, original, update),
        )
        return
    _compare_metadata(ctx, original, update, o_pos, u_pos)
    if isinstance(original, StringNode):
        _compare_string(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, NumberNode):
        _compare_number(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, ConstNode):
        assert isinstance(update, ConstNode)
        if canonical(original.value) != canonical(update.value):
            ctx.add(
                Kind.ENUM_ARRAY_CHANGED,
                o_pos.child("const"),
                u_pos.child("const"),
                name="const",
                old=original.value,
                new=update.value,
            )
    elif isinstance(original, EnumNode):
        _compare_enum(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, CombinedNode):
        _compare_combined(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, NotNode):
        _compare_not(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, ObjectNode):
        _compare_object(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    elif isinstance(original, ArrayNode):
        _compare_array(ctx, original, update, o_pos, u_pos)  # type: ignore[arg-type]
    if ctx.run.notes:
        _note_uncompared(ctx, original, update, o_pos, u_pos)


def _union_absorbs(
    ctx: _Context, original: Node, update: CombinedNode, o_pos: Pos, u_pos: Pos
) -> bool:
    """The update wraps the original in a union (or a one-member combination)."""
    members = update.subschemas
    if len(members) == 1:
        sub = ctx.sub()
        compare(sub, original, members[0], o_pos, u_pos.of(members[0]))
        if sub.compatible():
            ctx.diffs.extend(sub.diffs)
            return True
    elif update.criterion in ("anyOf", "oneOf"):
        for member in members:
            sub = ctx.sub()
            compare(sub, original, member, o_pos, u_pos.of(member))
            if sub.compatible():
                ctx.diffs.extend(sub.diffs)
                ctx.add(Kind.SUM_TYPE_EXTENDED, o_pos, u_pos, name=update.criterion)
                return True
    return False


def _product_absorbs(
    ctx: _Context, original: CombinedNode, update: Node, o_pos: Pos, u_pos: Pos
) -> bool:
    """The update keeps one member of the original's allOf (or of a one-member combination)."""
    members = original.subschemas
    if len(members) == 1:
        sub = ctx.sub()
        compare(sub, members[0], update, o_pos.of(members[0]), u_pos)
        if sub.compatible():
            ctx.diffs.extend(sub.diffs)
            return True
    elif original.criterion == "allOf":
        for member in members:
            sub = ctx.sub()
            compare(sub, member, update, o_pos.of(member), u_pos)
            if sub.compatible():
                ctx.diffs.extend(sub.diffs)
                ctx.add(Kind.PRODUCT_TYPE_NARROWED, o_pos, u_pos, name="allOf")
                return True
    return False


def _compare_metadata(ctx: _Context, original: Node, update: Node, o_pos: Pos, u_pos: Pos) -> None:
    if not _equal(original.id, update.id):
        ctx.add(
            Kind.ID_CHANGED,
            o_pos.child("$id"),
            u_pos.child("$id"),
            name="$id",
            old=original.id,
            new=update.id,
        )
    if not _equal(original.title, update.title):
        ctx.add(
            Kind.TITLE_CHANGED,
            o_pos.child("title"),
            u_pos.child("title"),
            name="title",
            old=original.title,
            new=update.title,
        )
    if not _equal(original.description, update.description):
        ctx.add(
            Kind.DESCRIPTION_CHANGED,
            o_pos.child("description"),
            u_pos.child("description"),
            name="description",
            old=original.description,
            new=update.description,
        )
    if original.has_default != update.has_default or not _equal(original.default, update.default):
        ctx.add(
            Kind.DEFAULT_CHANGED,
            o_pos.child("default"),
            u_pos.child("default"),
            name="default",
            old=original.default,
            new=update.default,
        )


def _bound(
    ctx: _Context,
    keyword: str,
    old: int | float | None,
    new: int | float | None,
    kinds: tuple[Kind, Kind, Kind, Kind],
    o_pos: Pos,
    u_pos: Pos,
) -> None:
    """Compare a numeric limit; `kinds` are (added, removed, increased, decreased)."""
    if old is None and new is None:
        return
    added, removed, increased, decreased = kinds
    if old is None:
        kind = added
    elif new is None:
        kind = removed
    elif old < new:
        kind = increased
    elif old > new:
        kind = decreased
    else:
        return
    ctx.add(kind, o_pos.child(keyword), u_pos.child(keyword), name=keyword, old=old, new=new)


def _compare_string(
    ctx: _Context, original: StringNode, update: StringNode, o_pos: Pos, u_pos: Pos
) -> None:
    _bound(
        ctx,
        "maxLength",
        original.max_length,
        update.max_length,
        (
            Kind.MAX_LENGTH_ADDED,
            Kind.MAX_LENGTH_REMOVED,
            Kind.MAX_LENGTH_INCREASED,
            Kind.MAX_LENGTH_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "minLength",
        original.min_length,
        update.min_length,
        (
            Kind.MIN_LENGTH_ADDED,
            Kind.MIN_LENGTH_REMOVED,
            Kind.MIN_LENGTH_INCREASED,
            Kind.MIN_LENGTH_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    old, new = original.pattern, update.pattern
    kind = None
    if old is None and new is not None:
        kind = Kind.PATTERN_ADDED
    elif old is not None and new is None:
        kind = Kind.PATTERN_REMOVED
    elif old != new:
        kind = Kind.PATTERN_CHANGED
    if kind is not None:
        ctx.add(
            kind, o_pos.child("pattern"), u_pos.child("pattern"), name="pattern", old=old, new=new
        )


def _compare_number(
    ctx: _Context, original: NumberNode, update: NumberNode, o_pos: Pos, u_pos: Pos
) -> None:
    _bound(
        ctx,
        "maximum",
        original.maximum,
        update.maximum,
        (Kind.MAXIMUM_ADDED, Kind.MAXIMUM_REMOVED, Kind.MAXIMUM_INCREASED, Kind.MAXIMUM_DECREASED),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "minimum",
        original.minimum,
        update.minimum,
        (Kind.MINIMUM_ADDED, Kind.MINIMUM_REMOVED, Kind.MINIMUM_INCREASED, Kind.MINIMUM_DECREASED),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "exclusiveMaximum",
        original.exclusive_maximum,
        update.exclusive_maximum,
        (
            Kind.EXCLUSIVE_MAXIMUM_ADDED,
            Kind.EXCLUSIVE_MAXIMUM_REMOVED,
            Kind.EXCLUSIVE_MAXIMUM_INCREASED,
            Kind.EXCLUSIVE_MAXIMUM_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "exclusiveMinimum",
        original.exclusive_minimum,
        update.exclusive_minimum,
        (
            Kind.EXCLUSIVE_MINIMUM_ADDED,
            Kind.EXCLUSIVE_MINIMUM_REMOVED,
            Kind.EXCLUSIVE_MINIMUM_INCREASED,
            Kind.EXCLUSIVE_MINIMUM_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    old, new = original.multiple_of, update.multiple_of
    if old != new:
        kind = None
        if old is None:
            kind = Kind.MULTIPLE_OF_ADDED
        elif new is None:
            kind = Kind.MULTIPLE_OF_REMOVED
        else:
            # exact rational arithmetic: 0.01 divides 0.05, which floats cannot show
            from fractions import Fraction  # exact, and rarely needed: loaded on first use

            old_f, new_f = Fraction(str(old)), Fraction(str(new))
            if old_f == new_f:
                kind = None
            elif (new_f / old_f).denominator == 1:
                kind = Kind.MULTIPLE_OF_EXPANDED
            elif (old_f / new_f).denominator == 1:
                kind = Kind.MULTIPLE_OF_REDUCED
            else:
                kind = Kind.MULTIPLE_OF_CHANGED
        if kind is not None:
            ctx.add(
                kind,
                o_pos.child("multipleOf"),
                u_pos.child("multipleOf"),
                name="multipleOf",
                old=old,
                new=new,
            )
    if original.requires_integer != update.requires_integer:
        kind = Kind.TYPE_EXTENDED if original.requires_integer else Kind.TYPE_NARROWED
        both = all(isinstance(node.raw, dict) and "type" in node.raw for node in (original, update))
        o_at, u_at = (o_pos.child("type"), u_pos.child("type")) if both else (o_pos, u_pos)
        ctx.add(
            kind,
            o_at,
            u_at,
            name="type",
            old="integer" if original.requires_integer else "number",
            new="integer" if update.requires_integer else "number",
        )


def _compare_enum(
    ctx: _Context, original: EnumNode, update: EnumNode, o_pos: Pos, u_pos: Pos
) -> None:
    old = {canonical(value): value for value in original.values}
    new = {canonical(value): value for value in update.values}
    if old.keys() == new.keys():
        return
    if new.keys() >= old.keys():
        kind = Kind.ENUM_ARRAY_EXTENDED
    elif old.keys() >= new.keys():
        kind = Kind.ENUM_ARRAY_NARROWED
    else:
        kind = Kind.ENUM_ARRAY_CHANGED
    ctx.add(
        kind,
        o_pos.child("enum"),
        u_pos.child("enum"),
        name="enum",
        old=[value for key, value in old.items() if key not in new],
        new=[value for key, value in new.items() if key not in old],
    )


def _compare_combined(
    ctx: _Context, original: CombinedNode, update: CombinedNode, o_pos: Pos, u_pos: Pos
) -> None:
    old, new = original.criterion, update.criterion
    if old != new:
        single_old, single_new = len(original.subschemas) == 1, len(update.subschemas) == 1
        if (
            new == "anyOf"
            or (single_old and single_new)
            or (single_old and new == "oneOf")
            or (single_new and old == "allOf")
        ):
            ctx.add(Kind.COMBINED_TYPE_EXTENDED, o_pos, u_pos, name=new, old=old, new=new)
        else:
            ctx.add(
                Kind.COMBINED_TYPE_CHANGED,
                o_pos,
                u_pos,
                name=new,
                old=old,
                new=new,
                indistinguishable=_same_disjoint_branches(ctx.run, original, update),
            )
            return
    old_members = _distinct(ctx.run, original)
    new_members = _distinct(ctx.run, update)
    if len(old_members) < len(new_members):
        kind = Kind.PRODUCT_TYPE_EXTENDED if new == "allOf" else Kind.SUM_TYPE_EXTENDED
        ctx.add(
            kind,
            o_pos,
            u_pos,
            name=new,
            old=len(old_members),
            new=len(new_members),
            indistinguishable=kind is Kind.PRODUCT_TYPE_EXTENDED
            and all(
                isinstance(_deref(member, u_pos)[0], EmptyNode)
                for member in new_members[len(old_members) :]
            ),
        )
    elif len(old_members) > len(new_members):
        kind = Kind.SUM_TYPE_NARROWED if old in ("anyOf", "oneOf") else Kind.PRODUCT_TYPE_NARROWED
        ctx.add(kind, o_pos, u_pos, name=old, old=len(old_members), new=len(new_members))
    edges: list[list[tuple[int, list[Difference]]]] = []
    # per original member, why its closest counterpart (same kind of schema) does not match
    closest: list[list[Difference]] = []
    for old_member in old_members:
        row: list[tuple[int, list[Difference]]] = []
        reasons: list[Difference] | None = None
        for index, new_member in enumerate(new_members):
            sub = ctx.sub()
            compare(sub, old_member, new_member, o_pos.of(old_member), u_pos.of(new_member))
            if sub.compatible():
                row.append((index, sub.diffs))
            elif reasons is None and _same_kind(old_member, new_member):
                reasons = [diff for diff in sub.diffs if diff.kind not in ctx.run.compatible]
        edges.append(row)
        closest.append(reasons or [])
    matching = _maximum_matching(edges, len(new_members))
    for old_index, new_index in matching:
        ctx.diffs.extend(next(diffs for index, diffs in edges[old_index] if index == new_index))
    if len(matching) < min(len(old_members), len(new_members)):
        matched = {old_index for old_index, _ in matching}
        why = tuple(
            diff
            for index, reasons in enumerate(closest)
            if index not in matched
            for diff in reasons
        )
        ctx.add(
            Kind.COMBINED_TYPE_SUBSCHEMAS_CHANGED,
            o_pos,
            u_pos,
            name="keywords" if update.synthetic and original.synthetic else new,
            old=why,
        )


def _same_kind(old: Node, new: Node) -> bool:
    return type(_deref(old, Pos(old.place, ""))[0]) is type(_deref(new, Pos(new.place, ""))[0])


def _distinct(run: _Run, node: CombinedNode) -> list[Node]:
    """The members of a combination, duplicates (same JSON) collapsed as the registry does."""
    seen: dict[str, Node] = {}
    for member in node.subschemas:
        if member.place == node.place:
            key = f"#{id(member)}"  # a part the registry's model made up: never a duplicate
        else:
            key = run.keys.get(id(member)) or canonical(member.raw)
            run.keys[id(member)] = key
        seen.setdefault(key, member)
    return list(seen.values())


def _maximum_matching(
    edges: list[list[tuple[int, list[Difference]]]], right: int
) -> list[tuple[int, int]]:
    """A maximum matching of a bipartite graph (augmenting paths: members are few)."""
    owner = [-1] * right

    def augment(left: int, seen: set[int]) -> bool:
        for index, _ in edges[left]:
            if index in seen:
                continue
            seen.add(index)
            if owner[index] == -1 or augment(owner[index], seen):
                owner[index] = left
                return True
        return False

    for left in range(len(edges)):
        augment(left, set())
    return sorted((left, index) for index, left in enumerate(owner) if left != -1)


def _compare_not(ctx: _Context, original: NotNode, update: NotNode, o_pos: Pos, u_pos: Pos) -> None:
    sub = ctx.sub()
    # what the update excludes must have been excluded before: compare in reverse
    compare(sub, update.schema, original.schema, u_pos.of(update.schema), o_pos.of(original.schema))
    if sub.compatible():
        if sub.diffs or canonical(original.schema.raw) != canonical(update.schema.raw):
            ctx.add(Kind.NOT_TYPE_NARROWED, o_pos.child("not"), u_pos.child("not"), name="not")
    else:
        ctx.add(Kind.NOT_TYPE_EXTENDED, o_pos.child("not"), u_pos.child("not"), name="not")


# --- objects -----------------------------------------------------------------------------------


def _object_is_open(node: ObjectNode) -> bool:
    return (
        node.additional is True
        and not node.pattern_properties
        and (
            node.unevaluated is None
            or node.unevaluated is True
            or isinstance(node.unevaluated, EmptyNode)
        )
    )


def _object_partial(node: ObjectNode, pos: Pos, name: str) -> tuple[Node, Pos, str] | None:
    """The schema a property `name` falls under when it is not declared, if any."""
    from gate.formats.jsonschema.patterns import PatternTooSlow, search

    for pattern, compiled, schema in node.pattern_properties:
        try:
            matches = search(compiled.pattern, name)
        except (PatternTooSlow, re.error):  # no claim that the name falls under it
            matches = False
        if matches:
            return schema, pos.of(schema), f"patternProperties `{pattern}`"
    if isinstance(node.additional, Node):
        return node.additional, pos.of(node.additional), "additionalProperties"
    unevaluated = node.unevaluated
    if (
        node.additional is True
        and isinstance(unevaluated, Node)
        and not isinstance(unevaluated, (FalseNode, EmptyNode))
    ):
        return unevaluated, pos.of(unevaluated), "unevaluatedProperties"
    return None


def _required_pos(pos: Pos, node: ObjectNode, name: str) -> Pos:
    if name in node.required:
        return pos.child("required", node.required.index(name))
    return pos.child("required")


def _compare_object(
    ctx: _Context, original: ObjectNode, update: ObjectNode, o_pos: Pos, u_pos: Pos
) -> None:
    old_required, new_required = set(original.required), set(update.required)
    # (a property's requiredness changes only where the two lists differ)
    for name in original.properties if old_required != new_required else ():
        if name not in update.properties:
            continue
        was, now = name in old_required, name in new_required
        if was and not now:
            ctx.add(
                Kind.REQUIRED_ATTRIBUTE_REMOVED,
                _required_pos(o_pos, original, name),
                _required_pos(u_pos, update, name),
                name=name,
            )
        elif now and not was:
            kind = (
                Kind.REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED
                if update.properties[name].has_default
                else Kind.REQUIRED_ATTRIBUTE_ADDED
            )
            ctx.add(
                kind,
                _required_pos(o_pos, original, name),
                _required_pos(u_pos, update, name),
                name=name,
            )
    _compare_properties(ctx, original, update, o_pos, u_pos)
    _compare_dependencies(ctx, original, update, o_pos, u_pos)
    _compare_additional(
        ctx,
        original.additional,
        update.additional,
        "additionalProperties",
        "additionalProperties",
        o_pos,
        u_pos,
        _ADDITIONAL_PROPERTIES,
    )
    if original.unevaluated is not None or update.unevaluated is not None:
        _compare_additional(
            ctx,
            _permit(original.unevaluated),
            _permit(update.unevaluated),
            "unevaluatedProperties",
            "unevaluatedProperties",
            o_pos,
            u_pos,
            _UNEVALUATED_PROPERTIES,
        )
    _bound(
        ctx,
        "maxProperties",
        original.max_properties,
        update.max_properties,
        (
            Kind.MAX_PROPERTIES_ADDED,
            Kind.MAX_PROPERTIES_REMOVED,
            Kind.MAX_PROPERTIES_INCREASED,
            Kind.MAX_PROPERTIES_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "minProperties",
        original.min_properties,
        update.min_properties,
        (
            Kind.MIN_PROPERTIES_ADDED,
            Kind.MIN_PROPERTIES_REMOVED,
            Kind.MIN_PROPERTIES_INCREASED,
            Kind.MIN_PROPERTIES_DECREASED,
        ),
        o_pos,
        u_pos,
    )


def _compare_properties(
    ctx: _Context, original: ObjectNode, update: ObjectNode, o_pos: Pos, u_pos: Pos
) -> None:
    old_properties, new_properties = original.properties, update.properties
    for name, old in old_properties.items():
        new = new_properties.get(name)
        if new is old and old.plain is not None:
            continue  # one node shared by the versions of a schema: nothing differs
        if new is None:
            _property_removed(
                ctx,
                old,
                update,
                name,
                o_pos.child("properties", name),
                u_pos.child("properties", name),
                u_pos,
            )
        elif old.plain is None or not identical(old, new):
            compare(ctx, old, new, o_pos.of(old), u_pos.of(new))
    if new_properties.keys() <= old_properties.keys():
        return  # (nothing added: the commonest case, told without a loop in Python)
    for name, new in new_properties.items():
        if name not in old_properties:
            _property_added(
                ctx,
                new,
                original,
                update,
                name,
                o_pos.child("properties", name),
                u_pos.child("properties", name),
                o_pos,
            )


def _property_removed(
    ctx: _Context, old: Node, update: ObjectNode, name: str, o_at: Pos, u_at: Pos, u_pos: Pos
) -> None:
    # only the update's content model matters: it is the one that must accept old data
    if _object_is_open(update):
        ctx.add(Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, o_at, u_at, name=name)
        return
    partial = _object_partial(update, u_pos, name)
    if partial is not None:
        schema, at, via = partial
        sub = ctx.sub()
        compare(sub, old, schema, o_at, at)
        ctx.diffs.extend(sub.diffs)
        kind = (
            Kind.PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            if sub.compatible()
            else Kind.PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
        )
        ctx.add(kind, o_at, u_at, name=name, new=via)
    elif isinstance(old, FalseNode):
        ctx.add(Kind.PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, o_at, u_at, name=name)
    else:
        ctx.add(Kind.PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, o_at, u_at, name=name)


def _property_added(
    ctx: _Context,
    new: Node,
    original: ObjectNode,
    update: ObjectNode,
    name: str,
    o_at: Pos,
    u_at: Pos,
    o_pos: Pos,
) -> None:
    # only the original's content model matters: it says what old data may already contain
    if _object_is_open(original):
        kind = (
            Kind.PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
            if isinstance(new, EmptyNode)
            else Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
        )
        ctx.add(
            kind, o_at, u_at, name=name, new="required" if name in update.required else "optional"
        )
        return
    partial = _object_partial(original, o_pos, name)
    if partial is not None:
        schema, at, via = partial
        sub = ctx.sub()
        compare(sub, schema, new, at, u_at)
        ctx.diffs.extend(sub.diffs)
        kind = (
            Kind.PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            if sub.compatible()
            else Kind.PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
        )
        ctx.add(kind, o_at, u_at, name=name, old=via)
    if name in update.required:
        kind = (
            Kind.REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
            if new.has_default
            else Kind.REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL
        )
    else:
        kind = Kind.OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL
    ctx.add(kind, o_at, u_at, name=name)


def _compare_dependencies(
    ctx: _Context, original: ObjectNode, update: ObjectNode, o_pos: Pos, u_pos: Pos
) -> None:
    names = list(original.property_dependencies)
    names.extend(
        name for name in update.property_dependencies if name not in original.property_dependencies
    )
    for name in names:
        old = original.property_dependencies.get(name)
        new = update.property_dependencies.get(name)
        o_at, u_at = _dependency_pos(o_pos, u_pos, old, new)
        if new is None:
            ctx.add(
                Kind.DEPENDENCY_ARRAY_REMOVED,
                o_at,
                u_at,
                name=name,
                old=list(old.names) if old else None,
            )
        elif old is None:
            ctx.add(Kind.DEPENDENCY_ARRAY_ADDED, o_at, u_at, name=name, new=list(new.names))
        elif set(old.names) != set(new.names):
            if set(new.names) >= set(old.names):
                kind = Kind.DEPENDENCY_ARRAY_EXTENDED
            elif set(old.names) >= set(new.names):
                kind = Kind.DEPENDENCY_ARRAY_NARROWED
            else:
                kind = Kind.DEPENDENCY_ARRAY_CHANGED
            ctx.add(kind, o_at, u_at, name=name, old=list(old.names), new=list(new.names))
    names = list(original.schema_dependencies)
    names.extend(
        name for name in update.schema_dependencies if name not in original.schema_dependencies
    )
    for name in names:
        old = original.schema_dependencies.get(name)
        new = update.schema_dependencies.get(name)
        o_at, u_at = _dependency_pos(o_pos, u_pos, old, new)
        if new is None:
            ctx.add(Kind.DEPENDENCY_SCHEMA_REMOVED, o_at, u_at, name=name)
        elif old is None:
            ctx.add(Kind.DEPENDENCY_SCHEMA_ADDED, o_at, u_at, name=name)
        else:
            assert old.schema is not None
            assert new.schema is not None
            compare(ctx, old.schema, new.schema, o_at, u_at)


def _dependency_pos(
    o_pos: Pos, u_pos: Pos, old: Dependency | None, new: Dependency | None
) -> tuple[Pos, Pos]:
    from gate.jsonpos import pointer_tokens

    def at(pos: Pos, mine: Dependency | None, other: Dependency | None) -> Pos:
        if mine is not None:
            return pos.at_place(mine.place)
        assert other is not None
        return pos.child(*pointer_tokens(other.place.pointer)[-2:])

    return at(o_pos, old, new), at(u_pos, new, old)


def _permit(value: bool | Node | None) -> bool | Node:
    return True if value is None else value


_ADDITIONAL_PROPERTIES = (
    Kind.ADDITIONAL_PROPERTIES_ADDED,
    Kind.ADDITIONAL_PROPERTIES_REMOVED,
    Kind.ADDITIONAL_PROPERTIES_EXTENDED,
    Kind.ADDITIONAL_PROPERTIES_NARROWED,
)
_UNEVALUATED_PROPERTIES = (
    Kind.UNEVALUATED_PROPERTIES_ADDED,
    Kind.UNEVALUATED_PROPERTIES_REMOVED,
    Kind.UNEVALUATED_PROPERTIES_EXTENDED,
    Kind.UNEVALUATED_PROPERTIES_NARROWED,
)
_ADDITIONAL_ITEMS = (
    Kind.ADDITIONAL_ITEMS_ADDED,
    Kind.ADDITIONAL_ITEMS_REMOVED,
    Kind.ADDITIONAL_ITEMS_EXTENDED,
    Kind.ADDITIONAL_ITEMS_NARROWED,
)
_UNEVALUATED_ITEMS = (
    Kind.UNEVALUATED_ITEMS_ADDED,
    Kind.UNEVALUATED_ITEMS_REMOVED,
    Kind.UNEVALUATED_ITEMS_EXTENDED,
    Kind.UNEVALUATED_ITEMS_NARROWED,
)


def _compare_additional(
    ctx: _Context,
    old: bool | Node,
    new: bool | Node,
    old_keyword: str,
    new_keyword: str,
    o_pos: Pos,
    u_pos: Pos,
    kinds: tuple[Kind, Kind, Kind, Kind],
) -> None:
    """`additionalProperties`-like keywords: allowed or not, and under which schema."""
    added, removed, extended, narrowed = kinds
    o_at = o_pos.of(old) if isinstance(old, Node) else o_pos.child(old_keyword)
    u_at = u_pos.of(new) if isinstance(new, Node) else u_pos.child(new_keyword)
    old_schema = old if isinstance(old, Node) else None
    new_schema = new if isinstance(new, Node) else None
    if (old is not False) != (new is not False):
        ctx.add(added if new is not False else removed, o_at, u_at, name=new_keyword)
    elif old_schema is None and new_schema is not None:
        ctx.add(
            narrowed,
            o_at,
            u_at,
            name=new_keyword,
            indistinguishable=isinstance(_deref(new_schema, u_at)[0], EmptyNode),
        )
    elif new_schema is None and old_schema is not None:
        ctx.add(extended, o_at, u_at, name=new_keyword)
    elif old_schema is not None and new_schema is not None:
        compare(ctx, old_schema, new_schema, o_at, u_at)


# --- arrays ------------------------------------------------------------------------------------


def _array_is_open(node: ArrayNode) -> bool:
    return node.additional is True and (
        node.unevaluated is None
        or node.unevaluated is True
        or isinstance(node.unevaluated, EmptyNode)
    )


def _array_partial(node: ArrayNode, pos: Pos) -> tuple[Node, Pos] | None:
    if isinstance(node.additional, Node):
        return node.additional, pos.of(node.additional)
    unevaluated = node.unevaluated
    if (
        node.additional is True
        and isinstance(unevaluated, Node)
        and not isinstance(unevaluated, (FalseNode, EmptyNode))
    ):
        return unevaluated, pos.of(unevaluated)
    return None


def _compare_array(
    ctx: _Context, original: ArrayNode, update: ArrayNode, o_pos: Pos, u_pos: Pos
) -> None:
    compare(
        ctx,
        original.all_items,
        update.all_items,
        o_pos.of(original.all_items) if original.all_items else o_pos.child("items"),
        u_pos.of(update.all_items) if update.all_items else u_pos.child("items"),
    )
    old_items, new_items = original.item_list, update.item_list
    shared = min(len(old_items), len(new_items))
    for index in range(shared):
        compare(
            ctx,
            old_items[index],
            new_items[index],
            o_pos.of(old_items[index]),
            u_pos.of(new_items[index]),
        )
    for index in range(shared, len(old_items)):
        _item_removed(
            ctx,
            old_items[index],
            update,
            o_pos.of(old_items[index]),
            u_pos.child(update.item_keyword, index),
            u_pos,
        )
    for index in range(shared, len(new_items)):
        _item_added(
            ctx,
            new_items[index],
            original,
            o_pos.child(original.item_keyword, index),
            u_pos.of(new_items[index]),
            o_pos,
        )
    _compare_additional(
        ctx,
        original.additional,
        update.additional,
        original.additional_keyword,
        update.additional_keyword,
        o_pos,
        u_pos,
        _ADDITIONAL_ITEMS,
    )
    if original.unevaluated is not None or update.unevaluated is not None:
        _compare_additional(
            ctx,
            _permit(original.unevaluated),
            _permit(update.unevaluated),
            "unevaluatedItems",
            "unevaluatedItems",
            o_pos,
            u_pos,
            _UNEVALUATED_ITEMS,
        )
    _bound(
        ctx,
        "maxItems",
        original.max_items,
        update.max_items,
        (
            Kind.MAX_ITEMS_ADDED,
            Kind.MAX_ITEMS_REMOVED,
            Kind.MAX_ITEMS_INCREASED,
            Kind.MAX_ITEMS_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    _bound(
        ctx,
        "minItems",
        original.min_items,
        update.min_items,
        (
            Kind.MIN_ITEMS_ADDED,
            Kind.MIN_ITEMS_REMOVED,
            Kind.MIN_ITEMS_INCREASED,
            Kind.MIN_ITEMS_DECREASED,
        ),
        o_pos,
        u_pos,
    )
    if original.unique_items != update.unique_items:
        kind = Kind.UNIQUE_ITEMS_REMOVED if original.unique_items else Kind.UNIQUE_ITEMS_ADDED
        ctx.add(kind, o_pos.child("uniqueItems"), u_pos.child("uniqueItems"), name="uniqueItems")


def _item_removed(
    ctx: _Context, old: Node, update: ArrayNode, o_at: Pos, u_at: Pos, u_pos: Pos
) -> None:
    index = _last_token(o_at)
    if _array_is_open(update):
        ctx.add(Kind.ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL, o_at, u_at, name=index)
        return
    partial = _array_partial(update, u_pos)
    if partial is not None:
        schema, at = partial
        sub = ctx.sub()
        compare(sub, old, schema, o_at, at)
        ctx.diffs.extend(sub.diffs)
        kind = (
            Kind.ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            if sub.compatible()
            else Kind.ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
        )
        ctx.add(kind, o_at, u_at, name=index)
    elif isinstance(old, FalseNode):
        ctx.add(Kind.ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, o_at, u_at, name=index)
    else:
        ctx.add(Kind.ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, o_at, u_at, name=index)


def _item_added(
    ctx: _Context, new: Node, original: ArrayNode, o_at: Pos, u_at: Pos, o_pos: Pos
) -> None:
    index = _last_token(u_at)
    if _array_is_open(original):
        kind = (
            Kind.ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
            if isinstance(new, EmptyNode)
            else Kind.ITEM_ADDED_TO_OPEN_CONTENT_MODEL
        )
        ctx.add(kind, o_at, u_at, name=index)
        return
    partial = _array_partial(original, o_pos)
    if partial is not None:
        schema, at = partial
        sub = ctx.sub()
        compare(sub, schema, new, at, u_at)
        ctx.diffs.extend(sub.diffs)
        kind = (
            Kind.ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
            if sub.compatible()
            else Kind.ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
        )
        ctx.add(kind, o_at, u_at, name=index)
    else:
        ctx.add(Kind.ITEM_ADDED_TO_CLOSED_CONTENT_MODEL, o_at, u_at, name=index)


# --- keywords the registry ignores (diff only) -------------------------------------------------


def _note_uncompared(ctx: _Context, original: Node, update: Node, o_pos: Pos, u_pos: Pos) -> None:
    old, new = original.raw, update.raw
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    keywords: list[str] = [key for key in NOT_COMPARED if key in old or key in new]
    # draft-04's boolean exclusiveMaximum / exclusiveMinimum are not compared either
    keywords.extend(
        key
        for key in ("exclusiveMaximum", "exclusiveMinimum")
        if isinstance(old.get(key), bool) or isinstance(new.get(key), bool)
    )
    for keyword in keywords:
        if canonical(old.get(keyword)) != canonical(new.get(keyword)):
            ctx.add(
                Kind.KEYWORD_NOT_COMPARED,
                o_pos.child(keyword),
                u_pos.child(keyword),
                name=keyword,
                old=old.get(keyword),
                new=new.get(keyword),
            )


# --- values ------------------------------------------------------------------------------------


def _normalize(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _normalize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    return value


def canonical(value: Any) -> str:
    """A string equal for equal JSON values (1 and 1.0 are equal; true and 1 are not)."""
    import json

    return json.dumps(_normalize(value), sort_keys=True, separators=(",", ":"))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _equal(old: Any, new: Any) -> bool:
    """`canonical(old) == canonical(new)`, without serialising the common cases."""
    if old is new:
        return True
    kind = old.__class__
    # two scalars of one type: equal values are equal JSON (1.0 == 1.0, -0.0 == 0.0 included)
    if kind is new.__class__ and kind in _SCALARS:
        return bool(old == new)
    return canonical(old) == canonical(new)


def identical(original: Node, update: Node) -> bool:
    """True when comparing the two would find no difference at all: both are plain (see
    `Node.plain`), built under one draft in the same role from identical JSON."""
    if original.plain is not update.plain or original.plain is None:
        return False
    if original.role != update.role or original.raw != update.raw:
        return False
    # `==` holds for true and 1 too: the fingerprints tell them apart
    return _fingerprint(original) == _fingerprint(update)


def _fingerprint(node: Node) -> bytes:
    found = node.fingerprint
    if found is None:
        # marshal's version 0 writes every value in full (no back-references): equal bytes
        # only for equal JSON of the same types and key order
        try:
            found = marshal.dumps(node.raw, 0)
        except ValueError:  # not plain JSON: this node equals no other
            found = b"node %d" % id(node)
        node.fingerprint = found
    return found


def _last_token(pos: Pos) -> str:
    from gate.jsonpos import pointer_tokens

    tokens = pointer_tokens(pos.place.pointer)
    return tokens[-1] if tokens else ""


def _finite_values(node: Node) -> list[Any] | None:
    if isinstance(node, ConstNode):
        return [node.value]
    if isinstance(node, EnumNode):
        return list(node.values)
    if isinstance(node, BooleanNode):
        return [True, False]
    if isinstance(node, NullNode):
        return [None]
    return None


def _accepts_all(run: _Run, original: Node, update: Node) -> bool:
    """True when every value the original allows is valid under the update (then no instance
    can tell the two apart, although the registry flags the change of kind)."""
    values = _finite_values(original)
    if values is None or not isinstance(update.raw, (dict, bool)):
        return False
    if "$ref" in canonical(update.raw) or "$dynamicRef" in canonical(update.raw):
        return False
    from gate.formats.jsonschema.loader import validator_class
    from gate.formats.jsonschema.patterns import PatternTooSlow

    validator = validator_class(run.drafts[1])(update.raw)
    try:
        return all(validator.is_valid(value) for value in values)
    except (re.error, PatternTooSlow):  # only ECMA 262 reads it, or too slow: no claim
        return False


def _types_of(node: Node) -> frozenset[str] | None:
    """The JSON types a branch can accept, when it states them; None when it may accept any."""
    declared = node.raw.get("type") if isinstance(node.raw, dict) else None
    if isinstance(node, ConstNode):
        return frozenset({_json_type(node.value)})
    if isinstance(node, EnumNode):
        return frozenset(_json_type(value) for value in node.values)
    if not isinstance(declared, str):
        return None
    if isinstance(node, NumberNode):
        return frozenset({"integer"}) if node.requires_integer else frozenset({"integer", "number"})
    if isinstance(node, (StringNode, BooleanNode, NullNode, ObjectNode, ArrayNode)):
        return frozenset({declared})
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _same_disjoint_branches(run: _Run, original: CombinedNode, update: CombinedNode) -> bool:
    """anyOf and oneOf accept the same values when no value can match two branches."""
    if {original.criterion, update.criterion} != {"anyOf", "oneOf"}:
        return False
    old = [canonical(member.raw) for member in _distinct(run, original)]
    new = [canonical(member.raw) for member in _distinct(run, update)]
    if sorted(old) != sorted(new):
        return False
    seen: set[str] = set()
    for member in update.subschemas:
        types = _types_of(_deref(member, Pos(member.place, ""))[0])
        if types is None or types & seen:
            return False
        seen |= types
    return True
