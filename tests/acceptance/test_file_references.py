"""Subjects whose JSON Schema `$ref`s reach a changed file are judged again, each side against
its own files: the base revision's schema resolves its references at the base revision."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from gate.subjects import file_references
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner, Run

CONFIG = """version: 1
subjects:
  - files: "schemas/*.json"
    subject: "{stem}-value"
    type: JSON
"""


def _schema(**properties: object) -> str:
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        },
        indent=2,
    )


def _customer(id_type: str) -> str:
    return json.dumps(
        {
            "type": "object",
            "properties": {
                "id": {"type": id_type},
                "address": {"$ref": "address.json"},
            },
            "additionalProperties": False,
        },
        indent=2,
    )


def _address(zip_type: str) -> str:
    return json.dumps(
        {"type": "object", "properties": {"zip": {"type": zip_type}}, "additionalProperties": False}
    )


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": CONFIG,
            "schemas/order.json": _schema(customer={"$ref": "../defs/customer.json"}),
            "schemas/invoice.json": _schema(total={"type": "number"}),
            "defs/customer.json": _customer("string"),
            "defs/address.json": _address("string"),
        },
    )
    return builder


def _hook(gate: GateRunner, repo: RepoBuilder, staged: str) -> Run:
    """What the pre-commit hook runs when `staged` is the staged file it is given."""
    return gate(
        ["check", "--staged", "--offline", "--base", "HEAD", "--report", "json", staged],
        cwd=repo.root,
    )


def _failed(report: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((f["subject"], f["rule"]) for f in report["findings"])  # type: ignore[index,union-attr]


def test_a_breaking_change_in_a_referenced_file_fails_its_subject(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("defs/customer.json", _customer("integer"))
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run.json()) == [("order-value", "JSON_TYPE_CHANGED")]
    notes = {c["subject"]: c["notes"] for c in run.json()["checks"] if c["notes"]}
    assert any("unchanged" in n for n in notes["invoice-value"])


def test_a_change_two_references_away_is_found(gate: GateRunner, repo: RepoBuilder) -> None:
    repo.write("defs/address.json", _address("integer"))
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run.json()) == [("order-value", "JSON_TYPE_CHANGED")]


def test_a_compatible_change_in_a_referenced_file_passes(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    loosened = json.loads(_customer("string"))
    loosened["properties"]["name"] = {"type": "string"}
    repo.write("defs/customer.json", json.dumps(loosened))
    run = gate(["check", "--offline", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    # STRICT: a new property under additionalProperties: false is compatible backward
    assert run.exit_code == 0, run.stdout + run.stderr


def test_the_pre_commit_case_judges_subjects_that_reach_a_staged_file(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("defs/customer.json", _customer("integer"))
    repo.git("add", "defs/customer.json")
    run = _hook(gate, repo, "defs/customer.json")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run.json()) == [("order-value", "JSON_TYPE_CHANGED")]
    # subjects that do not reach the staged file are not part of the run
    assert {c["subject"] for c in run.json()["checks"]} == {"order-value"}


def test_an_unstaged_edit_of_a_referenced_file_is_not_what_is_committed(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("defs/customer.json", _customer("integer"))  # in the work tree only
    repo.write(
        "schemas/order.json",
        _schema(customer={"$ref": "../defs/customer.json"}, note={"type": "string"}),
    )
    repo.git("add", "schemas/order.json")
    run = _hook(gate, repo, "schemas/order.json")
    # the index still holds the string id: the staged order schema only gained a property
    assert run.exit_code == 0, run.stdout + run.stderr


def test_revisions_resolve_references_at_their_own_commit(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.commit("break", {"defs/customer.json": _customer("integer")})
    repo.write("defs/customer.json", _customer("string"))  # the work tree is back as it was
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run.json()) == [("order-value", "JSON_TYPE_CHANGED")]


def test_a_reference_missing_at_the_head_revision_is_named(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.git("rm", "-q", "defs/address.json")
    repo.git("commit", "-q", "-m", "drop address")
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = run.json()["findings"]
    assert finding["subject"] == "order-value"
    assert "defs/address.json does not exist in revision HEAD" in finding["message"]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("schemas/a.json", '{"$ref": "../defs/b.json#/definitions/x"}', ["defs/b.json"]),
        ("a.json", '{"$ref" : "b.json"}', ["b.json"]),
        ("schemas/a.json", '{"$ref": "#/definitions/x"}', []),
        ("schemas/a.json", '{"$ref": "https://example.com/s.json"}', []),
        ("schemas/a.json", '{"$ref": "file:///etc/passwd"}', []),
        ("schemas/a.json", '{"$ref": "../../etc/passwd"}', []),
        ("schemas/a.json", '{"$ref": "/etc/passwd"}', []),
        ("schemas/a.json", '{"$ref": "sub/my%20file.json"}', ["schemas/sub/my file.json"]),
        ("schemas/a.json", '{"description": "no refs"}', []),
    ],
)
def test_file_references(path: str, text: str, expected: list[str]) -> None:
    assert file_references(path, text) == expected


def test_the_pre_commit_case_follows_a_chain_of_references(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("defs/address.json", _address("integer"))
    repo.git("add", "defs/address.json")
    run = _hook(gate, repo, "defs/address.json")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _failed(run.json()) == [("order-value", "JSON_TYPE_CHANGED")]


def test_a_staged_file_nobody_references_judges_nothing_else(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("schemas/invoice.json", _schema(total={"type": "number"}, note={"type": "string"}))
    repo.git("add", "schemas/invoice.json")
    run = _hook(gate, repo, "schemas/invoice.json")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert {c["subject"] for c in run.json()["checks"]} == {"invoice-value"}
