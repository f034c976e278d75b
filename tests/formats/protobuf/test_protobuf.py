"""Protobuf through the real command: protoc's verdict on a file, imports resolved from the
repository at the schema's revision, and Confluent Schema Registry's verdict on a change."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.cli import cli
from tests.support.gitrepo import PINNED, RepoBuilder

if TYPE_CHECKING:
    from pathlib import Path

HEAD = 'syntax = "proto3";\npackage shop.v1;\n\n'


def _gate(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _compat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, mode: str = "BACKWARD"
) -> tuple[int, list[dict[str, object]]]:
    (tmp_path / "old").mkdir(exist_ok=True)
    (tmp_path / "new").mkdir(exist_ok=True)
    (tmp_path / "old" / "order.proto").write_text(old, encoding="utf-8")
    (tmp_path / "new" / "order.proto").write_text(new, encoding="utf-8")
    code, out, err = _gate(
        [
            "compat",
            "--mode",
            mode,
            "--format",
            "json",
            "--no-simulate",
            "old/order.proto",
            "new/order.proto",
        ],
        tmp_path,
        monkeypatch,
    )
    assert code in (0, 1), err
    import json

    return code, json.loads(out)["findings"]


# --- part 1: parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "line", "words"),
    [
        (
            HEAD + "message Order {\n  int32 id = 1\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            6,
            'Expected ";"',
        ),
        (
            HEAD + "message Order {\n  int32 id = 1;\n  string id = 2;\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            6,
            '"id" is already defined in "shop.v1.Order"',
        ),
        (
            HEAD + "message Order {\n  int32 id = 1;\n  string note = 1;\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            6,
            "Field number 1 has already been used",
        ),
        (
            HEAD + "message Order {\n  required int32 id = 1;\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            5,
            "Required fields are not allowed in proto3",
        ),
        (
            HEAD + "message Order {\n  Missing m = 1;\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            5,
            '"Missing" is not defined',
        ),
        (
            HEAD + 'import "shop/v1/money.proto";\n\nmessage Order {\n  int32 id = 1;\n}\n',
            "PROTOBUF_UNRESOLVED_IMPORT",
            4,
            'import "shop/v1/money.proto" cannot be resolved',
        ),
        (
            HEAD + 'import "../../outside.proto";\n\nmessage Order {\n  int32 id = 1;\n}\n',
            "PROTOBUF_UNRESOLVED_IMPORT",
            4,
            "points outside the repository",
        ),
        (
            '// a comment\nedition = "2023";\npackage shop.v1;\n\nmessage Order {\n  int32 id = 1;'
            "\n}\n",
            "PROTOBUF_INVALID_SCHEMA",
            2,
            "editions",
        ),
    ],
    ids=[
        "syntax",
        "duplicate-name",
        "duplicate-number",
        "proto3-required",
        "unknown-type",
        "missing-import",
        "escaping-import",
        "editions",
    ],
)
def test_a_file_protoc_rejects_is_a_finding_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, rule: str, line: int, words: str
) -> None:
    repo = tmp_path / "repo"
    (repo / "proto").mkdir(parents=True)
    (repo / "proto" / "good.proto").write_text(HEAD + "message Order {\n  int32 id = 1;\n}\n")
    (repo / "proto" / "order.proto").write_text(text, encoding="utf-8")
    (tmp_path / "outside.proto").write_text(HEAD + "message Outside {}\n")
    code, out, err = _gate(
        ["compat", "--format", "json", "proto/good.proto", "proto/order.proto"],
        repo,
        monkeypatch,
    )
    import json

    assert code == 1, err
    (finding,) = json.loads(out)["findings"]
    assert finding["rule"] == rule
    assert words in finding["message"]
    assert finding["location"] == {"path": "proto/order.proto", "line": line}
    # protoc worked in a temporary folder: its name never reaches the report
    assert "gate-proto-" not in out
    assert "/tmp" not in finding["message"]


def test_imports_resolve_from_the_repository_root_and_the_file_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "proto" / "shop").mkdir(parents=True)
    (repo / "common").mkdir()
    (repo / "common" / "money.proto").write_text(
        'syntax = "proto3";\npackage common;\nmessage Money {\n  int64 units = 1;\n}\n'
    )
    (repo / "proto" / "shop" / "address.proto").write_text(
        'syntax = "proto3";\npackage shop;\nmessage Address {\n  string city = 1;\n}\n'
    )
    order = (
        'syntax = "proto3";\npackage shop;\nimport "common/money.proto";\n'
        'import "address.proto";\nimport "google/protobuf/timestamp.proto";\n\n'
        "message Order {\n  common.Money total = 1;\n  Address ship_to = 2;\n"
        "  google.protobuf.Timestamp at = NUMBER;\n}\n"
    )
    (repo / "proto" / "shop" / "v1.proto").write_text(order.replace("NUMBER", "3"))
    (repo / "proto" / "shop" / "v2.proto").write_text(order.replace("NUMBER", "4"))
    code, out, err = _gate(
        ["compat", "--format", "json", "proto/shop/v1.proto", "proto/shop/v2.proto"],
        repo,
        monkeypatch,
    )
    assert code == 0, out + err


def test_an_imported_message_is_compared_at_each_side_s_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)
    repo = RepoBuilder(tmp_path / "repo")
    money = 'syntax = "proto3";\npackage common;\n\nmessage Money {{\n  {t} units = 1;\n}}\n'
    order = (
        'syntax = "proto3";\npackage shop;\nimport "common/money.proto";\n\n'
        "message Order {{\n  common.Money total = 1;{extra}\n}}\n"
    )
    repo.commit(
        "base",
        {
            "gate.yaml": 'version: 1\nsubjects:\n  - files: "proto/*.proto"\n'
            '    subject: "{stem}-value"\n    type: PROTOBUF\n',
            "common/money.proto": money.format(t="int64"),
            "proto/order.proto": order.format(extra=""),
        },
    )
    repo.write("common/money.proto", money.format(t="double"))
    repo.write("proto/order.proto", order.format(extra="\n  string note = 2;"))
    code, out, err = _gate(
        ["check", "--offline", "--base", "HEAD", "--report", "json"], repo.root, monkeypatch
    )
    import json

    assert code == 1, out + err
    found = sorted((f["rule"], f["path"]) for f in json.loads(out)["findings"])
    # the base revision's order.proto read the base revision's money.proto: int64 units
    assert found == [
        ("PROTOBUF_FIELD_NAMED_TYPE_CHANGED", "/Order/1"),
        ("PROTOBUF_FIELD_SCALAR_KIND_CHANGED", "/Money/1"),
    ]
    by_rule = {f["rule"]: f for f in json.loads(out)["findings"]}
    assert by_rule["PROTOBUF_FIELD_NAMED_TYPE_CHANGED"]["location"] == {
        "path": "proto/order.proto",
        "line": 6,
    }


def test_avro_runs_and_version_do_not_load_protoc(tmp_path: Path) -> None:
    (tmp_path / "a.avsc").write_text('{"type": "record", "name": "A", "fields": []}')
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom gate.cli import cli\n"
        "r = CliRunner()\nassert r.invoke(cli, ['--version']).exit_code == 0\n"
        f"assert r.invoke(cli, ['compat', {str(tmp_path / 'a.avsc')!r}, "
        f"{str(tmp_path / 'a.avsc')!r}]).exit_code == 0\n"
        "loaded = [m for m in sys.modules if m.startswith(('grpc', 'google.protobuf'))]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- part 2: the registry's verdict ----------------------------------------------------------

M = HEAD + "message Order {\n"
Z = "}\n"
# (old, new, BACKWARD ok, FORWARD ok): the cases of the registry's Protobuf semantics
CASES = {
    "number-reused-same-group": (
        M + "  int32 age = 1;\n" + Z,
        M + "  uint64 count = 1;\n" + Z,
        True,
        True,
    ),
    "int32-to-string": (M + "  int32 age = 1;\n" + Z, M + "  string age = 1;\n" + Z, False, False),
    "renumbered": (M + "  int32 age = 1;\n" + Z, M + "  int32 age = 2;\n" + Z, True, True),
    "string-to-bytes": (M + "  string s = 1;\n" + Z, M + "  bytes s = 1;\n" + Z, True, True),
    "int32-to-sint32": (M + "  int32 a = 1;\n" + Z, M + "  sint32 a = 1;\n" + Z, False, False),
    "fixed32-to-sfixed32": (
        M + "  fixed32 a = 1;\n" + Z,
        M + "  sfixed32 a = 1;\n" + Z,
        True,
        True,
    ),
    "int32-to-enum": (
        M + "  int32 s = 1;\n" + Z,
        M + "  S s = 1;\n" + Z + "enum S {\n  A = 0;\n}\n",
        True,
        True,
    ),
    "implicit-to-repeated": (
        M + "  int32 q = 1;\n" + Z,
        M + "  repeated int32 q = 1;\n" + Z,
        True,
        True,
    ),
    "optional-to-repeated": (
        M + "  optional int32 q = 1;\n" + Z,
        M + "  repeated int32 q = 1;\n" + Z,
        False,
        False,
    ),
    "optional-string-to-repeated": (
        M + "  optional string q = 1;\n" + Z,
        M + "  repeated string q = 1;\n" + Z,
        True,
        True,
    ),
    "implicit-to-optional": (
        M + "  int32 q = 1;\n" + Z,
        M + "  optional int32 q = 1;\n" + Z,
        True,
        True,
    ),
    "message-renamed": (
        M + "  int32 a = 1;\n" + Z,
        HEAD + "message Purchase {\n  int32 a = 1;\n" + Z,
        False,
        False,
    ),
    "message-added": (
        M + "  int32 a = 1;\n" + Z,
        M + "  int32 a = 1;\n" + Z + "message Refund {\n  int32 a = 1;\n}\n",
        True,
        False,
    ),
    "messages-reordered": (
        M + Z + "message B {\n}\n",
        HEAD + "message B {\n}\n" + M[len(HEAD) :] + Z,
        True,
        True,
    ),
    "package-changed": (M + Z, M.replace("shop.v1", "shop.v2") + Z, False, False),
    "enum-value-removed": (
        M + Z + "enum S {\n  A = 0;\n  B = 1;\n}\n",
        M + Z + "enum S {\n  A = 0;\n}\n",
        True,
        True,
    ),
    "new-oneof-of-new-fields": (
        M + "  int32 a = 1;\n" + Z,
        M + "  int32 a = 1;\n  oneof p {\n    string c = 2;\n  }\n" + Z,
        True,
        True,
    ),
    "field-added-to-existing-oneof": (
        M + "  oneof p {\n    string c = 1;\n  }\n" + Z,
        M + "  oneof p {\n    string c = 1;\n    string i = 2;\n  }\n" + Z,
        True,
        False,
    ),
    "one-field-into-new-oneof": (
        M + "  string c = 1;\n" + Z,
        M + "  oneof p {\n    string c = 1;\n  }\n" + Z,
        True,
        True,
    ),
    "two-fields-into-new-oneof": (
        M + "  string c = 1;\n  string i = 2;\n" + Z,
        M + "  oneof p {\n    string c = 1;\n    string i = 2;\n  }\n" + Z,
        False,
        True,
    ),
    "member-between-oneofs": (
        M + "  oneof p {\n    string c = 1;\n    string i = 2;\n  }\n"
        "  oneof q {\n    string x = 3;\n  }\n" + Z,
        M + "  oneof p {\n    string c = 1;\n  }\n"
        "  oneof q {\n    string i = 2;\n    string x = 3;\n  }\n" + Z,
        False,
        False,
    ),
    "oneof-renamed": (
        M + "  oneof p {\n    string c = 1;\n  }\n" + Z,
        M + "  oneof q {\n    string c = 1;\n  }\n" + Z,
        True,
        True,
    ),
    "whole-oneof-removed": (
        M + "  int32 a = 1;\n  oneof p {\n    string c = 2;\n  }\n" + Z,
        M + "  int32 a = 1;\n" + Z,
        True,
        True,
    ),
    "map-value-int32-to-int64": (
        M + "  map<string, int32> m = 1;\n" + Z,
        M + "  map<string, int64> m = 1;\n" + Z,
        True,
        True,
    ),
    "map-key-string-to-int64": (
        M + "  map<string, int32> m = 1;\n" + Z,
        M + "  map<int64, int32> m = 1;\n" + Z,
        False,
        False,
    ),
    "map-to-repeated-entry": (
        M + "  map<string, int32> m = 1;\n" + Z,
        M
        + "  repeated MEntry m = 1;\n"
        + Z
        + "message MEntry {\n  string key = 1;\n  int32 value = 2;\n}\n",
        False,
        False,
    ),
    "same-shape-other-message": (
        M + "  A x = 1;\n" + Z + "message A {}\nmessage B {}\n",
        M + "  B x = 1;\n" + Z + "message A {}\nmessage B {}\n",
        False,
        False,
    ),
    "qualified-names-equal": (
        M + "  Status s = 1;\n  message Status {}\n" + Z,
        M + "  .shop.v1.Order.Status s = 1;\n  message Status {}\n" + Z,
        True,
        True,
    ),
    "timestamp-to-duration": (
        HEAD + 'import "google/protobuf/timestamp.proto";\nimport '
        '"google/protobuf/duration.proto";\nmessage Order {\n  google.protobuf.Timestamp t = 1;'
        "\n}\n",
        HEAD + 'import "google/protobuf/timestamp.proto";\nimport '
        '"google/protobuf/duration.proto";\nmessage Order {\n  google.protobuf.Duration t = 1;'
        "\n}\n",
        False,
        False,
    ),
    "proto2-required-to-proto3": (
        'syntax = "proto2";\npackage shop.v1;\nmessage Order {\n  required int32 a = 1;\n}\n',
        M + "  int32 a = 1;\n" + Z,
        True,
        True,
    ),
    "proto2-optional-to-required-numeric": (
        'syntax = "proto2";\npackage shop.v1;\nmessage Order {\n  optional int32 a = 1;\n}\n',
        'syntax = "proto2";\npackage shop.v1;\nmessage Order {\n  required int32 a = 1;\n}\n',
        False,
        False,
    ),
    "proto2-group-change-ignored": (
        'syntax = "proto2";\npackage shop.v1;\nmessage Order {\n  optional group G = 1 {\n'
        "    optional int32 a = 2;\n  }\n}\n",
        'syntax = "proto2";\npackage shop.v1;\nmessage Order {\n  optional group G = 1 {\n'
        "    optional string a = 2;\n  }\n}\n",
        True,
        True,
    ),
    "recursive-message": (
        M + "  Order child = 1;\n  int32 a = 2;\n" + Z,
        M + "  Order child = 1;\n  string a = 2;\n" + Z,
        False,
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_registry_verdict_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    old, new, backward_ok, forward_ok = CASES[case]
    backward, _ = _compat(tmp_path, monkeypatch, old, new, "BACKWARD")
    forward, _ = _compat(tmp_path, monkeypatch, old, new, "FORWARD")
    full, _ = _compat(tmp_path, monkeypatch, old, new, "FULL")
    assert (backward == 0, forward == 0) == (backward_ok, forward_ok)
    assert (full == 0) == (backward_ok and forward_ok)


def test_transitive_levels_check_every_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "v1.proto").write_text(M + "  int32 a = 1;\n" + Z)
    (tmp_path / "v2.proto").write_text(M + "  int64 a = 1;\n" + Z)
    (tmp_path / "v3.proto").write_text(M + "  sint64 b = 1;\n" + Z)
    (tmp_path / "v4.proto").write_text(M + "  sint64 b = 1;\n  int32 c = 2;\n" + Z)
    import json

    plain, out, _ = _gate(
        [
            "compat",
            "--mode",
            "BACKWARD",
            "--format",
            "json",
            "v1.proto",
            "v2.proto",
            "v3.proto",
            "v4.proto",
        ],
        tmp_path,
        monkeypatch,
    )
    assert plain == 0, out
    code, out, _ = _gate(
        [
            "compat",
            "--mode",
            "BACKWARD_TRANSITIVE",
            "--format",
            "json",
            "v1.proto",
            "v2.proto",
            "v3.proto",
            "v4.proto",
        ],
        tmp_path,
        monkeypatch,
    )
    assert code == 1
    findings = json.loads(out)["findings"]
    assert {f["rule"] for f in findings} == {"PROTOBUF_FIELD_SCALAR_KIND_CHANGED"}
    assert {tuple(f["versions"]) for f in findings} == {
        ("writer: v1.proto", "reader: v4.proto"),
        ("writer: v2.proto", "reader: v4.proto"),
    }


def test_diff_names_every_change_with_its_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = M + "  int32 a = 1;\n  string b = 2;\n" + Z + "enum S {\n  X = 0;\n}\n"
    new = (
        M
        + "  int64 renamed = 1;\n  int32 b = 2;\n  bool c = 3;\n"
        + Z
        + "message Refund {}\nenum S {\n  X = 0;\n  Y = 1;\n}\n"
    )
    (tmp_path / "old.proto").write_text(old)
    (tmp_path / "new.proto").write_text(new)
    code, out, err = _gate(["diff", "old.proto", "new.proto"], tmp_path, monkeypatch)
    assert code == 1, err
    lines = out.splitlines()

    def verdict_of(kind: str) -> str:
        index = next(i for i, line in enumerate(lines) if kind in line)
        return lines[index + 1].strip()

    assert verdict_of("PROTOBUF_FIELD_NAME_CHANGED") == "compatible (FULL)"
    assert verdict_of("PROTOBUF_FIELD_SCALAR_KIND_CHANGED") == "breaks BACKWARD and FORWARD"
    assert verdict_of("PROTOBUF_FIELD_ADDED") == "compatible (FULL)"
    assert verdict_of("PROTOBUF_MESSAGE_ADDED") == "BACKWARD-compatible, breaks FORWARD"
    assert verdict_of("PROTOBUF_ENUM_CONST_ADDED") == "compatible (FULL)"


# --- property: FORWARD(a, b) is BACKWARD(b, a) -----------------------------------------------

_SCALARS = [
    "int32",
    "int64",
    "uint32",
    "sint32",
    "bool",
    "string",
    "bytes",
    "fixed32",
    "sfixed64",
    "float",
    "double",
    "Color",
    "Inner",
]


@st.composite
def _proto(draw: st.DrawFn) -> str:
    fields = draw(
        st.dictionaries(
            st.integers(1, 6),
            st.tuples(
                st.sampled_from(_SCALARS),
                st.sampled_from(["", "optional ", "repeated "]),
                st.sampled_from([None, "p", "q"]),
            ),
            max_size=5,
        )
    )
    top, oneofs = [], {}  # type: ignore[var-annotated]
    for number, (kind, label, oneof) in sorted(fields.items()):
        name = f"f{number}" if draw(st.booleans()) else f"g{number}"
        if oneof is not None:
            oneofs.setdefault(oneof, []).append(f"    {kind} {name} = {number};")
        else:
            top.append(f"  {label}{kind} {name} = {number};")
    body = "\n".join(
        top + [f"  oneof {o} {{\n" + "\n".join(m) + "\n  }" for o, m in sorted(oneofs.items())]
    )
    package = draw(st.sampled_from(["shop", "shop"]))
    extra = "message Extra {}\n" if draw(st.booleans()) else ""
    return (
        f'syntax = "proto3";\npackage {package};\nenum Color {{\n  RED = 0;\n}}\n'
        f"message Inner {{\n  int32 x = 1;\n}}\n{extra}message Order {{\n{body}\n}}\n"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_proto(), b=_proto())
def test_forward_of_a_pair_is_backward_of_the_swapped_pair(a: str, b: str) -> None:
    from gate.formats import CheckOptions, get_format
    from gate.model import Origin, OriginKind, Schema, SchemaType

    fmt = get_format(SchemaType.PROTOBUF)
    options = CheckOptions()
    parsed = [
        fmt.parse(Schema(SchemaType.PROTOBUF, text, Origin(OriginKind.REGISTRY)), options)
        for text in (a, b)
    ]
    from gate.compat import Version, check_candidate
    from gate.judge import severity_of
    from gate.model import Mode, Severity

    def verdict(mode: Mode, old: object, new: object) -> list[tuple[str, str]]:
        # the registry's verdict: the warnings of an edit (a removal is an addition read
        # backwards) are not symmetric
        return sorted(
            (v.incompatibility.rule, v.incompatibility.path)
            for v in check_candidate(fmt, new, [Version("old", old)], mode, options)
            if severity_of(v.incompatibility.rule) is Severity.ERROR
        )

    forward = verdict(Mode.FORWARD, parsed[0], parsed[1])
    backward_swapped = verdict(Mode.BACKWARD, parsed[1], parsed[0])
    assert forward == backward_swapped
    full = verdict(Mode.FULL, parsed[0], parsed[1])
    assert full == sorted(verdict(Mode.BACKWARD, parsed[0], parsed[1]) + forward)
