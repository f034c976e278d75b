"""The documented JSON report; its JSON Schema ships as `gate/schemas/report.schema.json`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gate.report.common import Summary, fails, witness_data

if TYPE_CHECKING:
    from gate.model import CheckResult, Finding, Result
    from gate.report import RenderOptions

REPORT_VERSION = 1  # bumped only on an incompatible change of the document


def render(result: Result, options: RenderOptions) -> str:
    """One JSON object, keys in a fixed order, indented by two spaces."""
    summary = Summary.of(result)
    document: dict[str, object] = {
        "report_version": REPORT_VERSION,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "fail_on": result.fail_on.value,
        "tool": {"name": "gate", "version": options.tool_version},
        "base": _label(result.info.base),
        "head": _label(result.info.head),
        "notes": list(result.notes),
        "summary": {
            "subjects": summary.subjects,
            "checks": summary.checks,
            "passed_checks": summary.passed_checks,
            "failed_checks": summary.failed_checks,
            "skipped_checks": summary.skipped_checks,
            "findings": summary.findings,
            "failing_findings": summary.failing_findings,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "waived": summary.waived,
        },
        "checks": [_check(result, check) for check in result.checks],
        "findings": [_finding(result, finding) for finding in result.findings],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # a lone surrogate (from a schema read with surrogateescape) cannot be written as
        # UTF-8; escaped, it stays valid JSON
        text = json.dumps(document, indent=2, ensure_ascii=True)
    return text + "\n"


def _label(value: object) -> str | None:
    return None if value is None else str(value)


def _check(result: Result, check: CheckResult) -> dict[str, object]:
    return {
        "id": check.id,
        "subject": check.subject,
        "kind": check.kind.value,
        "name": check.name,
        "passed": not any(fails(result, finding) for finding in check.findings),
        "skipped": check.skipped,
        "notes": list(check.notes),
        "seconds": round(check.seconds, 3),
        "findings": [finding.fingerprint for finding in check.findings],
    }


def _finding(result: Result, finding: Finding) -> dict[str, object]:
    location = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "subject": finding.subject,
        "message": finding.message,
        "path": finding.path,
        "location": None if location is None else {"path": location.path, "line": location.line},
        "versions": list(finding.versions),
        "witness": None if finding.witness is None else witness_data(finding.witness),
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "check": finding.check,
        "waived": finding.waived_by,
        "failing": fails(result, finding),
    }
