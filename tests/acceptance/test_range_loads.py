"""A commit-range check of plain schema files loads only the stages it runs: contracts, samples,
drift, references and the other commands' code are imported when gate.yaml or the registry
gives them work, not at start-up (each module's classes cost time to create)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.gitrepo import RepoBuilder
from tests.support.runner import modules_loaded

if TYPE_CHECKING:
    from pathlib import Path

AVRO = '{"type": "record", "name": "A", "fields": [{"name": "id", "type": "string"}]}\n'
NOT_LOADED = (
    "gate.atomic",
    "gate.checks.contracts",
    "gate.checks.samples",
    "gate.contracts",
    "gate.filecommands",
    "gate.history",
    "gate.references",
    "gate.repocommands",
    "gate.samples",
)
RANGE = ["check", "--base", "HEAD~1", "--head", "HEAD", "-q"]


def loaded(repo: Path) -> set[str]:
    done, modules = modules_loaded(repo, RANGE, "gate")
    assert done.returncode == 0, done.stdout + done.stderr
    return modules


def test_a_range_check_of_plain_schema_files_loads_no_other_stage(tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/a.avsc": AVRO, "schemas/b.avsc": AVRO.replace("A", "B", 1)})
    optional = '{"name": "note", "type": ["null", "string"], "default": null}'
    repo.commit("head", {"schemas/a.avsc": AVRO.replace('"string"}', f'"string"}}, {optional}')})
    modules = loaded(repo.root)
    assert "gate.pipeline" in modules
    assert sorted(modules.intersection(NOT_LOADED)) == []


def test_a_range_check_with_a_contract_loads_the_contract_stage(tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    config = (
        "version: 1\n"
        "contracts:\n"
        "  - subject: a\n"
        "    producers: [{name: svc, file: schemas/a.avsc}]\n"
        "    consumers: [{name: reader, reader: schemas/a.avsc}]\n"
    )
    repo.commit("base", {"gate.yaml": config, "schemas/a.avsc": AVRO})
    optional = '{"name": "note", "type": ["null", "string"], "default": null}'
    repo.commit("head", {"schemas/a.avsc": AVRO.replace('"string"}', f'"string"}}, {optional}')})
    assert "gate.checks.contracts" in loaded(repo.root)


def test_a_check_of_named_files_loads_no_reference_stage(tmp_path: Path) -> None:
    # the pre-commit hook names the staged files: references are followed only when declared
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/a.avsc": AVRO, "schemas/b.avsc": AVRO.replace("A", "B", 1)})
    optional = '{"name": "note", "type": ["null", "string"], "default": null}'
    repo.commit("head", {"schemas/a.avsc": AVRO.replace('"string"}', f'"string"}}, {optional}')})
    done, modules = modules_loaded(repo.root, [*RANGE, "schemas/a.avsc"], "gate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate.pipeline" in modules
    assert sorted(modules.intersection(NOT_LOADED)) == []
