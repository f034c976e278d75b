"""The registry half: a full pull and a full `gate check` against a registry on 127.0.0.1.

- pull: `HttpRegistry.load()` of every subject (N subjects x V versions) against the same number
  of bare HTTP GETs over one keep-alive connection pool, in the same run;
- check: `gate check --registry URL` (the real command) on a repository whose N subjects each have
  a new candidate version, FULL_TRANSITIVE, with the number of HTTP requests it made, for several
  N to show that requests grow linearly with subjects.

Usage: python benchmarks/bench_registry.py [--subjects 1000] [--versions 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import ROOT, Figure, best_of, fast_import, git, make_repository, print_table, run_gate

from tests.support.registry_server import RegistryServer


def record(i: int, version: int) -> str:
    fields = [{"name": "id", "type": "long"}]
    fields += [{"name": f"f{k}", "type": "string", "default": ""} for k in range(1, version)]
    return json.dumps(
        {"type": "record", "name": f"Record{i}", "namespace": "bench", "fields": fields}
    )


def name(i: int) -> str:
    return f"subject-{i:04d}-value"


def pull_figure(server: RegistryServer, runs: int) -> tuple[Figure, int]:
    from gate.sources.registry import HttpRegistry, RegistrySettings

    requests = 0

    def pull() -> None:
        nonlocal requests
        with HttpRegistry(RegistrySettings(url=server.url)) as registry:
            registry.load(None)
            requests = registry.requests

    measured = best_of(runs, pull)

    import httpx

    def bare() -> None:
        with httpx.Client(base_url=server.url) as client, ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda _: client.get("/subjects/subject-0000-value/versions/1"), range(requests)
                )
            )

    floor = best_of(runs, bare)
    return Figure(f"registry pull ({requests} requests) vs bare GETs", measured, floor), requests


def check_run(server: RegistryServer, count: int, versions: int, root: Path) -> tuple[float, int]:
    repo = make_repository(root / f"repo-{count}")
    config = (
        "version: 1\ndefaults:\n  compatibility: FULL_TRANSITIVE\nsubjects:\n"
        "  - files: 'schemas/*.avsc'\n    subject: '{stem}'\n"
    )
    fast_import(
        repo,
        [
            {"gate.yaml": config}
            | {f"schemas/{name(i)}.avsc": record(i, versions) for i in range(count)}
        ],
    )
    git(repo, "checkout", "-q", "-f", "main")
    for i in range(count):
        (repo / "schemas" / f"{name(i)}.avsc").write_text(record(i, versions + 1))
    server.reset_log()
    started = time.perf_counter()
    done = run_gate(
        [
            "check",
            "--base",
            "HEAD",
            "--registry",
            server.url,
            "--no-simulate",
            "-q",
            "--report",
            f"json={root}/report-{count}.json",
        ],
        repo,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"gate check failed to run:\n{done.stderr}")
    return seconds, server.request_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assert ROOT.is_dir()
    with RegistryServer() as server:
        server.seed(args.subjects, args.versions, name=name, schema=record)
        figure, _ = pull_figure(server, args.runs)
    print_table([figure])
    print()
    print(f"{'subjects':>8}  {'requests':>8}  {'requests/subject':>16}  {'gate check':>10}")
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as temporary:
        for count in sorted({max(1, args.subjects // 4), args.subjects // 2, args.subjects}):
            with RegistryServer() as server:
                # a registry and a repository of `count` subjects each
                server.seed(count, args.versions, name=name, schema=record)
                server.set_compatibility("FULL_TRANSITIVE")
                seconds, requests = check_run(server, count, args.versions, Path(temporary))
            print(f"{count:>8}  {requests:>8}  {requests / count:>16.2f}  {seconds:>9.2f}s")


if __name__ == "__main__":
    main()
