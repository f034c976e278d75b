"""Contracts in real runs of the bundled example: runs restricted to files (the pre-commit hook,
`gate check FILES`), shards, the contract graph of the Markdown report and the configured
samples each consumer decodes.

The example repository is built by fixtures/example/run.py itself: its base and head commits.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastavro
import pytest
import yaml

from tests.support.gitrepo import PINNED, run_git

if TYPE_CHECKING:
    from tests.support.runner import GateRunner

ROOT = Path(__file__).resolve().parents[2]
FRAUD_READER = "contracts/fraud-detector/orders.avsc"
SAMPLES = "samples/orders/orders.jsonl"


def _example_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gate_example_run", ROOT / "fixtures" / "example" / "run.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The bundled example's repository: the base commit, then the head commit over it."""
    repo: Path = _example_module().build_repository(tmp_path, tmp_path / "shop")
    return repo


def _environ() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_", "PRE_COMMIT_"))}
    env.update(PINNED, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return env


def _hook(repo: Path, staged: list[str]) -> subprocess.CompletedProcess[str]:
    """The commit hook's entry from .pre-commit-hooks.yaml, run as pre-commit runs it: with the
    staged files its `files:` pattern selects, by `python -m gate` (the code under test)."""
    (hook,) = [
        h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
        if h["id"] == "gate"
    ]
    program, *args = shlex.split(hook["entry"])
    assert program == "gate"
    files = [f for f in staged if re.search(hook["files"], f)]
    return subprocess.run(
        [sys.executable, "-m", "gate", *args, *files],
        cwd=repo,
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _stage(repo: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    run_git(repo, "add", "-A")
    return run_git(repo, "diff", "--cached", "--name-only").split()


def _with_field(path: Path, field: dict[str, Any]) -> str:
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"].append(field)
    return json.dumps(schema, indent=2) + "\n"


def _contract_checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"] if c["kind"] == "contract"}


def _rules(report: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in report["findings"]}


# ------------------------------------------------------------------ runs restricted to files


@pytest.mark.parametrize(
    "unrelated",
    [
        {"package.json": '{"name": "shop", "version": "1.0.1"}\n'},
        # a subject without a contract, changed compatibly
        {
            "schemas/customers.avsc": '{"type": "record", "name": "Customer", "namespace": '
            '"com.example.shop", "fields": [{"name": "id", "type": "string"}, '
            '{"name": "nickname", "type": ["null", "string"], "default": null}]}\n'
        },
    ],
    ids=["package.json", "customers.avsc"],
)
def test_a_commit_of_files_outside_every_contract_checks_no_contract(
    shop: Path, gate: GateRunner, unrelated: dict[str, str]
) -> None:
    staged = _stage(shop, unrelated)
    hooked = _hook(shop, staged)
    assert hooked.returncode == 0, hooked.stdout + hooked.stderr
    assert "CONTRACT_" not in hooked.stdout + hooked.stderr

    run = gate(["check", "--staged", "--base", "HEAD", "--report", "json", *staged], cwd=shop)
    assert run.exit_code == 0, run.stdout
    report = run.json()
    assert _contract_checks(report) == {}
    assert not any(rule.startswith("CONTRACT_") for rule in _rules(report))


def test_a_breaking_change_to_a_consumer_reader_alone_fails_its_contract(shop: Path) -> None:
    # fraud-detector now needs a field that no producer writes and no data in flight has
    staged = _stage(
        shop, {FRAUD_READER: _with_field(shop / FRAUD_READER, {"name": "risk", "type": "double"})}
    )
    assert staged == [FRAUD_READER]
    done = _hook(shop, staged)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "CONTRACT_SCHEMA_UNRESOLVED" not in done.stdout
    missing = [
        block
        for block in done.stdout.split("\nerror ")
        if block.startswith("AVRO_READER_FIELD_MISSING_DEFAULT") and "`risk`" in block
    ]
    # what the producer writes, and the data in flight (the registered version 1)
    assert len(missing) == 2, done.stdout
    assert "consumer `fraud-detector` cannot read what producer `checkout` writes" in missing[0]
    assert "consumer `fraud-detector` cannot read data already written with" in missing[1]


def test_a_consumer_reader_in_the_files_checks_its_whole_contract(
    shop: Path, gate: GateRunner
) -> None:
    # a compatible change to one reader: every producer and consumer of the contract is checked,
    # and the contract of payments-value, whose files are not in the run, is not
    reader = _with_field(
        shop / FRAUD_READER, {"name": "risk", "type": ["null", "double"], "default": None}
    )
    staged = _stage(shop, {FRAUD_READER: reader})
    hooked = _hook(shop, staged)
    # fraud-detector still lacks the REFUNDED symbol that checkout writes since the head commit
    assert hooked.returncode == 1, hooked.stdout
    run = gate(["check", "--staged", "--base", "HEAD", "--report", "json", FRAUD_READER], cwd=shop)
    assert run.exit_code == 1
    report = run.json()
    checks = _contract_checks(report)
    assert {c["subject"] for c in checks.values()} == {"orders-value"}
    assert "orders-value: checkout -> fraud-detector" in checks
    assert "orders-value: checkout -> analytics (prod)" in checks
    assert any(i.startswith("orders-value: in-flight ") for i in checks)
    failing = {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    assert failing == {"AVRO_MISSING_ENUM_SYMBOLS"}


def test_gate_check_with_a_reader_path_checks_its_contract_from_any_directory(
    shop: Path, gate: GateRunner
) -> None:
    # the work tree, not the index; the path relative to the directory gate runs in
    (shop / FRAUD_READER).write_text(
        _with_field(shop / FRAUD_READER, {"name": "risk", "type": "double"}), encoding="utf-8"
    )
    for cwd, path in ((shop, FRAUD_READER), (shop / "contracts", "fraud-detector/orders.avsc")):
        run = gate(["check", "--base", "HEAD", "--report", "json", path], cwd=cwd)
        assert run.exit_code == 1, run.stdout
        report = run.json()
        assert "CONTRACT_SCHEMA_UNRESOLVED" not in _rules(report)
        risk = [
            f
            for f in report["findings"]
            if f["rule"] == "AVRO_READER_FIELD_MISSING_DEFAULT" and "`risk`" in f["message"]
        ]
        assert {f["location"]["path"] for f in risk} == {FRAUD_READER}
        assert any("producer `checkout`" in f["message"] for f in risk)

    unrelated = gate(
        ["check", "--base", "HEAD", "--report", "json", "schemas/customers.avsc"], cwd=shop
    )
    assert unrelated.exit_code == 0, unrelated.stdout
    assert _contract_checks(unrelated.json()) == {}


def test_a_producer_schema_file_in_the_files_checks_its_contract(
    shop: Path, gate: GateRunner
) -> None:
    # a second producer of orders-value writes with its own file
    config = (shop / "gate.yaml").read_text(encoding="utf-8")
    config = config.replace(
        "      - name: checkout              # writes with schemas/orders.avsc\n",
        "      - name: checkout              # writes with schemas/orders.avsc\n"
        "      - name: legacy-shop\n"
        "        file: producers/legacy-orders.avsc\n",
    )
    assert "legacy-shop" in config
    legacy = (shop / "schemas/orders.avsc").read_text(encoding="utf-8")
    _stage(shop, {"gate.yaml": config, "producers/legacy-orders.avsc": legacy})
    run_git(shop, "commit", "-q", "-m", "a second producer")
    # the legacy producer stops writing `amount_cents`, which fraud-detector needs
    schema = json.loads(legacy)
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "amount_cents"]
    staged = _stage(shop, {"producers/legacy-orders.avsc": json.dumps(schema, indent=2) + "\n"})
    run = gate(["check", "--staged", "--base", "HEAD", "--report", "json", *staged], cwd=shop)
    assert run.exit_code == 1, run.stdout
    report = run.json()
    assert "CONTRACT_SCHEMA_UNRESOLVED" not in _rules(report)
    broken = [
        f
        for f in report["findings"]
        if f["severity"] == "error" and "producer `legacy-shop`" in f["message"]
    ]
    assert {f["rule"] for f in broken} >= {"AVRO_READER_FIELD_MISSING_DEFAULT"}
    assert any("consumer `fraud-detector`" in f["message"] for f in broken)
    assert "orders-value: checkout -> fraud-detector" in _contract_checks(report)


def test_each_shard_checks_the_contracts_of_its_own_subjects(shop: Path, gate: GateRunner) -> None:
    whole = gate(["check", "--base", "HEAD~1", "--report", "json"], cwd=shop)
    expected = set(_contract_checks(whole.json()))
    assert expected
    seen: list[str] = []
    for index in (1, 2):
        run = gate(
            ["check", "--base", "HEAD~1", "--shard", f"{index}/2", "--report", "json"], cwd=shop
        )
        report = run.json()
        assert "CONTRACT_SCHEMA_UNRESOLVED" not in _rules(report)
        shard_subjects = {c["subject"] for c in report["checks"] if c["kind"] != "contract"}
        checks = _contract_checks(report)
        assert {c["subject"] for c in checks.values()} <= shard_subjects
        seen += checks
    assert sorted(seen) == sorted(expected)


# ------------------------------------------------------- the example through the real pipeline


def _run_example(tmp_path: Path, *reports: str) -> subprocess.CompletedProcess[str]:
    """fixtures/example/run.py end to end, keeping its repository in tmp_path/shop."""
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "fixtures" / "example" / "run.py"),
            "--keep",
            str(tmp_path / "shop"),
            *reports,
        ],
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _mermaid(markdown: str) -> tuple[dict[str, str], set[tuple[str, str, bool]]]:
    """The Mermaid block's nodes (id -> label) and its edges (source, target, broken), named
    by their labels."""
    blocks = re.findall(r"^```+mermaid\n(.*?)\n```+$", markdown, re.S | re.M)
    assert len(blocks) == 1, markdown
    nodes = {
        m.group(1): m.group(2) for m in re.finditer(r'^\s+(\w+)\(?\["(.*?)"\]\)?$', blocks[0], re.M)
    }
    edges = {
        (nodes[m.group(1)], nodes[m.group(3)], "broken" in m.group(2))
        for m in re.finditer(r"^\s+(\w+) (-->|-\. broken \.->) (\w+)$", blocks[0], re.M)
    }
    return nodes, edges


def test_the_example_markdown_report_draws_producers_subjects_and_consumers(
    tmp_path: Path,
) -> None:
    markdown = tmp_path / "summary.md"
    done = _run_example(tmp_path, "--report", f"markdown={markdown}")
    assert done.returncode == 0, done.stdout + done.stderr  # gate itself exited 1, as expected
    nodes, edges = _mermaid(markdown.read_text(encoding="utf-8"))
    assert sorted(nodes.values()) == sorted(
        [
            "checkout",
            "orders-value",
            "fraud-detector",
            "analytics #40;prod#41;",
            "billing",
            "payments-value",
            "ledger",
        ]
    )
    assert edges == {
        ("checkout", "orders-value", False),
        # fraud-detector's enum lacks REFUNDED and has no default
        ("orders-value", "fraud-detector", True),
        ("orders-value", "analytics #40;prod#41;", False),
        ("billing", "payments-value", False),
        ("payments-value", "ledger", False),
    }


def test_the_fraud_detector_contract_decodes_the_configured_samples(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = _run_example(tmp_path, "--report", f"json={out}")
    assert done.returncode == 0, done.stdout + done.stderr
    first = json.loads(out.read_text(encoding="utf-8"))
    checks = _contract_checks(first)
    produced = checks["orders-value: checkout -> fraud-detector"]
    assert (
        f"consumer `fraud-detector` read 3 of 3 configured sample(s) written with "
        f"schemas/orders.avsc ({SAMPLES})" in produced["notes"]
    )
    # the captured message (schema id 2) is data in flight of the registered version 1
    (in_flight,) = [
        c
        for i, c in checks.items()
        if i.startswith("orders-value: in-flight registry v") and i.endswith("-> fraud-detector")
    ]
    assert any(
        "consumer `fraud-detector` read 1 of 1 configured sample(s)" in note
        and "samples/orders/captured-1.bin" in note
        for note in in_flight["notes"]
    )
    assert "SIMULATION_DECODE_FAILED" not in _rules(first)

    # an order refunded in production: fraud-detector cannot read it, analytics reads it
    repo = tmp_path / "shop"
    refunded = {"id": "o-1004", "customer_id": "c-9", "amount_cents": 500, "status": "REFUNDED"}
    with (repo / SAMPLES).open("a", encoding="utf-8") as samples:
        samples.write(json.dumps(refunded) + "\n")
    again = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD~1", "--report", f"json={out}"],
        cwd=repo,
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 1, again.stdout + again.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    decoded = [f for f in report["findings"] if f["rule"] == "SIMULATION_DECODE_FAILED"]
    assert len(decoded) == 1, decoded
    (finding,) = decoded
    assert finding["check"] == "orders-value: checkout -> fraud-detector"
    assert finding["message"].startswith(
        f"consumer `fraud-detector` cannot read the configured sample {SAMPLES}:4 written by "
        "producer `checkout`: SchemaResolutionError: REFUNDED not found"
    )
    assert finding["severity"] == "error"
    assert finding["location"] == {"path": SAMPLES, "line": 4}
    witness = finding["witness"]
    assert witness["payload"] == refunded
    # the witness's body is the sample as checkout writes it
    writer = fastavro.parse_schema(json.loads((repo / "schemas/orders.avsc").read_text()))
    body = base64.b64decode(witness["avro_base64"])
    assert fastavro.schemaless_reader(io.BytesIO(body), writer, None) == {
        **refunded,
        "coupon": None,
    }
    assert base64.b64decode(witness["wire_base64"])[5:] == body
    checks = _contract_checks(report)
    assert any(
        "consumer `fraud-detector` read 3 of 4 configured sample(s)" in note
        for note in checks["orders-value: checkout -> fraud-detector"]["notes"]
    )
    assert any(
        "consumer `analytics (prod)` read 4 of 4 configured sample(s)" in note
        for note in checks["orders-value: checkout -> analytics (prod)"]["notes"]
    )


def test_a_json_schema_consumer_reads_the_configured_samples(
    tmp_path: Path, gate: GateRunner
) -> None:
    from tests.support.gitrepo import RepoBuilder

    def schema(email: dict[str, Any]) -> str:
        return (
            json.dumps(
                {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "email": email},
                    "required": ["id"],
                },
                indent=2,
            )
            + "\n"
        )

    repo = RepoBuilder(tmp_path / "users")
    repo.commit(
        "users",
        {
            "gate.yaml": "version: 1\n"
            "subjects:\n"
            "  - subject: users-value\n"
            "    file: schemas/user.json\n"
            "    samples: [samples/users.jsonl]\n"
            "contracts:\n"
            "  - subject: users-value\n"
            "    producers: [{name: signup}]\n"
            "    consumers:\n"
            "      - {name: mailer, reader: readers/mailer.json}\n",
            "schemas/user.json": schema({"type": "string"}),
            # the registry's rules accept a `format` the writer lacks: strings are strings
            "readers/mailer.json": schema({"type": "string", "format": "email"}),
            "samples/users.jsonl": '{"id": "u-1", "email": "ada@example.com"}\n'
            '{"id": "u-2", "email": "not an address"}\n'
            '{"id": 3}\n',
        },
    )
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    report = run.json()
    check = _contract_checks(report)["users-value: signup -> mailer"]
    # u-3 is not data signup writes (the samples check of users-value reports it)
    assert check["notes"] == [
        "consumer `mailer` read 1 of 2 configured sample(s) written with schemas/user.json "
        "(samples/users.jsonl)"
    ]
    (finding,) = [
        f
        for f in report["findings"]
        if f["check"] == check["id"] and f["location"] == {"path": "samples/users.jsonl", "line": 2}
    ]
    assert finding["rule"] == "SIMULATION_DECODE_FAILED"
    assert finding["severity"] == "warning"  # the verdict stays the registry's: compatible
    assert "compatible by the registry's rules" in finding["message"]
    assert finding["message"].startswith(
        "consumer `mailer` cannot read the configured sample samples/users.jsonl:2 written by "
        "producer `signup`"
    )
    assert finding["witness"]["payload"] == {"id": "u-2", "email": "not an address"}
    assert "/email: 'not an address' is not a 'email'" in finding["witness"]["error"]
    assert any(
        f["rule"] == "SAMPLE_NOT_VALID_FOR_WRITER" and "samples/users.jsonl:3" in f["message"]
        for f in report["findings"]
    )


def test_a_file_a_json_reader_refers_to_checks_the_contract(
    tmp_path: Path, gate: GateRunner
) -> None:
    from tests.support.gitrepo import RepoBuilder

    def document(properties: dict[str, Any]) -> str:
        return (
            json.dumps(
                {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "properties": properties,
                },
                indent=2,
            )
            + "\n"
        )

    repo = RepoBuilder(tmp_path / "users")
    repo.commit(
        "users",
        {
            "gate.yaml": "version: 1\n"
            "subjects:\n"
            "  - subject: users-value\n"
            "    file: schemas/user.json\n"
            "contracts:\n"
            "  - subject: users-value\n"
            "    producers: [{name: signup}]\n"
            "    consumers:\n"
            "      - {name: mailer, reader: readers/mailer.json}\n",
            "schemas/user.json": document({"id": {"type": "string"}, "age": {"type": "integer"}}),
            "readers/mailer.json": document(
                {"id": {"type": "string"}, "age": {"$ref": "shared/age.json"}}
            ),
            "readers/shared/age.json": '{"type": "integer"}\n',
        },
    )
    # the shared definition narrows: the mailer no longer reads every age signup writes
    repo.write("readers/shared/age.json", '{"type": "integer", "maximum": 150}\n')
    repo.git("add", "-A")
    run = gate(
        ["check", "--staged", "--base", "HEAD", "--report", "json", "readers/shared/age.json"],
        cwd=repo.root,
    )
    assert run.exit_code == 1, run.stdout
    report = run.json()
    assert set(_contract_checks(report)) >= {"users-value: signup -> mailer"}
    (finding,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "JSON_MAXIMUM_ADDED"
    assert finding["message"].startswith("consumer `mailer` cannot read what producer `signup`")

    repo.write("package.json", '{"name": "users"}\n')
    repo.git("add", "package.json")
    unrelated = gate(
        ["check", "--staged", "--base", "HEAD", "--report", "json", "package.json"], cwd=repo.root
    )
    assert unrelated.exit_code == 0, unrelated.stdout
    assert _contract_checks(unrelated.json()) == {}
