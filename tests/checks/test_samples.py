"""Sample files: JSON, JSON Lines and Confluent wire-format captures; problems are values."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import fastavro
import pytest

from gate.errors import SourceError
from gate.model import SchemaType
from gate.samples import (
    SAMPLE_INVALID,
    SAMPLE_UNKNOWN_SCHEMA_ID,
    DecodedWire,
    Sample,
    SampleProblem,
    decode_wire,
    load_samples,
    plain_reader,
    split,
)

if TYPE_CHECKING:
    from pathlib import Path

ORDER = {
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
}


def _wire(schema: Any, value: Any, schema_id: int) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), value)
    return b"\x00" + schema_id.to_bytes(4, "big") + buffer.getvalue()


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_json_file_with_one_value_is_one_sample(tmp_path: Path) -> None:
    path = _write(tmp_path, "one.json", '\n{"id": 1}\n')
    assert load_samples(path, "samples/one.json") == [
        Sample("samples/one.json:2", payload={"id": 1})
    ]


def test_a_json_list_is_one_sample_per_element_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "many.json", '[\n  {"id": 1},\n  {"id": 2,\n   "note": "x"}\n]\n')
    assert load_samples(path, "s/many.json") == [
        Sample("s/many.json:2", payload={"id": 1}),
        Sample("s/many.json:3", payload={"id": 2, "note": "x"}),
    ]


def test_json_lines_skip_blank_lines_and_report_a_corrupt_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", '{"id": 1}\n\n   \n{"id": 2\n{"id": 3}\n')
    items = load_samples(path, "samples/x.jsonl")
    samples, problems = split(items)
    assert [s.source for s in samples] == ["samples/x.jsonl:1", "samples/x.jsonl:5"]
    assert [s.payload for s in samples] == [{"id": 1}, {"id": 3}]
    assert len(problems) == 1
    assert problems[0].source == "samples/x.jsonl:4"
    assert problems[0].rule == SAMPLE_INVALID
    assert problems[0].message.startswith("not valid JSON: Expecting ',' delimiter")
    assert items[1] is problems[0]  # problems keep their place in the file


def test_ndjson_is_json_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.ndjson", '1\n"two"\n')
    assert [s.payload for s in split(load_samples(path, "x.ndjson"))[0]] == [1, "two"]


def test_a_corrupt_json_file_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", '[\n{"id": 1},\n{"id": }\n]')
    [problem] = load_samples(path, "bad.json")
    assert isinstance(problem, SampleProblem)
    assert problem.source == "bad.json:3"
    assert "line 3" in problem.message


def test_text_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "latin.jsonl", b'{"id": 1}\n"caf\xe9"\n')
    [problem] = load_samples(path, "latin.jsonl")
    assert isinstance(problem, SampleProblem)
    assert problem.source == "latin.jsonl:2"
    assert "not UTF-8" in problem.message


def test_unsupported_extensions_and_missing_files(tmp_path: Path) -> None:
    [problem] = load_samples(_write(tmp_path, "x.csv", "a,b"), "x.csv")
    assert isinstance(problem, SampleProblem)
    assert "'.csv'" in problem.message
    with pytest.raises(SourceError) as raised:
        load_samples(tmp_path / "gone.json", "samples/gone.json")
    assert raised.value.subject == "samples/gone.json"
    assert raised.value.hint


def test_a_wire_message_is_read_and_decoded_with_its_schema_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "order.bin", _wire(ORDER, {"id": 7, "note": "hi"}, 42))
    [sample] = load_samples(path, "samples/order.bin")
    assert isinstance(sample, Sample)
    assert sample.schema_id == 42
    assert sample.source == "samples/order.bin"
    assert sample.is_wire
    assert sample.wire is not None
    assert sample.body == sample.wire[5:]
    reader = {**ORDER, "fields": [*ORDER["fields"], {"name": "v", "type": "int", "default": 1}]}
    decoded = decode_wire(sample, {42: ORDER}.get, reader, schema_type=SchemaType.AVRO)
    assert isinstance(decoded, DecodedWire)
    assert decoded.payload == {"id": 7, "note": "hi"}
    assert decoded.read == {"id": 7, "note": "hi", "v": 1}
    assert decoded.error is None


def test_a_reader_that_fails_on_a_good_message_is_not_a_sample_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "order.bin", _wire(ORDER, {"id": 7, "note": None}, 1))
    [sample] = load_samples(path, "order.bin")
    assert isinstance(sample, Sample)
    reader = {**ORDER, "fields": [*ORDER["fields"], {"name": "v", "type": "int"}]}
    decoded = decode_wire(sample, {1: ORDER}.get, reader, schema_type=SchemaType.AVRO)
    assert isinstance(decoded, DecodedWire)
    assert decoded.error == "SchemaResolutionError: No default value for field v in Order"


def test_an_unknown_schema_id_is_a_problem_naming_the_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.bin", _wire(ORDER, {"id": 1, "note": None}, 4711))
    [sample] = load_samples(path, "samples/x.bin")
    assert isinstance(sample, Sample)
    problem = decode_wire(sample, lambda _id: None, schema_type=SchemaType.AVRO)
    assert problem == SampleProblem(
        "samples/x.bin",
        "schema id 4711 in samples/x.bin is not in the registry or snapshot",
        SAMPLE_UNKNOWN_SCHEMA_ID,
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty file"),
        (b'{"id": 1}', "the first byte is 0x7b, the magic byte must be 0x00"),
        (b"\x00\x00\x01", "truncated wire-format message: 3 bytes"),
    ],
)
def test_bad_wire_headers_are_problems(tmp_path: Path, content: bytes, fragment: str) -> None:
    [problem] = load_samples(_write(tmp_path, "m.bin", content), "samples/m.bin")
    assert isinstance(problem, SampleProblem)
    assert problem.source == "samples/m.bin"
    assert problem.rule == SAMPLE_INVALID
    assert fragment in problem.message


def test_a_truncated_or_padded_body_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    whole = _wire(ORDER, {"id": 123456789, "note": "a longer note"}, 3)
    for name, content, fragment in (
        ("short.bin", whole[:-4], "truncated wire-format message"),
        ("long.bin", whole + b"\x00\x00", "2 byte(s) left over"),
    ):
        [sample] = load_samples(_write(tmp_path, name, content), f"samples/{name}")
        assert isinstance(sample, Sample)
        problem = decode_wire(sample, {3: ORDER}.get, ORDER, schema_type=SchemaType.AVRO)
        assert isinstance(problem, SampleProblem), name
        assert problem.source == f"samples/{name}"
        assert fragment in problem.message
        assert "schema id 3" in problem.message


def test_json_schema_wire_messages(tmp_path: Path) -> None:
    writer = {"type": "object", "properties": {"id": {"type": "integer"}}}
    reader = {"type": "object", "properties": {"id": {"type": "string"}}}
    body = json.dumps({"id": 5}).encode()
    [sample] = load_samples(_write(tmp_path, "j.bin", b"\x00\x00\x00\x00\x09" + body), "j.bin")
    assert isinstance(sample, Sample)
    decoded = decode_wire(sample, {9: writer}.get, reader, schema_type=SchemaType.JSON)
    assert isinstance(decoded, DecodedWire)
    assert decoded.payload == {"id": 5}
    assert decoded.error == "/id: 5 is not of type 'string'"
    [bad] = load_samples(_write(tmp_path, "k.bin", b"\x00\x00\x00\x00\x09{nope"), "k.bin")
    assert isinstance(bad, Sample)
    problem = decode_wire(bad, {9: writer}.get, None, schema_type=SchemaType.JSON)
    assert isinstance(problem, SampleProblem)
    assert "corrupt" in problem.message


def test_a_plain_reader_writes_each_sample_with_the_writer_and_reads_it_with_the_reader() -> None:
    reader = {**ORDER, "fields": [*ORDER["fields"], {"name": "must", "type": "int"}]}
    read = plain_reader(ORDER, ORDER, schema_type=SchemaType.AVRO)
    # a plain value, and the same in Avro's JSON encoding of unions
    for payload in ({"id": 1, "note": "x"}, {"id": 1, "note": {"string": "x"}}):
        decoded = read(Sample("s.jsonl:1", payload=payload))
        assert isinstance(decoded, DecodedWire)
        assert decoded.error is None
        assert decoded.read == {"id": 1, "note": "x"}
        assert decoded.body is not None
    foreign = read(Sample("s.jsonl:2", payload={"id": "not a long"}))
    assert isinstance(foreign, SampleProblem)
    assert foreign.rule == "SAMPLE_NOT_VALID_FOR_WRITER"
    failed = plain_reader(ORDER, reader, schema_type=SchemaType.AVRO)(
        Sample("s.jsonl:3", payload={"id": 2})
    )
    assert isinstance(failed, DecodedWire)
    assert failed.read is None
    assert failed.error == "SchemaResolutionError: No default value for field must in Order"


def test_a_plain_json_schema_reader_fills_the_readers_defaults_then_validates() -> None:
    writer = {"type": "object", "properties": {"id": {"type": "string"}}}
    reader = {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "id": {"type": "string", "maxLength": 3},
            "kind": {"type": "string", "default": "user"},
        },
    }
    read = plain_reader(writer, reader, schema_type=SchemaType.JSON)
    ok = read(Sample("u.jsonl:1", payload={"id": "u1"}))
    assert isinstance(ok, DecodedWire)
    assert ok.read == {"id": "u1", "kind": "user"}
    long = read(Sample("u.jsonl:2", payload={"id": "u-1234"}))
    assert isinstance(long, DecodedWire)
    assert long.error == "/id: 'u-1234' is too long"
    foreign = read(Sample("u.jsonl:3", payload={"id": 7}))
    assert isinstance(foreign, SampleProblem)
    assert foreign.rule == "SAMPLE_NOT_VALID_FOR_WRITER"


RICH = {
    "type": "record",
    "name": "Rich",
    "namespace": "t",
    "fields": [
        {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
        {"name": "u", "type": ["null", "string", "t.E", {"type": "array", "items": "t.E"}]},
        {"name": "m", "type": {"type": "map", "values": ["null", "long", "t.E"]}},
        {"name": "d", "type": {"type": "int", "logicalType": "date"}},
        {"name": "x", "type": {"type": "fixed", "name": "X", "size": 3}},
        {
            "name": "n",
            "type": [
                "null",
                {
                    "type": "record",
                    "name": "Inner",
                    "fields": [
                        {"name": "f", "type": "float"},
                        {"name": "g", "type": "double"},
                        {"name": "b", "type": "boolean"},
                        {"name": "y", "type": "bytes"},
                        {"name": "again", "type": ["null", "t.Inner"]},
                    ],
                },
            ],
        },
    ],
}


def test_no_good_body_is_taken_for_one_with_a_negative_index() -> None:
    from gate.formats.avro import payloads
    from gate.formats.avro.simulate import negative_index

    parsed = payloads.parse(RICH)
    bodies = [body for _, body in payloads.payload_set(RICH, random_count=200).items]
    assert len(bodies) > 50
    assert [negative_index(body, parsed) for body in bodies] == [None] * len(bodies)
    # arrays and maps written in blocks with byte sizes (negative counts), as Java may write
    items = {"type": "array", "items": ["null", "long"]}
    body = bytes([0x03, 0x06, 0x02, 0x02, 0x00, 0x00])  # -2 items in 3 bytes: 1, null; end
    assert fastavro.schemaless_reader(io.BytesIO(body), payloads.parse(items), None) == [1, None]
    assert negative_index(body, payloads.parse(items)) is None
    assert negative_index(bytes([0x03, 0x06, 0x02, 0x02, 0x01, 0x00]), payloads.parse(items)) == (
        "union index -1 at byte 4 of the body"
    )
