"""Hostile and extreme inputs: how the time grows with their size, as ratios measured in one run.

    python benchmarks/bench_limits.py [--megabytes 50] [--runs 3]

The unit tests check what gate says about these inputs; how long it takes is measured here,
never asserted in a test (a slower or busier machine would miss a fixed budget). Each figure is
a time divided by a floor measured in the same run:

- gate.yaml, billion laughs: loading a gate.yaml of nested YAML aliases (refused at the first
  alias), against loading an ordinary gate.yaml of the same length;
- JSON Schema, 2,000 levels: parse, check and diff of a schema nested 2,000 objects deep,
  against the same at 1,000 levels (linear: about 2);
- JSON Schema, 5,000 properties: check of a 5,000-property pair against a 2,500-property pair
  (about 2);
- gate compat, 3,000 findings: the real command on a pair that adds 3,000 properties, each
  finding located at its line, against 1,500 (about 2);
- gate compat, 50 MB: the real command on a 50 MB Avro record (600,000 fields) and a JSON
  Schema with a 50 MB string, against `python -c` reading and json-parsing the same file in
  a child process (the floor any judge of that file pays);
- gate compat, Avro payload budget: the real command, simulating, on a named record used twice
  in each of 14 nested records (each payload 2^14 leaves: the coverage set, the random payloads
  and the witness shrinking all reach their budgets), against the same pair with
  `--no-simulate`; and at 24 levels (no payload at all: its smallest value is past the budget)
  against the same. Bounded work keeps both small.

`gate compat` runs the `gate` that `python -m gate` imports: set PYTHONPATH to this checkout to
measure it rather than an installed copy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import Figure, best_of, gate_environment, print_table, run_gate

from gate.config import ConfigFileError, load_config
from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from collections.abc import Callable

ORIGIN = Origin(OriginKind.FILE, "bench.json")
OPTIONS = CheckOptions()


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines.extend(
        f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 10)
    )
    return "\n".join([*lines, "version: 1"]) + "\n"


def ordinary_config(length: int) -> str:
    lines = ["version: 1", "defaults:", "  compatibility: BACKWARD", "subjects:"]
    number = 0
    while sum(len(line) + 1 for line in lines) < length:
        lines.append(f"  - {{subject: s{number}-value, file: schemas/s{number}.avsc}}")
        number += 1
    return "\n".join(lines) + "\n"


def load(folder: Path, text: str, refused: bool) -> Callable[[], Any]:
    path = folder / "gate.yaml"

    def run() -> None:
        path.write_text(text, encoding="utf-8")
        try:
            load_config(path, {})
        except ConfigFileError:
            if not refused:
                raise
        else:
            if refused:
                raise SystemExit("the billion laughs were not refused")

    return run


def nested(levels: int, leaf: str) -> str:
    return (
        '{"type": "object", "properties": {"a": ' * levels + f'{{"type": "{leaf}"}}' + "}}" * levels
    )


def parse(text: str) -> Any:
    return FORMAT.parse(Schema(SchemaType.JSON, text, ORIGIN), OPTIONS)


def deep_judgement(levels: int) -> Callable[[], Any]:
    calls = itertools.count(1)

    def run() -> None:
        # texts never seen (one more blank each run): no parse is remembered between runs
        pad = " " * next(calls)
        old, new = parse(nested(levels, "string") + pad), parse(nested(levels, "integer") + pad)
        found = FORMAT.check(new, old, OPTIONS)
        assert [item.rule for item in found] == ["JSON_TYPE_CHANGED"]
        FORMAT.diff(old, new, OPTIONS)

    return run


def wide_pair(count: int) -> tuple[str, str]:
    old = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f"p{i}": {"type": "string", "maxLength": 10} for i in range(count)},
    }
    new = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            f"p{i}": {"type": "string", "maxLength": 10 if i % 100 else 5}
            for i in range(count + 50)
        },
    }
    return json.dumps(old), json.dumps(new)


def wide_check(count: int) -> Callable[[], Any]:
    old_text, new_text = wide_pair(count)
    calls = itertools.count(1)

    def run() -> None:
        pad = " " * next(calls)
        found = FORMAT.check(parse(new_text + pad), parse(old_text + pad), OPTIONS)
        assert len(found) == count // 100

    return run


def compat(
    folder: Path, old: str, new: str, suffix: str, exit_code: int, *options: str
) -> Callable[[], Any]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"old{suffix}").write_text(old, encoding="utf-8")
    (folder / f"new{suffix}").write_text(new, encoding="utf-8")

    def run() -> None:
        done = run_gate(["compat", *options, f"old{suffix}", f"new{suffix}"], folder)
        if done.returncode != exit_code:
            raise SystemExit(
                f"gate compat in {folder}: exit {done.returncode}\n{done.stderr[-2000:]}"
            )

    return run


def read_floor(path: Path) -> Callable[[], Any]:
    code = "import json, sys; json.loads(open(sys.argv[1], 'rb').read())"
    return lambda: subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, env=gate_environment()
    )


def many_properties(count: int) -> str:
    properties = {f"p{i}": {"type": "string"} for i in range(count)}
    return json.dumps({"type": "object", "properties": properties}, indent=1)


def big_record(megabytes: int) -> str:
    count = megabytes * 1_000_000 // 84
    fields = ",".join(
        f'{{"name": "f{i}", "type": "string", "doc": "{"x" * 40}"}}' for i in range(count)
    )
    return '{"type": "record", "name": "Big", "fields": [' + fields + "]}"


def record_used_twice(levels: int, leaf: str) -> str:
    """T0 holds one `leaf`; each T<i> holds two T<i-1>, the second by name."""
    root: Any = {"type": "record", "name": "T0", "fields": [{"name": "v", "type": leaf}]}
    for level in range(1, levels + 1):
        root = {
            "type": "record",
            "name": f"T{level}",
            "fields": [{"name": "a", "type": root}, {"name": "b", "type": f"T{level - 1}"}],
        }
    return json.dumps(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = args.runs
    figures = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        laughs = billion_laughs()
        figures.append(
            Figure(
                "gate.yaml, billion laughs / ordinary gate.yaml of the same length",
                best_of(runs * 10, load(root, laughs, refused=True)) * 1000,
                best_of(runs * 10, load(root, ordinary_config(len(laughs)), refused=False)) * 1000,
                "ms",
                target=3.0,
            )
        )
        figures.append(
            Figure(
                "JSON Schema parse+check+diff, 2,000 levels / 1,000 levels",
                best_of(runs, deep_judgement(2000)),
                best_of(runs, deep_judgement(1000)),
                "s",
                target=2.6,
            )
        )
        figures.append(
            Figure(
                "JSON Schema check, 5,000 properties / 2,500 properties",
                # short runs: more of them, for a floor that the machine's other load disturbs less
                best_of(runs * 5, wide_check(5000)),
                best_of(runs * 5, wide_check(2500)),
                "s",
                target=2.6,
            )
        )
        options = ("--no-simulate", "--format", "json")
        figures.append(
            Figure(
                "gate compat, 3,000 findings located / 1,500",
                best_of(
                    runs,
                    compat(
                        root / "many",
                        '{"type": "object"}',
                        many_properties(3000),
                        ".json",
                        1,
                        *options,
                    ),
                ),
                best_of(
                    runs,
                    compat(
                        root / "half",
                        '{"type": "object"}',
                        many_properties(1500),
                        ".json",
                        1,
                        *options,
                    ),
                ),
                "s",
                target=2.6,
            )
        )
        big = root / "big"
        record = compat(big / "avro", '{"type": "string"}', big_record(args.megabytes), ".avsc", 1)
        figures.append(
            Figure(
                f"gate compat, {args.megabytes} MB Avro record / reading and parsing it",
                best_of(1, record),
                best_of(runs, read_floor(big / "avro" / "new.avsc")),
                "s",
            )
        )
        description = json.dumps(
            {"type": "object", "description": "y" * args.megabytes * 1_000_000}
        )
        string = compat(big / "json", '{"type": "object"}', description, ".json", 0)
        figures.append(
            Figure(
                f"gate compat, JSON Schema with a {args.megabytes} MB string"
                " / reading and parsing it",
                best_of(1, string),
                best_of(runs, read_floor(big / "json" / "new.json")),
                "s",
            )
        )
        for levels in (14, 24):
            old, new = record_used_twice(levels, "int"), record_used_twice(levels, "string")
            folder = root / f"twice-{levels}"
            figures.append(
                Figure(
                    f"gate compat, Avro record used twice {levels} levels deep / --no-simulate",
                    best_of(runs, compat(folder, old, new, ".avsc", 1, "--format", "json")),
                    best_of(runs, compat(folder, old, new, ".avsc", 1, "--no-simulate")),
                    "s",
                )
            )
    print("hostile and extreme inputs; each floor is measured in the same run")
    print_table(figures)


if __name__ == "__main__":
    main()
