"""What an unused intended dependency would cost a pre-commit run: GitPython's import.

gate reads git through `git` processes (cat-file --batch, ls-tree, diff) rather than GitPython.
This measures why: the time `import git` adds to a Python start-up, against what a whole
pre-commit run of gate adds (one staged schema in a repository of `--subjects` subjects). Both
are measured past the interpreter's start-up, which either pays anyway.

    python benchmarks/bench_dependencies.py [--subjects 200] [--runs 7]

Needs GitPython installed to measure it (`pip install GitPython`); without it, says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import (
    ROOT,
    Figure,
    best_of,
    fast_import,
    gate_environment,
    git,
    make_repository,
    print_table,
)


def _schema(index: int, extra: bool) -> str:
    fields = [{"name": "id", "type": "string"}, {"name": f"f{index}", "type": "int"}]
    if extra:
        fields.append({"name": "note", "type": ["null", "string"], "default": None})
    return json.dumps({"type": "record", "name": f"E{index}", "fields": fields}, indent=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if importlib.util.find_spec("git") is None:
        print("GitPython is not installed: `pip install GitPython` to measure its import")
        return 0
    python = [sys.executable, "-X", "frozen_modules=on"]
    env = {**gate_environment(), "PYTHONPATH": str(ROOT)}  # this checkout's gate

    def start(*code: str) -> None:
        subprocess.run([*python, "-c", *code], check=True, env=env)

    with tempfile.TemporaryDirectory(prefix="gate-bench-deps-") as work:
        repo = make_repository(Path(work) / "repo")
        fast_import(
            repo, [{f"schemas/s{i:04d}.avsc": _schema(i, False) for i in range(args.subjects)}]
        )
        git(repo, "reset", "-q", "--hard")
        (repo / "schemas" / "s0000.avsc").write_text(_schema(0, True), encoding="utf-8")
        git(repo, "add", "schemas/s0000.avsc")
        hook = [*python, "-m", "gate", "check", "--hook", "--offline", "-q", "schemas/s0000.avsc"]

        def run_hook() -> None:
            done = subprocess.run(hook, cwd=repo, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"the hook run failed: {done.stdout}{done.stderr}")

        start("import git")  # warm the bytecode caches of both
        run_hook()
        bare = best_of(args.runs, lambda: start("pass"))
        gitpython = best_of(args.runs, lambda: start("import git")) - bare
        run = best_of(args.runs, run_hook) - bare
    print(
        f"{args.subjects} subjects, one staged file; times past a bare start-up "
        f"({bare * 1000:.0f} ms)"
    )
    print_table([Figure("import git (GitPython) / gate's pre-commit run", gitpython, run)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
