"""Union branches with the same short name in two namespaces, reordered: the registry accepts,
Java's decoder reads the data, fastavro does not. The simulation reports it as the one warning
of that kind, never as an error (`gate compat` and `gate check` end to end)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import fastavro
import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner


def _p(namespace: str, field: str, kind: str) -> dict[str, Any]:
    return {
        "type": "record",
        "name": "P",
        "namespace": namespace,
        "fields": [{"name": field, "type": kind}],
    }


def _order(branches: list[dict[str, Any]]) -> str:
    value = {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [{"name": "id", "type": "string"}, {"name": "party", "type": branches}],
    }
    return json.dumps(value, indent=2) + "\n"


OLD = _order([_p("a", "x", "int"), _p("b", "y", "string")])
NEW = _order([_p("b", "y", "string"), _p("a", "x", "int")])


def test_fastavro_alone_fails_on_the_reordered_branches() -> None:
    # the premise: fastavro resolves the writer's a.P to the reader's first branch named P
    writer = fastavro.parse_schema(json.loads(OLD), named_schemas={})
    reader = fastavro.parse_schema(json.loads(NEW), named_schemas={})
    import io

    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, writer, {"id": "1", "party": ("a.P", {"x": 1})})
    with pytest.raises(fastavro.read.SchemaResolutionError):
        fastavro.schemaless_reader(io.BytesIO(buffer.getvalue()), writer, reader)


def _warnings(report: dict[str, Any]) -> list[dict[str, Any]]:
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    return [f for f in report["findings"] if f["rule"] == "SIMULATION_BREAKS_ACCEPTED_CHANGE"]


def _says_fastavro_only(finding: dict[str, Any]) -> None:
    assert finding["severity"] == "warning"
    assert "Java's decoder reads data written with" in finding["message"]
    assert "fastavro consumers of" in finding["message"]
    assert "short name" in finding["message"]
    assert "short names" in finding["fix"]
    assert finding["witness"] is not None


def test_compat_reports_the_fastavro_failure_as_one_warning_per_direction(
    gate: GateRunner, tmp_path: Path
) -> None:
    (tmp_path / "old.avsc").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.avsc").write_text(NEW, encoding="utf-8")
    run = gate(
        ["compat", "--mode", "full", "--format", "json", "old.avsc", "new.avsc"], cwd=tmp_path
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    warnings = _warnings(run.json())
    assert len(warnings) == 2
    for finding in warnings:
        _says_fastavro_only(finding)


def test_check_never_reports_the_reordered_branches_as_an_error(
    gate: GateRunner, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/orders.avsc": OLD})
    repo.write("schemas/orders.avsc", NEW)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    for finding in _warnings(run.json()):  # simulated only where resolution may change values
        _says_fastavro_only(finding)


def test_a_real_break_between_types_of_one_short_name_stays_an_error(
    gate: GateRunner, tmp_path: Path
) -> None:
    # the reader drops a.P: Java resolves the writer's a.P to b.P by its short name, and b.P
    # needs a field a.P never wrote: the registry refuses, and the error stands
    (tmp_path / "old.avsc").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.avsc").write_text(_order([_p("b", "y", "string")]), encoding="utf-8")
    run = gate(["compat", "--format", "json", "old.avsc", "new.avsc"], cwd=tmp_path)
    assert run.exit_code == 1, run.stdout + run.stderr
    errors = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert errors
    assert all("Java's decoder" not in f["message"] for f in run.json()["findings"])


# ---------------------------------------------------------- captured and configured samples


def _body(value: dict[str, Any]) -> bytes:
    import io

    buffer = io.BytesIO()
    fastavro.schemaless_writer(
        buffer, fastavro.parse_schema(json.loads(OLD), named_schemas={}), value
    )
    return buffer.getvalue()


A_P = {"id": "1", "party": ("a.P", {"x": 1})}
CONFIG = (
    "version: 1\nsubjects:\n  - subject: orders-value\n    file: schemas/orders.avsc\n"
    "    samples: [captured/*]\n"
)


def _only_fastavro_warnings(run: Any) -> list[dict[str, Any]]:
    report = run.json()
    assert [f for f in report["findings"] if f["severity"] == "error"] == [], report["findings"]
    assert [f for f in report["findings"] if f["rule"] == "SIMULATION_DECODE_FAILED"] == []
    warnings = _warnings(report)
    for finding in warnings:
        _says_fastavro_only(finding)
    return warnings


def test_a_captured_message_only_fastavro_fails_on_is_the_one_warning(
    gate: GateRunner, tmp_path: Path
) -> None:
    import struct

    from tests.support.registry_server import RegistryServer

    with RegistryServer() as server:
        registered = server.register("orders-value", OLD)
        repo = RepoBuilder(tmp_path / "repo")
        repo.commit("base", {"gate.yaml": CONFIG, "schemas/orders.avsc": OLD})
        repo.write("captured/a-party.bin", b"\x00" + struct.pack(">I", registered.id) + _body(A_P))
        repo.write("schemas/orders.avsc", NEW)
        run = gate(
            ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
        )
    assert run.exit_code == 0, run.stdout + run.stderr
    warnings = _only_fastavro_warnings(run)
    assert any("captured/a-party.bin" in f["message"] for f in warnings), warnings


CONTRACT = (
    CONFIG
    + """contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: fraud
        reader: readers/fraud.avsc
"""
)


def test_contract_samples_only_fastavro_fails_on_are_one_warning_per_pair(
    gate: GateRunner, tmp_path: Path
) -> None:
    import struct

    from tests.support.registry_server import RegistryServer

    with RegistryServer() as server:
        registered = server.register("orders-value", OLD)
        repo = RepoBuilder(tmp_path / "repo")
        repo.commit(
            "base", {"gate.yaml": CONTRACT, "schemas/orders.avsc": OLD, "readers/fraud.avsc": OLD}
        )
        # data in flight, captured with the registered schema, and a producer's JSON sample
        repo.write("captured/a-party.bin", b"\x00" + struct.pack(">I", registered.id) + _body(A_P))
        repo.write("captured/orders.jsonl", '{"id": "2", "party": {"a.P": {"x": 2}}}\n')
        repo.write("readers/fraud.avsc", NEW)
        run = gate(
            ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
        )
    assert run.exit_code == 0, run.stdout + run.stderr
    warnings = _only_fastavro_warnings(run)
    checks = [f["check"] for f in warnings]
    assert len(checks) == len(set(checks)), checks  # one warning per check at most
    said = " ".join(f["message"] for f in warnings)
    assert "captured/a-party.bin" in said, said
    assert "captured/orders.jsonl:1" in said, said
