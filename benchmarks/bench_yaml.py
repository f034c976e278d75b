"""JSON Schema written in YAML against the same schema written in JSON.

    python benchmarks/bench_yaml.py [--subjects 20] [--versions 10] [--properties 110] [--runs 3]

The schemas are `generate.json_history`'s (draft-07 objects of primitives, arrays, nested objects
and enums), each also written as block-style YAML (`yaml.safe_dump`). Figures, per schema, each a
ratio to its floor measured in the same run on the same schemas:

- read YAML: `yaml_to_json` (libyaml's events, aliases and tags refused, the line-aligned JSON
  text written), against `json.loads` of the JSON text;
- parse YAML file: what `gate check` does with a `.yaml` schema file (decode, read the YAML, parse
  and validate the JSON Schema), against the same for the `.json` file. This is the figure a user
  of YAML schemas feels: the YAML is read once per version, then the run is the JSON one.

Every run uses schemas never seen before (another seed), and a fresh parser, so nothing is reused
between figures.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import TYPE_CHECKING, Any

import yaml
from common import Figure, print_table
from generate import json_history

from gate.formats import CheckOptions
from gate.formats.jsonschema.yamltext import yaml_to_json
from gate.judge import Parser, parse_bytes
from gate.model import Origin, OriginKind, SchemaType

if TYPE_CHECKING:
    from collections.abc import Callable

JSON_ORIGIN = Origin(OriginKind.FILE, "bench.json")
YAML_ORIGIN = Origin(OriginKind.FILE, "bench.yaml")


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_run(seed: int, subjects: int, versions: int, properties: int) -> dict[str, float]:
    """Seconds per schema of each figure and of its floor."""
    rng = random.Random(seed)
    texts = [text for _ in range(subjects) for text in json_history(rng, versions, properties)]
    as_yaml = [yaml.safe_dump(json.loads(text), sort_keys=False) for text in texts]
    count = len(texts)
    figures = {
        "json.loads": timed(lambda: [json.loads(text) for text in texts]) / count,
        "read YAML": timed(lambda: [yaml_to_json(text) for text in as_yaml]) / count,
    }

    def parse(blobs: list[bytes], origin: Origin) -> None:
        parser = Parser(CheckOptions(), capacity=count + 1)
        for data in blobs:
            parsed = parse_bytes(parser, SchemaType.JSON, data, origin)
            assert parsed.ok, parsed.invalid

    json_blobs = [text.encode() for text in texts]
    yaml_blobs = [text.encode() for text in as_yaml]
    figures["parse JSON file"] = timed(lambda: parse(json_blobs, JSON_ORIGIN)) / count
    figures["parse YAML file"] = timed(lambda: parse(yaml_blobs, YAML_ORIGIN)) / count
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--properties", type=int, default=110)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    one_run(999, 1, 2, args.properties)  # warm up: imports, metaschema validators
    best: dict[str, float] = {}
    for run in range(args.runs):
        for name, seconds in one_run(
            1000 + run, args.subjects, args.versions, args.properties
        ).items():
            best[name] = min(best.get(name, float("inf")), seconds)
    ms = 1000.0
    print(
        f"{args.subjects} histories of {args.versions} versions of a {args.properties}-property"
        " object, each in JSON and in YAML; times per schema"
    )
    print_table(
        [
            Figure(
                "read YAML (floor: json.loads)",
                best["read YAML"] * ms,
                best["json.loads"] * ms,
                "ms",
            ),
            Figure(
                "parse YAML file (floor: the JSON file)",
                best["parse YAML file"] * ms,
                best["parse JSON file"] * ms,
                "ms",
            ),
        ]
    )


if __name__ == "__main__":
    main()
