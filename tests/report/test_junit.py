from __future__ import annotations

import pytest
from junitparser import Failure, JUnitXml, Skipped, TestCase
from lxml import etree

from gate.model import CheckKind, CheckResult, Finding, Result, Severity
from gate.report import RenderOptions
from gate.report.junit import render
from tests.support.paths import REPORT_SCHEMAS

XSD_PATH = REPORT_SCHEMAS / "junit.xsd"


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    if not XSD_PATH.exists():
        pytest.fail(f"reference schema missing: {XSD_PATH}")
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def _xml(result: Result) -> bytes:
    return render(result, RenderOptions()).encode("utf-8")


def _cases(result: Result) -> dict[tuple[str, str], TestCase]:
    xml = JUnitXml.fromstring(_xml(result))
    return {(case.classname, case.name): case for suite in xml for case in suite}


def test_every_sample_validates_against_the_junit_xsd(
    any_result: Result, xsd: etree.XMLSchema
) -> None:
    document = etree.fromstring(_xml(any_result))
    assert xsd.validate(document), xsd.error_log


def test_one_suite_per_subject_one_case_per_check(failing_result: Result) -> None:
    xml = JUnitXml.fromstring(_xml(failing_result))
    suites = {suite.name: [case.name for case in suite] for suite in xml}
    assert suites == {
        "orders-value": ["BACKWARD vs git:main", "contract fraud-detector"],
        "ünïcødé-événements": ["simulation: 12 payloads"],
        "payments-value": ["drift vs registry"],
        "users-value": ["valid Avro"],
    }
    assert {suite.name: (suite.tests, suite.failures, suite.skipped) for suite in xml} == {
        "orders-value": (2, 1, 0),
        "ünïcødé-événements": (1, 0, 1),
        "payments-value": (1, 0, 1),
        "users-value": (1, 0, 0),
    }
    root = etree.fromstring(_xml(failing_result))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "0")
    assert all(case.classname == suite.name for suite in xml for case in suite)


def test_a_failing_check_has_one_failure_with_every_failing_finding(
    failing_result: Result,
) -> None:
    case = _cases(failing_result)[("orders-value", "BACKWARD vs git:main")]
    assert [type(r) for r in case.result] == [Failure]
    failure = case.result[0]
    first, second, warning = failing_result.checks[0].findings
    assert failure.type == first.rule
    assert failure.message == first.message
    text = failure.text
    for finding in (first, second):
        assert f"{finding.rule} (fails the gate)" in text
        assert f"fingerprint: {finding.fingerprint}" in text
    assert "location: schemas/orders.avsc:12" in text
    assert 'fix: add "default": "EUR" to field currency' in text
    assert "writer: git:main:schemas/orders.avsc" in text
    assert "error: missing field 'currency' with no default" in text
    assert "avro body (base64): DgxoZWxsbw==" in text
    assert "wire format (base64): AAAAAAEODGhlbGxv" in text
    assert '"note": "é ☃"' in text
    assert second.message.replace("\r\n", "\n") in text.replace("\r\n", "\n")
    assert warning.rule not in text
    assert f"{warning.rule} (does not fail the gate)" in case.system_out


def test_passed_check_has_no_result(failing_result: Result) -> None:
    case = _cases(failing_result)[("orders-value", "contract fraud-detector")]
    assert case.is_passed
    assert case.time == pytest.approx(0.2)


def test_waived_findings_skip_the_case_with_the_reason(failing_result: Result) -> None:
    case = _cases(failing_result)[("ünïcødé-événements", "simulation: 12 payloads")]
    assert [type(r) for r in case.result] == [Skipped]
    assert case.result[0].message == "waived: consumers upgraded first, see the migration plan"
    assert "fingerprint: 2873e3fa" in case.result[0].text


def test_skipped_check_is_skipped_with_its_reason(failing_result: Result) -> None:
    case = _cases(failing_result)[("payments-value", "drift vs registry")]
    assert case.is_skipped
    assert case.result[0].message == "no registry configured"


def test_notes_and_info_findings_go_to_system_out(failing_result: Result) -> None:
    case = _cases(failing_result)[("users-value", "valid Avro")]
    assert case.is_passed
    assert "note: new subject" in case.system_out
    assert "SUBJECT_NEW" in case.system_out


def test_warnings_below_fail_on_are_not_failures(
    warning_result: Result, warning_fails_result: Result
) -> None:
    (case,) = _cases(warning_result).values()
    assert case.is_passed
    assert "FIELD_DOC_CHANGED (does not fail the gate)" in case.system_out
    (failing,) = _cases(warning_fails_result).values()
    assert failing.is_failure
    assert failing.result[0].type == "FIELD_DOC_CHANGED"


def test_empty_and_passed_runs(
    empty_result: Result, passed_result: Result, xsd: etree.XMLSchema
) -> None:
    assert len(list(JUnitXml.fromstring(_xml(empty_result)))) == 0
    assert all(case.is_passed for case in _cases(passed_result).values())


def test_characters_xml_cannot_hold_are_made_visible(xsd: etree.XMLSchema) -> None:
    finding = Finding("X", Severity.ERROR, "s\x01", "nul \x00 and \udcff and <&>")
    check = CheckResult("c", "s\x01", CheckKind.COMPAT, "c\x1b", (finding,), seconds=0.1 + 0.2)
    document = etree.fromstring(_xml(Result((check,))))
    assert xsd.validate(document), xsd.error_log
    failure = document.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "nul \\u0000 and \\udcff and <&>"
    assert document.find("testsuite").get("time") == "0.300"
