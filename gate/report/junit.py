"""JUnit XML: one testsuite per subject, one testcase per check, passed checks included.

A check with failing findings is a failure (type: the first failing rule id); warnings below
`fail_on` go to system-out; a check whose only failing findings were waived, or that did not
run, is skipped. The output validates against the Jenkins xUnit `junit-10.xsd`, which is stricter
than what junit_xml writes, so its elements are adjusted before serialising.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.model import CheckResult, Result
from gate.report import RenderOptions
from gate.report.common import checks_by_subject, describe, fails

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from junit_xml import TestCase

# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(result: Result, options: RenderOptions) -> str:
    """The JUnit XML document, pretty-printed, with its XML declaration."""
    import xml.etree.ElementTree as ET

    from junit_xml import TestSuite

    root = ET.Element("testsuites", {"name": _xml(options.title)})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for subject, checks in checks_by_subject(result).items():
        suite = TestSuite(_xml(subject), [_case(result, check) for check in checks])
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


def _case(result: Result, check: CheckResult) -> TestCase:
    from junit_xml import TestCase

    case = TestCase(_xml(check.name), classname=_xml(check.subject), elapsed_sec=check.seconds)
    failing = [f for f in check.findings if fails(result, f)]
    waived = [f for f in check.findings if f.waived_by is not None]
    others = [f for f in check.findings if not fails(result, f) and f.waived_by is None]
    out: list[str] = [f"check: {check.id}", *(f"note: {note}" for note in check.notes)]
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
