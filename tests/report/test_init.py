from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gate.model import CheckKind, CheckResult, Finding, Location, Result, Severity
from gate.report import RenderOptions, ReportFormat, render


def test_formats_are_spelled_as_on_the_command_line() -> None:
    assert [f.value for f in ReportFormat] == [
        "text",
        "json",
        "junit",
        "markdown",
        "sarif",
        "github",
        "codequality",
    ]


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_renders_every_result(fmt: ReportFormat, any_result: Result) -> None:
    text = render(fmt, any_result, RenderOptions())
    assert isinstance(text, str)
    if fmt is not ReportFormat.GITHUB or any_result.findings:
        assert text.endswith("\n")


def test_render_accepts_the_cli_spelling_and_default_options(failing_result: Result) -> None:
    document = json.loads(render("json", failing_result))
    assert document["passed"] is False
    assert document["tool"]["version"] == RenderOptions().tool_version


def test_unknown_format_is_refused(failing_result: Result) -> None:
    with pytest.raises(ValueError, match="yaml"):
        render("yaml", failing_result)


def test_options_are_frozen() -> None:
    options = RenderOptions(tool_version="9.9")
    with pytest.raises(AttributeError):
        options.color = True  # type: ignore[misc]


def test_importing_report_stays_cheap() -> None:
    code = (
        "import sys, gate.report\n"
        "heavy = ['junit_xml', 'jsonschema', 'xml.etree.ElementTree', 'gate.report.junit',"
        " 'gate.report.sarif', 'gate.report.markdown', 'yaml', 'httpx', 'click']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_can_be_written_as_utf8_despite_lone_surrogates(fmt: ReportFormat) -> None:
    finding = Finding(
        "X",
        Severity.ERROR,
        "s\udcff",
        "bad byte \udcff",
        location=Location("a\udcff.avsc", 1),
        fix="fix \ud800",
    )
    result = Result((CheckResult("c", "s\udcff", CheckKind.COMPAT, "c", (finding,)),))
    text = render(fmt, result, RenderOptions())
    text.encode("utf-8")
    assert "udcff" in text
    if fmt is ReportFormat.JSON:
        assert json.loads(text)["findings"][0]["message"] == "bad byte \udcff"
