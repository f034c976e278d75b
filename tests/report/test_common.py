from __future__ import annotations

import datetime
import decimal
import json
import uuid

from gate.model import CheckKind, CheckResult, Finding, Result, Severity
from gate.report.common import (
    Summary,
    Verdict,
    check_verdict,
    combine,
    jsonable,
    payload_json,
    printable,
    truncate,
)


def test_summary_of_the_failing_sample(failing_result: Result) -> None:
    summary = Summary.of(failing_result)
    assert (summary.subjects, summary.checks) == (4, 5)
    assert (summary.passed_checks, summary.failed_checks, summary.skipped_checks) == (3, 1, 1)
    assert (summary.findings, summary.failing_findings) == (5, 2)
    assert (summary.errors, summary.warnings, summary.infos, summary.waived) == (2, 1, 1, 1)
    assert summary.line() == "4 subjects, 5 checks, 1 failed, 1 warning, 1 waived, 1 skipped"


def test_summary_of_an_empty_result(empty_result: Result) -> None:
    assert Summary.of(empty_result).line() == "0 subjects, 0 checks, 0 failed, 0 warnings, 0 waived"


def test_fail_on_decides_whether_a_warning_fails(
    warning_result: Result, warning_fails_result: Result
) -> None:
    assert check_verdict(warning_result, warning_result.checks[0]) is Verdict.WARN
    assert check_verdict(warning_fails_result, warning_fails_result.checks[0]) is Verdict.FAIL
    assert Summary.of(warning_fails_result).failed_checks == 1


def test_a_skipped_check_that_still_fails_is_a_failure() -> None:
    finding = Finding("SCHEMA_UNREADABLE", Severity.ERROR, "s", "cannot read")
    check = CheckResult("c", "s", CheckKind.VALIDITY, "c", (finding,), skipped="no input")
    assert check_verdict(Result((check,)), check) is Verdict.FAIL


def test_verdicts_combine_worst_first() -> None:
    assert combine([Verdict.PASS, Verdict.FAIL, Verdict.WARN]) is Verdict.FAIL
    assert combine([Verdict.SKIP, Verdict.WARN]) is Verdict.WARN
    assert combine([Verdict.SKIP, Verdict.PASS]) is Verdict.PASS
    assert combine([Verdict.SKIP, Verdict.SKIP]) is Verdict.SKIP
    assert combine([]) is Verdict.PASS


def test_payloads_become_plain_json() -> None:
    value = {
        "bytes": b"\x00\xff",
        "decimal": decimal.Decimal("1.50"),
        "when": datetime.date(2026, 1, 31),
        "id": uuid.UUID(int=1),
        "nan": float("nan"),
        "tuple": (1, 2),
        1: None,
    }
    data = jsonable(value)
    assert json.loads(json.dumps(data, allow_nan=False)) == {
        "bytes": "\x00\xff",
        "decimal": "1.50",
        "when": "2026-01-31",
        "id": "00000000-0000-0000-0000-000000000001",
        "nan": "nan",
        "tuple": [1, 2],
        "1": None,
    }
    assert "\n" not in payload_json(value)


def test_truncate_says_how_much_is_left_out() -> None:
    assert truncate("abc", 5) == "abc"
    assert truncate("a" * 30, 10) == "a" * 10 + "… (20 more characters)"


def test_printable_defuses_control_characters() -> None:
    assert printable("red \x1b[31m bell \x07 tab\tok \ud800") == (
        "red \\x1b[31m bell \\x07 tab\\tok \\ud800"
    )
    assert printable("a\n::error x\r\ny\u2028z\u2029\x85\x9b") == (
        "a\\n::error x\\r\\ny\\u2028z\\u2029\\x85\\x9b"
    )
