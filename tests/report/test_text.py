from __future__ import annotations

import json
import re

from gate.model import CheckKind, CheckResult, Finding, Result, RunInfo, Severity, Witness
from gate.report import RenderOptions
from gate.report.text import PAYLOAD_LIMIT, render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _lines(result: Result, **options: object) -> list[str]:
    return render(result, RenderOptions(**options)).splitlines()  # type: ignore[arg-type]


def _block_of(lines: list[str], rule: str) -> list[str]:
    """The lines of the first finding of `rule`: its head line and the deeper-indented ones."""
    start = next(i for i, line in enumerate(lines) if rule in line.split())
    depth = len(lines[start]) - len(lines[start].lstrip())
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= depth:
            break
        block.append(line)
    return block


def test_failing_run_groups_by_subject_with_verdicts(failing_result: Result) -> None:
    lines = _lines(failing_result)
    verdicts = {
        line.split(" ", 1)[1]: line.split(" ", 1)[0]
        for line in lines
        if line[:4] in ("PASS", "FAIL", "WARN", "SKIP")
    }
    # users-value passed with an info finding only: counted, not shown
    assert verdicts == {
        "orders-value": "FAIL",
        "ünïcødé-événements": "PASS",
        "payments-value": "SKIP",
    }
    assert lines[0] == "base main, head HEAD"
    assert "  FAIL BACKWARD vs git:main" in lines
    assert "  SKIP drift vs registry (skipped: no registry configured)" in lines
    assert lines[-1] == "4 subjects, 5 checks, 1 failed, 1 warning, 1 waived, 1 skipped"
    assert lines[-4:-1] == [
        "1 other subject passed",
        "info SUBJECT_NEW on 1 subject (-v shows them)",
        "note: registry snapshot is 3 days old",
    ]
    verbose = _lines(failing_result, verbosity=1)
    assert "PASS users-value" in verbose
    assert "1 other subject passed" not in verbose


def test_a_finding_shows_where_why_fix_witness_and_fingerprint(failing_result: Result) -> None:
    finding = failing_result.checks[0].findings[0]
    block = _block_of(_lines(failing_result), finding.rule)
    assert block[0].split() == [
        "error",
        finding.rule,
        "schemas/orders.avsc:12",
        "at",
        "/fields/3",
    ]
    assert block[1].strip() == finding.message
    assert block[2].strip() == f"fix: {finding.fix}"
    assert block[3].strip().startswith('witness: {"id": 7, "note": "é ☃"')
    assert block[3].endswith("-> missing field 'currency' with no default")
    assert block[-1].strip() == f"fingerprint: {finding.fingerprint}"


def test_waived_warning_and_info_findings_are_shown_as_such(failing_result: Result) -> None:
    lines = _lines(failing_result)
    waived = _block_of(
        lines[lines.index("PASS ünïcødé-événements") :], "AVRO_READER_FIELD_MISSING_DEFAULT"
    )
    assert any(
        line.strip() == "waived: consumers upgraded first, see the migration plan"
        for line in waived
    )
    assert _block_of(lines, "FIELD_DOC_CHANGED")[0].split()[0] == "warning"
    assert not any(line.startswith("    info SUBJECT_NEW") for line in lines)  # -v shows it
    verbose = _lines(failing_result, verbosity=1)
    assert "    note: new subject" in verbose
    assert _block_of(verbose, "SUBJECT_NEW")[0].split() == ["info", "SUBJECT_NEW"]


def test_special_characters_stay_literal_and_control_characters_are_defused(
    failing_result: Result,
) -> None:
    block = _block_of(_lines(failing_result), "AVRO_TYPE_MISMATCH")
    assert block[0].split()[2:] == [
        "schemas/dir",
        "with",
        "space/orders,v2.avsc",
        "at",
        "/fields/1/type",
    ]
    assert block[1].strip() == (
        'field "a|b" <b>bold</b> & 100% done, key: value *x* _y_ `z`\\r\\nsecond line'
    )
    hostile = Finding("X", Severity.ERROR, "s\x1b[2J", "clear \x1b[2J screen \x07")
    text = render(
        Result((CheckResult("c", "s\x1b[2J", CheckKind.COMPAT, "c", (hostile,)),)),
        RenderOptions(color=True),
    )
    assert "\x1b[2J" not in text
    assert "\x07" not in text
    assert "clear \\x1b[2J screen \\x07" in ANSI.sub("", text)


def test_colour_only_when_asked(failing_result: Result) -> None:
    plain = render(failing_result, RenderOptions(color=False))
    coloured = render(failing_result, RenderOptions(color=True))
    assert not ANSI.search(plain)
    assert "\x1b[1;31mFAIL\x1b[0m orders-value" in coloured
    assert ANSI.sub("", coloured) == plain


def test_quiet_keeps_errors_and_warnings_and_the_summary(failing_result: Result) -> None:
    lines = _lines(failing_result, verbosity=-1)
    heads = [line for line in lines if not line.startswith(" ")]
    assert [head.split()[:3] for head in heads[:-1]] == [
        ["error", "AVRO_READER_FIELD_MISSING_DEFAULT", "orders-value"],
        ["error", "AVRO_TYPE_MISMATCH", "orders-value"],
        ["warning", "FIELD_DOC_CHANGED", "orders-value"],
    ]
    assert heads[-1].startswith("4 subjects, 5 checks, 1 failed")
    text = "\n".join(lines)
    for absent in ("SUBJECT_NEW", "PASS", "note:", "waived:", "unchanged"):
        assert absent not in text


def test_passed_checks_are_listed_only_when_verbose(failing_result: Result) -> None:
    assert "  PASS contract fraud-detector" not in _lines(failing_result)
    verbose = _lines(failing_result, verbosity=1)
    assert "  PASS contract fraud-detector" in verbose
    assert any(line.strip() == "versions: git:main, git:HEAD" for line in verbose)


def test_info_findings_not_shown_are_one_line_per_rule_with_its_purpose() -> None:
    from gate.rules import all_rules

    def info(subject: str, rule: str) -> CheckResult:
        finding = Finding(rule, Severity.INFO, subject, f"{subject}: about {rule}")
        return CheckResult(f"{subject}: {rule}", subject, CheckKind.DRIFT, "drift", (finding,))

    checks = [info(f"s{i}", "DRIFT_NOT_REGISTERED") for i in range(3)]
    checks.append(info("s0", "DRIFT_SUBJECT_NOT_IN_REGISTRY"))
    lines = _lines(Result(tuple(checks)))
    purpose = all_rules()["DRIFT_NOT_REGISTERED"].purpose
    assert lines[1:3] == [
        f"info DRIFT_NOT_REGISTERED on 3 subjects (-v shows them): {purpose}",
        "info DRIFT_SUBJECT_NOT_IN_REGISTRY on 1 subject (-v shows them): "
        + all_rules()["DRIFT_SUBJECT_NOT_IN_REGISTRY"].purpose,
    ]
    assert "s1: about DRIFT_NOT_REGISTERED" in "\n".join(_lines(Result(tuple(checks)), verbosity=1))


def test_rule_purposes_from_the_catalogue_when_verbose(known_rule_result: Result) -> None:
    from gate.rules import all_rules

    known = known_rule_result.findings[0]
    purpose = f"rule: {all_rules()[known.rule].purpose}"
    assert purpose not in [line.strip() for line in _lines(known_rule_result)]
    verbose = [line.strip() for line in _lines(known_rule_result, verbosity=1)]
    assert purpose in verbose
    assert sum(line.startswith("rule: ") for line in verbose) == 1


def test_passed_run(passed_result: Result) -> None:
    assert _lines(passed_result) == [
        "2 other subjects passed",
        "info SUBJECT_NEW on 1 subject (-v shows them)",
        "2 subjects, 2 checks, 0 failed, 0 warnings, 0 waived",
    ]
    verbose = _lines(passed_result, verbosity=1)
    assert verbose[0] == "PASS orders-value"
    assert "  PASS BACKWARD vs git:main" in verbose


def test_changed_subjects_that_pass_are_one_line_and_unchanged_ones_a_count() -> None:
    def passed(subject: str, summary: str | None = None) -> CheckResult:
        return CheckResult(
            f"{subject}: git", subject, CheckKind.COMPAT, "BACKWARD vs git:main", summary=summary
        )

    checks = tuple(passed(f"s{i}-value") for i in range(124))
    changed = passed("orders-value", "BACKWARD vs main: field `coupon` added\n::error x")
    unchanged = tuple(f"s{i}-value" for i in range(124))
    result = Result((*checks, changed), info=RunInfo(unchanged=unchanged))
    assert _lines(result) == [
        "PASS orders-value (BACKWARD vs main: field `coupon` added\\n::error x)",
        "124 subjects unchanged",
        "125 subjects, 125 checks, 0 failed, 0 warnings, 0 waived",
    ]
    assert len(_lines(result, verbosity=1)) == 2 * 125 + 2


def test_warning_below_and_at_fail_on(warning_result: Result, warning_fails_result: Result) -> None:
    assert _lines(warning_result)[0] == "WARN orders-value"
    assert _lines(warning_fails_result)[0] == "FAIL orders-value"
    assert _lines(warning_fails_result, verbosity=-1)[0].split()[:2] == [
        "warning",
        "FIELD_DOC_CHANGED",
    ]


def test_empty_result(empty_result: Result) -> None:
    assert render(empty_result, RenderOptions()) == (
        "0 subjects, 0 checks, 0 failed, 0 warnings, 0 waived\n"
    )


def _with_payload(payload: object, pointer: str | None = None) -> Result:
    witness = Witness(payload, "v1", "v2", "cannot decode", pointer=pointer)
    finding = Finding("X", Severity.ERROR, "s", "broken", witness=witness)
    return Result((CheckResult("c", "s", CheckKind.SIMULATION, "sim", (finding,)),))


def test_a_long_witness_shows_its_part_at_the_finding_never_a_cut_off_prefix() -> None:
    payload = {"blob": "x" * 500, "nested": {"zip": 12345}}
    (line,) = [x for x in _lines(_with_payload(payload, "/nested/zip")) if "witness" in x]
    assert line.strip() == (
        "witness at /nested/zip (the whole payload: -vv or the JSON report): 12345 -> cannot decode"
    )
    # no place to show: the whole witness, not a prefix of it
    (line,) = [x for x in _lines(_with_payload(payload)) if "witness" in x]
    assert '"blob": "' + "x" * 500 + '"' in line
    assert '"zip": 12345' in line
    assert "more characters" not in line
    short = {"zip": 1}
    (line,) = [x for x in _lines(_with_payload(short, "/zip")) if "witness" in x]
    assert line.strip() == 'witness: {"zip": 1} -> cannot decode'
    assert len(json.dumps(payload)) > PAYLOAD_LIMIT


def test_long_witness_payloads_are_whole_when_very_verbose() -> None:
    result = _with_payload({"blob": "x" * 500})
    full = "\n".join(_lines(result, verbosity=2))
    assert "x" * 500 in full
    assert "writer: v1" in full
    assert "reader: v2" in full
