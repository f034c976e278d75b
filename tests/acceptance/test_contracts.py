"""Producer/consumer contracts and payload simulation through `gate check`."""

from __future__ import annotations

import base64
import io
import json
import struct
from typing import TYPE_CHECKING, Any

import fastavro
import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

CONFIG = """version: 1
subjects:
  - subject: orders-value
    file: schemas/orders.avsc
    samples: ["samples/*"]
contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: fraud
        reader: readers/fraud.avsc
      - name: analytics
        reader: readers/analytics.avsc
        environment: prod
      - name: search
        reader: readers/search.avsc
"""
ORDER = record([("id", "string"), ("amount", "long"), ("email", "string")])
FRAUD = record([("id", "string"), ("email", "string")])
ANALYTICS = record([("id", "string"), ("amount", "long")])
SEARCH = record([("id", "string"), ("email", ["null", "string"])], email=None)


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "gate.yaml": CONFIG,
            "schemas/orders.avsc": ORDER,
            "readers/fraud.avsc": FRAUD,
            "readers/analytics.avsc": ANALYTICS,
            "readers/search.avsc": SEARCH,
            "samples/orders.jsonl": '{"id": "o-1", "amount": 5, "email": "a@example.com"}\n'
            '{"id": "o-2", "amount": 7, "email": "b@example.com"}\n',
        },
    )
    return builder


def _errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] == "error"]


def test_a_producer_change_breaks_exactly_one_consumer(gate: GateRunner, repo: RepoBuilder) -> None:
    # the producer drops `email`: fraud needs it (no default), search has a default, analytics
    # never read it
    new_order = record([("id", "string"), ("amount", "long")])
    repo.write("schemas/orders.avsc", new_order)
    repo.write("samples/orders.jsonl", '{"id": "o-1", "amount": 5}\n')
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    errors = _errors(run.json())
    contract_errors = [
        f
        for f in errors
        if "producer `checkout`" in f["message"] and f["rule"] != "SIMULATION_DECODE_FAILED"
    ]
    assert len(contract_errors) == 1
    # and the configured sample, which has no email either
    (unread,) = [f for f in errors if f["rule"] == "SIMULATION_DECODE_FAILED"]
    assert unread["message"].startswith(
        "consumer `fraud` cannot read the configured sample "
        "samples/orders.jsonl:1 written by producer `checkout`"
    )
    (finding,) = contract_errors
    assert "consumer `fraud`" in finding["message"]
    assert finding["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT"
    assert "analytics" not in json.dumps(errors)
    assert "`search`" not in json.dumps(errors)

    witness = finding["witness"]
    assert witness is not None
    assert witness["error"]
    body = base64.b64decode(witness["avro_base64"])
    wire = base64.b64decode(witness["wire_base64"])
    assert wire[0] == 0
    assert wire[5:] == body
    writer = fastavro.parse_schema(json.loads(new_order))
    reader = fastavro.parse_schema(json.loads(FRAUD))
    with pytest.raises(Exception) as raised:  # noqa: PT011 (the witness names the type)
        fastavro.schemaless_reader(io.BytesIO(body), writer, reader)
    assert f"{type(raised.value).__name__}: {raised.value}" == witness["error"]


def test_a_compatible_change_has_no_finding_and_every_sample_decodes(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "schemas/orders.avsc",
        record(
            [
                ("id", "string"),
                ("amount", "long"),
                ("email", "string"),
                ("note", ["null", "string"]),
            ],
            note=None,
        ),
    )
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout
    report = run.json()
    assert [f for f in report["findings"] if f["severity"] != "info"] == []
    names = {c["name"] for c in report["checks"]}
    assert "2 sample(s) readable and valid for the candidate" in names
    assert sum(1 for c in report["checks"] if c["kind"] == "contract") >= 3


def _wire(schema_id: int, text: str, value: dict[str, Any]) -> bytes:
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(json.loads(text)), value)
    return b"\x00" + struct.pack(">I", schema_id) + body.getvalue()


def test_a_wire_message_with_an_unknown_schema_id_names_the_id(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("samples/captured.bin", _wire(4711, ORDER, {"id": "x", "amount": 1, "email": "e"}))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    (finding,) = _errors(run.json())
    assert finding["rule"] == "SAMPLE_UNKNOWN_SCHEMA_ID"
    assert "4711" in finding["message"]
    assert "samples/captured.bin" in finding["message"]


def test_a_known_wire_message_is_decoded_with_its_registered_schema(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path
) -> None:
    from tests.support.registry_server import RegistryServer

    with RegistryServer() as server:
        stored = server.register("orders-value", ORDER)
        repo.write(
            "samples/captured.bin", _wire(stored.id, ORDER, {"id": "x", "amount": 1, "email": "e"})
        )
        ok = gate(
            ["check", "--base", "HEAD", "--registry", server.url, "--report", "json"], cwd=repo.root
        )
        assert ok.exit_code == 0, ok.stdout
        # a candidate that needs a field the captured message never had
        repo.write(
            "schemas/orders.avsc",
            record([("id", "string"), ("amount", "long"), ("email", "string"), ("must", "int")]),
        )
        broken = gate(
            ["check", "--base", "HEAD", "--registry", server.url, "--report", "json"], cwd=repo.root
        )
    assert broken.exit_code == 1
    captured = [f for f in _errors(broken.json()) if "captured message" in f["message"]]
    assert len(captured) == 1
    assert "samples/captured.bin" in captured[0]["message"]


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        (
            "samples/orders.jsonl",
            b'{"id": "o-1", "amount": 5, "email": "x"}\n{"id": \n',
            "samples/orders.jsonl:2",
        ),
        ("samples/cut.bin", b"\x00\x00\x00", "samples/cut.bin"),
        ("samples/not-wire.bin", b"\x07garbage", "samples/not-wire.bin"),
    ],
)
def test_a_corrupt_sample_is_a_finding_naming_file_and_record(
    gate: GateRunner, repo: RepoBuilder, name: str, content: bytes, where: str
) -> None:
    repo.write(name, content)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1
    (finding,) = _errors(run.json())
    assert finding["rule"] == "SAMPLE_INVALID"
    assert where in finding["message"] or (
        finding["location"] and where.startswith(finding["location"]["path"])
    )
