"""A subject whose registered history holds a version of another schema type: the registry
calls a change of `schemaType` incompatible under every level but NONE, judging only the
versions the level selects (the latest; every one for a transitive level). gate agrees, with
the rule SCHEMA_TYPE_CHANGED, and `--verify-with-registry` finds no disagreement."""

from __future__ import annotations

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
  - files: "proto/*.proto"
    subject: "{stem}-value"
    type: PROTOBUF
"""
AVRO = record([("id", "long")], name="Order")
PROTO_V1 = 'syntax = "proto3";\npackage shop;\n\nmessage Order {\n  int64 id = 1;\n}\n'
PROTO_V2 = PROTO_V1.replace("}\n", "  string note = 2;\n}\n")


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("v1", {"gate.yaml": CONFIG, "proto/orders.proto": PROTO_V1})
    builder.write("proto/orders.proto", PROTO_V2)
    return builder


def _check(gate: GateRunner, repo: RepoBuilder, server: RegistryServer) -> Any:
    return gate(
        [
            "check",
            "--base",
            "HEAD",
            "--report",
            "json",
            "--registry",
            server.url,
            "--verify-with-registry",
        ],
        cwd=repo.root,
    )


def _rules(run: Any) -> list[str]:
    """The errors found, but drift's (the registered versions are no revision of the file)."""
    return sorted(
        f["rule"]
        for f in run.json()["findings"]
        if f["severity"] == "error" and not f["rule"].startswith("DRIFT_")
    )


def _registry_checks_pass(run: Any) -> bool:
    checks = [c for c in run.json()["checks"] if "registry" in c["id"] and c["kind"] == "compat"]
    assert checks, run.stdout
    return all(c["passed"] for c in checks)


@pytest.mark.parametrize("level", ["BACKWARD", "FORWARD", "FULL", "FULL_TRANSITIVE"])
def test_an_avro_history_makes_a_protobuf_candidate_incompatible(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer, level: str
) -> None:
    server.register("orders-value", AVRO)
    server.set_compatibility(level, "orders-value")
    run = _check(gate, repo, server)
    assert run.exit_code == 1, run.stdout + run.stderr
    # the registry says incompatible too: no disagreement
    assert set(_rules(run)) == {"SCHEMA_TYPE_CHANGED"}
    finding = next(f for f in run.json()["findings"] if f["rule"] == "SCHEMA_TYPE_CHANGED")
    assert finding["subject"] == "orders-value"
    assert "from AVRO to PROTOBUF" in finding["message"]
    assert "registry:orders-value@1" in " ".join(finding["versions"])
    assert finding["location"]["path"] == "proto/orders.proto"
    assert finding["fix"]


def test_level_none_accepts_a_change_of_schema_type(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("orders-value", AVRO)
    server.set_compatibility("NONE", "orders-value")
    run = _check(gate, repo, server)
    assert _rules(run) == [], run.stdout + run.stderr
    assert _registry_checks_pass(run)


@pytest.mark.parametrize(
    ("level", "rules"),
    [
        # only the latest version, a PROTOBUF one, is judged
        ("BACKWARD", []),
        ("FORWARD", []),
        # every version: the first one is AVRO
        ("BACKWARD_TRANSITIVE", ["SCHEMA_TYPE_CHANGED"]),
        ("FORWARD_TRANSITIVE", ["SCHEMA_TYPE_CHANGED"]),
    ],
)
def test_a_type_change_further_back_counts_for_transitive_levels_only(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer, level: str, rules: list[str]
) -> None:
    server.register("orders-value", AVRO)
    server.register("orders-value", PROTO_V1, schema_type="PROTOBUF")
    server.set_compatibility(level, "orders-value")
    run = _check(gate, repo, server)
    assert _rules(run) == rules, run.stdout
    assert _registry_checks_pass(run) == (not rules)


def test_compat_judges_files_of_two_schema_types(gate: GateRunner, tmp_path: Path) -> None:
    (tmp_path / "v1.avsc").write_text(AVRO)
    (tmp_path / "v2.proto").write_text(PROTO_V1)
    run = gate(["compat", "--format", "json", "v1.avsc", "v2.proto"], cwd=tmp_path)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _rules(run) == ["SCHEMA_TYPE_CHANGED"]
    run = gate(
        ["compat", "--mode", "NONE", "--format", "json", "v1.avsc", "v2.proto"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    # gate diff lists changes within one schema type: two types are a usage error
    run = gate(["diff", "v1.avsc", "v2.proto"], cwd=tmp_path)
    assert run.exit_code == 2
    assert "different schema types (AVRO, PROTOBUF)" in run.stderr
