"""Reporters: each turns a finished `Result` into one string and does nothing else.

Every reporter module has `render(result, options) -> str`; none prints or writes files (the CLI
does, after the run ends). The modules are imported on first use so that importing `gate.report`
stays cheap (no junit_xml, no jsonschema at start-up).
"""

from __future__ import annotations

import enum
import importlib
import re
from typing import TYPE_CHECKING

from gate import __version__
from gate.records import Record

if TYPE_CHECKING:
    from collections.abc import Callable

    from gate.model import Result


class ReportFormat(enum.StrEnum):
    """A report format, spelled as on the command line (`--report FORMAT[=PATH]`)."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    GITHUB = "github"
    CODEQUALITY = "codequality"


class RenderOptions(Record):
    """How to render; the CLI decides each value (e.g. colour only on a terminal without NO_COLOR).

    `verbosity`: -1 quiet (failing findings and the summary only), 0 normal, 1 also passed
    checks, 2 also untruncated witnesses. `root`: the repository root, used by SARIF to anchor
    artifact URIs (`originalUriBaseIds`). `title`: the name shown in headings and suite names.
    """

    color: bool = False
    verbosity: int = 0
    tool_version: str = __version__
    root: str | None = None
    title: str = "gate"


_REPORTERS: dict[ReportFormat, str] = {
    ReportFormat.TEXT: "gate.report.text",
    ReportFormat.JSON: "gate.report.json_report",
    ReportFormat.JUNIT: "gate.report.junit",
    ReportFormat.MARKDOWN: "gate.report.markdown",
    ReportFormat.SARIF: "gate.report.sarif",
    ReportFormat.GITHUB: "gate.report.github",
    ReportFormat.CODEQUALITY: "gate.report.codequality",
}


def render(fmt: ReportFormat | str, result: Result, options: RenderOptions | None = None) -> str:
    """Render `result` in format `fmt` (a `ReportFormat` or its CLI spelling).

    Raises ValueError for an unknown format name; the CLI builds its choices from
    `ReportFormat`, so that is a bug, not a usage error.
    """
    module = importlib.import_module(_REPORTERS[ReportFormat(fmt)])
    renderer: Callable[[Result, RenderOptions], str] = module.render
    text = renderer(result, options if options is not None else RenderOptions())
    if text.isascii():
        return text  # (most reports: no character to look at)
    # a lone surrogate (text decoded with surrogateescape) cannot be written as UTF-8; as a
    # `\uXXXX` escape it stays visible, and inside a JSON string it is the same character
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
