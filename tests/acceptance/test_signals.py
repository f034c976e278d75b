"""`kill -TERM` on gate while its worker processes judge subjects: the workers end with it,
instead of running on and holding standard output open."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.gitrepo import PINNED, RepoBuilder

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = 400


def _schema(index: int, fields: int, changed: bool) -> str:
    names = [
        {"name": f"f{k}", "type": ["null", "string", "int", "double"], "default": None}
        for k in range(fields)
    ]
    if changed:
        names.append({"name": "must", "type": "string"})  # no default: incompatible
    return json.dumps({"type": "record", "name": f"E{index}", "fields": names}, indent=1)


def _children(pid: int) -> set[int]:
    """The Python processes `pid` forked (its workers), not the git processes it runs."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            parent = next(
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")),
                None,
            )
            try:
                program = (entry / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if parent == pid and os.fsencode(sys.executable) == program:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sigterm_ends_the_workers_too(tmp_path: Path) -> None:
    from gate.cpus import usable_cpus

    if usable_cpus() < 2:
        pytest.skip("one usable CPU: gate starts no worker processes")
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {f"schemas/s{i:03d}.avsc": _schema(i, 60, False) for i in range(SUBJECTS)})
    for i in range(SUBJECTS):
        repo.write(f"schemas/s{i:03d}.avsc", _schema(i, 60, True))
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD"],
        cwd=repo.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        # a child that git is about to replace looks like Python for an instant: the workers
        # are the Python children still there a moment later
        seen = _children(process.pid)
        time.sleep(0.1)
        workers = seen & _children(process.pid)
    if not workers:
        process.kill()
        pytest.fail("gate started no worker processes; the test needs a larger run")
    os.kill(process.pid, signal.SIGTERM)
    _out, err = process.communicate(timeout=60)  # returns once every holder of stdout is gone
    assert process.returncode == -signal.SIGTERM, err  # ended by the signal, as it asked
    assert "terminated" in err
    # a worker sent SIGTERM is gone within moments; ten seconds is only a guard
    deadline = time.monotonic() + 10
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived gate"


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--base", "HEAD"],
        ["check", "--base", "HEAD", "--verify-with-registry"],
        ["registry", "export", "snapshot"],
        ["drift"],
    ],
)
def test_ctrl_c_does_not_wait_for_registry_requests_in_flight(
    tmp_path: Path, command: list[str]
) -> None:
    from tests.support.registry_server import RegistryServer

    repo = RepoBuilder(tmp_path / "repo")
    # requests may take 60 s before gate gives up on them: Ctrl-C must not wait for that
    gate_yaml = "version: 1\nregistry:\n  timeout: 60\n  retries: 0\n"
    repo.commit(
        "base",
        {"gate.yaml": gate_yaml}
        | {f"schemas/s{i:02d}.avsc": _schema(i, 3, False) for i in range(12)},
    )
    for i in range(12):
        repo.write(f"schemas/s{i:02d}.avsc", _schema(i, 4, False))
    with RegistryServer() as server:
        for i in range(12):
            server.register(f"s{i:02d}", _schema(i, 3, False))
        server.slow(90)  # every answer takes 90 s
        env = {
            **os.environ,
            **PINNED,
            "PYTHONPATH": str(ROOT),
            "NO_COLOR": "1",
            "GATE_REGISTRY_URL": server.url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "gate", *command],
            cwd=repo.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while server.max_in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.max_in_flight >= 1, "no registry request started"
        time.sleep(1)  # the rest of the requests that can start together
        os.kill(process.pid, signal.SIGINT)
        # a generous guard, far below the 60 s the requests in flight would be waited for
        _, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "interrupted" in err
