"""Confluent schema references declared in gate.yaml: an Avro type defined in another file, a
JSON Schema `$ref` to another subject, both resolved at each revision, against the registry and
for contracts; unknown targets and cycles are configuration errors naming gate.yaml's line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.runner import GateRunner, Run


def _avro(name: str, fields: list[dict[str, Any]]) -> str:
    document = {"type": "record", "name": name, "namespace": "com.shop", "fields": fields}
    return json.dumps(document, indent=2) + "\n"


def customer(id_type: str = "string", extra: bool = False) -> str:
    fields: list[dict[str, Any]] = [{"name": "id", "type": id_type}]
    if extra:
        fields.append({"name": "email", "type": ["null", "string"], "default": None})
    return _avro("Customer", fields)


def order(note: bool = False) -> str:
    fields: list[dict[str, Any]] = [
        {"name": "id", "type": "string"},
        {"name": "customer", "type": "com.shop.Customer"},
    ]
    if note:
        fields.append({"name": "note", "type": ["null", "string"], "default": None})
    return _avro("Order", fields)


AVRO_CONFIG = """version: 1
subjects:
  - subject: customer-value
    file: schemas/Customer.avsc
  - subject: order-value
    file: schemas/Order.avsc
    references:
      - name: com.shop.Customer
        subject: customer-value
        version: latest
"""

FILE_CONFIG = """version: 1
subjects:
  - subject: order-value
    file: schemas/Order.avsc
    references:
      - name: com.shop.Customer
        file: schemas/Customer.avsc
"""


def _check(gate: GateRunner, repo: RepoBuilder, *args: str) -> Run:
    return gate(["check", "--base", "HEAD", "--report", "json", *args], cwd=repo.root)


def _errors(run: Run) -> list[tuple[str, str]]:
    return sorted(
        (f["subject"], f["rule"]) for f in run.json()["findings"] if f["severity"] == "error"
    )


@pytest.fixture
def avro_repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": AVRO_CONFIG,
            "schemas/Customer.avsc": customer(),
            "schemas/Order.avsc": order(),
        },
    )
    return builder


# ------------------------------------------------------------------------------ Avro, in git


def test_an_avro_schema_split_across_two_files_parses_and_checks(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, avro_repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []
    checks = {c["id"]: c for c in run.json()["checks"]}
    assert checks["order-value: valid"]["findings"] == []
    # the pair was really compared, with Customer known to both sides
    assert any(
        c["subject"] == "order-value" and c["kind"] == "compat" and not c["notes"]
        for c in run.json()["checks"]
    )


def test_without_the_reference_the_type_is_unknown(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("gate.yaml", AVRO_CONFIG.split("    references:")[0])
    avro_repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, avro_repo, "--offline")
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "AVRO_INVALID_SCHEMA"
    assert "com.shop.Customer" in finding["message"]


def test_a_breaking_change_in_the_referenced_file_fails_both_subjects(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, avro_repo, "--offline")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _errors(run) == [
        ("customer-value", "AVRO_TYPE_MISMATCH"),
        ("order-value", "AVRO_TYPE_MISMATCH"),
    ]
    (on_order,) = [f for f in run.json()["findings"] if f["subject"] == "order-value"]
    assert on_order["path"] == "/fields/1/type/fields/0/type"
    assert on_order["location"]["path"] == "schemas/Order.avsc"


def test_a_compatible_change_in_the_referenced_file_passes_both(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("schemas/Customer.avsc", customer(extra=True))
    run = _check(gate, avro_repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    checks = run.json()["checks"]
    judged = {c["subject"] for c in checks if c["kind"] == "compat" and not c["notes"]}
    assert judged == {"customer-value", "order-value"}


def test_each_revision_resolves_the_reference_with_its_own_file(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.commit("break", {"schemas/Customer.avsc": customer(id_type="int")})
    avro_repo.write("schemas/Customer.avsc", customer())  # the work tree is as the base was
    run = gate(
        ["check", "--offline", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"],
        cwd=avro_repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert ("order-value", "AVRO_TYPE_MISMATCH") in _errors(run)


def test_a_file_reference_resolves_without_a_subject(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": FILE_CONFIG,
            "schemas/Customer.avsc": customer(),
            "schemas/Order.avsc": order(),
        },
    )
    repo.write("schemas/Order.avsc", order(note=True))
    assert _check(gate, repo, "--offline").exit_code == 0
    repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 1
    assert _errors(run) == [("order-value", "AVRO_TYPE_MISMATCH")]


def test_references_are_followed_transitively(gate: GateRunner, tmp_path: Path) -> None:
    address = _avro("Address", [{"name": "zip", "type": "string"}])
    person = _avro(
        "Customer",
        [{"name": "id", "type": "string"}, {"name": "address", "type": "com.shop.Address"}],
    )
    config = AVRO_CONFIG.replace(
        "    file: schemas/Customer.avsc\n",
        "    file: schemas/Customer.avsc\n    references:\n"
        "      - {name: com.shop.Address, file: schemas/Address.avsc}\n",
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": config,
            "schemas/Address.avsc": address,
            "schemas/Customer.avsc": person,
            "schemas/Order.avsc": order(),
        },
    )
    repo.write("schemas/Address.avsc", _avro("Address", [{"name": "zip", "type": "int"}]))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _errors(run) == [
        ("customer-value", "AVRO_TYPE_MISMATCH"),
        ("order-value", "AVRO_TYPE_MISMATCH"),
    ]


# ------------------------------------------------------------------------------ JSON Schema


JSON_CONFIG = """version: 1
subjects:
  - subject: customer-value
    file: schemas/common/customer.schema.json
  - subject: order-value
    file: schemas/orders/order.schema.json
    references:
      - {name: customer.json, subject: customer-value}
"""


def _json_customer(id_type: str) -> str:
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"id": {"type": id_type}},
            "additionalProperties": False,
        },
        indent=2,
    )


def _json_order(note: bool = False) -> str:
    properties: dict[str, Any] = {"id": {"type": "string"}, "customer": {"$ref": "customer.json"}}
    if note:
        properties["note"] = {"type": "string"}
    return json.dumps(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        },
        indent=2,
    )


@pytest.fixture
def json_repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": JSON_CONFIG,
            "schemas/common/customer.schema.json": _json_customer("string"),
            "schemas/orders/order.schema.json": _json_order(),
        },
    )
    return builder


def test_a_json_ref_to_another_subject_resolves_by_the_reference_name(
    gate: GateRunner, json_repo: RepoBuilder
) -> None:
    json_repo.write("schemas/orders/order.schema.json", _json_order(note=True))
    run = _check(gate, json_repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []


def test_a_breaking_change_in_a_referenced_json_subject_fails_the_referring_one(
    gate: GateRunner, json_repo: RepoBuilder
) -> None:
    json_repo.write("schemas/common/customer.schema.json", _json_customer("integer"))
    run = _check(gate, json_repo, "--offline")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _errors(run) == [
        ("customer-value", "JSON_TYPE_CHANGED"),
        ("order-value", "JSON_TYPE_CHANGED"),
    ]
    # the witness is data the referring subject's consumers would be sent
    (on_order,) = [f for f in run.json()["findings"] if f["subject"] == "order-value"]
    assert on_order["witness"]["payload"]["customer"] == {"id": ""}
    assert "is not of type 'integer'" in on_order["witness"]["error"]


# ------------------------------------------------------------------------------ errors


def test_a_reference_to_an_unknown_subject_is_a_configuration_error(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write(
        "gate.yaml",
        AVRO_CONFIG.replace(
            "subject: customer-value\n        version", "subject: custmer-value\n        version"
        ),
    )
    run = _check(gate, avro_repo, "--offline")
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "gate.yaml:8" in run.stderr
    assert "'com.shop.Customer' (custmer-value@latest)" in run.stderr
    assert "no schema file in git maps to subject 'custmer-value'" in run.stderr
    assert "hint:" in run.stderr


def test_a_reference_to_a_file_that_exists_nowhere_is_a_configuration_error(
    gate: GateRunner, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": FILE_CONFIG.replace("Customer.avsc", "Client.avsc"),
            "schemas/Order.avsc": order(),
        },
    )
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "gate.yaml:6" in run.stderr
    assert "schemas/Client.avsc exists neither at HEAD" in run.stderr


def test_a_referenced_file_missing_at_the_head_only_is_a_finding(
    gate: GateRunner, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": FILE_CONFIG,
            "schemas/Customer.avsc": customer(),
            "schemas/Order.avsc": order(),
        },
    )
    repo.git("rm", "-q", "schemas/Customer.avsc")
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = run.json()["findings"]
    assert finding["subject"] == "order-value"
    assert finding["rule"] == "AVRO_INVALID_SCHEMA"
    assert (
        "reference 'com.shop.Customer' (gate.yaml:6): schemas/Customer.avsc does not exist at "
        "worktree" in finding["message"]
    )


def test_a_reference_cycle_is_a_configuration_error(gate: GateRunner, tmp_path: Path) -> None:
    config = AVRO_CONFIG.replace(
        "    file: schemas/Customer.avsc\n",
        "    file: schemas/Customer.avsc\n    references:\n"
        "      - {name: com.shop.Order, subject: order-value}\n",
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {"gate.yaml": config, "schemas/Customer.avsc": customer(), "schemas/Order.avsc": order()},
    )
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "schema references form a cycle" in run.stderr
    assert "gate.yaml:6" in run.stderr
    assert "order-value@latest (line 6) -> customer-value@latest (line 10)" in run.stderr


def test_a_cycle_through_glob_subjects_is_found_when_resolving(
    gate: GateRunner, tmp_path: Path
) -> None:
    config = """version: 1
subjects:
  - files: "schemas/*.avsc"
    subject: "{stem}-value"
    references:
      - {name: com.shop.Customer, subject: Customer-value}
"""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {"gate.yaml": config, "schemas/Customer.avsc": customer(), "schemas/Order.avsc": order()},
    )
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "schema references form a cycle" in run.stderr
    assert "gate.yaml:6" in run.stderr
    assert "a `file:` rule binds a file before any `files:` glob" in run.stderr
    # as the hint says: the referenced file bound by a rule of its own leaves the glob's
    repo.write(
        "gate.yaml",
        config.replace(
            "subjects:\n", "subjects:\n  - {subject: Customer-value, file: schemas/Customer.avsc}\n"
        ),
    )
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr


# ------------------------------------------------------------------------------ the registry


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


def _registered(server: RegistryServer) -> None:
    server.register("customer-value", customer())
    server.register(
        "order-value", order(), references=(("com.shop.Customer", "customer-value", 1),)
    )


def test_against_the_registry_the_referring_subject_reads_its_registered_references(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    _registered(server)
    avro_repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, avro_repo, "--registry", server.url)
    assert run.exit_code == 0, run.stdout + run.stderr
    registry_checks = [
        c
        for c in run.json()["checks"]
        if c["subject"] == "order-value" and "registry" in c["name"] and not c["notes"]
    ]
    assert registry_checks, "the candidate was compared with the registered version"
    assert server.count("GET", "/subjects/customer-value/versions/1") <= 1


def test_a_changed_referenced_type_is_no_longer_the_registered_schema(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    # Order.avsc is byte for byte what the registry holds, but the Customer it references is not
    _registered(server)
    avro_repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, avro_repo, "--registry", server.url)
    assert run.exit_code == 1, run.stdout + run.stderr
    on_order = [f for f in run.json()["findings"] if f["subject"] == "order-value"]
    assert {f["rule"] for f in on_order} == {"AVRO_TYPE_MISMATCH"}
    assert any("registry:order-value@1" in v for f in on_order for v in f["versions"])
    notes = [n for c in run.json()["checks"] if c["subject"] == "order-value" for n in c["notes"]]
    assert not any("already registered" in n for n in notes)


def test_a_numbered_version_is_read_from_the_registry(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("customer-value", customer())
    server.register("customer-value", customer(extra=True))
    avro_repo.write("gate.yaml", AVRO_CONFIG.replace("version: latest", "version: 1"))
    # the work tree's Customer changed incompatibly; order-value pins the registered version 1
    avro_repo.write("schemas/Customer.avsc", customer(id_type="int"))
    avro_repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, avro_repo, "--registry", server.url)
    assert run.exit_code == 1
    assert {subject for subject, _ in _errors(run)} == {"customer-value"}, run.stdout
    # with `latest`, the work tree's Customer is what order-value references
    avro_repo.write("gate.yaml", AVRO_CONFIG)
    run = _check(gate, avro_repo, "--registry", server.url)
    assert ("order-value", "AVRO_TYPE_MISMATCH") in _errors(run)


def test_an_unknown_registered_version_is_a_configuration_error(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("customer-value", customer())
    avro_repo.write("gate.yaml", AVRO_CONFIG.replace("version: latest", "version: 7"))
    run = _check(gate, avro_repo, "--registry", server.url)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "gate.yaml:8" in run.stderr
    assert "customer-value has no version 7" in run.stderr
    assert "(registered: 1)" in run.stderr


def test_the_registry_is_told_the_references_when_asked_for_its_verdict(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    _registered(server)
    avro_repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, avro_repo, "--registry", server.url, "--verify-with-registry")
    assert run.exit_code == 0, run.stdout + run.stderr
    asked = [
        r
        for r in server.log
        if r.method == "POST" and "order-value" in r.path and r.body is not None
    ]
    assert asked
    assert asked[0].body["references"] == [
        {"name": "com.shop.Customer", "subject": "customer-value", "version": 1}
    ]


def test_a_snapshot_carries_references_and_checks_offline(
    gate: GateRunner, avro_repo: RepoBuilder, server: RegistryServer
) -> None:
    _registered(server)
    run = gate(["registry", "export", "snapshot", "--registry", server.url], cwd=avro_repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    stored = json.loads((avro_repo.root / "snapshot/subjects/order-value/v1.json").read_text())
    assert stored["references"] == [
        {"name": "com.shop.Customer", "subject": "customer-value", "version": 1}
    ]
    avro_repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, avro_repo, "--snapshot", "snapshot")
    assert run.exit_code == 1, run.stdout + run.stderr
    assert any(
        f["subject"] == "order-value" and any("snapshot:order-value@1" in v for v in f["versions"])
        for f in run.json()["findings"]
    )


# ------------------------------------------------------------------------------ runs on files


def test_the_pre_commit_case_judges_the_subjects_that_reference_a_staged_file(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("schemas/Customer.avsc", customer(id_type="int"))
    avro_repo.git("add", "schemas/Customer.avsc")
    run = gate(
        [
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "--report",
            "json",
            "schemas/Customer.avsc",
        ],
        cwd=avro_repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _errors(run) == [
        ("customer-value", "AVRO_TYPE_MISMATCH"),
        ("order-value", "AVRO_TYPE_MISMATCH"),
    ]


def test_a_staged_file_nobody_references_judges_only_itself(
    gate: GateRunner, avro_repo: RepoBuilder
) -> None:
    avro_repo.write("schemas/Order.avsc", order(note=True))
    avro_repo.git("add", "schemas/Order.avsc")
    run = gate(
        [
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "--report",
            "json",
            "schemas/Order.avsc",
        ],
        cwd=avro_repo.root,
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    assert {c["subject"] for c in run.json()["checks"]} == {"order-value"}


# ------------------------------------------------------------------------------ contracts


CONTRACT_CONFIG = (
    AVRO_CONFIG
    + """contracts:
  - subject: order-value
    producers:
      - name: checkout
    consumers:
      - name: billing
        reader: readers/billing-order.avsc
"""
)


def test_a_contract_reader_file_uses_the_subjects_references(
    gate: GateRunner, tmp_path: Path
) -> None:
    # billing's reader names com.shop.Customer without defining it, as the subject's file does
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": CONTRACT_CONFIG,
            "schemas/Customer.avsc": customer(),
            "schemas/Order.avsc": order(),
            "readers/billing-order.avsc": order(),
        },
    )
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    contract = [c for c in run.json()["checks"] if c["kind"] == "contract"]
    assert contract
    assert all(c["passed"] for c in contract)
    assert not any(f["rule"] == "CONTRACT_SCHEMA_UNRESOLVED" for f in run.json()["findings"])
    # the producer's Customer changes incompatibly: billing's reader breaks on it
    repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, repo, "--offline")
    contract_ids = {c["id"] for c in run.json()["checks"] if c["kind"] == "contract"}
    broken = [f for f in run.json()["findings"] if f["check"] in contract_ids]
    assert {f["rule"] for f in broken} == {"AVRO_TYPE_MISMATCH"}, run.stdout
    assert "billing" in broken[0]["message"]


def test_a_contract_reader_that_defines_the_type_itself_is_read_as_it_is(
    gate: GateRunner, tmp_path: Path
) -> None:
    own_copy = order().replace('"com.shop.Customer"', json.dumps(json.loads(customer())))
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": CONTRACT_CONFIG,
            "schemas/Customer.avsc": customer(),
            "schemas/Order.avsc": order(),
            "readers/billing-order.avsc": own_copy,
        },
    )
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert [c for c in run.json()["checks"] if c["kind"] == "contract"]


def test_a_referenced_subject_without_a_file_in_git_is_read_from_the_registry(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    # Customer lives in another repository: only the registry holds it
    server.register("customer-value", customer(id_type="int"))
    server.register("customer-value", customer())
    config = AVRO_CONFIG.replace(
        "  - subject: customer-value\n    file: schemas/Customer.avsc\n", ""
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": config, "schemas/Order.avsc": order()})
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 0, run.stdout + run.stderr
    offline = _check(gate, repo, "--offline")
    assert offline.exit_code == 2, offline.stdout + offline.stderr
    assert "no schema file in git maps to subject 'customer-value'" in offline.stderr
    # order-value was registered with Customer version 2; pinning version 1 (an int id) is a
    # breaking change against it, though no file in git changed its Customer
    server.register(
        "order-value", order(), references=(("com.shop.Customer", "customer-value", 2),)
    )
    repo.write("gate.yaml", config.replace("version: latest", "version: 1"))
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "AVRO_TYPE_MISMATCH"
    assert "writer: registry:order-value@1 (id 3)" in finding["versions"]


def _inline_order(customer_text: str) -> str:
    return order().replace('"com.shop.Customer"', customer_text.strip().replace("\n", "\n    "))


@pytest.mark.parametrize("customer_at_base", [True, False])
def test_moving_a_type_into_a_referenced_file_compares_with_the_base_as_it_was(
    gate: GateRunner, tmp_path: Path, customer_at_base: bool
) -> None:
    # the base defined Customer inside Order.avsc; the change moves it to Customer.avsc
    repo = RepoBuilder(tmp_path / "repo")
    base = {
        "gate.yaml": FILE_CONFIG.split("    references:")[0],
        "schemas/Order.avsc": _inline_order(customer()),
    }
    if customer_at_base:
        base["schemas/Customer.avsc"] = customer()
    repo.commit("base", base)
    repo.write("gate.yaml", FILE_CONFIG)
    repo.write("schemas/Customer.avsc", customer())
    repo.write("schemas/Order.avsc", order())
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    compared = [
        c
        for c in run.json()["checks"]
        if c["kind"] == "compat" and not c["notes"] and not c["skipped"]
    ]
    assert compared, "the head was compared with the base"
    # and a breaking change made while moving it is still found
    repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, repo, "--offline")
    assert _errors(run) == [("order-value", "AVRO_TYPE_MISMATCH")], run.stdout


def _wire(schema_id: int, text: str, value: dict[str, Any]) -> bytes:
    import io
    import struct

    import fastavro

    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(json.loads(text)), value)
    return b"\x00" + struct.pack(">I", schema_id) + body.getvalue()


def test_a_captured_message_is_decoded_with_its_schema_ids_references(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    # the message was written under another subject's version, known to gate only by its id
    server.register("customer-value", customer())
    written = server.register(
        "orders-legacy-value", order(), references=(("com.shop.Customer", "customer-value", 1),)
    )
    config = AVRO_CONFIG.replace(
        "    file: schemas/Order.avsc\n",
        "    file: schemas/Order.avsc\n    samples: [captured/*]\n",
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {"gate.yaml": config, "schemas/Customer.avsc": customer(), "schemas/Order.avsc": order()},
    )
    message = {"id": "o-1", "customer": {"id": "c-1"}}
    repo.write("captured/one.bin", _wire(written.id, _inline_order(customer()), message))
    repo.write("schemas/Order.avsc", order(note=True))
    run = _check(gate, repo, "--registry", server.url)
    assert run.exit_code == 0, run.stdout + run.stderr
    (samples,) = [c for c in run.json()["checks"] if c["id"] == "order-value: samples"]
    assert samples["passed"]
    assert samples["findings"] == []
    # a candidate whose Customer cannot read the captured one
    repo.write("schemas/Customer.avsc", customer(id_type="int"))
    run = _check(gate, repo, "--registry", server.url)
    captured = [f for f in run.json()["findings"] if "captured message" in f["message"]]
    assert len(captured) == 1, run.stdout
    assert "captured/one.bin" in captured[0]["message"], run.stdout
