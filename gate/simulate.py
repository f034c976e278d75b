"""Consumer simulation: payloads written with a writer schema, decoded with a reader schema.

Each format simulates its own schemas (`SchemaFormat.simulator`); this module dispatches to it
and turns its outcome into findings.

The outcome says how many payloads ran, which failed and with what exact error, which decoded
but silently changed (a field value dropped while another took its default; an enum symbol
replaced by the reader's default), and carries the smallest failing payload as a witness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.model import Finding, Location, SchemaType, Witness
from gate.simulation_types import (
    FASTAVRO_ONLY,
    Agreement,
    FailureKind,
    SampleRejection,
    SimulatedFailure,
    SimulationOutcome,
    ValueChange,
    fastavro_only,
)
from gate.simulationrules import (
    SIMULATION_BREAKS_ACCEPTED_CHANGE,
    SIMULATION_RULES,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gate.formats import Simulator
    from gate.samples import DecodedWire, SampleProblem

__all__ = [
    "Agreement",
    "FailureKind",
    "SampleRejection",
    "SimulatedFailure",
    "SimulationOutcome",
    "ValueChange",
    "accepted_but_breaks",
    "agreement",
    "fastavro_only",
    "find_witness",
    "format_simulator",
    "outcome_findings",
    "problem_finding",
    "samples_only_fastavro_fails",
    "simulate_pair",
    "simulates",
]

_SEVERITY = {rule.id: rule.severity for rule in SIMULATION_RULES}


def simulate_pair(
    schema_type: SchemaType,
    writer_json: object,
    reader_json: object,
    *,
    writer_label: str,
    reader_label: str,
    samples: Sequence[object] = (),
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
    `gate.simulation_types.SimulationNotRun` when it cannot run within its budget (a JSON
    Schema pattern too slow to evaluate).
    """
    simulator = format_simulator(schema_type)
    if simulator is None:
        raise ValueError(f"payload simulation does not support {schema_type.value} schemas")
    return simulator.simulate(
        writer_json,
        reader_json,
        writer_label=writer_label,
        reader_label=reader_label,
        samples=samples,
        seed=seed,
        random_count=random_count,
        schema_id=schema_id,
        targets=targets,
    )


def format_simulator(schema_type: SchemaType) -> Simulator[object] | None:
    """The format's simulator (`SchemaFormat.simulator`), None when it has none."""
    from gate.errors import UnsupportedFormat
    from gate.formats import get_format

    try:
        return get_format(schema_type).simulator()
    except (UnsupportedFormat, ModuleNotFoundError):
        return None


def simulates(schema_type: SchemaType) -> bool:
    """Whether payloads of this type can be simulated at all."""
    return format_simulator(schema_type) is not None


def find_witness(
    schema_type: SchemaType,
    writer_json: object,
    reader_json: object,
    *,
    writer_label: str = "writer",
    reader_label: str = "reader",
    seed: int = 0,
    random_count: int = 20,
    schema_id: int | None = None,
) -> Witness | None:
    """The smallest payload written with `writer_json` that `reader_json` cannot read, if any."""
    return simulate_pair(
        schema_type,
        writer_json,
        reader_json,
        writer_label=writer_label,
        reader_label=reader_label,
        seed=seed,
        random_count=random_count,
        schema_id=schema_id,
    ).witness


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
    hard = [f for f in outcome.failures if f.kind not in FASTAVRO_ONLY]
    if checker_says_compatible:
        if hard:
            return Agreement(
                True,
                f"the checker says {outcome.reader} reads data written with "
                f"{outcome.writer}, but a payload fails to decode: {hard[0].error}",
                outcome.witness,
            )
        if outcome.failures:
            return Agreement(
                False,
                f"{pair}: only fastavro's value conversions fail "
                f"({outcome.failures[0].error}); the compatibility rules never look "
                "at values",
            )
        return Agreement(
            False, f"{pair}: compatible, and all {outcome.payload_count} payloads decode"
        )
    if outcome.failures:
        return Agreement(
            False,
            f"{pair}: incompatible, and a payload shows it: {outcome.failures[0].error}",
            outcome.witness,
        )
    if outcome.payload_count == 0:
        return Agreement(False, f"{pair}: the writer schema admits no payload to try")
    if not outcome.exhaustive:
        return Agreement(
            False,
            f"{pair}: the checker says incompatible and none of "
            f"{outcome.payload_count} payloads failed, but they do not cover every "
            "possible value, so no witness is guaranteed",
        )
    if outcome.unenforced:
        return Agreement(
            False,
            f"{pair}: the checker says incompatible; no payload failed "
            "because fastavro does not enforce: " + "; ".join(outcome.unenforced),
        )
    return Agreement(
        True,
        f"the checker says {outcome.reader} cannot read data written with "
        f"{outcome.writer}, but all {outcome.payload_count} payloads, covering "
        "every union branch, enum symbol and edge value of the writer, decode; "
        "the generated space should contain a witness if the verdict were right",
    )


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
        Finding(
            change.rule,
            _SEVERITY[change.rule],
            subject,
            change.message,
            path=change.path,
            versions=versions,
            fix=change.fix,
            check=check,
        )
        for change in outcome.value_changes
    ]
    findings.extend(
        Finding(
            rejection.rule,
            _SEVERITY[rejection.rule],
            subject,
            f"sample {rejection.source}: {rejection.message}",
            location=_location(rejection.source),
            versions=versions,
            check=check,
        )
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
    share = (
        f"{outcome.failed_count} of {outcome.payload_count} payloads"
        if outcome.payload_count > 1
        else "the payload"
    )
    kinds = [failure.kind for failure in outcome.failures]
    if all(kind in FASTAVRO_ONLY for kind in kinds):
        message, fix = _fastavro_only_text(kinds, outcome.writer, outcome.reader, share, error)
    else:
        message = (
            f"the registry accepts this change, but data written with {outcome.writer} "
            f"would still break consumers validating with {outcome.reader} ({share} "
            f"tried): {error}"
        )
        fix = (
            "keep the reader accepting every value the writer allows, or make sure no "
            "producer writes such data before consumers upgrade"
        )
    return Finding(
        SIMULATION_BREAKS_ACCEPTED_CHANGE,
        _SEVERITY[SIMULATION_BREAKS_ACCEPTED_CHANGE],
        subject,
        message,
        path=outcome.keyword,
        versions=versions,
        witness=witness,
        fix=fix,
        check=check,
    )


def _fastavro_only_text(
    kinds: Sequence[FailureKind | str | None], writer: str, reader: str, share: str, error: str
) -> tuple[str, str]:
    """The message and fix of the warning for data only fastavro consumers fail on."""
    if all(kind == FailureKind.NAMES for kind in kinds):
        return (
            f"the registry accepts this change, and Java's decoder reads data written "
            f"with {writer}, but fastavro consumers of {reader} fail on it ({share} "
            f"tried): fastavro matches a union branch by its short name, not its full "
            f"name: {error}",
            "give the named types of the union different short names, not only different "
            "namespaces, or make sure no fastavro consumer reads such data",
        )
    return (
        f"the registry accepts this change, but fastavro consumers of {reader} fail on data "
        f"written with {writer} ({share} tried): {error}",
        "the Avro rules never look at values: make sure producers do not write such "
        "values, or keep the reader's type",
    )


def samples_only_fastavro_fails(
    failed: Sequence[DecodedWire],
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
    share = f"{len(failed)} of {tried} configured samples" if tried > 1 else "the configured sample"
    message, fix = _fastavro_only_text(
        [d.kind for d in failed], writer, reader, share, first.error or ""
    )
    sources = [d.sample.source for d in failed]
    more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
    message = f"sample {sources[0]}{more}: {message}"
    return Finding(
        SIMULATION_BREAKS_ACCEPTED_CHANGE,
        _SEVERITY[SIMULATION_BREAKS_ACCEPTED_CHANGE],
        subject,
        message,
        location=_location(sources[0]),
        versions=versions,
        witness=witness,
        fix=fix,
        check=check,
    )


def problem_finding(problem: SampleProblem, *, subject: str, check: str = "") -> Finding:
    """The finding of a `gate.samples.SampleProblem` (SAMPLE_INVALID or
    SAMPLE_UNKNOWN_SCHEMA_ID), located at the sample's file and line."""
    message = problem.message
    if problem.source not in message:
        message = f"sample {problem.source}: {message}"
    return Finding(
        problem.rule,
        _SEVERITY[problem.rule],
        subject,
        message,
        location=_location(problem.source),
        check=check,
    )
