"""Producer/consumer contracts: which (writer, reader) pairs must hold, and their checks.

A consumer's reader schema is its contract. Every producer's candidate writer schema must be
readable by every consumer's reader, and every consumer's reader must read the data already in
flight (every live registry version of the subject and the git base version).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gate.formats import CheckOptions, get_format
from gate.judge import Parsed, location_of, severity_of
from gate.model import CheckKind, CheckResult, Finding

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


@dataclass(frozen=True)
class Party:
    """A producer or a consumer with the schema it writes or reads with."""

    role: str  # "producer" or "consumer"
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


def pair_check(
    subject: str,
    check_id: str,
    name: str,
    writer: Parsed,
    reader: Parsed,
    context: str,
    options: CheckOptions,
) -> PairCheck:
    """Can `reader` decode what `writer` writes? Findings carry `context` (who reads what)."""
    fmt = get_format(reader.schema.type)
    incompatibilities = fmt.check(reader.value, writer.value, options)
    findings = []
    for incompatibility in incompatibilities:
        pointed = reader if incompatibility.side == "reader" else writer
        findings.append(
            Finding(
                rule=incompatibility.rule,
                severity=severity_of(incompatibility.rule),
                subject=subject,
                message=f"{context}: {incompatibility.message}",
                path=incompatibility.path,
                location=location_of(pointed.schema, incompatibility.path),
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
    return PairCheck(check, writer, reader, compatible)


def _unresolved(subject: str, party: Party, check_id: str) -> CheckResult:
    finding = Finding(
        rule="CONTRACT_SCHEMA_UNRESOLVED",
        severity=severity_of("CONTRACT_SCHEMA_UNRESOLVED"),
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
                )
            )
        for writer in in_flight:
            if not writer.ok or writer.schema.type is not consumer.schema.schema.type:
                continue
            label = writer.schema.origin.label()
            check_id = f"{subject}: in-flight {label} -> {consumer.name}"
            if consumer.environment:
                check_id += f" ({consumer.environment})"
            pairs.append(
                pair_check(
                    subject,
                    check_id,
                    f"{consumer.label} reads data in flight ({label})",
                    writer,
                    consumer.schema,
                    f"{consumer.label} cannot read data already written with {label}",
                    options_for(consumer.schema),
                )
            )
    return checks, pairs

