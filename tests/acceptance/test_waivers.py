"""Waivers end to end: `gate waive` appends one; matched, expired and stale ones are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import junitparser
import pytest
import yaml

from tests.support.gitrepo import RepoBuilder

from .conftest import GateRunner, record

CONFIG = """version: 1
# the team's subjects
subjects:
  - files: 'schemas/*.avsc'
    subject: '{stem}-value'
"""
OLD = record([("id", "string")])
BROKEN = record([("id", "string"), ("currency", "string")])


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"gate.yaml": CONFIG, "schemas/payments.avsc": OLD})
    builder.write("schemas/payments.avsc", BROKEN)
    return builder


def _fingerprint(gate: GateRunner, repo: RepoBuilder) -> str:
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    return str(finding["fingerprint"])


def test_waive_appends_a_waiver_and_the_gate_passes(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    fingerprint = _fingerprint(gate, repo)
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    run = gate(["waive", fingerprint, "--base", "HEAD", "--reason", "consumers upgraded first",
                "--owner", "team-payments", "--expires", expires], cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    text = (repo.root / "gate.yaml").read_text()
    assert text.startswith(CONFIG)  # the file as written is kept, comments included
    (waiver,) = yaml.safe_load(text)["waivers"]
    assert waiver["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert waiver["subject"] == "payments-value" and waiver["fingerprint"] == fingerprint

    junit = tmp_path / "gate.xml"
    check = gate(["check", "--base", "HEAD", "--report", "markdown",
                  "--report", f"junit={junit}"], cwd=repo.root)
    assert check.exit_code == 0, check.stdout
    assert "consumers upgraded first" in check.stdout
    cases = [case for suite in junitparser.JUnitXml.fromfile(str(junit)) for case in suite]
    skipped = [case for case in cases if any(isinstance(r, junitparser.Skipped)
                                             for r in case.result)]
    assert len(skipped) == 1 and "consumers upgraded first" in str(skipped[0].result[0].message)


def test_an_unknown_fingerprint_is_a_usage_error(gate: GateRunner, repo: RepoBuilder) -> None:
    run = gate(["waive", "ffffffff", "--base", "HEAD", "--reason", "r", "--owner", "o",
                "--expires", "2999-01-01"], cwd=repo.root)
    assert run.exit_code == 2 and "fingerprint" in run.stderr
    assert "waivers" not in (repo.root / "gate.yaml").read_text()


def _with_waiver(repo: RepoBuilder, fingerprint: str, expires: str) -> None:
    repo.write("gate.yaml", CONFIG + (
        "waivers:\n"
        "  - rule: AVRO_READER_FIELD_MISSING_DEFAULT\n"
        "    subject: payments-value\n"
        f"    fingerprint: '{fingerprint}'\n"
        "    reason: agreed with consumers\n"
        "    owner: team-payments\n"
        f"    expires: {expires}\n"
    ))


def test_an_expired_waiver_fails_again(gate: GateRunner, repo: RepoBuilder) -> None:
    _with_waiver(repo, _fingerprint(gate, repo), "2020-01-01")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    rules = sorted(f["rule"] for f in run.json()["findings"] if f["failing"])
    assert rules == ["AVRO_READER_FIELD_MISSING_DEFAULT", "WAIVER_EXPIRED"]
    expired = next(f for f in run.json()["findings"] if f["rule"] == "WAIVER_EXPIRED")
    assert expired["location"]["path"] == "gate.yaml" and expired["location"]["line"] >= 6


def test_a_stale_waiver_is_a_warning(gate: GateRunner, repo: RepoBuilder) -> None:
    fingerprint = _fingerprint(gate, repo)
    repo.write("schemas/payments.avsc", OLD)  # the break is gone, the waiver stays
    _with_waiver(repo, fingerprint, "2999-01-01")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0
    assert [f["rule"] for f in run.json()["findings"]] == ["WAIVER_STALE"]
    strict = gate(["check", "--base", "HEAD", "--fail-on", "warning"], cwd=repo.root)
    assert strict.exit_code == 1
