from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gate.model import CheckKind, CheckResult, Finding, Location, Result, Severity
from gate.report import RenderOptions
from gate.report.github import escape_data, escape_property, render

COMMAND = re.compile(r"^::(error|warning|notice)(?: (.*?))?::(.*)$")


def _unescape(text: str) -> str:
    """What the Actions runner does to a command's data and property values."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                          ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _commands(result: Result) -> list[tuple[str, dict[str, str], str]]:
    out = []
    # the runner splits its output on line feeds (and carriage returns) only
    for line in render(result, RenderOptions()).split("\n")[:-1]:
        match = COMMAND.match(line)
        assert match is not None, line
        props = {}
        if match.group(2):
            for pair in match.group(2).split(","):
                key, _, value = pair.partition("=")
                props[key] = _unescape(value)
        out.append((match.group(1), props, _unescape(match.group(3))))
    return out


def test_one_annotation_per_finding_that_is_not_waived(failing_result: Result) -> None:
    commands = _commands(failing_result)
    live = [f for f in failing_result.findings if f.waived_by is None]
    assert [props["title"] for _, props, _ in commands] == [f.rule for f in live]
    assert [kind for kind, _, _ in commands] == ["error", "error", "warning", "notice"]


def test_file_and_line_when_known(failing_result: Result) -> None:
    commands = _commands(failing_result)
    assert commands[0][1] == {
        "file": "schemas/orders.avsc", "line": "12", "title": "AVRO_READER_FIELD_MISSING_DEFAULT",
    }
    assert commands[1][1] == {
        "file": "schemas/dir with space/orders,v2.avsc", "title": "AVRO_TYPE_MISMATCH",
    }
    assert commands[3][1] == {"title": "SUBJECT_NEW"}


def test_message_carries_subject_fix_and_fingerprint(failing_result: Result) -> None:
    finding = failing_result.findings[0]
    message = _commands(failing_result)[0][2]
    assert message.splitlines() == [
        f"orders-value: {finding.message}",
        f"fix: {finding.fix}",
        f"fingerprint: {finding.fingerprint}",
    ]


def test_special_characters_are_escaped_and_survive(failing_result: Result) -> None:
    text = render(failing_result, RenderOptions())
    assert len(text.splitlines()) == 4
    assert "100%25 done" in text and "%0D%0A" in text
    special = failing_result.findings[1]
    assert _commands(failing_result)[1][2].startswith(f"orders-value: {special.message}")


def test_empty_passed_and_warning_runs(
    empty_result: Result, passed_result: Result, warning_result: Result
) -> None:
    assert render(empty_result, RenderOptions()) == ""
    assert [kind for kind, _, _ in _commands(passed_result)] == ["notice"]
    assert [kind for kind, _, _ in _commands(warning_result)] == ["warning"]


def test_escaping_rules() -> None:
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1), st.integers(min_value=1, max_value=10**6))
def test_any_text_round_trips_through_one_command_line(
    message: str, path: str, line: int
) -> None:
    finding = Finding("R,U:LE", Severity.ERROR, "s", message, location=Location(path, line))
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),))
    text = render(result, RenderOptions())
    assert text.count("\n") == 1 and "\r" not in text
    ((kind, props, data),) = _commands(result)
    assert props == {"file": path, "line": str(line), "title": "R,U:LE"}
    assert data.split("\nfingerprint: ")[0] == f"s: {message}"
