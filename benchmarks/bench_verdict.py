"""`gate check` with payload simulation against the same run with `--no-simulate`.

Large real-shaped JSON Schemas: each subject has hundreds of properties, objects nested three
levels deep, `oneOf`s, enums, formats, arrays of objects and `$ref`s to shared definitions. The
base commit holds version 1 of every subject, and so does a registry snapshot; the work tree
changes each subject the way real pull requests do: a property added, a constraint tightened,
a type changed deep inside, a `format` or an overlapping `oneOf` branch added (which the
registry accepts and data still breaks). `gate check --offline` (the real command, in a
subprocess) judges every candidate against the base and the snapshot; the floor is the same
command with `--no-simulate`. The target is a ratio of at most 1.5.

Usage: python benchmarks/bench_verdict.py [--subjects 12] [--properties 400] [--runs 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import (
    Figure,
    best_of,
    fast_import,
    git,
    make_repository,
    print_table,
    run_gate,
    write_snapshot,
)

CONFIG = """version: 1
registry:
  snapshot: snapshot
defaults:
  compatibility: BACKWARD
subjects:
  - files: "schemas/*.json"
    subject: "{stem}-value"
    type: JSON
"""

_SCALARS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "maxLength": 64},
    {"type": "string", "format": "date-time"},
    {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": ["string", "null"]},
]


def _object(rng: random.Random, count: int, depth: int, definitions: list[str]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for index in range(count):
        roll = rng.random()
        name = f"{'abcdefghij'[depth]}{index}_{rng.choice(['id', 'name', 'code', 'at', 'total'])}"
        if roll < 0.55:
            value: Any = copy.deepcopy(rng.choice(_SCALARS))
        elif roll < 0.65:
            value = {"enum": [f"V{k}" for k in range(rng.randint(2, 8))]}
        elif roll < 0.73:
            value = {
                "oneOf": [
                    {"type": "string"},
                    {"type": "integer"},
                    {
                        "type": "object",
                        "properties": {"value": {"type": "string"}},
                        "required": ["value"],
                    },
                ]
            }
        elif roll < 0.8 and definitions:
            value = {"$ref": f"#/definitions/{rng.choice(definitions)}"}
        elif roll < 0.88:
            value = {
                "type": "array",
                "items": _object(rng, rng.randint(2, 8), depth + 1, [])
                if depth < 2
                else copy.deepcopy(rng.choice(_SCALARS)),
            }
        elif depth < 3:
            value = _object(rng, rng.randint(4, 30), depth + 1, definitions)
        else:
            value = copy.deepcopy(rng.choice(_SCALARS))
        properties[name] = value
    names = sorted(properties)
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(rng.sample(names, k=min(4, len(names)))),
    }


def schema(rng: random.Random, properties: int) -> dict[str, Any]:
    definitions = {f"Def{k}": _object(rng, rng.randint(5, 15), 2, []) for k in range(6)}
    root = _object(rng, properties, 0, sorted(definitions))
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Event",
        "definitions": definitions,
        **root,
    }


def _nested(document: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    """A nested object of the schema and the name of one of its string properties."""
    objects = [(document, "")]
    stack = [document]
    while stack:
        node = stack.pop()
        for value in node.get("properties", {}).values():
            if isinstance(value, dict) and value.get("type") == "object":
                objects.append((value, ""))
                stack.append(value)
    rng.shuffle(objects)
    for node, _ in objects:
        strings = [
            name
            for name, value in node.get("properties", {}).items()
            if value == {"type": "string"}
        ]
        if strings:
            return node, rng.choice(strings)
    return document, ""


def changed(document: dict[str, Any], rng: random.Random, kind: int) -> dict[str, Any]:
    """The head version: one of the changes real pull requests make."""
    new = copy.deepcopy(document)
    node, name = _nested(new, rng)
    if kind == 0:  # accepted, and data still breaks
        node["properties"][name] = {"type": "string", "format": "email"}
    elif kind == 1:  # a constraint tightened deep inside: incompatible
        node["properties"][name] = {"type": "string", "maxLength": 3}
    elif kind == 2:  # a property added to an open model: incompatible under STRICT
        node["properties"]["added_field"] = {"type": "integer"}
    elif kind == 3:  # a type changed: incompatible
        node["properties"][name] = {"type": "integer"}
    else:  # an overlapping oneOf branch: accepted
        overlapping = [
            value
            for value in new["properties"].values()
            if isinstance(value, dict) and "oneOf" in value
        ]
        if overlapping:
            overlapping[0]["oneOf"].append({"type": "number"})
        else:
            new["properties"]["added_field"] = {}
    return new


def build(root: Path, subjects: int, properties: int) -> Path:
    rng = random.Random(20261206)
    repo = make_repository(root / "repo")
    base: dict[str, str] = {"gate.yaml": CONFIG}
    head: dict[str, str] = {}
    histories: dict[str, tuple[str, list[str]]] = {}
    for index in range(subjects):
        first = schema(rng, properties)
        second = changed(first, rng, index % 5)
        path = f"schemas/event{index:03d}.json"
        base[path] = json.dumps(first, indent=2)
        head[path] = json.dumps(second, indent=2)
        histories[f"event{index:03d}-value"] = ("JSON", [base[path]])
    fast_import(repo, [base])
    git(repo, "checkout", "-q", "-f", "main")
    for path, text in head.items():
        (repo / path).write_text(text, encoding="utf-8")
    write_snapshot(repo / "snapshot", histories, "BACKWARD")
    return repo


def measure(subjects: int, properties: int, runs: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as temporary:
        repo = build(Path(temporary), subjects, properties)

        def check(*extra: str) -> None:
            done = run_gate(["check", "--offline", "--base", "HEAD", "-q", *extra], repo)
            if done.returncode not in (0, 1):
                sys.exit(f"gate check failed to run:\n{done.stderr}")

        floor = best_of(runs, lambda: check("--no-simulate"))
        measured = best_of(runs, check)
        report = run_gate(["check", "--offline", "--base", "HEAD", "--report", "json"], repo)
        findings = json.loads(report.stdout)["findings"]
        witnessed = sum(f["witness"] is not None for f in findings)
        warnings = sum(f["rule"] == "SIMULATION_BREAKS_ACCEPTED_CHANGE" for f in findings)
        print(
            f"{subjects} subjects of ~{properties} top-level properties: {len(findings)} "
            f"findings, {witnessed} with a witness, {warnings} accepted changes that break data"
        )
    return [
        Figure(
            f"check {subjects} large JSON subjects, simulated vs --no-simulate",
            measured,
            floor,
            target=1.5,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=12)
    parser.add_argument("--properties", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = measure(args.subjects, args.properties, args.runs)
    print_table(figures)
    if any(f.verdict == "MISSED" for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
