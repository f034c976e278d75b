"""Render `gate diff`'s changelog: every change in plain words with its verdict."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gate.report import ReportFormat
from gate.report.common import printable

if TYPE_CHECKING:
    from gate.checks.compat import Changelog

_RED, _GREEN, _YELLOW, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[0m"


def render_changelog(changelog: Changelog, output_format: ReportFormat, color: bool = False) -> str:
    if output_format is ReportFormat.JSON:
        return json.dumps(_as_json(changelog), indent=2) + "\n"
    return _as_text(changelog, color)


def _as_json(changelog: Changelog) -> dict[str, object]:
    return {
        "old": changelog.old.schema.origin.label(),
        "new": changelog.new.schema.origin.label(),
        "mode": changelog.mode.value,
        "breaking": len(changelog.breaking),
        "invalid": [
            {
                "file": p.schema.origin.label(),
                "message": p.invalid.message if p.invalid else "",
                "path": p.invalid.pointer if p.invalid else "",
                "line": p.invalid.line if p.invalid else None,
            }
            for p in changelog.invalid
        ],
        "changes": [
            {
                "path": c.path,
                "description": c.description,
                "backward_compatible": c.backward_ok,
                "forward_compatible": c.forward_ok,
                "verdict": c.verdict,
                "rules": list(c.rules),
            }
            for c in changelog.changes
        ],
    }


def _as_text(changelog: Changelog, color: bool) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    # every line starts where this function puts it: names and paths from the schemas are shown
    # with their control characters escaped (see `printable`)
    old, new = changelog.old.schema.origin.label(), changelog.new.schema.origin.label()
    lines = [f"{printable(old)} -> {printable(new)}"]
    for parsed in changelog.invalid:
        error = parsed.invalid
        assert error is not None
        where = parsed.schema.origin.label() + (f":{error.line}" if error.line else "")
        problem = f"  invalid schema {printable(where)}: {printable(error.message)}"
        lines.append(paint(_RED, problem))
    if not changelog.changes and not changelog.invalid:
        lines.append("  no changes that matter to readers or writers")
    breaking = set(map(id, changelog.breaking))
    for change in changelog.changes:
        if id(change) in breaking:
            mark = paint(_RED, "BREAKING")
        elif change.backward_ok and change.forward_ok:
            mark = paint(_GREEN, "ok      ")
        else:
            mark = paint(_YELLOW, "partial ")
        where = f" ({printable(change.path)})" if change.path else ""
        lines.append(f"  {mark} {printable(change.description)}{where}")
        lines.append(f"           {change.verdict}")
    count = len(changelog.breaking)
    lines.append(
        f"{len(changelog.changes)} change(s), {count} breaking {changelog.mode.value}"
        if not changelog.invalid
        else "cannot classify changes of an invalid schema"
    )
    return "\n".join(lines) + "\n"
