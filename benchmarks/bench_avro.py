"""The Avro engine on its own: parse and check, per schema, against json.loads of the same texts.

    python benchmarks/bench_avro.py [--subjects 40] [--versions 10] [--fields 110] [--runs 5]

Histories of generated records (`generate.avro_history`: primitives, optionals, enums, arrays,
maps, nested records and fixed), each version adding one optional field, as `gate check` meets
them. The floor is `json.loads` of one of the same texts, measured in the same run. Figures, each
per schema (or per pair) and as a ratio to the floor:

- parse: `FORMAT.parse` of every version of every history, results kept (as `gate check` keeps
  them), the garbage collector running as it does by default;
- parse, collector paused: the same with `gc` disabled, the engine's own work;
- parse, each alone: the same with the engine's caches emptied before each schema, as for a
  schema with no earlier version parsed in the same run (nothing to share with);
- check forward: reader = version k, writer = version k+1 (the writer adds an optional field);
- check backward: reader = version k+1, writer = version k (the reader's new field has a default);
- check transitive: the last version against every earlier one, both ways (FULL_TRANSITIVE).

Every run uses texts never seen before (another seed) and starts with the engine's caches
emptied, so no run profits from an earlier one; checks run on schemas parsed afresh for each
figure, so nothing remembered from one figure helps another.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from typing import TYPE_CHECKING, Any

from common import Figure, print_table
from generate import avro_history

from gate.formats import CheckOptions
from gate.formats.avro import FORMAT
from gate.formats.avro.parse import clear_caches
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from collections.abc import Callable

OPTIONS = CheckOptions()
ORIGIN = Origin(OriginKind.FILE, "bench.avsc")


def histories(seed: int, subjects: int, versions: int, fields: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [avro_history(rng, f"Event{seed}x{n}", versions, fields) for n in range(subjects)]


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def parse_all(texts: list[str]) -> list[Any]:
    return [FORMAT.parse(Schema(SchemaType.AVRO, text, ORIGIN), OPTIONS) for text in texts]


def one_run(seed: int, subjects: int, versions: int, fields: int) -> dict[str, float]:
    """Seconds per schema (or pair) of each figure, and of the floor, for fresh texts."""
    flat = [text for history in histories(seed, subjects, versions, fields) for text in history]

    def floor() -> None:
        for text in flat:
            json.loads(text)

    figures = {"floor": timed(floor) / len(flat)}
    clear_caches()
    parsed: list[Any] = []
    figures["parse"] = timed(lambda: parsed.extend(parse_all(flat))) / len(flat)

    # another run's worth of texts: the same schemas, one space longer, so nothing is cached
    clear_caches()
    again = [text + " " for text in flat]
    gc.disable()
    try:
        figures["parse, collector paused"] = timed(lambda: parse_all(again)) / len(flat)
    finally:
        gc.enable()

    clear_caches()
    alone = [text + "\t" for text in flat]

    def each_alone() -> None:
        for text in alone:
            clear_caches()
            parse_all([text])

    figures["parse, each alone"] = timed(each_alone) / len(flat)

    def pairs_of(make: Callable[[list[Any]], list[tuple[Any, Any]]]) -> list[tuple[Any, Any]]:
        fresh = parse_all([text + "\n" for text in flat])
        return [pair for n in range(subjects) for pair in make(fresh[n * versions :][:versions])]

    def forward(h: list[Any]) -> list[tuple[Any, Any]]:
        return [(h[k], h[k + 1]) for k in range(versions - 1)]

    def backward(h: list[Any]) -> list[tuple[Any, Any]]:
        return [(h[k + 1], h[k]) for k in range(versions - 1)]

    def transitive(h: list[Any]) -> list[tuple[Any, Any]]:
        return [(h[-1], old) for old in h[:-1]] + [(old, h[-1]) for old in h[:-1]]

    for name, make in (("forward", forward), ("backward", backward), ("transitive", transitive)):
        pairs = pairs_of(make)
        seconds = timed(lambda pairs=pairs: [FORMAT.check(r, w, OPTIONS) for r, w in pairs])
        figures[f"check {name}"] = seconds / len(pairs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--fields", type=int, default=110)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for run in range(args.runs):
        for name, seconds in one_run(1000 + run, args.subjects, args.versions, args.fields).items():
            best[name] = min(best.get(name, float("inf")), seconds)
    ms = 1000.0
    floor = best.pop("floor") * ms
    targets = {"parse": 7.0, "check forward": 1.6}
    print(
        f"{args.subjects} histories of {args.versions} versions of a {args.fields}-field record;"
        " times per schema or pair, floor = json.loads of one text"
    )
    print_table(
        [
            Figure(name, seconds * ms, floor, "ms", target=targets.get(name))
            for name, seconds in best.items()
        ]
    )


if __name__ == "__main__":
    main()
