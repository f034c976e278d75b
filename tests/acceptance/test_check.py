"""`gate check` end to end on real git repositories built in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import junitparser
import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder, snapshot_worktree

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

V1 = record([("id", "string"), ("amount", "int")])
V2_OK = record([("id", "string"), ("amount", "long"), ("note", ["null", "string"])], note=None)
V2_BREAKS = record([("id", "string"), ("amount", "int"), ("currency", "string")])


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"schemas/orders.avsc": V1, "schemas/payments.avsc": V1})
    return builder


def _rules(report: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((f["subject"], f["rule"]) for f in report["findings"])  # type: ignore[index,union-attr]


def test_compatible_change_passes(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/orders.avsc", V2_OK)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    report = run.json()
    assert report["passed"] is True
    assert report["findings"] == []
    assert {c["subject"] for c in report["checks"]} == {"orders", "payments"}


def test_breaking_change_fails_with_location_and_fix(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/payments.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert finding["subject"] == "payments"
    assert finding["path"] == "/fields/2"
    assert finding["location"] == {"path": "schemas/payments.avsc", "line": 7}
    assert "currency" in finding["message"]
    assert "default" in finding["fix"]


def test_text_report_names_subject_rule_and_fix(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/payments.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 1
    assert "payments" in run.stdout
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in run.stdout
    assert "schemas/payments.avsc:7" in run.stdout
    assert "give `currency` a default" in run.stdout
    assert "\x1b[" not in run.stdout  # NO_COLOR, and not a terminal


def test_new_file_is_a_new_subject_with_a_note(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/refunds.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0
    notes = [n for c in run.json()["checks"] if c["subject"] == "refunds" for n in c["notes"]]
    assert any("new subject" in n for n in notes)


def test_deleted_file_is_a_finding(gate: GateRunner, repo: RepoBuilder) -> None:
    (repo.root / "schemas/orders.avsc").unlink()
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    assert _rules(run.json()) == [("orders", "SUBJECT_DELETED")]


def test_renamed_file_keeps_its_history(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.move("schemas/payments.avsc", "schemas/billing/payments.avsc")
    repo.write("schemas/billing/payments.avsc", V2_BREAKS)
    repo.git("add", "-A")
    run = gate(["check", "--base", "HEAD", "--staged", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    assert _rules(run.json()) == [("payments", "AVRO_READER_FIELD_MISSING_DEFAULT")]


def test_staged_content_is_checked_not_the_worktree(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/payments.avsc", V2_BREAKS)
    repo.git("add", "schemas/payments.avsc")
    repo.write("schemas/payments.avsc", V2_OK)  # unstaged fix: the commit would still break
    staged = gate(["check", "--base", "HEAD", "--staged", "--report", "json"], cwd=repo.root)
    assert staged.exit_code == 1
    worktree = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert worktree.exit_code == 0


def test_head_revision_and_merge_base_default(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("break", {"schemas/payments.avsc": V2_BREAKS})
    repo.write("schemas/payments.avsc", V1)  # the work tree does not matter with --head
    run = gate(["check", "--head", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1  # base defaults to the merge-base with main
    assert _rules(run.json()) == [("payments", "AVRO_READER_FIELD_MISSING_DEFAULT")]


def test_invalid_schema_is_a_finding_not_a_crash(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write(
        "schemas/orders.avsc",
        '{"type": "record", "name": "A", "fields": [\n'
        '  {"name": "x", "type": "int", "default": "zero"}\n]}\n',
    )
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "AVRO_INVALID_SCHEMA"
    assert finding["location"]["path"] == "schemas/orders.avsc"
    assert finding["location"]["line"] == 2


def test_missing_base_revision_exits_3(gate: GateRunner, repo: RepoBuilder) -> None:
    run = gate(["check", "--base", "no-such-branch"], cwd=repo.root)
    assert run.exit_code == 3
    assert "no-such-branch" in run.stderr
    assert "hint:" in run.stderr


def test_bad_configuration_exits_2(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("gate.yaml", "version: 1\nsubjectz: []\n")
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2
    assert "gate.yaml" in run.stderr
    assert "subjectz" in run.stderr
    assert "subjects" in run.stderr


def test_unknown_option_exits_2(gate: GateRunner, repo: RepoBuilder) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--no-such-option"],
        cwd=repo.root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "no-such-option" in done.stderr


def test_worktree_is_never_modified(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("schemas/payments.avsc", V2_BREAKS)
    before, status = snapshot_worktree(repo.root), repo.status()
    gate(["check", "--base", "HEAD"], cwd=repo.root)
    gate(["check", "--base", "HEAD", "--staged"], cwd=repo.root)
    assert snapshot_worktree(repo.root) == before
    assert repo.status() == status


def test_config_maps_subjects_and_levels(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.commit(
        "config",
        {
            "gate.yaml": (
                "version: 1\n"
                "subjects:\n"
                "  - subject: orders-value\n"
                "    file: schemas/orders.avsc\n"
                "    compatibility: FORWARD\n"
                "  - files: 'schemas/*.avsc'\n"
                "    subject: '{stem}-value'\n"
            )
        },
    )
    # dropping a field without default is fine BACKWARD but breaks FORWARD readers
    repo.write("schemas/orders.avsc", record([("id", "string")]))
    repo.write("schemas/payments.avsc", record([("id", "string")]))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    assert _rules(run.json()) == [("orders-value", "AVRO_READER_FIELD_MISSING_DEFAULT")]


def test_reports_are_written_after_the_run(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    repo.write("schemas/payments.avsc", V2_BREAKS)
    junit = tmp_path / "out" / "gate.xml"
    as_json = tmp_path / "out" / "gate.json"
    run = gate(
        [
            "check",
            "--base",
            "HEAD",
            "--report",
            f"junit={junit}",
            "--report",
            f"json={as_json}",
            "--report",
            "text",
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 1
    assert "payments" in run.stdout
    xml = junitparser.JUnitXml.fromfile(str(junit))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"orders", "payments"}
    failures = [
        (case.name, result.type)
        for case in suites["payments"]
        for result in case.result
        if isinstance(result, junitparser.Failure)
    ]
    assert len(failures) == 1
    assert failures[0][1] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert all(case.is_passed for case in suites["orders"])
    assert as_json.read_text().startswith("{")


def test_an_unwritable_report_loses_nothing_else(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    run = gate(["check", "--base", "HEAD", "--report", f"junit={blocker}/x.xml"], cwd=repo.root)
    assert run.exit_code == 3
    assert "junit" in run.stderr


def test_bundled_example_runs(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "fixtures" / "example" / "run.py"
    done = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in done.stdout
    assert "FAIL payments-value" in done.stdout
    assert "customers-value" not in done.stdout
    assert "1 subject unchanged" in done.stdout
    # exactly one of the three consumers breaks, and the witness shows the payload
    assert "consumer `fraud-detector` cannot read what producer `checkout` writes" in done.stdout
    assert "consumer `analytics` (prod) cannot" not in done.stdout
    assert "consumer `ledger` cannot" not in done.stdout
    assert "witness:" in done.stdout
    assert "REFUNDED" in done.stdout


def test_config_in_a_subdirectory_checks_its_own_files(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "mono")
    repo.commit(
        "base",
        {
            "svc/gate.yaml": "version: 1\nsubjects:\n  - files: 'schemas/*.avsc'\n"
            "    subject: '{stem}-value'\n",
            "svc/schemas/payments.avsc": V1,
            "other/schemas/ignored.avsc": V1,
        },
    )
    repo.write("svc/schemas/payments.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root / "svc")
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert finding["subject"] == "payments-value"
    assert finding["location"]["path"] == "svc/schemas/payments.avsc"
    from_root = gate(
        ["check", "--base", "HEAD", "--config", "svc/gate.yaml", "--report", "json"], cwd=repo.root
    )
    assert from_root.exit_code == 1
    assert {c["subject"] for c in from_root.json()["checks"]} == {"payments-value"}


def test_the_first_commit_is_checked_against_nothing(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "fresh")
    repo.write("schemas/orders.avsc", V1)
    repo.git("add", "-A")
    run = gate(["check", "--staged", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    notes = [n for c in run.json()["checks"] for n in c["notes"]]
    assert any("new subject" in n for n in notes)


def test_drift_without_a_registry_is_a_usage_error(gate: GateRunner, repo: RepoBuilder) -> None:
    run = gate(["drift"], cwd=repo.root)
    assert run.exit_code == 2
    assert "--snapshot" in run.stderr
