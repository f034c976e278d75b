"""`gate waive` and `gate unwaive`: add a waiver to gate.yaml (or its waivers file) once, and
remove it again, keeping the rest of the file as written."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.errors import UsageError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from gate.declarations import Waiver
    from gate.model import Finding, Result

_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


@dataclass(frozen=True)
class WaiverEntry:
    rule: str
    subject: str
    fingerprint: str
    reason: str
    owner: str
    expires: dt.date

    def lines(self, indent: str) -> list[str]:
        def scalar(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string

        return [
            f"{indent}- rule: {self.rule}",
            f"{indent}  subject: {scalar(self.subject)}",
            f"{indent}  fingerprint: {scalar(self.fingerprint)}",
            f"{indent}  reason: {scalar(self.reason)}",
            f"{indent}  owner: {scalar(self.owner)}",
            f"{indent}  expires: {self.expires.isoformat()}",
        ]


def find_finding(result: Result, fingerprint: str) -> Finding:
    """The one finding of `result` whose fingerprint starts with `fingerprint`."""
    wanted = fingerprint.strip().lower()
    matches = {f.fingerprint: f for f in result.findings if f.fingerprint.startswith(wanted)}
    if not matches:
        raise UsageError(
            "no finding of this run has that fingerprint",
            fingerprint,
            "run `gate check` with the same options and copy the fingerprint it shows, or pass "
            "--rule and --subject to waive a finding of another run",
        )
    if len(matches) > 1:
        raise UsageError(
            "the fingerprint matches several findings", fingerprint, "give more of its characters"
        )
    return next(iter(matches.values()))


def append_to_config(text: str, entry: WaiverEntry) -> str:
    """gate.yaml's text with `entry` added at the end of its `waivers:` list (created if absent)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"^waivers\s*:", line)), None)
    if start is None:
        body = text if text.endswith("\n") or not text else text + "\n"
        return body + "waivers:\n" + "\n".join(entry.lines("  ")) + "\n"
    if lines[start].split(":", 1)[1].strip() not in ("", "[]"):
        raise UsageError(
            "gate.yaml's `waivers:` is not a block list that can be appended to",
            f"gate.yaml:{start + 1}",
            "write the waiver by hand, or turn `waivers:` into a block list (`- rule: ...`)",
        )
    lines[start] = "waivers:"
    end = start + 1
    indent = "  "
    while end < len(lines) and not _TOP_LEVEL_KEY.match(lines[end]):
        stripped = lines[end].lstrip()
        if stripped.startswith("- "):
            indent = lines[end][: len(lines[end]) - len(stripped)]
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    new = lines[:end] + entry.lines(indent) + lines[end:]
    return "\n".join(new) + "\n"


def append_to_list_file(text: str, entry: WaiverEntry) -> str:
    """A separate waivers file is a plain YAML list: add one item at its end."""
    lines = text.rstrip("\n").splitlines()
    items = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if [line.strip() for line in items] == ["[]"]:
        lines = [line for line in lines if line.strip() != "[]"]  # an empty list, written so
    body = "\n".join(lines)
    return (body + "\n" if body.strip() else "") + "\n".join(entry.lines("")) + "\n"


def same_finding(waiver: Waiver, rule: str, subject: str, fingerprint: str) -> bool:
    """True when `waiver` already covers the finding (a fingerprint may be given shortened)."""
    held, wanted = str(waiver.fingerprint).lower(), fingerprint.lower()
    return (
        waiver.rule == rule
        and waiver.subject == subject
        and (held.startswith(wanted) or wanted.startswith(held))
    )


def find_waiver(
    waivers: Sequence[Waiver], fingerprint: str, rule: str | None, subject: str | None
) -> Waiver:
    """The one waiver with `fingerprint` (and `rule`, `subject` when given)."""
    wanted = fingerprint.strip().lower()
    matches = [
        w
        for w in waivers
        if str(w.fingerprint).lower().startswith(wanted)
        and (rule is None or w.rule == rule)
        and (subject is None or w.subject == subject)
    ]
    if not matches:
        raise UsageError(
            "no waiver has that fingerprint",
            fingerprint,
            "copy the fingerprint from the stale waiver's line in the report, or from gate.yaml",
        )
    if len(matches) > 1:
        raise UsageError(
            "the fingerprint matches several waivers",
            fingerprint,
            "add --rule and --subject to say which one to remove",
        )
    return matches[0]


def remove_entry(text: str, line: int, label: str) -> str:
    """`text` without the YAML block-list item that starts on (1-based) `line`, comments and
    all other items kept as written; an emptied `waivers:` list becomes `[]`."""
    lines = text.splitlines()
    start = line - 1
    # the item's dash may sit on a line of its own, above the item's first key
    while 0 <= start < len(lines) and not lines[start].lstrip().startswith("-"):
        start -= 1
    if not 0 <= start < len(lines):
        raise UsageError(
            "cannot find the waiver's list item",
            f"{label}:{line}",
            "remove the waiver by hand",
        )
    indent = _indent(lines[start])
    end = start + 1
    while end < len(lines):
        stripped = lines[end].strip()
        if stripped and not stripped.startswith("#") and _indent(lines[end]) <= indent:
            break
        end += 1
    # blank lines and comments just above the next item or key belong to it
    while end > start + 1 and (
        not lines[end - 1].strip()
        or (lines[end - 1].lstrip().startswith("#") and _indent(lines[end - 1]) <= indent)
    ):
        end -= 1
    kept = lines[:start] + lines[end:]
    return "\n".join(_empty_list_as_brackets(kept)) + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _empty_list_as_brackets(lines: list[str]) -> list[str]:
    """`waivers:` with no item left (or a waivers file with none) as an empty list, not null."""
    key = next((i for i, line in enumerate(lines) if re.match(r"^waivers\s*:\s*$", line)), None)
    if key is not None:
        end = key + 1
        while end < len(lines) and not _TOP_LEVEL_KEY.match(lines[end]):
            end += 1
        if not any(line.lstrip().startswith("-") for line in lines[key + 1 : end]):
            lines[key] = "waivers: []"
        return lines
    if not any(_TOP_LEVEL_KEY.match(line) for line in lines) and not any(
        line.lstrip().startswith("-") for line in lines
    ):
        return [*lines, "[]"]  # a waivers file: a plain list, now empty
    return lines
