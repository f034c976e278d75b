"""Real runs for the reporter tests: a monorepo whose gate project lives in a subfolder, a
repository with many breaks, registry snapshots written by the real `gate registry export`, and
Microsoft's SARIF Multitool's verdict on a SARIF file."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tests.support.gitrepo import RepoBuilder
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

ORDERS_V1 = """{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "long"},
    {"name": "email", "type": "string"}
  ]
}
"""
# renames `email` to `contact` without a default: breaks the base, the registered versions and
# the fraud-detector consumer, which reads `email`
ORDERS_BROKEN = ORDERS_V1.replace('"email", "type": "string"', '"contact", "type": "string"')
FRAUD_READER = """{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "email", "type": "string"}
  ]
}
"""
MONOREPO_CONFIG = """version: 1
registry:
  snapshot: registry-snapshot/
subjects:
  - subject: orders-value
    file: schemas/orders.avsc
    samples: ["samples/*.jsonl"]
  - files: "schemas/events/*.avsc"
    subject: "{stem}-value"
contracts:
  - subject: orders-value
    producers:
      - name: checkout
    consumers:
      - name: fraud-detector
        reader: readers/fraud.avsc
"""
PROJECT = "services/orders"


def export_snapshot(target: Path, versions: Sequence[tuple[str, str]], unrelated: int = 0) -> None:
    """A registry snapshot written by the real `gate registry export` from a registry on
    127.0.0.1 that holds `versions` ((subject, text), registered in order) after `unrelated`
    other schemas (which shift the schema ids)."""
    import subprocess
    import sys

    from tests.support.registry_server import RegistryServer

    with RegistryServer() as server:
        for n in range(unrelated):
            server.register(
                f"unrelated-{n}-value", f'{{"type": "fixed", "name": "F{n}", "size": {n + 1}}}'
            )
        for subject, text in versions:
            server.register(subject, text)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "gate",
                "registry",
                "export",
                str(target),
                "--registry",
                server.url,
                *(option for subject in dict(versions) for option in ("--subject", subject)),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=target.parent,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
    assert done.returncode == 0, done.stderr


def build_monorepo(root: Path, unrelated: int = 0) -> RepoBuilder:
    """A repository whose gate project lives in `services/orders/`: a subject with samples and a
    contract, three event subjects, a committed registry snapshot; two commits (the base
    `HEAD~1` and `HEAD`) and, left in the work tree, a breaking change to `orders.avsc` (against
    the base, the registry and a consumer), a deleted event schema and a renamed event field
    whose values the simulation shows lost."""
    repo = RepoBuilder(root)
    project = root / PROJECT
    events = {
        f"{PROJECT}/schemas/events/{name}.avsc": ORDERS_V1.replace("Order", name.title())
        for name in ("payment", "refund", "shipment")
    }
    repo.commit(
        "orders and events",
        {
            "README.md": "monorepo\n",
            f"{PROJECT}/gate.yaml": MONOREPO_CONFIG,
            f"{PROJECT}/schemas/orders.avsc": ORDERS_V1,
            f"{PROJECT}/readers/fraud.avsc": FRAUD_READER,
            f"{PROJECT}/samples/orders.jsonl": (
                '{"id": "o-1", "amount": 5, "email": "a@example.com"}\n'
            ),
            **events,
        },
    )
    project.mkdir(parents=True, exist_ok=True)
    export_snapshot(project / "registry-snapshot", [("orders-value", ORDERS_V1)], unrelated)
    repo.commit("registry snapshot")
    repo.write(f"{PROJECT}/schemas/orders.avsc", ORDERS_BROKEN)
    repo.write(f"{PROJECT}/samples/orders.jsonl", '{"id": "o-1", "amount": 5, "contact": "c"}\n')
    (project / "schemas" / "events" / "refund.avsc").unlink()
    # a rename with a default: compatible, but a payment's email is silently lost
    repo.write(
        f"{PROJECT}/schemas/events/payment.avsc",
        events[f"{PROJECT}/schemas/events/payment.avsc"].replace(
            '"email", "type": "string"', '"contact", "type": "string", "default": ""'
        ),
    )
    return repo


def multitool_problems(binary: Path, sarif: Path, rule_kinds: str = "Gh;Sarif") -> list[str]:
    """What `Sarif.Multitool validate --rule-kind RULE_KINDS` reports about `sarif` at level
    error, as `RULE: message` lines (the tool exits 0 whatever it finds)."""
    import json
    import subprocess

    output = sarif.with_name(sarif.name + ".validation.sarif")
    output.unlink(missing_ok=True)
    done = subprocess.run(
        [str(binary), "validate", "--rule-kind", rule_kinds, "--output", str(output), str(sarif)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert output.exists(), done.stdout + done.stderr
    log = json.loads(output.read_text(encoding="utf-8-sig"))
    problems = []
    for run in log["runs"]:
        problems.extend(
            f"tool: {n['message'].get('text')}"
            for i in run.get("invocations", [])
            for n in i.get("toolExecutionNotifications", [])
            if n.get("level") == "error"
        )
        for result in run.get("results", []):
            if result.get("level", "warning") == "error":
                message = result["message"]
                problems.append(
                    f"{result['ruleId']}: {message.get('text') or message.get('arguments')}"
                )
    return problems


def build_many_breaks(root: Path, broken: int, renamed: int) -> RepoBuilder:
    """A repository with `broken` subjects whose work-tree change breaks both the git base and
    the registry snapshot (each finding made twice), and `renamed` subjects with a field renamed
    with a default (a simulation warning each)."""
    repo = RepoBuilder(root)
    config = (
        "version: 1\nregistry:\n  snapshot: registry-snapshot/\nsubjects:\n"
        "  - files: 'schemas/*.avsc'\n    subject: '{stem}-value'\n"
    )
    names = [f"broken{n:02d}" for n in range(broken)] + [f"renamed{n:02d}" for n in range(renamed)]
    texts = {name: ORDERS_V1.replace('"Order"', f'"{name.title()}"') for name in names}
    repo.commit(
        "schemas",
        {"gate.yaml": config, **{f"schemas/{name}.avsc": text for name, text in texts.items()}},
    )
    export_snapshot(
        root / "registry-snapshot", [(f"{name}-value", text) for name, text in texts.items()]
    )
    repo.commit("registry snapshot")
    for name, text in texts.items():
        new = (
            '"contact", "type": "string"'
            if name.startswith("broken")
            else '"contact", "type": "string", "default": ""'
        )
        repo.write(f"schemas/{name}.avsc", text.replace('"email", "type": "string"', new))
    return repo
