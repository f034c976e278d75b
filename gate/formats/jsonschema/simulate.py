"""JSON Schema consumer simulation: instances valid under the writer are validated with the
reader after the reader's property defaults are filled in (a consumer that honours defaults;
Confluent's rules assume one). Schemas come in as JSON values. Also the JSON body of a captured
or plain sample, read as a consumer reads it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gate.jsonpos import join_pointer, pointer_tokens
from gate.model import SchemaType, Witness
from gate.samples import (
    SAMPLE_NOT_VALID_FOR_WRITER,
    DecodedWire,
    Sample,
    SampleProblem,
    corrupt,
    plain_sample,
)
from gate.simulation_types import (
    FailureKind,
    Item,
    SampleRejection,
    SimulationOutcome,
    Tally,
    clipped,
    extent,
    failures_of,
    json_text,
    run_on_json,
    shrink,
    worst,
)


class JsonSimulator:
    """`gate.formats.Simulator` for JSON Schema: it simulates the schema documents."""

    parsed_input = False  # takes the schema's JSON, not the parsed form
    # a witness found against one version of a history is tried on the next
    reuses_witnesses = True
    body_encoding: str | None = None

    def input(self, value: Any) -> Any:
        """The schema as one self-contained document (`ParsedJsonSchema.json`)."""
        if hasattr(value, "json"):
            return value.json
        return getattr(value, "document", None)

    def prepare(self, writer: Any, reader: Any) -> None:
        """Both passed their metaschema when parsed: the simulation need not check again."""
        from gate.formats.jsonschema import payloads

        payloads.trust(writer)
        payloads.trust(reader)

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
        return json_witness(
            writer,
            reader,
            payload,
            writer_label=writer_label,
            reader_label=reader_label,
            target=target,
        )

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
            lambda: _simulate_json(
                writer, reader, writer_label, reader_label, samples, seed, random_count, targets
            ),
            writer,
            reader,
        )

    def decode_wire(
        self, sample: Sample, writer: Any, reader: Any | None
    ) -> DecodedWire | SampleProblem:
        return _decode_json_wire(sample, writer, reader, sample.body or b"")

    def plain_reader(
        self, writer: Any, reader: Any
    ) -> Callable[[Sample], DecodedWire | SampleProblem]:
        return plain_reader(writer, reader)

    def worth_simulating(self, reader: Any | None, writer: Any | None) -> bool:
        """Always: a change the registry accepts may still reject data (a format, an
        overlapping oneOf branch)."""
        return True

    def rules_accept(self, reader: Any, writer: Any) -> bool:
        return False

    def payload_json(self, value: Any) -> Any:
        return value


SIMULATOR = JsonSimulator()


def _simulate_json(
    writer_json: Any,
    reader_json: Any,
    writer_label: str,
    reader_label: str,
    samples: Sequence[Any],
    seed: int,
    random_count: int,
    targets: Sequence[str] = (),
) -> SimulationOutcome:
    from gate.formats.jsonschema import payloads

    writer_check = payloads.validator(writer_json)
    reader_check = payloads.validator(reader_json)
    items: list[Item] = []
    rejected: list[SampleRejection] = []
    skipped = 0
    for index, sample in enumerate(samples):
        if isinstance(sample, Sample):
            source = sample.source
            if sample.wire is not None:
                try:
                    payload = json.loads((sample.body or b"").decode("utf-8"))
                except ValueError as error:
                    rejected.append(
                        SampleRejection(source, f"the captured body is not JSON: {error}")
                    )
                    continue
            else:
                payload = sample.payload
        else:
            source, payload = f"sample #{index + 1}", sample
        problems = [
            payloads.describe(e)
            for e in payloads.validation_errors(payload, writer_json, writer_check)
        ]
        if problems:
            rejected.append(
                SampleRejection(
                    source, f"not valid under {writer_label}: " + clipped("; ".join(problems))
                )
            )
            continue
        items.append(Item(source, payload))
    places = _JsonPlaces(writer_json, reader_json)
    aimed = {target: places.of(target) for target in targets}
    pointers = list(targets) or places.differences()
    focus = places.focus(pointers)
    small = extent(writer_json)[0] <= FULL_COVERAGE_NODES
    if small:
        # a small schema: its whole coverage set is cheap, and finds what no aim foresaw
        generated = payloads.generate(writer_json, seed=seed, random_count=random_count)
        items.extend(
            Item(f"generated #{index}", payload) for index, payload in enumerate(generated)
        )
    aimed_payloads = payloads.generate_focused(
        writer_json, focus, seed=seed, random_count=random_count
    )
    items.extend(
        Item(f"generated (aimed) #{index}", payload) for index, payload in enumerate(aimed_payloads)
    )
    tally = Tally()
    best: dict[str, tuple[int, int, Item]] = {}

    filled = payloads.defaults_filler(reader_json)

    def read(value: Any) -> list[Any]:
        # the consumer fills in the reader's defaults, then validates
        return payloads.validation_errors(filled(value), reader_json, reader_check)

    for order, item in enumerate(items):
        errors = read(item.payload)
        if not errors:
            continue
        tally.add(item, clipped(payloads.describe(errors[0])), FailureKind.VALIDATION, order)
        size = len(json_text(item.payload))
        for target, where in aimed.items():
            known = best.get(target)
            if (known is None or (size, order) < known[:2]) and any(
                _shows(error, where) for error in errors
            ):
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
        payload = shrink(payload, lambda value: signature(value) == target, within=within)
        errors = [e for e in read(payload) if where is None or _shows(e, where)]
        if not errors:
            return None
        return Witness(
            payload=payload,
            writer=writer_label,
            reader=reader_label,
            error=clipped("; ".join(payloads.describe(e) for e in errors)),
            pointer=join_pointer("", *errors[0].absolute_path),
        )

    witness = None
    keyword = ""
    first_failed = worst(tally)
    if first_failed is not None:
        witness = witness_for(first_failed.payload, None)
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
        failures=failures_of(tally, lambda value: value),
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


def json_witness(
    writer_json: Any,
    reader_json: Any,
    payload: Any,
    *,
    writer_label: str,
    reader_label: str,
    target: str | None = None,
) -> Witness | None:
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
        errors = payloads.validation_errors(
            payloads.fill_defaults(payload, reader_json), reader_json
        )
    except (SchemaInvalid, PatternTooSlow, RecursionError, ValueError, TypeError):
        return None
    if target is not None:
        where = _JsonPlaces(writer_json, reader_json).of(target)
        errors = [error for error in errors if _shows(error, where)]
    if not errors:
        return None
    return Witness(
        payload=payload,
        writer=writer_label,
        reader=reader_label,
        error=clipped("; ".join(payloads.describe(e) for e in errors)),
        pointer=join_pointer("", *errors[0].absolute_path),
    )


# -- where a finding lies in an instance ---------------------------------------------------------

_ANY_TOKEN = "*"
# keywords whose subschema applies to the same instance
_SAME_INSTANCE_LISTS = frozenset({"oneOf", "anyOf", "allOf"})
_SAME_INSTANCE = frozenset({"not", "if", "then", "else"})
_SAME_INSTANCE_MAPS = frozenset({"dependentSchemas", "dependencies"})
# keywords whose subschemas apply to every member (of an object or an array)
_MEMBERS = frozenset(
    {
        "additionalProperties",
        "unevaluatedProperties",
        "additionalItems",
        "unevaluatedItems",
        "contains",
        "propertyNames",
    }
)
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
        want in (_ANY_TOKEN, got) or str(want) == str(got)
        for got, want in zip(path, pattern, strict=True)
    )


def _shows(error: Any, where: Sequence[_Place]) -> bool:
    """Whether a validation error of the reader lies at one of `where`."""
    path = tuple(error.absolute_path)
    for place in where:
        size = len(place.instance)
        if place.keyword is None and len(path) >= size and _matches(path[:size], place.instance):
            return True
        if (
            place.keyword is not None
            and len(path) > size
            and place.keyword in _MEMBERS
            and _matches(path[:size], place.instance)
        ):
            return True
        if (
            place.keyword is not None
            and _matches(path, place.instance)
            and error.validator == place.keyword
            and place.name is None
        ):
            return True
        name = place.name
        parent = place.instance[:-1] if place.keyword is None else place.instance
        if name is None or not _matches(path, parent) or not isinstance(error.instance, dict):
            continue
        value = error.validator_value
        if (
            error.validator in _MISSING
            and name not in error.instance
            and (name in value if isinstance(value, (list, dict)) else False)
        ):
            return True
        declared = error.schema.get("properties") if isinstance(error.schema, Mapping) else None
        if (
            error.validator in _UNEXPECTED
            and name in error.instance
            and not (isinstance(declared, Mapping) and name in declared)
        ):
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
                if tokens[: len(target)] == target and target:
                    for start in self._logical(site, depth + 1):
                        candidate = start + tokens[len(target) :]
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
                stack.extend(
                    (value, (*at, str(key)))
                    for key, value in node.items()
                    if key not in ("enum", "const", "default", "examples")
                )
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
            elif (
                token in ("items", "prefixItems") and following is not None and following.isdigit()
            ):
                instance.append(int(following))
                index += 2
            elif token == "items" or (token in _MEMBERS and following is not None):
                instance.append(_ANY_TOKEN)
                index += 1
            elif (token in _SAME_INSTANCE_LISTS and following is not None) or (
                token in _SAME_INSTANCE_MAPS
                and following is not None
                and not following.isdigit()
                and self._is_schema(tokens[: index + 2])
            ):
                index += 2
            elif token in _SAME_INSTANCE:
                index += 1
            elif token == "required" and following is not None and following.isdigit():
                name = self._value(tokens[: index + 2])
                return _Place(tuple(instance), "required", name if isinstance(name, str) else None)
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
_BY_NAME = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
)
_BY_SCHEMA = frozenset(
    {
        "items",
        "additionalProperties",
        "unevaluatedProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "additionalItems",
        "unevaluatedItems",
    }
)
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
        elif (
            key in _BY_INDEX
            and isinstance(old, list)
            and isinstance(new, list)
            and len(old) == len(new)
        ):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                _differences(a, b, join_pointer(at, index), out)
        elif key in _BY_SCHEMA and isinstance(old, Mapping) and isinstance(new, Mapping):
            _differences(old, new, at, out)
        else:
            out.append(at)


# -- samples ---------------------------------------------------------------------------------


def _decode_json_wire(
    sample: Sample, writer: Any, reader: Any | None, body: bytes
) -> DecodedWire | SampleProblem:
    from gate.errors import SchemaInvalid
    from gate.formats.jsonschema import payloads
    from gate.formats.jsonschema.patterns import PatternTooSlow

    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return SampleProblem(sample.source, corrupt(sample, error))
    try:
        problems = payloads.decode(payload, writer)
    except SchemaInvalid as error:
        return SampleProblem(
            sample.source, f"the schema of id {sample.schema_id} cannot be used: {error.message}"
        )
    except PatternTooSlow as error:
        return SampleProblem(
            sample.source, f"the schema of id {sample.schema_id} cannot be used: {error}"
        )
    if problems:
        return SampleProblem(
            sample.source, f"not valid under schema id {sample.schema_id}: " + "; ".join(problems)
        )
    if reader is None:
        return DecodedWire(sample, writer, payload, payload)
    try:
        errors = payloads.decode(payload, reader)
    except SchemaInvalid as error:
        return DecodedWire(sample, writer, payload, None, error.message)
    except PatternTooSlow as error:
        return DecodedWire(sample, writer, payload, None, str(error))
    return DecodedWire(
        sample, writer, payload, None if errors else payload, "; ".join(errors) or None
    )


def plain_reader(writer: Any, reader: Any) -> Callable[[Sample], DecodedWire | SampleProblem]:
    from referencing.exceptions import Unresolvable

    from gate.errors import SchemaInvalid
    from gate.formats.jsonschema import payloads
    from gate.formats.jsonschema.patterns import PatternTooSlow

    def errors_of(check: Any, instance: Any) -> list[str]:
        try:
            found = list(check.iter_errors(instance))
        except Unresolvable as error:
            raise SchemaInvalid(f"unresolvable reference: {error}") from error
        except PatternTooSlow as error:
            raise SchemaInvalid(str(error)) from None
        found.sort(key=lambda e: ([str(p) for p in e.absolute_path], e.message))
        return [payloads.describe(e) for e in found]

    try:
        writer_check = payloads.validator(writer)
    except SchemaInvalid as invalid:
        message = invalid.message
        return lambda sample: SampleProblem(sample.source, message, SAMPLE_NOT_VALID_FOR_WRITER)
    try:
        reader_check = payloads.validator(reader)
    except SchemaInvalid as invalid:
        message = invalid.message
        return lambda sample: DecodedWire(
            plain_sample(sample), writer, sample.payload, None, message
        )

    def read(sample: Sample) -> DecodedWire | SampleProblem:
        payload = plain_sample(sample).payload
        try:
            problems = errors_of(writer_check, payload)
        except SchemaInvalid as error:
            return SampleProblem(sample.source, error.message, SAMPLE_NOT_VALID_FOR_WRITER)
        if problems:
            return SampleProblem(
                sample.source,
                "not valid under the writer schema: " + "; ".join(problems),
                SAMPLE_NOT_VALID_FOR_WRITER,
            )
        try:
            filled = payloads.fill_defaults(payload, reader)
            errors = errors_of(reader_check, filled)
        except SchemaInvalid as error:
            return DecodedWire(sample, writer, payload, None, error.message)
        return DecodedWire(
            sample, writer, payload, None if errors else filled, "; ".join(errors) or None
        )

    return read
