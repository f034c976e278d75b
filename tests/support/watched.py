"""Runners for the hardening tests: the real `gate` command, watched while it runs.

The in-process runner records every file the run opens (through a Python audit hook) and refuses
every network connection that does not go to 127.0.0.1, so a test can say "nothing outside the
repository was read" and "no host was contacted". The subprocess runner does the same from inside
the child process (the same audit hook, installed before gate is imported) and kills a run that
hangs.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from tests.support.gitrepo import CLEARED, PINNED
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

BAD = REPO_ROOT / "fixtures" / "bad"
# seconds: only a safety net against hangs, generous enough for a slow or busy machine; it is
# no speed claim (the cases take about a second; their speed: benchmarks/bench_limits.py)
HANG_GUARD = 180.0


@dataclass(frozen=True)
class Run:
    """One finished run of `gate`: exit code, output, time, and what it touched."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    opened: tuple[str, ...] = ()  # absolute paths of the files it opened
    connections: tuple[str, ...] = ()  # addresses it tried to connect to
    listed: tuple[str, ...] = ()  # absolute paths of the directories it listed

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


def is_loopback(address: Any) -> bool:
    """Whether a socket address (a (host, port) tuple, or a path) stays on this machine."""
    if not isinstance(address, tuple) or not address:
        return True  # a Unix socket path
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Watch:
    """What the audit hook saw while a run was being watched."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.listed: list[str] = []
        self.connections: list[str] = []


_WATCHING: list[_Watch] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCHING:
        return
    watch = _WATCHING[-1]
    if event in ("open", "os.listdir", "os.scandir") and args:
        path = args[0]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str):
            seen = watch.opened if event == "open" else watch.listed
            seen.append(os.path.abspath(path))
    elif event == "socket.connect" and len(args) > 1:
        watch.connections.append(repr(args[1]))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it only records while a run is watched


GateRunner = Callable[..., Run]


def watched_runner(monkeypatch: pytest.MonkeyPatch, no_network: list[str]) -> GateRunner:
    """run(args, cwd=None, env=None): the real `gate` in-process, in `cwd`, with extra
    environment variables, watched; `no_network` holds the connections the test refused."""

    def run(args: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        watch = _Watch()
        started = time.monotonic()
        _WATCHING.append(watch)
        try:
            result = CliRunner().invoke(cli(), list(args), catch_exceptions=False)
        finally:
            _WATCHING.remove(watch)
        seconds = time.monotonic() - started
        refused = tuple(no_network)
        no_network.clear()
        return Run(
            result.exit_code,
            result.stdout,
            result.stderr,
            seconds,
            tuple(watch.opened),
            tuple(watch.connections) + refused,
            tuple(watch.listed),
        )

    return run


def cli() -> Any:
    from gate.cli import cli as command

    return command


# the child installs the same watch before importing gate, and writes what it saw on exit
_CHILD = """
import atexit, ipaddress, json, os, sys
seen = {"opened": [], "listed": [], "connections": [], "network_modules": []}
def audit(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args:
        path = args[0]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str):
            seen["opened" if event == "open" else "listed"].append(os.path.abspath(path))
    elif event == "socket.connect" and len(args) > 1:
        address = args[1]
        seen["connections"].append(repr(address))
        if isinstance(address, tuple):
            host = str(address[0])
            loopback = host == "localhost"
            if not loopback:
                try:
                    loopback = ipaddress.ip_address(host).is_loopback
                except ValueError:
                    pass
            if not loopback:
                raise RuntimeError("gate tried to connect to %r" % (address,))
def report():
    seen["network_modules"] = sorted(m for m in ("httpx", "httpcore", "urllib.request", "requests")
                                     if m in sys.modules)
    with open(os.environ["GATE_HARDENING_WATCH"], "w") as handle:
        json.dump(seen, handle)
atexit.register(report)
sys.addaudithook(audit)
sys.argv[0] = "gate"
from gate.cli import main
main(sys.argv[1:])
"""


@dataclass(frozen=True)
class ChildRun(Run):
    network_modules: tuple[str, ...] = field(default_factory=tuple)


SubprocessRunner = Callable[..., ChildRun]


def process_runner(tmp_path: Path) -> SubprocessRunner:
    """run(args, cwd, env=None, timeout=HANG_GUARD): `gate` in a child Python, killed after
    `timeout` seconds (a hang fails the test); its watch files go to `tmp_path`."""
    counter = iter(range(1_000_000))

    def run(
        args: Sequence[str],
        cwd: Path,
        env: dict[str, str] | None = None,
        timeout: float = HANG_GUARD,
    ) -> ChildRun:
        watch_file = tmp_path / f"watch-{next(counter)}.json"
        environ = {key: value for key, value in os.environ.items() if key not in CLEARED}
        environ.update(PINNED)
        environ.update(env or {})
        environ["GATE_HARDENING_WATCH"] = str(watch_file)
        environ["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, *args],
                cwd=cwd,
                env=environ,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"gate {' '.join(args)} did not finish within {timeout:.0f} s")
        seconds = time.monotonic() - started
        if not watch_file.exists():
            pytest.fail(f"gate {' '.join(args)} died without a word: {done.stderr[-2000:]}")
        seen = json.loads(watch_file.read_text())
        return ChildRun(
            done.returncode,
            done.stdout,
            done.stderr,
            seconds,
            tuple(seen.get("opened", ())),
            tuple(seen.get("connections", ())),
            tuple(seen.get("listed", ())),
            tuple(seen.get("network_modules", ())),
        )

    return run


def read_outside(
    run: Run, repository: Path, outside: Sequence[Path], listings: bool = True
) -> list[str]:
    """The paths the run read (files, and directories it listed unless `listings` is False)
    that lie outside `repository`: in `outside`, or /etc/passwd."""
    inside = os.path.realpath(repository)
    forbidden = [os.path.realpath(path) for path in outside]
    found = []
    for path in (*run.opened, *(run.listed if listings else ())):
        real = os.path.realpath(path)
        if real == inside or real.startswith(inside + os.sep):
            continue
        if real == "/etc/passwd" or any(
            real == root or real.startswith(root + os.sep) for root in forbidden
        ):
            found.append(path)
    return found


ORDERS = (
    '{\n  "type": "record",\n  "name": "Order",\n  "fields": [\n'
    '    {"name": "id", "type": "string"},\n    {"name": "amount", "type": "long"}\n  ]\n}\n'
)
