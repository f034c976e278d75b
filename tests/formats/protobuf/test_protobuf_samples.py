"""Protobuf samples: the Confluent wire format with its message-index array, read as the
registry's serializers write it, and JSON samples parsed with the writer's message class."""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from gate.cli import cli
from gate.formats import get_format
from gate.formats.protobuf.payloads import IndexError_, index_bytes, read_indexes
from gate.model import SchemaType
from gate.samples import Sample, SampleProblem
from tests.support.gitrepo import PINNED, RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# PROTOBUF.md §5: the message-index array, zigzag varints, count first; [0] is the byte 0
ENCODINGS = [
    ((0,), b"\x00"),
    ((1,), b"\x02\x02"),
    ((0, 0), b"\x04\x00\x00"),
    ((2, 1), b"\x04\x04\x02"),
    ((64,), b"\x02\x80\x01"),
]


@pytest.mark.parametrize(("indexes", "encoded"), ENCODINGS, ids=[str(i) for i, _ in ENCODINGS])
def test_message_indexes_are_written_and_read_as_the_serializer_does(
    indexes: tuple[int, ...], encoded: bytes
) -> None:
    assert index_bytes(indexes) == encoded
    framed = b"\x00\x00\x00\x00\x07" + encoded + b"\x08\x01"
    assert read_indexes(framed, 5) == (indexes, 5 + len(encoded))
    sample = get_format(SchemaType.PROTOBUF).read_wire(framed, "c.bin")
    assert isinstance(sample, Sample)
    assert (sample.schema_id, sample.message_indexes, sample.body) == (7, indexes, b"\x08\x01")


def test_a_non_shortcut_first_index_is_accepted() -> None:
    assert read_indexes(b"\x02\x00", 0) == ((0,), 2)


@pytest.mark.parametrize(
    ("array", "said"),
    [
        (b"\x01\x01", "count is -1: written with the deprecated (non-zigzag) index format?"),
        (b"\x02\x01", "message index -1 is negative: written with the deprecated"),
        (b"\x04\x02", "the message-index count 2 is more than the bytes left"),
        (b"\x06\x02\x02\x82", "ends early"),
    ],
)
def test_an_unreadable_index_array_names_file_and_byte(array: bytes, said: str) -> None:
    with pytest.raises(IndexError_):
        read_indexes(array, 0)
    problem = get_format(SchemaType.PROTOBUF).read_wire(
        b"\x00\x00\x00\x00\x07" + array, "captured/x.bin"
    )
    assert isinstance(problem, SampleProblem)
    assert problem.rule == "SAMPLE_INVALID"
    assert problem.message.startswith("invalid Protobuf message indexes in captured/x.bin at byte ")
    assert said in problem.message


def test_header_framing_is_no_capture() -> None:
    problem = get_format(SchemaType.PROTOBUF).read_wire(b"\x01" + bytes(16) + b"\x00", "x.bin")
    assert isinstance(problem, SampleProblem)
    assert "first byte is 0x01" in problem.message
    assert "__value_schema_id" in problem.message


# --- through `gate check`, against a registry ---------------------------------------------------

V1 = (
    'syntax = "proto3";\npackage shop;\n\nmessage Order {\n  int32 id = 1;\n'
    "  bytes note = 2;\n}\n\nmessage Refund {\n  int32 order_id = 1;\n}\n"
)
ORDER = b"\x08\x05" + b"\x12\x02hi"  # id 5, note "hi"
REFUND = b"\x08\x05"


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


def _run(
    repo: Path, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[dict]]:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(
        cli,
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


@pytest.fixture
def repo(tmp_path: Path, server: RegistryServer, monkeypatch: pytest.MonkeyPatch) -> RepoBuilder:
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    built = RepoBuilder(tmp_path / "repo")
    built.commit(
        "base",
        {
            "gate.yaml": "version: 1\nsubjects:\n  - subject: orders-value\n"
            "    file: proto/order.proto\n"
            "    samples: [captured/*.bin, samples/*.json]\n",
            "proto/order.proto": V1,
        },
    )
    return built


def test_captures_in_every_index_encoding_and_json_samples_are_read(
    repo: RepoBuilder, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = b"\x00" + struct.pack(">I", server.register("orders-value", V1, "PROTOBUF").id)
    repo.write("captured/shortcut.bin", header + b"\x00" + ORDER)
    repo.write("captured/long-first.bin", header + b"\x02\x00" + ORDER)
    repo.write("captured/refund.bin", header + b"\x02\x02" + REFUND)
    repo.write("samples/orders.json", '[{"id": 5, "note": "aGk="}, {"order_id": 3}]\n')
    code, findings = _run(repo.root, server, monkeypatch)
    assert (code, findings) == (0, [])


@pytest.mark.parametrize(
    ("name", "array", "rule", "said"),
    [
        (
            "out-of-range.bin",
            b"\x02\x08",
            "SAMPLE_INVALID",
            "invalid message indexes [4] at byte 5 of captured/out-of-range.bin",
        ),
        (
            "legacy.bin",
            b"\x01\x01",
            "SAMPLE_INVALID",
            "at byte 5: the message-index count is -1: written with the deprecated (non-zigzag) "
            "index format?",
        ),
        ("nested-missing.bin", b"\x04\x00\x00", "SAMPLE_INVALID", "has no such message"),
    ],
)
def test_a_bad_index_array_is_a_clear_sample_finding(
    repo: RepoBuilder,
    server: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    array: bytes,
    rule: str,
    said: str,
) -> None:
    header = b"\x00" + struct.pack(">I", server.register("orders-value", V1, "PROTOBUF").id)
    repo.write(f"captured/{name}", header + array + ORDER)
    code, findings = _run(repo.root, server, monkeypatch)
    assert code == 1
    (finding,) = findings
    assert finding["rule"] == rule
    assert said in finding["message"], finding["message"]
    assert finding["location"]["path"] == f"captured/{name}"


def test_a_json_sample_the_writer_cannot_parse_is_rejected(
    repo: RepoBuilder, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.register("orders-value", V1, "PROTOBUF")
    repo.write("samples/orders.json", '{"id": 5, "colour": "red"}\n')
    code, findings = _run(repo.root, server, monkeypatch)
    assert code == 1
    (finding,) = findings
    assert finding["rule"] == "SAMPLE_NOT_VALID_FOR_WRITER"
    assert "samples/orders.json:1" in finding["message"]
    assert "colour" in finding["message"]


def test_a_capture_the_candidate_cannot_parse_fails_the_check(
    repo: RepoBuilder, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = b"\x00" + struct.pack(">I", server.register("orders-value", V1, "PROTOBUF").id)
    repo.write("captured/binary-note.bin", header + b"\x00" + b"\x08\x05\x12\x02\xff\xfe")
    repo.write("proto/order.proto", V1.replace("bytes note", "string note"))
    code, findings = _run(repo.root, server, monkeypatch)
    assert code == 1
    # the candidate is not registered yet (DRIFT_NOT_REGISTERED, a warning); the warning is
    # found against the git base and the registry's latest version alike
    rules = {f["rule"] for f in findings if not f["rule"].startswith("DRIFT_")}
    assert rules == {"PROTOBUF_BYTES_TO_STRING", "SIMULATION_DECODE_FAILED"}
    (warning, *_) = [f for f in findings if f["rule"] == "PROTOBUF_BYTES_TO_STRING"]
    assert "bad UTF-8" in warning["witness"]["error"]
    (failed,) = [f for f in findings if f["rule"] == "SIMULATION_DECODE_FAILED"]
    assert "captured/binary-note.bin" in failed["message"]
    assert "bad UTF-8" in failed["message"]
