"""The values of consumer simulation that the engine and every format's simulator share:
outcomes, failures, witnesses' budgets, and the shrinking of a failing payload."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gate.records import Record
from gate.simulationrules import SAMPLE_NOT_VALID_FOR_WRITER

if TYPE_CHECKING:
    from gate.model import SchemaType, Witness

SHRINK_BUDGET = 400  # encode+decode attempts spent on making a witness smaller
# what one Avro simulation may spend past reading each payload once (confirming value changes,
# looking for each finding's own witness, shrinking witnesses), in bytes encoded or decoded
# plus values walked: a witness deep in a large payload would otherwise be encoded hundreds of
# times at its full size. Past it, witnesses stay as large as they were found, and a note says
# what was left out
SIMULATION_WORK = 4_000_000


class Work:
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
            for part in said
            if part in self.short
        ]
        if "attempts" in self.short and "shrink" not in self.short:
            notes.append(
                f"witness shrinking stopped after {SHRINK_BUDGET} attempts per "
                "witness: the witness may hold more than it needs to fail"
            )
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
FASTAVRO_ONLY = frozenset({FailureKind.CONVERSION, FailureKind.NAMES})


def fastavro_only(kind: FailureKind | str | None) -> bool:
    """Whether a failure of this kind is one of fastavro consumers alone: the Avro rules the
    registry applies, and Java's decoder, read the data."""
    return kind in FASTAVRO_ONLY


class SimulatedFailure(Record):
    """One distinct error consumers hit, with the first payload that hit it."""

    source: str  # "generated #3", or the sample's `file:line`
    payload: object  # JSON view of the payload as written
    error: str  # exactly what the consumer raised: "SchemaResolutionError: ..."
    kind: FailureKind
    payloads: int = 1  # payloads that failed with this same error


class ValueChange(Record):
    """A payload that decoded, but not to what was written (rule VALUE_LOST or ENUM_DEFAULTED)."""

    rule: str
    message: str
    path: str  # JSON Pointer into the reader schema
    source: str
    payload: object  # JSON view of the payload as written
    read: object  # JSON view of what the reader decoded
    fix: str | None = None


class SampleRejection(Record):
    """A configured sample that the writer schema does not accept."""

    source: str
    message: str
    rule: str = SAMPLE_NOT_VALID_FOR_WRITER


class SimulationOutcome(Record):
    """Everything one writer/reader simulation found."""

    payload_count: int
    failures: tuple[SimulatedFailure, ...]
    value_changes: tuple[ValueChange, ...]
    witness: Witness | None
    schema_type: SchemaType | None = None
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
    witnesses: Mapping[str, Witness] = MappingProxyType({})
    # JSON Schema: the pointer into the reader schema of the keyword that rejects `witness`
    keyword: str = ""
    # what the simulation left out, to be shown as notes (a budget that ran out)
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.failures)


class Agreement(Record):
    """How the static checker's verdict and the simulation relate, ready for a finding."""

    disagrees: bool
    message: str
    witness: Witness | None = None


class Item:
    """One payload a simulation decodes: where it comes from, its JSON view, its encoding."""

    __slots__ = ("data", "payload", "source")

    def __init__(self, source: str, payload: object, data: bytes | None = None) -> None:
        self.source = source
        self.payload = payload
        self.data = data


class Candidate:
    """A silent change the reader may make, confirmed when the strict variant fails."""

    __slots__ = ("confirmed", "describe", "parsed", "path", "rule", "variant")

    def __init__(
        self,
        rule: str,
        path: str,
        variant: object,  # the reader schema JSON without the defaults this change relies on
        describe: Callable[[object], tuple[str, str | None]],  # payload -> (message, fix)
        parsed: Any = None,  # `variant` as the format's engine parsed it
        confirmed: ValueChange | None = None,
    ) -> None:
        self.rule = rule
        self.path = path
        self.variant = variant
        self.describe = describe
        self.parsed = parsed
        self.confirmed = confirmed


class Tally:
    """The failures of a simulation so far: each distinct error once, and the smallest payload
    that failed for each kind of failure."""

    __slots__ = ("failed", "failures", "smallest")

    def __init__(self) -> None:
        self.failures: dict[str, list[Any]] = {}  # error -> [first item, kind, n]
        self.failed = 0
        self.smallest: dict[FailureKind, tuple[int, int, Item]] = {}

    def add(self, item: Item, error: str, kind: FailureKind, order: int) -> None:
        self.failed += 1
        entry = self.failures.get(error)
        if entry is None:
            self.failures[error] = [item, kind, 1]
        else:
            entry[2] += 1
        size = len(item.data) if item.data is not None else len(json_text(item.payload))
        best = self.smallest.get(kind)
        if best is None or (size, order) < best[:2]:
            self.smallest[kind] = (size, order, item)


# a consumer's error may quote whole schemas and values (fastavro's do): findings keep its start
ERROR_TEXT_LIMIT = 1000


def clipped(text: str) -> str:
    if len(text) <= ERROR_TEXT_LIMIT:
        return text
    return f"{text[:ERROR_TEXT_LIMIT]}… ({len(text) - ERROR_TEXT_LIMIT} more characters)"


def error_text(error: BaseException) -> str:
    return clipped(f"{type(error).__name__}: {error}")


def json_text(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def failures_of(tally: Tally, to_json: Callable[[object], object]) -> tuple[SimulatedFailure, ...]:
    return tuple(
        SimulatedFailure(item.source, to_json(item.payload), error, kind, count)
        for error, (item, kind, count) in tally.failures.items()
    )


def worst(tally: Tally) -> Item | None:
    for kind in (
        FailureKind.RESOLUTION,
        FailureKind.VALIDATION,
        FailureKind.CONVERSION,
        FailureKind.NAMES,
    ):
        if kind in tally.smallest:
            return tally.smallest[kind][2]
    return None


# every generated payload is about as large as its writer schema, and a witness is shrunk by
# encoding it hundreds of times: beyond this many JSON values in a schema, simulating would take
# minutes, so only the static checker judges such a pair
MAX_SIMULATED_NODES = 100_000
# payloads mirror their schema's nesting, and encoding, decoding, shrinking and comparing each
# recurse a few frames per level of it
_FRAMES_PER_LEVEL = 8


def run_deep(simulate: Callable[[], SimulationOutcome], depth: int) -> SimulationOutcome:
    """`simulate()`, given the stack a schema nested `depth` levels deep needs.

    Schemas the registry accepts may nest deeper than Python's default recursion limit allows
    the encoders, decoders and the shrinker to follow; such a simulation runs where the stack is
    large. Whatever still runs out of stack is reported as a schema too deep to simulate.
    """
    from gate.deep import call_deep
    from gate.errors import SchemaInvalid

    try:
        return call_deep(simulate, depth * _FRAMES_PER_LEVEL)
    except RecursionError:
        raise SchemaInvalid(
            f"the schemas nest too deeply ({depth} levels) to simulate payloads"
        ) from None


_EXTENTS: dict[int, tuple[object, tuple[int, int]]] = {}


def extent(value: object) -> tuple[int, int]:
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


def _count(value: object) -> tuple[int, int]:
    size = depth = 0
    level: list[Any] = [value]
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


def run_on_json(
    simulate: Callable[[], SimulationOutcome], writer_json: object, reader_json: object
) -> SimulationOutcome:
    """`simulate()` of two schemas given as JSON values, refused when they are too large and
    given the stack their nesting needs."""
    writer_size, writer_depth = extent(writer_json)
    reader_size, reader_depth = extent(reader_json)
    if max(writer_size, reader_size) > MAX_SIMULATED_NODES:
        from gate.errors import SchemaInvalid

        raise SchemaInvalid(
            f"the schemas are too large ({max(writer_size, reader_size)} JSON values) to "
            f"simulate payloads; at most {MAX_SIMULATED_NODES} are simulated"
        )
    return run_deep(simulate, max(writer_depth, reader_depth))


class SimulationNotRun(Exception):
    """A simulation that cannot be run within its budget (a pattern too slow to evaluate)."""


# -- shrinking -------------------------------------------------------------------------------


def _simpler(value: object, reference: object) -> list[object]:
    """Smaller stand-ins for a value, most drastic first; `reference` is the schema's smallest
    value at the same place, when known (it also shrinks enum symbols and fixed values)."""
    out: list[object] = [] if value is None else [None]
    if reference is not ABSENT and reference is not None and reference != value:
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
    return [
        candidate
        for index, candidate in enumerate(out)
        if not any(_identical(candidate, earlier) for earlier in out[:index])
        and not _identical(candidate, value)
    ]


def _identical(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple, Mapping, str, bytes)) and len(a) != len(b):
        return False  # told apart without writing out a large value
    return json_text(a) == json_text(b)


ABSENT = object()


def _lookup(value: object, path: tuple[object, ...]) -> object:
    for key in path:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, tuple) and len(value) == 2 and key == 1:
            value = value[1]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return ABSENT
    return value


def _paths(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield path
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, tuple) and len(value) == 2:
        yield from _paths(value[1], (*path, 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _get(value: Any, path: tuple[object, ...]) -> object:
    for key in path:
        value = value[key]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: object) -> object:
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


class OutOfWork(Exception):
    """The simulation's work budget ran out in the middle of shrinking."""


def shrink(
    payload: object,
    still_fails: Callable[[object], bool],
    reference: object = ABSENT,
    budget: int = SHRINK_BUDGET,
    within: tuple[object, ...] = (),
    work: Work | None = None,
) -> object:
    """Replace parts of a failing payload by smaller values while it still fails the same way;
    only the parts at or below `within`, when given (a payload small elsewhere already).

    At most `budget` attempts; with `work`, each value walked costs one unit of it too, and
    when it runs out (or `still_fails` raises `OutOfWork`) the smallest payload found so far
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
                if path[: len(within)] != within:
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
    except OutOfWork:
        pass
    return current
