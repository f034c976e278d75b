"""Consumer simulation: decode failures with witnesses, silent value changes, samples, and the
agreement between the static checker and the simulation."""

from __future__ import annotations

import base64
import copy
import io
import json
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gate.formats.avro import payloads as avro_payloads
from gate.model import SchemaType, Severity
from gate.samples import Sample, SampleProblem
from gate.simulate import (
    FailureKind,
    SimulationOutcome,
    accepted_but_breaks,
    agreement,
    find_witness,
    outcome_findings,
    problem_finding,
    simulate_pair,
)
from gate.simulationrules import (
    SAMPLE_NOT_VALID_FOR_WRITER,
    SIMULATION_BREAKS_ACCEPTED_CHANGE,
    SIMULATION_DECODE_FAILED,
    SIMULATION_ENUM_DEFAULTED,
    SIMULATION_RULES,
    SIMULATION_VALUE_LOST,
)
from tests.support.paths import CONFORMANCE

STATUS = {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID", "SHIPPED"]}
V1: dict[str, Any] = {
    "type": "record",
    "name": "Order",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "email", "type": "string"},
        {"name": "status", "type": STATUS},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}


def _with_fields(schema: dict[str, Any], *fields: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "fields": [*schema["fields"], *fields]}


def _replace_field(schema: dict[str, Any], name: str, new: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "fields": [new if f["name"] == name else f for f in schema["fields"]]}


def _avro(writer: Any, reader: Any, **options: Any) -> SimulationOutcome:
    return simulate_pair(
        SchemaType.AVRO, writer, reader, writer_label="orders@1", reader_label="orders@2", **options
    )


def _independent_decode_error(writer: Any, reader: Any, data: bytes) -> str:
    """Decode with fastavro directly, schemas parsed afresh: the error a consumer sees."""
    parsed_writer = fastavro.parse_schema(copy.deepcopy(writer))
    parsed_reader = fastavro.parse_schema(copy.deepcopy(reader))
    try:
        fastavro.schemaless_reader(io.BytesIO(data), parsed_writer, parsed_reader)
    except Exception as error:  # the consumer's failure is what is compared
        return f"{type(error).__name__}: {error}"
    return ""


def test_a_field_added_without_default_breaks_with_a_small_exact_witness() -> None:
    reader = _with_fields(V1, {"name": "total", "type": "double"})
    outcome = _avro(V1, reader, schema_id=4711)
    assert outcome.payload_count == outcome.failed_count > 0
    [failure] = outcome.failures
    assert failure.kind is FailureKind.RESOLUTION
    assert failure.payloads == outcome.payload_count
    witness = outcome.witness
    assert witness is not None
    assert witness.error == "SchemaResolutionError: No default value for field total in shop.Order"
    assert (witness.writer, witness.reader) == ("orders@1", "orders@2")
    # shrunk: strings empty, numbers zero, optionals null, arrays empty
    assert witness.payload == {"id": 0, "email": "", "status": "NEW", "note": None, "tags": []}
    assert witness.body_base64 is not None
    assert witness.wire_base64 is not None
    assert witness.body_encoding == "avro"
    body = base64.b64decode(witness.body_base64)
    wire = base64.b64decode(witness.wire_base64)
    assert wire == b"\x00" + (4711).to_bytes(4, "big") + body
    assert _independent_decode_error(V1, reader, body) == witness.error
    assert (
        find_witness(
            SchemaType.AVRO,
            V1,
            reader,
            writer_label="orders@1",
            reader_label="orders@2",
            schema_id=4711,
        )
        == witness
    )


def test_the_witness_keeps_the_value_that_breaks_and_only_that() -> None:
    writer = _replace_field(
        V1, "note", {"name": "note", "type": ["null", "string", "long"], "default": None}
    )
    reader = _replace_field(
        V1, "note", {"name": "note", "type": ["null", "string"], "default": None}
    )
    outcome = _avro(writer, reader)
    assert outcome.witness is not None
    assert outcome.witness.payload == {"id": 0, "email": "", "status": "NEW", "note": 0, "tags": []}
    assert outcome.witness.error.startswith("SchemaResolutionError: schema mismatch")
    body = base64.b64decode(outcome.witness.body_base64 or "")
    assert _independent_decode_error(writer, reader, body) == outcome.witness.error
    assert outcome.failed_count < outcome.payload_count  # payloads without a long still decode


def test_a_compatible_change_decodes_every_payload() -> None:
    reader = _with_fields(V1, {"name": "total", "type": "double", "default": 0.0})
    outcome = _avro(V1, reader, random_count=30)
    assert outcome.failures == ()
    assert outcome.witness is None
    assert outcome.value_changes == ()
    assert outcome.payload_count == avro_payloads.coverage_size(V1) + 30
    assert outcome.exhaustive
    assert not agreement(True, outcome).disagrees


def test_a_missing_enum_symbol_without_default_fails_on_that_symbol_only() -> None:
    reader = _replace_field(
        V1, "status", {"name": "status", "type": {**STATUS, "symbols": ["NEW", "PAID"]}}
    )
    outcome = _avro(V1, reader)
    assert outcome.witness is not None
    assert outcome.witness.payload["status"] == "SHIPPED"
    assert outcome.witness.error == (
        "SchemaResolutionError: SHIPPED not found in reader symbol "
        "list shop.Status, known symbols: ['NEW', 'PAID']"
    )


def test_an_enum_symbol_replaced_by_the_readers_default_is_reported() -> None:
    reader = _replace_field(
        V1,
        "status",
        {
            "name": "status",
            "type": {**STATUS, "symbols": ["NEW", "PAID", "UNKNOWN"], "default": "UNKNOWN"},
        },
    )
    outcome = _avro(V1, reader)
    assert outcome.failures == ()
    [change] = outcome.value_changes
    assert change.rule == SIMULATION_ENUM_DEFAULTED
    assert change.path == "/fields/2/type"
    assert change.message == (
        "enum shop.Status: symbol SHIPPED written by orders@1 is not among "
        "the symbols of orders@2 and is read as its default 'UNKNOWN'"
    )
    assert change.payload["status"] == "SHIPPED"
    assert change.read["status"] == "UNKNOWN"
    # a reader with a default that knows every symbol changes nothing
    knows_all = _replace_field(
        V1,
        "status",
        {
            "name": "status",
            "type": {**STATUS, "symbols": [*STATUS["symbols"], "UNKNOWN"], "default": "UNKNOWN"},
        },
    )
    assert _avro(V1, knows_all).value_changes == ()


def test_a_rename_without_alias_loses_the_value_and_an_alias_keeps_it() -> None:
    renamed = _replace_field(V1, "email", {"name": "mail", "type": "string", "default": ""})
    outcome = _avro(V1, renamed)
    assert outcome.failures == ()
    [change] = outcome.value_changes
    assert change.rule == SIMULATION_VALUE_LOST
    assert change.path == "/fields/1"
    assert "field email written by orders@1 is dropped by orders@2" in change.message
    assert 'field mail takes the default (mail="")' in change.message
    assert change.fix == (
        'if mail is email renamed, add "aliases": ["email"] to field mail of shop.Order'
    )
    assert change.payload["email"] == ""
    assert change.read["mail"] == ""
    aliased = _replace_field(
        V1, "email", {"name": "mail", "type": "string", "default": "", "aliases": ["email"]}
    )
    assert _avro(V1, aliased).value_changes == ()
    dropped_only = {**V1, "fields": [f for f in V1["fields"] if f["name"] != "email"]}
    assert _avro(V1, dropped_only).value_changes == ()  # nothing took a default


def test_a_variant_without_defaults_copies_only_the_way_to_them() -> None:
    from gate.formats.avro.simulate import _without_defaults

    inner = [{"name": "x", "type": "int", "default": 1}]
    nested = {"type": "record", "name": "In", "fields": inner}
    schema = {
        "type": "record",
        "name": "Out",
        "fields": [
            {"name": "a", "type": "string", "default": ""},
            {"name": "b", "type": nested, "default": {"x": 1}},
            {"name": "c", "type": ["null", "long"], "default": None},
        ],
    }
    before = copy.deepcopy(schema)
    pointers = ["/fields/0", "/fields/1/type/fields/0", "/fields/1"]
    variant = _without_defaults(schema, pointers)
    expected = copy.deepcopy(schema)
    for field in (expected["fields"][0], expected["fields"][1]["type"]["fields"][0]):
        del field["default"]
    del expected["fields"][1]["default"]
    assert variant == expected
    assert schema == before  # the schema itself keeps its defaults
    assert variant["fields"][2] is schema["fields"][2]  # what no pointer reaches is shared
    assert _without_defaults(["null", schema], ["/1/fields/0"])[1]["fields"][0] == {
        "name": "a",
        "type": "string",
    }


def test_the_alias_fix_names_the_dropped_field_of_the_same_type() -> None:
    reader = {
        **V1,
        "fields": [
            *[f for f in V1["fields"] if f["name"] not in ("email", "id")],
            {"name": "email_address", "type": "string", "default": ""},
        ],
    }
    [change] = _avro(V1, reader).value_changes
    assert "fields id, email written by orders@1 are dropped" in change.message
    assert change.fix is not None
    assert change.fix.startswith('if email_address is email renamed, add "aliases": ["email"]')


def test_recursive_schemas_are_simulated_to_a_bounded_depth() -> None:
    node = {
        "type": "record",
        "name": "Node",
        "fields": [{"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}],
    }
    deeper = {
        **node,
        "fields": [
            {"name": "value", "type": "int"},
            {"name": "next", "type": ["null", "Node"]},
            {"name": "label", "type": "string"},
        ],
    }
    outcome = _avro(node, deeper)
    assert outcome.witness is not None
    assert outcome.witness.payload == {"value": 0, "next": None}
    assert outcome.witness.error == (
        "SchemaResolutionError: No default value for field label in Node"
    )


def test_unusable_schemas_and_types_raise() -> None:
    from gate.errors import SchemaInvalid

    with pytest.raises(SchemaInvalid):
        _avro(V1, {"type": "record", "name": "Order", "fields": [{"name": "a", "type": "Nope"}]})
    with pytest.raises(SchemaInvalid):
        simulate_pair(SchemaType.JSON, {"type": 5}, {}, writer_label="w", reader_label="r")
    # Protobuf is simulated by its format, on compiled schemas only
    with pytest.raises(SchemaInvalid, match="compiled"):
        simulate_pair(SchemaType.PROTOBUF, "", "", writer_label="w", reader_label="r")


def test_samples_are_evidence_and_invalid_ones_are_rejected() -> None:
    reader = _with_fields(V1, {"name": "total", "type": "double"})
    good = {"id": 5, "email": "a@b", "status": "PAID", "note": None, "tags": ["x"]}
    avro_json = {**good, "note": {"string": "in Avro's JSON encoding"}}
    wrong = {"id": "five", "email": "a@b", "status": "PAID", "note": None, "tags": []}
    samples = [Sample("s/a.jsonl:1", payload=good), Sample("s/a.jsonl:2", payload=wrong), avro_json]
    outcome = _avro(
        V1,
        _with_fields(V1, {"name": "total", "type": "double", "default": 1.0}),
        samples=samples,
        random_count=0,
    )
    assert outcome.payload_count == avro_payloads.coverage_size(V1) + 2
    [rejection] = outcome.rejected_samples
    assert rejection.source == "s/a.jsonl:2"
    assert rejection.rule == SAMPLE_NOT_VALID_FOR_WRITER
    assert "shop.Order.id is <five>" in rejection.message
    failing = _avro(V1, reader, samples=[Sample("s/a.jsonl:1", payload=good)], random_count=0)
    assert failing.failures[0].source == "s/a.jsonl:1"  # samples come first


def test_wire_samples_count_only_for_their_own_schema_id() -> None:
    buffer = io.BytesIO()
    value = {"id": 9, "email": "x", "status": "NEW", "note": None, "tags": []}
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(copy.deepcopy(V1)), value)
    mine = Sample("s/a.bin", wire=b"\x00\x00\x00\x00\x07" + buffer.getvalue(), schema_id=7)
    other = Sample("s/b.bin", wire=b"\x00\x00\x00\x00\x08" + buffer.getvalue(), schema_id=8)
    outcome = _avro(V1, V1, samples=[mine, other], schema_id=7, random_count=0)
    assert outcome.skipped_samples == 1
    assert outcome.payload_count == avro_payloads.coverage_size(V1) + 1


def test_json_schema_simulation_finds_a_narrowing_with_a_shrunk_witness() -> None:
    writer = {
        "type": "object",
        "properties": {"qty": {"type": "integer"}, "name": {"type": "string"}},
        "required": ["qty"],
    }
    reader = {
        **writer,
        "properties": {**writer["properties"], "qty": {"type": "integer", "minimum": 0}},
    }
    outcome = simulate_pair(
        SchemaType.JSON, writer, reader, writer_label="w", reader_label="r", samples=[{"qty": "x"}]
    )
    assert outcome.rejected_samples[0].message.startswith("not valid under w: /qty: 'x'")
    assert outcome.failures
    assert outcome.failures[0].kind is FailureKind.VALIDATION
    witness = outcome.witness
    assert witness is not None
    assert witness.body_base64 is None
    assert witness.wire_base64 is None
    assert witness.payload == {"qty": -1}
    assert witness.error == "/qty: -1 is less than the minimum of 0"
    widened = {**writer, "properties": {**writer["properties"], "qty": {"type": "number"}}}
    assert (
        simulate_pair(SchemaType.JSON, writer, widened, writer_label="w", reader_label="r").failures
        == ()
    )


def test_json_schema_readers_fill_in_defaults() -> None:
    writer = {"type": "object", "properties": {"a": {"type": "string", "default": "x"}}}
    reader = {**writer, "required": ["a"]}
    assert (
        simulate_pair(SchemaType.JSON, writer, reader, writer_label="w", reader_label="r").failures
        == ()
    )


def test_agreement_between_checker_and_simulation() -> None:
    breaking = _avro(V1, _with_fields(V1, {"name": "total", "type": "double"}))
    fine = _avro(V1, V1)
    assert agreement(False, breaking).disagrees is False
    assert agreement(True, fine).disagrees is False
    said_compatible = agreement(True, breaking)
    assert said_compatible.disagrees
    assert said_compatible.witness == breaking.witness
    said_incompatible = agreement(False, fine)
    assert said_incompatible.disagrees
    assert "the generated space should contain a witness" in said_incompatible.message
    assert agreement(False, _avro({"type": "array", "items": "int"}, [])).disagrees is False
    only_conversions = _avro("bytes", "string")  # fastavro fails on bytes that are not UTF-8
    assert {f.kind for f in only_conversions.failures} == {FailureKind.CONVERSION}
    assert agreement(True, only_conversions).disagrees is False


def test_findings_of_an_outcome() -> None:
    reader = _replace_field(V1, "email", {"name": "mail", "type": "string", "default": ""})
    reader = _with_fields(reader, {"name": "total", "type": "double"})
    broken = _avro(V1, reader, samples=[Sample("s/x.jsonl:3", payload={"id": "no"})])
    findings = outcome_findings(broken, subject="orders-value", versions=("1", "2"))
    # the decode failure is the evidence of the checker's findings, not a finding of its own
    assert [f.rule for f in findings] == [SAMPLE_NOT_VALID_FOR_WRITER]
    assert findings[0].location is not None
    assert str(findings[0].location) == "s/x.jsonl:3"
    lost = outcome_findings(
        _avro(V1, _replace_field(V1, "email", {"name": "mail", "type": "string", "default": ""})),
        subject="o",
    )
    assert [(f.rule, f.severity, f.path) for f in lost] == [
        (SIMULATION_VALUE_LOST, Severity.WARNING, "/fields/1")
    ]
    # a pair the rules accept, where data still breaks: one warning, with its witness
    conversions = _avro("bytes", "string")
    warning = accepted_but_breaks(conversions, subject="o")
    assert warning is not None
    assert warning.rule == SIMULATION_BREAKS_ACCEPTED_CHANGE
    assert warning.severity is Severity.WARNING
    assert warning.witness == conversions.witness
    assert warning.message.startswith("the registry accepts this change, but fastavro consumers")
    assert accepted_but_breaks(_avro(V1, V1), subject="o") is None
    unknown = SampleProblem(
        "samples/x.bin",
        "schema id 4711 in samples/x.bin is not in the registry or snapshot",
        "SAMPLE_UNKNOWN_SCHEMA_ID",
    )
    finding = problem_finding(unknown, subject="orders-value")
    assert finding.message == unknown.message
    assert finding.severity is Severity.ERROR
    corrupt = problem_finding(SampleProblem("s/y.jsonl:4", "not valid JSON: x"), subject="o")
    assert corrupt.message == "sample s/y.jsonl:4: not valid JSON: x"
    assert corrupt.location is not None
    assert corrupt.location.line == 4


def test_simulation_rules_are_well_formed() -> None:
    ids = [rule.id for rule in SIMULATION_RULES]
    assert len(ids) == len(set(ids)) == 7
    assert all(
        rule.category == "simulation" and rule.purpose.endswith(".") for rule in SIMULATION_RULES
    )
    warnings = {rule.id for rule in SIMULATION_RULES if rule.severity is Severity.WARNING}
    assert warnings == {
        SIMULATION_VALUE_LOST,
        SIMULATION_ENUM_DEFAULTED,
        SIMULATION_BREAKS_ACCEPTED_CHANGE,
    }
    assert SIMULATION_DECODE_FAILED in ids


# -- the conformance corpora: the simulation never contradicts the stated verdicts ---------------


def _corpus(relative: str) -> list[dict[str, Any]]:
    path = CONFORMANCE / relative
    if not path.is_file():
        pytest.fail(f"conformance corpus missing: {path}")
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return cases


@pytest.mark.parametrize(
    ("relative", "schema_type"),
    [
        ("avro/apache-avro-py.json", SchemaType.AVRO),
        ("jsonschema/confluent-strict.json", SchemaType.JSON),
    ],
)
def test_simulation_agrees_with_the_conformance_verdicts(
    relative: str, schema_type: SchemaType
) -> None:
    disagreements = []
    witnessed = 0
    for case in _corpus(relative):
        for mode, compatible in case["expect"].items():
            writer, reader = (
                (case["old"], case["new"]) if mode == "BACKWARD" else (case["new"], case["old"])
            )
            outcome = simulate_pair(
                schema_type, writer, reader, writer_label="w", reader_label="r", random_count=5
            )
            if agreement(compatible, outcome).disagrees:
                disagreements.append((case["id"], mode))
            witnessed += not compatible and outcome.witness is not None
    assert disagreements == []
    assert witnessed > 30  # incompatible pairs mostly come with a concrete witness


def test_fastavro_reads_an_empty_reader_union_as_the_writer() -> None:
    # fastavro deviates from the Avro rules here: an empty reader union ([]) is falsy, and it
    # then reads with the writer schema alone. The rules (and the checker) say incompatible.
    outcome = _avro(["int"], [])
    assert outcome.failures == ()
    assert outcome.unenforced == (
        "the reader's empty union at / (fastavro reads the writer's value)",
    )
    assert agreement(False, outcome).disagrees is False


def test_fastavro_promotes_bytes_to_string_by_decoding_utf8() -> None:
    # The Avro rules allow bytes -> string; fastavro decodes the bytes as UTF-8 and fails on the
    # edge values that are not UTF-8 (Java substitutes U+FFFD). A conversion failure, not a
    # resolution one, so it is no disagreement with a checker that says compatible.
    outcome = _avro("bytes", "string")
    assert {f.kind for f in outcome.failures} == {FailureKind.CONVERSION}
    assert outcome.witness is not None
    assert outcome.witness.error.startswith("UnicodeDecodeError: 'utf-8' codec can't decode")
    assert agreement(True, outcome).disagrees is False
    # and it resolves a writer's bytes branch to a reader's earlier string branch of the SAME
    # union once anything else differs, failing the same way
    writer = {"type": "record", "name": "R", "fields": [{"name": "u", "type": ["string", "bytes"]}]}
    reader = _with_fields(writer, {"name": "x", "type": "int", "default": 0})
    same_union = _avro(writer, reader)
    assert {f.kind for f in same_union.failures} == {FailureKind.CONVERSION}


# -- property: the static checker and the simulation agree on generated schema pairs -------------

_PRIMITIVES = ["boolean", "int", "long", "float", "double", "string", "bytes"]


@st.composite
def _field_type(draw: st.DrawFn, tag: str, depth: int = 0) -> Any:
    kind = draw(
        st.sampled_from(
            ["primitive", "primitive", "union", "enum", "fixed", "array", "map", "record"]
            if depth < 1
            else ["primitive", "union", "enum", "fixed"]
        )
    )
    if kind == "primitive":
        return draw(st.sampled_from(_PRIMITIVES))
    if kind == "union":
        return draw(
            st.lists(st.sampled_from(["null", *_PRIMITIVES]), min_size=1, max_size=3, unique=True)
        )
    if kind == "enum":
        symbols = draw(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4, unique=True))
        return {"type": "enum", "name": f"E{tag}", "symbols": symbols}
    if kind == "fixed":
        return {"type": "fixed", "name": f"F{tag}", "size": draw(st.integers(0, 3))}
    if kind in ("array", "map"):
        key = "items" if kind == "array" else "values"
        return {"type": kind, key: draw(_field_type(tag, depth + 1))}
    fields = [
        {"name": f"g{i}", "type": draw(_field_type(f"{tag}g{i}", depth + 1))}
        for i in range(draw(st.integers(1, 2)))
    ]
    return {"type": "record", "name": f"R{tag}", "fields": fields}


@st.composite
def _record(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 4))
    return {
        "type": "record",
        "name": "Top",
        "namespace": "p",
        "fields": [{"name": f"f{i}", "type": draw(_field_type(str(i)))} for i in range(count)],
    }


def _mutations(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    fields = schema["fields"]
    index = draw(st.integers(0, len(fields) - 1))
    field = fields[index]
    kind = draw(
        st.sampled_from(
            [
                "add",
                "add_default",
                "remove",
                "retype",
                "rename",
                "union",
                "enum",
                "enum_default",
                "rename_type",
                "resize",
            ]
        )
    )
    if kind == "add":
        fields.append({"name": "added", "type": draw(st.sampled_from(_PRIMITIVES))})
    elif kind == "add_default":
        fields.append({"name": "added", "type": ["null", "string"], "default": None})
    elif kind == "remove" and len(fields) > 1:
        fields.pop(index)
    elif kind == "retype":
        field["type"] = draw(_field_type(f"m{index}"))
    elif kind == "rename":
        field["name"] += "_renamed"
        if draw(st.booleans()):
            field["default"] = None
            field["type"] = (
                ["null", field["type"]] if not isinstance(field["type"], list) else field["type"]
            )
            if "null" not in field["type"]:
                field["type"] = ["null", *field["type"]]
            field["type"] = ["null", *[t for t in field["type"] if t != "null"]]
    elif kind == "union":
        current = field["type"]
        if isinstance(current, list) and len(current) > 1:
            current.pop(draw(st.integers(0, len(current) - 1)))
        elif not isinstance(current, list):
            field["type"] = ["null", current]
    elif (
        kind in ("rename_type", "resize")
        and isinstance(field["type"], dict)
        and "name" in field["type"]
    ):
        if kind == "rename_type":
            field["type"]["name"] += "2"
        elif field["type"]["type"] == "fixed":
            field["type"]["size"] += 1
    elif (
        kind in ("enum", "enum_default")
        and isinstance(field["type"], dict)
        and field["type"].get("type") == "enum"
    ):
        symbols = field["type"]["symbols"]
        if kind == "enum" and len(symbols) > 1:
            symbols.pop()
        else:
            symbols.append("Z")
            field["type"]["default"] = symbols[0]
    return schema


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    old = draw(_record())
    new = _mutations(draw, old)
    return (old, new) if draw(st.booleans()) else (new, old)


def _checker_says_compatible(writer: Any, reader: Any) -> bool:
    """gate's own static checker: compatible when it reports no error."""
    from gate.formats import CheckOptions, get_format
    from gate.model import Origin, OriginKind, Schema, Severity
    from gate.rules import all_rules

    avro_format = get_format(SchemaType.AVRO)

    def parse(value: Any) -> Any:
        schema = Schema(SchemaType.AVRO, json.dumps(value), Origin(OriginKind.FILE, path="x"))
        return avro_format.parse(schema, CheckOptions())

    issues = avro_format.check(parse(reader), parse(writer), CheckOptions())
    return not any(all_rules()[i.rule].severity is Severity.ERROR for i in issues)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pairs())
def test_checker_and_simulation_agree_on_generated_pairs(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    writer, reader = pair
    compatible = _checker_says_compatible(writer, reader)
    event(f"checker says compatible: {compatible}")
    outcome = simulate_pair(
        SchemaType.AVRO, writer, reader, writer_label="w", reader_label="r", random_count=4
    )
    assert outcome.exhaustive  # every union branch and enum symbol was written
    hard = [f for f in outcome.failures if f.kind is not FailureKind.CONVERSION]
    # the one documented fastavro deviation in this space: bytes promoted to string
    assert all(
        f.error.startswith("UnicodeDecodeError")
        for f in outcome.failures
        if f.kind is FailureKind.CONVERSION
    )
    if compatible:
        assert hard == [], hard  # every payload decodes
    else:
        assert outcome.witness is not None  # a witness exists in the generated space: found
        body = base64.b64decode(outcome.witness.body_base64 or "")
        assert _independent_decode_error(writer, reader, body) == outcome.witness.error
    assert agreement(compatible, outcome).disagrees is False


# -- JSON Schema payloads aimed at the findings --------------------------------------------------


def _json(writer: Any, reader: Any, **options: Any) -> SimulationOutcome:
    return simulate_pair(
        SchemaType.JSON, writer, reader, writer_label="w", reader_label="r", **options
    )


def test_a_finding_inside_a_shared_definition_is_shown_where_the_definition_is_used() -> None:
    address = {"type": "object", "properties": {"zip": {"type": "string"}}}
    writer = {
        "definitions": {"Address": address},
        "type": "object",
        "properties": {"id": {"type": "integer"}, "home": {"$ref": "#/definitions/Address"}},
        "required": ["id"],
    }
    reader = copy.deepcopy(writer)
    reader["definitions"]["Address"]["properties"]["zip"] = {"type": "integer"}
    outcome = _json(writer, reader, targets=["/definitions/Address/properties/zip"])
    witness = outcome.witnesses["/definitions/Address/properties/zip"]
    assert witness.payload["home"]["zip"] == ""
    assert witness.pointer == "/home/zip"
    assert witness.error == "/home/zip: '' is not of type 'integer'"


def test_aimed_payloads_stay_small_in_a_large_schema() -> None:
    properties = {
        f"p{i}": {"type": "object", "properties": {f"q{j}": {"type": "string"} for j in range(20)}}
        for i in range(150)
    }
    writer = {"type": "object", "properties": properties, "required": ["p0"]}
    reader = copy.deepcopy(writer)
    reader["properties"]["p77"]["properties"]["q3"] = {"type": "string", "format": "email"}
    outcome = _json(writer, reader)  # no finding: aimed at what differs
    assert outcome.failures
    assert outcome.witness is not None
    assert outcome.witness.payload == {"p0": {}, "p77": {"q3": ""}}
    assert outcome.keyword == "/properties/p77/properties/q3/format"
    # no payload carries more than the required property and the one aimed at
    assert outcome.payload_count < 40


def test_a_witness_is_only_kept_for_the_finding_it_shows() -> None:
    writer = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    reader = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string", "pattern": "^x$"}},
    }
    outcome = _json(
        writer, reader, targets=["/properties/a", "/properties/b/pattern", "/properties/c"]
    )
    assert "/a" in outcome.witnesses["/properties/a"].error
    assert "/b" not in outcome.witnesses["/properties/a"].error
    assert "does not match '^x$'" in outcome.witnesses["/properties/b/pattern"].error
    assert "/properties/c" not in outcome.witnesses  # nothing there to show


# -- witness shrinking bounded by counting, never by time ----------------------------------------


@pytest.fixture
def coded(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Encode and decode calls past the first reading of each payload, and their bytes."""
    work = {"calls": 0, "bytes": 0}
    encode, decode = avro_payloads.encode, avro_payloads.decode

    def counted_encode(payload: Any, parsed: Any) -> bytes:
        data = encode(payload, parsed)
        work["calls"] += 1
        work["bytes"] += len(data)
        return data

    def counted_decode(data: bytes, writer: Any, reader: Any) -> Any:
        work["calls"] += 1
        work["bytes"] += len(data)
        return decode(data, writer, reader)

    monkeypatch.setattr(avro_payloads, "encode", counted_encode)
    monkeypatch.setattr(avro_payloads, "decode", counted_decode)
    return work


def test_shrinking_a_large_witness_stops_at_the_work_budget_with_a_note(
    coded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gate.simulation_types as simulate
    from tests.support.avro_shapes import record_used_twice

    budget = 300_000
    monkeypatch.setattr(simulate, "SIMULATION_WORK", budget, raising=False)
    writer = record_used_twice(11)  # every payload holds 2^11 leaves, each can shrink
    reader = json.loads(json.dumps(writer).replace('"int"', '"string"'))
    outcome = _avro(writer, reader, random_count=0)
    assert outcome.witness is not None
    assert any(
        "witnesses were not made as small as they could be" in note for note in outcome.notes
    ), outcome.notes
    # the budget, plus the attempts that find the failure and restate it, each a payload's
    # weight (written, then read)
    weight = 2 * len(base64.b64decode(outcome.witness.body_base64 or ""))
    assert coded["bytes"] <= budget + 4 * weight, coded
    body = base64.b64decode(outcome.witness.body_base64 or "")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        fastavro.schemaless_reader(
            io.BytesIO(body), avro_payloads.parse(writer), avro_payloads.parse(reader)
        )


def test_a_witness_deep_in_40_nested_arrays_is_shrunk_within_the_work_budget(
    coded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gate.simulation_types as simulate
    from tests.support.avro_shapes import nested_arrays

    budget = 100_000
    monkeypatch.setattr(simulate, "SIMULATION_WORK", budget, raising=False)
    wide = [{"name": f"f{i}", "type": "long"} for i in range(300)]
    leaf = {
        "type": "record",
        "name": "Cell",
        "fields": [*wide, {"name": "v", "type": ["int", "string"]}],
    }
    writer = nested_arrays(40, leaf)
    reader = nested_arrays(40, {**leaf, "fields": [*wide, {"name": "v", "type": "int"}]})
    outcome = _avro(writer, reader, random_count=0)
    witness = outcome.witness
    assert witness is not None
    assert "SchemaResolutionError" in witness.error
    assert any(
        "witnesses were not made as small as they could be" in note for note in outcome.notes
    ), outcome.notes

    def depth(value: Any) -> int:
        return 1 + max(map(depth, value), default=0) if isinstance(value, list) else 0

    assert depth(witness.payload["cells"]) == 40  # the string sits at the bottom
    weight = 2 * len(base64.b64decode(witness.body_base64 or ""))
    assert coded["bytes"] <= budget + 4 * weight, coded
