"""`gate waive`: append a waiver to gate.yaml (or its waivers file), keeping the file as written."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from gate.errors import UsageError
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
    body = text.rstrip("\n")
    if body.strip() in ("", "[]"):
        body = ""
    return (body + "\n" if body else "") + "\n".join(entry.lines("")) + "\n"
