from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from gate.model import CheckKind, CheckResult, Finding, Location, Result, RunInfo, Severity, Witness
from gate.report import RenderOptions
from gate.report.markdown import (
    ARTIFACTS_POINTER,
    MAX_FINDINGS,
    MERMAID_LIMIT,
    MERMAID_MAX_EDGES,
    SUMMARY_BUDGET,
    fence,
    md,
    mermaid_label,
    render,
)
from tests.support.reports import PROJECT, build_monorepo

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.runner import GateRunner


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
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(_cells(line))
    return rows


def test_heading_carries_the_verdict(failing_result: Result, passed_result: Result) -> None:
    assert _md(failing_result).splitlines()[0] == "## gate: ❌ failed"
    assert _md(passed_result, title="schemas").splitlines()[0] == "## schemas: ✅ passed"


def test_subject_table(failing_result: Result) -> None:
    rows = _table(
        _md(failing_result), "| Subject | Verdict | Checks | Failed | Warnings | Waived |"
    )
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
    assert f"#### `{first.rule}`" in section
    assert f"#### `{second.rule}`" in section
    assert warning.rule not in section
    assert f"**Fix:** {md(first.fix or '')}" in section
    assert f"Fingerprint: `{first.fingerprint}`" in section
    details = re.search(
        r"<details><summary>(.*?)</summary>\n\n(.*?)\n\n</details>", section, re.DOTALL
    )
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
    assert len(row) == 6
    assert _unescape(row[0]) == "a|b*c"
    (waived,) = _table(text, "| Rule | Subject | Fingerprint | Reason |")
    assert len(waived) == 4
    assert _unescape(waived[3]) == "because | reasons"


def test_warnings_waived_skipped_and_passed_sections(failing_result: Result) -> None:
    text = _md(failing_result)
    assert "FIELD_DOC_CHANGED" in _section(text, "Warnings and notices")
    waived = _table(text, "| Rule | Subject | Fingerprint | Reason |")
    assert [(row[2], _unescape(row[3])) for row in waived] == [
        ("`2873e3fa`", "consumers upgraded first, see the migration plan"),
    ]
    assert "no registry configured" in _section(text, "Skipped checks (1)")
    passed = re.search(
        r"<details><summary>Passed checks \((\d+)\)</summary>\n\n(.*?)\n\n"
        r"</details>",
        text,
        re.DOTALL,
    )
    assert passed is not None
    assert passed.group(1) == "3"
    assert passed.group(2).startswith("1 contract, 1 simulation, 1 validity\n\n")
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
        "orders-value",
        "checkout",
        "billing",
        "fraud-detector",
        "analytics #34;prod#34;",
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
    assert '"' not in label
    assert "<" not in label
    assert "`" not in label
    assert "\n" not in label
    assert label.startswith("a#34;#93;#59; click x")


def test_fences_are_longer_than_any_backtick_run_inside() -> None:
    block = fence("a ```` b", "json")
    assert block.startswith("`````json\n")
    assert block.endswith("\n`````")
    witness = Witness({"s": "```"}, "v1", "v2", "e")
    finding = Finding("X", Severity.ERROR, "s", "m", witness=witness)
    text = _md(Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),)))
    body = re.search(r"````json\n(.*?)\n````", text, re.DOTALL)
    assert body is not None
    assert json.loads(body.group(1)) == {"s": "```"}


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


# ---------------------------------------------------------------- GitHub's and Mermaid's limits


def _mermaid(text: str) -> str | None:
    found = re.search(r"```mermaid\n(.*?)\n```", text, re.DOTALL)
    return found.group(1) if found else None


def _monorepo_scale(subjects: int, failing: int, consumers: int = 3) -> Result:
    """A run over `subjects` subjects as the pipeline builds it: for each, a validity check,
    compatibility against the git base and the registry, drift, and `consumers` contract checks;
    `failing` of them break against both baselines (each finding with a witness) and break one
    consumer. The contract graph has a producer and `consumers` consumers per subject."""
    checks: list[CheckResult] = []
    edges: list[tuple[str | None, str, str | None, bool]] = []
    witness = Witness(
        {"id": "order-0001", "amount": 1250, "lines": [{"sku": "A-1"}] * 20},
        "git:0e5704b:schemas/orders.avsc",
        "schemas/orders.avsc",
        "SchemaResolutionError: No default value for field contact",
        wire_base64="AAAAAAEA" * 20,
        body_base64="AAAA" * 40,
        body_encoding="avro",
    )
    for n in range(subjects):
        subject = f"team-{n % 40:02d}.domain-{n:04d}.orders-value"
        path = f"services/team-{n % 40:02d}/schemas/orders-{n:04d}.avsc"
        broken = n < failing

        def finding(
            check: str,
            rule: str = "AVRO_READER_FIELD_MISSING_DEFAULT",
            subject: str = subject,
            path: str = path,
        ) -> Finding:
            return Finding(
                rule,
                Severity.ERROR,
                subject,
                "field `contact` (in record `Order`) has no default and is missing "
                "from the writer schema, so the reader cannot fill it",
                path="/fields/2",
                location=Location(path, 8),
                versions=("writer: git:0e5704b:" + path, "reader: " + path),
                witness=witness,
                fix="give `contact` a default",
                check=f"{subject}: {check}",
            )

        checks.append(
            CheckResult(
                f"{subject}: valid", subject, CheckKind.VALIDITY, f"valid AVRO schema ({path})"
            )
        )
        for against in ("git base", "registry latest"):
            found = (finding(f"backward vs {against}"),) if broken else ()
            checks.append(
                CheckResult(
                    f"{subject}: backward vs {against}",
                    subject,
                    CheckKind.COMPAT,
                    f"BACKWARD vs {against}",
                    found,
                )
            )
        checks.append(
            CheckResult(
                f"{subject}: drift vs registry", subject, CheckKind.DRIFT, "drift vs registry"
            )
        )
        for c in range(consumers):
            consumer = f"consumer-{n:04d}-{c}"
            bad = broken and c == 0
            found = (finding(f"producer-{n:04d} -> {consumer}"),) if bad else ()
            checks.append(
                CheckResult(
                    f"{subject}: producer-{n:04d} -> {consumer}",
                    subject,
                    CheckKind.CONTRACT,
                    f"{consumer} reads what is written",
                    found,
                )
            )
            edges.append((f"producer-{n:04d}", subject, consumer, bad))
    return Result(tuple(checks), info=RunInfo(base="0e5704b", head="worktree", graph=edges))


def test_5000_subjects_with_300_failing_stay_within_the_summary_budget(
    mermaid_parse: Callable[[list[str]], list[dict[str, object]]],
) -> None:
    result = _monorepo_scale(5000, 300)
    text = _md(result)
    assert len(text.encode("utf-8")) < SUMMARY_BUDGET == 900 * 1024
    diagram = _mermaid(text)
    assert diagram is not None
    assert len(diagram) < MERMAID_LIMIT == 50_000
    (parsed,) = mermaid_parse([diagram])
    assert parsed["ok"] is True, parsed
    assert parsed["maxTextSize"] == MERMAID_LIMIT
    # the diagram is the broken part: the 300 broken edges (with their neighbours they would
    # be 1,200, over Mermaid's limit of 500 edges)
    assert diagram.count("-. broken .->") == 300
    assert "-->" not in diagram
    assert "showing the broken edges only (300 of 15000 edges)" in text
    # subjects with findings first; the 4,700 that passed without a finding are counted
    rows = _table(text, "| Subject | Verdict | Checks | Failed | Warnings | Waived |")
    assert len(rows) == 300
    assert all(row[1] == "❌ FAIL" for row in rows)
    assert "… and 4700 more subjects (4700 passed without a finding)" in text
    passed = re.search(
        r"<summary>Passed checks \((\d+)\)</summary>\n\n(.*?)\n\n</details>", text, re.DOTALL
    )
    assert passed is not None
    assert passed.group(1) == str(len(result.checks) - 900)
    assert passed.group(2) == "5000 validity, 5000 drift, 14700 contract, 9400 compat"
    assert "### Failing findings (900)" in text
    assert ARTIFACTS_POINTER in text


def test_the_graph_is_whole_when_it_fits_else_limited_to_what_is_broken(
    mermaid_parse: Callable[[list[str]], list[dict[str, object]]],
) -> None:
    def drawn(subjects: int, failing: int, consumers: int, note: str | None) -> str:
        text = _md(_monorepo_scale(subjects, failing, consumers))
        diagram = _mermaid(text)
        assert diagram is not None
        assert len(diagram) < MERMAID_LIMIT
        links = diagram.count(" --> ") + diagram.count(" -. broken .-> ")
        assert links <= MERMAID_MAX_EDGES
        if note is None:
            assert "over Mermaid's limits" not in text
        else:
            assert note in text
        return diagram

    diagrams = [
        drawn(20, 2, 3, None),
        drawn(200, 20, 3, "showing the broken edges and their neighbours (60 of 600 edges)"),
        drawn(300, 200, 3, "showing the broken edges and their producers (200 of 900 edges)"),
        drawn(600, 450, 1, "showing the broken edges only (450 of 600 edges)"),
        drawn(1200, 1200, 1, "and so are its 1200 broken edges: showing the first 450."),
    ]
    assert diagrams[0].count(" --> ") + diagrams[0].count(".->") == 20 * 4
    verdicts = mermaid_parse(diagrams)
    assert [v["ok"] for v in verdicts] == [True] * len(diagrams), verdicts


def test_mermaid_refuses_what_the_limits_keep_out(
    mermaid_parse: Callable[[list[str]], list[dict[str, object]]],
) -> None:
    # the unlimited graph of 502 edges: what GitHub showed as an error before
    edges = [(f"p{n}", f"subject-{n}", f"c{n}", False) for n in range(251)]
    result = Result((), info=RunInfo(graph=edges))
    from gate.report.markdown import _graph

    (verdict,) = mermaid_parse([_graph(edges)])
    assert verdict["ok"] is False
    assert "Edge limit exceeded" in str(verdict["error"])
    text = _md(result)
    assert _mermaid(text) is None
    assert "none of its edges is broken: not drawn" in text


def test_a_graph_nothing_of_which_fits_is_left_out_with_a_note() -> None:
    edges = [("p", "s" * 60_000, "c", True)]
    text = _md(Result((), info=RunInfo(graph=edges)))
    assert _mermaid(text) is None
    assert "and so are its 1 broken edges: not drawn" in text
    calm = _md(_monorepo_scale(3000, 0))
    assert _mermaid(calm) is None
    assert "none of its edges is broken: not drawn" in calm


def test_huge_witnesses_and_long_lists_are_cut_to_the_budget() -> None:
    witness = Witness({"blob": "x" * 200_000}, "v1", "v2", "too long")
    findings = tuple(
        Finding(f"R{i}", Severity.ERROR, "s", f"m{i}", witness=witness) for i in range(40)
    )
    waived = tuple(Finding("W", Severity.ERROR, "s", f"w{i}", waived_by="ok") for i in range(300))
    skipped = tuple(
        CheckResult(f"k{i}", "s", CheckKind.DRIFT, f"k{i}", skipped="no registry")
        for i in range(300)
    )
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", findings + waived), *skipped))
    text = _md(result)
    assert len(text.encode("utf-8")) < SUMMARY_BUDGET
    assert "(196000 more characters)" in text or "more characters)" in text
    assert "… and 250 more waived findings." in text
    assert "- … and 250 more" in _section(text, "Skipped checks")


def test_a_real_run_summary_points_to_the_full_reports(
    gate_cli: GateRunner, tmp_path: Path
) -> None:
    repo = build_monorepo(tmp_path / "repo")
    summary = tmp_path / "summary.md"
    run = gate_cli(
        ["check", "--base", "HEAD", "--report", f"markdown={summary}"], cwd=repo.root / PROJECT
    )
    assert run.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    rows = _table(text, "| Subject | Verdict | Checks | Failed | Warnings | Waived |")
    assert [row[1] for row in rows] == ["❌ FAIL", "❌ FAIL", "⚠️ WARN", "✅ PASS"]
    assert {_unescape(row[0]) for row in rows[:2]} == {"orders-value", "refund-value"}
    assert "### Failing findings" in text
    assert ARTIFACTS_POINTER in text
    diagram = _mermaid(text)
    assert diagram is None or len(diagram) < MERMAID_LIMIT


def test_a_note_of_extraordinary_length_is_cut_to_the_budget() -> None:
    finding = Finding("R", Severity.ERROR, "s", "m")
    result = Result(
        (CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),), notes=("é" * 600_000,)
    )
    text = _md(result)
    assert len(text.encode("utf-8")) <= SUMMARY_BUDGET
    assert text.endswith(f"the rest is left out (GitHub's limit). {ARTIFACTS_POINTER}\n")
