"""Proof on data: run the payload simulation for a judged (writer, reader) pair.

The verdict of a pair is the static checker's (the registry's), always; the simulation is
evidence beside it. For an incompatible pair each finding gets a witness that demonstrates that
finding (a payload whose failure lies at the finding's place), or none. For a pair the checker
accepts, a payload that still breaks is one warning finding, never a second verdict. Silent
value changes (Avro) and samples the writer rejects are findings of their own.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gate.errors import SchemaInvalid
from gate.judge import Parsed, location_of
from gate.model import (
    CheckResult,
    Finding,
    Location,
    OriginKind,
    Severity,
    Witness,
)
from gate.records import Record

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gate.formats import Simulator
    from gate.simulation_types import SimulationOutcome


class SimulationSettings(Record):
    enabled: bool = True
    seed: int = 0
    random_count: int = 20


def schema_json(parsed: Parsed) -> object:
    """The schema as its format's simulator takes it (`Simulator.input`): for Avro and JSON
    Schema its JSON with references inlined, for a format such as Protobuf its parsed form."""
    from gate.simulate import format_simulator

    simulator = format_simulator(parsed.schema.type)
    if parsed.value is None or simulator is None:
        return None
    return simulator.input(parsed.value)


class WitnessMemo:
    """The witnesses found (or not) for each set of JSON Schema errors, within one subject.

    A candidate judged against every version of a long history often breaks each the same way:
    the witnesses found against one version are tried on the next (two validations each) before
    searching again, and a search that found none is not repeated for the same errors in the
    same direction.
    """

    def __init__(self) -> None:
        # (writer kind, reader kind, errors) -> finding pointer -> payload (None: none found)
        self.found: dict[tuple[object, object, frozenset[tuple[str, str]]], dict[str, object]] = {}
        # whole simulations by the content of the pair: the git base is most often the latest
        # registered version, the same schemas under two labels
        self.outcomes: list[tuple[object, object, tuple[str, ...], SimulationOutcome]] = []

    def outcome(
        self, writer: object, reader: object, targets: tuple[str, ...]
    ) -> SimulationOutcome | None:
        """The outcome of a simulation of these very schemas, for these targets, if one ran."""
        for known_writer, known_reader, known_targets, outcome in self.outcomes:
            if (
                known_targets == targets
                and _same(known_writer, writer)
                and _same(known_reader, reader)
            ):
                return outcome
        return None


def _same(a: object, b: object) -> bool:
    return a is b or a == b


def _relabelled(outcome: SimulationOutcome, writer: str, reader: str) -> SimulationOutcome:
    """`outcome` as the simulation of the same schemas under other labels."""

    def witness(found: Witness | None) -> Witness | None:
        if found is None:
            return None
        return dataclasses.replace(found, writer=writer, reader=reader)

    return outcome._replace(
        writer=writer,
        reader=reader,
        witness=witness(outcome.witness),
        witnesses={
            pointer: dataclasses.replace(w, writer=writer, reader=reader)
            for pointer, w in outcome.witnesses.items()
        },
    )


def with_evidence(
    check: CheckResult,
    writer: Parsed,
    reader: Parsed,
    settings: SimulationSettings,
    *,
    always: bool = False,
    samples: Sequence[object] = (),
    schema_id: int | None = None,
    memo: WitnessMemo | None = None,
) -> CheckResult:
    """`check` with a witness under each error it can be shown for, plus the findings of data.

    Only pairs the checker calls incompatible are simulated, unless `always` (contracts, the
    pair of a changed file, `gate compat`) or `samples`: the work stays proportional to what
    matters.
    """
    if not settings.enabled or not (writer.ok and reader.ok):
        return check
    from gate.simulate import format_simulator

    simulator = format_simulator(writer.schema.type)
    if simulator is None or writer.schema.type is not reader.schema.type:
        return check
    # a simulator of the parsed forms shows the warnings on data too (what the registry
    # cannot see but the wire does)
    own = simulator.parsed_input
    shown_severities = (Severity.ERROR, Severity.WARNING) if own else (Severity.ERROR,)
    errors = [f for f in check.findings if f.severity in shown_severities]
    if not errors and not always and not samples:
        return check
    targets = tuple(dict.fromkeys(f.path for f in errors))
    key = None
    if memo is not None and errors and not samples and simulator.reuses_witnesses:
        # the same errors in the other direction need a payload the other side writes
        key = (
            writer.schema.origin.kind,
            reader.schema.origin.kind,
            frozenset((f.rule, f.path) for f in errors),
        )
        known = memo.found.get(key)
        if known is not None:
            shown = _recheck(simulator, known, writer, reader)
            if shown is not None:
                return _attach(check, shown)
    from gate.simulate import outcome_findings, simulate_pair
    from gate.simulation_types import SimulationNotRun

    writer_json, reader_json = schema_json(writer), schema_json(reader)
    writer_label, reader_label = writer.schema.origin.label(), reader.schema.origin.label()
    outcome = None
    if memo is not None and not samples and schema_id is None and not own:
        outcome = memo.outcome(writer_json, reader_json, targets)
        if outcome is not None:
            outcome = _relabelled(outcome, writer_label, reader_label)
    if outcome is None:
        simulator.prepare(writer_json, reader_json)
        try:
            outcome = simulate_pair(
                writer.schema.type,
                writer_json,
                reader_json,
                writer_label=writer_label,
                reader_label=reader_label,
                samples=samples,
                seed=settings.seed,
                random_count=settings.random_count,
                schema_id=schema_id,
                targets=targets,
            )
        except SchemaInvalid:
            return check  # the checker already reported what is wrong with the schema
        except SimulationNotRun as slow:
            return dataclasses.replace(
                check, notes=(*check.notes, f"payload simulation not run: {slow}")
            )
        if memo is not None and not samples and schema_id is None and not own:
            memo.outcomes.append((writer_json, reader_json, targets, outcome))
    if key is not None and memo is not None:
        memo.found[key] = {
            pointer: (witness.payload if witness is not None else None)
            for pointer, witness in ((p, outcome.witnesses.get(p)) for p in targets)
        }
    check = _attach(check, outcome.witnesses, shown_severities)
    if outcome.notes:
        check = dataclasses.replace(check, notes=(*check.notes, *outcome.notes))
    versions = (f"writer: {outcome.writer}", f"reader: {outcome.reader}")
    findings = list(check.findings)
    findings += outcome_findings(outcome, subject=check.subject, versions=versions, check=check.id)
    if not any(f.severity is Severity.ERROR for f in errors):
        from gate.simulate import accepted_but_breaks

        warning = accepted_but_breaks(
            outcome, subject=check.subject, versions=versions, check=check.id
        )
        if warning is not None:
            findings.append(_located(warning, writer, reader))
    place = _file_under_review(check, writer, reader)
    findings = [
        f if f.location is not None else dataclasses.replace(f, location=_place(f, reader, place))
        for f in findings
    ]
    return dataclasses.replace(check, findings=tuple(_unique(findings)))


def _place(finding: Finding, reader: Parsed, fallback: Location | None) -> Location | None:
    """Where a simulation finding belongs: a value change's pointer is into the reader schema,
    so the reader's file and that pointer's line when the reader is read from the work tree (a
    line of an older revision would point into today's file at random); else `fallback`."""
    if finding.path and reader.schema.origin.kind in _HEAD_KINDS:
        located = location_of(reader.schema, finding.path)
        if located is not None:
            return located
    return fallback


def _recheck(
    simulator: Simulator[object], known: dict[str, object], writer: Parsed, reader: Parsed
) -> dict[str, Witness] | None:
    """The witnesses remembered from another version, when each still shows its finding here."""
    shown: dict[str, Witness] = {}
    for pointer, payload in known.items():
        if payload is None:
            continue
        witness = simulator.witness_of(
            schema_json(writer),
            schema_json(reader),
            payload,
            writer_label=writer.schema.origin.label(),
            reader_label=reader.schema.origin.label(),
            target=pointer,
        )
        if witness is None:
            return None
        shown[pointer] = witness
    return shown


def _attach(
    check: CheckResult,
    witnesses: Mapping[str, Witness],
    severities: tuple[Severity, ...] = (Severity.ERROR,),
) -> CheckResult:
    """Each error (or finding of `severities`) of `check` with the witness found for its own
    place, if any."""
    if not witnesses:
        return check
    shown = tuple(
        dataclasses.replace(f, witness=witnesses[f.path])
        if f.severity in severities and f.path in witnesses
        else f
        for f in check.findings
    )
    return dataclasses.replace(check, findings=shown)


def _located(finding: Finding, writer: Parsed, reader: Parsed) -> Finding:
    """The warning at the line of the reader's file where the payload fails, when the reader is
    the run's own file; else at the writer's file, when that is."""
    from gate.judge import location_of

    current = (OriginKind.WORKTREE, OriginKind.INDEX, OriginKind.FILE)
    location: Location | None = None
    if reader.schema.origin.kind in current:
        location = location_of(reader.schema, finding.path)
    elif writer.schema.origin.kind in current:
        whole = location_of(writer.schema, "")
        location = Location(whole.path) if whole is not None else None
    return dataclasses.replace(finding, location=location)


_HEAD_KINDS = (OriginKind.WORKTREE, OriginKind.INDEX, OriginKind.FILE)


def _file_under_review(check: CheckResult, writer: Parsed, reader: Parsed) -> Location | None:
    """The file a simulation finding of this pair belongs to, as a whole: the file the
    checker's findings point into, else the side read from the work tree (the candidate, a
    producer's or a consumer's file), else a side read from git. None for registry pairs."""
    located = next((f.location for f in check.findings if f.location is not None), None)
    if located is not None:
        return Location(located.path)
    for kinds in (_HEAD_KINDS, (OriginKind.GIT,)):
        for side in (writer, reader):
            origin = side.schema.origin
            if origin.kind in kinds and origin.path:
                return Location(origin.path)
    return None


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for finding in findings:
        key = (finding.rule, finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out
