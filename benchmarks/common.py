"""Shared pieces of the benchmarks: build repositories and snapshots, time things, print ratios.

Every figure is a ratio to a floor measured in the same run on the same machine, never an
absolute time compared with a constant: the machines are shared and noisy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass(frozen=True)
class Figure:
    name: str
    measured: float
    floor: float
    unit: str = "s"
    target: float | None = None  # the ratio to stay below (or above, when `higher_is_better`)
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.measured / self.floor if self.floor else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
        return "ok" if ok else "MISSED"


def best_of(runs: int, action: Callable[[], Any]) -> float:
    """The fastest of `runs` timings: the least disturbed by other load on the machine."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def best_of_each(runs: int, actions: Sequence[Callable[[], Any]]) -> list[float]:
    """The fastest of `runs` timings of each action, taken in turns (one of each per round): a
    machine whose speed drifts during the measurement slows the measured run and its floor
    alike, instead of whichever happened to be timed in the slow phase."""
    best = [float("inf")] * len(actions)
    for _ in range(runs):
        for index, action in enumerate(actions):
            started = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, input=data, capture_output=True, check=True
    )
    return done.stdout.decode()


def fast_import(repo: Path, commits: Iterable[dict[str, str]], branch: str = "main") -> None:
    """Create one commit per mapping of path -> text, in one `git fast-import` stream."""
    stream = bytearray()
    for index, files in enumerate(commits):
        mark = index + 1
        message = f"version {index + 1}".encode()
        stream += f"commit refs/heads/{branch}\nmark :{mark}\n".encode()
        stream += f"committer Bench <bench@example.invalid> {1700000000 + index} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        if index:
            stream += f"from :{mark - 1}\n".encode()
        for path, text in files.items():
            body = text.encode()
            stream += f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n"
        stream += b"\n"
    git(repo, "fast-import", "--quiet", data=bytes(stream))


def make_repository(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def write_snapshot(
    directory: Path, histories: dict[str, tuple[str, list[str]]], level: str
) -> None:
    """A registry snapshot holding `histories` (subject -> (type, texts oldest first))."""
    from gate.model import Mode, OriginKind, SchemaType
    from gate.sources.registry import RegisteredSchema, RegistryState, SubjectState
    from gate.sources.snapshot import export_snapshot

    states = []
    next_id = 1
    for subject, (schema_type, texts) in sorted(histories.items()):
        versions = []
        for number, text in enumerate(texts, start=1):
            versions.append(
                RegisteredSchema(
                    subject,
                    number,
                    next_id,
                    SchemaType(schema_type),
                    text,
                    source=OriginKind.SNAPSHOT,
                )
            )
            next_id += 1
        states.append(SubjectState(subject, tuple(versions), Mode(level), Mode(level)))
    export_snapshot(RegistryState(states, Mode(level)), directory)


def read_and_parse(paths: Iterable[Path]) -> int:
    """The floor: read each file and json-parse it, nothing more."""
    count = 0
    for path in paths:
        json.loads(path.read_bytes())
        count += 1
    return count


def gate_environment() -> dict[str, str]:
    """As an installed gate runs: bytecode cached (a session may have turned that off)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}  # this checkout's gate
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_gate(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=gate_environment(),
    )


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'measured':>10}  {'floor':>10}  {'ratio':>7}  target")
    for f in figures:
        target = ""
        if f.target is not None:
            sign = ">=" if f.higher_is_better else "<="
            target = f"{sign} {f.target:g}  {f.verdict}"
        print(
            f"{f.name:<{width}}  {f.measured:>9.3f}{f.unit:<1}  {f.floor:>9.3f}{f.unit:<1}  "
            f"{f.ratio:>7.2f}  {target}"
        )
