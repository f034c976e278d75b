"""Bad input, driven through the real commands: the right exit code (never 4), the input named,
quick, nothing read outside the repository, no host contacted.

The small cases live in `fixtures/bad/` (one folder per case, with `expected.json`); the big ones
(100,000 levels of nesting, 50 MB schemas) and the symbolic links are made here at test time.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.paths import REPO_ROOT
from tests.support.watched import (
    BAD,
    HANG_GUARD,
    ORDERS,
    GateRunner,
    Run,
    SubprocessRunner,
    read_outside,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

EXAMPLE = REPO_ROOT / "fixtures" / "example" / "base"


def _cases(kind: str) -> list[Any]:
    return [
        pytest.param(folder, id=folder.name)
        for folder in sorted((BAD / kind).iterdir())
        if (folder / "expected.json").is_file()
    ]


def _expected(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "expected.json").read_text(encoding="utf-8")))


def assert_clean(
    run: Run, repository: Path, outside: tuple[Path, ...] = (), listings: bool = True
) -> None:
    """What every run must satisfy, whatever its input: no bug, no hang, no host contacted (not
    even a network module loaded, in a child process), nothing read outside the repository."""
    assert run.exit_code != 4, run.output
    assert "internal error" not in run.output, run.output
    assert "Traceback" not in run.output, run.output
    assert run.seconds < HANG_GUARD
    assert run.connections == (), run.connections
    assert getattr(run, "network_modules", ()) == ()
    assert read_outside(run, repository, outside, listings) == []


def assert_noted(report: dict[str, Any], expected: dict[str, Any]) -> None:
    """The expected note (what a budget left out), when one is expected."""
    if "note" in expected:
        notes = [note for check in report["checks"] for note in check["notes"]]
        assert any(expected["note"] in note for note in notes), notes


def assert_finding(report: dict[str, Any], expected: dict[str, Any]) -> None:
    """A finding of the expected rule, located in the expected file (and line, and pointer),
    with a witness when one is expected."""
    rule = expected["rule"]
    found = [f for f in report["findings"] if f["rule"] == rule]
    assert found, [f["rule"] for f in report["findings"]]
    finding = found[0]
    assert finding["location"] is not None, finding
    assert finding["location"]["path"] == expected["file"], finding
    if "line" in expected:
        assert finding["location"]["line"] == expected["line"], finding
    if "path" in expected:
        assert finding["path"] == expected["path"], finding
    if "message" in expected:
        assert expected["message"] in finding["message"], finding["message"]
    if expected.get("witness"):
        assert finding["witness"] is not None, finding
        assert finding["witness"]["error"], finding


# --------------------------------------------------------------------------- gate compat


@pytest.mark.parametrize("folder", _cases("compat"))
def test_compat_corpus(gate: GateRunner, folder: Path) -> None:
    expected = _expected(folder)
    old, new = sorted(p.name for p in folder.iterdir() if p.name != "expected.json")[::-1]
    run = gate(["compat", *expected.get("args", []), "--format", "json", old, new], cwd=folder)
    assert_clean(run, folder)
    assert run.exit_code == expected["exit"], run.output
    report = run.json()
    if "rule" in expected:
        assert_finding(report, expected)
        assert expected["file"] in run.stdout
    else:
        assert report["passed"] is True, report["findings"]
    assert_noted(report, expected)


@pytest.mark.parametrize("folder", _cases("compat"))
def test_diff_corpus(gate: GateRunner, folder: Path) -> None:
    """`gate diff` reads the same files: a changelog or the reason there is none, never a crash."""
    expected = _expected(folder)
    old, new = sorted(p.name for p in folder.iterdir() if p.name != "expected.json")[::-1]
    run = gate(["diff", *expected.get("args", []), old, new], cwd=folder)
    assert_clean(run, folder)
    assert run.exit_code in (0, 1), run.output
    if expected.get("rule", "").endswith(("_INVALID_SCHEMA", "_UNRESOLVED_REF")):
        assert run.exit_code == 1
        assert "new." in run.stdout, run.stdout


def _write_pair(folder: Path, old: str, new: str | bytes, suffix: str) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"old{suffix}").write_text(old, encoding="utf-8")
    target = folder / f"new{suffix}"
    if isinstance(new, bytes):
        target.write_bytes(new)
    else:
        target.write_text(new, encoding="utf-8")
    return f"old{suffix}", f"new{suffix}"


DEEP = 100_000


def _deep_avro_arrays() -> str:
    return '{"type": "array", "items": ' * DEEP + '"int"' + "}" * DEEP


def _deep_json_objects() -> str:
    return '{"type": "object", "properties": {"a": ' * DEEP + "{}" + "}}" * DEEP


def _deep_json_arrays() -> str:
    return '{"type": "object", "enum": [' + "[" * DEEP + "]" * DEEP + "]}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "old", "make"),
    [
        pytest.param(".avsc", '{"type": "string"}', _deep_avro_arrays, id="avro-arrays"),
        pytest.param(".avsc", '{"type": "string"}', lambda: "[" * DEEP, id="avro-unbalanced"),
        pytest.param(".json", '{"type": "object"}', _deep_json_objects, id="json-objects"),
        pytest.param(".json", '{"type": "object"}', _deep_json_arrays, id="json-enum-arrays"),
    ],
)
def test_nested_100000_levels_is_an_invalid_schema(
    gate_process: SubprocessRunner, tmp_path: Path, suffix: str, old: str, make: Any
) -> None:
    names = _write_pair(tmp_path / "case", old, make(), suffix)
    run = gate_process(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == 1, run.output
    (finding,) = [f for f in run.json()["findings"] if f["rule"].endswith("_INVALID_SCHEMA")]
    assert finding["location"]["path"] == names[1]
    assert "nested too deeply" in finding["message"]


def _nested_records(depth: int, leaf: str) -> str:
    head = "".join(
        f'{{"type": "record", "name": "R{i}", "fields": [{{"name": "f", "type": '
        for i in range(depth)
    )
    return head + f'"{leaf}"' + "}]}" * depth


def _nested_properties(depth: int, leaf: str) -> str:
    return (
        '{"type": "object", "properties": {"a": ' * depth + f'{{"type": "{leaf}"}}' + "}}" * depth
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "old", "new", "rule"),
    [
        pytest.param(
            ".avsc",
            _nested_records(330, "int"),
            _nested_records(330, "string"),
            "AVRO_TYPE_MISMATCH",
            id="avro-330-records",
        ),
        pytest.param(
            ".json",
            _nested_properties(1200, "string"),
            _nested_properties(1200, "integer"),
            "JSON_TYPE_CHANGED",
            id="json-1200-objects",
        ),
    ],
)
def test_deep_but_legal_schemas_are_judged(
    gate_process: SubprocessRunner, tmp_path: Path, suffix: str, old: str, new: str, rule: str
) -> None:
    """Deeper than Python's recursion limit, yet within what the registry accepts (990 levels
    of JSON for Avro, as Jackson allows): judged, and for Avro shown by a witness payload."""
    names = _write_pair(tmp_path / "case", old, new, suffix)
    run = gate_process(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == 1, run.output
    (finding,) = [f for f in run.json()["findings"] if f["rule"] == rule]
    if suffix == ".avsc":
        assert finding["witness"] is not None, finding
    text = gate_process(["compat", *names], cwd=tmp_path / "case")
    assert text.exit_code == 1, text.output
    assert rule in text.stdout, text.output


FIFTY_MB = 50_000_000


def _big_record() -> str:
    """An Avro record of ~50 MB: 600,000 documented fields."""
    count = FIFTY_MB // 84
    fields = ",".join(
        f'{{"name": "f{i}", "type": "string", "doc": "{"x" * 40}"}}' for i in range(count)
    )
    return '{"type": "record", "name": "Big", "fields": [' + fields + "]}"


def _big_description() -> str:
    return json.dumps({"type": "object", "description": "y" * FIFTY_MB})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "old", "make", "exit_code"),
    [
        pytest.param(".avsc", '{"type": "string"}', _big_record, 1, id="avro-600k-fields"),
        pytest.param(".json", '{"type": "object"}', _big_description, 0, id="json-50mb-string"),
    ],
)
def test_50_megabyte_schema_is_judged(
    gate_process: SubprocessRunner,
    tmp_path: Path,
    suffix: str,
    old: str,
    make: Any,
    exit_code: int,
) -> None:
    names = _write_pair(tmp_path / "case", old, make(), suffix)
    assert (tmp_path / "case" / names[1]).stat().st_size >= FIFTY_MB
    run = gate_process(["compat", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == exit_code, run.output[:2000]
    assert names[1].removesuffix(suffix) in run.stdout


def test_payloads_of_nested_arrays_grow_with_the_schema_not_exponentially() -> None:
    from gate.formats.avro import payloads

    schema: Any = "int"
    for _ in range(16):
        schema = {"type": "array", "items": schema}
    generated = payloads.payload_set(schema, random_count=0)
    assert max(len(body) for _, body in generated.items) < 4096


def _many_new_properties(count: int) -> str:
    properties = {f"p{i}": {"type": "string"} for i in range(count)}
    return json.dumps({"type": "object", "properties": properties}, indent=1)


@pytest.mark.slow
def test_many_findings_in_a_big_file_are_each_located(
    gate_process: SubprocessRunner, tmp_path: Path
) -> None:
    """3,000 findings in one file, each at its own line (how the time grows with the number of
    findings: benchmarks/bench_limits.py)."""
    text = _many_new_properties(3000)
    names = _write_pair(tmp_path / "case", '{"type": "object"}', text, ".json")
    run = gate_process(
        ["compat", "--no-simulate", "--format", "json", *names], cwd=tmp_path / "case"
    )
    assert run.exit_code == 1, run.output
    findings = run.json()["findings"]
    assert len(findings) == 3000
    expected = {
        f"/properties/{line.split(chr(34))[1]}": number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.startswith('  "p')
    }
    assert len(expected) == 3000
    assert {finding["path"]: finding["location"]["line"] for finding in findings} == expected


def test_errors_quoting_a_big_schema_are_clipped(gate: GateRunner, tmp_path: Path) -> None:
    """fastavro's errors quote whole schemas: a finding keeps their start, not megabytes."""
    fields = [{"name": f"f{i}", "type": "string", "doc": "x" * 40} for i in range(5000)]
    big = json.dumps({"type": "record", "name": "Big", "fields": fields})
    names = _write_pair(tmp_path / "case", '{"type": "string"}', big, ".avsc")
    run = gate(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == 1, run.output[:2000]
    (finding,) = run.json()["findings"]
    assert finding["witness"] is not None
    assert "more characters" in finding["witness"]["error"]
    assert len(run.stdout) < 20_000


def test_a_deep_witness_renders_in_every_report() -> None:
    from gate.model import CheckKind, CheckResult, Finding, Result, Severity, Witness
    from gate.report import RenderOptions, ReportFormat, render

    payload: Any = "leaf"
    for _ in range(5000):
        payload = [payload]
    witness = Witness(payload=payload, writer="v1", reader="v2", error="no")
    finding = Finding("AVRO_TYPE_MISMATCH", Severity.ERROR, "s", "m", witness=witness, check="c")
    result = Result((CheckResult("c", "s", CheckKind.COMPAT, "n", findings=(finding,)),))
    for fmt in ReportFormat:
        text = render(fmt, result, RenderOptions(verbosity=2))
        assert "AVRO_TYPE_MISMATCH" in text
        if fmt is ReportFormat.MARKDOWN:  # the job summary cuts a witness at 4,000 characters
            assert "nested deeper than" in text or "more characters)" in text, fmt
        elif fmt not in (ReportFormat.GITHUB, ReportFormat.CODEQUALITY):  # no witness in these
            assert "nested deeper than" in text, fmt


# Protobuf: protoc nests messages 32 deep at most; the runtime (upb) holds at most 64 KiB of
# field layout per message (some 16,000 fields), a limit protoc and the registry do not have

_PROTO_HEADER = 'syntax = "proto3";\npackage big;\n\n'
# field numbers 19,000 to 19,999 are protobuf's own
_WIDE_NUMBERS = [n for n in range(1, 21_001) if not 19_000 <= n <= 19_999][:20_000]


def _wide_proto(changed: str) -> str:
    """A message of 20,000 fields (700 kB); the 10,001st is `changed`, at line 10,005."""
    return (
        _PROTO_HEADER
        + "message Wide {\n"
        + "".join(
            f"  {changed if n == 10_001 else 'int64'} field_number_{n} = {n};\n"
            for n in _WIDE_NUMBERS
        )
        + "}\n"
    )


def _nested_proto(depth: int, leaf: str) -> str:
    """`depth` messages, each declared inside the one before (M{i} starts at line 4 + 2 i)."""
    return (
        _PROTO_HEADER
        + "".join(f"message M{i} {{\n  int32 v = 1;\n" for i in range(depth))
        + f"  {leaf} leaf = 2;\n"
        + "}\n" * depth
    )


def _chained_proto(count: int, leaf: str) -> str:
    """`count` top-level messages, each holding the next (M{i} starts at line 4 + 5 i)."""
    return _PROTO_HEADER + "".join(
        f"message M{i} {{\n  int32 v = 1;\n"
        + (f"  M{i + 1} next = 2;\n" if i < count - 1 else f"  {leaf} leaf = 2;\n")
        + "}\n\n"
        for i in range(count)
    )


@pytest.mark.slow
def test_a_protobuf_message_of_20000_fields_is_judged(gate: GateRunner, tmp_path: Path) -> None:
    """The registry's verdict at the field's line; the payloads the runtime cannot build are
    not simulated, with no crash."""
    names = _write_pair(tmp_path / "case", _wide_proto("int64"), _wide_proto("string"), ".proto")
    for args in (["compat", "--format", "json"], ["diff", "--format", "json"]):
        run = gate([*args, *names], cwd=tmp_path / "case")
        assert_clean(run, tmp_path / "case")
        assert run.exit_code == 1, run.output[:2000]
    run = gate(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    assert finding["location"] == {"path": "new.proto", "line": 10_005}


@pytest.mark.slow
def test_protobuf_samples_of_a_message_the_runtime_cannot_build(
    gate: GateRunner, tmp_path: Path
) -> None:
    """`gate check` with a JSON sample and a contract: the samples are not checked, said so."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": "version: 1\nsubjects:\n  - subject: wide-value\n"
            '    file: protos/wide.proto\n    samples: ["samples/*"]\n'
            "contracts:\n  - subject: wide-value\n    producers:\n      - name: p\n"
            "    consumers:\n      - name: c\n        reader: protos/wide.proto\n",
            "protos/wide.proto": _wide_proto("int64"),
            "samples/orders.jsonl": '{"field_number_1": 5}\n',
        },
    )
    repo.write("protos/wide.proto", _wide_proto("sint64"))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == 1, run.output[:2000]
    report = run.json()
    assert {f["rule"] for f in report["findings"] if f["severity"] == "error"} == {
        "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    }
    notes = [note for check in report["checks"] for note in check["notes"]]
    assert any(
        note.startswith("samples not checked: the protobuf runtime cannot build message classes")
        for note in notes
    ), notes


@pytest.mark.parametrize("depth", [200, 1000])
def test_protobuf_messages_nested_past_protocs_limit_are_an_invalid_schema(
    gate: GateRunner, tmp_path: Path, depth: int
) -> None:
    names = _write_pair(
        tmp_path / "case", _nested_proto(3, "int32"), _nested_proto(depth, "int32"), ".proto"
    )
    run = gate(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == 1, run.output[:2000]
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "PROTOBUF_INVALID_SCHEMA"
    # the 33rd message, M32, is one level too many
    assert finding["location"] == {"path": "new.proto", "line": 4 + 2 * 31}
    assert "maximum recursion limit for nested messages" in finding["message"]


@pytest.mark.parametrize(
    ("make", "size", "line", "path"),
    [
        pytest.param(
            _nested_proto,
            31,
            4 + 2 * 31,
            "/" + "/".join(f"M{i}" for i in range(31)) + "/2",
            id="31-nested",
        ),
        pytest.param(_chained_proto, 1000, 4 + 5 * 999 + 2, "/M999/2", id="1000-chained"),
    ],
)
def test_deep_protobuf_messages_are_judged(
    gate: GateRunner, tmp_path: Path, make: Any, size: int, line: int, path: str
) -> None:
    names = _write_pair(tmp_path / "case", make(size, "int32"), make(size, "string"), ".proto")
    run = gate(["compat", "--format", "json", *names], cwd=tmp_path / "case")
    assert_clean(run, tmp_path / "case")
    assert run.exit_code == 1, run.output[:2000]
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "PROTOBUF_FIELD_SCALAR_KIND_CHANGED"
    assert (finding["path"], finding["location"]) == (path, {"path": "new.proto", "line": line})


def test_compat_of_a_directory_or_missing_file_is_a_source_error(
    gate: GateRunner, tmp_path: Path
) -> None:
    (tmp_path / "old.avsc").write_text('{"type": "string"}', encoding="utf-8")
    (tmp_path / "dir.avsc").mkdir()
    for new in ("dir.avsc", "missing.avsc"):
        run = gate(["compat", "old.avsc", new], cwd=tmp_path)
        assert_clean(run, tmp_path)
        assert run.exit_code == 3, run.output
        assert new in run.stderr


# --------------------------------------------------------------------------- gate.yaml


def _with_config(repo: RepoBuilder, data: bytes) -> None:
    (repo.root / "gate.yaml").write_bytes(data)


@pytest.mark.parametrize("folder", _cases("config"))
def test_config_corpus(gate: GateRunner, repo: RepoBuilder, folder: Path) -> None:
    expected = _expected(folder)
    _with_config(repo, (folder / "gate.yaml").read_bytes())
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == expected["exit"], run.output
    for mention in expected["mentions"]:
        assert mention in run.stderr, run.stderr
    assert "hint:" in run.stderr


@pytest.mark.parametrize("command", ["drift", "simulate", "waive"])
@pytest.mark.parametrize("case", ["list", "file-escapes", "billion-laughs"])
def test_every_command_refuses_a_bad_config(
    gate: GateRunner, repo: RepoBuilder, command: str, case: str
) -> None:
    folder = BAD / "config" / case
    expected = _expected(folder)
    _with_config(repo, (folder / "gate.yaml").read_bytes())
    args = [command, "--offline"]
    if command == "waive":
        args = ["waive", "0123abcd", "--reason", "r", "--owner", "o", "--expires", "2999-01-01"]
    run = gate(args, cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == 2, run.output
    assert expected["mentions"][0] in run.stderr
    assert (repo.root / "gate.yaml").read_bytes() == (folder / "gate.yaml").read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("version: 1\nsubjects: " + "[" * DEEP + "]" * DEEP + "\n", id="flow"),
        pytest.param("version: 1\nx: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", id="mappings"),
        pytest.param(
            "version: 1\nx:\n" + "".join(f"{' ' * i}- \n" for i in range(1, 3000)), id="block"
        ),
    ],
)
def test_deeply_nested_config_is_a_config_error(
    gate_process: SubprocessRunner, repo: RepoBuilder, text: str
) -> None:
    _with_config(repo, text.encode())
    run = gate_process(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == 2, run.output
    assert "gate.yaml" in run.stderr


def test_config_given_on_the_command_line_is_read_where_it_is(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    """`--config` is the user's explicit choice; a missing one is a source error naming it."""
    run = gate(["check", "--base", "HEAD", "--config", "nowhere/gate.yaml"], cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == 3, run.output
    assert "nowhere/gate.yaml" in run.stderr


# --------------------------------------------------------------------------- samples


@pytest.fixture
def example(tmp_path: Path) -> RepoBuilder:
    """The bundled example (contracts, samples, a registry snapshot) as a real repository."""
    shutil.copytree(EXAMPLE, tmp_path / "example")
    builder = RepoBuilder(tmp_path / "example")
    builder.commit("base")
    return builder


@pytest.mark.parametrize("folder", _cases("samples"))
def test_samples_corpus(gate: GateRunner, example: RepoBuilder, folder: Path) -> None:
    expected = _expected(folder)
    for path in folder.iterdir():
        if path.name != "expected.json":
            example.write(f"samples/orders/{path.name}", path.read_bytes())
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=example.root)
    assert_clean(run, example.root)
    assert run.exit_code == expected["exit"], run.output
    assert_finding(run.json(), expected)


@pytest.mark.parametrize("folder", _cases("check"))
def test_check_corpus(gate: GateRunner, tmp_path: Path, folder: Path) -> None:
    """A small repository per case: committed as the base, with `head/` written over it."""
    expected = _expected(folder)
    root = tmp_path / "repo"
    shutil.copytree(folder, root, ignore=shutil.ignore_patterns("expected.json", "head"))
    RepoBuilder(root).commit("base")
    if (folder / "head").is_dir():
        shutil.copytree(folder / "head", root, dirs_exist_ok=True)
    args = ["check", "--base", "HEAD", *expected.get("args", []), "--report", "json"]
    run = gate(args, cwd=root)
    assert_clean(run, root)
    assert run.exit_code == expected["exit"], run.output
    if "rule" in expected:
        assert_finding(run.json(), expected)
    assert_noted(run.json(), expected)
    for rule in expected.get("absent", []):
        assert rule not in [f["rule"] for f in run.json()["findings"]], run.output


def test_deeply_nested_sample_is_a_finding(
    gate_process: SubprocessRunner, example: RepoBuilder
) -> None:
    example.write("samples/orders/deep.jsonl", "[" * DEEP + "]" * DEEP + "\n")
    example.write("samples/orders/deep.json", '{"id": ' + "[" * DEEP + "]" * DEEP + "}\n")
    run = gate_process(["check", "--base", "HEAD", "--report", "json"], cwd=example.root)
    assert_clean(run, example.root)
    assert run.exit_code == 1, run.output
    located = {
        (f["location"]["path"], f["rule"])
        for f in run.json()["findings"]
        if "nested too deeply" in f["message"]
    }
    assert located == {
        ("samples/orders/deep.jsonl", "SAMPLE_INVALID"),
        ("samples/orders/deep.json", "SAMPLE_INVALID"),
    }


def test_simulate_reports_bad_samples_too(gate: GateRunner, example: RepoBuilder) -> None:
    example.write("samples/orders/captured-2.bin", b"\x00\x00\x00\x03\xe7\x02")
    run = gate(["simulate", "--report", "json"], cwd=example.root)
    assert_clean(run, example.root)
    assert run.exit_code == 1, run.output
    assert_finding(
        run.json(),
        {"rule": "SAMPLE_UNKNOWN_SCHEMA_ID", "file": "samples/orders/captured-2.bin"},
    )


# --------------------------------------------------------------------------- symbolic links


@pytest.mark.parametrize("target", ["/etc/passwd", "outside"])
@pytest.mark.parametrize("side", ["worktree", "staged", "head"])
def test_schema_symlink_out_of_the_repository_is_not_read(
    gate: GateRunner, repo: RepoBuilder, outside: Path, target: str, side: str
) -> None:
    destination = "/etc/passwd" if target == "/etc/passwd" else str(outside / "canary.avsc")
    repo.symlink("schemas/linked.avsc", destination)
    args = ["check", "--base", "HEAD"]
    if side == "staged":
        repo.git("add", "-A")
        args.append("--staged")
    elif side == "head":
        repo.commit("link")
        args = ["check", "--base", "HEAD~1", "--head", "HEAD"]
    run = gate(args, cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert run.exit_code in (0, 1), run.output
    assert "schemas/linked.avsc" in run.output
    assert "OUTSIDE-CANARY" not in run.output
    assert "root:" not in run.output


@pytest.mark.parametrize("link", ["outside", "dangling", "loop"])
def test_unreadable_schema_link_is_not_a_deleted_subject(
    gate: GateRunner, repo: RepoBuilder, outside: Path, link: str
) -> None:
    if link == "outside":
        repo.symlink("schemas/linked.avsc", str(outside / "canary.avsc"))
    elif link == "dangling":
        repo.symlink("schemas/linked.avsc", "nowhere.avsc")
    else:
        repo.symlink("schemas/linked.avsc", "looped.avsc")
        repo.symlink("schemas/looped.avsc", "linked.avsc")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert "schemas/linked.avsc" in run.stdout
    findings = run.json()["findings"]
    assert [f for f in findings if f["rule"] == "SUBJECT_DELETED"] == [], findings


def test_symlinked_directory_out_of_the_repository_is_not_read(
    gate: GateRunner, repo: RepoBuilder, outside: Path
) -> None:
    repo.symlink("schemas/external", str(outside))
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert run.exit_code == 0, run.output
    assert "OUTSIDE-CANARY" not in run.output


def test_symlink_inside_the_repository_is_followed(gate: GateRunner, repo: RepoBuilder) -> None:
    """The control: a link that stays inside is read like any file."""
    repo.write("common/orders.avsc.txt", ORDERS.replace('"long"', '"int"'))
    (repo.root / "schemas/orders.avsc").unlink()
    repo.symlink("schemas/orders.avsc", "../common/orders.avsc.txt")
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert_clean(run, repo.root)
    assert run.exit_code == 1, run.output
    assert {f["rule"] for f in run.json()["findings"]} == {"AVRO_TYPE_MISMATCH"}


SAMPLES_CONFIG = """version: 1
subjects:
  - subject: orders
    file: schemas/orders.avsc
    samples: ["{glob}"]
"""


def test_sample_file_symlink_out_of_the_repository_is_not_read(
    gate: GateRunner, repo: RepoBuilder, outside: Path
) -> None:
    repo.write("gate.yaml", SAMPLES_CONFIG.format(glob="samples/*.jsonl"))
    repo.write("samples/good.jsonl", '{"id": "o-1", "amount": 5}\n')
    repo.symlink("samples/linked.jsonl", str(outside / "canary.jsonl"))
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert "OUTSIDE-CANARY" not in run.output


@pytest.mark.parametrize("glob", ["samples/*.jsonl", "samples/{stem}.jsonl", "samples"])
def test_sample_directory_symlink_out_of_the_repository_is_refused(
    gate: GateRunner, repo: RepoBuilder, outside: Path, glob: str
) -> None:
    repo.write("gate.yaml", SAMPLES_CONFIG.format(glob=glob))
    repo.symlink("samples", str(outside))
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert run.exit_code == 2, run.output
    assert "gate.yaml:5" in run.stderr
    assert "symbolic link" in run.stderr


def _linked_template_directory(repo: RepoBuilder, outside: Path) -> None:
    repo.write("gate.yaml", SAMPLES_CONFIG.format(glob="samples/{stem}/*.jsonl"))
    repo.write("samples/README", "captured payloads, one folder per subject\n")
    repo.symlink("samples/orders", str(outside))


def test_sample_under_a_linked_template_directory_is_a_finding(
    gate: GateRunner, repo: RepoBuilder, outside: Path
) -> None:
    """A template expands per file, after the configuration was checked: the link is refused
    when the samples are collected, as a finding that names it."""
    _linked_template_directory(repo, outside)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,), listings=False)
    assert run.exit_code == 1, run.output
    (finding,) = [f for f in run.json()["findings"] if f["rule"] == "SAMPLE_INVALID"]
    assert finding["location"]["path"].startswith("samples/orders"), finding
    assert "link" in finding["message"]
    assert "OUTSIDE-CANARY" not in run.output


def test_linked_template_directory_is_not_even_listed(
    gate: GateRunner, repo: RepoBuilder, outside: Path
) -> None:
    _linked_template_directory(repo, outside)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert read_outside(run, repo.root, (outside,)) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (
            "contract reader",
            "contracts:\n  - subject: orders\n    consumers:\n"
            "      - name: billing\n        reader: linked/canary.avsc\n",
        ),
        ("snapshot", "registry:\n  snapshot: linked\n"),
        ("waivers file", "waivers_file: linked/canary.jsonl\n"),
        ("subject file", "subjects:\n  - subject: orders\n    file: linked/canary.avsc\n"),
    ],
)
def test_configured_path_through_a_symlink_out_of_the_repository_is_refused(
    gate: GateRunner, repo: RepoBuilder, outside: Path, key: str, value: str
) -> None:
    repo.symlink("linked", str(outside))
    repo.write("gate.yaml", "version: 1\n" + value)
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert run.exit_code == 2, run.output
    assert "gate.yaml:" in run.stderr, run.stderr
    assert "symbolic link" in run.stderr, run.stderr


def test_config_file_symlink_out_of_the_repository_is_refused(
    gate: GateRunner, repo: RepoBuilder, outside: Path
) -> None:
    (outside / "gate.yaml").write_text("version: 1\n", encoding="utf-8")
    repo.symlink("gate.yaml", str(outside / "gate.yaml"))
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert_clean(run, repo.root, (outside,))
    assert run.exit_code == 2, run.output
    assert "gate.yaml" in run.stderr
    assert "symbolic link" in run.stderr


@pytest.mark.parametrize("what", ["version file", "subject folder", "index"])
def test_snapshot_symlink_out_of_the_snapshot_is_a_source_error(
    gate: GateRunner, example: RepoBuilder, outside: Path, what: str
) -> None:
    folder = example.root / "registry-snapshot"
    moved = {
        "version file": folder / "subjects" / "orders-value" / "v1.json",
        "subject folder": folder / "subjects" / "orders-value",
        "index": folder / "snapshot.json",
    }[what]
    shutil.move(str(moved), str(outside / moved.name))
    os.symlink(outside / moved.name, moved)
    run = gate(["check", "--base", "HEAD"], cwd=example.root)
    assert_clean(run, example.root, (outside,))
    assert run.exit_code == 3, run.output
    assert str(moved.relative_to(example.root)) in run.stderr, run.stderr
    assert "symbolic link" in run.stderr


def test_snapshot_nested_too_deeply_is_a_source_error(
    gate_process: SubprocessRunner, example: RepoBuilder
) -> None:
    version = example.root / "registry-snapshot" / "subjects" / "orders-value" / "v1.json"
    version.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    run = gate_process(["check", "--base", "HEAD"], cwd=example.root)
    assert_clean(run, example.root)
    assert run.exit_code == 3, run.output
    assert "v1.json" in run.stderr
    assert "nested too deeply" in run.stderr


# --------------------------------------------------------------------------- merge-reports

_LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
XML_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n'
    + _LAUGHS
    + ']>\n<testsuites><testsuite name="&lol9;" tests="0"/></testsuites>\n'
)
XML_EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<testsuites><testsuite name="s" tests="1"><testcase name="&xxe;"/></testsuite>'
    "</testsuites>\n"
)


@pytest.mark.parametrize(
    ("name", "content", "exit_code"),
    [
        pytest.param("a.xml", XML_BOMB, 3, id="billion-laughs"),
        pytest.param("a.xml", XML_EXTERNAL, 3, id="external-entity"),
        pytest.param("a.xml", "<testsuites><testsuite", 3, id="truncated-xml"),
        pytest.param("a.json", b"\xff\xfe{}", 3, id="not-utf8"),
        pytest.param("a.json", '{"passed": true, "checks": 5}', 2, id="not-a-report"),
    ],
)
def test_merge_reports_refuses_bad_reports(
    gate: GateRunner, tmp_path: Path, name: str, content: str | bytes, exit_code: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    run = gate(["merge-reports", name, name], cwd=tmp_path)
    assert_clean(run, tmp_path)
    assert run.exit_code == exit_code, run.output
    assert name in run.stderr


def test_merge_reports_refuses_a_deeply_nested_report(
    gate_process: SubprocessRunner, tmp_path: Path
) -> None:
    (tmp_path / "a.json").write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    run = gate_process(["merge-reports", "a.json", "a.json"], cwd=tmp_path)
    assert_clean(run, tmp_path)
    assert run.exit_code == 3, run.output


# --------------------------------------------------------------------------- registry answers


class _DeepAnswers(BaseHTTPRequestHandler):
    """A 'registry' whose every answer is JSON nested 100,000 levels deep."""

    body = ("[" * DEEP + "]" * DEEP).encode()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def deep_registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DeepAnswers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_registry_answer_nested_too_deeply_is_a_source_error(
    gate: GateRunner, repo: RepoBuilder, deep_registry: str
) -> None:
    repo.write("gate.yaml", "version: 1\nregistry:\n  retries: 0\n")
    run = gate(["check", "--base", "HEAD"], cwd=repo.root, env={"GATE_REGISTRY_URL": deep_registry})
    assert run.exit_code == 3, run.output
    assert "not JSON" in run.stderr
    assert deep_registry in run.stderr
    assert run.seconds < HANG_GUARD
    assert all("127.0.0.1" in address for address in run.connections), run.connections


# --------------------------------------------------------------------------- the guards


def test_the_network_guard_refuses_other_hosts(no_network: list[str]) -> None:
    import socket

    with pytest.raises(AssertionError, match=r"169\.254\.169\.254"):
        socket.create_connection(("169.254.169.254", 80), timeout=0.1)
    assert no_network == ["('169.254.169.254', 80)"]


def test_the_read_guard_sees_reads_outside(gate: GateRunner, tmp_path: Path) -> None:
    """The control for `read_outside`: an explicit `gate compat` of /etc/passwd is seen."""
    (tmp_path / "old.avsc").write_text('{"type": "string"}', encoding="utf-8")
    run = gate(["compat", "--type", "avro", "old.avsc", "/etc/passwd"], cwd=tmp_path)
    assert read_outside(run, tmp_path, ()) == ["/etc/passwd"]
