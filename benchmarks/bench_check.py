"""`gate check` of N Avro subjects x V versions, FULL_TRANSITIVE, against its floor.

The repository holds version V-1 of every subject at the base commit and version V in the work
tree; a registry snapshot holds versions 1..V-1. `gate check --offline` (the real command, in a
subprocess) judges every candidate against all V-1 registered versions in both directions and
against the base. The floor is reading and json-parsing the same files in the same run.

Usage: python benchmarks/bench_check.py [--subjects 1000] [--versions 10] [--json-share 0]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from common import (
    Figure,
    best_of,
    fast_import,
    make_repository,
    print_table,
    read_and_parse,
    run_gate,
    write_snapshot,
)
from generate import subjects

CONFIG = """version: 1
registry:
  snapshot: snapshot
defaults:
  compatibility: FULL_TRANSITIVE
subjects:
  - files: "schemas/*.avsc"
    subject: "{stem}-value"
  - files: "schemas/*.json"
    subject: "{stem}-value"
    type: JSON
"""


def build(
    root: Path,
    count: int,
    versions: int,
    json_share: float,
    min_fields: int = 20,
    max_fields: int = 200,
) -> tuple[Path, list[Path]]:
    """The repository and the files the floor reads."""
    repo = make_repository(root / "repo")
    histories: dict[str, tuple[str, list[str]]] = {}
    # one commit per registered version, as a reviewed workflow would have made them
    commits: list[dict[str, str]] = [{"gate.yaml": CONFIG} for _ in range(versions - 1)]
    head: dict[str, str] = {}
    for name, ext, texts in subjects(
        count, versions, json_share=json_share, min_fields=min_fields, max_fields=max_fields
    ):
        path = f"schemas/{name}{ext}"
        histories[f"{name}-value"] = ("AVRO" if ext == ".avsc" else "JSON", texts[:-1])
        for commit, text in zip(commits, texts[:-1], strict=True):
            commit[path] = text
        head[path] = texts[-1]
    fast_import(repo, commits)
    from common import git

    git(repo, "checkout", "-q", "-f", "main")
    for path, text in head.items():
        (repo / path).write_text(text, encoding="utf-8")
    write_snapshot(repo / "snapshot", histories, "FULL_TRANSITIVE")
    floor_files = [repo / p for p in head]
    # the base versions are the snapshot's latest too: read them once, as the files
    floor_files += sorted((repo / "snapshot" / "subjects").rglob("v*.json"))
    return repo, floor_files


def measure(count: int, versions: int, json_share: float, runs: int = 3) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as temporary:
        repo, files = build(Path(temporary), count, versions, json_share)
        floor = best_of(runs, lambda: read_and_parse(files))

        def check() -> None:
            done = run_gate(["check", "--offline", "--base", "HEAD", "--no-simulate", "-q"], repo)
            if done.returncode not in (0, 1):
                sys.exit(f"gate check failed to run:\n{done.stderr}")

        measured = best_of(runs, check)
        shutil.rmtree(repo, ignore_errors=True)
    return [
        Figure(
            f"check {count}x{versions} FULL_TRANSITIVE vs read+parse", measured, floor, target=10
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--json-share", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(measure(args.subjects, args.versions, args.json_share, args.runs))


if __name__ == "__main__":
    main()
