"""`gate check --base HEAD~1 --head HEAD` over commit ranges, as CI runs it on every push.

The repository: `--subjects` Avro subjects of 40 fields (every fifth field a nested record), no
gate.yaml, no registry. Three commits: the base, a commit that changes every subject compatibly
(a new optional field), and a commit that changes one subject.

- all changed: `gate check --base HEAD~2 --head HEAD~1`; its floor is `git archive` of both
  revisions plus `json.loads` of every schema twice (target: within 3x).
- one changed: `gate check --base HEAD~1 --head HEAD`; its floor is `gate --version`, the cost
  of starting at all (target: within 2x).

Both are timed by the clock (the targets), each run in turn with its floor so that a drift of
the machine's speed weighs on both alike, and by the CPU time they take, child processes
included: on a shared, loaded machine the clock also counts the time spent waiting for a core,
the CPU time does not (it cannot show what the second core saves, though).

Usage: python benchmarks/bench_range.py [--subjects 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import Figure, best_of_each, fast_import, git, make_repository, print_table, run_gate

if TYPE_CHECKING:
    from collections.abc import Callable


def schema(index: int, extra: bool) -> str:
    fields: list[dict[str, object]] = []
    for k in range(40):
        if k % 5 == 4:
            fields.append(
                {
                    "name": f"n{k}",
                    "type": {
                        "type": "record",
                        "name": f"N{index}x{k}",
                        "fields": [{"name": "a", "type": "string"}, {"name": "b", "type": "long"}],
                    },
                }
            )
        else:
            fields.append({"name": f"f{k}", "type": ["null", "string"], "default": None})
    if extra:
        fields.append({"name": "added", "type": ["null", "int"], "default": None})
    return json.dumps(
        {"type": "record", "name": f"E{index}", "namespace": "bench", "fields": fields}, indent=2
    )


def archive_floor(repo: Path, revisions: list[str]) -> None:
    for revision in revisions:
        data = subprocess.run(
            ["git", "archive", revision], cwd=repo, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".avsc"):
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    json.loads(extracted.read())


def cpu_of(runs: int, action: Callable[[], Any]) -> float:
    """The least CPU time (user and system, of this process and its children) of `runs` runs."""

    def used() -> float:
        own = time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own + children.ru_utime + children.ru_stime

    best = float("inf")
    for _ in range(runs):
        before = used()
        action()
        best = min(best, used() - before)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gate-bench-range-") as work:
        repo = make_repository(Path(work) / "repo")
        n = args.subjects
        base = {f"schemas/s{i:04d}.avsc": schema(i, False) for i in range(n)}
        every = {f"schemas/s{i:04d}.avsc": schema(i, True) for i in range(n)}
        one = {"schemas/s0000.avsc": schema(0, True).replace('"added"', '"added2"')}
        fast_import(repo, [base, every, one])
        git(repo, "reset", "-q", "--hard")

        def check(base_rev: str, head_rev: str) -> None:
            done = run_gate(["check", "--base", base_rev, "--head", head_rev, "-q"], repo)
            if done.returncode != 0:
                raise SystemExit(f"gate check failed: {done.stdout}{done.stderr}")

        check("HEAD~2", "HEAD~1")  # warm caches
        # each measured run and its floor in turns, so that a drift of the machine's speed
        # during the measurement weighs on both alike
        timed = (
            lambda: check("HEAD~2", "HEAD~1"),
            lambda: archive_floor(repo, ["HEAD~2", "HEAD~1"]),
            lambda: check("HEAD~1", "HEAD"),
            lambda: run_gate(["--version"], repo),
        )
        all_changed, all_floor, one_changed, version = best_of_each(args.runs, timed)
        cpu = [cpu_of(args.runs, action) for action in timed]
    print(f"{n} Avro subjects of 40 fields; no gate.yaml, no registry")
    print_table(
        [
            Figure(
                "check, every subject changed / archive+parse", all_changed, all_floor, target=3.0
            ),
            Figure("check, one subject changed / gate --version", one_changed, version, target=2.0),
            Figure("CPU time: every subject changed / archive+parse", cpu[0], cpu[1]),
            Figure("CPU time: one subject changed / gate --version", cpu[2], cpu[3]),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
