"""The JSON Schema engine on its own: parse and check, per schema, against json.loads of the texts.

    python benchmarks/bench_jsonschema.py [--subjects 20] [--versions 10] [--properties 110]
                                          [--runs 3]

Histories of generated JSON Schemas (`generate.json_history`: closed objects of primitives,
arrays, nested objects and enums, draft-07), each version adding one optional property, as
`gate check` meets them. The floor is `json.loads` of the same texts, measured in the same run.
Figures, each per schema (or per pair) and as a ratio to the floor:

- parse: `FORMAT.parse` of every version of every history, results kept (as `gate check` keeps
  them), the garbage collector running as it does by default;
- parse, collector paused: the same texts (one newline longer) with `gc` disabled: the engine's
  own work;
- check backward: original = version k, update = version k+1 (an optional property added to a
  closed object: compatible), `FORMAT.check(reader=k+1, writer=k)`;
- check forward: the same pairs the other way round (a property removed from a closed object:
  incompatible, so one finding is built per pair);
- diff: `FORMAT.diff(k, k+1)`, both directions judged, as `gate diff` does.

Every run uses texts never seen before (another seed), so no run profits from an earlier one;
checks run on schemas parsed afresh for each figure. The targets: a parse of a 110-property schema
within about 1 ms and a check within about 0.3 ms, on a machine where json.loads of such a text
(22 kB, indented) takes about 0.08 ms. Before the engine was tuned for this, the same run gave
ratios of about 175 (parse), 86 (check backward), 85 (check forward) and 174 (diff).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from typing import TYPE_CHECKING, Any

from common import Figure, print_table
from generate import json_history

from gate.formats import CheckOptions
from gate.formats.jsonschema import FORMAT
from gate.model import Origin, OriginKind, Schema, SchemaType

if TYPE_CHECKING:
    from collections.abc import Callable

OPTIONS = CheckOptions()
ORIGIN = Origin(OriginKind.FILE, "bench.json")


def histories(seed: int, subjects: int, versions: int, properties: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [json_history(rng, versions, properties) for _ in range(subjects)]


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def parse_all(texts: list[str]) -> list[Any]:
    return [FORMAT.parse(Schema(SchemaType.JSON, text, ORIGIN), OPTIONS) for text in texts]


def one_run(seed: int, subjects: int, versions: int, properties: int) -> dict[str, float]:
    """Seconds per schema (or pair) of each figure, and of the floor, for fresh texts."""
    flat = [text for history in histories(seed, subjects, versions, properties) for text in history]

    def floor() -> None:
        for text in flat:
            json.loads(text)

    figures = {"floor": timed(floor) / len(flat)}
    parsed: list[Any] = []
    figures["parse"] = timed(lambda: parsed.extend(parse_all(flat))) / len(flat)
    again = [text + "\n" for text in flat]
    gc.disable()
    try:
        figures["parse, collector paused"] = timed(lambda: parse_all(again)) / len(flat)
    finally:
        gc.enable()

    def pairs() -> list[tuple[Any, Any]]:
        # parsed afresh (the texts one space longer) so that nothing one figure computed helps
        fresh = parse_all([text + " " for text in flat])
        return [
            (history[k], history[k + 1])
            for n in range(subjects)
            for history in [fresh[n * versions :][:versions]]
            for k in range(versions - 1)
        ]

    backward = pairs()
    figures["check backward"] = timed(
        lambda: [FORMAT.check(new, old, OPTIONS) for old, new in backward]
    ) / len(backward)
    forward = pairs()
    figures["check forward"] = timed(
        lambda: [FORMAT.check(old, new, OPTIONS) for old, new in forward]
    ) / len(forward)
    changes = pairs()
    figures["diff"] = timed(lambda: [FORMAT.diff(old, new, OPTIONS) for old, new in changes]) / len(
        changes
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--properties", type=int, default=110)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # warm up: imports and the per-draft metaschema validator are paid once per process
    one_run(999, 1, 2, args.properties)
    best: dict[str, float] = {}
    for run in range(args.runs):
        for name, seconds in one_run(
            1000 + run, args.subjects, args.versions, args.properties
        ).items():
            best[name] = min(best.get(name, float("inf")), seconds)
    ms = 1000.0
    floor = best.pop("floor") * ms
    # about 1 ms and 0.3 ms where json.loads of such a text takes about 0.08 ms
    targets = {"parse": 12.0, "check backward": 3.5}
    print(
        f"{args.subjects} histories of {args.versions} versions of a {args.properties}-property"
        " object; times per schema or pair, floor = json.loads of one text"
    )
    print_table(
        [
            Figure(name, seconds * ms, floor, "ms", target=targets.get(name))
            for name, seconds in best.items()
        ]
    )


if __name__ == "__main__":
    main()
