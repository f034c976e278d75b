"""GitHub Actions workflow commands: annotations that survive GitHub's display limit.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the rest
without a word. So: errors first, then warnings, then notices; one annotation per finding and
place (the same finding against the git base and the registry is one annotation naming both);
at most `MAX_PER_LEVEL` of each; and when any were left out, one notice that says how many and
where to see them all. That notice takes one of the 10 notice places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.model import Finding, Result, Severity

if TYPE_CHECKING:
    from gate.report import RenderOptions

MAX_PER_LEVEL = 10
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def render(result: Result, options: RenderOptions) -> str:
    """`::error file=PATH,line=N,title=RULE::message` lines, errors first, at most 10 of each
    level, then a notice for the rest; waived findings get no line at all."""
    groups = _groups([f for f in result.findings if f.waived_by is None])
    lines: list[str] = []
    left_out: dict[Severity, int] = {}
    cut = any(sum(g[0].severity is level for g in groups) > MAX_PER_LEVEL for level in _ORDER)
    for level in _ORDER:
        of_level = [g for g in groups if g[0].severity is level]
        # the notice about the rest is itself a notice: keep a place for it
        room = MAX_PER_LEVEL - 1 if cut and level is Severity.INFO else MAX_PER_LEVEL
        lines.extend(_annotation(group) for group in of_level[:room])
        if len(of_level) > room:
            left_out[level] = len(of_level) - room
    if left_out:
        lines.append(_rest_notice(left_out))
    return "".join(line + "\n" for line in lines)


def escape_data(text: str) -> str:
    """A workflow command's message, as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _groups(findings: list[Finding]) -> list[list[Finding]]:
    """The findings, one group per (rule, fingerprint, file, line), in report order."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        location = finding.location
        key = (
            finding.rule,
            finding.fingerprint,
            location.path if location is not None else None,
            location.line if location is not None else None,
        )
        groups.setdefault(key, []).append(finding)
    return list(groups.values())


def _baseline(finding: Finding) -> str:
    prefix = f"{finding.subject}: "
    return finding.check[len(prefix) :] if finding.check.startswith(prefix) else finding.check


def _annotation(group: list[Finding]) -> str:
    finding = group[0]
    properties: list[tuple[str, str]] = []
    if finding.location is not None:
        properties.append(("file", finding.location.path))
        if finding.location.line is not None:
            properties.append(("line", str(finding.location.line)))
    properties.append(("title", finding.rule))
    message = f"{finding.subject}: {finding.message}"
    if finding.fix:
        message += f"\nfix: {finding.fix}"
    baselines = list(dict.fromkeys(_baseline(f) for f in group if f.check))
    if len(baselines) > 1:
        message += f"\nbreaks: {'; '.join(baselines)}"
    message += f"\nfingerprint: {finding.fingerprint}"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_COMMAND[finding.severity]} {props}::{escape_data(message)}"


def _rest_notice(left_out: dict[Severity, int]) -> str:
    total = sum(left_out.values())
    counts = ", ".join(
        f"{count} {_plural(count, _COMMAND[level])}" for level, count in left_out.items()
    )
    message = (
        f"{total} more {_plural(total, 'finding')} not shown as annotations ({counts}): GitHub "
        f"shows {MAX_PER_LEVEL} annotations of each level per step. See the job summary "
        "(--report markdown), and the JSON and SARIF reports for every finding (--report "
        "json=PATH, --report sarif=PATH, uploaded as artifacts)."
    )
    return f"::notice title={escape_property('gate: more findings')}::{escape_data(message)}"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"
