"""`gate check`, `gate drift` and `gate registry export` against a registry on 127.0.0.1."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.runner import GateRunner

CONFIG = """version: 1
subjects:
  - files: 'schemas/*.avsc'
    subject: '{stem}-value'
"""
LEGACY = record([("id", "string"), ("legacy", "string")])
V2 = record([("id", "string")])
V3 = record([("id", "string"), ("note", ["null", "string"])], note=None)


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("v1", {"gate.yaml": CONFIG, "schemas/orders.avsc": LEGACY})
    builder.commit("v2", {"schemas/orders.avsc": V2})
    builder.write("schemas/orders.avsc", V3)
    return builder


def _findings(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["subject"], f["rule"]) for f in report["findings"])


def _check(gate: GateRunner, repo: RepoBuilder, *args: str) -> Any:
    return gate(["check", "--base", "HEAD", "--report", "json", *args], cwd=repo.root)


def test_transitive_level_comes_from_the_registry(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("orders-value", LEGACY)
    server.register("orders-value", V2)
    server.set_compatibility("FORWARD", "orders-value")
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 0, run.stdout
    server.set_compatibility("FORWARD_TRANSITIVE", "orders-value")
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 1
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert "legacy" in finding["message"]
    assert finding["location"] == {"path": "schemas/orders.avsc", "line": None}
    assert any("registry:orders-value@1" in v for v in finding["versions"])


def test_new_subject_passes_with_a_note(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer
) -> None:
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 0
    notes = [n for c in run.json()["checks"] for n in c["notes"]]
    assert any("nothing is registered under orders-value" in n for n in notes)


def test_refused_credentials_exit_3_without_the_secret(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    with RegistryServer(auth=("key", "right-secret")) as server:
        run = gate(
            ["check", "--base", "HEAD", "--registry", server.url],
            cwd=repo.root,
            env={"GATE_REGISTRY_USER": "key", "GATE_REGISTRY_PASSWORD": "wrong-secret-42"},
        )
    assert run.exit_code == 3
    assert "wrong-secret-42" not in run.stdout + run.stderr
    assert "hint:" in run.stderr
    assert "GATE_REGISTRY" in run.stderr


def test_unreachable_registry_exits_3(gate: GateRunner, repo: RepoBuilder) -> None:
    with RegistryServer() as server:
        url = server.url
    run = gate(["check", "--base", "HEAD", "--registry", url], cwd=repo.root)
    assert run.exit_code == 3
    assert "127.0.0.1" in run.stderr


def test_export_then_snapshot_gives_the_same_verdicts(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer, tmp_path: Path
) -> None:
    server.register("orders-value", LEGACY)
    server.register("orders-value", V2)
    server.register("customers-value", V2)
    server.set_compatibility("FULL_TRANSITIVE", "orders-value")
    live = _check(gate, repo, "--registry", server.url)
    snapshot = tmp_path / "snap"
    export = gate(["registry", "export", str(snapshot), "--registry", server.url], cwd=repo.root)
    assert export.exit_code == 0, export.stderr
    offline = _check(gate, repo, "--snapshot", str(snapshot))
    assert live.exit_code == offline.exit_code == 1
    assert _findings(live.json()) == _findings(offline.json())


def test_drift_of_every_kind(gate: GateRunner, repo: RepoBuilder, server: RegistryServer) -> None:
    repo.commit(
        "v3 and gate level",
        {
            "schemas/orders.avsc": V3,
            "gate.yaml": CONFIG.replace(
                "    subject: '{stem}-value'\n",
                "    subject: '{stem}-value'\n    compatibility: FULL\n",
            ),
        },
    )
    repo.write("schemas/refunds.avsc", V2)
    server.register("orders-value", LEGACY)
    server.register("orders-value", record([("id", "string"), ("by_hand", "int")]))
    server.register("audit-value", V2)
    server.set_compatibility("BACKWARD", "orders-value")
    run = gate(
        ["drift", "--registry", server.url, "--report", "json", "--fail-on", "warning"],
        cwd=repo.root,
    )
    assert run.stdout, run.stderr
    rules = set(_findings(run.json()))
    assert ("orders-value", "DRIFT_UNTRACKED_REGISTRY_VERSION") in rules
    assert ("orders-value", "DRIFT_NOT_REGISTERED") in rules
    assert ("orders-value", "DRIFT_COMPATIBILITY_MISMATCH") in rules
    assert ("audit-value", "DRIFT_SUBJECT_NOT_IN_GIT") in rules
    assert ("refunds-value", "DRIFT_SUBJECT_NOT_IN_REGISTRY") in rules
    assert run.exit_code == 1


def _avro_oracle(reader: str, writer: str, schema_type: str) -> list[str]:
    import avro.compatibility
    import avro.schema

    result = avro.compatibility.ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(reader), avro.schema.parse(writer)
    )
    return (
        []
        if result.compatibility is avro.compatibility.SchemaCompatibilityType.compatible
        else [str(m) for m in result.messages]
    )


def test_verify_with_registry_agrees_with_a_real_checker(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    with RegistryServer(check=_avro_oracle) as server:
        server.register("orders-value", V2)
        repo.write("schemas/orders.avsc", record([("id", "string"), ("must", "int")]))
        run = _check(gate, repo, "--registry", server.url, "--verify-with-registry")
    assert run.exit_code == 1
    rules = [rule for _, rule in _findings(run.json())]
    assert "REGISTRY_VERDICT_DISAGREES" not in rules
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in rules


def test_verify_with_registry_reports_a_disagreement(gate: GateRunner, repo: RepoBuilder) -> None:
    with RegistryServer(check=lambda reader, writer, kind: ["NO: the server says so"]) as server:
        server.register("orders-value", V2)
        run = _check(gate, repo, "--registry", server.url, "--verify-with-registry")
    report = run.json()
    assert run.exit_code == 1
    (finding,) = [f for f in report["findings"] if f["rule"] == "REGISTRY_VERDICT_DISAGREES"]
    assert "the server says so" in finding["message"]
    assert json.dumps(report)  # the whole report stays serialisable
