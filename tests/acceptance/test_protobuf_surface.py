"""Protobuf through the rest of gate: the built-in subject rules, the registry (its verdict,
references, snapshots), drift, and contracts, each through the real command on a real git
repository and the registry test server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer, naive_protobuf_check

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.runner import GateRunner

MONEY = (
    'syntax = "proto3";\npackage shop;\n\n'
    "message Money {\n  int64 units = 1;\n  string currency = 2;\n}\n"
)
ORDER = (
    'syntax = "proto3";\npackage shop;\n\nimport "common/money.proto";\n\n'
    "// one order, as checkout writes it\nmessage Order {\n  string id = 1;\n  Money total = 2;\n"
    "  int32 quantity = 3;\n}\n"
)
CONFIG = """version: 1
subjects:
  - subject: orders-value
    file: protos/orders.proto
    references:
      - name: common/money.proto
        subject: money-value
  - subject: money-value
    file: protos/common/money.proto
"""


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer(check=naive_protobuf_check) as running:
        yield running


def _rules(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (f["subject"], f["rule"])
        for f in report["findings"]
        if f["severity"] in ("error", "warning")
    )


# --- the built-in subject rules: .proto files are subjects without gate.yaml -------------------


def test_proto_files_are_subjects_without_gate_yaml(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("v1", {"protos/orders.proto": ORDER, "protos/common/money.proto": MONEY})
    # a comment and the layout change: the same schema
    repo.write(
        "protos/orders.proto",
        ORDER.replace("// one order, as checkout writes it\n", "").replace("  ", "    "),
    )
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout
    report = run.json()
    checks = {(c["subject"], c["kind"]) for c in report["checks"] if c["passed"]}
    assert {("orders", "validity"), ("orders", "compat")} <= checks
    # a field's type changes: the registry's rule fails the build, at the field's line
    repo.write("protos/orders.proto", ORDER.replace("int32 quantity", "string quantity"))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert (finding["subject"], finding["rule"]) == ("orders", "PROTOBUF_FIELD_SCALAR_KIND_CHANGED")
    assert finding["location"] == {"path": "protos/orders.proto", "line": 10}


# --- the registry: references, its own verdict, snapshots ---------------------------------------


@pytest.fixture
def referenced(tmp_path: Path, server: RegistryServer) -> RepoBuilder:
    """A repository whose orders.proto imports common/money.proto, both registered, the
    orders subject with a reference to the money subject."""
    server.register("money-value", MONEY, schema_type="PROTOBUF")
    server.register(
        "orders-value",
        ORDER,
        schema_type="PROTOBUF",
        references=(("common/money.proto", "money-value", 1),),
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "v1",
        {"gate.yaml": CONFIG, "protos/orders.proto": ORDER, "protos/common/money.proto": MONEY},
    )
    return repo


def test_registered_versions_are_compiled_with_their_references(
    gate: GateRunner, referenced: RepoBuilder, server: RegistryServer
) -> None:
    # the field changes from the referenced message to a string, in git and against the
    # registry's version 1, whose import is the registry's money-value@1
    referenced.write("protos/orders.proto", ORDER.replace("Money total", "string total"))
    run = gate(
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
        cwd=referenced.root,
    )
    assert run.exit_code == 1, run.stdout
    report = run.json()
    kinds = [f for f in report["findings"] if f["rule"] == "PROTOBUF_FIELD_KIND_CHANGED"]
    assert {v for f in kinds for v in f["versions"] if "registry:" in v} == {
        "writer: registry:orders-value@1 (id 2)"
    }
    # and the registry, asked, agrees
    assert "REGISTRY_VERDICT_DISAGREES" not in {f["rule"] for f in report["findings"]}
    # the registry was asked with the schema type and the references the registry needs
    (asked,) = [r for r in server.log if r.method == "POST"]
    assert asked.path == "/compatibility/subjects/orders-value/versions"
    assert asked.body["schemaType"] == "PROTOBUF"
    assert asked.body["references"] == [
        {"name": "common/money.proto", "subject": "money-value", "version": 1}
    ]
    assert "string total = 2;" in asked.body["schema"]


def test_snapshots_keep_proto_texts_and_references(
    gate: GateRunner, referenced: RepoBuilder, server: RegistryServer, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot"
    run = gate(["registry", "export", "--registry", server.url, str(snapshot)], cwd=referenced.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    index = json.loads((snapshot / "snapshot.json").read_text(encoding="utf-8"))
    (folder,) = [s["folder"] for s in index["subjects"] if s["name"] == "orders-value"]
    stored = json.loads((snapshot / "subjects" / folder / "v1.json").read_text(encoding="utf-8"))
    assert stored["schemaType"] == "PROTOBUF"
    assert stored["schema"] == ORDER
    assert stored["references"] == [
        {"name": "common/money.proto", "subject": "money-value", "version": 1}
    ]
    assert stored["resolvedReferences"] == [{"name": "common/money.proto", "schema": MONEY}]
    # offline, the snapshot judges as the registry did: the referenced message compiles
    referenced.write("protos/orders.proto", ORDER.replace("Money total", "string total"))
    online = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url],
        cwd=referenced.root,
    )
    offline = gate(
        ["check", "--base", "HEAD", "--report", "json", "--snapshot", str(snapshot)],
        cwd=referenced.root,
    )
    assert offline.exit_code == online.exit_code == 1
    assert _rules(offline.json()) == _rules(online.json())
    assert ("orders-value", "PROTOBUF_FIELD_KIND_CHANGED") in _rules(offline.json())
    versions = {v for f in offline.json()["findings"] for v in f["versions"]}
    assert "snapshot:orders-value@1 (id 2)" in versions


# --- drift: comments and formatting are not drift, a field is ----------------------------------


def test_drift_compares_canonical_proto_texts(
    gate: GateRunner, referenced: RepoBuilder, server: RegistryServer
) -> None:
    # git's text differs from the registered one by a comment and its layout only
    relaid = (
        ORDER.replace("// one order, as checkout writes it\n", "/* orders */\n")
        .replace("  ", "\t")
        .replace("Money total = 2;", "Money   total=2 ;")
    )
    referenced.commit("comments", {"protos/orders.proto": relaid})
    # and the newest registered version differs from every git revision by its comments only
    server.register(
        "orders-value",
        ORDER.replace("one order", "an order"),
        schema_type="PROTOBUF",
        references=(("common/money.proto", "money-value", 1),),
    )
    run = gate(["drift", "--registry", server.url, "--report", "json"], cwd=referenced.root)
    assert run.exit_code == 0, run.stdout
    assert not [f for f in run.json()["findings"] if f["severity"] != "info"]
    # the head is that schema: registered, as far as drift can tell
    assert "DRIFT_NOT_REGISTERED" not in {f["rule"] for f in run.json()["findings"]}
    # a version registered by hand with another field is drift, shown statement by statement
    server.register(
        "orders-value",
        ORDER.replace("int32 quantity = 3;", "int64 quantity = 3;"),
        schema_type="PROTOBUF",
        references=(("common/money.proto", "money-value", 1),),
    )
    run = gate(["drift", "--registry", server.url, "--report", "json"], cwd=referenced.root)
    assert run.exit_code == 1, run.stdout
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert (finding["subject"], finding["rule"]) == (
        "orders-value",
        "DRIFT_UNTRACKED_REGISTRY_VERSION",
    )
    assert "registry version 3" in finding["message"]
    assert "only in git: `int32 quantity = 3;`" in finding["message"]
    assert "only in the registry: `int64 quantity = 3;`" in finding["message"]


# --- contracts: readers as .proto files or registered versions ----------------------------------

READER = (
    'syntax = "proto3";\npackage shop;\n\nimport "common/money.proto";\n\n'
    "// the ledger reads the total only\nmessage Order {\n  Money total = 2;\n}\n"
)
CONTRACTS = (
    CONFIG
    + """contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: ledger
        reader: protos/ledger/orders.proto
      - name: billing
        reader: orders-value@1
"""
)


def test_contract_readers_as_proto_files_and_registered_versions(
    gate: GateRunner, referenced: RepoBuilder, server: RegistryServer
) -> None:
    referenced.commit(
        "contracts",
        {
            "gate.yaml": CONTRACTS,
            "protos/ledger/orders.proto": READER.replace('"common/money.proto"', '"money.proto"'),
            "protos/ledger/money.proto": MONEY,
        },
    )
    referenced.write("protos/orders.proto", ORDER.replace("int32 quantity", "double quantity"))
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url],
        cwd=referenced.root,
    )
    # the ledger does not read the quantity; the billing service reads version 1, which has it
    contracts = {c["name"]: c for c in run.json()["checks"] if c["kind"] == "contract"}
    ledger = contracts["consumer `ledger` reads what producer `checkout` writes"]
    billing = contracts["consumer `billing` reads what producer `checkout` writes"]
    assert ledger["passed"]
    assert not billing["passed"]
    (finding,) = [f for f in run.json()["findings"] if f["fingerprint"] in billing["findings"]]
    assert finding["rule"] == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    assert finding["versions"] == [
        "writer: protos/orders.proto",
        "reader: registry:orders-value@1 (id 2)",
    ]
    # the ledger's reader changes the total's type: the finding is at the reader's own line
    referenced.write(
        "protos/ledger/orders.proto",
        READER.replace('"common/money.proto"', '"money.proto"').replace(
            "Money total", "string total"
        ),
    )
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url],
        cwd=referenced.root,
    )
    assert run.exit_code == 1
    located = {
        f["location"]["path"]: f["location"]["line"]
        for f in run.json()["findings"]
        if f["rule"] == "PROTOBUF_FIELD_KIND_CHANGED" and f["location"]
    }
    assert located["protos/ledger/orders.proto"] == 8


# --- every report format, and `gate rules` -----------------------------------------------------


def test_every_report_format_renders_protobuf_findings(gate: GateRunner, tmp_path: Path) -> None:
    import jsonschema
    from junitparser import JUnitXml
    from lxml import etree

    import gate as gate_package
    from tests.support.paths import REPORT_SCHEMAS

    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("v1", {"protos/orders.proto": ORDER, "protos/common/money.proto": MONEY})
    repo.write("protos/orders.proto", ORDER.replace("int32 quantity", "string quantity"))
    out = tmp_path / "reports"
    formats = {
        "text": "report.txt",
        "json": "report.json",
        "junit": "report.xml",
        "sarif": "report.sarif",
        "markdown": "report.md",
    }
    run = gate(
        [
            "check",
            "--base",
            "HEAD",
            *(f"--report={name}={out / file}" for name, file in formats.items()),
        ],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    rule, where = "PROTOBUF_FIELD_SCALAR_KIND_CHANGED", "protos/orders.proto:10"

    text = (out / "report.txt").read_text(encoding="utf-8")
    assert f"error {rule} {where} at /Order/3" in text
    assert "fix:" in text

    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    schema = json.loads(
        (Path(gate_package.__file__).parent / "schemas" / "report.schema.json").read_text(
            encoding="utf-8"
        )
    )
    jsonschema.Draft202012Validator(schema).validate(document)
    (finding,) = [f for f in document["findings"] if f["severity"] == "error"]
    assert (finding["rule"], finding["path"], finding["location"]) == (
        rule,
        "/Order/3",
        {"path": "protos/orders.proto", "line": 10},
    )

    xml = (out / "report.xml").read_bytes()
    xsd = etree.XMLSchema(etree.parse(str(REPORT_SCHEMAS / "junit.xsd")))
    parsed = etree.fromstring(xml)
    for case in parsed.iter("testcase"):
        case.attrib.pop("file", None)  # newer than Jenkins' schema (see tests/report)
    assert xsd.validate(parsed), xsd.error_log
    suites = JUnitXml.fromfile(str(out / "report.xml"))
    failed = [
        c
        for s in (suites if isinstance(suites, JUnitXml) else [suites])
        for c in s
        if not c.is_passed
    ]
    assert any(rule in f"{r.message} {r.text}" for c in failed for r in c.result)

    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(
        json.loads((REPORT_SCHEMAS / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    ).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == rule
    region = result["locations"][0]["physicalLocation"]
    assert (region["artifactLocation"]["uri"], region["region"]["startLine"]) == (
        "protos/orders.proto",
        10,
    )
    (described,) = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == rule]
    assert "scalar" in described["shortDescription"]["text"]

    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert f"`{rule}` · orders" in markdown
    assert "`protos/orders.proto:10`" in markdown
    assert "| orders | ❌ FAIL |" in markdown


def test_gate_rules_lists_every_protobuf_rule(gate: GateRunner, tmp_path: Path) -> None:
    from gate.formats import get_format
    from gate.model import SchemaType

    declared = {r.id for r in get_format(SchemaType.PROTOBUF).rules()}
    run = gate(["rules", "--format", "json"], cwd=tmp_path)
    listed = {r["id"]: r for r in json.loads(run.stdout)}
    assert declared <= listed.keys()
    assert listed["PROTOBUF_FIELD_KIND_CHANGED"]["category"] == "protobuf"
    assert listed["PROTOBUF_FIELD_KIND_CHANGED"]["registry_name"] == "FIELD_KIND_CHANGED"
    assert {
        "PROTOBUF_INVALID_SCHEMA",
        "PROTOBUF_UNRESOLVED_IMPORT",
        "PROTOBUF_FIELD_SCALAR_KIND_CHANGED",
        "PROTOBUF_MESSAGE_REMOVED",
    } <= declared
    text = gate(["rules"], cwd=tmp_path).stdout
    assert all(rule_id in text for rule_id in declared)
