from __future__ import annotations

import json
import os
import stat
from typing import TYPE_CHECKING

import pytest
from junitparser import Failure, JUnitXml, Skipped, TestCase
from lxml import etree

from gate.model import CheckKind, CheckResult, Finding, Result, Severity
from gate.report import RenderOptions
from gate.report.junit import render
from tests.support.paths import REPORT_SCHEMAS
from tests.support.reports import ORDERS_V1, PROJECT, build_monorepo, export_snapshot

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

XSD_PATH = REPORT_SCHEMAS / "junit.xsd"


class JenkinsXsd:
    """Jenkins' xUnit `junit-10.xsd`. It predates the testcase `file` attribute that GitLab and
    junit2html read (its testsuite has one), so that attribute is left out before validating."""

    def __init__(self) -> None:
        if not XSD_PATH.exists():
            pytest.fail(f"reference schema missing: {XSD_PATH}")
        self.schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))

    def validate(self, document: etree._Element) -> bool:
        copy = etree.fromstring(etree.tostring(document))
        for case in copy.iter("testcase"):
            case.attrib.pop("file", None)
        return bool(self.schema.validate(copy))

    @property
    def error_log(self) -> object:
        return self.schema.error_log


@pytest.fixture(scope="module")
def xsd() -> JenkinsXsd:
    return JenkinsXsd()


def _xml(result: Result) -> bytes:
    return render(result, RenderOptions()).encode("utf-8")


def _cases(result: Result) -> dict[tuple[str, str], TestCase]:
    xml = JUnitXml.fromstring(_xml(result))
    return {(case.classname, case.name): case for suite in xml for case in suite}


def test_every_sample_validates_against_the_junit_xsd(any_result: Result, xsd: JenkinsXsd) -> None:
    document = etree.fromstring(_xml(any_result))
    assert xsd.validate(document), xsd.error_log


def test_one_suite_per_subject_one_case_per_check(failing_result: Result) -> None:
    xml = JUnitXml.fromstring(_xml(failing_result))
    suites = {suite.name: [case.name for case in suite] for suite in xml}
    assert suites == {
        "orders-value": ["BACKWARD vs git:main", "contract fraud-detector"],
        "ünïcødé-événements": ["events: simulation"],
        "payments-value": ["drift"],
        "users-value": ["validity"],
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
    case = _cases(failing_result)[("ünïcødé-événements", "events: simulation")]
    assert [type(r) for r in case.result] == [Skipped]
    assert case.result[0].message == "waived: consumers upgraded first, see the migration plan"
    assert "fingerprint: 2873e3fa" in case.result[0].text


def test_skipped_check_is_skipped_with_its_reason(failing_result: Result) -> None:
    case = _cases(failing_result)[("payments-value", "drift")]
    assert case.is_skipped
    assert case.result[0].message == "no registry configured"


def test_notes_and_info_findings_go_to_system_out(failing_result: Result) -> None:
    case = _cases(failing_result)[("users-value", "validity")]
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
    empty_result: Result, passed_result: Result, xsd: JenkinsXsd
) -> None:
    assert len(list(JUnitXml.fromstring(_xml(empty_result)))) == 0
    assert all(case.is_passed for case in _cases(passed_result).values())


def test_characters_xml_cannot_hold_are_made_visible(xsd: JenkinsXsd) -> None:
    finding = Finding("X", Severity.ERROR, "s\x01", "nul \x00 and \udcff and <&>")
    check = CheckResult("c", "s\x01", CheckKind.COMPAT, "c\x1b", (finding,), seconds=0.1 + 0.2)
    document = etree.fromstring(_xml(Result((check,))))
    assert xsd.validate(document), xsd.error_log
    failure = document.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "nul \\u0000 and \\udcff and <&>"
    assert document.find("testsuite").get("time") == "0.300"


# ------------------------------------------------------------------ the real command, twice


def _names_and_files(path: Path) -> tuple[list[tuple[str, str]], list[str | None]]:
    document = etree.parse(str(path)).getroot()
    cases = list(document.iter("testcase"))
    return [(c.get("classname"), c.get("name")) for c in cases], [c.get("file") for c in cases]


def test_names_are_the_same_against_another_base_and_other_registry_ids(
    gate_cli: GateRunner, tmp_path: Path, xsd: JenkinsXsd
) -> None:
    repo = build_monorepo(tmp_path / "repo")
    project = repo.root / PROJECT
    first_base = repo.sha("HEAD")  # CI passes the pull request's base commit
    first = gate_cli(
        [
            "check",
            "--base",
            first_base,
            "--report",
            f"junit={tmp_path / 'a.xml'}",
            "--report",
            f"json={tmp_path / 'a.json'}",
        ],
        cwd=project,
    )
    assert first.exit_code == 1, first.stdout + first.stderr
    # a new base commit, and the registry re-exported with the schema under another id
    export_snapshot(project / "registry-snapshot", [("orders-value", ORDERS_V1)], unrelated=3)
    repo.git("add", f"{PROJECT}/registry-snapshot")
    repo.git("commit", "-q", "-m", "registry snapshot again")
    assert repo.sha("HEAD") != first_base
    second = gate_cli(
        [
            "check",
            "--base",
            repo.sha("HEAD"),
            "--report",
            f"junit={tmp_path / 'b.xml'}",
            "--report",
            f"json={tmp_path / 'b.json'}",
        ],
        cwd=project,
    )
    assert second.exit_code == 1, second.stdout + second.stderr

    names_a, files_a = _names_and_files(tmp_path / "a.xml")
    names_b, files_b = _names_and_files(tmp_path / "b.xml")
    assert names_a == names_b
    assert ("orders-value", "backward vs git base") in names_a
    assert ("orders-value", "backward vs registry latest") in names_a
    assert ("orders-value", "checkout -> fraud-detector") in names_a
    for name in (n for _, n in names_a):
        assert first_base[:7] not in name
        assert "(id " not in name
        assert "git:" not in name
    # the runs did differ in what they compared with: the exact versions are in system-out
    ids = {json.dumps(json.loads((tmp_path / f"{run}.json").read_text())["base"]) for run in "ab"}
    assert len(ids) == 2
    out_a = (tmp_path / "a.xml").read_text(encoding="utf-8")
    out_b = (tmp_path / "b.xml").read_text(encoding="utf-8")
    assert "snapshot:orders-value@1 (id 1)" in out_a
    assert "snapshot:orders-value@1 (id 4)" in out_b
    assert f'name="base" value="{first_base[:7]}' in out_a
    # every case names its file, repository-relative; the XSD holds otherwise
    assert files_a == files_b
    assert all(files_a)
    assert f"{PROJECT}/schemas/orders.avsc" in files_a
    assert xsd.validate(etree.parse(str(tmp_path / "a.xml")).getroot()), xsd.error_log


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_report_files_get_the_umask_permissions(
    gate_cli: GateRunner, tmp_path: Path, umask: int
) -> None:
    repo = build_monorepo(tmp_path / "repo")
    previous = os.umask(umask)
    try:
        run = gate_cli(
            [
                "check",
                "--base",
                "HEAD",
                "--report",
                f"junit={tmp_path / 'r.xml'}",
                "--report",
                f"sarif={tmp_path / 'deep' / 'r.sarif'}",
            ],
            cwd=repo.root / PROJECT,
        )
    finally:
        os.umask(previous)
    assert run.exit_code == 1, run.stderr
    for path in (tmp_path / "r.xml", tmp_path / "deep" / "r.sarif"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    # a report written again keeps the permissions it was given
    (tmp_path / "r.xml").chmod(0o640)
    again = gate_cli(
        ["check", "--base", "HEAD", "--report", f"junit={tmp_path / 'r.xml'}"],
        cwd=repo.root / PROJECT,
    )
    assert again.exit_code == 1
    assert stat.S_IMODE((tmp_path / "r.xml").stat().st_mode) == 0o640
