"""SARIF 2.1.0 for code-scanning dashboards: one run, one result per finding.

Waived findings stay in the log with an external suppression carrying the waiver's reason, so
dashboards show them as dismissed rather than losing them.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from gate.model import Finding, Result, Severity
from gate.report import RenderOptions
from gate.report.common import fails, rule_info, witness_data

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
ROOT_BASE_ID = "SRCROOT"
FINGERPRINT_KEY = "gateFingerprint/v1"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(result: Result, options: RenderOptions) -> str:
    """The SARIF log as indented JSON."""
    rule_index: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for finding in result.findings:
        if finding.rule not in rule_index:
            rule_index[finding.rule] = len(descriptors)
            descriptors.append(_descriptor(finding))
        results.append(_result(result, finding, rule_index[finding.rule], options.root))
    driver: dict[str, Any] = {
        "name": "gate",
        "version": options.tool_version,
        "rules": descriptors,
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if options.root is not None:
        run["originalUriBaseIds"] = {ROOT_BASE_ID: {"uri": _directory_uri(options.root)}}
    run["results"] = results
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    text = json.dumps(log, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(log, indent=2, ensure_ascii=True)
    return text + "\n"


def _descriptor(finding: Finding) -> dict[str, Any]:
    rule = rule_info(finding.rule)
    severity = rule.severity if rule is not None else finding.severity
    descriptor: dict[str, Any] = {
        "id": finding.rule,
        "shortDescription": {"text": rule.purpose if rule is not None else finding.rule},
        "defaultConfiguration": {"level": _LEVEL[severity]},
    }
    if rule is not None:
        descriptor["properties"] = {"category": rule.category}
    return descriptor


def _result(result: Result, finding: Finding, index: int, root: str | None) -> dict[str, Any]:
    text = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    location: dict[str, Any] = {}
    if finding.location is not None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(finding.location.path, root)}
        line = finding.location.line
        if line is not None and line >= 1:  # SARIF lines are 1-based; 0 would void the log
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    logical: dict[str, Any] = {"name": finding.subject, "kind": "module"}
    if finding.path:
        logical["fullyQualifiedName"] = f"{finding.subject}#{finding.path}"
    location["logicalLocations"] = [logical]
    properties: dict[str, Any] = {
        "subject": finding.subject,
        "check": finding.check,
        "schemaPath": finding.path,
        "versions": list(finding.versions),
        "failing": fails(result, finding),
    }
    if finding.fix:
        properties["fix"] = finding.fix
    if finding.witness is not None:
        properties["witness"] = witness_data(finding.witness)
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.waived_by is not None:
        out["suppressions"] = [{"kind": "external", "justification": finding.waived_by}]
    return out


def _artifact(path: str, root: str | None) -> dict[str, Any]:
    """An artifactLocation: relative to SRCROOT when a root is known, absolute paths as file
    URIs (made relative when they lie under the root)."""
    target = PurePosixPath(path.replace("\\", "/"))
    if root is not None and target.is_absolute():
        try:
            target = target.relative_to(PurePosixPath(Path(root).absolute().as_posix()))
        except ValueError:
            pass
    if target.is_absolute():
        return {"uri": "file://" + _quote(target.as_posix())}
    artifact: dict[str, Any] = {"uri": _quote(target.as_posix())}
    if root is not None:
        artifact["uriBaseId"] = ROOT_BASE_ID
    return artifact


def _directory_uri(root: str) -> str:
    uri = Path(root).absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _quote(path: str) -> str:
    """Percent-encode a path for a URI; bytes a file name was decoded from with
    surrogateescape come back as themselves."""
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, safe="/", errors="surrogatepass")
