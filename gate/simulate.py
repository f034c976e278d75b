"""Consumer simulation: payloads written with a writer schema, decoded with a reader schema.

For Avro the payloads are encoded with fastavro's writer and decoded with its reader given the
reader schema, exactly as a Python consumer would; for JSON Schema, instances valid under the
writer are validated with the reader after the reader's property defaults are filled in (a
consumer that honours defaults; Confluent's rules assume one). Schemas come in as JSON values
(references inlined).

The outcome says how many payloads ran, which failed and with what exact error, which decoded
but silently changed (a field value dropped while another took its default; an enum symbol
replaced by the reader's default), and carries the smallest failing payload as a witness.
"""

from __future__ import annotations

import base64
import copy
import enum
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any

from gate.jsonpos import join_pointer, pointer_tokens
from gate.model import Finding, Location, SchemaType, Witness
from gate.simulationrules import SAMPLE_INVALID as SAMPLE_INVALID  # for formats.protobuf.simulate
from gate.simulationrules import (
    SAMPLE_NOT_VALID_FOR_WRITER,
    SIMULATION_BREAKS_ACCEPTED_CHANGE,
    SIMULATION_ENUM_DEFAULTED,
    SIMULATION_RULES,
    SIMULATION_VALUE_LOST,
)

if TYPE_CHECKING:
    from gate.formats import Simulator
    from gate.formats.avro.payloads import NamedType

_SEVERITY = {rule.id: rule.severity for rule in SIMULATION_RULES}

SHRINK_BUDGET = 400  # encode+decode attempts spent on making a witness smaller
# what one Avro simulation may spend past reading each payload once (confirming value changes,
# looking for each finding's own witness, shrinking witnesses), in bytes encoded or decoded
# plus values walked: a witness deep in a large payload would otherwise be encoded hundreds of
# times at its full size. Past it, witnesses stay as large as they were found, and a note says
# what was left out
SIMULATION_WORK = 4_000_000


class _Work:
    """What an Avro simulation may still spend on the work beyond reading each payload once,
    counted: `attempts` encode or decode calls, `units` bytes and values; `short` says which
    parts stopped for want of it."""

    def __init__(self, units: int | None = None) -> None:
        self.left = SIMULATION_WORK if units is None else units
        self.budget = self.left
        self.attempts = 0
        self.short: dict[str, int] = {}

    def spend(self, units: int, part: str) -> bool:
        """Take `units` for `part`; False (and `part` noted) when they are not there."""
        if units > self.left:
            self.left = 0
            self.short[part] = self.short.get(part, 0) + 1
            return False
        self.left -= units
        return True

    def notes(self) -> tuple[str, ...]:
        said = {
            "confirm": "value changes (a field's value dropped, an enum symbol defaulted) were "
            "looked for in part of the payloads only",
            "shown": "some findings got no witness of their own",
            "shrink": "witnesses were not made as small as they could be",
        }
        notes = [
            f"payload simulation stopped early after {self.attempts} encode or decode "
            f"attempts (a budget of {self.budget} bytes and values): {said[part]}"
            for part in said if part in self.short
        ]
        if "attempts" in self.short and "shrink" not in self.short:
            notes.append(f"witness shrinking stopped after {SHRINK_BUDGET} attempts per "
                         "witness: the witness may hold more than it needs to fail")
        return tuple(notes)


class FailureKind(enum.StrEnum):
    """Why a payload failed."""

    RESOLUTION = "resolution"  # Avro: the reader cannot resolve the writer's data
    # Avro: the data resolves, but fastavro cannot convert a value: a reader logical type
    # (uuid, date, timestamp out of range), or bytes promoted to a string that is not UTF-8.
    # The Avro rules (and the registry) never look at values, so only fastavro consumers fail.
    CONVERSION = "conversion"
    # Avro: fastavro matches a writer's named type to the first reader union branch of the same
    # SHORT name (`a.P` read as `b.P`); Java's decoder, like the Avro rules the registry
    # applies, matches the full name first, and reads the data. Only fastavro consumers fail.
    NAMES = "names"
    VALIDATION = "validation"  # JSON Schema: the reader rejects an instance the writer accepts
    # a format's own simulator: the reader's parser rejects the bytes (Protobuf: a parse
    # error, required fields missing, no message to read them with)
    DECODE = "decode"


# failures of fastavro consumers alone: the Avro rules, and Java's decoder, read the data
_FASTAVRO_ONLY = frozenset({FailureKind.CONVERSION, FailureKind.NAMES})


@dataclass(frozen=True)
class SimulatedFailure:
    """One distinct error consumers hit, with the first payload that hit it."""

    source: str  # "generated #3", or the sample's `file:line`
    payload: Any  # JSON view of the payload as written
    error: str  # exactly what the consumer raised: "SchemaResolutionError: ..."
    kind: FailureKind
    count: int = 1  # payloads that failed with this same error


@dataclass(frozen=True)
class ValueChange:
    """A payload that decoded, but not to what was written (rule VALUE_LOST or ENUM_DEFAULTED)."""

    rule: str
    message: str
    path: str  # JSON Pointer into the reader schema
    source: str
    payload: Any  # JSON view of the payload as written
    read: Any  # JSON view of what the reader decoded
    fix: str | None = None


@dataclass(frozen=True)
class SampleRejection:
    """A configured sample that the writer schema does not accept."""

    source: str
    message: str
    rule: str = SAMPLE_NOT_VALID_FOR_WRITER


@dataclass(frozen=True)
class SimulationOutcome:
    """Everything one writer/reader simulation found."""

    payload_count: int
    failures: tuple[SimulatedFailure, ...]
    value_changes: tuple[ValueChange, ...]
    witness: Witness | None
    schema_type: SchemaType = SchemaType.AVRO
    writer: str = ""
    reader: str = ""
    failed_count: int = 0  # payloads that failed, all errors together
    rejected_samples: tuple[SampleRejection, ...] = ()
    skipped_samples: int = 0  # wire samples of another schema id: no evidence for this writer
    # the payloads cover every union branch, enum symbol and edge value of the writer
    exhaustive: bool = False
    # differences that fastavro does not enforce when decoding, though the Avro rules do
    unenforced: tuple[str, ...] = ()
    # for each target pointer (a finding's place in the schema), a witness that fails there
    witnesses: Mapping[str, Witness] = field(default_factory=dict)
    # JSON Schema: the pointer into the reader schema of the keyword that rejects `witness`
    keyword: str = ""
    # what the simulation left out, to be shown as notes (a budget that ran out)
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.failures)


@dataclass(frozen=True)
class Agreement:
    """How the static checker's verdict and the simulation relate, ready for a finding."""

    disagrees: bool
    message: str
    witness: Witness | None = None


@dataclass
class _Item:
    source: str
    payload: Any
    data: bytes | None = None


@dataclass
class _Candidate:
    """A silent change the reader may make, confirmed when the strict variant fails."""

    rule: str
    path: str
    variant: Any  # the reader schema JSON without the defaults this change relies on
    describe: Callable[[Any], tuple[str, str | None]]  # payload -> (message, fix)
    parsed: Any = None
    confirmed: ValueChange | None = None


@dataclass
class _Tally:
    failures: dict[str, list[Any]] = field(default_factory=dict)  # error -> [first item, kind, n]
    failed: int = 0
    smallest: dict[FailureKind, tuple[int, int, _Item]] = field(default_factory=dict)

    def add(self, item: _Item, error: str, kind: FailureKind, order: int) -> None:
        self.failed += 1
        entry = self.failures.get(error)
        if entry is None:
            self.failures[error] = [item, kind, 1]
        else:
            entry[2] += 1
        size = len(item.data) if item.data is not None else len(_json_text(item.payload))
        best = self.smallest.get(kind)
        if best is None or (size, order) < best[:2]:
            self.smallest[kind] = (size, order, item)


def simulate_pair(
    schema_type: SchemaType,
    writer_json: Any,
    reader_json: Any,
    *,
    writer_label: str,
    reader_label: str,
    samples: Sequence[Any] = (),
    seed: int = 0,
    random_count: int = 20,
    schema_id: int | None = None,
    targets: Sequence[str] = (),
) -> SimulationOutcome:
    """Write payloads with `writer_json`, read them with `reader_json`, report what happens.

    The payloads are the writer's generated coverage set, `random_count` random ones from
    `seed`, and `samples`: plain payloads (JSON values; for Avro also in Avro's JSON encoding)
    or `gate.samples.Sample`s. A wire-format sample is used only when its schema id is
    `schema_id` (the writer's id); others are counted in `skipped_samples`. `schema_id` also
    goes into the witness's wire-format bytes (0 when unknown).

    `targets` are the JSON Pointers of the checker's findings: the outcome's `witnesses` hold,
    for each, a payload whose failure lies at that place (none where no payload shows it). JSON
    Schema payloads are aimed at those places, or at what differs between the two schemas.

    Raises `gate.errors.SchemaInvalid` when either schema cannot be used at all, or is too large
    or nests too deeply to be simulated (the checker's verdict on such a pair stands alone), and
    `gate.formats.jsonschema.patterns.PatternTooSlow` when a JSON Schema pattern cannot be
    evaluated within its budget.
    """
    if schema_type is SchemaType.AVRO:
        def simulate() -> SimulationOutcome:
            return _simulate_avro(writer_json, reader_json, writer_label, reader_label, samples,
                                  seed, random_count, schema_id, targets)
    elif schema_type is SchemaType.JSON:
        def simulate() -> SimulationOutcome:
            return _simulate_json(writer_json, reader_json, writer_label, reader_label, samples,
                                  seed, random_count, targets)
    else:
        simulator = format_simulator(schema_type)
        if simulator is None:
            raise ValueError(f"payload simulation does not support {schema_type.value} schemas")
        # the format simulates its own parsed schemas, passed here in place of JSON
        return simulator.simulate(writer_json, reader_json, writer_label=writer_label,
                                  reader_label=reader_label, samples=samples, seed=seed,
                                  random_count=random_count, schema_id=schema_id,
                                  targets=targets)
    writer_size, writer_depth = _extent(writer_json)
    reader_size, reader_depth = _extent(reader_json)
    if max(writer_size, reader_size) > MAX_SIMULATED_NODES:
        from gate.errors import SchemaInvalid

        raise SchemaInvalid(
            f"the schemas are too large ({max(writer_size, reader_size)} JSON values) to "
            f"simulate payloads; at most {MAX_SIMULATED_NODES} are simulated"
        )
    return _run_deep(simulate, max(writer_depth, reader_depth))


def format_simulator(schema_type: SchemaType) -> Simulator | None:
    """The format's own simulator (`SchemaFormat.simulator`), if it has one: its simulation
    takes the parsed schemas, not their JSON. None for Avro and JSON Schema (simulated here)."""
    from gate.errors import FormatError
    from gate.formats import get_format

    try:
        return get_format(schema_type).simulator()
    except (FormatError, ModuleNotFoundError):
        return None


def simulates(schema_type: SchemaType) -> bool:
    """Whether payloads of this type can be simulated at all."""
    return schema_type in (SchemaType.AVRO, SchemaType.JSON) or format_simulator(
        schema_type) is not None


# every generated payload is about as large as its writer schema, and a witness is shrunk by
# encoding it hundreds of times: beyond this many JSON values in a schema, simulating would take
# minutes, so only the static checker judges such a pair
MAX_SIMULATED_NODES = 100_000
# payloads mirror their schema's nesting, and encoding, decoding, shrinking and comparing each
# recurse a few frames per level of it
_FRAMES_PER_LEVEL = 8


def _run_deep(simulate: Callable[[], SimulationOutcome], depth: int) -> SimulationOutcome:
    """`simulate()`, given the stack a schema nested `depth` levels deep needs.

    Schemas the registry accepts may nest deeper than Python's default recursion limit allows
    the encoders, decoders and the shrinker to follow; such a simulation runs where the stack is
    large. Whatever still runs out of stack is reported as a schema too deep to simulate.
    """
    from gate.errors import SchemaInvalid
    from gate.formats.jsonschema.deep import call_deep

    try:
        return call_deep(simulate, depth * _FRAMES_PER_LEVEL)
    except RecursionError:
        raise SchemaInvalid(
            f"the schemas nest too deeply ({depth} levels) to simulate payloads"
        ) from None


_EXTENTS: dict[int, tuple[Any, tuple[int, int]]] = {}


def _extent(value: Any) -> tuple[int, int]:
    """How many JSON values `value` holds and how deeply it nests lists and mappings, counted
    level by level without recursion; remembered for the schema objects seen last (a run
    simulates each parsed schema in several pairs)."""
    known = _EXTENTS.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    extent = _count(value)
    if isinstance(value, (dict, list)):
        if len(_EXTENTS) >= 32:
            del _EXTENTS[next(iter(_EXTENTS))]
        _EXTENTS[id(value)] = (value, extent)
    return extent


def _count(value: Any) -> tuple[int, int]:
    size = depth = 0
    level = [value]
    while True:
        size += len(level)
        below: list[Any] = []
        for item in level:
            kind = type(item)
            if kind is dict:
                below.extend(item.values())
            elif kind is list or kind is tuple:
                below.extend(item)
            elif kind is not str and isinstance(item, Mapping):
                below.extend(item.values())
            elif kind is not str and isinstance(item, (list, tuple)):
                below.extend(item)
        if not below:
            return size, depth
        depth += 1
        level = below


def find_witness(
    schema_type: SchemaType,
    writer_json: Any,
    reader_json: Any,
    *,
    writer_label: str = "writer",
    reader_label: str = "reader",
    seed: int = 0,
    random_count: int = 20,
    schema_id: int | None = None,
) -> Witness | None:
    """The smallest payload written with `writer_json` that `reader_json` cannot read, if any."""
    return simulate_pair(schema_type, writer_json, reader_json, writer_label=writer_label,
                         reader_label=reader_label, seed=seed, random_count=random_count,
                         schema_id=schema_id).witness


def agreement(checker_says_compatible: bool, outcome: SimulationOutcome) -> Agreement:
    """Whether the checker's verdict on a pair and the simulation of the same pair agree.

    Checker compatible, yet a payload fails (schema resolution, or JSON validation): they
    disagree. A failure only of a value conversion (`FailureKind.CONVERSION`) is not counted:
    the Avro rules, and so the registry, never look at values.

    Checker incompatible and no payload fails: they disagree only when the payloads are
    exhaustive (every union branch, enum symbol and edge value of the writer; a static rule such
    as a missing enum symbol cannot go unseen, because every symbol is written) and fastavro
    enforces every difference between the two schemas (`SimulationOutcome.unenforced` lists
    those it does not).
    """
    pair = f"{outcome.writer} -> {outcome.reader}"
    hard = [f for f in outcome.failures if f.kind not in _FASTAVRO_ONLY]
    if checker_says_compatible:
        if hard:
            return Agreement(True, f"the checker says {outcome.reader} reads data written with "
                             f"{outcome.writer}, but a payload fails to decode: {hard[0].error}",
                             outcome.witness)
        if outcome.failures:
            return Agreement(False, f"{pair}: only fastavro's value conversions fail "
                             f"({outcome.failures[0].error}); the compatibility rules never look "
                             "at values")
        return Agreement(False, f"{pair}: compatible, and all {outcome.payload_count} payloads "
                         "decode")
    if outcome.failures:
        return Agreement(False, f"{pair}: incompatible, and a payload shows it: "
                         f"{outcome.failures[0].error}", outcome.witness)
    if outcome.payload_count == 0:
        return Agreement(False, f"{pair}: the writer schema admits no payload to try")
    if not outcome.exhaustive:
        return Agreement(False, f"{pair}: the checker says incompatible and none of "
                         f"{outcome.payload_count} payloads failed, but they do not cover every "
                         "possible value, so no witness is guaranteed")
    if outcome.unenforced:
        return Agreement(False, f"{pair}: the checker says incompatible; no payload failed "
                         "because fastavro does not enforce: " + "; ".join(outcome.unenforced))
    return Agreement(True, f"the checker says {outcome.reader} cannot read data written with "
                     f"{outcome.writer}, but all {outcome.payload_count} payloads, covering "
                     "every union branch, enum symbol and edge value of the writer, decode; "
                     "the generated space should contain a witness if the verdict were right")


# -- Avro -------------------------------------------------------------------------------------


def _simulate_avro(writer_json: Any, reader_json: Any, writer_label: str, reader_label: str,
                   samples: Sequence[Any], seed: int, random_count: int,
                   schema_id: int | None, targets: Sequence[str] = ()) -> SimulationOutcome:
    from fastavro import schemaless_reader

    from gate.formats.avro import payloads

    writer_key = payloads.content_key(writer_json)
    reader_key = payloads.content_key(reader_json)
    writer_parsed = payloads.parse(writer_json, key=writer_key)
    reader_parsed = payloads.parse(reader_json, key=reader_key)
    generated = payloads.payload_set(writer_json, seed=seed, random_count=random_count,
                                     key=writer_key)
    items, rejected, skipped = _avro_samples(samples, writer_json, writer_parsed, writer_label,
                                             schema_id)
    coverage = generated.coverage
    items.extend(
        _Item(f"generated #{index}" if index < coverage
              else f"generated #{index} (random, seed {seed})", payload, data)
        for index, (payload, data) in enumerate(generated.items)
    )
    pairs = _named_pairs(writer_json, reader_json, writer_key, reader_key)
    candidates = _avro_candidates(pairs, reader_json, writer_label, reader_label)
    for candidate in candidates:
        candidate.parsed = payloads.parse(candidate.variant)
    pending = list(candidates)
    tally = _Tally()
    work, confirming = _Work(), _Work()  # witnesses, and value changes: each its own budget
    by_full_names = _by_full_names(writer_json, reader_json, writer_key, reader_key)
    for order, item in enumerate(items):
        data = item.data
        assert data is not None
        try:
            read = schemaless_reader(BytesIO(data), writer_parsed, reader_parsed)
        except Exception as error:  # every consumer-side failure is a finding
            kind = _avro_kind(error)
            if kind is FailureKind.RESOLUTION and by_full_names is not None and _reads(
                    data, *by_full_names):
                kind = FailureKind.NAMES
            tally.add(item, _error_text(error), kind, order)
            continue
        if pending and confirming.spend(len(data) * len(pending), "confirm"):
            confirming.attempts += len(pending)
            pending = _confirm(pending, item, read, writer_parsed)
    witness = _avro_witness(_worst(tally), writer_json, writer_parsed, reader_parsed,
                            writer_label, reader_label, schema_id, work)
    witnesses: dict[str, Witness] = {}
    for target in targets:
        shown = _avro_shown(tally, witness, target, len(targets), writer_json, reader_json,
                            writer_parsed, work)
        if shown is witness or shown is None:
            if shown is not None:
                witnesses[target] = shown
            continue
        found = _avro_witness(shown, writer_json, writer_parsed, reader_parsed, writer_label,
                              reader_label, schema_id, work)
        if found is not None:
            witnesses[target] = found
    return SimulationOutcome(
        payload_count=len(items),
        failures=_failures(tally, payloads.to_json),
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


def _avro_shown(tally: _Tally, witness: Witness | None, target: str, count: int,
                writer_json: Any, reader_json: Any, writer_parsed: Any,
                work: _Work | None = None) -> Any:
    """What shows the finding at `target`: the pair's witness when it is the only finding (a
    failure to resolve); else the first failing payload that the reader fails on because of the
    field at `target` (read again with that field as the writer has it, it no longer fails
    so), as a `_Item`, or the pair's witness when that is the one; else None: fastavro stops at
    the first error, so a finding whose data fails later shows no witness of its own."""
    resolution = {error: entry for error, entry in tally.failures.items()
                  if entry[1] is FailureKind.RESOLUTION}
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
            if _error_text(other) == error:
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
    if not isinstance(fields, list) or index >= len(fields) or not isinstance(fields[index],
                                                                               Mapping):
        return None
    name = fields[index].get("name")
    written = [f for f in writer_json.get("fields", ())
               if isinstance(f, Mapping) and f.get("name") == name]
    changed = list(fields)
    if written:
        changed[index] = written[0]
    else:
        del changed[index]
    return {**reader_json, "fields": changed}


# a consumer's error may quote whole schemas and values (fastavro's do): findings keep its start
ERROR_TEXT_LIMIT = 1000


def _clipped(text: str) -> str:
    if len(text) <= ERROR_TEXT_LIMIT:
        return text
    return f"{text[:ERROR_TEXT_LIMIT]}… ({len(text) - ERROR_TEXT_LIMIT} more characters)"


def _error_text(error: BaseException) -> str:
    return _clipped(f"{type(error).__name__}: {error}")


def _avro_kind(error: BaseException) -> FailureKind:
    # fastavro raises SchemaResolutionError for every resolution rule; anything else comes from
    # converting a resolved value (bytes promoted to a string that is not UTF-8, logical types)
    if type(error).__name__ == "SchemaResolutionError":
        return FailureKind.RESOLUTION
    return FailureKind.CONVERSION


def avro_failure_kind(error: BaseException, data: bytes, writer_json: Any,
                      reader_json: Any) -> FailureKind:
    """Why fastavro failed to read the Avro body `data` written with `writer_json` as
    `reader_json`: `FailureKind.NAMES` when the body reads once union branches are matched by
    their full names (as Java's decoder does), `CONVERSION` when resolution succeeded and a
    value did not convert, else `RESOLUTION`. The first two are failures of fastavro consumers
    alone (`fastavro_only`)."""
    from gate.formats.avro import payloads

    kind = _avro_kind(error)
    if kind is FailureKind.RESOLUTION:
        pair = _by_full_names(writer_json, reader_json, payloads.content_key(writer_json),
                              payloads.content_key(reader_json))
        if pair is not None and _reads(data, *pair):
            kind = FailureKind.NAMES
    return kind


def fastavro_only(kind: FailureKind | str | None) -> bool:
    """Whether a failure of this kind is one of fastavro consumers alone: the Avro rules the
    registry applies, and Java's decoder, read the data."""
    return kind in _FASTAVRO_ONLY


def _avro_samples(samples: Sequence[Any], writer_json: Any, writer_parsed: Any,
                  writer_label: str,
                  schema_id: int | None) -> tuple[list[_Item], list[SampleRejection], int]:
    if not samples:
        return [], [], 0
    from gate.formats.avro import payloads
    from gate.samples import Sample

    items: list[_Item] = []
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
                    rejected.append(SampleRejection(source, f"the captured body does not decode "
                                                    f"with {writer_label}: {_error_text(error)}"))
                    continue
                items.append(_Item(source, payload, body))
                continue
            payload = sample.payload
        else:
            source, payload = f"sample #{index + 1}", sample
        try:
            items.append(_Item(source, payload, payloads.encode(payload, writer_parsed)))
            continue
        except Exception as error:  # tried again below as Avro's JSON encoding
            first_error = error
        try:
            value = payloads.from_avro_json(payload, writer_parsed)
            items.append(_Item(source, value, payloads.encode(value, writer_parsed)))
        except Exception:  # neither form fits: report the plain form's problem
            rejected.append(SampleRejection(source, f"not valid under {writer_label}: "
                                            + _avro_invalid_reason(payload, writer_json,
                                                                   first_error)))
    return items, rejected, skipped


def _avro_invalid_reason(payload: Any, writer_json: Any, error: Exception) -> str:
    from fastavro.validation import validate

    try:
        validate(payload, writer_json, raise_errors=True)
    except Exception as invalid:  # ValidationError lists each field that does not fit
        errors = getattr(invalid, "errors", None)
        if errors:
            return _clipped("; ".join(str(item) for item in errors))
        return _clipped(str(invalid))
    return _error_text(error)


def _confirm(pending: list[_Candidate], item: _Item, read: Any,
             writer_parsed: Any) -> list[_Candidate]:
    from fastavro import schemaless_reader

    from gate.formats.avro import payloads

    assert item.data is not None
    still: list[_Candidate] = []
    for candidate in pending:
        try:
            schemaless_reader(BytesIO(item.data), writer_parsed, candidate.parsed)
        except Exception:  # the strict variant fails: the reader relied on a default here
            message, fix = candidate.describe(item.payload)
            candidate.confirmed = ValueChange(candidate.rule, message, candidate.path,
                                              item.source, payloads.to_json(item.payload),
                                              payloads.to_json(read), fix)
            continue
        still.append(candidate)
    return still


def _short(fullname: str) -> str:
    return fullname.rsplit(".", 1)[-1]


_NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})
_PRIMITIVE_KINDS = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


def _by_full_names(writer_json: Any, reader_json: Any, writer_key: str,
                   reader_key: str) -> tuple[Any, Any] | None:
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
        elif kind not in _PRIMITIVE_KINDS:
            out["type"] = rename(kind)
        return out

    try:
        return tuple(  # type: ignore[return-value]
            parse_schema(rename(payloads.parse(schema)), named_schemas={}, _write_hint=False)
            for schema in (writer_json, reader_json)
        )
    except Exception:  # noqa: BLE001 - no such pair for fastavro: failures stay as they are
        return None


def _reads(data: bytes, writer_parsed: Any, reader_parsed: Any) -> bool:
    from fastavro import schemaless_reader

    try:
        schemaless_reader(BytesIO(data), writer_parsed, reader_parsed)
    except Exception:  # noqa: BLE001 - any failure: it does not read
        return False
    return True


def _aliases(definition: Mapping[str, Any], namespace: str) -> tuple[set[str], set[str]]:
    """A named type's aliases: (as written, qualified with its namespace)."""
    raw = {alias for alias in definition.get("aliases", ()) if isinstance(alias, str)}
    qualified = {alias if "." in alias or not namespace else f"{namespace}.{alias}"
                 for alias in raw}
    return raw, qualified


def _named_pairs(writer_json: Any, reader_json: Any, writer_key: str,
                 reader_key: str) -> list[tuple[NamedType, NamedType]]:
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
        found = {index for name in {_short(w.fullname), w.fullname}
                 for index in by_name.get(name, ())}
        pairs.extend((w, reader_list[index]) for index in sorted(found)
                     if reader_list[index].kind == w.kind)
    w_root = payloads.root_type(writer_json, key=writer_key)
    r_root = payloads.root_type(reader_json, key=reader_key)
    if (w_root is not None and r_root is not None and w_root.kind == r_root.kind == "record"
            and (w_root, r_root) not in pairs):
        pairs.append((w_root, r_root))
    return pairs


def _unenforced(pairs: list[tuple[NamedType, NamedType]],
                empty_unions: list[str]) -> tuple[str, ...]:
    """Differences where fastavro's resolution is laxer than the Avro rules."""
    # fastavro treats an empty reader union like no reader schema and returns the writer's value
    out = [f"the reader's empty union at {pointer or '/'} (fastavro reads the writer's value)"
           for pointer in empty_unions]
    for w, r in pairs:
        if _short(r.fullname) == _short(w.fullname):
            continue
        raw, qualified = _aliases(r.definition, r.namespace)
        if w.fullname not in qualified and (w.fullname in raw or _short(w.fullname) in raw):
            out.append(f"reader type {r.fullname} matches writer type {w.fullname} only through "
                       "an alias the Avro rules qualify with the reader's namespace")
    return tuple(dict.fromkeys(out))


def _without_defaults(schema_json: Any, pointers: Sequence[str]) -> Any:
    variant = copy.deepcopy(schema_json)
    for pointer in pointers:
        target: Any = variant
        for token in pointer_tokens(pointer):
            target = target[int(token)] if isinstance(target, list) else target[token]
        if isinstance(target, dict):
            target.pop("default", None)
    return variant


def _avro_candidates(pairs: list[tuple[NamedType, NamedType]], reader_json: Any, writer_label: str,
                     reader_label: str) -> list[_Candidate]:
    candidates: list[_Candidate] = []
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


def _value_lost(w: NamedType, r: NamedType, reader_json: Any, writer_label: str,
                reader_label: str) -> _Candidate | None:
    writer_types = {f["name"]: json.dumps(f.get("type"), sort_keys=True)
                    for f in w.definition.get("fields", ())
                    if isinstance(f, Mapping) and isinstance(f.get("name"), str)}
    writer_fields = list(writer_types)
    reader_fields = [f for f in r.definition.get("fields", ()) if isinstance(f, Mapping)]
    known = set()
    for f in reader_fields:
        known.add(f.get("name"))
        known.update(a for a in f.get("aliases", ()) if isinstance(a, str))
    dropped = [name for name in writer_fields if name not in known]
    defaulted = [
        (index, f) for index, f in enumerate(reader_fields)
        if "default" in f and f.get("name") not in writer_fields
        and not any(a in writer_fields for a in f.get("aliases", ()) if isinstance(a, str))
    ]
    if not dropped or not defaulted:
        return None
    pointers = [join_pointer(r.pointer, "fields", index) for index, _ in defaulted]
    names = [str(f.get("name")) for _, f in defaulted]
    defaults = ", ".join(f"{f.get('name')}={json.dumps(f.get('default'), ensure_ascii=False)}"
                         for _, f in defaulted)

    def describe(payload: Any) -> tuple[str, str | None]:
        message = (f"record {r.fullname}: {_names(dropped)} written by {writer_label} "
                   f"{'is' if len(dropped) == 1 else 'are'} dropped by {reader_label}, which "
                   f"has no field or alias for {'it' if len(dropped) == 1 else 'them'}, "
                   f"while its {_names(names)} take{'s' if len(names) == 1 else ''} the "
                   f"default ({defaults}): a likely rename without an alias")
        fix = None
        if len(names) == 1:
            # the dropped field the defaulted one most likely replaces: the only one, or the only
            # one of the same type
            reader_type = json.dumps(defaulted[0][1].get("type"), sort_keys=True)
            alike = [name for name in dropped if writer_types[name] == reader_type]
            old = dropped[0] if len(dropped) == 1 else alike[0] if len(alike) == 1 else None
            if old is not None:
                fix = (f"if {names[0]} is {old} renamed, add \"aliases\": [\"{old}\"] to "
                       f"field {names[0]} of {r.fullname}")
        return message, fix

    return _Candidate(SIMULATION_VALUE_LOST, pointers[0],
                      _without_defaults(reader_json, pointers), describe)


def _enum_defaulted(w: NamedType, r: NamedType, reader_json: Any, writer_label: str,
                    reader_label: str) -> _Candidate | None:
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
        message = (f"enum {r.fullname}: {'symbol' if len(seen) == 1 else 'symbols'} {symbols} "
                   f"written by {writer_label} {'is' if len(seen) == 1 else 'are'} not among "
                   f"the symbols of {reader_label} and {'is' if len(seen) == 1 else 'are'} read "
                   f"as its default {default!r}")
        return message, f"add {symbols} to the symbols of {r.fullname} in the reader"

    return _Candidate(SIMULATION_ENUM_DEFAULTED, r.pointer,
                      _without_defaults(reader_json, [r.pointer]), describe)


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


def _failures(tally: _Tally, to_json: Callable[[Any], Any]) -> tuple[SimulatedFailure, ...]:
    return tuple(SimulatedFailure(item.source, to_json(item.payload), error, kind, count)
                 for error, (item, kind, count) in tally.failures.items())


def _worst(tally: _Tally) -> _Item | None:
    for kind in (FailureKind.RESOLUTION, FailureKind.VALIDATION, FailureKind.CONVERSION,
                 FailureKind.NAMES):
        if kind in tally.smallest:
            return tally.smallest[kind][2]
    return None


def _avro_witness(item: _Item | None, writer_json: Any, writer_parsed: Any,
                  reader_parsed: Any, writer_label: str, reader_label: str,
                  schema_id: int | None, work: _Work | None = None) -> Witness | None:
    from gate.formats.avro import payloads

    if item is None or item.data is None:
        return None
    work = work if work is not None else _Work()
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
            return _error_text(error), data
        return None

    first = attempt(item.payload)
    if first is None:
        # a captured body that does not survive a round trip through its decoded value: it is
        # its own witness, unshrunk
        try:
            payloads.decode(item.data, writer_parsed, reader_parsed)
        except Exception as failure:  # the failure the tally recorded
            first = (_error_text(failure), item.data)
        else:
            return None
        payload = item.payload
    else:
        target = first[0]

        def still_fails(value: Any) -> bool:
            if not work.spend(weight, "shrink"):
                raise _OutOfWork
            got = attempt(value)
            return got is not None and got[0] == target

        payload = _shrink(item.payload, still_fails, payloads.minimal(writer_json), work=work)
    error, data = attempt(payload) or first
    wire = b"\x00" + (schema_id or 0).to_bytes(4, "big") + data
    return Witness(
        payload=payloads.to_json(payload),
        writer=writer_label,
        reader=reader_label,
        error=error,
        avro_base64=base64.b64encode(data).decode("ascii"),
        wire_base64=base64.b64encode(wire).decode("ascii"),
    )


# -- shrinking -------------------------------------------------------------------------------


def _simpler(value: Any, reference: Any) -> list[Any]:
    """Smaller stand-ins for a value, most drastic first; `reference` is the schema's smallest
    value at the same place, when known (it also shrinks enum symbols and fixed values)."""
    out: list[Any] = [] if value is None else [None]
    if reference is not _ABSENT and reference is not None and reference != value:
        out.append(reference)
    if isinstance(value, tuple) and len(value) == 2:
        return out  # a value in tuple notation: its inner value is shrunk in place
    if isinstance(value, bool):
        out += [False] if value else []
    elif isinstance(value, int):
        out += [0, 1 if value > 0 else -1] if value not in (0, 1, -1) else [0] if value else []
    elif isinstance(value, float):
        out += [0.0, 1.0 if value > 0 else -1.0] if value not in (0.0, 1.0, -1.0) else [0.0]
    elif isinstance(value, str):
        out += [""] if value else []
    elif isinstance(value, (bytes, bytearray)):
        out += [b""] if value else []
    elif isinstance(value, list):
        out += ([[]] if value else []) + ([value[:1]] if len(value) > 1 else [])
    elif isinstance(value, Mapping):
        out += [{}] if value else []
    return [candidate for index, candidate in enumerate(out)
            if not any(_identical(candidate, earlier) for earlier in out[:index])
            and not _identical(candidate, value)]


def _identical(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple, Mapping, str, bytes)) and len(a) != len(b):
        return False  # told apart without writing out a large value
    return _json_text(a) == _json_text(b)


_ABSENT = object()


def _lookup(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, tuple) and len(value) == 2 and key == 1:
            value = value[1]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return _ABSENT
    return value


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, tuple) and len(value) == 2:
        yield from _paths(value[1], (*path, 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        copied = dict(value)
        copied[key] = _replace(value[key], rest, new)
        return copied
    if isinstance(value, tuple):
        return (value[0], _replace(value[1], rest, new))
    items = list(value)
    items[key] = _replace(value[key], rest, new)
    return items


class _OutOfWork(Exception):
    """The simulation's work budget ran out in the middle of shrinking."""


def _shrink(payload: Any, still_fails: Callable[[Any], bool], reference: Any = _ABSENT,
            budget: int = SHRINK_BUDGET, within: tuple[Any, ...] = (),
            work: _Work | None = None) -> Any:
    """Replace parts of a failing payload by smaller values while it still fails the same way;
    only the parts at or below `within`, when given (a payload small elsewhere already).

    At most `budget` attempts; with `work`, each value walked costs one unit of it too, and
    when it runs out (or `still_fails` raises `_OutOfWork`) the smallest payload found so far
    is the result: it still fails the same way."""
    current = payload
    progress = True
    try:
        while progress and budget > 0:
            progress = False
            # walked lazily: a pass ends at the first smaller payload that still fails
            for path in _paths(current):
                if work is not None and not work.spend(1 + len(path), "shrink"):
                    return current
                if path[:len(within)] != within:
                    continue
                for smaller in _simpler(_get(current, path), _lookup(reference, path)):
                    if budget <= 0:
                        if work is not None:
                            work.short["attempts"] = work.short.get("attempts", 0) + 1
                        return current
                    budget -= 1
                    trial = _replace(current, path, smaller)
                    if still_fails(trial):
                        current, progress = trial, True
                        break
                if progress:
                    break  # the paths changed: walk the smaller payload again
    except _OutOfWork:
        pass
    return current


# -- JSON Schema -------------------------------------------------------------------------------


def _simulate_json(writer_json: Any, reader_json: Any, writer_label: str, reader_label: str,
                   samples: Sequence[Any], seed: int, random_count: int,
                   targets: Sequence[str] = ()) -> SimulationOutcome:
    from gate.formats.jsonschema import payloads
    from gate.samples import Sample

    writer_check = payloads.validator(writer_json)
    reader_check = payloads.validator(reader_json)
    items: list[_Item] = []
    rejected: list[SampleRejection] = []
    skipped = 0
    for index, sample in enumerate(samples):
        if isinstance(sample, Sample):
            source = sample.source
            if sample.wire is not None:
                try:
                    payload = json.loads((sample.body or b"").decode("utf-8"))
                except ValueError as error:
                    rejected.append(SampleRejection(source, f"the captured body is not JSON: "
                                                    f"{error}"))
                    continue
            else:
                payload = sample.payload
        else:
            source, payload = f"sample #{index + 1}", sample
        problems = [payloads.describe(e)
                    for e in payloads.validation_errors(payload, writer_json, writer_check)]
        if problems:
            rejected.append(SampleRejection(source, f"not valid under {writer_label}: "
                                            + _clipped("; ".join(problems))))
            continue
        items.append(_Item(source, payload))
    places = _JsonPlaces(writer_json, reader_json)
    aimed = {target: places.of(target) for target in targets}
    pointers = list(targets) or places.differences()
    focus = places.focus(pointers)
    small = _extent(writer_json)[0] <= FULL_COVERAGE_NODES
    if small:
        # a small schema: its whole coverage set is cheap, and finds what no aim foresaw
        generated = payloads.generate(writer_json, seed=seed, random_count=random_count)
        items.extend(_Item(f"generated #{index}", payload)
                     for index, payload in enumerate(generated))
    aimed_payloads = payloads.generate_focused(writer_json, focus, seed=seed,
                                               random_count=random_count)
    items.extend(_Item(f"generated (aimed) #{index}", payload)
                 for index, payload in enumerate(aimed_payloads))
    tally = _Tally()
    best: dict[str, tuple[int, int, _Item]] = {}

    filled = payloads.defaults_filler(reader_json)

    def read(value: Any) -> list[Any]:
        # the consumer fills in the reader's defaults, then validates
        return payloads.validation_errors(filled(value), reader_json, reader_check)

    for order, item in enumerate(items):
        errors = read(item.payload)
        if not errors:
            continue
        tally.add(item, _clipped(payloads.describe(errors[0])), FailureKind.VALIDATION, order)
        size = len(_json_text(item.payload))
        for target, where in aimed.items():
            known = best.get(target)
            if (known is None or (size, order) < known[:2]) and any(
                    _shows(error, where) for error in errors):
                best[target] = (size, order, item)

    def witness_for(payload: Any, where: list[_Place] | None) -> Witness | None:
        """The payload shrunk while the reader still rejects it the same way (at `where`)."""

        def signature(value: Any) -> tuple[Any, ...] | None:
            if not writer_check.is_valid(value):
                return None
            errors = [e for e in read(value) if where is None or _shows(e, where)]
            if not errors:
                return None
            return tuple(errors[0].absolute_schema_path), errors[0].validator

        target = signature(payload)
        if target is None:
            return None
        # an aimed payload is as small as the schema allows but where it fails: shrink there
        within = () if small else _failing_path(read(payload), where)
        payload = _shrink(payload, lambda value: signature(value) == target, within=within)
        errors = [e for e in read(payload) if where is None or _shows(e, where)]
        if not errors:
            return None
        return Witness(payload=payload, writer=writer_label, reader=reader_label,
                       error=_clipped("; ".join(payloads.describe(e) for e in errors)),
                       pointer=join_pointer("", *errors[0].absolute_path))

    witness = None
    keyword = ""
    worst = _worst(tally)
    if worst is not None:
        witness = witness_for(worst.payload, None)
        if witness is not None:
            first = read(witness.payload)[0]
            keyword = places.reader_pointer(first.absolute_schema_path)
    witnesses: dict[str, Witness] = {}
    for target, (_, _, item) in best.items():
        shown = witness_for(item.payload, aimed[target])
        if shown is not None:
            witnesses[target] = shown
    return SimulationOutcome(
        payload_count=len(items),
        failures=_failures(tally, lambda value: value),
        value_changes=(),
        witness=witness,
        schema_type=SchemaType.JSON,
        writer=writer_label,
        reader=reader_label,
        failed_count=tally.failed,
        rejected_samples=tuple(rejected),
        skipped_samples=skipped,
        exhaustive=False,  # instance generation covers a subset of JSON Schema only
        witnesses=witnesses,
        keyword=keyword,
    )


def _failing_path(errors: list[Any], where: list[_Place] | None) -> tuple[Any, ...]:
    shown = [e for e in errors if where is None or _shows(e, where)]
    return tuple(shown[0].absolute_path) if shown else ()


# schemas of at most this many JSON values get the whole coverage set besides aimed payloads
FULL_COVERAGE_NODES = 2_000


def json_witness(writer_json: Any, reader_json: Any, payload: Any, *, writer_label: str,
                 reader_label: str, target: str | None = None) -> Witness | None:
    """`payload` as the witness of this JSON Schema pair when it is one (valid under the
    writer, rejected by the reader once the reader's defaults are filled in; with `target`,
    rejected at that finding's place), else None: a witness found for one version of a history
    often shows the same break for the others."""
    from gate.errors import SchemaInvalid
    from gate.formats.jsonschema import payloads
    from gate.formats.jsonschema.patterns import PatternTooSlow

    try:
        if not payloads.validator(writer_json).is_valid(payload):
            return None
        errors = payloads.validation_errors(payloads.fill_defaults(payload, reader_json),
                                            reader_json)
    except (SchemaInvalid, PatternTooSlow, RecursionError, ValueError, TypeError):
        return None
    if target is not None:
        where = _JsonPlaces(writer_json, reader_json).of(target)
        errors = [error for error in errors if _shows(error, where)]
    if not errors:
        return None
    return Witness(payload=payload, writer=writer_label, reader=reader_label,
                   error=_clipped("; ".join(payloads.describe(e) for e in errors)),
                   pointer=join_pointer("", *errors[0].absolute_path))


# -- where a finding lies in an instance ---------------------------------------------------------

_ANY_TOKEN = "*"
# keywords whose subschema applies to the same instance
_SAME_INSTANCE_LISTS = frozenset({"oneOf", "anyOf", "allOf"})
_SAME_INSTANCE = frozenset({"not", "if", "then", "else"})
_SAME_INSTANCE_MAPS = frozenset({"dependentSchemas", "dependencies"})
# keywords whose subschemas apply to every member (of an object or an array)
_MEMBERS = frozenset({"additionalProperties", "unevaluatedProperties", "additionalItems",
                      "unevaluatedItems", "contains", "propertyNames"})
_DEFINITIONS = frozenset({"definitions", "$defs"})
_MISSING = frozenset({"required", "dependentRequired", "dependencies"})
_UNEXPECTED = frozenset({"additionalProperties", "unevaluatedProperties"})
_MAX_PLACES = 16


@dataclass(frozen=True)
class _Place:
    """Where a schema pointer applies in an instance: the path there (`*` for any member), the
    keyword at the end of the pointer (None: the whole value there), and the property named at
    the end of the pointer (`properties/<name>` or `required/<index>`), if any."""

    instance: tuple[Any, ...]
    keyword: str | None = None
    name: str | None = None


def _matches(path: Sequence[Any], pattern: Sequence[Any]) -> bool:
    return len(path) == len(pattern) and all(
        want == _ANY_TOKEN or want == got or str(want) == str(got)
        for got, want in zip(path, pattern, strict=True))


def _shows(error: Any, where: Sequence[_Place]) -> bool:
    """Whether a validation error of the reader lies at one of `where`."""
    path = tuple(error.absolute_path)
    for place in where:
        size = len(place.instance)
        if place.keyword is None and len(path) >= size and _matches(path[:size],
                                                                    place.instance):
            return True
        if place.keyword is not None and len(path) > size and place.keyword in _MEMBERS \
                and _matches(path[:size], place.instance):
            return True
        if place.keyword is not None and _matches(path, place.instance) \
                and error.validator == place.keyword and place.name is None:
            return True
        name = place.name
        parent = place.instance[:-1] if place.keyword is None else place.instance
        if name is None or not _matches(path, parent) or not isinstance(error.instance, dict):
            continue
        value = error.validator_value
        if error.validator in _MISSING and name not in error.instance and (
                name in value if isinstance(value, (list, dict)) else False):
            return True
        declared = error.schema.get("properties") if isinstance(error.schema, Mapping) else None
        if error.validator in _UNEXPECTED and name in error.instance and not (
                isinstance(declared, Mapping) and name in declared):
            return True
    return False


class _JsonPlaces:
    """Maps JSON Pointers into a writer/reader pair of JSON Schemas to places in instances,
    following local `$ref`s back to where they are used."""

    def __init__(self, writer_json: Any, reader_json: Any) -> None:
        self.writer = writer_json
        self.reader = reader_json
        self._sites: dict[int, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}

    def of(self, pointer: str) -> list[_Place]:
        tokens = tuple(pointer_tokens(pointer))
        out: list[_Place] = []
        for logical in self._logical(tokens, 0):
            place = self._walk(logical)
            if place is not None and place not in out:
                out.append(place)
            if len(out) >= _MAX_PLACES:
                break
        return out

    def differences(self) -> list[str]:
        """The pointers where the writer and the reader differ, member by member."""
        out: list[str] = []
        _differences(self.writer, self.reader, "", out)
        return out

    def focus(self, pointers: Sequence[str]) -> dict[Any, Any]:
        """The focus that varies the values at every one of `pointers` that has a place in
        instances; when none has, the top-level object's own variants."""
        from gate.formats.jsonschema.payloads import ANY, HERE

        focus: dict[Any, Any] = {}
        unplaced = False
        for pointer in pointers:
            where = self.of(pointer)
            unplaced = unplaced or not where
            for place in where:
                node = focus
                steps = list(place.instance)
                if place.keyword is not None and place.name is not None:
                    steps.append(place.name)
                for step in steps:
                    key = ANY if step == _ANY_TOKEN else step
                    node = node.setdefault(key, {})
                node[HERE] = True
        return {HERE: True} if unplaced and not focus else focus

    def reader_pointer(self, schema_path: Sequence[Any]) -> str:
        """A validation error's schema path as a JSON Pointer into the reader's document,
        following the `$ref`s the path went through (as far as they are local)."""
        node: Any = self.reader
        tokens: list[str] = []
        for step in schema_path:
            for _ in range(8):
                if isinstance(node, Mapping) and str(step) in node:
                    break
                ref = node.get("$ref") if isinstance(node, Mapping) else None
                if not isinstance(ref, str) or not ref.startswith("#"):
                    return join_pointer("", *tokens)
                tokens = list(pointer_tokens(ref[1:]))
                node = _at(self.reader, tokens)
                if node is None:
                    return ""
            if isinstance(node, list) and isinstance(step, int) and step < len(node):
                node = node[step]
            elif isinstance(node, Mapping) and str(step) in node:
                node = node[str(step)]
            else:
                break
            tokens.append(str(step))
        return join_pointer("", *tokens)

    def _logical(self, tokens: tuple[str, ...], depth: int) -> list[tuple[str, ...]]:
        """`tokens` as paths from the root through the `$ref`s that use a definition."""
        if len(tokens) < 2 or tokens[0] not in _DEFINITIONS:
            return [tokens]
        if depth > 4:
            return []
        out: list[tuple[str, ...]] = []
        for schema in (self.reader, self.writer):
            for site, target in self._ref_sites(schema):
                if tokens[:len(target)] == target and target:
                    for start in self._logical(site, depth + 1):
                        candidate = start + tokens[len(target):]
                        if candidate not in out:
                            out.append(candidate)
            if out:
                break
        return out[:_MAX_PLACES]

    def _ref_sites(self, schema: Any) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Every local `$ref` of the document: (where it is, what it points to)."""
        known = self._sites.get(id(schema))
        if known is not None:
            return known
        sites: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        stack: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
        while stack:
            node, at = stack.pop()
            if isinstance(node, Mapping):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#"):
                    sites.append((at, tuple(pointer_tokens(ref[1:]))))
                stack.extend((value, (*at, str(key))) for key, value in node.items()
                             if key not in ("enum", "const", "default", "examples"))
            elif isinstance(node, list):
                stack.extend((value, (*at, str(index))) for index, value in enumerate(node))
        self._sites[id(schema)] = sites
        return sites

    def _walk(self, tokens: tuple[str, ...]) -> _Place | None:
        instance: list[Any] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if token in _DEFINITIONS or token == "$ref":
                return None  # a definition no reference uses: no place in an instance
            if token == "properties" and following is not None:
                instance.append(following)
                index += 2
            elif token == "patternProperties" and following is not None:
                instance.append(_ANY_TOKEN)
                index += 2
            elif token in ("items", "prefixItems") and following is not None \
                    and following.isdigit():
                instance.append(int(following))
                index += 2
            elif token == "items" or (token in _MEMBERS and following is not None):
                instance.append(_ANY_TOKEN)
                index += 1
            elif token in _SAME_INSTANCE_LISTS and following is not None:
                index += 2
            elif token in _SAME_INSTANCE_MAPS and following is not None and not \
                    following.isdigit() and self._is_schema(tokens[:index + 2]):
                index += 2
            elif token in _SAME_INSTANCE:
                index += 1
            elif token == "required" and following is not None and following.isdigit():
                name = self._value(tokens[:index + 2])
                return _Place(tuple(instance), "required",
                              name if isinstance(name, str) else None)
            else:
                return _Place(tuple(instance), token, None)
        name = tokens[-1] if len(tokens) >= 2 and tokens[-2] == "properties" else None
        return _Place(tuple(instance), None, name)

    def _value(self, tokens: Sequence[str]) -> Any:
        for schema in (self.reader, self.writer):
            value = _at(schema, tokens)
            if value is not None:
                return value
        return None

    def _is_schema(self, tokens: Sequence[str]) -> bool:
        return isinstance(self._value(tokens), (Mapping, bool))


def _at(document: Any, tokens: Sequence[str]) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


# members compared one by one, so a difference is found at the member that holds it
_BY_NAME = frozenset({"properties", "patternProperties", "definitions", "$defs",
                      "dependentSchemas"})
_BY_SCHEMA = frozenset({"items", "additionalProperties", "unevaluatedProperties", "not", "if",
                        "then", "else", "contains", "propertyNames", "additionalItems",
                        "unevaluatedItems"})
_BY_INDEX = frozenset({"oneOf", "anyOf", "allOf", "prefixItems", "items"})
_ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "default"})


def _differences(writer: Any, reader: Any, pointer: str, out: list[str]) -> None:
    if writer == reader or len(out) > 64:
        return
    if not (isinstance(writer, Mapping) and isinstance(reader, Mapping)):
        out.append(pointer)
        return
    for key in dict.fromkeys([*writer, *reader]):
        old, new = writer.get(key), reader.get(key)
        if old == new or key in _ANNOTATIONS:
            continue
        at = join_pointer(pointer, key)
        if key in _BY_NAME and isinstance(old, Mapping) and isinstance(new, Mapping):
            for name in dict.fromkeys([*old, *new]):
                if old.get(name) != new.get(name):
                    _differences(old.get(name), new.get(name), join_pointer(at, name), out)
        elif key in _BY_INDEX and isinstance(old, list) and isinstance(new, list) \
                and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                _differences(a, b, join_pointer(at, index), out)
        elif key in _BY_SCHEMA and isinstance(old, Mapping) and isinstance(new, Mapping):
            _differences(old, new, at, out)
        else:
            out.append(at)


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


# -- findings --------------------------------------------------------------------------------


def _location(source: str) -> Location:
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return Location(path, int(line))
    return Location(source)


def outcome_findings(
    outcome: SimulationOutcome,
    *,
    subject: str,
    versions: tuple[str, ...] = (),
    check: str = "",
) -> tuple[Finding, ...]:
    """The findings of data beside the checker's verdict: each silent value change, and each
    sample the writer rejects. A payload that fails is evidence of the checker's findings (their
    witnesses), or of `accepted_but_breaks`."""
    findings: list[Finding] = [
        Finding(change.rule, _SEVERITY[change.rule], subject, change.message, path=change.path,
                versions=versions, fix=change.fix, check=check)
        for change in outcome.value_changes
    ]
    findings.extend(
        Finding(rejection.rule, _SEVERITY[rejection.rule], subject,
                f"sample {rejection.source}: {rejection.message}",
                location=_location(rejection.source), versions=versions, check=check)
        for rejection in outcome.rejected_samples
    )
    return tuple(findings)


def accepted_but_breaks(
    outcome: SimulationOutcome,
    *,
    subject: str,
    versions: tuple[str, ...] = (),
    check: str = "",
) -> Finding | None:
    """The one warning for a pair the checker (the registry) accepts and a payload still breaks:
    the registry's verdict stands, and the finding says which data would break, with the
    smallest such payload as its witness. None when every payload decodes."""
    if not outcome.failures:
        return None
    witness = outcome.witness
    error = witness.error if witness is not None else outcome.failures[0].error
    share = (f"{outcome.failed_count} of {outcome.payload_count} payloads"
             if outcome.payload_count > 1 else "the payload")
    kinds = [failure.kind for failure in outcome.failures]
    if all(kind in _FASTAVRO_ONLY for kind in kinds):
        message, fix = _fastavro_only_text(kinds, outcome.writer, outcome.reader, share, error)
    else:
        message = (f"the registry accepts this change, but data written with {outcome.writer} "
                   f"would still break consumers validating with {outcome.reader} ({share} "
                   f"tried): {error}")
        fix = ("keep the reader accepting every value the writer allows, or make sure no "
               "producer writes such data before consumers upgrade")
    return Finding(SIMULATION_BREAKS_ACCEPTED_CHANGE, _SEVERITY[SIMULATION_BREAKS_ACCEPTED_CHANGE],
                   subject, message, path=outcome.keyword, versions=versions, witness=witness,
                   fix=fix, check=check)


def _fastavro_only_text(kinds: Sequence[FailureKind | str], writer: str, reader: str,
                        share: str, error: str) -> tuple[str, str]:
    """The message and fix of the warning for data only fastavro consumers fail on."""
    if all(kind == FailureKind.NAMES for kind in kinds):
        return (f"the registry accepts this change, and Java's decoder reads data written "
                f"with {writer}, but fastavro consumers of {reader} fail on it ({share} "
                f"tried): fastavro matches a union branch by its short name, not its full "
                f"name: {error}",
                "give the named types of the union different short names, not only different "
                "namespaces, or make sure no fastavro consumer reads such data")
    return (f"the registry accepts this change, but fastavro consumers of {reader} fail on data "
            f"written with {writer} ({share} tried): {error}",
            "the Avro rules never look at values: make sure producers do not write such "
            "values, or keep the reader's type")


def samples_only_fastavro_fails(
    failed: Sequence[Any],
    *,
    subject: str,
    writer: str,
    reader: str,
    tried: int,
    witness: Witness | None,
    versions: tuple[str, ...] = (),
    check: str = "",
) -> Finding:
    """The one accepted-but-breaks warning for configured or captured samples (each a
    `gate.samples.DecodedWire` whose reader error is `fastavro_only`) that the registry's rules
    accept and Java's decoder reads, while fastavro consumers fail on them: named at the first
    such sample, never an error."""
    first = failed[0]
    share = (f"{len(failed)} of {tried} configured samples" if tried > 1
             else "the configured sample")
    message, fix = _fastavro_only_text([d.kind for d in failed], writer, reader, share,
                                       first.error or "")
    sources = [d.sample.source for d in failed]
    more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
    message = f"sample {sources[0]}{more}: {message}"
    return Finding(SIMULATION_BREAKS_ACCEPTED_CHANGE,
                   _SEVERITY[SIMULATION_BREAKS_ACCEPTED_CHANGE], subject, message,
                   location=_location(sources[0]), versions=versions, witness=witness, fix=fix,
                   check=check)


def problem_finding(problem: Any, *, subject: str, check: str = "") -> Finding:
    """The finding of a `gate.samples.SampleProblem` (SAMPLE_INVALID or
    SAMPLE_UNKNOWN_SCHEMA_ID), located at the sample's file and line."""
    message = problem.message
    if problem.source not in message:
        message = f"sample {problem.source}: {message}"
    return Finding(problem.rule, _SEVERITY[problem.rule], subject, message,
                   location=_location(problem.source), check=check)
