"""The README's account of the bundled example is what `fixtures/example/run.py` prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RUN = ROOT / "fixtures" / "example" / "run.py"
# the base commit's id is stable (run.py pins dates and author), but need not stay so
_SHA = re.compile(r"\b(HEAD~1 )\([0-9a-f]{7,40}\)")
_RULE = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")


def _run_example(*options: str) -> str:
    # this checkout's gate, whatever else is installed
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, str(RUN), *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _normalised(text: str) -> str:
    return _SHA.sub(r"\1(SHA)", text).strip("\n")


def _quick_start() -> str:
    text = README.read_text(encoding="utf-8")
    return text[
        text.index("## Quick start") : text.index("\n## ", text.index("## Quick start") + 1)
    ]


def _sample_output() -> str:
    section = _quick_start()
    found = re.search(
        r"<!-- example-output:start -->\n```text\n(.*?)```\n<!-- example-output:end -->",
        section,
        re.DOTALL,
    )
    assert found, "the Quick start keeps the example's output between example-output markers"
    return found.group(1)


def _bullets() -> list[str]:
    """The README's bullet list about the example (the first after the sentence that introduces
    it), one string per bullet."""
    section = _quick_start()
    bullets: list[str] = []
    for line in section[section.index("The example builds") :].splitlines():
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
        elif bullets and not line.strip():
            break
    return bullets


@pytest.fixture(scope="module")
def output() -> str:
    return _run_example()


def test_the_readme_shows_exactly_what_the_example_prints(output: str) -> None:
    assert _normalised(_sample_output()) == _normalised(output)


def test_the_readme_bullets_give_the_verdicts_and_rules_the_example_reports(
    output: str,
) -> None:
    lines = output.splitlines()
    verbose = _run_example("-v")
    bullets = _bullets()
    for subject in ("customers-value", "orders-value", "payments-value"):
        assert any(bullet.startswith(f"`{subject}`") for bullet in bullets), subject
    for bullet in bullets:
        for rule in _RULE.findall(bullet):
            assert rule in (output if "-v" not in bullet else verbose), (rule, bullet)
        subject = re.match(r"`([\w.-]+)`", bullet)
        if subject is None:
            continue
        name = subject.group(1)
        if "**FAIL**" in bullet:
            assert f"FAIL {name}" in lines, bullet
        if "is unchanged" in bullet:
            assert name not in output, bullet
            assert "1 subject unchanged" in lines, bullet
            assert f"PASS {name}" in verbose.splitlines()
