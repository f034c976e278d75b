"""JSON Schema written in YAML, end to end: found, judged with the YAML file's lines, read
safely, and other YAML files left alone."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.runner import GateRunner

ORDER = """\
# the order placed by a customer
$schema: http://json-schema.org/draft-07/schema#
title: Order
type: object
properties:
  id:
    type: string
  amount:
    type: integer
    minimum: 0
  status:
    type: string
    enum: [placed, paid, shipped]
required: [id, amount]
additionalProperties: false
"""
# `shipped` is gone from the enum of `status` (line 11), which breaks readers of old orders
ORDER_NARROWED = ORDER.replace("[placed, paid, shipped]", "[placed, paid]")
STATUS_LINE = 11
CI = """\
name: ci
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""
COMPOSE = "services:\n  registry:\n    image: confluentinc/cp-schema-registry\n"


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "base",
        {
            "schemas/order.yaml": ORDER,
            ".github/workflows/ci.yml": CI,
            "docker-compose.yml": COMPOSE,
        },
    )
    return builder


def _check(gate: GateRunner, repo: RepoBuilder, *args: str) -> Any:
    return gate(["check", "--base", "HEAD", "--report", "json", *args], cwd=repo.root)


def _subjects(report: dict[str, Any]) -> set[str]:
    return {c["subject"] for c in report["checks"]}


def test_a_breaking_change_in_a_yaml_schema_is_a_finding_at_its_yaml_line(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write("schemas/order.yaml", ORDER_NARROWED)
    run = _check(gate, repo)
    assert run.exit_code == 1, run.stdout + run.stderr
    report = run.json()
    (finding,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert finding["subject"] == "order"
    assert finding["rule"].startswith("JSON_")
    assert finding["location"] == {"path": "schemas/order.yaml", "line": STATUS_LINE}
    # the CI file and the compose file are YAML but no schemas: no subjects
    assert _subjects(report) == {"order"}
    text = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert f"schemas/order.yaml:{STATUS_LINE}" in text.stdout


def test_a_compatible_change_passes_and_other_yaml_files_are_never_subjects(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    repo.write(
        "schemas/order.yaml",
        ORDER.replace("[placed, paid, shipped]", "[placed, paid, shipped, refunded]"),
    )
    repo.write(".github/workflows/ci.yml", CI.replace("ubuntu-latest", "ubuntu-24.04"))
    repo.write("docker-compose.yml", COMPOSE + "  broker:\n    image: apache/kafka\n")
    repo.write("gate.yaml", "version: 1\n")
    run = _check(gate, repo)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert _subjects(run.json()) == {"order"}


def test_a_file_given_type_json_is_read_as_json_schema(gate: GateRunner, tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    without_schema = "".join(line + "\n" for line in ORDER.splitlines() if "$schema" not in line)
    repo.commit(
        "base",
        {
            "gate.yaml": "version: 1\nsubjects:\n  - files: 'contracts/*.yml'\n"
            "    subject: '{stem}-value'\n    type: json\n",
            "contracts/order.yml": without_schema,
        },
    )
    repo.write(
        "contracts/order.yml", without_schema.replace("[placed, paid, shipped]", "[placed, paid]")
    )
    run = _check(gate, repo)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert finding["subject"] == "order-value"
    assert finding["location"] == {"path": "contracts/order.yml", "line": STATUS_LINE - 1}


BILLION_LAUGHS = """\
$schema: http://json-schema.org/draft-07/schema#
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
type: object
"""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (BILLION_LAUGHS, 3, "YAML aliases (*a) are not supported"),
        (
            ORDER + "x-run: !!python/object/apply:os.system [echo hacked]\n",
            16,
            "YAML tag !!python/object/apply:os.system is not supported",
        ),
        (ORDER + "x-owner: !team orders\n", 16, "YAML tag !team is not supported"),
        (
            ORDER.replace("  status:\n", "  amount:\n"),
            11,
            "duplicate key `amount` (first written on line 8)",
        ),
        (ORDER + "---\ntype: string\n", 16, "more than one YAML document"),
        # the parser finds the missing `]` where the next key starts
        (ORDER.replace("  amount:\n", "  amount: [\n"), 10, "invalid YAML"),
    ],
    ids=[
        "billion-laughs",
        "python-tag",
        "custom-tag",
        "duplicate-key",
        "two-documents",
        "malformed",
    ],
)
def test_unsafe_or_broken_yaml_is_a_clear_finding_without_a_hang(
    repo: RepoBuilder, text: str, line: int, words: str
) -> None:
    repo.write("schemas/order.yaml", text)
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD", "--report", "json"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["rule"] == "JSON_INVALID_SCHEMA"
    assert words in finding["message"]
    assert finding["location"] == {"path": "schemas/order.yaml", "line": line}
    assert "hacked" not in done.stdout + done.stderr


def test_compat_reads_yaml_schemas(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(ORDER)
    (tmp_path / "new.yaml").write_text(ORDER_NARROWED)
    done = subprocess.run(
        [sys.executable, "-m", "gate", "compat", "--format", "json", "old.yaml", "new.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [f for f in json.loads(done.stdout)["findings"] if f["severity"] == "error"]
    assert errors
    assert {f["location"]["path"] for f in errors} == {"new.yaml"}
    assert {f["location"]["line"] for f in errors} == {STATUS_LINE}


COMMON = """\
$schema: http://json-schema.org/draft-07/schema#
definitions:
  money:
    type: object
    properties:
      currency:
        type: string
"""
PAYMENT = """\
$schema: http://json-schema.org/draft-07/schema#
type: object
properties:
  total:
    $ref: common.yaml#/definitions/money
"""


def test_a_ref_to_another_yaml_file_resolves_and_its_change_is_judged(
    gate: GateRunner, tmp_path: Path
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/payment.yaml": PAYMENT, "schemas/common.yaml": COMMON})
    run = _check(gate, repo)
    assert run.exit_code == 0, run.stdout + run.stderr
    # the referenced file narrows a type: the subject reaching it breaks, in a run over the
    # whole repository and in one listing only the referenced file (the pre-commit hook)
    repo.write("schemas/common.yaml", COMMON.replace("type: string", "type: integer"))
    for args in ((), ("schemas/common.yaml",)):
        run = _check(gate, repo, *args)
        assert run.exit_code == 1, run.stdout + run.stderr
        subjects = {f["subject"] for f in run.json()["findings"] if f["severity"] == "error"}
        assert "payment" in subjects


def test_a_yaml_subject_registered_as_json_is_no_drift(gate: GateRunner, repo: RepoBuilder) -> None:
    from gate.formats.jsonschema.yamltext import yaml_to_json

    registered = json.dumps(json.loads(yaml_to_json(ORDER)))  # as a build would register it
    with RegistryServer() as server:
        server.register("order", registered, schema_type="JSON")
        run = gate(
            ["drift", "--registry", server.url, "--report", "json", "--fail-on", "warning"],
            cwd=repo.root,
        )
        assert run.exit_code == 0, run.stdout + run.stderr
        assert [f for f in run.json()["findings"] if f["severity"] != "info"] == []
        # and a schema that does differ from the registered one still is drift
        repo.commit("narrowed", {"schemas/order.yaml": ORDER_NARROWED})
        run = gate(["drift", "--registry", server.url, "--report", "json"], cwd=repo.root)
        assert ("order", "DRIFT_NOT_REGISTERED") in {
            (f["subject"], f["rule"]) for f in run.json()["findings"]
        }


def test_a_yaml_subject_referenced_by_name_resolves_as_json(
    gate: GateRunner, tmp_path: Path
) -> None:
    # Confluent references declared in gate.yaml: the referenced subject's file is YAML too
    customer = (
        "$schema: http://json-schema.org/draft-07/schema#\ntype: object\n"
        "properties:\n  id:\n    type: string\n"
    )
    order = (
        "$schema: http://json-schema.org/draft-07/schema#\ntype: object\n"
        "additionalProperties: false\nproperties:\n  customer:\n    $ref: customer.json\n"
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": "version: 1\nsubjects:\n"
            "  - {subject: customer-value, file: schemas/common/customer.yaml}\n"
            "  - subject: order-value\n    file: schemas/orders/order.yaml\n"
            "    references:\n      - {name: customer.json, subject: customer-value}\n",
            "schemas/common/customer.yaml": customer,
            "schemas/orders/order.yaml": order,
        },
    )
    repo.write("schemas/orders/order.yaml", order + "  note:\n    type: string\n")
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 0, run.stdout + run.stderr
    repo.write("schemas/common/customer.yaml", customer.replace("string", "integer"))
    run = _check(gate, repo, "--offline")
    assert run.exit_code == 1, run.stdout + run.stderr
    # each finding at its own YAML file's line: the key `id`, and the key holding the `$ref`
    assert {
        (f["subject"], f["location"]["path"], f["location"]["line"])
        for f in run.json()["findings"]
        if f["severity"] == "error"
    } == {
        ("customer-value", "schemas/common/customer.yaml", 4),
        ("order-value", "schemas/orders/order.yaml", 5),
    }
