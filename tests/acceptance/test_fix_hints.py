"""A fix hint is something the user can do: following it turns the failing run into a pass."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner


def _object(**properties: object) -> str:
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": properties,
    }
    return json.dumps(document, indent=2) + "\n"


OLD = _object(id={"type": "string"})
NEW = _object(id={"type": "string"}, email={"type": "string"})
CONFIG = """version: 1
subjects:
  - subject: customers-value
    file: schemas/customers.json
"""


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"gate.yaml": CONFIG, "schemas/customers.json": OLD})
    builder.write("schemas/customers.json", NEW)
    return builder


def test_property_added_to_an_open_model_points_to_the_lenient_policy_and_it_works(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = [f for f in run.json()["findings"] if f["failing"]]
    assert finding["rule"] == "JSON_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    fix = finding["fix"]
    # the original is already registered: closing it is no longer possible
    assert "on the original schema first" not in fix
    assert "`json_policy: LENIENT`" in fix
    assert "new subject" in fix

    # doing what the hint says, with the key it names, in the file it names
    repo.write("gate.yaml", CONFIG + "    json_policy: LENIENT\n")
    followed = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert followed.exit_code == 0, followed.stdout + followed.stderr


def test_gate_compat_names_its_own_option_and_it_works(gate: GateRunner, tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(OLD)
    (tmp_path / "new.json").write_text(NEW)
    run = gate(["compat", "old.json", "new.json"], cwd=tmp_path)
    assert run.exit_code == 1
    assert "`--policy LENIENT`" in run.stdout
    assert (
        gate(["compat", "--policy", "LENIENT", "old.json", "new.json"], cwd=tmp_path).exit_code == 0
    )
