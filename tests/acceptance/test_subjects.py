"""Files to subjects on real layouts, end to end: `{path}`, collisions, overlapping globs and
`file:` entries that name nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

CREATED = record([("id", "string"), ("amount", "int")], name="Created")
CREATED_BREAKS = record(
    [("id", "string"), ("amount", "int"), ("currency", "string")], name="Created"
)
ORDERS = "events/orders/v1/created.avsc"
PAYMENTS = "events/payments/v1/created.avsc"


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    """An event-schema layout: one folder per domain and version, the same file names in each."""
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            ORDERS: CREATED,
            PAYMENTS: CREATED,
            "events/orders/v1/shipped.avsc": record([("id", "string")]),
        },
    )
    return builder


def _subjects(report: dict[str, object]) -> set[str]:
    return {c["subject"] for c in report["checks"]}  # type: ignore[index,union-attr]


def _python_gate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_same_stems_in_nested_folders_collide_and_the_proposal_resolves_them(
    repo: RepoBuilder,
) -> None:
    done = _python_gate(repo.root, "check", "--base", "HEAD")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"two files map to subject 'created': {ORDERS} and {PAYMENTS}" in done.stderr
    assert "'events.orders.v1.created' and 'events.payments.v1.created'" in done.stderr
    # the proposal is a gate.yaml, indented under the hint: written as proposed, it works
    proposed = re.search(r"\n(    version: 1\n(?:    .*\n)+)", done.stderr)
    assert proposed is not None, done.stderr
    snippet = "\n".join(line[4:] for line in proposed.group(1).splitlines()) + "\n"
    assert 'subject: "{path}"' in snippet
    repo.write("gate.yaml", snippet)
    repo.write(PAYMENTS, CREATED_BREAKS)
    done = _python_gate(repo.root, "check", "--base", "HEAD", "--report", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    import json

    report = json.loads(done.stdout)
    assert _subjects(report) == {
        "events.orders.v1.created",
        "events.payments.v1.created",
        "events.orders.v1.shipped",
    }
    assert [(f["subject"], f["location"]["path"]) for f in report["findings"]] == [
        ("events.payments.v1.created", PAYMENTS)
    ]


def test_dir_stem_template_still_collides_and_path_template_checks_both(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "gate.yaml",
        'version: 1\nsubjects:\n  - files: "events/**/*.avsc"\n    subject: "{dir}-{stem}-value"\n',
    )
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2
    assert "two files map to subject 'v1-created-value'" in run.stderr
    assert ORDERS in run.stderr
    assert PAYMENTS in run.stderr
    assert (
        'in gate.yaml:3, change subject: "{dir}-{stem}-value" to subject: "{path}-value"'
        in run.stderr
    )
    assert "'events.orders.v1.created-value' and 'events.payments.v1.created-value'" in run.stderr

    repo.write(
        "gate.yaml",
        'version: 1\nsubjects:\n  - files: "events/**/*.avsc"\n    subject: "{path}-value"\n',
    )
    repo.write(ORDERS, CREATED_BREAKS)
    repo.write(PAYMENTS, CREATED_BREAKS)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    report = run.json()
    assert sorted((f["subject"], f["location"]["path"]) for f in report["findings"]) == [
        ("events.orders.v1.created-value", ORDERS),
        ("events.payments.v1.created-value", PAYMENTS),
    ]
    assert "events.orders.v1.shipped-value" in _subjects(report)


def test_a_fixed_subject_for_a_glob_gets_a_path_template(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "gate.yaml",
        'version: 1\nsubjects:\n  - files: "events/*/v1/created.avsc"\n'
        "    subject: created-value\n",
    )
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2
    assert f"{ORDERS} and {PAYMENTS}" in run.stderr
    assert 'to subject: "{path}"' in run.stderr


def test_no_template_is_proposed_when_none_tells_the_files_apart(
    gate: GateRunner, tmp_path: Path
) -> None:
    # the same path but for the extension: {path} cannot part them, so nothing is proposed
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "schemas/orders.avsc": record([("id", "string")]),
            "schemas/orders.json": '{"$schema": "http://json-schema.org/draft-07/schema#",\n'
            ' "type": "object"}\n',
            "gate.yaml": 'version: 1\nsubjects:\n  - files: "schemas/*"\n    subject: "{stem}"\n',
        },
    )
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2
    assert "schemas/orders.avsc and schemas/orders.json" in run.stderr
    assert "change subject" not in run.stderr
    assert "`file:` entry" in run.stderr


def test_overlapping_globs_first_rule_in_the_file_wins(gate: GateRunner, repo: RepoBuilder) -> None:
    general = '  - files: "events/**/*.avsc"\n    subject: "{path}"\n'
    specific = '  - files: "events/orders/**/*.avsc"\n    subject: "orders-{stem}"\n'
    single = "  - file: events/orders/v1/shipped.avsc\n    subject: shipped-value\n"
    repo.write("gate.yaml", "version: 1\nsubjects:\n" + specific + general + single)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    # a `file:` entry wins wherever it is written; between globs the first one wins
    assert _subjects(run.json()) == {
        "orders-created",
        "events.payments.v1.created",
        "shipped-value",
    }
    repo.write("gate.yaml", "version: 1\nsubjects:\n" + general + specific)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stderr
    assert _subjects(run.json()) == {
        "events.orders.v1.created",
        "events.payments.v1.created",
        "events.orders.v1.shipped",
    }


def test_path_in_samples_keeps_its_slashes(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write(
        "gate.yaml",
        'version: 1\nsubjects:\n  - files: "events/**/*.avsc"\n'
        '    subject: "{path}"\n    samples: ["samples/{path}.jsonl"]\n',
    )
    repo.write("samples/events/orders/v1/created.jsonl", '{"id": "a", "amount": 1}\n')
    repo.write(ORDERS, record([("id", "string"), ("amount", "long")], name="Created"))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    # the sample was found: the glob kept the folders (a dotted name would match no file)
    checks = {c["subject"]: c["name"] for c in run.json()["checks"] if "sample" in c["name"]}
    assert checks["events.orders.v1.created"] == "1 sample(s) readable and valid for the candidate"


def test_a_file_entry_naming_no_file_is_a_configuration_error(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "gate.yaml",
        (
            "version: 1\n"
            "subjects:\n"
            "  - subject: orders-created\n"
            f"    file: {ORDERS}\n"
            "  - subject: payments-created\n"
            "    file: events/payment/v1/created.avsc\n"  # a typo: payment, not payments
        ),
    )
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2
    assert (
        "gate.yaml:6: subjects[1].file: 'events/payment/v1/created.avsc' exists neither at "
        "HEAD" in run.stderr
    )
    assert "correct the path" in run.stderr
    assert "remove the entry" in run.stderr
    assert ORDERS not in run.stderr  # the entry that names a file is fine


def test_a_file_only_at_one_side_is_no_configuration_error(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "gate.yaml",
        (
            "version: 1\nsubjects:\n"
            f"  - {{subject: orders-created, file: {ORDERS}}}\n"
            "  - {subject: refunds-created, file: events/refunds/v1/created.avsc}\n"
        ),
    )
    (repo.root / ORDERS).unlink()  # at the base only: the subject lost its file
    repo.write("events/refunds/v1/created.avsc", CREATED)  # at the head only: a new subject
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stderr
    report = run.json()
    assert [(f["subject"], f["rule"]) for f in report["findings"]] == [
        ("orders-created", "SUBJECT_DELETED")
    ]
    assert "refunds-created" in _subjects(report)


def test_file_entries_of_a_configuration_below_the_root(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    # gate.yaml in a folder: its `file:` paths are relative to that folder
    repo.write(
        "events/gate.yaml",
        "version: 1\nsubjects:\n"
        "  - {subject: orders-created, file: orders/v1/created.avsc}\n"
        "  - {subject: gone, file: orders/v2/created.avsc}\n",
    )
    run = gate(["check", "--base", "HEAD"], cwd=repo.root / "events")
    assert run.exit_code == 2
    assert "gate.yaml:4: subjects[1].file: 'orders/v2/created.avsc' exists neither" in run.stderr
    repo.write(
        "events/gate.yaml",
        "version: 1\nsubjects:\n  - {subject: orders-created, file: orders/v1/created.avsc}\n",
    )
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root / "events")
    assert run.exit_code == 0, run.stderr
    assert _subjects(run.json()) == {"orders-created"}
