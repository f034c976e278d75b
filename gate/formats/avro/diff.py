"""A changelog of two versions of an Avro schema, each change judged by the checker itself.

The walk pairs old and new types the way Avro resolution pairs them (fields by name or alias,
union branches by kind and name) and records each change with the places it owns in either
schema. The verdicts are not guessed: the checker runs once each way, reader = new over writer =
old (backward) and reader = old over writer = new (forward), and a change breaks a direction
exactly when an error of that run lies at or below a place the change owns: the reader's side
(a field the reader lacks a default for, a type that changed) or the writer's side (a union
branch or enum symbol the writer may write and the reader cannot read).

A union branch the other version has no branch for by name (one added or removed, or a named
type renamed without the alias the reader needs) is read by the reader all the same: a reader
union explains its failure with its first branch of the same kind, a reader of one type reads it
as that type. What the checker reports there lies at places no scope of the change covers (the
fields of another record, the size of another fixed), so the change owns those issues by their
rule and places, and a rename says which branch readers fall back to.

An error no change owns becomes a change of its own, so that the changes together always agree
with `check`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gate.canonical import canonical_dumps
from gate.formats import Change
from gate.formats.avro.check import (
    Checker,
    Issue,
    _Ambiguous,
    _branch_meant_for,
    check_issues,
    names_match,
)
from gate.formats.avro.describe import (
    ROOT_PLACE,
    describe,
    field_place,
    items_place,
    label,
    values_place,
)
from gate.formats.avro.logical import UNIT_FAMILIES
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
    Record,
    Union,
    fields_apart,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

# (pointer, whether everything below it is owned too)
Scope = tuple[str, bool]
# an issue by its rule and places (its message may name a place by the other version's names)
IssueKey = tuple[str, str, tuple[str, ...]]


def _key(issue: Issue) -> IssueKey:
    return (issue.rule, issue.reader_path, issue.writer_paths)


def _read(
    reader: Node, writer: Node, rptr: str, wptr: str, place: str, in_writer_union: bool
) -> tuple[Issue, ...]:
    """What the checker reports for `reader` reading `writer` at this place of a check."""
    try:
        return Checker().pair(reader, writer, rptr, wptr, place, in_writer_union)
    except _Ambiguous as stop:
        return (stop.issue,)


@dataclass
class _Draft:
    path: str
    description: str
    new_scopes: list[Scope] = field(default_factory=list)
    old_scopes: list[Scope] = field(default_factory=list)
    # issues owned wherever they point, by `_key`: what the other version's union reads a
    # branch with when it has none for it (an added, removed or renamed branch)
    backward_keys: set[IssueKey] = field(default_factory=set)
    forward_keys: set[IssueKey] = field(default_factory=set)
    # why, appended to the description
    notes: list[str] = field(default_factory=list)

    def claim(self, forward: bool, issues: tuple[Issue, ...]) -> None:
        (self.forward_keys if forward else self.backward_keys).update(map(_key, issues))

    @property
    def text(self) -> str:
        if not self.notes:
            return self.description
        return f"{self.description}: {'; '.join(self.notes)}"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _same_json(a: Any, b: Any) -> bool:
    return canonical_dumps(a) == canonical_dumps(b)


class _Walker:
    def __init__(self) -> None:
        self.drafts: list[_Draft] = []
        self.seen: set[tuple[int, int]] = set()
        # (id(old), id(new)) of a renamed named type -> the draft of its rename
        self.renames: dict[tuple[int, int], _Draft] = {}

    def add(
        self,
        path: str,
        description: str,
        new: list[Scope] | None = None,
        old: list[Scope] | None = None,
    ) -> _Draft:
        draft = _Draft(path, description, new or [], old or [])
        self.drafts.append(draft)
        return draft

    def walk(self, o: Node, n: Node, op: str, np: str, place: str) -> None:
        if isinstance(o, Union) and isinstance(n, Union):
            self.unions(o, n, op, np, place)
        elif isinstance(o, Union):
            self.from_union(o, n, op, np, place)
        elif isinstance(n, Union):
            self.to_union(o, n, op, np, place)
        elif o.kind != n.kind:
            self.type_changed(o, n, op, np, place)
        elif o.kind in PRIMITIVES:
            self.logical(o, n, op, np, place)
        elif isinstance(o, Array) and isinstance(n, Array):
            self.walk(o.items, n.items, op + "/items", np + "/items", items_place(place))
        elif isinstance(o, Map) and isinstance(n, Map):
            self.walk(o.values, n.values, op + "/values", np + "/values", values_place(place))
        elif isinstance(o, Named) and isinstance(n, Named):
            self.named(o, n, place)

    def type_changed(self, o: Node, n: Node, op: str, np: str, place: str) -> None:
        draft = self.add(
            np,
            f"type of {place} changed from {describe(o)} to {describe(n)}",
            [(np, True)],
            [(op, True)],
        )
        # reading one type with the other can reach types defined elsewhere (a union branch
        # that refers to a record by name): all of it comes of the change
        draft.claim(False, _read(n, o, np, op, place, False))
        draft.claim(True, _read(o, n, op, np, place, False))

    def logical(self, o: Node, n: Node, op: str, np: str, place: str) -> None:
        ol, nl = o.logical, n.logical
        if ol == nl:
            return
        scopes_new, scopes_old = [(np, False)], [(op, False)]
        if ol is not None and nl is not None and ol.name == nl.name == "decimal":
            if ol.precision != nl.precision:
                self.add(
                    np,
                    f"precision of the decimal at {place} changed from {ol.precision} to "
                    f"{nl.precision}",
                    scopes_new,
                    scopes_old,
                )
            if ol.scale != nl.scale:
                self.add(
                    np,
                    f"scale of the decimal at {place} changed from {ol.scale} to {nl.scale}",
                    scopes_new,
                    scopes_old,
                )
            return
        if ol is None and nl is not None:
            text = f"logical type {nl} added to {place} ({n.kind})"
        elif nl is None and ol is not None:
            text = f"logical type {ol} removed from {place} (now plain {n.kind})"
        elif (
            ol is not None
            and nl is not None
            and UNIT_FAMILIES.get(ol.name) is not None
            and (UNIT_FAMILIES.get(ol.name) == UNIT_FAMILIES.get(nl.name))
        ):
            text = f"unit of {place} changed from {ol.name} to {nl.name}"
        else:
            text = f"logical type of {place} changed from {ol} to {nl}"
        self.add(np, text, scopes_new, scopes_old)

    # -- unions ---------------------------------------------------------------------------------

    def unions(self, o: Union, n: Union, op: str, np: str, place: str) -> None:
        pairs = _pair_branches(o.branches, n.branches)
        matched_old = {i for i, _ in pairs}
        matched_new = {j for _, j in pairs}
        for j, branch in enumerate(n.branches):
            if j not in matched_new:
                at = f"{np}/{j}"
                draft = self.add(
                    at, f"branch `{label(branch)}` added to the union at {place}", [(at, True)]
                )
                # old readers read it with some other branch, or with none
                self.unmatched(draft, True, o, op, branch, at, place)
        for i, branch in enumerate(o.branches):
            if i not in matched_old:
                at = f"{op}/{i}"
                draft = self.add(
                    at, f"branch `{label(branch)}` removed from union at {place}", old=[(at, True)]
                )
                # new readers read old data of it with some other branch, or with none
                self.unmatched(draft, False, n, np, branch, at, place)
        order = [i for i, _ in sorted(pairs, key=lambda pair: pair[1])]
        if order != sorted(order):
            self.add(np, f"branches of the union at {place} reordered")
        for i, j in pairs:
            self.walk(o.branches[i], n.branches[j], f"{op}/{i}", f"{np}/{j}", place)
            self.renamed_branch(True, o, op, i, n.branches[j], f"{np}/{j}", place, True)
            self.renamed_branch(False, n, np, j, o.branches[i], f"{op}/{i}", place, True)

    def from_union(self, o: Union, n: Node, op: str, np: str, place: str) -> None:
        pairs = _pair_branches(o.branches, (n,))
        if not pairs:
            self.type_changed(o, n, op, np, place)
            return
        kept = pairs[0][0]
        dropped = [i for i in range(len(o.branches)) if i != kept]
        draft = self.add(
            np,
            f"type of {place} changed from {describe(o)} to {describe(n)}",
            [(np, False)],
            [(f"{op}/{i}", True) for i in dropped],
        )
        for i in dropped:
            # the new reader reads old data of the dropped branches with its one type
            self.unmatched(draft, False, n, np, o.branches[i], f"{op}/{i}", place)
        self.walk(o.branches[kept], n, f"{op}/{kept}", np, place)
        self.renamed_branch(True, o, op, kept, n, np, place, False)

    def to_union(self, o: Node, n: Union, op: str, np: str, place: str) -> None:
        pairs = _pair_branches((o,), n.branches)
        if not pairs:
            self.type_changed(o, n, op, np, place)
            return
        kept = pairs[0][1]
        added = [j for j in range(len(n.branches)) if j != kept]
        if [n.branches[j].kind for j in added] == ["null"]:
            text = f"{place} made nullable: {describe(o)} became {describe(n)}"
        else:
            text = f"type of {place} changed from {describe(o)} to {describe(n)}"
        draft = self.add(np, text, [(f"{np}/{j}", True) for j in added], [(op, False)])
        for j in added:
            # the old reader reads new data of the added branches with its one type
            self.unmatched(draft, True, o, op, n.branches[j], f"{np}/{j}", place)
        self.walk(o, n.branches[kept], op, f"{np}/{kept}", place)
        self.renamed_branch(False, n, np, kept, o, op, place, False)

    def unmatched(
        self,
        draft: _Draft,
        forward: bool,
        reader: Node,
        rptr: str,
        writer: Node,
        wptr: str,
        place: str,
    ) -> None:
        """`writer`, a union branch, has no counterpart in the other version, whose `reader`
        reads it all the same: a reader union tries each of its branches and explains a failure
        with the one of the same kind (see `check.Checker.reader_union`), a reader of one type
        reads it as that type. What the checker reports there, at whatever places of either
        schema, is a consequence of the branch being added or removed: `draft` owns it."""
        issues = _read(reader, writer, rptr, wptr, place, True)
        if any(issue.error for issue in issues):
            draft.claim(forward, issues)

    def renamed_branch(
        self,
        forward: bool,
        reader: Union,
        rptr: str,
        kept: int,
        writer: Node,
        wptr: str,
        place: str,
        in_writer_union: bool,
    ) -> None:
        """A named type renamed in a union, read by the other version's union (`reader`, whose
        branch `kept` is the same type under its other name).

        When that branch has no alias for the writer's name, the reader cannot find the type by
        name and no branch of that kind can read it; the checker explains the failure with the
        branch it would fall back to, the first of the same kind (as Java's resolution does),
        which need not be `kept`: then it reports a fixed of another size, an enum without some
        symbols, a record with other fields. That is a consequence of the rename: its change
        owns what the checker reports for that branch, and says which branch it is.
        """
        mine = reader.branches[kept]
        if (
            not isinstance(mine, Named)
            or not isinstance(writer, Named)
            or mine.kind != writer.kind
            or names_match(mine, writer)
        ):
            return
        draft = self.renames.get((id(mine), id(writer)) if forward else (id(writer), id(mine)))
        if draft is None:  # pragma: no cover - two types whose names differ are a rename
            return
        issues = _read(reader, writer, rptr, wptr, place, in_writer_union)
        if not any(issue.error for issue in issues):
            return  # another branch reads it by name (or alias): nothing breaks
        other = _branch_meant_for(reader, writer)
        if other is None or other == kept:
            return  # explained by the renamed branch itself: its name, and the changes walked
        draft.claim(forward, issues)
        fallback = reader.branches[other]
        name_only = fallback.pointer + "/name"
        if not any(issue.error and issue.reader_path != name_only for issue in issues):
            return  # the names alone do not match, as the rename says already
        side = "old" if forward else "new"
        note = (
            f"readers of the {side} schema have no alias `{writer.fullname}` and match it to "
            f"{_fallback(fallback, writer)}"
        )
        if note not in draft.notes:
            draft.notes.append(note)

    # -- named types ----------------------------------------------------------------------------

    def named(self, o: Named, n: Named, place: str) -> None:
        key = (id(o), id(n))
        if key in self.seen:
            return
        self.seen.add(key)
        od, nd = o.pointer, n.pointer
        kind = n.kind
        if o.fullname != n.fullname:
            if o.name == n.name:
                text = (
                    f"namespace of {kind} `{n.name}` changed from `{o.namespace or ''}` to "
                    f"`{n.namespace or ''}`"
                )
            elif o.fullname in n.aliases:
                text = f"{kind} `{o.name}` renamed to `{n.name}` (alias)"
            else:
                text = f"{kind} `{o.name}` renamed to `{n.name}` (without an alias)"
            self.renames[key] = self.add(
                nd + "/name", text, [(nd + "/name", False)], [(od + "/name", False)]
            )
        elif set(o.raw_aliases) != set(n.raw_aliases):
            change = _set_change(o.raw_aliases, n.raw_aliases)
            self.add(
                nd,
                f"aliases of {kind} `{n.name}` changed: {change}",
                [(nd + "/name", False)],
                [(od + "/name", False)],
            )
        if o.doc != n.doc:
            self.add(nd, f"documentation of {kind} `{n.name}` changed")
        self.props(o.props, n.props, nd, f"{kind} `{n.name}`")
        if isinstance(o, Record) and isinstance(n, Record):
            self.fields(o, n)
        elif isinstance(o, Enum) and isinstance(n, Enum):
            self.symbols(o, n)
        elif isinstance(o, Fixed) and isinstance(n, Fixed):
            if o.size != n.size:
                self.add(
                    nd + "/size",
                    f"size of fixed `{n.name}` changed from {o.size} to {n.size} bytes",
                    [(nd + "/size", False)],
                    [(od + "/size", False)],
                )
            self.logical(o, n, od, nd, place)

    def props(self, old: Any, new: Any, path: str, what: str) -> None:
        skip = {"logicalType", "precision", "scale"}
        for key in sorted(set(old) | set(new)):
            if key in skip or (key in old and key in new and _same_json(old[key], new[key])):
                continue
            if key not in old:
                text = f"property `{key}` of {what} added ({_shown(new[key])})"
            elif key not in new:
                text = f"property `{key}` of {what} removed"
            else:
                text = (
                    f"property `{key}` of {what} changed from {_shown(old[key])} to "
                    f"{_shown(new[key])}"
                )
            self.add(path, text)

    def symbols(self, o: Enum, n: Enum) -> None:
        od, nd = o.pointer, n.pointer
        for index, symbol in enumerate(n.symbols):
            if symbol not in o.symbol_set:
                at = f"{nd}/symbols/{index}"
                self.add(at, f"symbol `{symbol}` added to enum `{n.name}`", [(at, False)])
        for index, symbol in enumerate(o.symbols):
            if symbol not in n.symbol_set:
                at = f"{od}/symbols/{index}"
                self.add(at, f"symbol `{symbol}` removed from enum `{n.name}`", old=[(at, False)])
        common_old = [s for s in o.symbols if s in n.symbol_set]
        common_new = [s for s in n.symbols if s in o.symbol_set]
        if common_old != common_new:
            self.add(nd + "/symbols", f"symbols of enum `{n.name}` reordered")
        if o.default != n.default:
            if o.default is None:
                text = f"default `{n.default}` added to enum `{n.name}`"
            elif n.default is None:
                text = f"default `{o.default}` removed from enum `{n.name}`"
            else:
                text = f"default of enum `{n.name}` changed from `{o.default}` to `{n.default}`"
            self.add(nd, text)

    def fields(self, o: Record, n: Record) -> None:
        # a field both versions hold (one object, at one index) is paired with itself by name
        # and has nothing changed: only the others are walked
        old_fields = fields_apart(o.fields, n.fields)
        new_fields = fields_apart(n.fields, o.fields)
        pairs = _pair_fields(old_fields, o.field_map, new_fields)
        paired_old = {id(old) for old, _, _ in pairs}
        by_new = {id(new): (old, how) for old, new, how in pairs}
        for new_field in new_fields:
            place = field_place(new_field.name, n.name)
            found = by_new.get(id(new_field))
            if found is None:
                if new_field.has_default:
                    text = (
                        f"field `{new_field.name}` added with default {_shown(new_field.default)}"
                    )
                else:
                    text = f"field `{new_field.name}` added without a default"
                self.add(
                    new_field.pointer,
                    f"{text} (in record `{n.name}`)",
                    [(new_field.pointer, True)],
                )
                continue
            old_field, how = found
            self.field_pair(old_field, new_field, how, n, place)
        for old_field in old_fields:
            if id(old_field) not in paired_old:
                default = " (it had a default)" if old_field.has_default else ""
                self.add(
                    old_field.pointer,
                    f"field `{old_field.name}` removed from record `{n.name}`{default}",
                    old=[(old_field.pointer, True)],
                )
        # pairs that all keep their index (as shared fields do) keep their order
        if any(old.index != new.index for old, new, _ in pairs):
            pairs.extend((one, one, "") for one in n.fields if one not in new_fields)
            order = [old.index for old, _, _ in sorted(pairs, key=lambda pair: pair[1].index)]
            if order != sorted(order):
                self.add(n.pointer + "/fields", f"fields of record `{n.name}` reordered")

    def field_pair(self, old: Field, new: Field, how: str, record: Record, place: str) -> None:
        if old is new:
            return  # a field two versions repeat as written is built once (see parse.py)
        exact_new, exact_old = [(new.pointer, False)], [(old.pointer, False)]
        if how:
            self.add(
                new.pointer,
                f"field `{old.name}` renamed to `{new.name}` ({how}) in record `{record.name}`",
                exact_new,
                exact_old,
            )
        elif set(old.aliases) != set(new.aliases):
            self.add(
                new.pointer,
                f"aliases of {place} changed: {_set_change(old.aliases, new.aliases)}",
                exact_new,
                exact_old,
            )
        if old.has_default != new.has_default or (
            old.has_default and not _same_json(old.default, new.default)
        ):
            if not old.has_default:
                text = f"default {_shown(new.default)} added to {place}"
            elif not new.has_default:
                text = f"default of {place} removed (it was {_shown(old.default)})"
            else:
                text = (
                    f"default of {place} changed from {_shown(old.default)} to "
                    f"{_shown(new.default)}"
                )
            self.add(new.pointer, text)
        if old.doc != new.doc:
            self.add(new.pointer, f"documentation of {place} changed")
        if old.order != new.order:
            self.add(new.pointer, f"sort order of {place} changed from {old.order} to {new.order}")
        self.props(old.props, new.props, new.pointer, place)
        self.walk(old.type, new.type, old.type_pointer, new.type_pointer, place)


def _fallback(branch: Node, writer: Named) -> str:
    """The union branch a reader falls back to for `writer`, with what keeps it from reading."""
    text = describe(branch)
    if isinstance(branch, Fixed) and isinstance(writer, Fixed):
        if branch.size != writer.size:
            return f"{text} of {branch.size} bytes"
    elif isinstance(branch, Enum) and isinstance(writer, Enum):
        missing = [s for s in writer.symbols if s not in branch.symbol_set]
        if missing and branch.default is None:
            names = ", ".join(f"`{s}`" for s in missing)
            return f"{text}, which lacks symbol{'s' if len(missing) > 1 else ''} {names}"
    return f"{text}, which cannot read it"


def _set_change(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    added = [a for a in new if a not in old]
    removed = [a for a in old if a not in new]
    parts = []
    if added:
        parts.append("added " + ", ".join(f"`{a}`" for a in added))
    if removed:
        parts.append("removed " + ", ".join(f"`{a}`" for a in removed))
    return "; ".join(parts)


def _pair_fields(
    old_fields: Sequence[Field], old_map: dict[str, Field], new_fields: Sequence[Field]
) -> list[tuple[Field, Field, str]]:
    """(old, new, how) for fields that resolution would match; `how` is empty for same names.

    `old_map` holds every old field by name; the fields both versions hold (each paired with
    itself, by name) are left out of `old_fields` and `new_fields`."""
    pairs: list[tuple[Field, Field, str]] = []
    used: set[str] = set()
    unpaired_new: list[Field] = []
    for new_field in new_fields:
        old_field = old_map.get(new_field.name)
        if old_field is not None:
            pairs.append((old_field, new_field, ""))
            used.add(old_field.name)
        else:
            unpaired_new.append(new_field)
    rest: list[Field] = []
    for new_field in unpaired_new:
        for alias in new_field.aliases:
            old_field = old_map.get(alias)
            if old_field is not None and alias not in used and old_field in old_fields:
                pairs.append((old_field, new_field, "alias"))
                used.add(alias)
                break
        else:
            rest.append(new_field)
    for new_field in rest:
        for old_field in old_fields:
            if old_field.name not in used and new_field.name in old_field.aliases:
                pairs.append((old_field, new_field, "alias on the old field"))
                used.add(old_field.name)
                break
    return pairs


def _pair_branches(old: tuple[Node, ...], new: tuple[Node, ...]) -> list[tuple[int, int]]:
    """(old index, new index) of union branches that hold the same kind of value."""
    pairs: list[tuple[int, int]] = []
    free_old = list(range(len(old)))
    free_new: list[int] = []
    old_keys = {branch.branch_key: i for i, branch in enumerate(old)}
    for j, branch in enumerate(new):
        i = old_keys.get(branch.branch_key)
        if i is not None and i in free_old:
            pairs.append((i, j))
            free_old.remove(i)
        else:
            free_new.append(j)
    for j in list(free_new):
        branch = new[j]
        if not isinstance(branch, Named):
            continue
        for i in free_old:
            candidate = old[i]
            if (
                isinstance(candidate, Named)
                and candidate.kind == branch.kind
                and (names_match(branch, candidate) or names_match(candidate, branch))
            ):
                pairs.append((i, j))
                free_old.remove(i)
                free_new.remove(j)
                break
    # one left of a named kind on each side: the same type, renamed
    for kind in ("record", "enum", "fixed"):
        olds = [i for i in free_old if old[i].kind == kind]
        news = [j for j in free_new if new[j].kind == kind]
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
    return sorted(pairs)


def _within(pointer: str, scopes: list[Scope]) -> bool:
    for scope, below in scopes:
        if pointer == scope:
            return True
        if below and (scope == "" or pointer.startswith(scope + "/")):
            return True
    return False


def _owned(issue: Issue, reader_scopes: list[Scope], writer_scopes: list[Scope]) -> bool:
    if _within(issue.reader_path, reader_scopes):
        return True
    return any(_within(path, writer_scopes) for path in issue.writer_paths)


def diff(old: AvroSchema, new: AvroSchema) -> list[Change]:
    """The changes from `old` to `new`, in schema order, each judged by the checker."""
    from gate.formats.avro.loadjson import recursion_headroom

    walker = _Walker()
    if old.deep or new.deep:
        with recursion_headroom():
            walker.walk(old.root, new.root, "", "", ROOT_PLACE)
    else:
        try:
            walker.walk(old.root, new.root, "", "", ROOT_PLACE)
        except RecursionError:
            # nests deeper than it looked: walk again with room to recurse
            walker = _Walker()
            with recursion_headroom():
                walker.walk(old.root, new.root, "", "", ROOT_PLACE)
    backward = check_issues(new, old)  # the new schema reads old data
    forward = check_issues(old, new)  # the old schema reads new data
    # by direction: a schema diffed with itself may hand both the same issues
    claimed_bw: set[int] = set()
    claimed_fw: set[int] = set()
    changes: list[Change] = []
    for draft in walker.drafts:
        bw = [
            i
            for i in backward
            if _owned(i, draft.new_scopes, draft.old_scopes) or _key(i) in draft.backward_keys
        ]
        fw = [
            i
            for i in forward
            if _owned(i, draft.old_scopes, draft.new_scopes) or _key(i) in draft.forward_keys
        ]
        claimed_bw.update(map(id, bw))
        claimed_fw.update(map(id, fw))
        changes.append(
            Change(
                path=draft.path,
                description=draft.text,
                backward_ok=not any(issue.error for issue in bw),
                forward_ok=not any(issue.error for issue in fw),
                rules=tuple(sorted({issue.rule for issue in (*bw, *fw)})),
            )
        )
    changes.extend(
        Change(issue.reader_path, issue.message, False, True, (issue.rule,))
        for issue in backward
        if issue.error and id(issue) not in claimed_bw
    )
    for issue in forward:
        if issue.error and id(issue) not in claimed_fw:
            path = issue.writer_paths[0] if issue.writer_paths else issue.reader_path
            changes.append(Change(path, issue.message, True, False, (issue.rule,)))
    return changes
