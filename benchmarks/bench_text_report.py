"""What the text report's one line per changed subject costs: `gate check` against `gate check -q`.

Every one of N subjects changed compatibly (a field added), so the text report says in one line
what changed in each, from the format's diff of the pair; with -q nothing is shown, and no diff
is made. The floor is the same run with -q, in the same repository and the same process
environment. Usage: python benchmarks/bench_text_report.py [--subjects 1000] [--json-share 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_check import build
from common import Figure, best_of, print_table, run_gate


def measure(count: int, versions: int, json_share: float, runs: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as temporary:
        repo, _ = build(Path(temporary), count, versions, json_share)
        command = ["check", "--offline", "--base", "HEAD", "--no-simulate"]

        def check(*extra: str) -> None:
            done = run_gate([*command, *extra], repo)
            if done.returncode not in (0, 1):
                sys.exit(f"gate check failed to run:\n{done.stderr}")

        quiet = best_of(runs, lambda: check("-q"))
        described = best_of(runs, check)
    return [
        Figure(f"check {count} changed subjects, text report vs -q", described, quiet, target=1.2)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=4)
    parser.add_argument("--json-share", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(measure(args.subjects, args.versions, args.json_share, args.runs))


if __name__ == "__main__":
    main()
