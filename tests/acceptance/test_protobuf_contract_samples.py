"""A Protobuf contract's configured samples, read by each consumer through the real `gate check`:
JSON samples as the producer writes them, captured `.bin` messages (message indexes included)
as data in flight, on a real git repository and the registry test server on 127.0.0.1."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer, naive_protobuf_check

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.runner import GateRunner

ORDER = (
    'syntax = "proto3";\npackage shop;\n\nmessage Order {\n  string id = 1;\n  bytes note = 2;\n}\n'
)
# reads `note` as a string: the registry sees no difference, but bytes that are not UTF-8 fail
AUDIT = ORDER.replace("bytes note", "string note")
CONFIG = """version: 1
subjects:
  - subject: orders-value
    file: protos/orders.proto
    samples: ["samples/*"]
contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: ledger
        reader: protos/readers/ledger.proto
      - name: audit
        reader: protos/readers/audit.proto
"""
# `note` is 0xff in the second record: not UTF-8
SAMPLES = '{"id": "o-1", "note": "aGVsbG8="}\n{"id": "o-2", "note": "/w=="}\n'


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer(check=naive_protobuf_check) as running:
        yield running


def _captured(schema_id: int, note: bytes) -> bytes:
    """A captured Order: magic byte, schema id, the `[0]` shortcut, the message."""
    body = b"\x0a\x03o-9" + b"\x12" + bytes([len(note)]) + note
    return b"\x00" + schema_id.to_bytes(4, "big") + b"\x00" + body


def _repo(tmp_path: Path, server: RegistryServer, note: bytes) -> RepoBuilder:
    stored = server.register("orders-value", ORDER, schema_type="PROTOBUF")
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "v1",
        {
            "gate.yaml": CONFIG,
            "protos/orders.proto": ORDER,
            "protos/readers/ledger.proto": ORDER,
            "protos/readers/audit.proto": AUDIT,
            "samples/orders.jsonl": SAMPLES,
            "samples/captured.bin": _captured(stored.id, note),
        },
    )
    return repo


def _unread(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == "SIMULATION_DECODE_FAILED"]


def test_a_consumer_that_cannot_read_a_json_sample_is_named_with_the_sample_line(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo = _repo(tmp_path, server, b"fine")
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
    )
    report = run.json()
    (finding,) = _unread(report)
    assert finding["message"].startswith(
        "consumer `audit` cannot read the configured sample samples/orders.jsonl:2 written by "
        "producer `checkout` (the schemas are compatible by the registry's rules"
    )
    assert "UTF-8" in finding["message"] or "utf-8" in finding["message"]
    assert finding["location"] == {"path": "samples/orders.jsonl", "line": 2}
    assert finding["severity"] == "warning"
    # the witness is the sample as written: its message, and the wire format with `[0]`
    witness = finding["witness"]
    assert witness["payload"] == {"id": "o-2", "note": "/w=="}
    body = base64.b64decode(witness["body_base64"])
    assert witness["body_encoding"] == "protobuf"
    assert body == b"\x0a\x03o-2\x12\x01\xff"
    assert base64.b64decode(witness["wire_base64"])[5:] == b"\x00" + body
    # every consumer read the samples: the ledger all of them, the audit one of two
    notes = "\n".join(report["notes"] + [n for c in report["checks"] for n in c.get("notes", [])])
    assert "consumer `ledger` read 2 of 2 configured sample(s)" in notes
    assert "consumer `audit` read 1 of 2 configured sample(s)" in notes
    # the captured message, data in flight, reads fine for both
    assert "consumer `audit` read 1 of 1 configured sample(s)" in notes
    assert run.exit_code == 0, run.stdout


def test_a_captured_message_a_consumer_cannot_read_names_the_file(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo = _repo(tmp_path, server, b"\xfe")
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
    )
    captured = [f for f in _unread(run.json()) if "samples/captured.bin" in f["message"]]
    (finding,) = captured
    assert finding["message"].startswith(
        "consumer `audit` cannot read the configured sample samples/captured.bin captured with "
        "schema id "
    )
    assert (
        finding["location"] == {"path": "samples/captured.bin", "line": None}
        or finding["location"]["path"] == "samples/captured.bin"
    )
    assert base64.b64decode(finding["witness"]["wire_base64"]) == _captured(1, b"\xfe")
