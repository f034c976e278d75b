"""The Avro validity corpus (fixtures/avro-validity): each schema judged by its role, new or
registered, exactly as the registry judges it, through `gate compat` and `gate check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import avro.errors
import avro.schema
import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "avro-validity" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))
IDS = [case["id"] for case in CASES]
# a valid new schema, the other side of each run
PLAIN = {
    "type": "record",
    "name": "Plain",
    "namespace": "shop",
    "fields": [{"name": "id", "type": "string"}],
}


def _text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _invalid(report: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [
        f
        for f in report["findings"]
        if f["rule"] == "AVRO_INVALID_SCHEMA" and (f.get("location") or {}).get("path") == path
    ]


def _expect(case: dict[str, Any], role: str, found: list[dict[str, Any]]) -> None:
    if case[role] == "valid":
        assert found == [], (case["id"], role, found)
        return
    assert len(found) == 1, (case["id"], role, found)
    assert case["message"] in found[0]["message"], found[0]["message"]
    assert found[0]["path"] == case["pointer"]


def test_the_corpus_covers_both_roles_and_every_kind() -> None:
    assert len(IDS) == len(set(IDS))
    assert {c["new"] for c in CASES} == {"valid", "invalid"}
    assert {c["registered"] for c in CASES} == {"valid", "invalid"}
    assert any(c["new"] != c["registered"] for c in CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.get("names")], ids=lambda c: c["id"])
def test_the_avro_package_confirms_the_name_rules(case: dict[str, Any]) -> None:
    # the reference implementation's strict (ASCII) names refuse what a new schema may not have,
    # and its unchecked names read the schema
    text = json.dumps(case["schema"], ensure_ascii=False)
    with pytest.raises(avro.errors.AvroException):
        avro.schema.parse(text)
    assert avro.schema.parse(text, validate_names=False) is not None


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_compat_judges_the_last_file_as_new(
    gate: GateRunner, tmp_path: Path, case: dict[str, Any]
) -> None:
    (tmp_path / "plain.avsc").write_text(_text(PLAIN), encoding="utf-8")
    (tmp_path / "case.avsc").write_text(_text(case["schema"]), encoding="utf-8")
    run = gate(
        ["compat", "--mode", "none", "--format", "json", "plain.avsc", "case.avsc"], cwd=tmp_path
    )
    assert run.exit_code == (1 if case["new"] == "invalid" else 0), run.stdout + run.stderr
    _expect(case, "new", _invalid(run.json(), "case.avsc"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_compat_judges_the_older_files_as_registered(
    gate: GateRunner, tmp_path: Path, case: dict[str, Any]
) -> None:
    (tmp_path / "plain.avsc").write_text(_text(PLAIN), encoding="utf-8")
    (tmp_path / "case.avsc").write_text(_text(case["schema"]), encoding="utf-8")
    run = gate(
        ["compat", "--mode", "none", "--format", "json", "case.avsc", "plain.avsc"], cwd=tmp_path
    )
    assert run.exit_code == (1 if case["registered"] == "invalid" else 0), run.stdout
    _expect(case, "registered", _invalid(run.json(), "case.avsc"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_judges_the_candidate_as_new(
    gate: GateRunner, tmp_path: Path, case: dict[str, Any]
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/orders.avsc": _text(PLAIN)})
    repo.write("schemas/orders.avsc", _text(case["schema"]))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    _expect(case, "new", _invalid(run.json(), "schemas/orders.avsc"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_judges_the_base_revision_as_registered(
    gate: GateRunner, tmp_path: Path, case: dict[str, Any]
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/orders.avsc": _text(case["schema"])})
    repo.write("schemas/orders.avsc", _text(PLAIN))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    report = run.json()
    assert _invalid(report, "schemas/orders.avsc") == []  # the candidate is valid
    skipped = [c for c in report["checks"] if "not a valid schema" in (c.get("skipped") or "")]
    if case["registered"] == "valid":
        # the base is compared with the candidate, as the registry compares them
        assert skipped == [], skipped
        assert any(c["kind"] == "compat" and not c.get("skipped") for c in report["checks"])
    else:
        assert len(skipped) == 1, report["checks"]


REGISTERED_VALID = [c for c in CASES if c["registered"] == "valid"]


@pytest.mark.parametrize("case", REGISTERED_VALID, ids=lambda c: c["id"])
def test_registry_versions_are_judged_as_registered(
    gate: GateRunner, tmp_path: Path, case: dict[str, Any]
) -> None:
    from tests.support.registry_server import RegistryServer

    config = "version: 1\nsubjects:\n  - files: 'schemas/*.avsc'\n    subject: '{stem}-value'\n"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": config, "schemas/orders.avsc": _text(PLAIN)})
    repo.write("schemas/orders.avsc", _text({**PLAIN, "doc": "changed"}))
    with RegistryServer() as server:
        server.register("orders-value", _text(case["schema"]))
        run = gate(
            ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
        )
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    report = run.json()
    assert [f for f in report["findings"] if f["rule"] == "AVRO_INVALID_SCHEMA"] == []
    against = [c for c in report["checks"] if c["kind"] == "compat" and "registry" in c["id"]]
    assert against, report["checks"]
    assert all(not c.get("skipped") for c in against), report["checks"]
