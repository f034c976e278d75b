"""The git checks: the candidate's validity, and its compatibility with the base revision's."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from gate.checks.compat import with_change_summary
from gate.checks.validity import parse_side
from gate.corerules import SUBJECT_DELETED
from gate.judge import Parsed, Parser, compat_checks, severity_of, validity_check
from gate.model import CheckKind, CheckResult, Finding, Location, Mode

if TYPE_CHECKING:
    from gate.compat import CheckMemo
    from gate.config import Config
    from gate.formats import CheckOptions
    from gate.judge import Evidence
    from gate.sources.state import SubjectState
    from gate.subjects import SubjectSource


def deleted_check(source: SubjectSource, base_label: str) -> CheckResult:
    finding = Finding(
        rule=SUBJECT_DELETED,
        severity=severity_of(SUBJECT_DELETED),
        subject=source.subject,
        # the base's revision is in `versions`, not in the message: the fingerprint (waivers,
        # code-scanning and Code Quality entries) stays the same from run to run
        message=f"schema file {source.base_path} existed at the base revision and is gone: "
        "producers and consumers of this subject lose their schema",
        location=Location(str(source.base_path)),
        versions=(f"base: {base_label}",),
        fix="restore the file, or remove the subject's producers and consumers first and waive "
        "this finding",
        check=f"{source.subject}: present",
    )
    return CheckResult(
        id=f"{source.subject}: present",
        subject=source.subject,
        kind=CheckKind.VALIDITY,
        name="schema file still present",
        findings=(finding,),
    )


def mode_words(mode: Mode) -> str:
    """A level as a check id names it: `backward`, `full transitive`. A check that did not
    compare (unchanged, new subject, NONE) is named like the one that would have, so that its
    test history continues (`backward vs git base`)."""
    return mode.value.lower().replace("_", " ")


def effective_mode(source: SubjectSource, config: Config, registered: SubjectState | None) -> Mode:
    """The subject's level: gate.yaml's for the subject, else the registry's, else the default."""
    if source.compatibility is not None:
        return source.compatibility
    if registered is not None and registered.effective is not None:
        return registered.effective
    return config.default_compatibility


def unchanged_note(source: SubjectSource, mode: Mode, base_label: str) -> CheckResult:
    """The git check of a file that is as it was at the base: a note, nothing compared."""
    words, name, note = _unchanged_words(mode, base_label)
    return CheckResult(
        id=f"{source.subject}: {words} vs git base",
        subject=source.subject,
        kind=CheckKind.COMPAT,
        name=name,
        notes=(note,),
    )


@functools.cache
def _unchanged_words(mode: Mode, base_label: str) -> tuple[str, str, str]:
    """What `unchanged_note` writes of a level and a base: the same for most subjects of a run."""
    return mode_words(mode), f"{mode.value} against {base_label}", f"unchanged since {base_label}"


def git_checks(
    source: SubjectSource,
    parser: Parser,
    mode: Mode,
    base_label: str,
    need_candidate: bool,
    options: CheckOptions,
    evidence: Evidence | None = None,
    registered: frozenset[bytes] = frozenset(),
    memo: CheckMemo | None = None,
    describe: bool = True,
) -> tuple[Parsed | None, list[CheckResult]]:
    """Validity of the candidate and its compatibility with the base revision's version.

    An unchanged file is not parsed at all unless a later stage needs it (`need_candidate`):
    the work of a run stays proportional to what changed.
    """
    if not source.at_head:
        return None, [deleted_check(source, base_label)]
    compat_id = f"{source.subject}: {mode_words(mode)} vs git base"
    name = f"{mode.value} against {base_label}"

    def note(text: str, summary: str | None = None) -> CheckResult:
        return CheckResult(
            id=compat_id,
            subject=source.subject,
            kind=CheckKind.COMPAT,
            name=name,
            notes=(text,),
            summary=summary,
        )

    unchanged = source.as_at_base
    if unchanged and not need_candidate:
        return None, [unchanged_note(source, mode, base_label)]
    candidate = parse_side(parser, source, head=True)
    assert candidate is not None
    checks = [validity_check(source.subject, candidate, str(source.head_path))]
    if not source.at_base:
        checks.append(
            note(
                f"new subject: {source.head_path} has no version at {base_label}",
                f"new subject, no version at {base_label}",
            )
        )
    elif unchanged:
        checks.append(note(f"unchanged since {base_label}"))
    elif mode is Mode.NONE:
        checks.append(
            note(
                "compatibility level NONE: any change is accepted",
                f"changed since {base_label}, level NONE accepts any change",
            )
        )
    elif candidate.ok:
        # the base most often is the latest registered version: parsed as the registry's own
        base = parse_side(parser, source, head=False, registered=registered)
        assert base is not None
        if base.ok:
            compared = compat_checks(
                source.subject, candidate, [base], mode, options, evidence, memo
            )
            if describe:
                compared = with_change_summary(compared, mode, base_label, base, candidate, options)
            checks += compared
        else:
            checks.append(
                CheckResult(
                    id=compat_id,
                    subject=source.subject,
                    kind=CheckKind.COMPAT,
                    name=name,
                    skipped=f"the version at {base_label} is not a valid schema",
                )
            )
    return candidate, checks
