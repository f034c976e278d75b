"""What every reporter agrees on: verdicts, counts, and how a finding and its witness read."""

from __future__ import annotations

import datetime
import enum
import json
import math
import re

from gate.model import JSON, CheckResult, Finding, Result, Rule, Severity, Witness
from gate.records import Record


class Verdict(enum.StrEnum):
    """The verdict of a check or a subject, worst first."""

    FAIL = "FAIL"
    WARN = "WARN"
    PASS = "PASS"
    SKIP = "SKIP"


def fails(result: Result, finding: Finding) -> bool:
    """True when `finding` fails the gate: not waived and at or above `result.fail_on`."""
    return finding.waived_by is None and finding.severity.at_least(result.fail_on)


def is_warning(result: Result, finding: Finding) -> bool:
    """A live warning that does not fail the gate (it is below `fail_on`)."""
    return (
        finding.waived_by is None
        and finding.severity is Severity.WARNING
        and not fails(result, finding)
    )


def check_verdict(result: Result, check: CheckResult) -> Verdict:
    findings = check.findings  # most checks of a run have none
    if findings and any(fails(result, f) for f in findings):
        return Verdict.FAIL
    if check.skipped is not None:
        return Verdict.SKIP
    if findings and any(is_warning(result, f) for f in findings):
        return Verdict.WARN
    return Verdict.PASS


def combine(verdicts: list[Verdict]) -> Verdict:
    """FAIL beats WARN beats PASS; SKIP only when every check was skipped."""
    for verdict in (Verdict.FAIL, Verdict.WARN, Verdict.PASS):
        if verdict in verdicts:
            return verdict
    return Verdict.SKIP if verdicts else Verdict.PASS


def checks_by_subject(result: Result) -> dict[str, list[CheckResult]]:
    """The checks of each subject, subjects in the order they first appear."""
    groups: dict[str, list[CheckResult]] = {}
    for check in result.checks:
        groups.setdefault(check.subject, []).append(check)
    return groups


def subject_verdict(result: Result, checks: list[CheckResult]) -> Verdict:
    return combine([check_verdict(result, check) for check in checks])


class Summary(Record):
    """The counts every report closes with.

    Checks are counted by verdict; `warnings` counts live (not waived) findings of severity
    warning, whether or not `fail_on` makes them fail; `waived` counts waived findings.
    """

    subjects: int
    checks: int
    passed_checks: int
    failed_checks: int
    skipped_checks: int
    findings: int
    failing_findings: int
    errors: int
    warnings: int
    infos: int
    waived: int

    @classmethod
    def of(cls, result: Result) -> Summary:
        verdicts = [check_verdict(result, check) for check in result.checks]
        live = [f for f in result.findings if f.waived_by is None]
        return cls(
            subjects=len(result.subjects),
            checks=len(result.checks),
            passed_checks=sum(v in (Verdict.PASS, Verdict.WARN) for v in verdicts),
            failed_checks=verdicts.count(Verdict.FAIL),
            skipped_checks=verdicts.count(Verdict.SKIP),
            findings=len(result.findings),
            failing_findings=len(result.failing),
            errors=sum(f.severity is Severity.ERROR for f in live),
            warnings=sum(f.severity is Severity.WARNING for f in live),
            infos=sum(f.severity is Severity.INFO for f in live),
            waived=len(result.findings) - len(live),
        )

    def line(self) -> str:
        """`N subjects, N checks, N failed, N warnings, N waived` (+ `, N skipped` if any)."""
        text = (
            f"{self.subjects} {_plural(self.subjects, 'subject')}, "
            f"{self.checks} {_plural(self.checks, 'check')}, {self.failed_checks} failed, "
            f"{self.warnings} {_plural(self.warnings, 'warning')}, {self.waived} waived"
        )
        return text + (f", {self.skipped_checks} skipped" if self.skipped_checks else "")


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def rule_info(rule_id: str) -> Rule | None:
    """The catalogue entry of a rule id, or None for an id the catalogue does not know."""
    from gate.rules import all_rules

    return all_rules().get(rule_id)


# a payload may nest as deeply as its schema; reports show this many levels of it, and the parts
# below as a marker (a witness's base64 body keeps every byte)
MAX_PAYLOAD_DEPTH = 64
TOO_DEEP = f"… (nested deeper than {MAX_PAYLOAD_DEPTH} levels)"


def jsonable(value: object, _depth: int = 0) -> JSON:
    """`value` as plain JSON data: bytes as Avro's JSON encoding (one code point per byte),
    decimals, dates and UUIDs as strings, non-finite floats as their names, and containers
    nested deeper than `MAX_PAYLOAD_DEPTH` as the `TOO_DEEP` marker."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict | list | tuple | set | frozenset) and _depth >= MAX_PAYLOAD_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {str(key): jsonable(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, _depth + 1) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value, _depth)
    return str(value)  # decimals and UUIDs among them


def payload_json(payload: object, *, indent: int | None = None) -> str:
    """A witness payload as JSON text: one line when `indent` is None. The line separators JSON
    leaves raw (U+2028, U+2029, U+0085; a property name may hold one) are written as escapes,
    so the text breaks lines only where the indentation does."""
    separators = (",", ": ") if indent is not None else (", ", ": ")
    text = json.dumps(jsonable(payload), ensure_ascii=False, indent=indent, separators=separators)
    return text.translate(_JSON_LINE_SEPARATORS)


_JSON_LINE_SEPARATORS = {0x2028: "\\u2028", 0x2029: "\\u2029", 0x85: "\\u0085"}


def truncate(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def witness_data(witness: Witness) -> dict[str, JSON]:
    """The witness as JSON data, keys in the documented order: an Avro body is `avro_base64`, the
    body of another format follows as `body_base64` and `body_encoding`."""
    avro = witness.body_encoding == "avro"
    data: dict[str, JSON] = {
        "payload": jsonable(witness.payload),
        "writer": witness.writer,
        "reader": witness.reader,
        "error": witness.error,
        "avro_base64": witness.body_base64 if avro else None,
        "wire_base64": witness.wire_base64,
    }
    if witness.body_base64 is not None and not avro:
        data["body_base64"] = witness.body_base64
        data["body_encoding"] = witness.body_encoding
    return data


def where(finding: Finding) -> str:
    """`path:line at /pointer`, whichever parts are known (empty when none is)."""
    parts = []
    if finding.location is not None:
        parts.append(str(finding.location))
    if finding.path:
        parts.append(f"at {finding.path}")
    return " ".join(parts)


def describe(result: Result, finding: Finding) -> str:
    """Every detail of a finding as plain text, the witness in full (JUnit and similar)."""
    status = (
        "waived"
        if finding.waived_by is not None
        else ("fails the gate" if fails(result, finding) else "does not fail the gate")
    )
    lines = [f"{finding.severity.value} {finding.rule} ({status}): {finding.message}"]
    lines.append(f"  subject: {finding.subject}")
    if finding.check:
        lines.append(f"  check: {finding.check}")
    if finding.location is not None:
        lines.append(f"  location: {finding.location}")
    if finding.path:
        lines.append(f"  schema path: {finding.path}")
    if finding.versions:
        lines.append(f"  versions: {', '.join(finding.versions)}")
    if finding.fix:
        lines.append(f"  fix: {finding.fix}")
    if finding.waived_by is not None:
        lines.append(f"  waived: {finding.waived_by}")
    lines.append(f"  fingerprint: {finding.fingerprint}")
    if finding.witness is not None:
        lines.extend("  " + line for line in describe_witness(finding.witness))
    return "\n".join(lines)


def describe_witness(witness: Witness) -> list[str]:
    lines = [
        "witness:",
        f"  writer: {witness.writer}",
        f"  reader: {witness.reader}",
        f"  error: {witness.error}",
        "  payload:",
    ]
    lines.extend("    " + line for line in payload_json(witness.payload, indent=2).splitlines())
    if witness.body_base64:
        lines.append(f"  {witness.body_encoding or 'message'} body (base64): {witness.body_base64}")
    if witness.wire_base64:
        lines.append(f"  wire format (base64): {witness.wire_base64}")
    return lines


# C0 and C1 controls (line breaks and tabs among them), DEL, the Unicode line and paragraph
# separators and lone surrogates: none of them may reach a line-oriented output raw, where a
# line break inside a schema's property name would start a line of the schema author's choosing
# (`::error ...` is a workflow command in a GitHub Actions log)
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"  # none is printable
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` on one line, with control characters (line breaks, tabs and ANSI escapes among
    them), line separators and lone surrogates shown as `\\n`, `\\xNN` or `\\uNNNN`, so that a
    schema's content can neither drive a terminal nor start a line of its own."""
    if text.isprintable():
        return text
    return re.sub(_UNPRINTABLE, lambda m: _escape_char(m.group()), text)


def _escape_char(char: str) -> str:
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
