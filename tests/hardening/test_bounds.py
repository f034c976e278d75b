"""Nothing runs unbounded: hostile patterns, nesting and registry answers end in seconds with a
note or a clear error, never a hang. Each run is a child process killed after a generous hang
guard (no speed claim: the guard only turns a hang into a failure)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.registry_server import RegistryServer
from tests.support.watched import BAD, SubprocessRunner

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.gitrepo import RepoBuilder

GUARD = 120.0  # seconds; a hang guard only
BOMB = "^(a|a)*$"  # backtracks 2^n times on n `a`s followed by a character it cannot match
VICTIM = "a" * 40 + "!"


def _notes(report: dict) -> list[str]:
    return [note for check in report["checks"] for note in check["notes"]]


def test_regex_bomb_against_a_writer_enum_is_a_note(gate_process: SubprocessRunner) -> None:
    folder = BAD / "compat" / "json-regex-bomb-enum"
    run = gate_process(
        ["compat", "--format", "json", "old.json", "new.json"], cwd=folder, timeout=GUARD
    )
    assert run.exit_code == 1, run.output
    report = run.json()
    assert [f["rule"] for f in report["findings"]] == ["JSON_TYPE_CHANGED"]
    assert any(BOMB in note and "could not be evaluated" in note for note in _notes(report))


def test_regex_bomb_against_a_sample_is_a_note_in_check(
    gate_process: SubprocessRunner, repo: RepoBuilder
) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string"}}}
    repo.write(
        "gate.yaml",
        "version: 1\nsubjects:\n  - subject: codes-value\n"
        "    file: schemas/codes.json\n    samples: [samples/codes.jsonl]\n",
    )
    repo.write("schemas/codes.json", json.dumps(schema))
    repo.write("samples/codes.jsonl", json.dumps({"code": VICTIM}) + "\n")
    repo.commit("codes")
    schema["properties"]["code"]["pattern"] = BOMB
    repo.write("schemas/codes.json", json.dumps(schema))
    run = gate_process(
        ["check", "--base", "HEAD", "--report", "json"], cwd=repo.root, timeout=GUARD
    )
    assert run.exit_code == 1, run.output
    report = run.json()
    assert "JSON_PATTERN_ADDED" in {f["rule"] for f in report["findings"]}
    notes = _notes(report)
    assert any(BOMB in note for note in notes), notes
    assert "Traceback" not in run.output


@pytest.mark.parametrize("draft", ["2020-12", "2019-09"])
def test_regex_bomb_under_unevaluated_properties_is_a_note_in_check(
    gate_process: SubprocessRunner, repo: RepoBuilder, draft: str
) -> None:
    # `unevaluatedProperties` before `patternProperties`: jsonschema's own evaluation of which
    # properties are evaluated matched the pattern with `re`, and no budget
    schema = {
        "$schema": f"https://json-schema.org/draft/{draft}/schema",
        "type": "object",
        "unevaluatedProperties": False,
        "patternProperties": {BOMB: {"type": "integer"}},
        "properties": {"id": {"type": "string"}},
    }
    repo.write(
        "gate.yaml",
        "version: 1\nsubjects:\n  - subject: codes-value\n"
        "    file: schemas/codes.json\n    samples: [samples/codes.jsonl]\n",
    )
    repo.write("schemas/codes.json", json.dumps(schema, indent=2))
    repo.write("samples/codes.jsonl", json.dumps({"id": "c-1", VICTIM: 1}) + "\n")
    repo.commit("codes")
    schema["properties"]["id"]["description"] = "the code's id"
    repo.write("schemas/codes.json", json.dumps(schema, indent=2))
    run = gate_process(
        ["check", "--base", "HEAD", "--report", "json"], cwd=repo.root, timeout=GUARD
    )
    assert run.exit_code == 0, run.output
    notes = _notes(run.json())
    assert any(BOMB in note and "could not be evaluated" in note for note in notes), notes


def test_regex_bomb_in_pattern_properties_is_judged(gate_process: SubprocessRunner) -> None:
    folder = BAD / "compat" / "json-regex-bomb-property-name"
    run = gate_process(
        ["compat", "--format", "json", "old.json", "new.json"], cwd=folder, timeout=GUARD
    )
    assert run.exit_code == 1, run.output
    assert "JSON_ADDITIONAL_PROPERTIES_REMOVED" in {f["rule"] for f in run.json()["findings"]}


# --------------------------------------------------------------------------- the registry

ORDER = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [{"name": "id", "type": "string"}],
    }
)
ORDER_NOTE = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "note", "type": "string", "default": ""},
        ],
    }
)
# one network wait at most 1 s, so a whole request at most 4 s; no retries
QUICK = "version: 1\nregistry:\n  timeout: 1\n  retries: 0\n"


@pytest.fixture
def registry() -> Iterator[RegistryServer]:
    with RegistryServer() as server:
        server.register("orders-value", ORDER)
        yield server


@pytest.fixture
def orders(repo: RepoBuilder) -> RepoBuilder:
    """A repository whose `orders-value` subject changed in the work tree."""
    repo.write(
        "gate.yaml", QUICK + "subjects:\n  - subject: orders-value\n    file: schemas/orders.avsc\n"
    )
    repo.write("schemas/orders.avsc", ORDER)
    repo.commit("orders")
    repo.write("schemas/orders.avsc", ORDER_NOTE)
    return repo


def _check(gate_process: SubprocessRunner, repo: RepoBuilder, url: str) -> Any:
    run = gate_process(
        ["check", "--base", "HEAD"], cwd=repo.root, env={"GATE_REGISTRY_URL": url}, timeout=GUARD
    )
    assert run.exit_code != 4, run.output
    assert "Traceback" not in run.output, run.output
    assert all("127.0.0.1" in address for address in run.connections), run.connections
    return run


def test_a_registry_that_sends_a_byte_a_second_is_given_up_on(
    gate_process: SubprocessRunner, orders: RepoBuilder, registry: RegistryServer
) -> None:
    registry.drip(path="/schemas", interval=0.5)
    run = _check(gate_process, orders, registry.url)
    assert run.exit_code == 3, run.output
    assert "did not answer within 4 s in all" in run.stderr, run.stderr
    assert "GET /schemas" in run.stderr


@pytest.mark.parametrize("retry_after", ["1000000000", "1e400"])
def test_a_retry_after_past_the_cap_ends_the_retries(
    gate_process: SubprocessRunner, orders: RepoBuilder, registry: RegistryServer, retry_after: str
) -> None:
    orders.write("gate.yaml", "version: 1\nregistry:\n  retries: 3\n")
    registry.fail(503, times=None, retry_after=retry_after, path="/config")
    run = _check(gate_process, orders, registry.url)
    assert run.exit_code == 3, run.output
    assert "asks to retry after" in run.stderr, run.stderr
    assert registry.count("GET", "/config") == 1  # no wait, no retry


def test_a_gzip_bomb_is_refused_while_it_inflates(
    gate_process: SubprocessRunner, orders: RepoBuilder, registry: RegistryServer
) -> None:
    registry.bomb(512 * 1024 * 1024, path="/config")  # about 500 KB on the wire
    run = _check(gate_process, orders, registry.url)
    assert run.exit_code == 3, run.output
    assert "larger than 128 MiB once decompressed" in run.stderr, run.stderr


def test_pages_that_never_end_stop_at_a_bound(
    gate_process: SubprocessRunner, tmp_path: Path
) -> None:
    with RegistryServer(page_limit=1) as server:
        server.endless_pages = True
        run = gate_process(
            ["registry", "export", str(tmp_path / "snapshot"), "--registry", server.url],
            cwd=tmp_path,
            timeout=GUARD,
        )
        pages = server.count("GET", "/schemas")
    assert run.exit_code == 3, run.output
    assert "pages that never end" in run.stderr, run.stderr
    assert pages == 2001


def _entry(**fields: str) -> bytes:
    """One `GET /schemas` page holding orders-value's version, some fields as raw JSON text."""
    values = {
        "subject": '"orders-value"',
        "version": "1",
        "id": "1",
        "schema": json.dumps(ORDER),
        **fields,
    }
    return ("[{" + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}]").encode()


@pytest.mark.parametrize(
    "body",
    [
        _entry(version="Infinity"),
        _entry(version="1e400"),
        _entry(version='"first"'),
        _entry(version="1.5"),
        _entry(version="true"),
        _entry(version="123456789012345678901234567890"),
        _entry(id="-Infinity"),
        _entry(id="NaN"),
        _entry(references='[{"name": "a", "subject": "b", "version": 1e400}]'),
        _entry(references='[{"name": "a", "subject": "b", "version": "x"}]'),
    ],
    ids=[
        "version-Infinity",
        "version-1e400",
        "version-text",
        "version-fraction",
        "version-true",
        "version-30-digits",
        "id-minus-Infinity",
        "id-NaN",
        "reference-version-1e400",
        "reference-version-text",
    ],
)
def test_a_registry_answer_with_a_number_that_is_no_version_is_a_source_error(
    gate_process: SubprocessRunner, orders: RepoBuilder, registry: RegistryServer, body: bytes
) -> None:
    registry.raw(body, path="/schemas", method="GET")
    run = _check(gate_process, orders, registry.url)
    assert run.exit_code == 3, run.output
    assert "registry answered something unexpected" in run.stderr, run.stderr


def _link(i: int) -> str:
    fields: list[dict[str, Any]] = [{"name": "v", "type": "string"}]
    if i:
        fields.append({"name": "p", "type": ["null", f"shop.T{i - 1}"], "default": None})
    return json.dumps({"type": "record", "name": f"T{i}", "namespace": "shop", "fields": fields})


def test_a_reference_chain_1500_subjects_deep_is_no_crash(
    gate_process: SubprocessRunner, repo: RepoBuilder
) -> None:
    depth = 1500
    order = {
        "type": "record",
        "name": "Order",
        "namespace": "shop",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "t", "type": ["null", f"shop.T{depth - 1}"], "default": None},
        ],
    }
    repo.write(
        "gate.yaml",
        "version: 1\nsubjects:\n  - subject: orders-value\n"
        "    file: schemas/orders.avsc\n    references:\n"
        f"      - {{name: shop.T{depth - 1}, subject: t{depth - 1}, version: latest}}\n",
    )
    repo.write("schemas/orders.avsc", json.dumps(order))
    repo.commit("orders")
    order["fields"].append({"name": "note", "type": "string", "default": ""})
    repo.write("schemas/orders.avsc", json.dumps(order))
    with RegistryServer() as server:
        for i in range(depth):
            server.register(
                f"t{i}", _link(i), references=((f"shop.T{i - 1}", f"t{i - 1}", 1),) if i else ()
            )
        server.register(
            "orders-value",
            json.dumps({**order, "fields": order["fields"][:2]}),
            references=((f"shop.T{depth - 1}", f"t{depth - 1}", 1),),
        )
        run = _check(gate_process, repo, server.url)
    assert run.exit_code in (0, 1), run.output
    assert "internal error" not in run.output


def test_payloads_of_a_writer_demanding_a_trillion_items_are_skipped(
    gate_process: SubprocessRunner,
) -> None:
    folder = BAD / "compat" / "json-huge-min-items"
    run = gate_process(
        ["compat", "--format", "json", "old.json", "new.json"], cwd=folder, timeout=GUARD
    )
    assert run.exit_code == 1, run.output
    assert [f["rule"] for f in run.json()["findings"]] == ["JSON_TYPE_CHANGED"]


def test_40_nested_arrays_finish_with_a_note_on_the_payload_budget(
    gate_process: SubprocessRunner,
) -> None:
    folder = BAD / "compat" / "avro-40-nested-arrays"
    run = gate_process(
        ["compat", "--format", "json", "old.avsc", "new.avsc"], cwd=folder, timeout=GUARD
    )
    assert run.exit_code == 1, run.output
    report = run.json()
    assert [f["rule"] for f in report["findings"]] == ["AVRO_TYPE_MISMATCH"]
    assert any("stopped at 2000 values" in note for note in _notes(report)), _notes(report)


# ------------------------------------------------- Avro payloads and witnesses: counted work

# (case of fixtures/bad/compat, exit code, the rule of its finding or None, the note it gives)
AVRO_WORK = [
    ("avro-record-used-twice-20-deep", 1, "AVRO_TYPE_MISMATCH", "no payloads simulated"),
    ("avro-record-used-twice-20-deep-compatible", 0, None, "no payloads simulated"),
    ("avro-record-used-twice-13-deep", 1, "AVRO_TYPE_MISMATCH", "random payloads were cut short"),
    ("avro-unions-of-records-8-deep", 1, "AVRO_TYPE_MISMATCH", "coverage payloads stopped at"),
    ("avro-unions-of-records-8-deep-compatible", 0, None, "coverage payloads stopped at"),
    (
        "avro-2000-symbols-in-5-nested-arrays",
        1,
        "AVRO_MISSING_ENUM_SYMBOLS",
        "coverage payloads stopped at",
    ),
]


@pytest.mark.parametrize(
    ("case", "code", "rule", "note"), AVRO_WORK, ids=[case[0] for case in AVRO_WORK]
)
def test_avro_payload_work_is_bounded_in_check_with_the_same_verdict_and_a_note(
    gate_process: SubprocessRunner,
    repo: RepoBuilder,
    case: str,
    code: int,
    rule: str | None,
    note: str,
) -> None:
    folder = BAD / "compat" / case
    repo.write("schemas/orders.avsc", (folder / "old.avsc").read_text(encoding="utf-8"))
    repo.commit("old")
    new = json.loads((folder / "new.avsc").read_text(encoding="utf-8"))
    if not rule:
        # an alias the reader adds: a change `gate check` simulates though it is compatible
        new["aliases"] = ["Previous"]
    repo.write("schemas/orders.avsc", json.dumps(new, indent=1))
    run = gate_process(
        ["check", "--base", "HEAD", "--report", "json"], cwd=repo.root, timeout=GUARD
    )
    assert run.exit_code == code, run.output
    report = run.json()
    errors = sorted({f["rule"] for f in report["findings"] if f["severity"] == "error"})
    assert errors == ([rule] if rule else []), errors
    assert any(note in said for said in _notes(report)), _notes(report)
