from __future__ import annotations

import json
import re

from gate.model import CheckKind, CheckResult, Finding, Result, Severity, Witness
from gate.report import RenderOptions
from gate.report.markdown import MAX_FINDINGS, fence, md, mermaid_label, render


def _md(result: Result, **options: object) -> str:
    return render(result, RenderOptions(**options))  # type: ignore[arg-type]


def _section(text: str, heading: str) -> str:
    """The text under a `### heading` up to the next `###` heading."""
    start = text.index(f"### {heading}")
    end = text.find("\n### ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _cells(row: str) -> list[str]:
    """The cells of a table row, splitting only on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _unescape(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _table(text: str, header: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(_cells(line))
    return rows


def test_heading_carries_the_verdict(failing_result: Result, passed_result: Result) -> None:
    assert _md(failing_result).splitlines()[0] == "## gate: ❌ failed"
    assert _md(passed_result, title="schemas").splitlines()[0] == "## schemas: ✅ passed"


def test_subject_table(failing_result: Result) -> None:
    rows = _table(_md(failing_result),
                  "| Subject | Verdict | Checks | Failed | Warnings | Waived |")
    assert [[_unescape(row[0]), *row[1:]] for row in rows] == [
        ["orders-value", "❌ FAIL", "2", "1", "1", "0"],
        ["ünïcødé-événements", "✅ PASS", "1", "0", "0", "1"],
        ["payments-value", "⏭️ SKIP", "1", "0", "0", "0"],
        ["users-value", "✅ PASS", "1", "0", "0", "0"],
    ]


def test_failing_findings_with_fix_and_folded_witness(failing_result: Result) -> None:
    section = _section(_md(failing_result), "Failing findings")
    first, second, warning = failing_result.checks[0].findings
    assert section.startswith("### Failing findings (2)")
    assert f"#### `{first.rule}`" in section and f"#### `{second.rule}`" in section
    assert warning.rule not in section
    assert f"**Fix:** {md(first.fix or '')}" in section
    assert f"Fingerprint: `{first.fingerprint}`" in section
    details = re.search(r"<details><summary>(.*?)</summary>\n\n(.*?)\n\n</details>", section,
                        re.DOTALL)
    assert details is not None
    payload = re.search(r"```json\n(.*?)\n```", details.group(2), re.DOTALL)
    assert payload is not None
    assert json.loads(payload.group(1)) == first.witness.payload  # type: ignore[union-attr]
    assert "DgxoZWxsbw==" in details.group(2)


def test_special_characters_are_escaped(failing_result: Result) -> None:
    section = _section(_md(failing_result), "Failing findings")
    message = failing_result.checks[0].findings[1].message
    escaped = md(message)
    assert escaped in section
    assert "<b>" not in section
    assert _unescape(escaped.replace("<br>", "\n")) == message.replace("\r\n", "\n")
    assert md("a|b") == "a\\|b"
    assert md("*x* _y_ `z` [l](u) # <i>") == (
        "\\*x\\* \\_y\\_ \\`z\\` \\[l\\]\\(u\\) \\# &lt;i&gt;"
    )


def test_table_cells_with_pipes_keep_the_table_shape() -> None:
    finding = Finding("X", Severity.ERROR, "a|b*c", "m", waived_by="because | reasons")
    result = Result((CheckResult("c", "a|b*c", CheckKind.COMPAT, "c", (finding,)),))
    text = _md(result)
    (row,) = _table(text, "| Subject | Verdict | Checks | Failed | Warnings | Waived |")
    assert len(row) == 6 and _unescape(row[0]) == "a|b*c"
    (waived,) = _table(text, "| Rule | Subject | Fingerprint | Reason |")
    assert len(waived) == 4 and _unescape(waived[3]) == "because | reasons"


def test_warnings_waived_skipped_and_passed_sections(failing_result: Result) -> None:
    text = _md(failing_result)
    assert "FIELD_DOC_CHANGED" in _section(text, "Warnings and notices")
    waived = _table(text, "| Rule | Subject | Fingerprint | Reason |")
    assert [(row[2], _unescape(row[3])) for row in waived] == [
        ("`2873e3fa`", "consumers upgraded first, see the migration plan"),
    ]
    assert "no registry configured" in _section(text, "Skipped checks (1)")
    passed = re.search(r"<details><summary>Passed checks \((\d+)\)</summary>\n\n(.*?)\n\n"
                       r"</details>", text, re.DOTALL)
    assert passed is not None and passed.group(1) == "3"
    assert "contract fraud\\-detector" in passed.group(2)


def test_mermaid_graph_marks_broken_edges(failing_result: Result) -> None:
    text = _md(failing_result)
    graph = re.search(r"```mermaid\n(.*?)\n```", text, re.DOTALL)
    assert graph is not None
    lines = [line.strip() for line in graph.group(1).splitlines()]
    assert lines[0] == "flowchart LR"
    labels = dict(re.findall(r'^(\w+)\(?\["(.*?)"\]\)?$', "\n".join(lines), re.MULTILINE))
    ids = {label: node for node, label in labels.items()}
    assert set(labels.values()) == {
        "orders-value", "checkout", "billing", "fraud-detector", "analytics #34;prod#34;",
    }
    edges = [line for line in lines if "-->" in line or ".->" in line]
    subject, broken = ids["orders-value"], ids["analytics #34;prod#34;"]
    assert f"{subject} -. broken .-> {broken}" in edges
    assert f"{subject} --> {ids['fraud-detector']}" in edges
    assert f"{ids['checkout']} --> {subject}" in edges
    assert len(edges) == 4
    assert f"class {broken} broken" in lines
    index = edges.index(f"{subject} -. broken .-> {broken}")
    assert f"linkStyle {index} stroke:#d00,color:#d00" in lines


def test_no_graph_section_without_a_graph(passed_result: Result, empty_result: Result) -> None:
    assert "mermaid" not in _md(passed_result)
    assert "No checks ran." in _md(empty_result)
    assert "mermaid" not in _md(empty_result)


def test_mermaid_labels_cannot_break_out() -> None:
    label = mermaid_label('a"]; click x "js:alert()" #1 <b>\nnext `code`')
    assert '"' not in label and "<" not in label and "`" not in label and "\n" not in label
    assert label.startswith("a#34;#93;#59; click x")


def test_fences_are_longer_than_any_backtick_run_inside() -> None:
    block = fence("a ```` b", "json")
    assert block.startswith("`````json\n") and block.endswith("\n`````")
    witness = Witness({"s": "```"}, "v1", "v2", "e")
    finding = Finding("X", Severity.ERROR, "s", "m", witness=witness)
    text = _md(Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),)))
    body = re.search(r"````json\n(.*?)\n````", text, re.DOTALL)
    assert body is not None and json.loads(body.group(1)) == {"s": "```"}


def test_rule_purpose_from_the_catalogue(known_rule_result: Result) -> None:
    from gate.rules import all_rules

    known = known_rule_result.findings[0]
    assert f"*Rule:* {md(all_rules()[known.rule].purpose)}" in _md(known_rule_result)


def test_warning_below_fail_on_is_not_a_failing_finding(
    warning_result: Result, warning_fails_result: Result
) -> None:
    assert "### Failing findings" not in _md(warning_result)
    assert "FIELD_DOC_CHANGED" in _section(_md(warning_result), "Warnings and notices")
    assert "FIELD_DOC_CHANGED" in _section(_md(warning_fails_result), "Failing findings")


def test_long_finding_lists_are_cut_with_a_pointer_to_the_full_reports() -> None:
    count = MAX_FINDINGS + 3
    findings = tuple(Finding(f"R{i}", Severity.ERROR, "s", f"m{i}") for i in range(count))
    text = _md(Result((CheckResult("c", "s", CheckKind.COMPAT, "c", findings),)))
    section = _section(text, "Failing findings")
    assert section.startswith(f"### Failing findings ({MAX_FINDINGS + 3})")
    assert section.count("\n#### ") == MAX_FINDINGS
    assert "… and 3 more: see the JSON or JUnit report for all." in section
