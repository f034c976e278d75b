"""Run every benchmark and print their tables: `python benchmarks/run.py [--quick]`.

Each figure is a ratio to a floor measured in the same run (see each script's docstring).
`--quick` uses smaller sizes for a fast look; the closing figures use the defaults.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("bench_check.py", ["--subjects", "1000", "--versions", "10", "--runs", "1"]),
    ("bench_text_report.py", ["--subjects", "1000", "--json-share", "0.5", "--runs", "2"]),
    ("bench_monorepo.py", ["--subjects", "2000", "--versions", "20", "--runs", "1"]),
    ("bench_registry.py", ["--subjects", "1000", "--versions", "10", "--runs", "2"]),
    ("bench_simulate.py", []),
    ("bench_avro.py", []),
    ("bench_jsonschema.py", []),
    ("bench_references.py", ["--subjects", "500", "--runs", "3"]),
    ("bench_jsonpos.py", []),
    ("bench_limits.py", []),
    ("bench_dependencies.py", []),
    ("bench_range.py", ["--subjects", "1000", "--runs", "3"]),
    ("bench_verdict.py", []),
    ("bench_yaml.py", []),
    ("bench_protobuf.py", ["--subjects", "500", "--fields", "20,200", "--runs", "3"]),
]
QUICK = [
    ("bench_range.py", ["--subjects", "200", "--runs", "1"]),
    ("bench_check.py", ["--subjects", "100", "--versions", "10", "--runs", "1"]),
    ("bench_text_report.py", ["--subjects", "100", "--json-share", "0.5", "--runs", "1"]),
    ("bench_monorepo.py", ["--subjects", "200", "--versions", "20", "--runs", "1"]),
    ("bench_registry.py", ["--subjects", "200", "--versions", "10", "--runs", "1"]),
    ("bench_simulate.py", []),
    ("bench_references.py", ["--subjects", "100", "--runs", "1"]),
    ("bench_jsonpos.py", ["--runs", "2"]),
    ("bench_limits.py", ["--megabytes", "5", "--runs", "1"]),
    ("bench_verdict.py", ["--subjects", "4", "--properties", "300", "--runs", "1"]),
    ("bench_yaml.py", ["--subjects", "5", "--runs", "1"]),
    ("bench_protobuf.py", ["--subjects", "100", "--fields", "20", "--runs", "1"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    failed = 0
    for script, options in QUICK if args.quick else FULL:
        if not (HERE / script).is_file():
            continue
        print(f"\n== {script} {' '.join(options)}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *options], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
