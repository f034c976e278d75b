"""Sample payloads from files: JSON, JSON Lines and Confluent wire-format captures.

Formats, chosen by the file's extension:

- `.json`: one JSON value is one sample; a top-level JSON array is a list of samples (to give one
  sample whose value is itself an array, wrap it: `[[1, 2]]`). Each element's source names the
  line it starts on.
- `.jsonl` / `.ndjson`: one sample per line; blank lines are skipped.
- `.bin`: ONE captured message per file in the Confluent wire format: magic byte 0, the schema id
  as a 4-byte big-endian integer, then the body (Avro binary, or UTF-8 JSON text for JSON
  Schema; for Protobuf the message-index array comes first, read by the format's `read_wire`).
  The body is not self-delimiting, so a file cannot hold several messages.

A record that cannot be read is a `SampleProblem` value (rule SAMPLE_INVALID or
SAMPLE_UNKNOWN_SCHEMA_ID) naming the file and the record, never an exception; only a file that
cannot be read at all raises `SourceError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gate.errors import SourceError
from gate.jsonpos import line_of
from gate.simulationrules import (
    SAMPLE_INVALID,
    SAMPLE_NOT_VALID_FOR_WRITER,
    SAMPLE_UNKNOWN_SCHEMA_ID,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from gate.formats import Simulator
    from gate.model import SchemaType

WIRE_MAGIC = 0
WIRE_HEADER = 5  # magic byte + 4-byte schema id
JSON_EXTENSIONS = (".json",)
JSON_LINES_EXTENSIONS = (".jsonl", ".ndjson")
WIRE_EXTENSIONS = (".bin",)
SAMPLE_EXTENSIONS = (*JSON_EXTENSIONS, *JSON_LINES_EXTENSIONS, *WIRE_EXTENSIONS)


@dataclass(frozen=True)
class Sample:
    """One sample: a JSON payload, or a captured wire-format message (whole, header included)."""

    source: str  # `file:line` for JSON records, `file` for a wire message
    payload: object | None = None
    wire: bytes | None = None
    schema_id: int | None = None
    # where the body starts: after the magic byte and schema id, and for Protobuf after the
    # message-index array, whose indexes these are
    header_size: int = WIRE_HEADER
    message_indexes: tuple[int, ...] = ()

    @property
    def is_wire(self) -> bool:
        return self.wire is not None

    @property
    def body(self) -> bytes | None:
        """The message without its header (the Avro body, the JSON text, the Protobuf
        message)."""
        return None if self.wire is None else self.wire[self.header_size :]


@dataclass(frozen=True)
class SampleProblem:
    """A sample record that is not usable, as a value the caller turns into a finding."""

    source: str
    message: str
    rule: str = SAMPLE_INVALID


@dataclass(frozen=True)
class DecodedWire:
    """A sample decoded with its writer schema (for a captured message, the schema of its id),
    and as a reader sees it."""

    sample: Sample
    writer: object  # the writer schema JSON (registered under the message's id)
    payload: object  # the value as written (decoded with the writer schema alone)
    read: object  # the value as the reader sees it (the payload when no reader was given)
    error: str | None = None  # the reader's exact error ("Type: message"); None: it decoded
    body: bytes | None = None  # the Avro body the writer wrote (a captured message's own)
    # the bytes its wire format puts between the schema id and the body (Protobuf's message-index
    # array)
    index_bytes: bytes = b""
    # Avro: why the reader failed, a `gate.simulation_types.FailureKind`; NAMES and CONVERSION are
    # failures of fastavro consumers alone (Java's decoder reads the data)
    kind: str | None = None

    @property
    def fastavro_only(self) -> bool:
        """Whether only fastavro consumers fail on this sample: the Avro rules the registry
        applies, and Java's decoder, read it."""
        from gate.simulation_types import fastavro_only

        return self.error is not None and fastavro_only(self.kind)


def load_samples(
    path: Path, display: str, schema_type: SchemaType | None = None
) -> list[Sample | SampleProblem]:
    """Every sample in the file at `path`, in file order, problems included as values.

    A wire-format capture is framed as `schema_type`'s format reads it (`read_wire`; by
    default the plain Confluent header).

    `display` is how the file is named in sources and messages (repository-relative), so
    `path` minus `display` is the repository: a file that symbolic links lead out of it is a
    problem, and is not read. Raises `SourceError` only when the file cannot be read at all.
    """
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_EXTENSIONS:
        return [
            SampleProblem(
                display,
                f"unsupported sample file type {suffix or '(none)'!r}; "
                "use " + ", ".join(SAMPLE_EXTENSIONS),
            )
        ]
    if _leaves_repository(path, display):
        return [
            SampleProblem(
                display, "a symbolic link leads the sample file out of the repository; not read"
            )
        ]
    try:
        data = path.read_bytes()
    except OSError as error:
        hint = f"check that the file exists and is readable ({error.strerror})"
        raise SourceError("cannot read sample file", display, hint) from error
    if suffix in WIRE_EXTENSIONS:
        if schema_type is None:
            return [read_wire(data, display)]
        from gate.formats import get_format

        return [get_format(schema_type).read_wire(data, display)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [
            SampleProblem(
                f"{display}:{line}", f"not UTF-8 text: {error.reason} at byte {error.start}"
            )
        ]
    if suffix in JSON_LINES_EXTENSIONS:
        return list(_json_lines(text, display))
    return _json_document(text, display)


def _json_lines(text: str, display: str) -> Iterable[Sample | SampleProblem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{display}:{number}"
        try:
            yield Sample(source, payload=json.loads(line))
        except ValueError as error:
            yield SampleProblem(source, f"not valid JSON: {_json_reason(error)}")
        except RecursionError:
            yield SampleProblem(source, _TOO_DEEP)


def _json_document(text: str, display: str) -> list[Sample | SampleProblem]:
    try:
        value = json.loads(text)
    except ValueError as error:
        line = error.lineno if isinstance(error, json.JSONDecodeError) else None
        source = display if line is None else f"{display}:{line}"
        return [SampleProblem(source, f"not valid JSON: {_json_reason(error)}")]
    except RecursionError:
        return [SampleProblem(display, _TOO_DEEP)]
    if not isinstance(value, list):
        return [Sample(f"{display}:{line_of(text, '') or 1}", payload=value)]
    return [
        Sample(f"{display}:{line_of(text, f'/{index}') or 1}", payload=item)
        for index, item in enumerate(value)
    ]


_TOO_DEEP = "the JSON is nested too deeply to be decoded"


def _leaves_repository(path: Path, display: str) -> bool:
    parts = PurePosixPath(display).parts
    if not parts or ".." in parts or PurePosixPath(display).is_absolute():
        return False  # not repository-relative: nothing to compare with
    if tuple(path.parts[-len(parts) :]) != parts:
        return False
    root = os.path.realpath(path.parents[len(parts) - 1])
    real = os.path.realpath(path)
    return not real.startswith(root.rstrip(os.sep) + os.sep)


def _json_reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} (line {error.lineno}, column {error.colno})"
    return str(error)


def read_wire(data: bytes, display: str) -> Sample | SampleProblem:
    """One Confluent wire-format message: its header checked, its schema id read."""
    if not data:
        return SampleProblem(
            display,
            "empty file: a wire-format message needs at least 5 bytes "
            "(magic byte 0 and a 4-byte schema id)",
        )
    if data[0] == 1:
        return SampleProblem(
            display,
            "not a payload capture: the first byte is 0x01, the "
            "header framing of newer clients (magic byte 1 and a GUID, sent in "
            "the record header __value_schema_id/__key_schema_id); capture the "
            "record value with the schema id prefix (magic byte 0x00) instead",
        )
    if data[0] != WIRE_MAGIC:
        return SampleProblem(
            display,
            f"not a Confluent wire-format message: the first byte is "
            f"0x{data[0]:02x}, the magic byte must be 0x00",
        )
    if len(data) < WIRE_HEADER:
        return SampleProblem(
            display,
            f"truncated wire-format message: {len(data)} bytes, the "
            "header alone is 5 (magic byte 0 and a 4-byte schema id)",
        )
    schema_id = int.from_bytes(data[1:WIRE_HEADER], "big")
    return Sample(display, wire=bytes(data), schema_id=schema_id)


def decode_wire(
    sample: Sample,
    resolve_id: Callable[[int], object | None],
    reader: object | None = None,
    *,
    schema_type: SchemaType,
) -> DecodedWire | SampleProblem:
    """Decode a captured message with the writer schema of its id, then as `reader` sees it.

    `resolve_id` gives the schema JSON registered under an id (None when unknown). `reader` is a
    reader schema JSON (None: the writer itself). A message the writer cannot decode, or that
    has bytes left over, is a `SampleProblem`; a reader that fails on a good message is not a
    problem of the sample: it comes back as `DecodedWire.error`.
    """
    if sample.wire is None or sample.schema_id is None:
        raise ValueError("decode_wire needs a wire-format sample")
    schema_id = sample.schema_id
    writer = resolve_id(schema_id)
    if writer is None:
        return SampleProblem(
            sample.source,
            f"schema id {schema_id} in {sample.source} is not in the registry or snapshot",
            SAMPLE_UNKNOWN_SCHEMA_ID,
        )
    simulator = _simulator(schema_type)
    if simulator is None:
        return SampleProblem(
            sample.source, f"wire-format samples of type {schema_type.value} are not supported"
        )
    return simulator.decode_wire(sample, writer, reader)


def plain_reader(
    writer: object, reader: object, *, schema_type: SchemaType
) -> Callable[[Sample], DecodedWire | SampleProblem]:
    """A function that writes a JSON sample with the writer schema, then reads it as `reader`
    does (both schema JSON values, prepared once for every sample).

    For Avro the sample may be a plain value or in Avro's JSON encoding (unions as
    `{"type": value}`). A sample the writer cannot write is a `SampleProblem`
    (SAMPLE_NOT_VALID_FOR_WRITER): it is not data of that writer. A reader that fails comes back
    as `DecodedWire.error`, its exact error; a JSON Schema consumer fills in the reader's
    defaults, then validates.
    """
    simulator = _simulator(schema_type)
    if simulator is None:
        return lambda sample: SampleProblem(
            sample.source,
            f"samples of type {schema_type.value} are not supported",
            SAMPLE_NOT_VALID_FOR_WRITER,
        )
    return simulator.plain_reader(writer, reader)


def _simulator(schema_type: SchemaType) -> Simulator[object] | None:
    from gate.formats import get_format

    return get_format(schema_type).simulator()


def plain_sample(sample: Sample) -> Sample:
    """`sample`, which must be a JSON sample."""
    if sample.wire is not None:
        raise ValueError("a plain reader reads JSON samples, not captured messages")
    return sample


def corrupt(sample: Sample, error: Exception) -> str:
    """The message of a captured body that does not decode."""
    kind = "truncated" if isinstance(error, (EOFError, StopIteration)) else "corrupt"
    return (
        f"{kind} wire-format message: the body does not decode with schema id "
        f"{sample.schema_id}: {type(error).__name__}: {error}"
    )


def split(items: Iterable[Sample | SampleProblem]) -> tuple[list[Sample], list[SampleProblem]]:
    """The samples and the problems of `load_samples`' result, each in order."""
    samples: list[Sample] = []
    problems: list[SampleProblem] = []
    for item in items:
        if isinstance(item, SampleProblem):
            problems.append(item)
        else:
            samples.append(item)
    return samples, problems
