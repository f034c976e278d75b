"""GitHub Actions workflow commands: one annotation per finding that is not waived."""

from __future__ import annotations

from gate.model import Finding, Result, Severity
from gate.report import RenderOptions

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(result: Result, options: RenderOptions) -> str:
    """`::error file=PATH,line=N,title=RULE::message` lines; findings without a file get no
    file/line, waived findings no line at all."""
    lines = [_annotation(f) for f in result.findings if f.waived_by is None]
    return "".join(line + "\n" for line in lines)


def escape_data(text: str) -> str:
    """A workflow command's message, as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding) -> str:
    properties: list[tuple[str, str]] = []
    if finding.location is not None:
        properties.append(("file", finding.location.path))
        if finding.location.line is not None:
            properties.append(("line", str(finding.location.line)))
    properties.append(("title", finding.rule))
    message = f"{finding.subject}: {finding.message}"
    if finding.fix:
        message += f"\nfix: {finding.fix}"
    message += f"\nfingerprint: {finding.fingerprint}"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_COMMAND[finding.severity]} {props}::{escape_data(message)}"
