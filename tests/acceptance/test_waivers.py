"""Waivers end to end: `gate waive` appends one; matched, expired and stale ones are reported."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import junitparser
import pytest
import yaml

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

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
    run = gate(
        [
            "waive",
            fingerprint,
            "--base",
            "HEAD",
            "--reason",
            "consumers upgraded first",
            "--owner",
            "team-payments",
            "--expires",
            expires,
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 0, run.stderr
    text = (repo.root / "gate.yaml").read_text()
    assert text.startswith(CONFIG)  # the file as written is kept, comments included
    (waiver,) = yaml.safe_load(text)["waivers"]
    assert waiver["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert waiver["subject"] == "payments-value"
    assert waiver["fingerprint"] == fingerprint

    junit = tmp_path / "gate.xml"
    check = gate(
        ["check", "--base", "HEAD", "--report", "markdown", "--report", f"junit={junit}"],
        cwd=repo.root,
    )
    assert check.exit_code == 0, check.stdout
    assert "consumers upgraded first" in check.stdout
    cases = [case for suite in junitparser.JUnitXml.fromfile(str(junit)) for case in suite]
    skipped = [
        case for case in cases if any(isinstance(r, junitparser.Skipped) for r in case.result)
    ]
    assert len(skipped) == 1
    assert "consumers upgraded first" in str(skipped[0].result[0].message)


def test_an_unknown_fingerprint_is_a_usage_error(gate: GateRunner, repo: RepoBuilder) -> None:
    run = gate(
        [
            "waive",
            "ffffffff",
            "--base",
            "HEAD",
            "--reason",
            "r",
            "--owner",
            "o",
            "--expires",
            "2999-01-01",
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 2
    assert "fingerprint" in run.stderr
    assert "waivers" not in (repo.root / "gate.yaml").read_text()


def _with_waiver(repo: RepoBuilder, fingerprint: str, expires: str) -> None:
    repo.write(
        "gate.yaml",
        CONFIG
        + (
            "waivers:\n"
            "  - rule: AVRO_READER_FIELD_MISSING_DEFAULT\n"
            "    subject: payments-value\n"
            f"    fingerprint: '{fingerprint}'\n"
            "    reason: agreed with consumers\n"
            "    owner: team-payments\n"
            f"    expires: {expires}\n"
        ),
    )


def test_an_expired_waiver_fails_again(gate: GateRunner, repo: RepoBuilder) -> None:
    _with_waiver(repo, _fingerprint(gate, repo), "2020-01-01")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    rules = sorted(f["rule"] for f in run.json()["findings"] if f["failing"])
    assert rules == ["AVRO_READER_FIELD_MISSING_DEFAULT", "WAIVER_EXPIRED"]
    expired = next(f for f in run.json()["findings"] if f["rule"] == "WAIVER_EXPIRED")
    assert expired["location"]["path"] == "gate.yaml"
    assert expired["location"]["line"] >= 6


def test_a_stale_waiver_is_a_warning(gate: GateRunner, repo: RepoBuilder) -> None:
    fingerprint = _fingerprint(gate, repo)
    repo.write("schemas/payments.avsc", OLD)  # the break is gone, the waiver stays
    _with_waiver(repo, fingerprint, "2999-01-01")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0
    assert [f["rule"] for f in run.json()["findings"]] == ["WAIVER_STALE"]
    strict = gate(["check", "--base", "HEAD", "--fail-on", "warning"], cwd=repo.root)
    assert strict.exit_code == 1


def _waive(gate: GateRunner, repo: RepoBuilder, fingerprint: str, reason: str) -> str:
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    run = gate(
        [
            "waive",
            fingerprint,
            "--base",
            "HEAD",
            "--reason",
            reason,
            "--owner",
            "team-payments",
            "--expires",
            expires,
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    return run.stdout


def test_waiving_the_same_finding_twice_adds_one_entry(gate: GateRunner, repo: RepoBuilder) -> None:
    fingerprint = _fingerprint(gate, repo)
    _waive(gate, repo, fingerprint, "consumers upgraded first")
    once = (repo.root / "gate.yaml").read_text()
    again = _waive(gate, repo, fingerprint[:6], "a second try")  # shortened, as users type it
    assert "already waived" in again
    assert "gate.yaml:" in again
    assert (repo.root / "gate.yaml").read_text() == once
    assert len(yaml.safe_load(once)["waivers"]) == 1


def test_waiving_a_finding_whose_waiver_expired_points_to_that_entry(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    fingerprint = _fingerprint(gate, repo)
    _with_waiver(repo, fingerprint, "2020-01-01")
    before = (repo.root / "gate.yaml").read_text()
    said = _waive(gate, repo, fingerprint, "consumers upgraded first")
    assert "expired on 2020-01-01" in said
    assert "gate.yaml:" in said
    assert (repo.root / "gate.yaml").read_text() == before


def test_waiving_twice_into_a_waivers_file_adds_one_entry(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("gate.yaml", CONFIG + "waivers_file: policy/waivers.yaml\n")
    repo.write("policy/waivers.yaml", "# accepted breaks\n[]\n")
    fingerprint = _fingerprint(gate, repo)
    _waive(gate, repo, fingerprint, "consumers upgraded first")
    _waive(gate, repo, fingerprint, "consumers upgraded first")
    assert len(yaml.safe_load((repo.root / "policy/waivers.yaml").read_text())) == 1


def test_the_lifecycle_of_a_waiver_ends_with_the_command_that_removes_it(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    # the pull request that needs the break waives it
    fingerprint = _fingerprint(gate, repo)
    _waive(gate, repo, fingerprint, "consumers upgraded first")
    waived = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert waived.exit_code == 0
    assert "PASS (waivers) (1 waiver declared, 1 in use)" in waived.stdout.splitlines()
    # the consumers moved and the break is gone (here: the base now holds the change)
    repo.commit("deployed", {})
    text = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert text.exit_code == 0, text.stdout
    lines = text.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.split()[1:] == ["stale", "waivers"])
    assert lines[heading - 1] == "WARN (waivers)"
    assert lines[heading].split()[0] == "WARN"
    assert lines[heading + 1].split()[:2] == ["warning", "WAIVER_STALE"]
    stale = "\n".join(lines[heading:])
    assert "no longer occurs" in stale
    command = next(line.split(": ", 2)[-1] for line in lines[heading:] if "fix:" in line)
    assert command == f"gate unwaive {fingerprint}"

    markdown = gate(["check", "--base", "HEAD", "--report", "markdown"], cwd=repo.root)
    assert "### Stale waivers (1)" in markdown.stdout
    assert f"gate unwaive {fingerprint}" in markdown.stdout
    report = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root).json()
    (finding,) = report["findings"]
    assert finding["rule"] == "WAIVER_STALE"
    assert command in finding["fix"]
    (check,) = [c for c in report["checks"] if c["name"] == "stale waivers"]
    assert check["findings"] == [finding["fingerprint"]]

    # the command the report printed removes the waiver and leaves the rest of the file
    removed = gate(command.split()[1:], cwd=repo.root)
    assert removed.exit_code == 0, removed.stdout + removed.stderr
    config = (repo.root / "gate.yaml").read_text()
    assert config.startswith(CONFIG)
    assert yaml.safe_load(config)["waivers"] == []
    clean = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert clean.exit_code == 0
    assert clean.json()["findings"] == []


def test_unwaive_removes_one_waiver_of_several_and_keeps_comments(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "gate.yaml",
        CONFIG
        + (
            "waivers:\n"
            "  # kept until the ledger moves\n"
            "  - rule: AVRO_READER_FIELD_MISSING_DEFAULT\n"
            "    subject: payments-value\n"
            "    fingerprint: 'aaaa1111'\n"
            "    reason: first\n"
            "    owner: team-payments\n"
            "    expires: 2999-01-01\n"
            "\n"
            "  # the second one\n"
            "  - rule: AVRO_TYPE_MISMATCH\n"
            "    subject: payments-value\n"
            "    fingerprint: 'bbbb2222'\n"
            "    reason: second\n"
            "    owner: team-payments\n"
            "    expires: 2999-01-01\n"
            "simulation:\n"
            "  seed: 7\n"
        ),
    )
    run = gate(["unwaive", "aaaa1111"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    text = (repo.root / "gate.yaml").read_text()
    assert [w["fingerprint"] for w in yaml.safe_load(text)["waivers"]] == ["bbbb2222"]
    assert "# the second one" in text
    assert "simulation:\n  seed: 7\n" in text
    assert "first" not in text
    unknown = gate(["unwaive", "cccc"], cwd=repo.root)
    assert unknown.exit_code == 2
    assert "no waiver has that fingerprint" in unknown.stderr


def test_a_run_restricted_to_files_does_not_call_other_subjects_waivers_stale(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    fingerprint = _fingerprint(gate, repo)
    _waive(gate, repo, fingerprint, "consumers upgraded first")
    repo.write("schemas/orders.avsc", OLD)
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "schemas/orders.avsc"], cwd=repo.root
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert [f["rule"] for f in run.json()["findings"]] == []
