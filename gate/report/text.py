"""The human report for a terminal or a CI log: grouped by subject, one verdict line each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.model import CheckKind, CheckResult, Finding, Result, Severity, Witness
from gate.report.common import (
    Summary,
    Verdict,
    check_verdict,
    checks_by_subject,
    describe_witness,
    fails,
    payload_json,
    printable,
    rule_info,
    subject_verdict,
    truncate,
    where,
)

if TYPE_CHECKING:
    from gate.report import RenderOptions

PAYLOAD_LIMIT = 100
ERROR_LIMIT = 200

_RESET = "\x1b[0m"
_VERDICT_STYLE = {
    Verdict.FAIL: "1;31",
    Verdict.WARN: "1;33",
    Verdict.PASS: "1;32",
    Verdict.SKIP: "2",
}
_SEVERITY_STYLE = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
_DIM = "2"


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{style}m{text}{_RESET}" if self.enabled else text


def render(result: Result, options: RenderOptions) -> str:
    """The text report, made to be read in a CI log.

    A subject with something to say (a failure, a warning, a waived finding, a skipped check)
    is shown in full; one that changed and passed is one line saying what changed; unchanged
    subjects that passed are one count. -v shows every subject and check in full, with rule
    purposes; -vv also whole witnesses; -q (-1) only live errors and warnings, and the summary.
    """
    paint = _Painter(options.color)
    lines: list[str] = []
    if options.verbosity < 0:
        for finding in result.findings:
            if finding.waived_by is None and (
                fails(result, finding) or finding.severity is not Severity.INFO
            ):
                lines.extend(_finding(finding, options, paint, "", with_subject=True))
    else:
        lines.extend(_header(result))
        unchanged = set(result.info.unchanged)
        counts = {"unchanged": 0, "passed": 0}
        for subject, checks in checks_by_subject(result).items():
            if options.verbosity >= 1 or not _passed_quietly(result, checks):
                lines.extend(_subject(result, subject, checks, options, paint))
                continue
            summary = next((check.summary for check in checks if check.summary), None)
            if subject in unchanged:
                counts["unchanged"] += 1
            elif summary is not None:
                verdict = paint(Verdict.PASS.value, _VERDICT_STYLE[Verdict.PASS])
                lines.append(f"{verdict} {printable(subject)} ({printable(summary)})")
            else:
                counts["passed"] += 1
        lines.extend(_counted(counts))
        if options.verbosity < 1:
            lines.extend(_hidden_infos(result))
        lines.extend(_block(f"note: {note}", "") for note in result.notes)
    overall = Verdict.PASS if result.passed else Verdict.FAIL
    lines.append(paint(Summary.of(result).line(), _VERDICT_STYLE[overall]))
    return "\n".join(lines) + "\n"


def _passed_quietly(result: Result, checks: list[CheckResult]) -> bool:
    """A subject that passed with nothing to say beyond info findings and notes."""
    return (
        subject_verdict(result, checks) is Verdict.PASS
        and all(check.skipped is None for check in checks)
        and not any(f.waived_by is not None for check in checks for f in check.findings)
    )


def _counted(counts: dict[str, int]) -> list[str]:
    lines = []
    if counts["unchanged"]:
        lines.append(f"{_count(counts['unchanged'], 'subject')} unchanged")
    if counts["passed"]:
        lines.append(f"{_count(counts['passed'], 'other subject')} passed")
    return lines


def _hidden_infos(result: Result) -> list[str]:
    """One line per rule of the info findings not shown: how many subjects, and the rule's
    purpose, which says what it means and what to do (fetch history, register on deploy)."""
    subjects: dict[str, set[str]] = {}
    for finding in result.findings:
        if _hidden(finding):
            subjects.setdefault(finding.rule, set()).add(finding.subject)
    lines = []
    for rule_id, names in subjects.items():
        rule = rule_info(rule_id)
        purpose = f": {rule.purpose}" if rule is not None else ""
        on = _count(len(names), "subject")
        lines.append(_block(f"info {rule_id} on {on} (-v shows them){purpose}", ""))
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _subject(
    result: Result,
    subject: str,
    checks: list[CheckResult],
    options: RenderOptions,
    paint: _Painter,
) -> list[str]:
    verdict = subject_verdict(result, checks)
    lines = [f"{paint(verdict.value, _VERDICT_STYLE[verdict])} {printable(subject)}"]
    lines.extend(
        _block(f"changed: {c.summary}", "  ")
        for c in checks
        if c.summary and c.kind is CheckKind.COMPAT
    )
    for check in checks:
        state = check_verdict(result, check)
        shown = [f for f in check.findings if options.verbosity >= 1 or not _hidden(f)]
        silent = state is Verdict.PASS and not shown and not check.notes
        if silent and options.verbosity < 1:
            continue
        line = f"  {paint(state.value, _VERDICT_STYLE[state])} {printable(check.name)}"
        if check.skipped is not None:
            line += f" (skipped: {printable(check.skipped)})"
        lines.append(line)
        lines.extend(_block(f"note: {note}", "    ") for note in check.notes)
        for finding in shown:
            lines.extend(_finding(finding, options, paint, "    "))
    return lines


def _hidden(finding: Finding) -> bool:
    """Shown only with -v, and summed up per rule without it: an info finding (a subject not
    registered yet before its deploy, history older than the repository's) is context that
    recurs on many subjects, not a verdict."""
    return finding.severity is Severity.INFO and finding.waived_by is None


def _header(result: Result) -> list[str]:
    base, head = result.info.base, result.info.head
    if not base and not head:
        return []
    labels = (("base", base), ("head", head))
    return [", ".join(f"{name} {printable(str(value))}" for name, value in labels if value)]


def _finding(
    finding: Finding,
    options: RenderOptions,
    paint: _Painter,
    indent: str,
    *,
    with_subject: bool = False,
) -> list[str]:
    waived = finding.waived_by is not None
    style = _DIM if waived else _SEVERITY_STYLE[finding.severity]
    head = f"{indent}{paint(finding.severity.value, style)} {printable(finding.rule)}"
    if with_subject:
        head += f" {printable(finding.subject)}"
    place = where(finding)
    if place:
        head += f" {printable(place)}"
    inner = indent + "  "
    lines = [head, _block(finding.message, inner)]
    if options.verbosity >= 1:
        rule = rule_info(finding.rule)
        if rule is not None:
            lines.append(_block(f"rule: {rule.purpose}", inner))
        if finding.versions:
            lines.append(_block(f"versions: {', '.join(finding.versions)}", inner))
    if finding.fix:
        lines.append(_block(f"fix: {finding.fix}", inner))
    witness = finding.witness
    if witness is not None:
        if options.verbosity >= 2:
            lines.extend(_block(line, inner) for line in describe_witness(witness))
        else:
            error = truncate(witness.error, ERROR_LIMIT)
            lines.append(_block(f"{_witness_part(witness)} -> {error}", inner))
            if options.verbosity >= 1:
                lines.append(_block(f"  writer {witness.writer}, reader {witness.reader}", inner))
    if waived:
        lines.append(_block(f"waived: {finding.waived_by}", inner))
    lines.append(f"{inner}fingerprint: {paint(finding.fingerprint, _DIM)}")
    return lines


def _witness_part(witness: Witness) -> str:
    """The whole witness when it is short; else its part at the place it shows the finding,
    whole (never a cut-off prefix); else, when it has no such place, the whole witness."""
    whole = payload_json(witness.payload)
    if len(whole) <= PAYLOAD_LIMIT or not witness.pointer:
        return f"witness: {whole}"
    part = _at_pointer(witness.payload, witness.pointer)
    if part is _NOWHERE:
        return f"witness: {whole}"
    return (
        f"witness at {witness.pointer} (the whole payload: -vv or the JSON report): "
        f"{payload_json(part)}"
    )


_NOWHERE = object()


def _at_pointer(payload: object, pointer: str) -> object:
    from gate.jsonpos import pointer_tokens

    node = payload
    for token in pointer_tokens(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _NOWHERE
    return node


def _block(text: str, indent: str) -> str:
    """`text` on one line that starts with `indent`, control characters made visible: every line
    of the report starts where gate put it, whatever a schema's names or docs contain."""
    return indent + printable(text)
