"""`gate merge-reports`: combine the reports of sharded runs into the report of one run.

JSON reports are read back into a `Result` and rendered again, so a merged report is exactly what
one unsharded run would have written (up to timings). JUnit reports are merged at the XML level.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict, cast

from gate.errors import SourceError, UsageError
from gate.model import (
    CheckKind,
    CheckResult,
    Finding,
    Location,
    Result,
    RunInfo,
    Severity,
    Witness,
)
from gate.report import ReportFormat

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class _LocationDocument(TypedDict, total=False):
    path: str
    line: int | None


class _FindingDocument(TypedDict, total=False):
    """A finding of a JSON report (schemas/report.schema.json)."""

    rule: str
    severity: str
    subject: str
    message: str
    path: str
    location: _LocationDocument | None
    versions: list[str]
    witness: dict[str, Any] | None
    fix: str | None
    check: str
    waived: str | None


class _CheckDocument(TypedDict, total=False):
    id: str
    subject: str
    kind: str
    name: str
    findings: list[str]
    notes: list[str]
    skipped: str | None
    seconds: float


class ReportDocument(TypedDict, total=False):
    """A JSON report as `gate check --report json` writes it, validated against its schema."""

    base: str | None
    head: str | None
    fail_on: str
    notes: list[str]
    checks: list[_CheckDocument]
    findings: list[_FindingDocument]


def _load_json(path: Path) -> ReportDocument:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError("report not found", str(path)) from None
    except RecursionError:
        raise SourceError("cannot read the JSON report (nested too deeply)", str(path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SourceError(f"cannot read the JSON report ({error})", str(path)) from None
    if not isinstance(document, dict) or "checks" not in document or "findings" not in document:
        raise UsageError("not a gate JSON report", str(path), "pass files written by --report json")
    problem = _report_problem(document)
    if problem is not None:
        raise UsageError(
            f"not a valid gate JSON report: {problem}",
            str(path),
            "pass the files that `gate check --report json=...` wrote, unedited",
        )
    return cast("ReportDocument", document)


def _report_problem(document: dict[str, object]) -> str | None:
    """The first place where `document` departs from the documented report schema, if any."""
    from importlib import resources

    from jsonschema.validators import validator_for

    schema = json.loads(
        resources.files("gate").joinpath("schemas/report.schema.json").read_text("utf-8")
    )
    validator = validator_for(schema)(schema)
    error = min(validator.iter_errors(document), key=lambda e: list(map(str, e.path)), default=None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    return f"at {where}: {message}"


def _witness(data: dict[str, Any]) -> Witness:
    """A report's witness: `avro_base64` is the body of an Avro witness."""
    fields = dict(data)
    avro = fields.pop("avro_base64", None)
    if avro is not None:
        fields["body_base64"], fields["body_encoding"] = avro, "avro"
    return Witness(**fields)


def _finding(data: _FindingDocument) -> Finding:
    location = data.get("location")
    witness = data.get("witness")
    return Finding(
        rule=data["rule"],
        severity=Severity(data["severity"]),
        subject=data["subject"],
        message=data["message"],
        path=data.get("path") or "",
        location=Location(location["path"], location.get("line")) if location else None,
        versions=tuple(data.get("versions") or ()),
        witness=_witness(witness) if witness else None,
        fix=data.get("fix"),
        check=data.get("check") or "",
        waived_by=data.get("waived"),
    )


def result_from_json(document: ReportDocument) -> Result:
    """The `Result` a JSON report was rendered from (timings and payload types aside)."""
    by_fingerprint: dict[str, list[Finding]] = {}
    for item in document["findings"]:
        finding = _finding(item)
        by_fingerprint.setdefault(f"{finding.check}\x1f{finding.fingerprint}", []).append(finding)
    checks = []
    for data in document["checks"]:
        findings = []
        for fingerprint in data.get("findings", []):
            matches = by_fingerprint.get(f"{data['id']}\x1f{fingerprint}") or []
            if matches:
                findings.append(matches.pop(0))
        checks.append(
            CheckResult(
                id=data["id"],
                subject=data["subject"],
                kind=CheckKind(data["kind"]),
                name=data["name"],
                findings=tuple(findings),
                notes=tuple(data.get("notes") or ()),
                skipped=data.get("skipped"),
                seconds=float(data.get("seconds") or 0.0),
            )
        )
    return Result(
        checks=tuple(checks),
        fail_on=Severity(document.get("fail_on", "error")),
        notes=tuple(document.get("notes") or ()),
        info=RunInfo(base=document.get("base") or None, head=document.get("head") or None),
    )


def merge_results(results: Sequence[Result]) -> Result:
    """One result from several shards: checks concatenated, a check id seen twice merged."""
    merged: dict[str, CheckResult] = {}
    for result in results:
        for check in result.checks:
            seen = merged.get(check.id)
            if seen is None:
                merged[check.id] = check
                continue
            known = {f.fingerprint for f in seen.findings}
            added = tuple(f for f in check.findings if f.fingerprint not in known)
            merged[check.id] = CheckResult(
                seen.id,
                seen.subject,
                seen.kind,
                seen.name,
                seen.findings + added,
                tuple(dict.fromkeys(seen.notes + check.notes)),
                seen.skipped or check.skipped,
                seen.seconds + check.seconds,
            )
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    fail_on = min((r.fail_on for r in results), key=lambda s: s.rank, default=Severity.ERROR)
    info = results[0].info if results else RunInfo()
    return Result(tuple(merged.values()), fail_on=fail_on, notes=notes, info=info)


def _merge_junit(paths: Sequence[Path]) -> tuple[str, bool]:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", {"name": "gate"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for path in paths:
        try:
            document = ET.parse(path).getroot()
        except FileNotFoundError:
            raise SourceError("report not found", str(path)) from None
        except (OSError, ET.ParseError) as error:
            raise SourceError(f"cannot read the JUnit report ({error})", str(path)) from None
        suites = [document] if document.tag == "testsuite" else list(document.iter("testsuite"))
        if document.tag not in ("testsuite", "testsuites"):
            raise UsageError(
                f"not a JUnit report (its root element is <{document.tag}>)",
                str(path),
                "pass the files that `gate check --report junit=...` wrote",
            )
        for suite in suites:
            root.append(suite)
            try:
                for key in totals:
                    totals[key] += int(suite.get(key) or 0)
                seconds += float(suite.get("time") or 0.0)
            except ValueError as error:
                raise UsageError(
                    f"not a valid JUnit report: a <testsuite> count is not a number ({error})",
                    str(path),
                    "pass the files that `gate check --report junit=...` wrote, unedited",
                ) from None
    for key, value in totals.items():
        if key != "skipped":
            root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    return text + "\n", totals["failures"] == 0 and totals["errors"] == 0


def merge_reports(paths: Sequence[Path], output_format: ReportFormat | None) -> tuple[str, bool]:
    """The merged report's text and whether the merged run passed."""
    if not paths:
        raise UsageError("nothing to merge", "merge-reports", "pass the shards' report files")
    xml = paths[0].suffix.lower() == ".xml"
    chosen = output_format or (ReportFormat.JUNIT if xml else ReportFormat.JSON)
    if chosen is ReportFormat.JUNIT:
        return _merge_junit(paths)
    from gate import __version__
    from gate.report import RenderOptions, render

    results = []
    for path in paths:
        document = _load_json(path)
        try:
            results.append(result_from_json(document))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # what the schema cannot say (a finding listed by a check but of another shape)
            raise UsageError(
                f"not a valid gate JSON report ({type(error).__name__}: {error})",
                str(path),
                "pass the files that `gate check --report json=...` wrote, unedited",
            ) from None
    result = merge_results(results)
    text = render(ReportFormat.JSON, result, RenderOptions(tool_version=__version__))
    return text, result.passed
