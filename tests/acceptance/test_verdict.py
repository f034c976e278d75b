"""One verdict, the registry's, with data evidence beside it: `gate compat` and `gate check`
agree on a pair, a payload that breaks an accepted change is one warning, and each witness
demonstrates its own finding."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

DRAFT7 = "http://json-schema.org/draft-07/schema#"


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


def _customer(**changes: Any) -> dict[str, Any]:
    """A customer event as a real repository holds it: a few typed properties, an address."""
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "contact": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "address": {
            "type": "object",
            "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
            "required": ["street"],
        },
    }
    schema: dict[str, Any] = {
        "$schema": DRAFT7,
        "title": "Customer",
        "type": "object",
        "properties": properties,
        "required": ["id", "name"],
    }
    for key, value in changes.items():
        if key == "required":
            schema["required"] = value
        else:
            properties[key] = value
    return schema


# the three changes Confluent accepts and data still breaks
REPRO = {
    "format": _customer(email={"type": "string", "format": "email"}),
    "overlapping-oneOf": _customer(
        contact={"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}]}
    ),
    "undeclared-required": _customer(required=["id", "name", "loyalty_id"]),
}


def _compat(
    gate: GateRunner, tmp_path: Path, old: dict[str, Any], new: dict[str, Any], *options: str
) -> Any:
    (tmp_path / "customer-v1.json").write_text(_text(old), encoding="utf-8")
    (tmp_path / "customer.json").write_text(_text(new), encoding="utf-8")
    return gate(["compat", *options, "customer-v1.json", "customer.json"], cwd=tmp_path)


def _check(
    gate: GateRunner, tmp_path: Path, old: dict[str, Any], new: dict[str, Any], *options: str
) -> Any:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("customer v1", {"schemas/customer.json": _text(old)})
    repo.write("schemas/customer.json", _text(new))
    return gate(["check", "--base", "HEAD", *options], cwd=repo.root)


@pytest.mark.parametrize("change", sorted(REPRO))
def test_compat_and_check_give_the_registrys_verdict_and_one_warning(
    gate: GateRunner, tmp_path: Path, change: str
) -> None:
    new = REPRO[change]
    compat = _compat(gate, tmp_path, _customer(), new, "--format", "json")
    check = _check(gate, tmp_path, _customer(), new, "--report", "json")
    assert compat.exit_code == check.exit_code == 0, compat.stdout + check.stdout
    for run in (compat, check):
        findings = run.json()["findings"]
        assert [(f["rule"], f["severity"]) for f in findings] == [
            ("SIMULATION_BREAKS_ACCEPTED_CHANGE", "warning")
        ], findings
        (warning,) = findings
        assert warning["message"].startswith("the registry accepts this change, but data")
        witness = warning["witness"]
        assert witness is not None
        assert witness["error"] in warning["message"]
    # the warning points at the reader's keyword that rejects the data, in the changed file
    (warning,) = check.json()["findings"]
    assert warning["location"]["path"] == "schemas/customer.json"
    assert warning["path"] in ("/properties/email/format", "/properties/contact/oneOf", "/required")


def test_the_warning_reads_plainly_in_the_text_report(gate: GateRunner, tmp_path: Path) -> None:
    run = _compat(gate, tmp_path, _customer(), REPRO["format"])
    assert run.exit_code == 0
    assert "SIMULATION_DECODE_FAILED" not in run.stdout
    assert "SIMULATION_DISAGREES" not in run.stdout
    assert run.stdout.count("warning SIMULATION_BREAKS_ACCEPTED_CHANGE") == 1
    assert "is not a 'email'" in run.stdout


def test_fail_on_warning_fails_the_build_on_it(gate: GateRunner, tmp_path: Path) -> None:
    run = _check(
        gate,
        tmp_path,
        _customer(),
        REPRO["undeclared-required"],
        "--fail-on",
        "warning",
        "--report",
        "json",
    )
    assert run.exit_code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "SIMULATION_BREAKS_ACCEPTED_CHANGE"
    assert "'loyalty_id' is a required property" in finding["witness"]["error"]


def test_without_simulation_the_same_pair_passes_silently(gate: GateRunner, tmp_path: Path) -> None:
    run = _check(
        gate,
        tmp_path,
        _customer(),
        REPRO["format"],
        "--no-simulate",
        "--fail-on",
        "warning",
        "--report",
        "json",
    )
    assert run.exit_code == 0
    assert run.json()["findings"] == []


def _at(payload: Any, path: list[str]) -> Any:
    for token in path:
        payload = payload[token]
    return payload


def test_each_witness_demonstrates_its_own_finding(gate: GateRunner, tmp_path: Path) -> None:
    old = _customer()
    old["properties"]["legacy_code"] = {"type": "string"}
    old["properties"]["address"]["additionalProperties"] = False
    old["properties"]["address"]["properties"]["country"] = {"type": "string"}
    new = _customer(
        name={"type": "string", "maxLength": 5},
        age={"type": "string"},
        nickname={"type": "integer"},  # added to the open top level: STRICT says incompatible
    )
    new["properties"]["address"] = {
        "type": "object",
        "properties": {"street": {"type": "string"}, "zip": {"type": "integer"}},
        "required": ["street", "zip"],
        "additionalProperties": False,  # country removed from a closed model
    }
    run = _check(gate, tmp_path, old, new, "--report", "json")
    assert run.exit_code == 1, run.stdout
    findings = {f["path"]: f for f in run.json()["findings"]}
    expected = {
        "/properties/name/maxLength": (["name"], "is too long"),
        "/properties/age": (["age"], "is not of type 'string'"),
        "/properties/nickname": (["nickname"], "is not of type 'integer'"),
        "/properties/address/properties/zip": (["address", "zip"], "is not of type 'integer'"),
        "/properties/address/properties/country": (
            ["address", "country"],
            "('country' was unexpected)",
        ),
    }
    assert set(expected) <= set(findings), sorted(findings)
    for path, (place, error) in expected.items():
        witness = findings[path]["witness"]
        assert witness is not None, path
        _at(witness["payload"], place)  # the witness holds the property the finding is about
        assert error in witness["error"], (path, witness)
        # and its error is this finding's, not another's
        others = [e for p, (_, e) in expected.items() if p != path and e != error]
        assert not any(e in witness["error"] for e in others), (path, witness)
    # the required zip is missing from data written with the original: shown on the address
    required = findings["/properties/address/properties/zip"]
    assert required["rule"].startswith("JSON_")
    # each finding shows its own witness in the text report too
    text = _check(gate, tmp_path / "again", old, new)
    blocks = text.stdout.split("\n    error ")[1:]
    for path, (_, error) in expected.items():
        (block,) = [b for b in blocks if f" at {path}\n" in b]
        assert "witness" in block, block
        assert error in block, block


def test_a_finding_no_payload_shows_has_no_witness(gate: GateRunner, tmp_path: Path) -> None:
    # three Avro incompatibilities; fastavro stops at the first field it cannot read, so only
    # that finding has a payload of its own: the others show none rather than its witness
    old = {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "amount", "type": "string"},
            {
                "name": "status",
                "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]},
            },
        ],
    }
    new = {
        **old,
        "fields": [
            {"name": "id", "type": "long"},
            {"name": "amount", "type": "int"},
            {
                "name": "status",
                "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]},
            },
            {"name": "currency", "type": "string"},
        ],
    }
    (tmp_path / "order-v1.avsc").write_text(_text(old), encoding="utf-8")
    (tmp_path / "order.avsc").write_text(_text(new), encoding="utf-8")
    run = gate(["compat", "--format", "json", "order-v1.avsc", "order.avsc"], cwd=tmp_path)
    assert run.exit_code == 1
    witnessed = {f["rule"]: f["witness"] for f in run.json()["findings"]}
    assert set(witnessed) == {
        "AVRO_TYPE_MISMATCH",
        "AVRO_MISSING_ENUM_SYMBOLS",
        "AVRO_READER_FIELD_MISSING_DEFAULT",
    }
    mismatch = witnessed["AVRO_TYPE_MISMATCH"]
    assert mismatch is not None
    assert mismatch["error"].endswith("string is not int")
    assert witnessed["AVRO_MISSING_ENUM_SYMBOLS"] is None
    assert witnessed["AVRO_READER_FIELD_MISSING_DEFAULT"] is None
