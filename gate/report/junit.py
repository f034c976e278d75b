"""JUnit XML: one testsuite per subject, one testcase per check, passed checks included.

A check with failing findings is a failure (type: the first failing rule id); warnings below
`fail_on` go to system-out; a check whose only failing findings were waived, or that did not
run, is skipped.

Test names stay the same from run to run (`backward vs git base`, `backward vs registry latest`,
`checkout -> fraud-detector`): they are the check's id without its subject, and ids name what a
check compares with, not the revision or the registry's schema id. GitLab's merge-request test
comparison and Jenkins' test history key on them. The revisions go to the suite's properties
(`base`, `head`) and to each case's system-out (the check's full name names the exact version).

Each testcase carries a `file` attribute (the repository-relative schema file it is about), as
GitLab and junit2html read it; the suite carries it too. The Jenkins xUnit `junit-10.xsd` this
output is tested against predates the testcase attribute (its testsuite has one), and is stricter
than what junit_xml writes, so the other elements are adjusted before serialising.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.report.common import checks_by_subject, describe, fails

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from junit_xml import TestCase

    from gate.model import CheckResult, Result
    from gate.report import RenderOptions

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(result: Result, options: RenderOptions) -> str:
    """The JUnit XML document, pretty-printed, with its XML declaration."""
    import xml.etree.ElementTree as ET

    from junit_xml import TestSuite

    root = ET.Element("testsuites", {"name": _xml(options.title)})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    files = result.info.files
    labels = {"base": result.info.base, "head": result.info.head}
    revisions = {name: _xml(str(label)) for name, label in labels.items() if label}
    for subject, checks in checks_by_subject(result).items():
        file = files.get(subject) or next(
            (f.location.path for c in checks for f in c.findings if f.location is not None), None
        )
        suite = TestSuite(
            _xml(subject),
            [_case(result, check, file) for check in checks],
            properties=revisions or None,
            file=_xml(file) if file else None,
        )
        element = suite.build_xml_doc()
        _conform_suite(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
        seconds += sum(check.seconds for check in checks)
        root.append(element)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _time(seconds))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def case_name(check: CheckResult) -> str:
    """The check's id without its subject: the same in every run that makes the check."""
    prefix = f"{check.subject}: "
    return check.id[len(prefix) :] if check.id.startswith(prefix) else check.id


def _case(result: Result, check: CheckResult, file: str | None) -> TestCase:
    from junit_xml import TestCase

    file = file or next((f.location.path for f in check.findings if f.location is not None), None)
    case = TestCase(
        _xml(case_name(check)),
        classname=_xml(check.subject),
        elapsed_sec=check.seconds,
        file=_xml(file) if file else None,
    )
    failing = [f for f in check.findings if fails(result, f)]
    waived = [f for f in check.findings if f.waived_by is not None]
    others = [f for f in check.findings if not fails(result, f) and f.waived_by is None]
    # the full name says which revision or registered version the check compared with
    out: list[str] = [
        "\n".join(
            [f"check: {check.name}", f"id: {check.id}"] + [f"note: {note}" for note in check.notes]
        )
    ]
    if failing:
        first = failing[0]
        case.add_failure_info(
            message=_xml(first.message),
            output=_xml("\n\n".join(describe(result, f) for f in failing)),
            failure_type=_xml(first.rule),
        )
        out.extend(describe(result, f) for f in waived)
    elif check.skipped is not None:
        case.add_skipped_info(message=_xml(check.skipped))
        out.extend(describe(result, f) for f in waived)
    elif waived:
        reasons = dict.fromkeys(f.waived_by for f in waived if f.waived_by)
        case.add_skipped_info(
            message=_xml("waived: " + "; ".join(reasons)),
            output=_xml("\n\n".join(describe(result, f) for f in waived)),
        )
    out.extend(describe(result, f) for f in others)
    case.stdout = _xml("\n\n".join(out))
    return case


def _conform_suite(suite: Element) -> None:
    """Make a junit_xml testsuite valid under junit-10.xsd: no `disabled` attribute, and times
    with at most three decimals (`SUREFIRE_TIME`)."""
    suite.attrib.pop("disabled", None)
    suite.set("time", _time(float(suite.get("time", "0"))))
    for case in suite.iter("testcase"):
        if case.get("time") is not None:
            case.set("time", _time(float(case.get("time", "0"))))


def _time(seconds: float) -> str:
    return f"{max(seconds, 0.0):.3f}"


def _xml(text: str) -> str:
    """`text` without the characters XML cannot hold, each shown as `\\uNNNN` instead."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
