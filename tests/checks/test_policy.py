from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gate.model import CheckKind, CheckResult, Finding, Result, Severity
from gate.policy import apply_waivers


@dataclass(frozen=True)
class FakeWaiver:
    rule: str
    subject: str
    fingerprint: str
    reason: str
    owner: str
    expires: dt.date
    line: int = 7


BREAK = Finding(
    "AVRO_READER_FIELD_MISSING_DEFAULT",
    Severity.ERROR,
    "orders-value",
    "field `b` has no default",
    path="/fields/1",
    check="c1",
)
CHECKS = [CheckResult("c1", "orders-value", CheckKind.COMPAT, "BACKWARD", findings=(BREAK,))]
TODAY = dt.date(2026, 11, 26)


def _waiver(**changes: object) -> FakeWaiver:
    base = {
        "rule": BREAK.rule,
        "subject": "orders-value",
        "fingerprint": BREAK.fingerprint,
        "reason": "consumers upgraded first",
        "owner": "team-orders",
        "expires": dt.date(2027, 1, 31),
    }
    base.update(changes)
    return FakeWaiver(**base)  # type: ignore[arg-type]


def _rules(checks: list[CheckResult]) -> list[str]:
    return [f.rule for c in checks for f in c.findings if f.waived_by is None]


def test_matching_waiver_waives_and_the_gate_passes() -> None:
    checks = apply_waivers(CHECKS, [_waiver()], TODAY, "gate.yaml")
    waived = [f for c in checks for f in c.findings if f.waived_by]
    assert len(waived) == 1
    assert "consumers upgraded first" in str(waived[0].waived_by)
    assert Result(tuple(checks)).passed


def test_expired_waiver_waives_nothing_and_is_itself_a_finding() -> None:
    checks = apply_waivers(CHECKS, [_waiver(expires=dt.date(2026, 1, 1))], TODAY, "gate.yaml")
    assert sorted(_rules(checks)) == ["AVRO_READER_FIELD_MISSING_DEFAULT", "WAIVER_EXPIRED"]
    expired = next(f for c in checks for f in c.findings if f.rule == "WAIVER_EXPIRED")
    assert expired.location is not None
    assert str(expired.location) == "gate.yaml:7"
    assert not Result(tuple(checks)).passed


def test_stale_waiver_is_a_warning() -> None:
    checks = apply_waivers(CHECKS, [_waiver(), _waiver(fingerprint="00000000")], TODAY, None)
    assert _rules(checks) == ["WAIVER_STALE"]
    assert Result(tuple(checks)).passed
    assert not Result(tuple(checks), fail_on=Severity.WARNING).passed


def test_waiver_for_another_subject_does_not_match() -> None:
    checks = apply_waivers(CHECKS, [_waiver(subject="payments-value")], TODAY, None)
    assert sorted(_rules(checks)) == ["AVRO_READER_FIELD_MISSING_DEFAULT", "WAIVER_STALE"]
