#!/usr/bin/env python3
"""Compare gate's output byte for byte between a git revision and the working tree.

Usage: python3 scripts/compare_outputs.py [REV] [--lines N] [--jobs J]

REV (default `main`) is checked out into a temporary `git worktree`; both it and this working
tree run the same commands through the real CLI (`python3 -m gate`, each with its own
PYTHONPATH), on the same inputs (the fixtures of this working tree):

- the bundled example (fixtures/example, built as `run.py` builds it): `gate check --base
  HEAD~1` in every report format, `-v` text, and `gate drift` / `gate simulate` in every format;
- every rule fixture (fixtures/rules/*/*): `gate compat` as the rule-fixture test runs it (json,
  no simulation), `gate compat` text with simulation, and `gate diff` text and json;
- `gate rules` in each of its formats.

The example runs one `python3 -m gate` process per command; the rule fixtures and `gate rules`
(which read no git and no environment) run through `gate.cli.main` in one process per tree, with
standard output and standard error captured, to keep the whole comparison to a few minutes.

Standard output, standard error and the exit code are compared. The only normalisation: the
temporary directory each run's example repository lives in is replaced by `<TMP>`, and the
per-check and total durations (`seconds`, JUnit `time`, SARIF invocation times) are replaced by
`<T>`; these differ between any two runs of the same code. Prints a unified diff (first N lines
per output) of every difference and exits 1; exits 0 with a one-line count when all are equal.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT_FORMATS = ("text", "json", "junit", "sarif", "markdown", "github", "codequality")
PINNED = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "NO_COLOR": "1",
    "TZ": "UTC",
    "LC_ALL": "C.UTF-8",
}
CLEARED_PREFIXES = ("GIT_", "GITHUB_", "GITLAB_", "CI_", "PRE_COMMIT", "GATE_", "FORCE_COLOR")
CLEARED = ("CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL", "CIRCLECI", "TRAVIS")
# run-specific values: durations (JSON `seconds`, JUnit `time`, SARIF invocation times)
_TIMINGS = [
    (re.compile(r'("seconds": )[0-9.eE+-]+'), r"\1<T>"),
    (re.compile(r'( time=")[0-9.eE+-]+(")'), r"\1<T>\2"),
    (re.compile(r'("(?:startTimeUtc|endTimeUtc)": ")[^"]*(")'), r"\1<T>\2"),
    (re.compile(r"\bin [0-9]+(?:\.[0-9]+)?s\b"), "in <T>s"),
]


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    cwd: str  # "example" (the example repository) or "root" (this working tree)


@dataclass(frozen=True)
class Output:
    code: int
    stdout: str
    stderr: str


def cases() -> list[Case]:
    found: list[Case] = []
    for fmt in REPORT_FORMATS:
        found.append(Case(f"example check {fmt}", ("check", "--base", "HEAD~1", "--report", fmt),
                          "example"))
        found.append(Case(f"example drift {fmt}", ("drift", "--report", fmt), "example"))
        found.append(Case(f"example simulate {fmt}", ("simulate", "--report", fmt), "example"))
    found.append(Case("example check -v text", ("check", "-v", "--base", "HEAD~1"), "example"))
    found.append(Case("example check -q text", ("check", "-q", "--base", "HEAD~1"), "example"))
    formats = ("text", "json", "markdown")
    found += [Case(f"rules {f}", ("rules", "--format", f), "root") for f in formats]
    rules = ROOT / "fixtures" / "rules"
    for folder in sorted(p for p in rules.glob("*/*") if (p / "expected.json").is_file()):
        import json

        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        (old,) = folder.glob("old.*")
        (new,) = folder.glob("new.*")
        pair = (str(old.relative_to(ROOT)), str(new.relative_to(ROOT)))
        level = ("--mode", expected["mode"], "--policy", expected.get("policy", "STRICT"))
        label = f"{folder.parent.name}/{folder.name}"
        found.append(Case(f"compat json {label}",
                          ("compat", *level, "--format", "json", "--no-simulate", *pair), "root"))
        found.append(Case(f"compat text {label}", ("compat", *level, *pair), "root"))
        found.append(Case(f"diff text {label}", ("diff", *level, *pair), "root"))
        found.append(Case(f"diff json {label}", ("diff", *level, "--format", "json", *pair),
                          "root"))
    return found


def environment(code_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(CLEARED_PREFIXES) and k not in CLEARED}
    env.update(PINNED)
    env["PYTHONPATH"] = str(code_root)
    return env


def build_example(directory: Path) -> Path:
    spec = importlib.util.spec_from_file_location("example_run", ROOT / "fixtures/example/run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    repo: Path = module.build_repository(directory)
    return repo


def normalise(text: str, temporary: Path | None = None) -> str:
    for path in {str(temporary), str(temporary.resolve())} if temporary else ():
        text = text.replace(path, "<TMP>")
    for pattern, replacement in _TIMINGS:
        text = pattern.sub(replacement, text)
    return text


_DRIVER = """
import contextlib, io, json, sys
from gate.cli import main
results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    results.append([code, out.getvalue(), err.getvalue()])
json.dump(results, sys.stdout)
"""


def run_in_process(todo: list[Case], code_root: Path) -> list[Output]:
    """Every case in one interpreter: `gate.cli.main(args)` with the output captured."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", _DRIVER], cwd=ROOT, env=environment(code_root), check=True,
        input=json.dumps([list(c.args) for c in todo]), capture_output=True, text=True,
    )
    results = json.loads(done.stdout)
    return [Output(code, normalise(out), normalise(err)) for code, out, err in results]


def run(case: Case, code_root: Path) -> Output:
    with tempfile.TemporaryDirectory(prefix="gate-compare-") as name:
        temporary = Path(name)
        cwd = build_example(temporary) if case.cwd == "example" else ROOT
        done = subprocess.run(
            [sys.executable, "-m", "gate", *case.args], cwd=cwd, env=environment(code_root),
            capture_output=True, text=True, check=False,
        )
        return Output(done.returncode, normalise(done.stdout, temporary),
                      normalise(done.stderr, temporary))


def differences(case: Case, old: Output, new: Output, lines: int) -> list[str]:
    out: list[str] = []
    if old.code != new.code:
        out.append(f"--- {case.name}: exit code {old.code} -> {new.code}")
    for stream, a, b in (("stdout", old.stdout, new.stdout), ("stderr", old.stderr, new.stderr)):
        if a != b:
            diff = list(difflib.unified_diff(
                a.splitlines(keepends=True), b.splitlines(keepends=True),
                f"{case.name} ({stream}, revision)", f"{case.name} ({stream}, working tree)",
            ))
            out.append("".join(diff[:lines]).rstrip("\n"))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", nargs="?", default="main")
    parser.add_argument("--lines", type=int, default=40, help="diff lines shown per output")
    parser.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 2))
    options = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="gate-compare-rev-"))
    worktree = base / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree),
                    options.rev], check=True)
    try:
        every = cases()
        apart = [c for c in every if c.cwd == "example"]
        together = [c for c in every if c.cwd != "example"]
        todo = apart + together
        with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
            batches = [pool.submit(run_in_process, together, tree) for tree in (worktree, ROOT)]
            olds = list(pool.map(lambda c: run(c, worktree), apart))
            news = list(pool.map(lambda c: run(c, ROOT), apart))
            olds += batches[0].result()
            news += batches[1].result()
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                       check=False)
        shutil.rmtree(base, ignore_errors=True)
    report: list[str] = []
    for case, old, new in zip(todo, olds, news, strict=True):
        report += differences(case, old, new, options.lines)
    if report:
        print("\n".join(report))
        changed = sum(1 for _, o, n in zip(todo, olds, news, strict=True) if o != n)
        print(f"{changed} of {len(todo)} outputs differ from {options.rev}")
        return 1
    print(f"{len(todo)} outputs (stdout, stderr, exit code) identical to {options.rev}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
