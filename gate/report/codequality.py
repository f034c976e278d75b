"""GitLab Code Quality: the JSON array GitLab reads from `artifacts:reports:codequality`.

Each entry has what GitLab requires (`description`, `check_name`, `fingerprint`, `severity`,
`location.path`, `location.lines.begin`) plus `categories`. GitLab compares the report of a merge
request with its target branch's by `fingerprint`, so a fingerprint is made of what the finding
says and which file it is about (rule, subject, schema path, message, file), never of the line,
the base revision or the registry's schema ids: the same problem keeps its fingerprint from run
to run, and an edit elsewhere in the file does not make it look fixed and new again.

The same finding against several baselines is one entry naming them all (GitLab would show
duplicates of a fingerprint once anyway). Waived findings are left out: GitLab has no notion of a
dismissed entry.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from gate.model import Finding, Result, Severity
from gate.report.common import fails, rule_info

if TYPE_CHECKING:
    from gate.report import RenderOptions

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(result: Result, options: RenderOptions) -> str:
    """The report as indented JSON."""
    files = result.info.files
    fallback = f"{result.info.prefix or ''}gate.yaml"
    groups: dict[str, list[Finding]] = {}
    paths: dict[str, str] = {}
    for finding in result.findings:
        if finding.waived_by is not None:
            continue
        path = (
            finding.location.path
            if finding.location is not None
            else files.get(finding.subject, fallback)
        )
        key = fingerprint(finding, path)
        groups.setdefault(key, []).append(finding)
        paths[key] = path
    entries = [_entry(result, key, group, paths[key]) for key, group in groups.items()]
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"


def fingerprint(finding: Finding, path: str) -> str:
    """A stable id of the problem: rule, subject, schema path, message and file."""
    key = "\x1f".join(("gate", finding.rule, finding.subject, finding.path, finding.message, path))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _entry(result: Result, key: str, group: list[Finding], path: str) -> dict[str, object]:
    finding = group[0]
    rule = rule_info(finding.rule)
    baselines = list(
        dict.fromkeys(
            f.check[len(f.subject) + 2 :] if f.check.startswith(f"{f.subject}: ") else f.check
            for f in group
            if f.check
        )
    )
    parts = [f"{finding.subject}: {finding.message}"]
    if finding.fix:
        parts.append(f"fix: {finding.fix}")
    if len(baselines) > 1:
        parts.append(f"breaks: {'; '.join(baselines)}")
    parts.append(f"gate fingerprint: {finding.fingerprint}")
    description = " — ".join(parts)
    severity = _SEVERITY[finding.severity]
    if finding.severity is Severity.WARNING and fails(result, finding):
        severity = "major"  # --fail-on warning: it fails the pipeline
    line = finding.location.line if finding.location is not None else None
    return {
        "type": "issue",
        "description": description,
        "check_name": finding.rule,
        "fingerprint": key,
        "severity": severity,
        "categories": ["Compatibility"],
        "location": {
            "path": path,
            "lines": {"begin": line if line is not None and line >= 1 else 1},
        },
        "content": {"body": rule.purpose if rule is not None else finding.rule},
    }
