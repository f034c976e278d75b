"""Markdown for a GitHub step summary or a pull-request comment.

A verdict heading, a table of subjects, the failing findings with their fixes (witnesses folded
in `<details>`), other findings, waived ones, skipped and passed checks, and a Mermaid diagram of
producers -> subjects -> consumers when the run knows the contract graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from gate.model import CheckResult, Finding, Result, Witness
from gate.report import RenderOptions
from gate.report.common import (
    Summary,
    Verdict,
    check_verdict,
    checks_by_subject,
    fails,
    payload_json,
    printable,
    rule_info,
    subject_verdict,
)

MAX_FINDINGS = 50  # per section

_VERDICT_ICON = {
    Verdict.FAIL: "❌ FAIL",
    Verdict.WARN: "⚠️ WARN",
    Verdict.PASS: "✅ PASS",
    Verdict.SKIP: "⏭️ SKIP",
}

# characters that Markdown (CommonMark + GitHub tables/strikethrough) gives a meaning to
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:@/-]+$")
_REMOVE_COMMAND = re.compile(r"^gate unwaive [0-9A-Za-z]+$")
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def render(result: Result, options: RenderOptions) -> str:
    """The Markdown report."""
    summary = Summary.of(result)
    verdict = "✅ passed" if result.passed else "❌ failed"
    parts: list[str] = [f"## {md(options.title)}: {verdict}", summary.line() + _revisions(result)]
    parts.extend(_notes(result.notes))
    groups = checks_by_subject(result)
    if groups:
        parts.append(_subject_table(result, groups))
    else:
        parts.append("No checks ran.")

    failing = list(result.failing)
    if failing:
        parts.append(f"### Failing findings ({len(failing)})")
        parts.extend(_findings(result, failing))
    stale = [f for f in result.findings if f.rule == "WAIVER_STALE" and not fails(result, f)]
    if stale:
        parts.append(f"### Stale waivers ({len(stale)})")
        parts.append(_stale_table(stale))
    other = [
        f
        for f in result.findings
        if f.waived_by is None and not fails(result, f) and f.rule != "WAIVER_STALE"
    ]
    if other:
        parts.append(f"### Warnings and notices ({len(other)})")
        parts.extend(_findings(result, other))
    waived = [f for f in result.findings if f.waived_by is not None]
    if waived:
        parts.append(f"### Waived findings ({len(waived)})")
        parts.append(_waived_table(waived))
    skipped = [check for check in result.checks if check.skipped is not None]
    if skipped:
        parts.append(f"### Skipped checks ({len(skipped)})")
        parts.append("\n".join(f"- {_check_label(c)}: {md(c.skipped or '')}" for c in skipped))
    passed = [c for c in result.checks if check_verdict(result, c) in (Verdict.PASS, Verdict.WARN)]
    if passed:
        parts.append(_details(f"Passed checks ({len(passed)})", _passed_list(passed)))
    graph = _graph(result.extra.get("graph"))
    if graph:
        parts.append("### Producers and consumers")
        parts.append(graph)
    return "\n\n".join(parts) + "\n"


def md(text: str) -> str:
    """`text` as literal Markdown inline text: HTML and Markdown syntax escaped, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # line breaks as <br>, any other control character escaped: a summary printed to a log stays
    # one line per line of Markdown
    return "<br>".join(printable(line) for line in _LINE_BREAK.split(text))


def code(text: str) -> str:
    """An inline code span for simple identifiers (rule ids, fingerprints); other text is
    escaped instead, since backticks and pipes inside code spans break tables."""
    return f"`{text}`" if _SAFE_CODE.match(text) else md(text)


def fence(text: str, info: str = "") -> str:
    """A fenced code block that `text` cannot close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{text}\n{marks}"


def _revisions(result: Result) -> str:
    base, head = result.extra.get("base"), result.extra.get("head")
    parts = [f"{name} {code(str(value))}" for name, value in (("base", base), ("head", head))
             if value is not None]
    return f" ({', '.join(parts)})" if parts else ""


def _notes(notes: Iterable[str]) -> list[str]:
    return [f"> {md(note)}" for note in notes]


def _subject_table(result: Result, groups: dict[str, list[CheckResult]]) -> str:
    rows = [
        "| Subject | Verdict | Checks | Failed | Warnings | Waived |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for subject, checks in groups.items():
        findings = [f for check in checks for f in check.findings]
        failed = sum(check_verdict(result, check) is Verdict.FAIL for check in checks)
        warnings = sum(f.waived_by is None and f.severity.value == "warning" for f in findings)
        waived = sum(f.waived_by is not None for f in findings)
        verdict = _VERDICT_ICON[subject_verdict(result, checks)]
        rows.append(
            f"| {md(subject)} | {verdict} | {len(checks)} | {failed} | {warnings} | {waived} |"
        )
    return "\n".join(rows)


def _findings(result: Result, findings: list[Finding]) -> list[str]:
    """The findings in full, at most `MAX_FINDINGS`: a PR comment holds 65,536 characters."""
    parts = [_finding(result, finding) for finding in findings[:MAX_FINDINGS]]
    if len(findings) > MAX_FINDINGS:
        parts.append(
            f"… and {len(findings) - MAX_FINDINGS} more: see the JSON or JUnit report for all."
        )
    return parts


def _finding(result: Result, finding: Finding) -> str:
    head = f"#### {code(finding.rule)} · {md(finding.subject)}"
    facts = [f"**{finding.severity.value}**"]
    if finding.location is not None:
        facts.append(f"in {code(str(finding.location))}")
    if finding.path:
        facts.append(f"at {code(finding.path)}")
    if finding.check:
        facts.append(f"(check: {md(finding.check)})")
    lines = [head, " ".join(facts), md(finding.message)]
    if finding.fix:
        lines.append(f"**Fix:** {md(finding.fix)}")
    rule = rule_info(finding.rule)
    if rule is not None:
        lines.append(f"*Rule:* {md(rule.purpose)}")
    if finding.versions:
        lines.append("*Versions:* " + ", ".join(md(version) for version in finding.versions))
    lines.append(f"Fingerprint: `{finding.fingerprint}`")
    if finding.witness is not None:
        lines.append(_details("Witness: a payload that breaks", _witness(finding.witness)))
    return "\n\n".join(lines)


def _witness(witness: Witness) -> str:
    lines = [
        f"Written with {md(witness.writer)}, read with {md(witness.reader)}.",
        f"Error: {md(witness.error)}",
        fence(payload_json(witness.payload, indent=2), "json"),
    ]
    if witness.avro_base64:
        lines.append("Avro body (base64):\n\n" + fence(witness.avro_base64))
    if witness.wire_base64:
        lines.append("Wire format (base64):\n\n" + fence(witness.wire_base64))
    return "\n\n".join(lines)


def _waived_table(findings: list[Finding]) -> str:
    rows = ["| Rule | Subject | Fingerprint | Reason |", "| --- | --- | --- | --- |"]
    rows.extend(
        f"| {code(f.rule)} | {md(f.subject)} | `{f.fingerprint}` | {md(f.waived_by or '')} |"
        for f in findings
    )
    return "\n".join(rows)


def _stale_table(findings: list[Finding]) -> str:
    """Waivers whose findings no longer occur, with where each is and what removes it."""
    rows = [
        "The findings these waivers cover no longer occur: remove them.",
        "",
        "| Waiver | Declared in | Remove with |",
        "| --- | --- | --- |",
    ]
    for finding in findings:
        command = (finding.fix or "").rpartition(": ")[2]
        shown = f"`{command}`" if _REMOVE_COMMAND.match(command) else md(command)
        where = code(str(finding.location)) if finding.location else ""
        rows.append(f"| {md(finding.message)} | {where} | {shown} |")
    return "\n".join(rows)


def _check_label(check: CheckResult) -> str:
    return f"{md(check.subject)}: {md(check.name)}"


def _passed_list(checks: list[CheckResult]) -> str:
    lines = []
    for check in checks:
        line = f"- {_check_label(check)}"
        remarks = [md(note) for note in check.notes]
        waived = sum(f.waived_by is not None for f in check.findings)
        if waived:
            remarks.append(f"{waived} waived")
        if remarks:
            line += " — " + "; ".join(remarks)
        lines.append(line)
    return "\n".join(lines)


def _details(summary: str, body: str) -> str:
    # the summary sits inside an HTML block, where Markdown escapes are not processed; the
    # blank lines around the body let GitHub render Markdown inside it
    summary = summary.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def mermaid_label(text: str) -> str:
    """`text` inside a quoted Mermaid label: quotes, entity starts, HTML and backticks as
    Mermaid entity codes, on one line."""
    out = []
    for char in " ".join(text.split()):
        if char in '"#&<>`\\{}[]()|;':
            out.append(f"#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


def _graph(edges: Any) -> str:
    """A Mermaid flowchart of (producer, subject, consumer, broken) edges; empty without edges.

    A broken edge is drawn dotted and red, from the subject to the consumer that cannot read
    what the producer writes; a producer or consumer that is None is left out.
    """
    rows = [tuple(edge) for edge in edges or () if len(tuple(edge)) == 4]
    if not rows:
        return ""
    ids: dict[tuple[str, str], str] = {}
    nodes: list[str] = []

    def node(kind: str, name: str) -> str:
        key = (kind, name)
        if key not in ids:
            ids[key] = f"{kind[0]}{len(ids)}"
            shape = ('(["', '"])') if kind == "subject" else ('["', '"]')
            nodes.append(f"  {ids[key]}{shape[0]}{mermaid_label(name)}{shape[1]}")
        return ids[key]

    links: dict[tuple[str, str], bool] = {}
    for producer, subject, consumer, broken in rows:
        if subject is None:
            continue
        subject_id = node("subject", str(subject))
        if producer is not None:
            key = (node("producer", str(producer)), subject_id)
            links[key] = links.get(key, False)
        if consumer is not None:
            key = (subject_id, node("consumer", str(consumer)))
            links[key] = links.get(key, False) or bool(broken)
    lines = ["flowchart LR", *nodes]
    broken_links: list[int] = []
    broken_nodes: list[str] = []
    for index, ((source, target), broken) in enumerate(links.items()):
        if broken:
            lines.append(f"  {source} -. broken .-> {target}")
            broken_links.append(index)
            broken_nodes.append(target)
        else:
            lines.append(f"  {source} --> {target}")
    if broken_links:
        lines.append("  classDef broken fill:#fdd,stroke:#d00,color:#900")
        lines.append(f"  class {','.join(dict.fromkeys(broken_nodes))} broken")
        lines.append(f"  linkStyle {','.join(map(str, broken_links))} stroke:#d00,color:#d00")
    return fence("\n".join(lines), "mermaid")
