"""Producer/consumer contracts: which (writer, reader) pairs must hold, and their checks.

A consumer's reader schema is its contract. Every producer's candidate writer schema must be
readable by every consumer's reader, and every consumer's reader must read the data already in
flight (every live registry version of the subject and the git base version).
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.corerules import CONTRACT_SCHEMA_UNRESOLVED
from gate.formats import CheckOptions, get_format
from gate.judge import Parsed, baseline_name, location_of, severity_of
from gate.model import CheckKind, CheckResult, Finding, Location, Severity, Side, Witness
from gate.simulationrules import SIMULATION_DECODE_FAILED

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gate.samples import DecodedWire, Sample

_PINNED = re.compile(r"^(?P<subject>[^@\s]+)@(?P<version>\d+|latest)$")


@dataclass(frozen=True)
class PinnedVersion:
    """`subject@version` in a consumer's `reader:`: a version of the registry."""

    subject: str
    version: int | None  # None: latest

    @classmethod
    def parse(cls, text: str) -> PinnedVersion | None:
        match = _PINNED.match(text.strip())
        if match is None:
            return None
        version = match.group("version")
        return cls(match.group("subject"), None if version == "latest" else int(version))


class Role(enum.StrEnum):
    """What a party of a contract does with the subject's data."""

    PRODUCER = "producer"
    CONSUMER = "consumer"


@dataclass(frozen=True)
class Party:
    """A producer or a consumer with the schema it writes or reads with."""

    role: Role
    name: str
    schema: Parsed | None  # None when it could not be resolved
    environment: str | None = None
    problem: str | None = None  # why the schema could not be resolved

    @property
    def label(self) -> str:
        env = f" ({self.environment})" if self.environment else ""
        return f"{self.role} `{self.name}`{env}"


@dataclass(frozen=True)
class PairCheck:
    """One (writer, reader) pair of a contract, judged statically; simulation adds witnesses."""

    check: CheckResult
    writer: Parsed
    reader: Parsed
    compatible: bool
    producer: str | None = None  # None: the writer is data already in flight
    consumer: str | None = None
    environment: str | None = None  # the consumer's

    @property
    def consumer_label(self) -> str:
        """The consumer as the graph and messages name it: `analytics (prod)`."""
        env = f" ({self.environment})" if self.environment else ""
        return f"{self.consumer}{env}"


def pair_check(
    subject: str,
    check_id: str,
    name: str,
    writer: Parsed,
    reader: Parsed,
    context: str,
    options: CheckOptions,
    *,
    producer: str | None = None,
    consumer: str | None = None,
    environment: str | None = None,
) -> PairCheck:
    """Can `reader` decode what `writer` writes? Findings carry `context` (who reads what).

    `producer` and `consumer` name the parties (a producer of None: the writer is data already
    in flight); the pair carries them for the contract graph and the configured samples.
    """
    fmt = get_format(reader.schema.type)
    incompatibilities = fmt.check(reader.value, writer.value, options)
    findings = []
    for incompatibility in incompatibilities:
        pointed = reader if incompatibility.side == Side.READER else writer
        findings.append(
            Finding(
                rule=incompatibility.rule,
                severity=severity_of(incompatibility.rule),
                subject=subject,
                message=f"{context}: {incompatibility.message}",
                path=incompatibility.path,
                location=location_of(pointed.schema, incompatibility.path, incompatibility.line),
                versions=(
                    f"writer: {writer.schema.origin.label()}",
                    f"reader: {reader.schema.origin.label()}",
                ),
                fix=incompatibility.fix,
                check=check_id,
            )
        )
    check = CheckResult(
        id=check_id, subject=subject, kind=CheckKind.CONTRACT, name=name, findings=tuple(findings)
    )
    compatible = not any(f.severity.value == "error" for f in findings)
    return PairCheck(check, writer, reader, compatible, producer, consumer, environment)


def _unresolved(subject: str, party: Party, check_id: str) -> CheckResult:
    finding = Finding(
        rule=CONTRACT_SCHEMA_UNRESOLVED,
        severity=severity_of(CONTRACT_SCHEMA_UNRESOLVED),
        subject=subject,
        message=f"{party.label}: {party.problem}",
        check=check_id,
        fix="point `file:`/`reader:` in gate.yaml at a schema file in the repository or at a "
        "registered version (`subject@3`)",
    )
    return CheckResult(
        id=check_id,
        subject=subject,
        kind=CheckKind.CONTRACT,
        name=f"{party.label} has a schema",
        findings=(finding,),
    )


def contract_pairs(
    subject: str,
    producers: Sequence[Party],
    consumers: Sequence[Party],
    in_flight: Sequence[Parsed],
    options_for: Callable[[Parsed], CheckOptions],
) -> tuple[list[CheckResult], list[PairCheck]]:
    """Every producer against every consumer, and every consumer against the data in flight."""
    checks = [
        _unresolved(subject, party, f"{subject}: {party.label} schema")
        for party in (*producers, *consumers)
        if party.schema is None
    ]
    pairs: list[PairCheck] = []
    usable_producers = [p for p in producers if p.schema is not None and p.schema.ok]
    usable_consumers = [c for c in consumers if c.schema is not None and c.schema.ok]
    for consumer in usable_consumers:
        assert consumer.schema is not None
        for producer in usable_producers:
            assert producer.schema is not None
            if producer.schema.schema.type is not consumer.schema.schema.type:
                continue
            check_id = f"{subject}: {producer.name} -> {consumer.name}"
            if consumer.environment:
                check_id += f" ({consumer.environment})"
            pairs.append(
                pair_check(
                    subject,
                    check_id,
                    f"{consumer.label} reads what {producer.label} writes",
                    producer.schema,
                    consumer.schema,
                    f"{consumer.label} cannot read what {producer.label} writes",
                    options_for(consumer.schema),
                    producer=producer.name,
                    consumer=consumer.name,
                    environment=consumer.environment,
                )
            )
        for writer in in_flight:
            if not writer.ok or writer.schema.type is not consumer.schema.schema.type:
                continue
            label = writer.schema.origin.label()
            flight = baseline_name(writer.schema.origin)
            check_id = f"{subject}: in-flight {flight} -> {consumer.name}"
            if consumer.environment:
                check_id += f" ({consumer.environment})"
            pairs.append(
                pair_check(
                    subject,
                    check_id,
                    f"{consumer.label} reads data in flight ({label})",
                    writer,
                    consumer.schema,
                    # named as the check id names it: a revision or schema id in the message
                    # would change the finding's fingerprint from run to run
                    f"{consumer.label} cannot read data already written with {flight}",
                    options_for(consumer.schema),
                    consumer=consumer.name,
                    environment=consumer.environment,
                )
            )
    return checks, pairs


def read_samples(pair: PairCheck, samples: Sequence[Sample]) -> CheckResult:
    """`pair.check` with what its consumer makes of the subject's configured samples.

    A producer's pair reads the JSON samples its writer schema writes (a sample it cannot write
    is another writer's data, left out here; the subject's own samples check reports samples
    its schema rejects). A pair of data in flight reads the captured wire-format messages of
    its writer's schema id. The check gets a note of how many samples the consumer read, and a
    SIMULATION_DECODE_FAILED finding per distinct error samples hit, naming the first such
    sample, with it as the witness: an error when the checker already calls the pair
    incompatible, a warning when it does not (the verdict stays the checker's). Samples that
    only fastavro consumers fail on (Java's decoder reads them) in a pair the checker accepts
    are the pair's one SIMULATION_BREAKS_ACCEPTED_CHANGE warning instead.
    """
    from gate.evidence import schema_json
    from gate.samples import SampleProblem, decode_wire, plain_reader

    writer, reader = pair.writer, pair.reader
    schema_type = writer.schema.type
    if not (writer.ok and reader.ok) or schema_type is not reader.schema.type:
        return pair.check
    writer_json, reader_json = schema_json(writer), schema_json(reader)
    writer_id = writer.schema.origin.schema_id
    read_plain = plain_reader(writer_json, reader_json, schema_type=schema_type)
    decoded = []
    for sample in samples:
        if sample.is_wire:
            if pair.producer is not None or writer_id is None or sample.schema_id != writer_id:
                continue
            result = decode_wire(
                sample, lambda _: writer_json, reader_json, schema_type=schema_type
            )
        elif pair.producer is None:
            continue  # a JSON sample names no schema: only a producer is known to write it
        else:
            result = read_plain(sample)
        if not isinstance(result, SampleProblem):
            decoded.append(result)
    if not decoded:
        return pair.check
    writer_label = writer.schema.origin.label()
    reader_label = reader.schema.origin.label()
    failed: dict[str, list[DecodedWire]] = {}
    # samples the registry's rules let the reader read, and Java's decoder reads, which only
    # fastavro consumers fail on: the one accepted-but-breaks warning, never an error
    fastavro_only: list[DecodedWire] = []
    for result in decoded:
        if result.error is None:
            continue
        if pair.compatible and result.fastavro_only:
            fastavro_only.append(result)
        else:
            failed.setdefault(result.error, []).append(result)
    files = ", ".join(dict.fromkeys(_location(r.sample.source).path for r in decoded))
    unread = sum(map(len, failed.values())) + len(fastavro_only)
    note = (
        f"consumer `{pair.consumer_label}` read {len(decoded) - unread} "
        f"of {len(decoded)} configured sample(s) written with {writer_label} ({files})"
    )
    if fastavro_only:
        note += f"; fastavro consumers alone fail on {len(fastavro_only)} of them"
    findings = [
        *pair.check.findings,
        *(
            _sample_finding(pair, group, error, writer_label, reader_label)
            for error, group in failed.items()
        ),
    ]
    if fastavro_only:
        findings = _with_fastavro_only(
            pair, findings, fastavro_only, len(decoded), writer_label, reader_label
        )
    return dataclasses.replace(
        pair.check, findings=tuple(findings), notes=(*pair.check.notes, note)
    )


def _with_fastavro_only(
    pair: PairCheck,
    findings: list[Finding],
    failed: list[DecodedWire],
    tried: int,
    writer_label: str,
    reader_label: str,
) -> list[Finding]:
    """`findings` (the pair's) with the one accepted-but-breaks warning for the samples only
    fastavro consumers fail on: when the simulation of the pair already gave that warning, it
    names the samples too; else it is added, with the first such sample as its witness."""
    from gate.simulate import samples_only_fastavro_fails
    from gate.simulationrules import SIMULATION_BREAKS_ACCEPTED_CHANGE

    sources = [result.sample.source for result in failed]
    for index, finding in enumerate(findings):
        if finding.rule == SIMULATION_BREAKS_ACCEPTED_CHANGE:
            said = ", ".join(sources[:3]) + (
                f" and {len(sources) - 3} more" if len(sources) > 3 else ""
            )
            amended = dataclasses.replace(
                finding,
                message=f"{finding.message}; the configured sample(s) {said} fail the same way",
            )
            return [*findings[:index], amended, *findings[index + 1 :]]
    sample = _sample_finding(pair, failed, failed[0].error or "", writer_label, reader_label)
    warning = samples_only_fastavro_fails(
        failed,
        subject=pair.check.subject,
        writer=writer_label,
        reader=reader_label,
        tried=tried,
        witness=sample.witness,
        versions=sample.versions,
        check=pair.check.id,
    )
    return [*findings, warning]


def _sample_finding(
    pair: PairCheck, group: list[DecodedWire], error: str, writer_label: str, reader_label: str
) -> Finding:
    first = group[0]
    sample = first.sample
    more = len(group) - 1
    accepted = (
        ""
        if not pair.compatible
        else " (the schemas are compatible by the registry's rules, but this data is not read)"
    )
    # who wrote it, named as gate.yaml does (a file's label differs between staged and worktree)
    if pair.producer is not None:
        writer_name = f"written by producer `{pair.producer}`"
    else:
        writer_name = f"captured with schema id {sample.schema_id}"
    message = (
        f"consumer `{pair.consumer_label}` cannot read the configured sample {sample.source} "
        f"{writer_name}{accepted}: {error}"
    )
    if more:
        message += f"; {more} more sample(s) fail the same way"
    wire = sample.wire
    body = first.body if wire is None else sample.body
    if body is not None and wire is None:
        schema_id = pair.writer.schema.origin.schema_id or 0
        wire = b"\x00" + schema_id.to_bytes(4, "big") + first.index_bytes + body
    from gate.simulate import format_simulator

    simulator = format_simulator(pair.writer.schema.type)
    # a format with a binary body encoding has its wire message and plain body shown
    encoding = simulator.body_encoding if simulator is not None else None
    witness = Witness(
        payload=first.payload,
        writer=writer_label,
        reader=reader_label,
        error=error,
        wire_base64=base64.b64encode(wire).decode("ascii") if wire and encoding else None,
        body_base64=base64.b64encode(body).decode("ascii") if body and encoding else None,
        body_encoding=encoding,
    )
    rule = SIMULATION_DECODE_FAILED
    return Finding(
        rule=rule,
        severity=Severity.WARNING if pair.compatible else severity_of(rule),
        subject=pair.check.subject,
        message=message,
        location=_location(sample.source),
        versions=(f"writer: {writer_label}", f"reader: {reader_label}"),
        witness=witness,
        fix=f"make `{pair.consumer_label}`'s reader read this data before the change is "
        "deployed, or change the producer so that it keeps writing data the reader reads",
        check=pair.check.id,
    )


def _location(source: str) -> Location:
    """The `file:line` (or `file`) of a sample as a location."""
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return Location(path, int(line))
    return Location(source)
