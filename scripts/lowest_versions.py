"""Install the lowest versions pyproject.toml declares in a fresh virtual environment and run
the test suite there: the floors in `dependencies` are claims, and this is how they are checked.

    python3 scripts/lowest_versions.py            # exit status: pytest's
    python3 scripts/lowest_versions.py -- -x -k drift   # arguments after -- go to pytest

Each runtime dependency `name>=X` is installed as `name==X`; the test extra is installed as
declared (the newest it allows), and gate itself without dependencies, so that nothing can raise a
floor behind this script's back. Needs the package index.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+)\s*$")


def floors(requirements: list[str]) -> list[str]:
    """`name>=X` -> `name==X`; a requirement without a floor is a mistake this script reports."""
    pinned = []
    for requirement in requirements:
        match = _FLOOR.match(requirement)
        if match is None:
            raise SystemExit(f"pyproject.toml: {requirement!r} has no single `>=` floor to install")
        pinned.append(f"{match.group(1)}=={match.group(2)}")
    return pinned


def main(argv: list[str]) -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = floors(project["dependencies"])
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    with tempfile.TemporaryDirectory(prefix="gate-lowest-") as work:
        venv = Path(work) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        print("installing the floors:", " ".join(pinned), flush=True)
        subprocess.run([*pip, *pinned], check=True)
        subprocess.run([*pip, *project["optional-dependencies"]["test"]], check=True)
        # the test extra must not have raised a floor: reinstall the pins, then check them
        subprocess.run([*pip, *pinned], check=True)
        subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
        frozen = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True,
                                check=True).stdout.lower().replace("_", "-")
        missing = [p for p in pinned if p.lower().replace("_", "-") not in frozen]
        if missing:
            print("not installed at the floor:", ", ".join(missing))
            return 1
        done = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               *pytest_args], cwd=ROOT)
        print(f"floors {' '.join(pinned)}: pytest exited {done.returncode}")
        return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
