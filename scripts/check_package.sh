#!/usr/bin/env bash
# Build the sdist and the wheel the way a release would, and check them as a package index would:
# `twine check --strict`, the licence in both, the typing marker in the wheel, and the whole test
# suite with its fixtures in the sdist. Needs the package index (for build's isolated builds).
#
#   scripts/check_package.sh            # prints what it checked, exits non-zero on a problem
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip build twine
"$work/venv/bin/python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
"$work/venv/bin/python" -m twine check --strict "$work"/dist/*
"$work/venv/bin/python" - "$work/dist" <<'PY'
import sys, tarfile, zipfile
from pathlib import Path

dist = Path(sys.argv[1])
wheel = next(dist.glob("*.whl"))
sdist = next(dist.glob("*.tar.gz"))
names = zipfile.ZipFile(wheel).namelist()
problems = []
if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
    problems.append(f"{wheel.name}: no LICENSE in .dist-info/licenses/")
for needed in ("gate/py.typed", "gate/schemas/config.schema.json"):
    if needed not in names:
        problems.append(f"{wheel.name}: no {needed}")
if any(n.startswith(("tests/", "fixtures/")) for n in names):
    problems.append(f"{wheel.name}: carries tests or fixtures")
members = [m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m]
for needed in ("LICENSE", "tests/conftest.py", "fixtures/example/run.py", "action.yml"):
    if needed not in members:
        problems.append(f"{sdist.name}: no {needed}")
if any("__pycache__" in m or m.startswith("tests/.cache") for m in members):
    problems.append(f"{sdist.name}: carries caches")
for problem in problems:
    print("problem:", problem)
if problems:
    sys.exit(1)
print(f"ok: {wheel.name} ({len(names)} files), {sdist.name} ({len(members)} files)")
PY
