"""Reader/writer compatibility, as Apache Avro's Java `SchemaCompatibility` decides it.

Confluent Schema Registry judges Avro with that class, so we follow its algorithm step by step:
the same promotions (int -> long, float, double; long -> float, double; float -> double; string
<-> bytes), named types matched by unqualified name or a reader alias, fields by name or a reader
field alias, union rules, and the same memo of reader/writer pairs, where a pair still being
checked counts as compatible (that is how recursive types terminate, and it decides the verdict
of some recursive pairs, so we keep it exactly).

Where we differ, it is in what we report, never in the verdict:

- every incompatibility is reported, each with a JSON Pointer into the reader schema and a plain
  message; when no branch of a reader union can read a writer type and one branch is clearly
  meant for it (same kind, and same name for named types), we report why that branch cannot read
  it rather than only "missing union branch";
- a reader field whose enum type has a default but no field default, absent from the writer, is
  reported as missing its default (Java reports it as a type mismatch; either way incompatible);
- changes of meaning the wire format accepts (decimal precision or scale, timestamp units,
  logical types) are reported as warnings.

Two places where the Python `avro.compatibility` port (our test oracle) differs from Java, and we
follow Java:

- Java qualifies an unqualified alias of a named type with the type's namespace before comparing
  it with the writer's full name: in namespace `ns`, alias `Old` matches writer `ns.Old` and not
  writer `Old`. The Python port compares the alias as written.
- Java throws when a reader field matches more than one writer field (by name and aliases), and
  the registry reports the throw as an incompatibility; the Python port takes the field matched
  by name. We report `AVRO_NAME_MISMATCH` for that field and stop, as the registry does.

Versions of a schema share most of their types: two types with the same fingerprint (see
`nodes.Node`) read each other with no issue, and the checker says so without walking them, so
that checking two versions costs about as much as the types that differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate import records
from gate.formats.avro import rules as R
from gate.formats.avro.describe import (
    ROOT_PLACE,
    describe,
    field_place,
    items_place,
    label,
    union_labels,
    values_place,
)
from gate.formats.avro.logical import UNIT_FAMILIES
from gate.formats.avro.nodes import (
    PRIMITIVES,
    PROMOTIONS,
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
    names_match,
)
from gate.model import Incompatibility, Side

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "PROMOTIONS",
    "Checker",
    "Issue",
    "check",
    "check_issues",
    "compatible",
    "names_match",
    "resolution_may_change_values",
]

_UNIT_FACTOR = {"millis": 1, "micros": 1000, "nanos": 1_000_000}


class Issue(records.Record):
    """One incompatibility (or warning) with its places in both schemas.

    `reader_path` points into the reader schema; `writer_paths` at the writer's side of it (the
    writer type, branch or symbols that cannot be read), which `diff` uses to tie an issue to the
    change that caused it.
    """

    rule: str
    message: str
    reader_path: str
    writer_paths: tuple[str, ...]
    fix: str | None
    error: bool = True


_NONE: tuple[Issue, ...] = ()


class _Ambiguous(Exception):
    """Java throws here; the registry turns the throw into one incompatibility."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _has_error(issues: tuple[Issue, ...]) -> bool:
    return any(issue.error for issue in issues)


class Checker:
    """One reader/writer check; its memo lives as long as the check.

    Two types with the same fingerprint (`Node.fp`) read each other with no issue, so the checker
    answers for them without walking them; `skip_identical=False` walks them all the same (the
    verdicts and issues are the same either way: the tests hold the fingerprints to that).
    """

    def __init__(self, skip_identical: bool = True) -> None:
        # (id(reader node), id(writer node)) -> issues; None while the pair is in progress
        self.memo: dict[tuple[int, int], tuple[Issue, ...] | None] = {}
        self.skip_identical = skip_identical
        self.aliasing: dict[int, bool] = {}  # id(reader node) -> a field below it has aliases

    def run(self, reader: Node, writer: Node) -> list[Issue]:
        try:
            issues = self.pair(reader, writer, "", "", ROOT_PLACE, False)
        except _Ambiguous as stop:
            return [stop.issue]
        out: list[Issue] = []
        seen: set[tuple[str, str, str]] = set()
        for issue in issues:
            key = (issue.rule, issue.reader_path, issue.message)
            if key not in seen:
                seen.add(key)
                out.append(issue)
        return out

    def pair(
        self, r: Node, w: Node, rptr: str, wptr: str, place: str, in_writer_union: bool
    ) -> tuple[Issue, ...]:
        fp = r.fp
        if fp is not None and fp == w.fp and self.skip_identical:
            # structurally identical, non-recursive, and free of issues against itself
            return _NONE
        rk, wk = r.kind, w.kind
        if rk in PRIMITIVES and wk in PRIMITIVES:
            # no recursion below two primitives: the memo would change nothing, skip it
            if rk == wk or rk in PROMOTIONS.get(wk, ()):
                return _logical_warnings(r, w, rptr, wptr, place)
            return (_type_mismatch(r, w, rptr, wptr, place, in_writer_union),)
        key = (id(r), id(w))
        if key in self.memo:
            known = self.memo[key]
            return _NONE if known is None else known
        self.memo[key] = None
        result = self.calculate(r, w, rptr, wptr, place, in_writer_union)
        self.memo[key] = result
        return result

    def calculate(
        self, r: Node, w: Node, rptr: str, wptr: str, place: str, in_writer_union: bool
    ) -> tuple[Issue, ...]:
        rk, wk = r.kind, w.kind
        if rk == wk:
            if rk in PRIMITIVES:
                return _logical_warnings(r, w, rptr, wptr, place)
            if isinstance(r, Array) and isinstance(w, Array):
                return self.pair(
                    r.items, w.items, rptr + "/items", wptr + "/items", items_place(place), False
                )
            if isinstance(r, Map) and isinstance(w, Map):
                return self.pair(
                    r.values,
                    w.values,
                    rptr + "/values",
                    wptr + "/values",
                    values_place(place),
                    False,
                )
            if isinstance(r, Fixed) and isinstance(w, Fixed):
                return (
                    *_names(r, w),
                    *_fixed_size(r, w),
                    *_logical_warnings(r, w, r.pointer, w.pointer, place),
                )
            if isinstance(r, Enum) and isinstance(w, Enum):
                return (*_names(r, w), *_enum_symbols(r, w))
            if isinstance(r, Record) and isinstance(w, Record):
                return (*_names(r, w), *self.fields(r, w))
            if isinstance(r, Union) and isinstance(w, Union):
                out: list[Issue] = []
                for index, branch in enumerate(w.branches):
                    out.extend(self.pair(r, branch, rptr, f"{wptr}/{index}", place, True))
                return tuple(out)
            raise AssertionError(f"unknown Avro type {rk}")  # pragma: no cover
        if isinstance(w, Union):
            out = []
            for index, branch in enumerate(w.branches):
                out.extend(self.pair(r, branch, rptr, f"{wptr}/{index}", place, True))
            return tuple(out)
        if rk in PROMOTIONS.get(wk, ()):
            return _logical_warnings(r, w, rptr, wptr, place)
        if isinstance(r, Union):
            return self.reader_union(r, w, rptr, wptr, place, in_writer_union)
        return (_type_mismatch(r, w, rptr, wptr, place, in_writer_union),)

    def reader_union(
        self, r: Union, w: Node, rptr: str, wptr: str, place: str, in_writer_union: bool
    ) -> tuple[Issue, ...]:
        results: list[tuple[Issue, ...]] = []
        primitive_writer = w.kind in PRIMITIVES
        meant = _branch_meant_for(r, w)
        for index, branch in enumerate(r.branches):
            if primitive_writer and branch.kind in PRIMITIVES:
                # a quick answer for the common probe; a failed one is never explained
                if branch.kind == w.kind or branch.kind in PROMOTIONS.get(w.kind, ()):
                    return _logical_warnings(branch, w, f"{rptr}/{index}", wptr, place)
                results.append(_NONE)
                continue
            if (
                index != meant
                and isinstance(branch, Named)
                and isinstance(w, Named)
                and branch.kind == w.kind
                and not names_match(branch, w)
                and not self.has_field_aliases(branch)
            ):
                # fails on its name alone, and only a reader field's aliases could make the walk
                # below it throw: walking it would be exponential in nested unions of records
                results.append(_names(branch, w))
                continue
            issues = self.pair(branch, w, f"{rptr}/{index}", wptr, place, in_writer_union)
            if not _has_error(issues):
                return issues
            results.append(issues)
        if meant is not None and results[meant]:
            return results[meant]
        if in_writer_union:
            message = (
                f"writer union branch `{label(w)}` at {place} is not readable by the reader "
                f"(reader union: {union_labels(r)})"
            )
            fix = f"keep `{label(w)}` in the union"
        else:
            message = (
                f"type of {place} is {describe(w)} in the writer, but no branch of the reader's "
                f"union {union_labels(r)} can read it"
            )
            fix = f"add `{label(w)}` to the reader's union"
        return (Issue(R.MISSING_UNION_BRANCH, message, rptr, (wptr,), fix),)

    def has_field_aliases(self, node: Node) -> bool:
        """Whether a record field reachable from `node` has aliases."""
        known = self.aliasing.get(id(node))
        if known is None:
            seen: set[int] = set()
            pending = [node]
            known = False
            while pending and not known:
                current = pending.pop()
                if id(current) in seen:
                    continue
                seen.add(id(current))
                if isinstance(current, Record):
                    known = any(field.aliases for field in current.fields)
                    pending.extend(field.type for field in current.fields)
                elif isinstance(current, Array):
                    pending.append(current.items)
                elif isinstance(current, Map):
                    pending.append(current.values)
                elif isinstance(current, Union):
                    pending.extend(current.branches)
            self.aliasing[id(node)] = known
        return known

    def fields(self, r: Record, w: Record) -> tuple[Issue, ...]:
        out: list[Issue] = []
        writer_fields = w.field_map
        reader_fields: Sequence[Field] = r.fields
        if r.fp is not None and not r.field_aliases and self.skip_identical:
            # every field's type has a fingerprint and none has aliases: a field both records
            # hold (one object) reads itself with no issue
            reader_fields = fields_apart(r.fields, w.fields)
        for reader_field in reader_fields:
            direct = writer_fields.get(reader_field.name)
            if direct is not None and not reader_field.aliases:
                # the common case: matched by name alone, often to an identical type
                reader_type, writer_type = reader_field.type, direct.type
                fp = reader_type.fp
                # (one type node shared by both versions needs no comparing of fingerprints)
                if (
                    fp is not None
                    and (reader_type is writer_type or fp == writer_type.fp)
                    and self.skip_identical
                ):
                    continue
                out.extend(
                    self.pair(
                        reader_type,
                        writer_type,
                        reader_field.pointer + "/type",
                        direct.pointer + "/type",
                        field_place(reader_field.name, r.name),
                        False,
                    )
                )
                continue
            matches = []
            if direct is not None:
                matches.append(direct)
            for alias in reader_field.aliases:
                found = writer_fields.get(alias)
                if found is not None:
                    matches.append(found)
            place = field_place(reader_field.name, r.name)
            if len(matches) > 1:
                names = ", ".join(f"`{m.name}`" for m in matches)
                raise _Ambiguous(
                    Issue(
                        R.NAME_MISMATCH,
                        f"{place} matches more than one writer field by its name and aliases "
                        f"({names}), which Avro's checker refuses",
                        reader_field.pointer,
                        tuple(m.pointer for m in matches),
                        f"remove the aliases of `{reader_field.name}` that name other writer "
                        "fields",
                    )
                )
            if not matches:
                if not reader_field.has_default:
                    note = ""
                    if isinstance(reader_field.type, Enum) and reader_field.type.default:
                        note = " (the default of its enum type does not count as a field default)"
                    out.append(
                        Issue(
                            R.READER_FIELD_MISSING_DEFAULT,
                            f"{place} has no default and is missing from the writer schema, so "
                            f"the reader cannot fill it{note}",
                            reader_field.pointer,
                            (),  # the writer has no such field: nothing of it to point at
                            f"give `{reader_field.name}` a default",
                        )
                    )
                continue
            writer_field = matches[0]
            out.extend(
                self.pair(
                    reader_field.type,
                    writer_field.type,
                    reader_field.pointer + "/type",
                    writer_field.pointer + "/type",
                    place,
                    False,
                )
            )
        return tuple(out)


def _branch_meant_for(r: Union, w: Node) -> int | None:
    """The reader branch written for `w`'s kind (and name): the one worth explaining."""
    same_kind = [index for index, branch in enumerate(r.branches) if branch.kind == w.kind]
    if not same_kind:
        return None
    if isinstance(w, Named):
        for index in same_kind:
            branch = r.branches[index]
            if isinstance(branch, Named) and names_match(branch, w):
                return index
    return same_kind[0]


def _names(r: Named, w: Named) -> tuple[Issue, ...]:
    if names_match(r, w):
        return _NONE
    return (
        Issue(
            R.NAME_MISMATCH,
            f"{r.kind} `{r.fullname}` in the reader does not match {w.kind} `{w.fullname}` in "
            f"the writer: the names differ and the reader has no alias `{w.fullname}`",
            r.pointer + "/name",
            (w.pointer + "/name",),
            f'add "{w.fullname}" to the aliases of `{r.name}`',
        ),
    )


def _fixed_size(r: Fixed, w: Fixed) -> tuple[Issue, ...]:
    if r.size == w.size:
        return _NONE
    return (
        Issue(
            R.FIXED_SIZE_MISMATCH,
            f"fixed `{r.name}` is {r.size} bytes in the reader but {w.size} bytes in the writer",
            r.pointer + "/size",
            (w.pointer + "/size",),
            f"give `{r.name}` the same size in both schemas",
        ),
    )


def _enum_symbols(r: Enum, w: Enum) -> tuple[Issue, ...]:
    missing = [(index, s) for index, s in enumerate(w.symbols) if s not in r.symbol_set]
    if not missing or (r.default is not None and r.default in r.symbol_set):
        return _NONE
    names = ", ".join(f"`{symbol}`" for _, symbol in missing)
    plural = "s" if len(missing) > 1 else ""
    pronoun = "them" if plural else "it"
    return (
        Issue(
            R.MISSING_ENUM_SYMBOLS,
            f"enum `{w.name}` in the writer has symbol{plural} {names} that the reader's enum "
            f"`{r.name}` lacks, and the reader's enum has no default to read {pronoun} as",
            r.pointer + "/symbols",
            tuple(f"{w.pointer}/symbols/{index}" for index, _ in missing),
            f"add {names} to the reader's enum `{r.name}`, or give it a default symbol",
        ),
    )


def _type_mismatch(
    r: Node, w: Node, rptr: str, wptr: str, place: str, in_writer_union: bool
) -> Issue:
    readers = sorted(PROMOTIONS.get(w.kind, ()))
    if in_writer_union:
        message = (
            f"writer union branch `{label(w)}` at {place} is not readable by the reader, whose "
            f"type there is {describe(r)}"
        )
        fix = f"let the reader's type at {place} read `{label(w)}` (make it a union with it)"
    else:
        message = (
            f"type of {place} is {describe(r)} in the reader but {describe(w)} in the writer, "
            f"and Avro cannot read {label(w)} data as {label(r)}"
        )
        fix = f"use {describe(w)} in both schemas"
        if readers:
            fix += f", or a reader type that {w.kind} promotes to ({', '.join(readers)})"
    return Issue(R.TYPE_MISMATCH, message, rptr, (wptr,), fix)


def _unit(name: str) -> str:
    return name.rsplit("-", 1)[1]


def _logical_warnings(r: Node, w: Node, rptr: str, wptr: str, place: str) -> tuple[Issue, ...]:
    rl, wl = r.logical, w.logical
    if rl == wl:
        return _NONE
    paths = (wptr,)
    if rl is not None and wl is not None and rl.name == wl.name == "decimal":
        out: list[Issue] = []
        if rl.precision != wl.precision:
            out.append(
                Issue(
                    R.DECIMAL_PRECISION_CHANGED,
                    f"{place} is a decimal of precision {rl.precision} in the reader but "
                    f"{wl.precision} in the writer; values are read unchanged but may not fit "
                    "the reader's precision",
                    rptr,
                    paths,
                    "keep the decimal's precision, or check that readers accept the new range",
                    error=False,
                )
            )
        if rl.scale != wl.scale:
            shift = abs((rl.scale or 0) - (wl.scale or 0))
            out.append(
                Issue(
                    R.DECIMAL_SCALE_CHANGED,
                    f"{place} is a decimal of scale {rl.scale} in the reader but {wl.scale} in "
                    "the writer; the same unscaled digits are read with another scale, so every "
                    f"value changes by a factor of 10^{shift}",
                    rptr,
                    paths,
                    "keep the decimal's scale; add a new field for the new scale instead",
                    error=False,
                )
            )
        return tuple(out)
    if (
        rl is not None
        and wl is not None
        and UNIT_FAMILIES.get(rl.name) is not None
        and UNIT_FAMILIES.get(rl.name) == UNIT_FAMILIES.get(wl.name)
    ):
        ratio = _UNIT_FACTOR[_unit(rl.name)] / _UNIT_FACTOR[_unit(wl.name)]
        factor = int(ratio) if ratio >= 1 else int(1 / ratio)
        return (
            Issue(
                R.TIMESTAMP_PRECISION_CHANGED,
                f"{place} is {rl.name} in the reader but {wl.name} in the writer; the same "
                f"number is read in another unit, so values are off by a factor of {factor}",
                rptr,
                paths,
                f"keep {wl.name}; add a new field for the new unit instead",
                error=False,
            ),
        )
    underlying = r.kind if r.kind == w.kind else f"{r.kind} and {w.kind}"
    return (
        Issue(
            R.LOGICAL_TYPE_CHANGED,
            f"{place} has logical type {rl or 'none'} in the reader but {wl or 'none'} in the "
            f"writer (underlying {underlying}); values are read with another meaning",
            rptr,
            paths,
            "keep the logical type; add a new field for the new meaning instead",
            error=False,
        ),
    )


# the last few checks, by the two schemas (held, so that their ids are not reused): a judge
# checks a pair for its verdict and then again for its changelog (see `diff.diff`)
_RECENT: list[tuple[AvroSchema, AvroSchema, tuple[Issue, ...]]] = []
_RECENT_LIMIT = 4


def check_issues(reader: AvroSchema, writer: AvroSchema) -> list[Issue]:
    """Every issue of `reader` reading data written with `writer`, in schema order."""
    for known_reader, known_writer, known in _RECENT:
        if known_reader is reader and known_writer is writer:
            return list(known)
    issues = _run_check(reader, writer)
    _RECENT.append((reader, writer, tuple(issues)))
    if len(_RECENT) > _RECENT_LIMIT:
        del _RECENT[0]
    return issues


def _run_check(reader: AvroSchema, writer: AvroSchema) -> list[Issue]:
    from gate.formats.avro.loadjson import recursion_headroom

    if not (reader.deep or writer.deep):
        try:
            return Checker().run(reader.root, writer.root)
        except RecursionError:
            pass  # nests deeper than it looked: check again with room to recurse
    with recursion_headroom():
        return Checker().run(reader.root, writer.root)


def check(reader: AvroSchema, writer: AvroSchema) -> list[Incompatibility]:
    """Every incompatibility (and meaning-change warning) of `reader` reading `writer`'s data."""
    return [
        Incompatibility(issue.rule, issue.message, issue.reader_path, Side.READER, issue.fix)
        for issue in check_issues(reader, writer)
    ]


def compatible(reader: AvroSchema, writer: AvroSchema) -> bool:
    """The registry's verdict: no error (warnings do not count)."""
    return not any(issue.error for issue in check_issues(reader, writer))


def resolution_may_change_values(reader: AvroSchema, writer: AvroSchema) -> bool:
    """Whether data written with `writer` may decode with `reader` without an error and yet not
    to what was written (a dropped field while a default fills another, an enum symbol read as
    the default), or where fastavro's resolution may part from the Avro rules (logical types,
    aliases, bytes read as strings). False only when neither can happen: then a payload
    simulation of a pair the checker calls compatible can show nothing the checker has not."""
    texts = (reader.text, writer.text, *reader.reference_texts, *writer.reference_texts)
    if any("logicalType" in text for text in texts):
        return True
    # bytes read as a string must be UTF-8, which the Avro rules never ask of them (a writer
    # whose text never names bytes, even escaped, has none)
    writes_bytes = any(
        '"bytes"' in text or "\\u" in text for text in (writer.text, *writer.reference_texts)
    )
    if writes_bytes and _bytes_as_string(reader.root, writer.root):
        return True
    readers = list(reader.names.values())
    for r in readers:
        if r.raw_aliases or (isinstance(r, Record) and r.field_aliases):
            return True
    # no reader has an alias (see above): a reader type matches a writer type by its name alone
    by_name: dict[tuple[str, str], list[Named]] = {}
    for r in readers:
        by_name.setdefault((r.kind, r.name), []).append(r)
    for w in writer.names.values():
        for r in by_name.get((w.kind, w.name), ()):
            if r is w and not writes_bytes:
                continue  # one type shared by both parses reads as written
            if isinstance(r, Record) and isinstance(w, Record):
                written = w.field_map
                if written.keys() - r.field_map.keys() and any(
                    f.has_default and f.name not in written for f in r.fields
                ):
                    return True
                if not writes_bytes:
                    continue
                for f in w.fields:
                    read = r.field_map.get(f.name)
                    if read is not None and _bytes_as_string(read.type, f.type):
                        return True
            elif (
                isinstance(r, Enum)
                and isinstance(w, Enum)
                and r.default is not None
                and not w.symbol_set <= r.symbol_set
            ):
                return True
    # the simulator pairs the top records whatever their names
    return (
        isinstance(reader.root, Record)
        and isinstance(writer.root, Record)
        and not names_match(reader.root, writer.root)
    )


def _unnamed_kinds(node: Node) -> set[str]:
    """The kinds of `node` and of what it holds short of a named type (union branches, array
    items, map values)."""
    kinds = {node.kind}
    if isinstance(node, Union):
        for branch in node.branches:
            kinds |= _unnamed_kinds(branch)
    elif isinstance(node, Array):
        kinds |= _unnamed_kinds(node.items)
    elif isinstance(node, Map):
        kinds |= _unnamed_kinds(node.values)
    return kinds


def _bytes_as_string(reader: Node, writer: Node) -> bool:
    """Whether a string of `reader` may read bytes of `writer` at this place (named types
    below are paired on their own)."""
    kind = writer.kind
    if kind in PRIMITIVES:  # the common case, without building sets
        if kind != "bytes":
            return False
        if reader.kind in PRIMITIVES:
            return reader.kind == "string"
    return "bytes" in _unnamed_kinds(writer) and "string" in _unnamed_kinds(reader)
