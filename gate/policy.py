"""Waivers for intended breaks: which findings they cover, and which waivers went bad."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from gate.model import Category, CheckKind, CheckResult, Finding, Location, Rule, Severity

WAIVER_EXPIRED = "WAIVER_EXPIRED"
WAIVER_STALE = "WAIVER_STALE"

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from gate.declarations import Waiver

POLICY_RULES: tuple[Rule, ...] = (
    Rule(
        WAIVER_EXPIRED,
        "A waiver passed its expiry date; the finding it covered counts again.",
        Severity.ERROR,
        Category.POLICY,
    ),
    Rule(
        WAIVER_STALE,
        "A waiver matches no finding any more; remove it (`gate unwaive FINGERPRINT`).",
        Severity.WARNING,
        Category.POLICY,
    ),
)

WAIVERS_SUBJECT = "(waivers)"
EXPIRED_CHECK = "waivers: expired"
STALE_CHECK = "waivers: stale"


def _matches(waiver: Waiver, finding: Finding) -> bool:
    return (
        waiver.rule == finding.rule
        and waiver.subject == finding.subject
        and finding.fingerprint.startswith(str(waiver.fingerprint).lower())
    )


def apply_waivers(
    checks: Sequence[CheckResult],
    waivers: Sequence[Waiver],
    today: dt.date,
    config_path: str | None = None,
) -> list[CheckResult]:
    """Mark waived findings, and add the checks "expired waivers" and "stale waivers".

    A waiver matches on rule id, subject and fingerprint. An expired waiver covers nothing and is
    itself a finding; so is a stale one, which matches nothing (its finding no longer occurs:
    the consumers moved, or the registry holds the change now), with the command removing it.
    """
    if not waivers:
        return list(checks)
    used: set[int] = set()
    expired_hits: set[int] = set()
    out: list[CheckResult] = []
    for check in checks:
        findings = []
        for finding in check.findings:
            for index, waiver in enumerate(waivers):
                if not _matches(waiver, finding):
                    continue
                if waiver.expires < today:
                    expired_hits.add(index)
                    continue
                used.add(index)
                finding = dataclasses.replace(
                    finding,
                    waived_by=f"{waiver.reason} (owner {waiver.owner}, "
                    f"until {waiver.expires.isoformat()})",
                )
                break
            findings.append(finding)
        out.append(dataclasses.replace(check, findings=tuple(findings)))

    expired: list[Finding] = []
    stale: list[Finding] = []
    for index, waiver in enumerate(waivers):
        declared_in = getattr(waiver, "file", None) or config_path
        location = Location(declared_in, waiver.line) if declared_in else None
        label = f"waiver for {waiver.rule} on {waiver.subject} ({waiver.fingerprint})"
        if waiver.expires < today:
            still = "; the finding it covered fails the gate again" if index in expired_hits else ""
            expired.append(
                Finding(
                    rule=WAIVER_EXPIRED,
                    severity=Severity.ERROR,
                    subject=waiver.subject,
                    message=f"{label} expired on {waiver.expires.isoformat()}{still}",
                    location=location,
                    check=EXPIRED_CHECK,
                    fix="fix the break, or extend `expires` after agreeing it with the owner "
                    f"({waiver.owner})",
                )
            )
        elif index not in used:
            where = f" from {declared_in}" if declared_in else ""
            stale.append(
                Finding(
                    rule=WAIVER_STALE,
                    severity=Severity.WARNING,
                    subject=waiver.subject,
                    message=f"{label} is stale: the finding it waives no longer occurs",
                    location=location,
                    check=STALE_CHECK,
                    fix=f"remove it{where}: gate unwaive {waiver.fingerprint}",
                )
            )
    # one check per way a waiver goes bad: each reads as a heading ("stale waivers") in every
    # report, and keeps its name from run to run
    return [
        *out,
        CheckResult(
            id=EXPIRED_CHECK,
            subject=WAIVERS_SUBJECT,
            kind=CheckKind.VALIDITY,
            name="expired waivers",
            findings=tuple(expired),
        ),
        CheckResult(
            id=STALE_CHECK,
            subject=WAIVERS_SUBJECT,
            kind=CheckKind.VALIDITY,
            name="stale waivers",
            findings=tuple(stale),
            summary=_in_use(len(used), len(waivers)),
        ),
    ]


def _in_use(used: int, declared: int) -> str:
    waivers = "1 waiver" if declared == 1 else f"{declared} waivers"
    return f"{waivers} declared, {used} in use"
