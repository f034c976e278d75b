"""JSON-Pointer -> line lookup (`gate.jsonpos.line_of`) on deeply nested schemas, by depth.

    python benchmarks/bench_jsonpos.py [--depth 1200] [--runs 5]

A JSON Schema nested `depth` objects through `properties/a` (as the hardening case
`json-1200-objects`). Each figure is the time at `depth` as a ratio to the time at half that
depth, measured in the same run: linear work gives about 2, work that grows with the square of
the depth about 4 (which is what it was: a 1,200-deep schema took about 26 s in `gate compat`,
nearly all of it in `line_of`). Every timing starts from a text never seen (the caches are
cleared), so that nothing an earlier timing found helps. Lookups are timed in processor time
(`time.process_time`), the real command by the clock.

- deepest node: the line of the innermost `type`, the one lookup a finding at the bottom needs,
  in the schema written on one line and pretty-printed (`indent=1`; there the text grows with
  the square of the depth, so the time is divided by the text's growth beyond 2x);
- one lookup per level: the line of every level's node, as findings all the way down would ask;
  the pointers themselves grow with the depth, so this is about 4x for any lookup (no target);
- gate compat: the real command (`python -m gate compat --format json --no-simulate`) on a
  pair that changes the innermost type, end to end (no target: it includes the JSON Schema
  engine's parse, check and diff, which grow faster than the depth: see bench_limits.py). It
  runs the `gate` that `python -m gate` imports: set PYTHONPATH to this checkout to measure it
  rather than an installed copy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import Figure, best_of, print_table, run_gate

from gate.jsonpos import _document, line_of

if TYPE_CHECKING:
    from collections.abc import Callable


def nested(depth: int, leaf: str, indent: int | None) -> str:
    """What json.dumps(indent=indent) writes for `depth` objects nested through `properties/a`
    around `{"type": leaf}` (written line by line: json.dumps would recurse too deep)."""
    if indent is None:
        return (
            '{"type": "object", "properties": {"a": ' * depth
            + f'{{"type": "{leaf}"}}'
            + "}}" * depth
        )
    pad = " " * indent
    lines = []
    for level in range(depth):
        lines.append(f"{pad * 2 * level}{{" if level == 0 else f'{pad * 2 * level}"a": {{')
        lines.append(f'{pad * (2 * level + 1)}"type": "object",')
        lines.append(f'{pad * (2 * level + 1)}"properties": {{')
    lines.append(f'{pad * 2 * depth}"a": {{')
    lines.append(f'{pad * (2 * depth + 1)}"type": "{leaf}"')
    for level in range(depth, -1, -1):
        lines.append(f"{pad * 2 * level}}}")
        if level:
            lines.append(f"{pad * (2 * level - 1)}}}")
    return "\n".join(lines) + "\n"


def best_cpu(runs: int, action: Callable[[], Any]) -> float:
    """The least processor time of `runs` calls: lookups of a few ms are measured in this
    process's CPU time, which other load on a shared machine disturbs far less than the clock."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        action()
        best = min(best, time.process_time() - started)
    return best


def fresh(action: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        line_of.cache_clear()
        _document.cache_clear()
        return action()

    return run


def deepest(text: str, depth: int) -> Callable[[], Any]:
    pointer = "/properties/a" * depth + "/type"
    return fresh(lambda: line_of(text, pointer))


def every_level(text: str, depth: int) -> Callable[[], Any]:
    pointers = ["/properties/a" * level for level in range(depth + 1)]
    return fresh(lambda: [line_of(text, pointer) for pointer in pointers])


def compat(folder: Path, depth: int) -> Callable[[], Any]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old.json").write_text(nested(depth, "string", None), encoding="utf-8")
    (folder / "new.json").write_text(nested(depth, "integer", None), encoding="utf-8")

    def run() -> None:
        done = run_gate(
            [
                "compat",
                "--type",
                "json",
                "--format",
                "json",
                "--no-simulate",
                "old.json",
                "new.json",
            ],
            folder,
        )
        if done.returncode != 1:
            raise SystemExit(f"gate compat at depth {depth}: exit {done.returncode}\n{done.stderr}")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=1200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    depth, half = args.depth, args.depth // 2
    figures = []
    for label, indent in (("one line", None), ("pretty", 1)):
        texts = {d: nested(d, "string", indent) for d in (depth, half)}
        # pretty-printed, the text itself grows with the square of the depth (indentation):
        # its figure is divided by the growth of the text, to compare work with size
        grown = len(texts[depth]) / len(texts[half]) / 2
        figures.append(
            Figure(
                f"deepest node, {label}: depth {depth} / depth {half}",
                # a few ms each: many runs, for a best time the machine's other load spares
                best_cpu(args.runs * 6, deepest(texts[depth], depth)) * 1000 / grown,
                best_cpu(args.runs * 6, deepest(texts[half], half)) * 1000,
                "ms",
                target=2.6,
            )
        )
    texts = {d: nested(d, "string", None) for d in (depth, half)}
    figures.append(
        Figure(
            f"one lookup per level: depth {depth} / depth {half}",
            best_cpu(args.runs, every_level(texts[depth], depth)) * 1000,
            best_cpu(args.runs, every_level(texts[half], half)) * 1000,
            "ms",
        )
    )
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        figures.append(
            Figure(
                f"gate compat: depth {depth} / depth {half}",
                best_of(args.runs, compat(root / "deep", depth)),
                best_of(args.runs, compat(root / "half", half)),
                "s",
            )
        )
    print(f"a JSON Schema nested through properties/a; floor = the same at depth {half}")
    print_table(figures)


if __name__ == "__main__":
    main()
