"""Helpers of the integration tests: a clean CI-like environment and small example repositories.

The repositories are built the way fixtures/example/run.py builds its example: files written,
`git add -A`, commit, with a pinned identity and no global git configuration.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING

from tests.support.gitrepo import CLEARED, PINNED, RepoBuilder
from tests.support.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

ROOT = REPO_ROOT

GATE_YAML = """\
version: 1
defaults:
  compatibility: BACKWARD
subjects:
  - files: "schemas/*.avsc"
    subject: "{stem}-value"
"""

# what would steer a child process beside CLEARED: the interpreter's path and environment
STEERING = (*CLEARED, "PYTHONPATH", "VIRTUAL_ENV")


def record(name: str, *fields: str) -> str:
    """An Avro record schema, one field per line, so that line numbers are easy to find."""
    body = ",\n".join(f"    {field}" for field in fields)
    return (
        "{\n"
        '  "type": "record",\n'
        f'  "name": "{name}",\n'
        '  "namespace": "com.example.shop",\n'
        '  "fields": [\n'
        f"{body}\n"
        "  ]\n"
        "}\n"
    )


PAYMENT_FIELDS = ('{"name": "id", "type": "string"}', '{"name": "amount_cents", "type": "long"}')
CURRENCY = '{"name": "currency", "type": "string"}'
CURRENCY_WITH_DEFAULT = '{"name": "currency", "type": "string", "default": "EUR"}'

BASE_FILES = {
    "gate.yaml": GATE_YAML,
    "schemas/payments.avsc": record("Payment", *PAYMENT_FIELDS),
    "schemas/customers.avsc": record("Customer", '{"name": "id", "type": "string"}'),
}
# a field without a default: new readers cannot read payments written before the change
BREAKING = {"schemas/payments.avsc": record("Payment", *PAYMENT_FIELDS, CURRENCY)}
# the same field with a default: compatible both ways
COMPATIBLE = {"schemas/payments.avsc": record("Payment", *PAYMENT_FIELDS, CURRENCY_WITH_DEFAULT)}
BREAKING_RULE = "AVRO_READER_FIELD_MISSING_DEFAULT"


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the text")


def write_launcher(path: Path, interpreter: str) -> None:
    """An executable at `path` that runs `interpreter` with its arguments.

    A script, not a symlink: a virtual environment's python is recognised by the `pyvenv.cfg`
    beside (or one folder above) the path it is started from, so a link to it from another
    folder would start the base interpreter without the environment's packages.
    """
    if path.exists():
        return
    path.write_text(f'#!/bin/sh\nexec {shlex.quote(interpreter)} "$@"\n', encoding="utf-8")
    path.chmod(0o755)


def clean_environ(tmp_path: Path, *, python_path: bool) -> dict[str, str]:
    """This process's environment without CI/hook steering, with the pinned git identity.

    A `python` that runs this interpreter (inside its virtual environment, if any) comes first
    on PATH (what actions/setup-python provides). With `python_path`, PYTHONPATH is this
    checkout, so `python -m gate` and the `gate` entry point run the code under test whatever is
    installed.
    """
    env = {key: value for key, value in os.environ.items() if key not in STEERING}
    env.update(PINNED)
    env["NO_COLOR"] = "1"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("python", "python3"):
        write_launcher(bin_dir / name, sys.executable)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    if python_path:
        env["PYTHONPATH"] = str(ROOT)
    return env


def build_repository(root: Path, head: dict[str, str] | None) -> tuple[RepoBuilder, str]:
    """A repository with BASE_FILES committed on main, then `head` committed over it.

    Returns the builder and the base commit's sha.
    """
    repo = RepoBuilder(root)
    base = repo.commit("base: two subjects", BASE_FILES)
    if head is not None:
        repo.commit("head: change payments", head)
    return repo, base


def pull_request_event(base_sha: str, head_sha: str) -> dict[str, object]:
    """The part of a `pull_request` event payload that gate and the action read."""
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": base_sha},
            "head": {"ref": "feature", "sha": head_sha},
        },
    }
