"""The samples check: every configured sample readable, and decodable by the candidate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from gate.formats import get_format
from gate.judge import Parsed, Parser, severity_of
from gate.model import CheckKind, CheckResult, Finding, Location, Witness
from gate.simulation_types import SimulationNotRun
from gate.simulationrules import SIMULATION_DECODE_FAILED

if TYPE_CHECKING:
    from gate.samples import DecodedWire, Sample, SampleProblem
    from gate.sources.registry import RegistrySource
    from gate.sources.state import StateView
    from gate.subjects import SubjectSource


def _sample_files(root: Path, source: SubjectSource) -> tuple[list[Path], list[SampleProblem]]:
    """The subject's sample files (globs relative to the repository root), sorted, and the
    problems met: the walk never follows a symbolic link, so nothing outside is read or listed.
    """
    from gate.config import glob_match
    from gate.samples import SampleProblem

    found: set[Path] = set()
    problems: dict[str, SampleProblem] = {}
    real_root = root.resolve()

    def refuse(path: Path) -> None:
        relative = path.relative_to(root).as_posix()
        problems[relative] = SampleProblem(
            relative, f"{relative} is a symbolic link; samples are never read through links"
        )

    for pattern in source.samples:
        anchor = pattern.split("*", 1)[0].rsplit("/", 1)[0] if "/" in pattern else ""
        base = root / anchor
        linked = next((p for p in (base, *base.parents) if p != root and p.is_symlink()), None)
        if linked is not None and root in linked.parents:
            refuse(linked)
            continue
        if not base.is_dir() or not base.resolve().is_relative_to(real_root):
            continue
        for directory, dirnames, filenames in os.walk(base, followlinks=False):
            for name in list(dirnames):
                if os.path.islink(os.path.join(directory, name)):
                    dirnames.remove(name)
                    refuse(Path(directory) / name)
            for name in filenames:
                path = Path(directory) / name
                relative = path.relative_to(root).as_posix()
                if not glob_match(pattern, relative):
                    continue
                if path.is_symlink():
                    refuse(path)
                else:
                    found.add(path)
    return sorted(found), list(problems.values())


def _load_sample_items(root: Path, source: SubjectSource) -> list[Sample | SampleProblem]:
    from gate.samples import load_samples

    files, problems = _sample_files(root, source)
    items: list[Sample | SampleProblem] = list(problems)
    for path in files:
        items += load_samples(path, path.relative_to(root).as_posix(), source.schema_type)
    return items


def samples_of(root: Path, source: SubjectSource) -> tuple[Sample, ...]:
    """The subject's usable samples (the samples check reports the others)."""
    from gate.samples import Sample

    return tuple(item for item in _load_sample_items(root, source) if isinstance(item, Sample))


def _reads_by_the_rules(reader: Parsed, writer: Parsed | None) -> bool:
    """Whether the registry's rules let `reader` read data written with `writer`, where only
    some decoders fail on it (Avro: fastavro's)."""
    if writer is None or not (reader.ok and writer.ok):
        return False
    if reader.schema.type is not writer.schema.type:
        return False
    simulator = get_format(reader.schema.type).simulator()
    return simulator is not None and simulator.rules_accept(reader.value, writer.value)


def _payload_json(candidate: Parsed, payload: object) -> object:
    simulator = get_format(candidate.schema.type).simulator()
    return payload if simulator is None else simulator.payload_json(payload)


def _fastavro_only_samples(
    failed: list[DecodedWire],
    tried: int,
    subject: str,
    candidate: Parsed,
    schema_id: int,
    check: str,
) -> Finding:
    """The one warning for the captured messages of one schema id that only fastavro consumers
    of the candidate fail on, with the first of them as its witness."""
    import base64

    from gate.simulate import samples_only_fastavro_fails

    first = failed[0]
    wire = first.sample.wire or b""
    body = first.sample.body or b""
    writer_label = f"schema id {schema_id}"
    reader_label = candidate.schema.origin.label()
    witness = Witness(
        payload=_payload_json(candidate, first.payload),
        writer=writer_label,
        reader=reader_label,
        error=first.error or "",
        wire_base64=base64.b64encode(wire).decode("ascii"),
        body_base64=base64.b64encode(body).decode("ascii"),
        body_encoding="avro",
    )
    return samples_only_fastavro_fails(
        failed,
        subject=subject,
        writer=writer_label,
        reader=reader_label,
        tried=tried,
        witness=witness,
        versions=(f"writer: {writer_label}", f"reader: {reader_label}"),
        check=check,
    )


def samples_check(
    root: Path,
    source: SubjectSource,
    candidate: Parsed,
    parser: Parser,
    state: StateView | None,
    registry: RegistrySource | None,
) -> CheckResult:
    """Every configured sample: readable, and decodable by the candidate schema.

    Captured wire-format messages are decoded with the schema of their id (from the registry or
    snapshot) and then read with the candidate, as a consumer upgraded to it would. A message
    that only fastavro consumers fail on, where the registry's rules let the candidate read
    its schema (Java's decoder reads it), is no error: the messages of one schema id that do
    so are one SIMULATION_BREAKS_ACCEPTED_CHANGE warning.
    """
    from gate.evidence import schema_json
    from gate.samples import Sample, SampleProblem, decode_wire, split
    from gate.simulate import problem_finding, simulate_pair

    check_id = f"{source.subject}: samples"
    items = _load_sample_items(root, source)
    samples, problems = split(items)
    findings = [problem_finding(p, subject=source.subject, check=check_id) for p in problems]

    writers: dict[int, Parsed | None] = {}

    def resolve(schema_id: int) -> object:
        registered = state.schema_by_id(schema_id) if state is not None else None
        if registered is None and registry is not None:
            registered = registry.schema_by_id(schema_id)
        if registered is None:
            return None
        parsed = parser.parse(registered.to_schema())
        writers[schema_id] = parsed if parsed.ok else None
        return schema_json(parsed) if parsed.ok else None

    reader = schema_json(candidate)
    schema_type = candidate.schema.type
    # by writer schema id: captured messages the registry's rules let the candidate read, which
    # only fastavro consumers fail on (Java's decoder reads them)
    fastavro_only: dict[int, list[DecodedWire]] = {}
    rules_read: dict[int, bool] = {}
    wire_count: dict[int, int] = {}

    def reads_by_the_rules(schema_id: int | None) -> bool:
        """Whether the registry's rules let the candidate read the schema of `schema_id`."""
        if schema_id is None:
            return False
        if schema_id not in rules_read:
            rules_read[schema_id] = _reads_by_the_rules(candidate, writers.get(schema_id))
        return rules_read[schema_id]

    for sample in samples:
        if not isinstance(sample, Sample) or not sample.is_wire:
            continue
        decoded = decode_wire(sample, resolve, reader, schema_type=schema_type)
        if not isinstance(decoded, SampleProblem) and sample.schema_id is not None:
            wire_count[sample.schema_id] = wire_count.get(sample.schema_id, 0) + 1
        if isinstance(decoded, SampleProblem):
            findings.append(problem_finding(decoded, subject=source.subject, check=check_id))
        elif decoded.fastavro_only and reads_by_the_rules(sample.schema_id):
            fastavro_only.setdefault(sample.schema_id or 0, []).append(decoded)
        elif decoded.error is not None:
            findings.append(
                Finding(
                    rule=SIMULATION_DECODE_FAILED,
                    severity=severity_of(SIMULATION_DECODE_FAILED),
                    subject=source.subject,
                    message=f"captured message {sample.source} (schema id {sample.schema_id}) "
                    f"cannot be read with the candidate schema: {decoded.error}",
                    location=Location(sample.source),
                    versions=(
                        f"writer: schema id {sample.schema_id}",
                        f"reader: {candidate.schema.origin.label()}",
                    ),
                    fix="keep the candidate able to read what is already in the topic",
                    check=check_id,
                )
            )
    for schema_id, failed in fastavro_only.items():
        findings.append(
            _fastavro_only_samples(
                failed, wire_count[schema_id], source.subject, candidate, schema_id, check_id
            )
        )
    plain = [s for s in samples if isinstance(s, Sample) and not s.is_wire]
    notes: list[str] = []
    from gate.simulate import simulates

    if plain and simulates(schema_type):
        from gate.errors import SchemaInvalid
        from gate.simulate import outcome_findings

        try:
            outcome = simulate_pair(
                schema_type,
                reader,
                reader,
                writer_label=candidate.schema.origin.label(),
                reader_label=candidate.schema.origin.label(),
                samples=plain,
                random_count=0,
            )
            findings += [
                f
                for f in outcome_findings(outcome, subject=source.subject, check=check_id)
                if f.rule.startswith("SAMPLE_")
            ]
        except SchemaInvalid as unusable:
            notes.append(f"samples not checked: {unusable.message}")
        except SimulationNotRun as error:
            notes.append(f"samples not checked: {error}")
    count = len(items)
    return CheckResult(
        check_id,
        source.subject,
        CheckKind.SIMULATION,
        f"{count} sample(s) readable and valid for the candidate",
        findings=tuple(findings),
        notes=tuple(notes),
    )
