"""A commit-range check of plain schema files loads only the stages it runs: contracts, samples,
drift, references and the other commands' code are imported when gate.yaml or the registry
gives them work, not at start-up (each module's classes cost time to create)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gate.options import RunOptions, SourceOptions
from tests.support.gitrepo import RepoBuilder
from tests.support.runner import modules_loaded

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

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


def test_the_judging_stage_loads_while_git_lists_both_revisions(tmp_path: Path) -> None:
    """The pipeline's later stages are imported between starting git's listings of the two
    revisions and reading them: the two run at once."""
    from gate.pipeline import _judging_stage
    from gate.workspace import configuration, open_workspace

    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/a.avsc": AVRO})
    repo.commit("head", {"schemas/a.avsc": AVRO.replace('"id"', '"key"')})
    sources = SourceOptions(cwd=repo.root, base="HEAD~1", head="HEAD")
    config, opened = configuration(sources)
    assert opened is not None
    pending: list[list[str]] = []

    def meanwhile() -> None:
        pending.append(sorted(args[0] for args in opened._prefetched))
        _judging_stage()

    workspace = open_workspace(sources, config, opened, meanwhile=meanwhile)
    assert pending == [["ls-tree", "ls-tree"]]
    assert [s.subject for s in workspace.subjects] == ["a"]
    assert opened._prefetched == {}  # every listing was read, no thread is left


def test_a_check_opens_its_workspace_with_the_judging_stage_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gate.pipeline as pipeline

    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/a.avsc": AVRO})
    repo.commit("head", {"schemas/a.avsc": AVRO.replace('"id"', '"key"')})
    given: list[object] = []
    real = pipeline.open_workspace

    def recording(*args: Any, **kwargs: Any) -> Any:
        given.append(kwargs.get("meanwhile"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "open_workspace", recording)
    sources = SourceOptions(cwd=repo.root, base="HEAD~1", head="HEAD")
    result = pipeline.run_check(RunOptions(sources=sources))
    assert given == [pipeline._judging_stage]
    assert [c.subject for c in result.checks if c.findings] == ["a"]  # the field's rename
