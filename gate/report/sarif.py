"""SARIF 2.1.0 that GitHub code scanning ingests: one run, one result per finding and place.

What GitHub's ingestion (and Microsoft's SARIF Multitool with its GitHub rules) asks for:

- every rule has a `fullDescription` and a `help` (text and Markdown), from the rule catalogue;
- every result has a physical location with `region.startLine` (1 for a finding about a whole
  file), from which upload-sarif computes its own fingerprint;
- artifact URIs are relative to `SRCROOT`, the repository's root, whatever folder gate ran in;
- `automationDetails.id` is `gate/<the configuration's folder>/`, so a monorepo can upload one
  run per project without one replacing another (GitHub reads the id as the run's category).

The same finding made against several baselines (the git base and the registry, or several
registered versions) is one result that names every baseline it breaks: an alert, not one per
comparison. Waived findings stay in the log with an external suppression carrying the waiver's
reason, so dashboards show them as dismissed rather than losing them.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from gate.model import Finding, Result, Severity
from gate.report.common import fails, rule_info, witness_data

if TYPE_CHECKING:
    from gate.report import RenderOptions

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
ROOT_BASE_ID = "SRCROOT"
FINGERPRINT_KEY = "gateFingerprint/v1"
INFORMATION_URI = "https://pypi.org/project/schema-contract-gate/"
AUTOMATION_PREFIX = "gate/"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# semver 2.0.0, as `semanticVersion` requires
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
)


def render(result: Result, options: RenderOptions) -> str:
    """The SARIF log as indented JSON."""
    rule_index: dict[str, int] = {}
    descriptors: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    for group in _same_finding_groups(result.findings):
        rule = group[0].rule
        if rule not in rule_index:
            rule_index[rule] = len(descriptors)
            descriptors.append(_descriptor(group[0]))
        results.append(_result(result, group, rule_index[rule], options.root))
    driver: dict[str, object] = {
        "name": "gate",
        "version": options.tool_version,
        "informationUri": INFORMATION_URI,
        "rules": descriptors,
    }
    if _SEMVER.match(options.tool_version):
        driver["semanticVersion"] = options.tool_version
    run: dict[str, object] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": automation_id(result.info.prefix)},
    }
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


def automation_id(prefix: str | None) -> str:
    """`gate/` at the repository's root, `gate/services/orders/` for a project in that folder:
    GitHub keeps one set of alerts per id, so each project of a monorepo keeps its own."""
    folder = (prefix or "").strip("/")
    return f"{AUTOMATION_PREFIX}{folder}/" if folder else AUTOMATION_PREFIX


def _same_finding_groups(findings: tuple[Finding, ...]) -> list[list[Finding]]:
    """The findings grouped by what they say and where (rule, subject, schema path, message,
    file and line), in order of first appearance: one group per SARIF result."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        location = finding.location
        key = (
            finding.fingerprint,
            finding.rule,
            finding.waived_by,
            location.path if location is not None else None,
            location.line if location is not None else None,
        )
        groups.setdefault(key, []).append(finding)
    return list(groups.values())


def _descriptor(finding: Finding) -> dict[str, object]:
    rule = rule_info(finding.rule)
    severity = rule.severity if rule is not None else finding.severity
    if rule is None:
        text = f"{finding.rule}: a finding of a rule this version of gate has no description of."
        return {
            "id": finding.rule,
            "name": _rule_name(finding.rule),
            "shortDescription": {"text": finding.rule},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": text},
            "defaultConfiguration": {"level": _LEVEL[severity]},
        }
    facts = [f"Severity by default: {rule.severity.value}.", f"Category: {rule.category}."]
    if rule.registry_name:
        facts.append(f"The schema registry calls this {rule.registry_name}.")
    waive = (
        "Each finding says how to fix it. To accept one on purpose, waive it by its fingerprint: "
        "gate waive FINGERPRINT --reason TEXT --owner TEAM --expires YYYY-MM-DD (the waiver "
        "goes to gate.yaml)."
    )
    markdown_facts = [
        f"**Severity by default:** {rule.severity.value}",
        f"**Category:** {rule.category}",
    ]
    if rule.registry_name:
        markdown_facts.append(f"**Schema registry name:** `{rule.registry_name}`")
    markdown = "\n".join(
        [
            f"## {rule.id}",
            "",
            rule.purpose,
            "",
            *(f"- {fact}" for fact in markdown_facts),
            "",
            "Each finding says how to fix it. To accept one on purpose, waive it by its "
            "fingerprint:",
            "",
            "```",
            "gate waive FINGERPRINT --reason TEXT --owner TEAM --expires YYYY-MM-DD",
            "```",
        ]
    )
    return {
        "id": rule.id,
        "name": _rule_name(rule.id),
        "shortDescription": {"text": rule.purpose},
        "fullDescription": {"text": f"{rule.purpose} {' '.join(facts)}"},
        "help": {"text": f"{rule.purpose}\n\n{' '.join(facts)}\n\n{waive}", "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"category": rule.category, "tags": ["schema", rule.category]},
    }


def _rule_name(rule_id: str) -> str:
    """`AVRO_READER_FIELD_MISSING_DEFAULT` -> `AvroReaderFieldMissingDefault`."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def baseline(finding: Finding) -> str:
    """What the check that made `finding` compared with, as its id says: `backward vs git base`,
    `checkout -> fraud-detector` (the check id without its subject)."""
    prefix = f"{finding.subject}: "
    check = finding.check
    return check[len(prefix) :] if check.startswith(prefix) else check


def _result(
    result: Result, group: list[Finding], index: int, root: str | None
) -> dict[str, object]:
    finding = group[0]
    baselines = list(dict.fromkeys(baseline(f) for f in group if f.check))
    text = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    if len(baselines) > 1:
        text += "\nBreaks: " + "; ".join(baselines)
    location: dict[str, object] = {}
    if finding.location is not None:
        line = finding.location.line
        location["physicalLocation"] = {
            "artifactLocation": _artifact(finding.location.path, root),
            # SARIF lines are 1-based (0 would void the log); a finding about the whole file
            # points at its first line, which GitHub needs to place and fingerprint it
            "region": {"startLine": line if line is not None and line >= 1 else 1},
        }
    logical: dict[str, object] = {"name": finding.subject, "kind": "module"}
    if finding.path:
        logical["fullyQualifiedName"] = f"{finding.subject}#{finding.path}"
    location["logicalLocations"] = [logical]
    properties: dict[str, object] = {
        "subject": finding.subject,
        "check": finding.check,
        "checks": list(dict.fromkeys(f.check for f in group if f.check)),
        "baselines": baselines,
        "schemaPath": finding.path,
        "versions": list(dict.fromkeys(v for f in group for v in f.versions)),
        "failing": fails(result, finding),
    }
    if finding.fix:
        properties["fix"] = finding.fix
    witness = next((f.witness for f in group if f.witness is not None), None)
    if witness is not None:
        properties["witness"] = witness_data(witness)
    out: dict[str, object] = {
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


def _artifact(path: str, root: str | None) -> dict[str, object]:
    """An artifactLocation: relative to SRCROOT when a root is known, absolute paths as file
    URIs (made relative when they lie under the root)."""
    target = PurePosixPath(path.replace("\\", "/"))
    if root is not None and target.is_absolute():
        with contextlib.suppress(ValueError):
            target = target.relative_to(PurePosixPath(Path(root).absolute().as_posix()))
    if target.is_absolute():
        return {"uri": "file://" + _quote(target.as_posix())}
    artifact: dict[str, object] = {"uri": _quote(target.as_posix())}
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
