"""A monorepo of N subjects (Avro and JSON Schema) with V versions in git history and in a snapshot.

Records have 20-200 fields, nested records, enums and fixed types; some fields refer to a named
type defined earlier in the schema, and some JSON Schema properties are `$ref`s to shared
definitions. The repository is repacked once built, as a clone or `git gc` would leave it.

Figures, each a ratio to a floor measured in the same run:
- whole repository: `gate check --offline` (simulation included, as it runs by default) with
  every subject changed since the base (the head commit adds version V, the snapshot holds
  versions 1..V-1, FULL_TRANSITIVE) against reading and json-parsing the same files;
- the same when nothing changed since the base and the head is registered (the steady state);
- reading every schema file at the base revision through gate's git source against the same
  number of objects read by one raw `git cat-file --batch` process;
- the pre-commit case: one staged file changed in the N-subject repository, an Avro one and a
  JSON Schema one (`gate check --staged --offline --base HEAD -q FILE`, exactly the hook's
  command, simulation included) against `gate --version`;
- peak memory (max RSS) of the whole-repository check, in MB against a 500 MB budget.

Usage: python benchmarks/bench_monorepo.py [--subjects 2000] [--versions 20] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    GIT_ENV,
    Figure,
    best_of,
    fast_import,
    gate_environment,
    git,
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
  - files: "schemas/**/*.avsc"
    subject: "{stem}-value"
  - files: "schemas/**/*.json"
    subject: "{stem}-value"
    type: JSON
"""


def build(root: Path, count: int, versions: int) -> tuple[Path, list[str], dict[str, list[str]]]:
    """A repository with `versions` commits (version k of every subject in commit k)."""
    repo = make_repository(root / "repo")
    commits: list[dict[str, str]] = [{"gate.yaml": CONFIG} for _ in range(versions)]
    texts_of: dict[str, list[str]] = {}
    generated = subjects(count, versions, json_share=0.3, references=True)
    for index, (name, ext, texts) in enumerate(generated):
        path = f"schemas/team{index % 40:02d}/{name}{ext}"
        texts_of[path] = texts
        for commit, text in zip(commits, texts, strict=True):
            commit[path] = text
    fast_import(repo, commits)
    # as a clone (or `git gc`) leaves a repository: fast-import stores each version as a delta
    # of the one before, so reading the newest would mean applying every delta of its history
    git(repo, "repack", "-a", "-d", "-f", "-q")
    git(repo, "checkout", "-q", "-f", "main")
    return repo, sorted(texts_of), texts_of


def snapshot(repo: Path, texts_of: dict[str, list[str]], upto: int) -> None:
    histories = {
        f"{Path(path).stem}-value": ("AVRO" if path.endswith(".avsc") else "JSON", texts[:upto])
        for path, texts in texts_of.items()
    }
    write_snapshot(repo / "snapshot", histories, "FULL_TRANSITIVE")


def gate_check(repo: Path, *args: str) -> float:
    started = time.perf_counter()
    done = run_gate(["check", "--offline", "-q", *args], repo)
    if done.returncode not in (0, 1):
        raise SystemExit(f"gate check failed to run:\n{done.stderr}")
    return time.perf_counter() - started


def edited(text: str, ext: str) -> str:
    """`text` with the commonest compatible change: a new optional field (Avro) or a new
    property (JSON Schema)."""
    schema = json.loads(text)
    if ext == ".json":
        schema["properties"]["staged"] = {}  # the top object is open: only {} is compatible
    else:
        schema["fields"].append({"name": "staged", "type": ["null", "string"], "default": None})
    return json.dumps(schema, indent=2)


def hook(repo: Path, changed: str) -> float:
    """The pre-commit hook's own command (.pre-commit-hooks.yaml) on one staged file."""
    started = time.perf_counter()
    done = run_gate(["check", "--staged", "--offline", "--base", "HEAD", "-q", changed], repo)
    if done.returncode != 0:
        raise SystemExit(f"the hook's check did not pass:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


def peak_memory_mb(repo: Path, *args: str) -> float:
    """Max RSS of `gate check` and its workers, measured by a fresh parent process (so no
    earlier child of this script, such as git fast-import, is counted)."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            sys.executable,
            "-m",
            "gate",
            "check",
            "--offline",
            "-q",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env=gate_environment(),
    )
    return int(done.stdout.strip()) / 1024


def cat_file_floor(repo: Path, rev: str, paths: list[str]) -> None:
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        env=GIT_ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    out, _ = process.communicate("".join(f"{rev}:{p}\n" for p in paths).encode())
    assert out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as temporary:
        print(f"building {args.subjects} subjects x {args.versions} versions...", flush=True)
        repo, paths, texts_of = build(Path(temporary), args.subjects, args.versions)
        snapshot(repo, texts_of, args.versions - 1)
        snapshot_files = sorted((repo / "snapshot" / "subjects").rglob("v*.json"))
        files = [repo / p for p in paths] + snapshot_files

        floor = best_of(args.runs, lambda: read_and_parse(files))
        measured = best_of(args.runs, lambda: gate_check(repo, "--base", "HEAD~1"))
        peak_mb = peak_memory_mb(repo, "--base", "HEAD~1")
        figures.append(
            Figure(
                f"whole repo, {args.subjects} changed, FULL_TRANSITIVE vs read+parse",
                measured,
                floor,
                target=5,
            )
        )

        snapshot(repo, texts_of, args.versions)  # now the head is registered too
        files = [repo / p for p in paths] + sorted(
            (repo / "snapshot" / "subjects").rglob("v*.json")
        )
        floor = best_of(args.runs, lambda: read_and_parse(files))
        measured = best_of(args.runs, lambda: gate_check(repo, "--base", "HEAD"))
        figures.append(
            Figure(
                "whole repo, steady state (nothing changed) vs read+parse",
                measured,
                floor,
                target=5,
            )
        )

        from gate.sources.git import GitRepository

        with GitRepository.open(repo) as opened:
            measured = best_of(args.runs, lambda: opened.read_blobs("HEAD~1", paths))
        floor = best_of(args.runs, lambda: cat_file_floor(repo, "HEAD~1", paths))
        figures.append(
            Figure(
                f"read {len(paths)} files at the base vs git cat-file --batch",
                measured,
                floor,
                target=3,
            )
        )

        # a run of the hook takes a fraction of a second: the best of several is steadier
        quick_runs = max(args.runs, 7)
        floor = best_of(
            quick_runs,
            lambda: subprocess.run(
                [sys.executable, "-m", "gate", "--version"],
                capture_output=True,
                check=True,
                env=gate_environment(),
            ),
        )
        for ext, label in ((".avsc", "Avro"), (".json", "JSON Schema")):
            changed = next(p for p in paths[len(paths) // 2 :] if p.endswith(ext))
            (repo / changed).write_text(edited(texts_of[changed][-1], ext))
            git(repo, "add", changed)
            measured = best_of(quick_runs, lambda changed=changed: hook(repo, changed))
            figures.append(
                Figure(
                    f"pre-commit: one staged {label} file vs gate --version",
                    measured,
                    floor,
                    target=3,
                )
            )
        figures.append(
            Figure(
                "peak memory of the whole-repo check (MB) vs 500 MB budget",
                peak_mb,
                500.0,
                unit="M",
                target=1,
            )
        )
    print_table(figures)


if __name__ == "__main__":
    main()
