"""Protobuf consumer simulation: messages written with the writer's classes, parsed as
Confluent's deserializer parses them.

The reader's message is the reader schema's message of the writer message's full name, else
the reader's first message. After parsing, `IsInitialized()` is checked (Python's parser does
not enforce proto2 `required`), and every value the writer set is looked for in what the reader
parsed, by field number: a value that went to unknown fields (another wire type, a closed enum
that lacks the number, a field the reader dropped without reserving its number), a value read
as another one (a truncated or sign-flipped integer, the last of several repeated values), or a
oneof member another value overwrote, is a lost value.

Every finding of the checker (errors and warnings) is a target: each gets as its witness the
smallest generated message that shows something at its path. What no finding names is reported
on its own (SIMULATION_VALUE_LOST, SIMULATION_ENUM_DEFAULTED, a decode failure).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gate.formats.protobuf import payloads
from gate.formats.protobuf.model import ProtoSchema
from gate.formats.protobuf.warnings import enum_closed, field_path, message_path
from gate.model import Witness
from gate.samples import (
    SAMPLE_NOT_VALID_FOR_WRITER,
    DecodedWire,
    Sample,
    SampleProblem,
    plain_sample,
)
from gate.simulation_types import (
    FailureKind,
    SampleRejection,
    SimulatedFailure,
    SimulationOutcome,
    ValueChange,
)
from gate.simulationrules import SAMPLE_INVALID, SIMULATION_ENUM_DEFAULTED, SIMULATION_VALUE_LOST

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

LOST, CHANGED, OVERWRITTEN, DEFAULTED = "lost", "changed", "overwritten", "defaulted"


@dataclass(frozen=True)
class Observation:
    """One thing a reader did to a written message: a failure, or a value lost or changed.

    `paths` are every registry path the cause may be reported at (the field's path under
    either version's oneof, its message, its enum value)."""

    kind: str  # "failure", LOST, CHANGED, OVERWRITTEN, DEFAULTED
    paths: frozenset[str]
    message: str


@dataclass
class Read:
    """A written message and what reading it showed."""

    source: str
    message: Any  # as the writer wrote it
    body: bytes
    indexes: tuple[int, ...]
    observations: list[Observation] = field(default_factory=list)

    @property
    def payload(self) -> Any:
        """The message as JSON (made only for what is reported)."""
        return payloads.to_json(self.message)

    @property
    def failure(self) -> Observation | None:
        return next((o for o in self.observations if o.kind == "failure"), None)


class ProtobufSimulator:
    """`gate.formats.Simulator` for Protobuf."""

    parsed_input = True  # simulates the parsed schemas themselves
    reuses_witnesses = False
    body_encoding: str | None = "protobuf"

    def input(self, value: Any) -> Any:
        """The parsed schema, as it is."""
        return value

    def prepare(self, writer: Any, reader: Any) -> None:
        """Nothing to note."""

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

    def plain_reader(
        self, writer: Any, reader: Any
    ) -> Callable[[Sample], DecodedWire | SampleProblem]:
        return lambda sample: self.read_plain(plain_sample(sample), writer, reader)

    def worth_simulating(self, reader: Any | None, writer: Any | None) -> bool:
        return False

    def rules_accept(self, reader: Any, writer: Any) -> bool:
        return False

    def payload_json(self, value: Any) -> Any:
        return value

    def simulate(
        self,
        writer: ProtoSchema,
        reader: ProtoSchema,
        *,
        writer_label: str,
        reader_label: str,
        samples: Sequence[Any] = (),
        seed: int = 0,
        random_count: int = 20,
        schema_id: int | None = None,
        targets: Sequence[str] = (),
    ) -> SimulationOutcome:
        if not (isinstance(writer, ProtoSchema) and isinstance(reader, ProtoSchema)):
            from gate.errors import SchemaInvalid

            raise SchemaInvalid("Protobuf payloads are simulated on compiled schemas only")
        try:
            return self._simulate(
                writer,
                reader,
                writer_label,
                reader_label,
                samples,
                schema_id,
                targets,
                seed,
                random_count,
            )
        except RecursionError:
            from gate.errors import SchemaInvalid

            raise SchemaInvalid("the schemas nest too deeply to simulate payloads") from None

    def _simulate(
        self,
        writer: ProtoSchema,
        reader: ProtoSchema,
        writer_label: str,
        reader_label: str,
        samples: Sequence[Any],
        schema_id: int | None,
        targets: Sequence[str],
        seed: int = 0,
        random_count: int = 20,
    ) -> SimulationOutcome:
        _PATHS.clear()
        reads: list[Read] = []
        rejected: list[SampleRejection] = []
        skipped = 0
        for sample in samples:
            if isinstance(sample, Sample) and sample.is_wire:
                if schema_id is None or sample.schema_id != schema_id:
                    skipped += 1
                    continue
                decoded = self.decode_wire(sample, writer, reader)
                if isinstance(decoded, SampleProblem):
                    rejected.append(SampleRejection(decoded.source, decoded.message, decoded.rule))
                continue
            source = getattr(sample, "source", "sample")
            value = getattr(sample, "payload", sample)
            parsed = _from_json(writer, value)
            if isinstance(parsed, str):
                rejected.append(SampleRejection(source, parsed))
                continue
            name, message = parsed
            if not message.IsInitialized():
                rejected.append(
                    SampleRejection(
                        source,
                        "not valid under the writer schema: "
                        "required field(s) missing: "
                        + ", ".join(message.FindInitializationErrors()),
                    )
                )
                continue
            reads.append(read(writer, reader, source, message, name))
        import random

        # the coverage set of every message, then `random_count` random messages of each from
        # `seed`, at most MAX_PAYLOADS random ones in all
        rng = random.Random(seed)
        left = payloads.MAX_PAYLOADS
        for name, _ in payloads.records(writer):
            for index, payload in enumerate(payloads.generate(writer, name)):
                reads.append(
                    read(
                        writer,
                        reader,
                        f"generated #{index} ({name}: {payload.label})",
                        payload.message,
                        name,
                    )
                )
            count = min(max(random_count, 0), left)
            left -= count
            reads.extend(
                read(
                    writer,
                    reader,
                    f"generated {payload.label} (random, seed {seed}; {name})",
                    payload.message,
                    name,
                )
                for payload in payloads.generate_random(writer, name, rng, count)
            )
        wanted = set(targets)
        witnesses: dict[str, Witness] = {}
        for target in targets:
            showing = [r for r in reads if any(target in o.paths for o in r.observations)]
            if showing:
                best = min(showing, key=lambda r: (len(r.body), r.failure is None))
                witnesses[target] = _witness(best, target, writer_label, reader_label, schema_id)
        failures: dict[str, list[Any]] = {}
        changes: dict[tuple[str, str], ValueChange] = {}
        failed = 0
        for item in reads:
            for seen in item.observations:
                if seen.paths & wanted:
                    continue  # a finding of the checker names it, with its witness
                if seen.kind == "failure":
                    failed += 1
                    entry = failures.setdefault(seen.message, [item, 0])
                    entry[1] += 1
                    continue
                path = min(seen.paths) if seen.paths else ""
                key = (path, seen.kind)
                if key not in changes:
                    changes[key] = ValueChange(
                        SIMULATION_ENUM_DEFAULTED
                        if seen.kind == DEFAULTED
                        else SIMULATION_VALUE_LOST,
                        f"{item.source} written with {writer_label} and read with "
                        f"{reader_label}: {seen.message}",
                        path,
                        item.source,
                        item.payload,
                        None,
                        "keep the field's type, number and cardinality, or add a new field",
                    )
        unnamed = [r for r in reads if r.failure is not None and not (r.failure.paths & wanted)]
        witness = None
        if unnamed:
            best = min(unnamed, key=lambda r: len(r.body))
            assert best.failure is not None
            witness = _witness(
                best, next(iter(best.failure.paths), ""), writer_label, reader_label, schema_id
            )
        elif witnesses:
            witness = next(iter(witnesses.values()))
        return SimulationOutcome(
            payload_count=len(reads),
            failures=tuple(
                SimulatedFailure(item.source, item.payload, error, FailureKind.DECODE, count)
                for error, (item, count) in failures.items()
            ),
            value_changes=tuple(changes.values()),
            witness=witness,
            schema_type=writer_type(),
            writer=writer_label,
            reader=reader_label,
            failed_count=failed,
            rejected_samples=tuple(rejected),
            skipped_samples=skipped,
            exhaustive=False,
            witnesses=witnesses,
        )

    def decode_wire(
        self, sample: Sample, writer: ProtoSchema, reader: ProtoSchema | None
    ) -> DecodedWire | SampleProblem:
        """A captured message read with the writer schema of its id, then as `reader` reads
        it (None: the writer itself)."""
        from gate.errors import SchemaInvalid

        try:
            return self._decode_wire(sample, writer, reader)
        except (SchemaInvalid, RecursionError) as error:
            return SampleProblem(sample.source, f"{sample.source} is not read: {_unusable(error)}")

    def _decode_wire(
        self, sample: Sample, writer: ProtoSchema, reader: ProtoSchema | None
    ) -> DecodedWire | SampleProblem:
        assert sample.wire is not None
        indexes = sample.message_indexes or (0,)
        name = payloads.by_indexes(writer, indexes)
        if name is None:
            return SampleProblem(
                sample.source,
                f"invalid message indexes {list(indexes)} at byte 5 of {sample.source}: schema "
                f"id {sample.schema_id} has no such message "
                f"({len(writer.messages)} top-level message(s))",
                SAMPLE_INVALID,
            )
        from google.protobuf.message import DecodeError

        body = sample.wire[sample.header_size :]
        _PATHS.clear()
        try:
            message = payloads.message_class(writer, name).FromString(body)
        except DecodeError as error:
            return SampleProblem(
                sample.source,
                f"corrupt wire-format message: the body (from byte "
                f"{sample.header_size}) does not parse as `{name}` of schema id "
                f"{sample.schema_id}: {error}",
                SAMPLE_INVALID,
            )
        payload = payloads.to_json(message)
        if reader is None:
            return DecodedWire(sample, writer, payload, payload, body=body)
        return _decoded(sample, writer, reader, message, name, body)

    def read_plain(
        self, sample: Sample, writer: ProtoSchema, reader: ProtoSchema
    ) -> DecodedWire | SampleProblem:
        """A JSON sample as a message of the writer (its first message it parses as), written
        and then read as Confluent's deserializer reads it with `reader`."""
        from gate.errors import SchemaInvalid

        try:
            return self._read_plain(sample, writer, reader)
        except (SchemaInvalid, RecursionError) as error:
            return SampleProblem(sample.source, f"{sample.source} is not read: {_unusable(error)}")

    def _read_plain(
        self, sample: Sample, writer: ProtoSchema, reader: ProtoSchema
    ) -> DecodedWire | SampleProblem:
        parsed = _from_json(writer, sample.payload)
        if isinstance(parsed, str):
            return SampleProblem(
                sample.source,
                f"not valid under the writer schema: {parsed}",
                SAMPLE_NOT_VALID_FOR_WRITER,
            )
        name, message = parsed
        if not message.IsInitialized():
            return SampleProblem(
                sample.source,
                "not valid under the writer schema: required "
                "field(s) missing: " + ", ".join(message.FindInitializationErrors()),
                SAMPLE_NOT_VALID_FOR_WRITER,
            )
        _PATHS.clear()
        return _decoded(sample, writer, reader, message, name, message.SerializeToString())


def _unusable(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "the schemas nest too deeply to simulate payloads"
    return str(getattr(error, "message", error))


def _decoded(
    sample: Sample, writer: ProtoSchema, reader: ProtoSchema, message: Any, name: str, body: bytes
) -> DecodedWire:
    """`message` (a `name` of the writer, `body` serialised) as `reader` reads it."""
    payload = payloads.to_json(message)
    result = read(writer, reader, sample.source, message, name, body)
    failure = result.failure
    framing = payloads.index_bytes(result.indexes)
    if failure is not None:
        return DecodedWire(
            sample, writer, payload, None, failure.message, body=body, index_bytes=framing
        )
    return DecodedWire(
        sample, writer, payload, _read_json(reader, name, body), body=body, index_bytes=framing
    )


def writer_type() -> Any:
    from gate.model import SchemaType

    return SchemaType.PROTOBUF


def _from_json(writer: ProtoSchema, value: Any) -> tuple[str, Any] | str:
    """A JSON sample as a message of the writer's first message, else of the first record it
    parses as; a reason when it is none."""
    first_error = ""
    for name, _ in payloads.records(writer):
        try:
            return name, payloads.from_json(writer, name, value)
        except ValueError as error:
            first_error = first_error or f"not a `{name}` of the writer schema: {error}"
    return first_error or "the writer schema has no message"


def _reader_message(writer: ProtoSchema, reader: ProtoSchema, name: str) -> str | None:
    if reader.file_of.get(name) == reader.root and name in reader.all_messages:
        return name
    return reader.messages[0].full_name if reader.messages else None


def _read_json(reader: ProtoSchema, name: str, body: bytes) -> Any:
    target = _reader_message(reader, reader, name) or name
    try:
        return payloads.to_json(payloads.message_class(reader, target).FromString(body))
    except Exception:  # the read already succeeded once; this is only its JSON view
        return None


def read(
    writer: ProtoSchema,
    reader: ProtoSchema,
    source: str,
    message: Any,
    name: str,
    body: bytes | None = None,
) -> Read:
    """Serialise `message` (a `name` of the writer), parse it as Confluent's deserializer
    would with `reader`, and note everything that did not come through."""
    from google.protobuf.message import DecodeError

    data = message.SerializePartialToString() if body is None else body
    indexes = payloads.indexes_of(writer, name) or (0,)
    item = Read(source, message, data, indexes)
    where = message_path(writer, name)
    target = _reader_message(writer, reader, name)
    if target is None:
        item.observations.append(
            Observation(
                "failure",
                frozenset({where, ""}),
                f"the reader's schema has no message to read `{name}` with",
            )
        )
        return item
    if target != name:
        paths = {where}
        if writer.package != reader.package:
            paths.add("")
        item.observations.append(
            Observation(
                "failure",
                frozenset(paths),
                f"the reader's schema has no message `{name}`: Confluent's deserializer reads it "
                f"as `{target}`, its first message",
            )
        )
        return item
    cls = payloads.message_class(reader, target)
    try:
        parsed = cls.FromString(data)
    except DecodeError as error:
        blamed, numbers = _blame(writer, reader, message, name, target)
        item.observations.append(
            Observation("failure", frozenset(blamed or {where}), f"DecodeError: {error}")
        )
        # what the rest of the message does, without the fields that fail on their own
        rest = type(message)()
        rest.CopyFrom(message)
        for number in numbers:
            rest.ClearField(message.DESCRIPTOR.fields_by_number[number].name)
        try:
            parsed = cls.FromString(rest.SerializePartialToString())
        except DecodeError:
            return item
        message = rest
    _compare(writer, reader, message, parsed, name, target, frozenset(), item.observations)
    if not parsed.IsInitialized():
        missing = _missing_required(reader, parsed, target)
        required = frozenset(p for p, _ in missing) or frozenset({where})
        # a required value the reader lost (a closed enum's unknown number) is missing for the
        # same reason it was lost
        for seen in list(item.observations):
            if seen.paths & required:
                required |= seen.paths
        item.observations.insert(
            0,
            Observation(
                "failure",
                required,
                "required field(s) missing: "
                + ", ".join(n for _, n in missing)
                + " (Java's parser rejects the message)",
            ),
        )
    return item


def _blame(
    writer: ProtoSchema, reader: ProtoSchema, message: Any, name: str, target: str
) -> tuple[set[str], set[int]]:
    """The paths (and the numbers) of the writer's fields whose values alone make the
    reader's parse fail."""
    from google.protobuf.message import DecodeError

    cls = payloads.message_class(reader, target)
    blamed: set[str] = set()
    numbers: set[int] = set()
    for descriptor, _ in message.ListFields():
        alone = type(message)()
        alone.CopyFrom(message)
        for other, _ in message.ListFields():
            if other.number != descriptor.number:
                alone.ClearField(other.name)
        try:
            cls.FromString(alone.SerializePartialToString())
        except DecodeError:
            numbers.add(descriptor.number)
            blamed |= _paths(writer, reader, name, target, descriptor.number)
            r = reader.all_messages.get(target)
            read_field = r.fields.get(descriptor.number) if r else None
            if (
                descriptor.type == payloads.TYPE_MESSAGE
                and not descriptor.is_repeated
                and read_field is not None
                and read_field.kind == "MESSAGE"
                and not payloads._is_map(descriptor)
            ):
                inner = getattr(message, descriptor.name)
                blamed |= _blame(
                    writer, reader, inner, descriptor.message_type.full_name, read_field.type_name
                )[0]
    return blamed, numbers


def _paths(
    writer: ProtoSchema, reader: ProtoSchema, name: str, target: str, number: int
) -> frozenset[str]:
    """The registry paths of field `number` of writer message `name` read as `target`."""
    key = (id(writer), id(reader), name, target, number)
    known = _PATHS.get(key)
    if known is None:
        known = frozenset(_field_paths(writer, reader, name, target, number))
        _PATHS[key] = known
    return known


# the paths of the pair being read, by identity (both schemas live while it is read; cleared
# before each simulation)
_PATHS: dict[tuple[int, int, str, str, int], frozenset[str]] = {}


def _field_paths(
    writer: ProtoSchema, reader: ProtoSchema, name: str, target: str, number: int
) -> set[str]:
    out: set[str] = set()
    w = writer.all_messages.get(name)
    r = reader.all_messages.get(target)
    if w is not None and number in w.fields:
        out.add(field_path(message_path(writer, name), w.fields[number]))
        out.add(f"{message_path(writer, name)}/{number}")
    if r is not None and number in r.fields:
        rf = r.fields[number]
        out.add(field_path(message_path(reader, target), rf))
        if rf.oneof:
            out.add(f"{message_path(reader, target)}/{rf.oneof}")
    return out


def _missing_required(reader: ProtoSchema, parsed: Any, name: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    model = reader.all_messages.get(name)
    for descriptor in parsed.DESCRIPTOR.fields:
        if descriptor.type == payloads.TYPE_GROUP:
            continue
        if descriptor.is_required and not parsed.HasField(descriptor.name):
            path = message_path(reader, name) + f"/{descriptor.number}"
            if model is not None and descriptor.number in model.fields:
                path = field_path(message_path(reader, name), model.fields[descriptor.number])
            out.append((path, f"`{name}.{descriptor.name}`"))
        elif descriptor.type == payloads.TYPE_MESSAGE and not payloads._is_map(descriptor):
            inner = descriptor.message_type.full_name
            if descriptor.is_repeated:
                for element in getattr(parsed, descriptor.name):
                    out += _missing_required(reader, element, inner)
            elif parsed.HasField(descriptor.name):
                out += _missing_required(reader, getattr(parsed, descriptor.name), inner)
    return out


def _unknown_numbers(parsed: Any) -> set[int]:
    from google.protobuf import unknown_fields

    return {f.field_number for f in unknown_fields.UnknownFieldSet(parsed)}


def _reserved(schema: ProtoSchema, name: str, number: int) -> bool:
    from gate.formats.protobuf.warnings import _field_reserved

    return _field_reserved(schema, name, number)


def _compare(
    writer: ProtoSchema,
    reader: ProtoSchema,
    written: Any,
    parsed: Any,
    name: str,
    target: str,
    outer: frozenset[str],
    out: list[Observation],
) -> None:
    """Every value of `written` (a `name`) looked for in `parsed` (a `target`); `outer` are the
    paths of the fields that hold them when the registry does not compare the two messages
    (another message type, or a type from another file)."""
    unknown = _unknown_numbers(parsed)
    w_model = writer.all_messages.get(name)
    r_model = reader.all_messages.get(target)
    read_fields = parsed.DESCRIPTOR.fields_by_number
    for descriptor, value in written.ListFields():
        number = descriptor.number
        paths = _paths(writer, reader, name, target, number) | outer
        what = f"field `{descriptor.name}` = {number} of `{name}`"
        rd = read_fields.get(number)
        if rd is None or rd.type == payloads.TYPE_GROUP:
            w_field = w_model.fields.get(number) if w_model else None
            survives = bool(
                w_model
                and w_field
                and w_field.oneof
                and r_model
                and (
                    w_field.oneof in r_model.oneofs
                    or any(
                        f.oneof == w_field.oneof and n in r_model.fields
                        for n, f in w_model.fields.items()
                    )
                )
            )
            if survives or not _reserved(reader, target, number):
                out.append(
                    Observation(
                        LOST,
                        paths,
                        f"{what} is not in the reader's message (it went to unknown fields)",
                    )
                )
            continue
        if number in unknown:
            kind, extra = LOST, ""
            if rd.type == payloads.TYPE_ENUM and enum_closed(reader, rd.enum_type.full_name):
                kind = DEFAULTED
                extra = " (the reader's closed enum does not declare the number)"
                numbers = value if descriptor.is_repeated else [value]
                paths |= {
                    f"{message_path(reader, rd.enum_type.full_name)}/{v}"
                    for v in numbers
                    if isinstance(v, int)
                }
            out.append(
                Observation(kind, paths, f"{what} went to unknown fields in the reader{extra}")
            )
            continue
        oneof = rd.containing_oneof
        r_field = r_model.fields.get(number) if r_model else None
        if (
            oneof is not None
            and r_field is not None
            and r_field.oneof
            and parsed.WhichOneof(oneof.name) != rd.name
        ):
            out.append(
                Observation(
                    OVERWRITTEN,
                    paths,
                    f"{what} was overwritten by another "
                    f"member of the reader's oneof `{oneof.name}`",
                )
            )
            continue
        got = getattr(parsed, rd.name)
        if not _same(writer, reader, descriptor, value, rd, got, paths, out):
            out.append(
                Observation(
                    CHANGED,
                    paths,
                    f"{what} was written as {_show(value)} but reads as {_show(got)}",
                )
            )


def _same(
    writer: ProtoSchema,
    reader: ProtoSchema,
    wd: Any,
    value: Any,
    rd: Any,
    got: Any,
    paths: frozenset[str],
    out: list[Observation],
) -> bool:
    """Whether the reader's value `got` is the writer's `value`; differences inside messages
    are noted in `out` themselves (and count as the same here)."""
    w_map, r_map = payloads._is_map(wd), payloads._is_map(rd)
    if w_map or r_map:
        if not (w_map and r_map):
            return False
        wv, rv = wd.message_type.fields_by_number[2], rd.message_type.fields_by_number[2]
        wk, rk = wd.message_type.fields_by_number[1], rd.message_type.fields_by_number[1]
        read_keys = {_key(k): k for k in got}
        if len(read_keys) != len(value):
            return False
        for key in value:
            match = read_keys.get(_key(key))
            if match is None or not _scalar_same(wk, key, rk, match):
                return False
            if not _one(writer, reader, wv, value[key], rv, got[match], paths, out):
                return False
        return True
    written = list(value) if wd.is_repeated else [value]
    read_values = list(got) if rd.is_repeated else [got]
    if len(written) != len(read_values):
        return False
    return all(
        _one(writer, reader, wd, w, rd, r, paths, out)
        for w, r in zip(written, read_values, strict=True)
    )


def _key(value: Any) -> Any:
    return value.encode() if isinstance(value, str) else value


def _one(
    writer: ProtoSchema,
    reader: ProtoSchema,
    wd: Any,
    value: Any,
    rd: Any,
    got: Any,
    paths: frozenset[str],
    out: list[Observation],
) -> bool:
    w_message = wd.type == payloads.TYPE_MESSAGE
    r_message = rd.type == payloads.TYPE_MESSAGE
    if w_message != r_message:
        return False
    if not w_message:
        return _scalar_same(wd, value, rd, got)
    w_name, r_name = wd.message_type.full_name, rd.message_type.full_name
    compared = (
        writer.local_name(w_name) == reader.local_name(r_name)
        and writer.file_of.get(w_name) == writer.root
        and reader.file_of.get(r_name) == reader.root
    )
    _compare(writer, reader, value, got, w_name, r_name, frozenset() if compared else paths, out)
    return True


def _scalar_same(wd: Any, value: Any, rd: Any, got: Any) -> bool:
    if (
        type(value) is not type(got)
        and not (isinstance(value, (int, float)) and isinstance(got, (int, float)))
        and not (isinstance(value, (str, bytes)) and isinstance(got, (str, bytes)))
    ):
        return False  # read as another kind of value (text as packed numbers)
    if isinstance(value, bool) or isinstance(got, bool):
        return bool(value) == bool(got) and int(value) == int(got)
    if isinstance(value, bytes) or isinstance(got, bytes):
        left = value.encode() if isinstance(value, str) else value
        right = got.encode() if isinstance(got, str) else got
        return bool(left == right)
    return bool(value == got)


def _show(value: Any) -> str:
    if hasattr(value, "ListFields"):
        return "{" + ", ".join(f"{d.name}: {_show(v)}" for d, v in value.ListFields()) + "}"
    if not isinstance(value, (str, bytes, int, float)) and hasattr(value, "__iter__"):
        try:
            return "[" + ", ".join(_show(v) for v in value) + "]"
        except TypeError:
            return repr(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _witness(
    item: Read, target: str, writer_label: str, reader_label: str, schema_id: int | None
) -> Witness:
    seen = next((o for o in item.observations if target in o.paths), None)
    error = seen.message if seen is not None else (item.failure.message if item.failure else "")
    wire = (
        b"\x00"
        + (schema_id or 0).to_bytes(4, "big")
        + payloads.index_bytes(item.indexes)
        + item.body
    )
    return Witness(
        payload=item.payload,
        writer=writer_label,
        reader=reader_label,
        error=error,
        wire_base64=base64.b64encode(wire).decode("ascii"),
        body_base64=base64.b64encode(item.body).decode("ascii"),
        body_encoding="protobuf",
    )


SIMULATOR = ProtobufSimulator()
