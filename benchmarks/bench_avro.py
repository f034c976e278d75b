"""The Avro engine on its own: parse and check per schema, each against json.loads of the same texts.

Histories of generated records (`generate.avro_history`, 110 fields by default: primitives,
optionals, enums, arrays, maps, nested records and fixed), each version adding one optional
field. Figures, each per schema (or per pair) and as a ratio to `json.loads` of one of the same
texts, measured in the same run:

- parse: `FORMAT.parse` of every distinct text;
- check forward: reader = version k, writer = version k+1 (the writer adds an optional field);
- check backward: reader = version k+1, writer = version k (the reader's new field has a default);
- check transitive: the last version against every earlier one, both ways (FULL_TRANSITIVE).

Every run uses texts never seen before (another seed), so no cache by content makes a later run
look faster than a first one, and checks run on schemas parsed afresh for each run.

Usage: python benchmarks/bench_avro.py [--subjects 40] [--versions 10] [--fields 110] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from common import Figure, print_table
from generate import avro_history

from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.model import Origin, OriginKind, Schema, SchemaType

OPTIONS = CheckOptions()


def histories(seed: int, subjects: int, versions: int, fields: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [avro_history(rng, f"Event{seed}x{index}", versions, fields) for index in range(subjects)]


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_run(seed: int, subjects: int, versions: int, fields: int) -> dict[str, float]:
    """Seconds per schema (or pair) of each figure, and of the floor, for fresh texts."""
    texts = histories(seed, subjects, versions, fields)
    flat = [text for history in texts for text in history]
    schemas = [Schema(SchemaType.AVRO, text, Origin(OriginKind.FILE, "bench.avsc")) for text in flat]

    floor = timed(lambda: [json.loads(text) for text in flat]) / len(flat)
    parsed: list[Any] = []
    parse = timed(lambda: parsed.extend(FORMAT.parse(s, OPTIONS) for s in schemas)) / len(schemas)

    by_subject = [parsed[i * versions : (i + 1) * versions] for i in range(subjects)]
    adjacent = [(h[k], h[k + 1]) for h in by_subject for k in range(versions - 1)]
    forward = timed(lambda: [FORMAT.check(r, w, OPTIONS) for r, w in adjacent])
    # parse again so that nothing remembered from the forward checks helps the backward ones
    fresh = [FORMAT.parse(s, OPTIONS) for s in _reseeded(schemas)]
    by_subject = [fresh[i * versions : (i + 1) * versions] for i in range(subjects)]
    adjacent = [(h[k + 1], h[k]) for h in by_subject for k in range(versions - 1)]
    backward = timed(lambda: [FORMAT.check(r, w, OPTIONS) for r, w in adjacent])
    fresh = [FORMAT.parse(s, OPTIONS) for s in _reseeded(schemas)]
    by_subject = [fresh[i * versions : (i + 1) * versions] for i in range(subjects)]
    pairs = [(h[-1], old) for h in by_subject for old in h[:-1]]
    pairs += [(old, new) for new, old in pairs]
    transitive = timed(lambda: [FORMAT.check(r, w, OPTIONS) for r, w in pairs])
    return {
        "floor": floor,
        "parse": parse,
        "forward": forward / len(adjacent),
        "backward": backward / len(adjacent),
        "transitive": transitive / len(pairs),
    }


def _reseeded(schemas: list[Schema]) -> list[Schema]:
    # the same schemas with a trailing space: new content, same JSON, so no content cache hits
    return [Schema(s.type, s.text + " ", s.origin) for s in schemas]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--fields", type=int, default=110)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for run in range(args.runs):
        figures = one_run(1000 + run, args.subjects, args.versions, args.fields)
        for name, seconds in figures.items():
            best[name] = min(best.get(name, float("inf")), seconds)
    ms = 1000.0
    floor = best["floor"] * ms
    what = f"{args.fields}-field record"
    print_table(
        [
            Figure(f"parse per {what} vs json.loads", best["parse"] * ms, floor, "ms", target=7),
            Figure("check forward (writer adds a field)", best["forward"] * ms, floor, "ms",
                   target=1.6),
            Figure("check backward (reader adds a field)", best["backward"] * ms, floor, "ms",
                   target=1.6),
            Figure("check transitive, both ways", best["transitive"] * ms, floor, "ms",
                   target=1.6),
        ]
    )


if __name__ == "__main__":
    main()
