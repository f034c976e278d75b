"""The text report in a CI log: short when little changed, every detail a -v away."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

UNCHANGED = 124
ORDERS = record([("id", "string"), ("amount", "int")], name="Order")
ORDERS_WITH_COUPON = record(
    [("id", "string"), ("amount", "int"), ("coupon", ["null", "string"])],
    name="Order",
    coupon=None,
)
PAYMENTS = record(
    [("id", "string"), ("at", {"type": "long", "logicalType": "timestamp-millis"})], name="Payment"
)
# a wire-compatible change whose values shift by a factor of 1000: a warning, not a failure
PAYMENTS_IN_MICROS = record(
    [("id", "string"), ("at", {"type": "long", "logicalType": "timestamp-micros"})],
    name="Payment",
)


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    files = {
        f"schemas/s{i:03d}.avsc": record([("id", "string")], name=f"S{i}") for i in range(UNCHANGED)
    }
    builder.commit("base", {**files, "schemas/orders.avsc": ORDERS})
    builder.write("schemas/orders.avsc", ORDERS_WITH_COUPON)
    return builder


def test_unchanged_subjects_are_one_line_and_a_changed_pass_says_what_changed(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    base = repo.sha("HEAD")[:7]
    assert run.stdout.splitlines() == [
        f"base HEAD ({base}), head worktree",
        f"PASS orders (BACKWARD vs HEAD ({base}): field `coupon` added with default null "
        "(in record `Order`))",
        "124 subjects unchanged",
        "note: registry baseline: none configured (git comparison only)",
        "125 subjects, 126 checks, 0 failed, 0 warnings, 0 waived",
    ]


def test_verbose_shows_every_subject_and_check(gate: GateRunner, repo: RepoBuilder) -> None:
    run = gate(["check", "--base", "HEAD", "-v"], cwd=repo.root)
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert sum(line.startswith("PASS s") for line in lines) == UNCHANGED
    assert "PASS orders" in lines
    assert not any(line.endswith("subjects unchanged") for line in lines)
    assert any(line.strip().startswith("changed: BACKWARD vs HEAD") for line in lines)


def test_quiet_keeps_warnings_and_the_summary_only(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.commit("payments", {"schemas/payments.avsc": PAYMENTS})  # orders' change with it
    repo.write("schemas/payments.avsc", PAYMENTS_IN_MICROS)
    run = gate(["check", "--base", "HEAD", "-q"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["warning", "AVRO_TIMESTAMP_PRECISION_CHANGED", "payments"]
    assert lines[-1].startswith("126 subjects, ")
    assert ", 1 warning, " in lines[-1]
    for absent in ("PASS", "unchanged", "note:", "changed:"):
        assert absent not in run.stdout
    # without -q the warning is shown under its subject, with what changed
    normal = gate(["check", "--base", "HEAD"], cwd=repo.root).stdout.splitlines()
    assert normal[1:3] == ["WARN payments", normal[2]]
    assert normal[2].startswith("  changed: BACKWARD vs HEAD (")
    assert "timestamp" in normal[2]
    assert "125 subjects unchanged" in normal


def test_reports_written_to_files_leave_the_text_report_on_standard_output(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    repo.write("schemas/s000.avsc", record([("id", "string"), ("n", "int")], name="S0"))
    junit, as_json = tmp_path / "out" / "gate.xml", tmp_path / "out" / "gate.json"
    files = ["--report", f"junit={junit}", "--report", f"json={as_json}"]
    run = gate(["check", "--base", "HEAD", *files], cwd=repo.root)
    assert run.exit_code == 1
    assert junit.is_file()
    assert json.loads(as_json.read_text())["passed"] is False
    lines = run.stdout.splitlines()
    assert "FAIL s000" in lines
    assert "123 subjects unchanged" in lines
    assert lines[-1].startswith("125 subjects, ")
    quiet = gate(["check", "--base", "HEAD", "-q", *files], cwd=repo.root)
    assert quiet.exit_code == 1
    assert quiet.stdout == ""


def test_gate_compat_names_what_changed_in_a_pass(gate: GateRunner, tmp_path: Path) -> None:
    (tmp_path / "old.avsc").write_text(ORDERS)
    (tmp_path / "new.avsc").write_text(ORDERS_WITH_COUPON)
    run = gate(["compat", "--mode", "FULL", "old.avsc", "new.avsc"], cwd=tmp_path)
    assert run.exit_code == 0
    assert run.stdout.splitlines()[0] == (
        "PASS new (FULL vs old.avsc: field `coupon` added with default null (in record `Order`))"
    )
