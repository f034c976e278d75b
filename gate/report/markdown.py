"""Markdown for a GitHub step summary or a pull-request comment, within GitHub's limits.

A verdict heading, a table of subjects (those with findings first), the failing findings with
their fixes (witnesses folded in `<details>`), other findings, waived ones, skipped checks,
passed checks as counts, and a Mermaid diagram of producers -> subjects -> consumers when the
run knows the contract graph.

GitHub drops a whole step summary above 1 MiB, and Mermaid refuses a diagram above 50,000
characters ("Maximum text size in diagram exceeded"). So the report has a budget
(`SUMMARY_BUDGET`, 900 KiB) that every section draws on: long lists are cut with a count,
witnesses are shortened, and the graph is drawn whole only when it fits, else limited to the
broken edges and their neighbours, else left out with a note. A closing line points to the JSON
and SARIF reports, which hold everything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.policy import WAIVER_STALE
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
    truncate,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from gate.model import CheckResult, Finding, GraphEdge, Result, Witness
    from gate.report import RenderOptions

MAX_FINDINGS = 50  # per section
MAX_LISTED = 50  # waived findings, skipped checks, passed checks listed one by one
MAX_SUBJECT_ROWS = 1000
MAX_WITNESS_CHARS = 4000  # of a witness payload's JSON
SUMMARY_BUDGET = 900 * 1024  # bytes; GitHub drops a step summary above 1 MiB
MERMAID_LIMIT = 50_000  # characters; Mermaid's default maxTextSize
MERMAID_MAX_EDGES = 500  # Mermaid's default maxEdges: a flowchart with more is an error
_TAIL_RESERVE = MERMAID_LIMIT * 2 + 20 * 1024  # bytes kept for what follows the findings
ARTIFACTS_POINTER = (
    "Every check and finding, with full witnesses, is in the JSON report (`--report json=PATH`) "
    "and the SARIF report (`--report sarif=PATH`): keep them as the job's artifacts."
)

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
    """The Markdown report, at most `SUMMARY_BUDGET` bytes of UTF-8."""
    summary = Summary.of(result)
    verdict = "✅ passed" if result.passed else "❌ failed"
    parts: list[str] = [f"## {md(options.title)}: {verdict}", summary.line() + _revisions(result)]
    parts.extend(_notes(result.notes))
    groups = checks_by_subject(result)
    if groups:
        parts.append(_subject_table(result, groups))
    else:
        parts.append("No checks ran.")
    budget = SUMMARY_BUDGET - _TAIL_RESERVE - _size("\n\n".join(parts))

    failing = list(result.failing)
    if failing:
        parts.append(f"### Failing findings ({len(failing)})")
        shown, budget = _findings(result, failing, budget)
        parts.extend(shown)
    stale = [f for f in result.findings if f.rule == WAIVER_STALE and not fails(result, f)]
    if stale:
        parts.append(f"### Stale waivers ({len(stale)})")
        parts.append(_stale_table(stale))
    other = [
        f
        for f in result.findings
        if f.waived_by is None and not fails(result, f) and f.rule != WAIVER_STALE
    ]
    if other:
        parts.append(f"### Warnings and notices ({len(other)})")
        shown, budget = _findings(result, other, budget)
        parts.extend(shown)
    waived = [f for f in result.findings if f.waived_by is not None]
    if waived:
        parts.append(f"### Waived findings ({len(waived)})")
        parts.append(_waived_table(waived))
    skipped = [check for check in result.checks if check.skipped is not None]
    if skipped:
        parts.append(f"### Skipped checks ({len(skipped)})")
        lines = [f"- {_check_label(c)}: {md(c.skipped or '')}" for c in skipped[:MAX_LISTED]]
        if len(skipped) > MAX_LISTED:
            lines.append(f"- … and {len(skipped) - MAX_LISTED} more")
        parts.append("\n".join(lines))
    passed = [c for c in result.checks if check_verdict(result, c) in (Verdict.PASS, Verdict.WARN)]
    if passed:
        parts.append(_details(f"Passed checks ({len(passed)})", _passed(passed)))
    parts.extend(_graph_section(result.info.graph))
    if result.checks:
        parts.append(ARTIFACTS_POINTER)
    text = "\n\n".join(parts) + "\n"
    if _size(text) > SUMMARY_BUDGET:  # only notes or names of extraordinary length get here
        text = _cut_to_budget(text)
    return text


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut_to_budget(text: str) -> str:
    note = f"\n\n… the rest is left out (GitHub's limit). {ARTIFACTS_POINTER}\n"
    room = SUMMARY_BUDGET - _size(note)
    cut = text.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    # never end inside an open code fence or <details>: cut at the last paragraph break
    cut = cut[: cut.rfind("\n\n")] if "\n\n" in cut else cut
    return cut + note


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
    base, head = result.info.base, result.info.head
    parts = [
        f"{name} {code(str(value))}"
        for name, value in (("base", base), ("head", head))
        if value is not None
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _notes(notes: Iterable[str]) -> list[str]:
    return [f"> {md(note)}" for note in notes]


def _subject_table(result: Result, groups: dict[str, list[CheckResult]]) -> str:
    """Subjects with failures, then warnings, then other findings, then the rest; passed
    subjects without a finding are counted instead of listed when the table would be long."""
    header = [
        "| Subject | Verdict | Checks | Failed | Warnings | Waived |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    rows: list[tuple[int, int, str]] = []
    for order, (subject, checks) in enumerate(groups.items()):
        findings = [f for check in checks for f in check.findings]
        verdict = subject_verdict(result, checks)
        failed = sum(check_verdict(result, check) is Verdict.FAIL for check in checks)
        warnings = sum(f.waived_by is None and f.severity.value == "warning" for f in findings)
        waived = sum(f.waived_by is not None for f in findings)
        # 3: passed without a finding, the rows counted rather than listed in a long table
        rank = {Verdict.FAIL: 0, Verdict.WARN: 1}.get(verdict, 2)
        if rank == 2 and verdict is Verdict.PASS and not findings:
            rank = 3
        row = (
            f"| {md(subject)} | {_VERDICT_ICON[verdict]} | {len(checks)} | {failed} | "
            f"{warnings} | {waived} |"
        )
        rows.append((rank, order, row))
    rows.sort()
    quiet = sum(rank == 3 for rank, _, _ in rows)
    if len(rows) > MAX_SUBJECT_ROWS:
        rows = [row for row in rows if row[0] < 3]
    shown = rows[:MAX_SUBJECT_ROWS]
    lines = header + [row for _, _, row in shown]
    left = len(groups) - len(shown)
    if left:
        hidden_quiet = quiet - sum(rank == 3 for rank, _, _ in shown)
        text = f"… and {left} more {_plural(left, 'subject')}"
        if hidden_quiet:
            text += f" ({hidden_quiet} passed without a finding)"
        lines += ["", text + ": see the JSON report for each."]
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _findings(result: Result, findings: list[Finding], budget: int) -> tuple[list[str], int]:
    """The findings in full, at most `MAX_FINDINGS` and `budget` bytes (a PR comment holds
    65,536 characters, a step summary 1 MiB); the budget left."""
    parts: list[str] = []
    for finding in findings[:MAX_FINDINGS]:
        text = _finding(result, finding)
        if _size(text) + 2 > budget:
            break
        parts.append(text)
        budget -= _size(text) + 2
    if len(parts) < len(findings):
        parts.append(
            f"… and {len(findings) - len(parts)} more: see the JSON or JUnit report for all."
        )
    return parts, budget


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
        fence(truncate(payload_json(witness.payload, indent=2), MAX_WITNESS_CHARS), "json"),
    ]
    if witness.body_base64:
        encoding = (witness.body_encoding or "message").capitalize()
        lines.append(f"{md(encoding)} body (base64):\n\n" + fence(witness.body_base64))
    if witness.wire_base64:
        lines.append("Wire format (base64):\n\n" + fence(witness.wire_base64))
    return "\n\n".join(lines)


def _waived_table(findings: list[Finding]) -> str:
    rows = ["| Rule | Subject | Fingerprint | Reason |", "| --- | --- | --- | --- |"]
    rows.extend(
        f"| {code(f.rule)} | {md(f.subject)} | `{f.fingerprint}` | {md(f.waived_by or '')} |"
        for f in findings[:MAX_LISTED]
    )
    if len(findings) > MAX_LISTED:
        rows += ["", f"… and {len(findings) - MAX_LISTED} more waived findings."]
    return "\n".join(rows)


def _stale_table(findings: list[Finding]) -> str:
    """Waivers whose findings no longer occur, with where each is and what removes it."""
    rows = [
        "The findings these waivers cover no longer occur: remove them.",
        "",
        "| Waiver | Declared in | Remove with |",
        "| --- | --- | --- |",
    ]
    for finding in findings[:MAX_LISTED]:
        command = (finding.fix or "").rpartition(": ")[2]
        shown = f"`{command}`" if _REMOVE_COMMAND.match(command) else md(command)
        where = code(str(finding.location)) if finding.location else ""
        rows.append(f"| {md(finding.message)} | {where} | {shown} |")
    if len(findings) > MAX_LISTED:
        rows += ["", f"… and {len(findings) - MAX_LISTED} more stale waivers."]
    return "\n".join(rows)


def _check_label(check: CheckResult) -> str:
    return f"{md(check.subject)}: {md(check.name)}"


def _passed(checks: list[CheckResult]) -> str:
    """Passed checks counted by kind; listed one by one too when there are few."""
    kinds: dict[str, int] = {}
    for check in checks:
        kinds[check.kind.value] = kinds.get(check.kind.value, 0) + 1
    counts = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    if len(checks) > MAX_LISTED:
        return counts
    return counts + "\n\n" + _passed_list(checks)


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


def _graph_section(edges: Collection[GraphEdge] | None) -> list[str]:
    """The diagram's heading, a note when it is limited or left out, and the diagram.

    Drawn whole when it fits Mermaid's limits (`MERMAID_LIMIT` characters, `MERMAID_MAX_EDGES`
    edges); else the broken edges and their neighbours (every producer and
    consumer of a subject with a broken edge); else the broken edges with their producers; else
    the broken edges alone; else as many broken edges as fit; else left out with a note.
    """
    rows: list[GraphEdge] = [edge for edge in edges or () if len(edge) == 4]
    rows = [row for row in rows if row[1] is not None]
    if not rows:
        return []
    heading = "### Producers and consumers"
    whole = _graph(rows)
    if _fits(whole):
        return [heading, fence(whole, "mermaid")]
    too_large = (
        f"The whole graph ({len(rows)} edges) is over Mermaid's limits ({MERMAID_LIMIT:,} "
        f"characters, {MERMAID_MAX_EDGES} edges)"
    )
    broken = [row for row in rows if row[3]]
    if not broken:
        return [heading, f"> {too_large}, and none of its edges is broken: not drawn."]
    subjects = {row[1] for row in broken}
    alone = [(None, subject, consumer, True) for _, subject, consumer, _ in broken]
    choices = (
        ([row for row in rows if row[1] in subjects], "the broken edges and their neighbours"),
        (broken, "the broken edges and their producers"),
        (alone, "the broken edges only"),
    )
    for chosen, what in choices:
        text = _graph(chosen)
        if _fits(text):
            note = f"> {too_large}: showing {what} ({len(chosen)} of {len(rows)} edges)."
            return [heading, note, fence(text, "mermaid")]
    count = min(len(alone), MERMAID_MAX_EDGES)
    while count > 0 and not _fits(text := _graph(alone[:count])):
        count = count * 9 // 10
    if count > 0:
        note = (
            f"> {too_large}, and so are its {len(broken)} broken edges: showing the first "
            f"{count}. The failing findings name every broken consumer."
        )
        return [heading, note, fence(text, "mermaid")]
    return [
        heading,
        f"> {too_large}, and so are its {len(broken)} broken edges: not "
        "drawn. The failing findings name every broken consumer.",
    ]


def _fits(diagram: str) -> bool:
    links = diagram.count(" --> ") + diagram.count(" -. broken .-> ")
    return len(diagram) <= MERMAID_LIMIT and links <= MERMAID_MAX_EDGES


def _graph(edges: Sequence[GraphEdge]) -> str:
    """A Mermaid flowchart of (producer, subject, consumer, broken) edges; empty without edges.

    A broken edge is drawn dotted and red, from the subject to the consumer that cannot read
    what the producer writes; a producer or consumer that is None is left out.
    """
    rows: list[GraphEdge] = [edge for edge in edges or () if len(edge) == 4]
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
    return "\n".join(lines)
