"""Avro consumer simulation: payloads encoded with fastavro's writer and decoded with its reader
given the reader schema, exactly as a Python consumer would; schemas come in as JSON values
(references inlined). Also the Avro body of a captured or plain sample, read as a consumer reads
it.

The outcome says how many payloads ran, which failed and with what exact error, which decoded
but silently changed (a field value dropped while another took its default; an enum symbol
replaced by the reader's default), and carries the smallest failing payload as a witness.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from io import BytesIO
from typing import TYPE_CHECKING, Any

from gate.canonical import canonical_dumps
from gate.formats.avro import PRIMITIVES
from gate.jsonpos import join_pointer, pointer_tokens
from gate.model import SchemaType, Witness
from gate.simulation_types import (
    Candidate,
    FailureKind,
    Item,
    OutOfWork,
    SampleRejection,
    SimulationOutcome,
    Tally,
    ValueChange,
    Work,
    clipped,
    error_text,
    failures_of,
    run_on_json,
    shrink,
    worst,
)
from gate.simulationrules import (
    SAMPLE_NOT_VALID_FOR_WRITER,
    SIMULATION_ENUM_DEFAULTED,
    SIMULATION_VALUE_LOST,
)

if TYPE_CHECKING:
    from gate.formats.avro.payloads import NamedType
    from gate.samples import DecodedWire, Sample, SampleProblem


class AvroSimulator:
    """`gate.formats.Simulator` for Avro: it simulates the schemas' JSON (references inlined)."""

    parsed_input = False  # takes the schema JSON, not the parsed form
    reuses_witnesses = False
    body_encoding: str | None = "avro"

    def input(self, value: Any) -> Any:
        """The schema JSON the simulation takes for a parsed schema."""
        if hasattr(value, "json"):
            return value.json
        return getattr(value, "document", None)

    def prepare(self, writer: Any, reader: Any) -> None:
        """Nothing to note: fastavro parses each schema once anyway."""

    def witness_of(
        self,
        writer: Any,
        reader: Any,
        payload: Any,
        *,
        writer_label: str,
        reader_label: str,
        target: str | None = None,
    ) -> Witness | None:
        return None

    def simulate(
        self,
        writer: Any,
        reader: Any,
        *,
        writer_label: str,
        reader_label: str,
        samples: Sequence[Any] = (),
        seed: int = 0,
        random_count: int = 20,
        schema_id: int | None = None,
        targets: Sequence[str] = (),
    ) -> SimulationOutcome:
        return run_on_json(
            lambda: _simulate_avro(
                writer,
                reader,
                writer_label,
                reader_label,
                samples,
                seed,
                random_count,
                schema_id,
                targets,
            ),
            writer,
            reader,
        )

    def decode_wire(
        self, sample: Sample, writer: Any, reader: Any | None
    ) -> DecodedWire | SampleProblem:
        return _decode_avro_wire(sample, writer, reader, sample.body or b"")

    def plain_reader(
        self, writer: Any, reader: Any
    ) -> Callable[[Sample], DecodedWire | SampleProblem]:
        return plain_reader(writer, reader)

    def worth_simulating(self, reader: Any | None, writer: Any | None) -> bool:
        """Whether resolution may change values or part from the Avro rules."""
        if reader is None or writer is None:
            return False
        from gate.formats.avro.check import resolution_may_change_values

        return resolution_may_change_values(reader, writer)

    def rules_accept(self, reader: Any, writer: Any) -> bool:
        """The registry's Avro rules: no error."""
        from gate.formats.avro.check import compatible

        return compatible(reader, writer)

    def payload_json(self, value: Any) -> Any:
        from gate.formats.avro import payloads

        return payloads.to_json(value)


SIMULATOR = AvroSimulator()


def _simulate_avro(
    writer_json: Any,
    reader_json: Any,
    writer_label: str,
    reader_label: str,
    samples: Sequence[Any],
    seed: int,
    random_count: int,
    schema_id: int | None,
    targets: Sequence[str] = (),
) -> SimulationOutcome:
    from fastavro import schemaless_reader

    from gate.formats.avro import payloads

    writer_key = payloads.content_key(writer_json)
    reader_key = payloads.content_key(reader_json)
    writer_parsed = payloads.parse(writer_json, key=writer_key)
    reader_parsed = payloads.parse(reader_json, key=reader_key)
    generated = payloads.payload_set(
        writer_json, seed=seed, random_count=random_count, key=writer_key
    )
    items, rejected, skipped = _avro_samples(
        samples, writer_json, writer_parsed, writer_label, schema_id
    )
    coverage = generated.coverage
    items.extend(
        Item(
            f"generated #{index}"
            if index < coverage
            else f"generated #{index} (random, seed {seed})",
            payload,
            data,
        )
        for index, (payload, data) in enumerate(generated.items)
    )
    pairs = _named_pairs(writer_json, reader_json, writer_key, reader_key)
    candidates = _avro_candidates(pairs, reader_json, writer_label, reader_label)
    for candidate in candidates:
        candidate.parsed = payloads.parse(candidate.variant)
    pending = list(candidates)
    tally = Tally()
    work, confirming = Work(), Work()  # witnesses, and value changes: each its own budget
    by_full_names = _by_full_names(writer_json, reader_json, writer_key, reader_key)
    for order, item in enumerate(items):
        data = item.data
        assert data is not None
        try:
            read = schemaless_reader(BytesIO(data), writer_parsed, reader_parsed)
        except Exception as error:  # every consumer-side failure is a finding
            kind = _avro_kind(error)
            if (
                kind is FailureKind.RESOLUTION
                and by_full_names is not None
                and _reads(data, *by_full_names)
            ):
                kind = FailureKind.NAMES
            tally.add(item, error_text(error), kind, order)
            continue
        if pending and confirming.spend(len(data) * len(pending), "confirm"):
            confirming.attempts += len(pending)
            pending = _confirm(pending, item, read, writer_parsed)
    witness = _avro_witness(
        worst(tally),
        writer_json,
        writer_parsed,
        reader_parsed,
        writer_label,
        reader_label,
        schema_id,
        work,
    )
    witnesses: dict[str, Witness] = {}
    for target in targets:
        shown = _avro_shown(
            tally, witness, target, len(targets), writer_json, reader_json, writer_parsed, work
        )
        if shown is witness or shown is None:
            if shown is not None:
                witnesses[target] = shown
            continue
        found = _avro_witness(
            shown,
            writer_json,
            writer_parsed,
            reader_parsed,
            writer_label,
            reader_label,
            schema_id,
            work,
        )
        if found is not None:
            witnesses[target] = found
    return SimulationOutcome(
        payload_count=len(items),
        failures=failures_of(tally, payloads.to_json),
        value_changes=tuple(c.confirmed for c in candidates if c.confirmed is not None),
        witness=witness,
        schema_type=SchemaType.AVRO,
        writer=writer_label,
        reader=reader_label,
        failed_count=tally.failed,
        rejected_samples=tuple(rejected),
        skipped_samples=skipped,
        exhaustive=generated.exhaustive,
        unenforced=_unenforced(pairs, payloads.empty_unions(reader_json, key=reader_key)),
        witnesses=witnesses,
        notes=(*generated.notes, *confirming.notes(), *work.notes()),
    )


def _avro_shown(
    tally: Tally,
    witness: Witness | None,
    target: str,
    count: int,
    writer_json: Any,
    reader_json: Any,
    writer_parsed: Any,
    work: Work | None = None,
) -> Any:
    """What shows the finding at `target`: the pair's witness when it is the only finding (a
    failure to resolve); else the first failing payload that the reader fails on because of the
    field at `target` (read again with that field as the writer has it, it no longer fails
    so), as a `Item`, or the pair's witness when that is the one; else None: fastavro stops at
    the first error, so a finding whose data fails later shows no witness of its own."""
    resolution = {
        error: entry
        for error, entry in tally.failures.items()
        if entry[1] is FailureKind.RESOLUTION
    }
    if count == 1:
        return witness if witness is not None and witness.error in resolution else None
    variant = _with_writer_field(writer_json, reader_json, target)
    if variant is None:
        return None
    from gate.formats.avro import payloads

    try:
        fixed = payloads.parse(variant)
    except Exception:  # the variant is no schema fastavro takes: nothing to compare
        return None
    for error, (item, _, _) in resolution.items():
        if item.data is None:
            continue
        if work is not None:
            if not work.spend(len(item.data) + 1, "shown"):
                return None
            work.attempts += 1
        try:
            payloads.decode(item.data, writer_parsed, fixed)
        except Exception as other:  # still failing: the same way means another cause
            if error_text(other) == error:
                continue
        if witness is not None and witness.error == error:
            return witness
        return item
    return None


def _with_writer_field(writer_json: Any, reader_json: Any, target: str) -> Any:
    """The reader record with the top-level field at `target` as the writer has it (or without
    it, when the writer has no such field); None when `target` is not within a field of a
    top-level record."""
    tokens = pointer_tokens(target)
    if len(tokens) < 2 or tokens[0] != "fields" or not tokens[1].isdigit():
        return None
    if not (isinstance(reader_json, Mapping) and isinstance(writer_json, Mapping)):
        return None
    fields = reader_json.get("fields")
    index = int(tokens[1])
    if (
        not isinstance(fields, list)
        or index >= len(fields)
        or not isinstance(fields[index], Mapping)
    ):
        return None
    name = fields[index].get("name")
    written = [
        f for f in writer_json.get("fields", ()) if isinstance(f, Mapping) and f.get("name") == name
    ]
    changed = list(fields)
    if written:
        changed[index] = written[0]
    else:
        del changed[index]
    return {**reader_json, "fields": changed}


def _avro_kind(error: BaseException) -> FailureKind:
    # fastavro raises SchemaResolutionError for every resolution rule; anything else comes from
    # converting a resolved value (bytes promoted to a string that is not UTF-8, logical types)
    if type(error).__name__ == "SchemaResolutionError":
        return FailureKind.RESOLUTION
    return FailureKind.CONVERSION


def avro_failure_kind(
    error: BaseException, data: bytes, writer_json: Any, reader_json: Any
) -> FailureKind:
    """Why fastavro failed to read the Avro body `data` written with `writer_json` as
    `reader_json`: `FailureKind.NAMES` when the body reads once union branches are matched by
    their full names (as Java's decoder does), `CONVERSION` when resolution succeeded and a
    value did not convert, else `RESOLUTION`. The first two are failures of fastavro consumers
    alone (`fastavro_only`)."""
    from gate.formats.avro import payloads

    kind = _avro_kind(error)
    if kind is FailureKind.RESOLUTION:
        pair = _by_full_names(
            writer_json,
            reader_json,
            payloads.content_key(writer_json),
            payloads.content_key(reader_json),
        )
        if pair is not None and _reads(data, *pair):
            kind = FailureKind.NAMES
    return kind


def _avro_samples(
    samples: Sequence[Any],
    writer_json: Any,
    writer_parsed: Any,
    writer_label: str,
    schema_id: int | None,
) -> tuple[list[Item], list[SampleRejection], int]:
    if not samples:
        return [], [], 0
    from gate.formats.avro import payloads
    from gate.samples import Sample

    items: list[Item] = []
    rejected: list[SampleRejection] = []
    skipped = 0
    for index, sample in enumerate(samples):
        if isinstance(sample, Sample):
            source = sample.source
            if sample.wire is not None:
                if schema_id is None or sample.schema_id != schema_id:
                    skipped += 1
                    continue
                body = sample.body or b""
                try:
                    payload = payloads.decode(body, writer_parsed, writer_parsed)
                except Exception as error:  # a body the writer cannot read is no evidence
                    rejected.append(
                        SampleRejection(
                            source,
                            f"the captured body does not decode "
                            f"with {writer_label}: {error_text(error)}",
                        )
                    )
                    continue
                items.append(Item(source, payload, body))
                continue
            payload = sample.payload
        else:
            source, payload = f"sample #{index + 1}", sample
        try:
            items.append(Item(source, payload, payloads.encode(payload, writer_parsed)))
            continue
        except Exception as error:  # tried again below as Avro's JSON encoding
            first_error = error
        try:
            value = payloads.from_avro_json(payload, writer_parsed)
            items.append(Item(source, value, payloads.encode(value, writer_parsed)))
        except Exception:  # neither form fits: report the plain form's problem
            rejected.append(
                SampleRejection(
                    source,
                    f"not valid under {writer_label}: "
                    + _avro_invalid_reason(payload, writer_json, first_error),
                )
            )
    return items, rejected, skipped


def _avro_invalid_reason(payload: Any, writer_json: Any, error: Exception) -> str:
    from fastavro.validation import validate

    try:
        validate(payload, writer_json, raise_errors=True)
    except Exception as invalid:  # ValidationError lists each field that does not fit
        errors = getattr(invalid, "errors", None)
        if errors:
            return clipped("; ".join(str(item) for item in errors))
        return clipped(str(invalid))
    return error_text(error)


def _confirm(
    pending: list[Candidate], item: Item, read: Any, writer_parsed: Any
) -> list[Candidate]:
    from fastavro import schemaless_reader

    from gate.formats.avro import payloads

    assert item.data is not None
    still: list[Candidate] = []
    for candidate in pending:
        try:
            schemaless_reader(BytesIO(item.data), writer_parsed, candidate.parsed)
        except Exception:  # the strict variant fails: the reader relied on a default here
            message, fix = candidate.describe(item.payload)
            candidate.confirmed = ValueChange(
                candidate.rule,
                message,
                candidate.path,
                item.source,
                payloads.to_json(item.payload),
                payloads.to_json(read),
                fix,
            )
            continue
        still.append(candidate)
    return still


def _short(fullname: str) -> str:
    return fullname.rsplit(".", 1)[-1]


_NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})


def _by_full_names(
    writer_json: Any, reader_json: Any, writer_key: str, reader_key: str
) -> tuple[Any, Any] | None:
    """fastavro's parsed writer and reader with each named type whose short name stands for two
    types (`a.P` and `b.P`) renamed alike on both sides to a short name of its own: fastavro
    then matches writer and reader types by full name, as Java's decoder does first. None when
    no short name stands for two types (fastavro and Java match alike)."""
    from fastavro import parse_schema

    from gate.formats.avro import payloads

    fulls = set(payloads.named_types(writer_json, key=writer_key))
    fulls |= set(payloads.named_types(reader_json, key=reader_key))
    by_short: dict[str, set[str]] = {}
    for full in fulls:
        by_short.setdefault(_short(full), set()).add(full)
    colliding = sorted(full for names in by_short.values() if len(names) > 1 for full in names)
    if not colliding:
        return None
    taken = {_short(full) for full in fulls}
    renamed: dict[str, str] = {}
    for full in colliding:
        index = 0
        while f"{_short(full)}_{index}" in taken:
            index += 1
        taken.add(f"{_short(full)}_{index}")
        renamed[full] = f"{full}_{index}"

    def rename(schema: Any) -> Any:
        if isinstance(schema, str):
            return renamed.get(schema, schema)
        if isinstance(schema, list):
            return [rename(branch) for branch in schema]
        if not isinstance(schema, dict):
            return schema
        out = {key: value for key, value in schema.items() if not key.startswith("__")}
        kind = schema.get("type")
        if kind in _NAMED_KINDS:
            name = schema.get("name")
            out["name"] = renamed.get(name, name) if isinstance(name, str) else name
            if kind in ("record", "error") and isinstance(schema.get("fields"), list):
                out["fields"] = [
                    {**f, "type": rename(f.get("type"))} if isinstance(f, dict) else f
                    for f in schema["fields"]
                ]
        elif kind == "array":
            out["items"] = rename(schema.get("items"))
        elif kind == "map":
            out["values"] = rename(schema.get("values"))
        elif kind not in PRIMITIVES:
            out["type"] = rename(kind)
        return out

    try:
        return tuple(  # type: ignore[return-value]
            parse_schema(rename(payloads.parse(schema)), named_schemas={}, _write_hint=False)
            for schema in (writer_json, reader_json)
        )
    except Exception:  # no such pair for fastavro: failures stay as they are
        return None


def _reads(data: bytes, writer_parsed: Any, reader_parsed: Any) -> bool:
    from fastavro import schemaless_reader

    try:
        schemaless_reader(BytesIO(data), writer_parsed, reader_parsed)
    except Exception:  # any failure: it does not read
        return False
    return True


def _aliases(definition: Mapping[str, Any], namespace: str) -> tuple[set[str], set[str]]:
    """A named type's aliases: (as written, qualified with its namespace)."""
    raw = {alias for alias in definition.get("aliases", ()) if isinstance(alias, str)}
    qualified = {
        alias if "." in alias or not namespace else f"{namespace}.{alias}" for alias in raw
    }
    return raw, qualified


def _named_pairs(
    writer_json: Any, reader_json: Any, writer_key: str, reader_key: str
) -> list[tuple[NamedType, NamedType]]:
    """Writer and reader named types a reader may resolve to each other (by name or alias)."""
    from gate.formats.avro import payloads

    writers = payloads.named_types(writer_json, key=writer_key)
    readers = payloads.named_types(reader_json, key=reader_key)
    # readers by the names a writer may match them by: their short name and their aliases
    reader_list = list(readers.values())
    by_name: dict[str, list[int]] = {}
    for index, r in enumerate(reader_list):
        raw, qualified = _aliases(r.definition, r.namespace)
        for name in {_short(r.fullname), *raw, *qualified}:
            by_name.setdefault(name, []).append(index)
    pairs: list[tuple[NamedType, NamedType]] = []
    for w in writers.values():
        found = {
            index for name in {_short(w.fullname), w.fullname} for index in by_name.get(name, ())
        }
        pairs.extend(
            (w, reader_list[index]) for index in sorted(found) if reader_list[index].kind == w.kind
        )
    w_root = payloads.root_type(writer_json, key=writer_key)
    r_root = payloads.root_type(reader_json, key=reader_key)
    if (
        w_root is not None
        and r_root is not None
        and w_root.kind == r_root.kind == "record"
        and (w_root, r_root) not in pairs
    ):
        pairs.append((w_root, r_root))
    return pairs


def _unenforced(
    pairs: list[tuple[NamedType, NamedType]], empty_unions: list[str]
) -> tuple[str, ...]:
    """Differences where fastavro's resolution is laxer than the Avro rules."""
    # fastavro treats an empty reader union like no reader schema and returns the writer's value
    out = [
        f"the reader's empty union at {pointer or '/'} (fastavro reads the writer's value)"
        for pointer in empty_unions
    ]
    for w, r in pairs:
        if _short(r.fullname) == _short(w.fullname):
            continue
        raw, qualified = _aliases(r.definition, r.namespace)
        if w.fullname not in qualified and (w.fullname in raw or _short(w.fullname) in raw):
            out.append(
                f"reader type {r.fullname} matches writer type {w.fullname} only through "
                "an alias the Avro rules qualify with the reader's namespace"
            )
    return tuple(dict.fromkeys(out))


def _without_defaults(schema_json: Any, pointers: Sequence[str]) -> Any:
    """`schema_json` without the `default` at each of `pointers`. Only the objects and arrays on
    the way to them are copied; the rest is shared with `schema_json`, which stays as it was."""
    copies: set[int] = set()

    def own(value: Any) -> Any:
        if not isinstance(value, (dict, list)) or id(value) in copies:
            return value
        mine = value.copy()
        copies.add(id(mine))
        return mine

    variant = own(schema_json)
    for pointer in pointers:
        target: Any = variant
        for token in pointer_tokens(pointer):
            key: Any = int(token) if isinstance(target, list) else token
            target[key] = own(target[key])
            target = target[key]
        if isinstance(target, dict):
            target.pop("default", None)
    return variant


def _avro_candidates(
    pairs: list[tuple[NamedType, NamedType]], reader_json: Any, writer_label: str, reader_label: str
) -> list[Candidate]:
    candidates: list[Candidate] = []
    for w, r in pairs:
        if r.kind == "record":
            candidate = _value_lost(w, r, reader_json, writer_label, reader_label)
        elif r.kind == "enum":
            candidate = _enum_defaulted(w, r, reader_json, writer_label, reader_label)
        else:
            candidate = None
        if candidate is not None:
            candidates.append(candidate)
    return candidates


def _value_lost(
    w: NamedType, r: NamedType, reader_json: Any, writer_label: str, reader_label: str
) -> Candidate | None:
    writer_types = {
        f["name"]: canonical_dumps(f.get("type"))
        for f in w.definition.get("fields", ())
        if isinstance(f, Mapping) and isinstance(f.get("name"), str)
    }
    writer_fields = list(writer_types)
    reader_fields = [f for f in r.definition.get("fields", ()) if isinstance(f, Mapping)]
    known = set()
    for f in reader_fields:
        known.add(f.get("name"))
        known.update(a for a in f.get("aliases", ()) if isinstance(a, str))
    dropped = [name for name in writer_fields if name not in known]
    defaulted = [
        (index, f)
        for index, f in enumerate(reader_fields)
        if "default" in f
        and f.get("name") not in writer_fields
        and not any(a in writer_fields for a in f.get("aliases", ()) if isinstance(a, str))
    ]
    if not dropped or not defaulted:
        return None
    pointers = [join_pointer(r.pointer, "fields", index) for index, _ in defaulted]
    names = [str(f.get("name")) for _, f in defaulted]
    defaults = ", ".join(
        f"{f.get('name')}={json.dumps(f.get('default'), ensure_ascii=False)}" for _, f in defaulted
    )

    def describe(payload: Any) -> tuple[str, str | None]:
        message = (
            f"record {r.fullname}: {_names(dropped)} written by {writer_label} "
            f"{'is' if len(dropped) == 1 else 'are'} dropped by {reader_label}, which "
            f"has no field or alias for {'it' if len(dropped) == 1 else 'them'}, "
            f"while its {_names(names)} take{'s' if len(names) == 1 else ''} the "
            f"default ({defaults}): a likely rename without an alias"
        )
        fix = None
        if len(names) == 1:
            # the dropped field the defaulted one most likely replaces: the only one, or the only
            # one of the same type
            reader_type = canonical_dumps(defaulted[0][1].get("type"))
            alike = [name for name in dropped if writer_types[name] == reader_type]
            old = dropped[0] if len(dropped) == 1 else alike[0] if len(alike) == 1 else None
            if old is not None:
                fix = (
                    f'if {names[0]} is {old} renamed, add "aliases": ["{old}"] to '
                    f"field {names[0]} of {r.fullname}"
                )
        return message, fix

    return Candidate(
        SIMULATION_VALUE_LOST, pointers[0], _without_defaults(reader_json, pointers), describe
    )


def _enum_defaulted(
    w: NamedType, r: NamedType, reader_json: Any, writer_label: str, reader_label: str
) -> Candidate | None:
    if "default" not in r.definition:
        return None
    reader_symbols = set(r.definition.get("symbols", ()))
    missing = [s for s in w.definition.get("symbols", ()) if s not in reader_symbols]
    if not missing:
        return None
    default = r.definition["default"]

    def describe(payload: Any) -> tuple[str, str | None]:
        written = set(_strings(payload))
        seen = [symbol for symbol in missing if symbol in written] or missing
        symbols = ", ".join(seen)
        message = (
            f"enum {r.fullname}: {'symbol' if len(seen) == 1 else 'symbols'} {symbols} "
            f"written by {writer_label} {'is' if len(seen) == 1 else 'are'} not among "
            f"the symbols of {reader_label} and {'is' if len(seen) == 1 else 'are'} read "
            f"as its default {default!r}"
        )
        return message, f"add {symbols} to the symbols of {r.fullname} in the reader"

    return Candidate(
        SIMULATION_ENUM_DEFAULTED, r.pointer, _without_defaults(reader_json, [r.pointer]), describe
    )


def _names(names: Sequence[str]) -> str:
    return ("field " if len(names) == 1 else "fields ") + ", ".join(names)


def _strings(value: Any) -> Iterator[str]:
    for node in _walk(value):
        if isinstance(node, str):
            yield node


def _walk(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Mapping):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, (list, tuple)):
            stack.extend(reversed(node))


def _avro_witness(
    item: Item | None,
    writer_json: Any,
    writer_parsed: Any,
    reader_parsed: Any,
    writer_label: str,
    reader_label: str,
    schema_id: int | None,
    work: Work | None = None,
) -> Witness | None:
    from gate.formats.avro import payloads

    if item is None or item.data is None:
        return None
    work = work if work is not None else Work()
    # each attempt costs about what the failing payload's body weighs, once to encode, once
    # to decode; the shrunk payloads only get lighter
    weight = 2 * len(item.data) + 2

    def attempt(payload: Any) -> tuple[str, bytes] | None:
        work.attempts += 1
        try:
            data = payloads.encode(payload, writer_parsed)
        except Exception:  # not a payload the writer can produce
            return None
        try:
            payloads.decode(data, writer_parsed, reader_parsed)
        except Exception as error:  # the failure we are keeping
            return error_text(error), data
        return None

    first = attempt(item.payload)
    if first is None:
        # a captured body that does not survive a round trip through its decoded value: it is
        # its own witness, unshrunk
        try:
            payloads.decode(item.data, writer_parsed, reader_parsed)
        except Exception as failure:  # the failure the tally recorded
            first = (error_text(failure), item.data)
        else:
            return None
        payload = item.payload
    else:
        target = first[0]

        def still_fails(value: Any) -> bool:
            if not work.spend(weight, "shrink"):
                raise OutOfWork
            got = attempt(value)
            return got is not None and got[0] == target

        payload = shrink(item.payload, still_fails, payloads.minimal(writer_json), work=work)
    error, data = attempt(payload) or first
    import base64  # for a witness only: most runs show none

    wire = b"\x00" + (schema_id or 0).to_bytes(4, "big") + data
    return Witness(
        payload=payloads.to_json(payload),
        writer=writer_label,
        reader=reader_label,
        error=error,
        wire_base64=base64.b64encode(wire).decode("ascii"),
        body_base64=base64.b64encode(data).decode("ascii"),
        body_encoding="avro",
    )


# -- samples ---------------------------------------------------------------------------------


def _decode_avro_wire(
    sample: Sample, writer: Any, reader: Any | None, body: bytes
) -> DecodedWire | SampleProblem:
    import io

    from fastavro import schemaless_reader

    from gate.errors import SchemaInvalid
    from gate.formats.avro import payloads
    from gate.samples import DecodedWire, SampleProblem, corrupt

    try:
        writer_parsed = payloads.parse(writer)
    except SchemaInvalid as error:
        return SampleProblem(
            sample.source, f"the schema of id {sample.schema_id} cannot be parsed: {error.message}"
        )
    negative = negative_index(body, writer_parsed)
    if negative is not None:
        return SampleProblem(
            sample.source,
            f"invalid wire-format message: {negative}; the body "
            f"does not decode with schema id {sample.schema_id}",
        )
    stream = io.BytesIO(body)
    try:
        payload = schemaless_reader(stream, writer_parsed, None)
    except Exception as error:  # a corrupt body makes fastavro raise many kinds of errors
        return SampleProblem(sample.source, corrupt(sample, error))
    left = len(body) - stream.tell()
    if left:
        return SampleProblem(
            sample.source,
            f"{left} byte(s) left over after decoding the body "
            f"with schema id {sample.schema_id}: corrupt message or wrong id",
        )
    if reader is None:
        return DecodedWire(sample, writer, payload, payload)
    try:
        reader_parsed = payloads.parse(reader)
    except Exception as error:  # the consumer's own failure, reported as such
        return DecodedWire(sample, writer, payload, None, f"{type(error).__name__}: {error}")
    try:
        read = payloads.decode(body, writer_parsed, reader_parsed)
    except Exception as error:  # the consumer's own failure, reported as such
        return DecodedWire(
            sample,
            writer,
            payload,
            None,
            f"{type(error).__name__}: {error}",
            kind=avro_failure_kind(error, body, writer, reader),
        )
    return DecodedWire(sample, writer, payload, read)


def plain_reader(writer: Any, reader: Any) -> Callable[[Sample], DecodedWire | SampleProblem]:
    """`gate.samples.plain_reader` for Avro: a sample may be a plain value or in Avro's JSON
    encoding (unions as `{"type": value}`)."""
    from gate.errors import SchemaInvalid
    from gate.formats.avro import payloads
    from gate.samples import DecodedWire, SampleProblem, plain_sample

    try:
        writer_parsed = payloads.parse(writer)
        reader_parsed = payloads.parse(reader)
    except SchemaInvalid as invalid:
        message = invalid.message
        return lambda sample: SampleProblem(sample.source, message, SAMPLE_NOT_VALID_FOR_WRITER)

    def read(sample: Sample) -> DecodedWire | SampleProblem:
        value = plain_sample(sample).payload
        try:
            body = payloads.encode(value, writer_parsed)
        except Exception as error:  # tried again as Avro's JSON encoding
            try:
                value = payloads.from_avro_json(sample.payload, writer_parsed)
                body = payloads.encode(value, writer_parsed)
            except Exception:  # neither form fits: report the plain form's problem
                return SampleProblem(
                    sample.source,
                    f"not valid under the writer schema: {type(error).__name__}: {error}",
                    SAMPLE_NOT_VALID_FOR_WRITER,
                )
        decoded = DecodedWire(sample, writer, payloads.to_json(value), None, body=body)
        try:
            result = payloads.decode(body, writer_parsed, reader_parsed)
        except Exception as error:  # the consumer's own failure, reported as such
            return dataclasses.replace(
                decoded,
                error=f"{type(error).__name__}: {error}",
                kind=avro_failure_kind(error, body, writer, reader),
            )
        return dataclasses.replace(decoded, read=payloads.to_json(result))

    return read


class _Truncated(Exception):
    """The body ended in the middle of a value, or the walk cannot follow it: fastavro's decoder
    then says what is wrong, if anything."""


_FIXED_SIZES = {"float": 4, "double": 8}


def negative_index(body: bytes, writer_parsed: Any) -> str | None:
    """Where an Avro body written with `writer_parsed` (fastavro's parsed form) holds a negative
    enum symbol or union branch index, said for a message; None when it holds none.

    No Avro writer encodes one, and Java's decoder refuses it, but fastavro indexes a Python list
    with it and reads the LAST symbol or branch: a corrupt message would pass for a good one. A
    body that ends early or is otherwise corrupt is left to fastavro's decoder to describe.
    """
    named: dict[str, Any] = (
        dict(writer_parsed.get("__named_schemas", {})) if isinstance(writer_parsed, dict) else {}
    )
    position = 0

    def long() -> int:
        nonlocal position
        shift = value = 0
        while True:
            if position >= len(body) or shift > 63:
                raise _Truncated
            byte = body[position]
            position += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)
            shift += 7

    def skip(size: int) -> None:
        nonlocal position
        if size < 0 or position + size > len(body):
            raise _Truncated
        position += size

    def walk(schema: Any, where: str) -> str | None:
        if isinstance(schema, str):
            if schema in named:
                return walk(named[schema], where)
            if schema in ("int", "long"):
                long()
            elif schema == "boolean":
                skip(1)
            elif schema in _FIXED_SIZES:
                skip(_FIXED_SIZES[schema])
            elif schema in ("bytes", "string"):
                skip(long())
            elif schema != "null":
                raise _Truncated  # a type this walk does not know: fastavro alone decides
            return None
        if isinstance(schema, list):
            start = position
            index = long()
            if index < 0:
                return f"union index {index} at byte {start} of the body{where}"
            if index >= len(schema):
                raise _Truncated  # out of range: fastavro says so
            return walk(schema[index], where)
        kind = schema.get("type")
        if kind in ("record", "error"):
            for item in schema.get("fields", ()):
                found = walk(
                    item["type"], f"{where}.{item['name']}" if where else f" (field {item['name']}"
                )
                if found is not None:
                    return found
            return None
        if kind == "enum":
            start = position
            index = long()
            if index < 0:
                return f"enum index {index} at byte {start} of the body{where}"
            return None
        if kind == "fixed":
            skip(int(schema.get("size", 0)))
            return None
        if kind in ("array", "map"):
            inner = schema.get("items" if kind == "array" else "values")
            while True:
                count = long()
                if count == 0:
                    return None
                if count < 0:
                    count = -count
                    long()  # the block's size in bytes
                for _ in range(count):
                    if kind == "map":
                        skip(long())
                    found = walk(inner, where)
                    if found is not None:
                        return found
        return walk(kind, where)  # a logical type over its underlying type

    try:
        found = walk(writer_parsed, "")
    except (_Truncated, RecursionError, KeyError, TypeError, ValueError, AttributeError):
        return None
    if found is not None and "(field " in found:
        found += ")"
    return found
