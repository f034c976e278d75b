"""Protobuf simulation: generated messages written with one version and parsed with another as
Confluent's deserializer parses them, checked against the registry's verdict and the warnings."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.cli import cli
from gate.formats import CheckOptions, get_format
from gate.formats.protobuf.warnings import enum_numbers
from gate.judge import severity_of
from gate.model import Origin, OriginKind, Schema, SchemaType, Severity

if TYPE_CHECKING:
    from pathlib import Path

FMT = get_format(SchemaType.PROTOBUF)


def _parse(text: str) -> object:
    return FMT.parse(Schema(SchemaType.PROTOBUF, text, Origin(OriginKind.REGISTRY)), CheckOptions())


def _findings(old: object, new: object) -> list[tuple[str, str]]:
    """BACKWARD: the registry's errors and every warning, as (rule, path)."""
    found = [(i.rule, i.path) for i in FMT.check(new, old, CheckOptions())]
    found += [(i.rule, i.path) for i in FMT.edit_warnings(old, new, "reader")]  # type: ignore[attr-defined]
    return found


def _simulate(old: object, new: object, targets: list[str]) -> object:
    simulator = FMT.simulator()
    assert simulator is not None
    return simulator.simulate(
        old, new, writer_label="old", reader_label="new", schema_id=7, targets=targets
    )


# --- generated pairs ---------------------------------------------------------------------------

_TYPES = [
    "int32",
    "int64",
    "uint32",
    "uint64",
    "sint32",
    "sint64",
    "bool",
    "string",
    "bytes",
    "fixed32",
    "sfixed32",
    "fixed64",
    "float",
    "double",
    "Color",
    "Inner",
    "map<string, int32>",
    "map<int64, int64>",
]


@st.composite
def _proto(draw: st.DrawFn) -> str:
    proto2 = draw(st.booleans())
    labels = ["optional ", "repeated ", "required "] if proto2 else ["", "optional ", "repeated "]
    fields = draw(
        st.dictionaries(
            st.integers(1, 6),
            st.tuples(
                st.sampled_from(_TYPES),
                st.sampled_from(labels),
                st.sampled_from([None, None, "p", "q"]),
            ),
            max_size=5,
        )
    )
    top, oneofs = [], {}  # type: ignore[var-annotated]
    for number, (kind, label, oneof) in sorted(fields.items()):
        name = f"f{number}" if draw(st.booleans()) else f"g{number}"
        if kind.startswith("map"):
            label = ""
            if oneof is not None:
                oneof = None
        if oneof is not None:
            oneofs.setdefault(oneof, []).append(f"    {kind} {name} = {number};")
        else:
            top.append(f"  {label}{kind} {name} = {number};")
    body = "\n".join(
        top + [f"  oneof {o} {{\n" + "\n".join(m) + "\n  }" for o, m in sorted(oneofs.items())]
    )
    # GREEN always: a proto3 field whose enum has only 0 is never written at all, so nothing
    # it would show reaches the wire
    values = {"GREEN = 1;"} | draw(st.sets(st.sampled_from(["BLUE = 2;", "BLACK = 3;"])))
    inner = draw(st.sampled_from(["int32", "int64", "string", "sint32"]))
    inner_label = "optional " if proto2 else ""
    extra = "message Extra {}\n" if draw(st.booleans()) else ""
    syntax = "proto2" if proto2 else "proto3"
    return (
        f'syntax = "{syntax}";\npackage shop;\nenum Color {{\n  RED = 0;\n  '
        + "\n  ".join(sorted(values))
        + "\n}\n"
        f"message Inner {{\n  {inner_label}{inner} x = 1;\n}}\n{extra}"
        f"message Order {{\n{body}\n}}\n"
    )


def _shown_on_the_wire(rule: str, old: object, new: object, path: str) -> bool:
    """Whether a BACKWARD error has a wire witness (PROTOBUF.md, "kinds with no wire witness")."""
    if rule in (
        "PROTOBUF_PACKAGE_CHANGED",
        "PROTOBUF_REQUIRED_FIELD_REMOVED",
        "PROTOBUF_FIELD_NAMED_TYPE_CHANGED",
    ):
        return False
    tail = path.rsplit("/", 1)[1]
    if not tail.isdigit() or not path.startswith("/Order/"):
        return True
    number = int(tail)
    before = old.all_messages["shop.Order"].fields.get(number)  # type: ignore[attr-defined]
    after = new.all_messages["shop.Order"].fields.get(number)  # type: ignore[attr-defined]
    if before is None or after is None:
        return True
    if rule == "PROTOBUF_FIELD_NUMERIC_LABEL_CHANGED":
        # a single value reads fine as a list of one, and a value always written reads fine
        # when it becomes optional: only many values read as one, or a value the writer may
        # leave out becoming required, show on the wire
        return (before.label == "repeated" and after.label != "repeated") or (
            after.label == "required" and before.label != "required"
        )
    if rule == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED" and before.scalar == "enum":
        # an enum whose only number is 0 writes 0, which every integer encoding reads as 0
        return bool(enum_numbers(old, before.type_name) - {0})  # type: ignore[arg-type]
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_proto(), b=_proto())
def test_simulation_shows_every_break_the_checker_names_and_no_other(a: str, b: str) -> None:
    old, new = _parse(a), _parse(b)
    findings = _findings(old, new)
    outcome = _simulate(old, new, sorted({path for _, path in findings}))
    # nothing breaks that no finding (error or warning) names
    assert not outcome.failures, (outcome.failures, findings)  # type: ignore[attr-defined]
    assert not outcome.value_changes, (outcome.value_changes, findings)  # type: ignore[attr-defined]
    # every error that data can show is shown, at its own path
    for rule, path in findings:
        if severity_of(rule) is Severity.ERROR and _shown_on_the_wire(rule, old, new, path):
            assert path in outcome.witnesses, (rule, path)  # type: ignore[attr-defined]


# --- witnesses through the real command --------------------------------------------------------

HEAD = 'syntax = "proto3";\npackage shop.v1;\n\n'


def _compat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, *extra: str
) -> tuple[int, list[dict]]:
    (tmp_path / "old.proto").write_text(HEAD + old)
    (tmp_path / "new.proto").write_text(HEAD + new)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["compat", "--format", "json", *extra, "old.proto", "new.proto"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_an_error_carries_a_witness_in_json_plain_and_wire_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, findings = _compat(
        tmp_path,
        monkeypatch,
        "message Refund {}\nmessage Order {\n  int32 qty = 1;\n}\n",
        "message Refund {}\nmessage Order {\n  sint32 qty = 1;\n}\n",
    )
    assert code == 1
    (finding,) = findings
    assert finding["rule"] == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    witness = finding["witness"]
    assert witness["payload"] == {"qty": 1}
    assert "written as 1 but reads as -1" in witness["error"]
    assert witness["body_encoding"] == "protobuf"
    body = base64.b64decode(witness["body_base64"])
    assert body == b"\x08\x01"
    # magic byte, schema id 0 (unknown for files), message indexes [1] (Order is the second
    # message), then the body
    assert base64.b64decode(witness["wire_base64"]) == b"\x00\x00\x00\x00\x00\x02\x02" + body
    assert witness["avro_base64"] is None


@pytest.mark.parametrize(
    ("old", "new", "rule", "error"),
    [
        (
            "  int64 id = 1;\n",
            "  int32 id = 1;\n",
            "PROTOBUF_NUMERIC_NARROWED",
            "written as 1099511627779 but reads as 3",
        ),
        (
            "  uint32 id = 1;\n",
            "  int32 id = 1;\n",
            "PROTOBUF_NUMERIC_NARROWED",
            "written as 2147483653 but reads as -2147483643",
        ),
        (
            "  bytes id = 1;\n",
            "  string id = 1;\n",
            "PROTOBUF_BYTES_TO_STRING",
            "String field had bad UTF-8",
        ),
        (
            "  repeated string id = 1;\n",
            "  string id = 1;\n",
            "PROTOBUF_CARDINALITY_CHANGED",
            "but reads as",
        ),
        (
            "  repeated int32 id = 1;\n",
            "  int32 id = 1;\n",
            "PROTOBUF_CARDINALITY_CHANGED",
            "went to unknown fields",
        ),
        (
            "  int32 id = 1;\n  string note = 2;\n",
            "  int32 id = 1;\n",
            "PROTOBUF_FIELD_REMOVED_NOT_RESERVED",
            "went to unknown fields",
        ),
    ],
)
def test_a_warning_carries_a_witness_where_data_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, rule: str, error: str
) -> None:
    code, findings = _compat(
        tmp_path, monkeypatch, "message Order {\n" + old + "}\n", "message Order {\n" + new + "}\n"
    )
    assert code == 0
    by_rule = {f["rule"]: f for f in findings}
    assert set(by_rule) == {rule}
    assert error in by_rule[rule]["witness"]["error"]


def test_a_removed_message_is_read_as_the_reader_s_first_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, findings = _compat(
        tmp_path,
        monkeypatch,
        "message Order {\n  int32 id = 1;\n}\nmessage Refund {}\n",
        "message Order {\n  int32 id = 1;\n}\n",
    )
    assert code == 1
    (finding,) = findings
    assert finding["rule"] == "PROTOBUF_MESSAGE_REMOVED"
    assert "reads it as `shop.v1.Order`, its first message" in finding["witness"]["error"]
    assert base64.b64decode(finding["witness"]["wire_base64"])[5:7] == b"\x02\x02"


def test_a_required_field_added_is_missing_from_old_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = 'syntax = "proto2";\npackage shop.v1;\n\n'
    (tmp_path / "old.proto").write_text(head + "message Order {\n  optional int32 id = 1;\n}\n")
    (tmp_path / "new.proto").write_text(
        head + "message Order {\n  optional int32 id = 1;\n  required string note = 2;\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["compat", "--format", "json", "old.proto", "new.proto"])
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "PROTOBUF_REQUIRED_FIELD_ADDED"
    assert finding["witness"]["payload"] == {}
    assert "required field(s) missing: `shop.v1.Order.note`" in finding["witness"]["error"]


def test_text_and_markdown_reports_name_the_protobuf_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "old.proto").write_text(HEAD + "message Order {\n  float a = 1;\n}\n")
    (tmp_path / "new.proto").write_text(HEAD + "message Order {\n  double a = 1;\n}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    text = CliRunner().invoke(cli, ["compat", "-vv", "old.proto", "new.proto"]).stdout
    assert "protobuf body (base64): DQAAwD8=" in text
    from gate.model import Witness
    from gate.report.markdown import _witness

    shown = _witness(
        Witness(
            {},
            "old",
            "new",
            "boom",
            wire_base64="AA==",
            body_base64="DQ==",
            body_encoding="protobuf",
        )
    )
    assert "Protobuf body (base64):\n\n```\nDQ==\n```" in shown
