from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from gate.model import CheckKind, CheckResult, Finding, Location, Result, Severity
from gate.report import RenderOptions
from gate.report.github import MAX_PER_LEVEL, escape_data, escape_property, render
from tests.support.reports import build_many_breaks

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

COMMAND = re.compile(r"^::(error|warning|notice)(?: (.*?))?::(.*)$")


def _unescape(text: str) -> str:
    """What the Actions runner does to a command's data and property values."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _commands(result: Result) -> list[tuple[str, dict[str, str], str]]:
    return _parse(render(result, RenderOptions()))


def _parse(text: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    # the runner splits its output on line feeds (and carriage returns) only
    for line in text.split("\n")[:-1]:
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
        "file": "schemas/orders.avsc",
        "line": "12",
        "title": "AVRO_READER_FIELD_MISSING_DEFAULT",
    }
    assert commands[1][1] == {
        "file": "schemas/dir with space/orders,v2.avsc",
        "title": "AVRO_TYPE_MISMATCH",
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
    assert "100%25 done" in text
    assert "%0D%0A" in text
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
def test_any_text_round_trips_through_one_command_line(message: str, path: str, line: int) -> None:
    finding = Finding("R,U:LE", Severity.ERROR, "s", message, location=Location(path, line))
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (finding,)),))
    text = render(result, RenderOptions())
    assert text.count("\n") == 1
    assert "\r" not in text
    ((_kind, props, data),) = _commands(result)
    assert props == {"file": path, "line": str(line), "title": "R,U:LE"}
    assert data.split("\nfingerprint: ")[0] == f"s: {message}"


def _finding(rule: str, severity: Severity, n: int, check: str = "c") -> Finding:
    return Finding(
        rule,
        severity,
        f"s{n}",
        f"message {n}",
        location=Location(f"s{n}.avsc", n),
        check=f"s{n}: {check}",
    )


def test_errors_first_at_most_ten_per_level_and_a_notice_for_the_rest() -> None:
    notices = [_finding("INFO_RULE", Severity.INFO, n) for n in range(12)]
    warnings = [_finding("WARN_RULE", Severity.WARNING, n) for n in range(11)]
    errors = [_finding("ERR_RULE", Severity.ERROR, n) for n in range(13)]
    # report order mixes the levels; errors come first all the same
    findings = tuple(x for trio in zip(notices, warnings, errors, strict=False) for x in trio)
    findings += tuple(errors[11:])
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", findings),))
    commands = _commands(result)
    kinds = [kind for kind, _, _ in commands]
    assert kinds == ["error"] * 10 + ["warning"] * 10 + ["notice"] * 10
    assert [props["line"] for _, props, _ in commands[:10]] == [str(n) for n in range(10)]
    _kind, props, message = commands[-1]
    assert props == {"title": "gate: more findings"}
    assert message.startswith(
        "6 more findings not shown as annotations (3 errors, 1 warning, 2 notices)"
    )
    assert "job summary" in message
    assert "SARIF" in message


def test_no_notice_when_everything_fits() -> None:
    findings = tuple(_finding("ERR_RULE", Severity.ERROR, n) for n in range(MAX_PER_LEVEL))
    findings += tuple(_finding("INFO_RULE", Severity.INFO, n) for n in range(MAX_PER_LEVEL))
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", findings),))
    assert [kind for kind, _, _ in _commands(result)] == ["error"] * 10 + ["notice"] * 10


def test_the_same_finding_against_two_baselines_is_one_annotation() -> None:
    first = _finding("ERR_RULE", Severity.ERROR, 1, "backward vs git base")
    second = _finding("ERR_RULE", Severity.ERROR, 1, "backward vs registry latest")
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "c", (first, second)),))
    ((_kind, _, message),) = _commands(result)
    assert "breaks: backward vs git base; backward vs registry latest" in message


def test_a_real_run_with_many_breaks_stays_within_the_display_limit(
    gate_cli: GateRunner, tmp_path: Path
) -> None:
    repo = build_many_breaks(tmp_path / "repo", broken=14, renamed=12)
    run = gate_cli(["check", "--base", "HEAD", "--report", "github"], cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    commands = _parse(run.stdout)
    kinds = [kind for kind, _, _ in commands]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)
    assert {kind: kinds.count(kind) for kind in kinds} == {
        "error": 10,
        "warning": 10,
        "notice": 10,
    }
    shown = [
        (props.get("file"), props.get("line"), props["title"], message.split("\n")[-1])
        for _, props, message in commands
    ]
    assert len(shown) == len(set(shown))
    # each broken subject breaks the git base and the registry: one annotation names both
    first = commands[0][2]
    assert "breaks: backward vs git base; backward vs registry latest" in first
    kind, props, message = commands[-1]
    assert (kind, props) == ("notice", {"title": "gate: more findings"})
    # 14 errors, 12 warnings and 26 notices (a drift note per subject) were found
    assert message.startswith(
        "23 more findings not shown as annotations (4 errors, 2 warnings, 17 notices)"
    )
