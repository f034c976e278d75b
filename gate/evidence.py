"""Proof on data: run the payload simulation for a judged (writer, reader) pair.

The static checkers give the verdict; the simulation shows it. For an incompatible Avro pair it
finds the smallest payload that breaks (the witness, attached to the pair's findings); for any
pair it reports silent value changes and any disagreement with the checker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gate.errors import SchemaInvalid
from gate.judge import Parsed
from gate.model import CheckResult, Finding, SchemaType, Severity

_SIMULATED = (SchemaType.AVRO, SchemaType.JSON)


@dataclass(frozen=True)
class SimulationSettings:
    enabled: bool = True
    seed: int = 0
    random_count: int = 20


def schema_json(parsed: Parsed) -> Any:
    """The schema as a JSON value with references inlined, as the simulator takes it."""
    value = parsed.value
    if hasattr(value, "json"):
        return value.json
    return getattr(value, "document", None)


class WitnessMemo:
    """The witness found (or not) for each set of JSON Schema errors, within one subject.

    A candidate judged against every version of a long history often breaks each the same way:
    the witness found against one version is tried on the next (two validations) before
    searching again, and a search that found none is not repeated for the same errors in the
    same direction.
    """

    def __init__(self) -> None:
        self.found: dict[tuple[Any, Any, frozenset[tuple[str, str]]], Any] = {}


_NONE_FOUND = object()


def with_evidence(
    check: CheckResult,
    writer: Parsed,
    reader: Parsed,
    settings: SimulationSettings,
    *,
    always: bool = False,
    samples: Sequence[Any] = (),
    schema_id: int | None = None,
    memo: WitnessMemo | None = None,
) -> CheckResult:
    """`check` with witnesses on its errors, plus value-change and disagreement findings.

    Only pairs the checker calls incompatible are simulated, unless `always` (contracts, the
    pair of a changed file, pairs with samples): the work stays proportional to what matters.
    """
    if not settings.enabled or not (writer.ok and reader.ok):
        return check
    if writer.schema.type not in _SIMULATED or writer.schema.type is not reader.schema.type:
        return check
    errors = [f for f in check.findings if f.severity is Severity.ERROR]
    if not errors and not always and not samples:
        return check
    key = None
    if memo is not None and errors and not samples and writer.schema.type is SchemaType.JSON:
        # the same errors in the other direction need a payload the other side writes
        key = (
            writer.schema.origin.kind,
            reader.schema.origin.kind,
            frozenset((f.rule, f.path) for f in errors),
        )
        known = memo.found.get(key)
        if known is _NONE_FOUND:
            return check
        if known is not None:
            from gate.simulate import json_witness

            witness = json_witness(
                schema_json(writer),
                schema_json(reader),
                known,
                writer_label=writer.schema.origin.label(),
                reader_label=reader.schema.origin.label(),
            )
            if witness is not None:
                shown = tuple(
                    dataclasses.replace(f, witness=witness) if f.severity is Severity.ERROR else f
                    for f in check.findings
                )
                return dataclasses.replace(check, findings=shown)
    from gate.simulate import agreement, agreement_finding, outcome_findings, simulate_pair

    try:
        outcome = simulate_pair(
            writer.schema.type,
            schema_json(writer),
            schema_json(reader),
            writer_label=writer.schema.origin.label(),
            reader_label=reader.schema.origin.label(),
            samples=samples,
            seed=settings.seed,
            random_count=settings.random_count,
            schema_id=schema_id,
        )
    except SchemaInvalid:
        return check  # the checker already reported what is wrong with the schema
    if key is not None and memo is not None:
        memo.found[key] = outcome.witness.payload if outcome.witness is not None else _NONE_FOUND
    findings: list[Finding] = []
    for finding in check.findings:
        if finding.severity is Severity.ERROR and outcome.witness is not None:
            finding = dataclasses.replace(finding, witness=outcome.witness)
        findings.append(finding)
    versions = (f"writer: {outcome.writer}", f"reader: {outcome.reader}")
    # the decode failure itself is already the checker's finding, now with its witness
    findings += [
        f
        for f in outcome_findings(outcome, subject=check.subject, versions=versions, check=check.id)
        if f.rule != "SIMULATION_DECODE_FAILED" or not errors
    ]
    disagreement = agreement_finding(
        agreement(not errors, outcome), subject=check.subject, versions=versions, check=check.id
    )
    if disagreement is not None:
        findings.append(disagreement)
    return dataclasses.replace(check, findings=tuple(_unique(findings)))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for finding in findings:
        key = (finding.rule, finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out
