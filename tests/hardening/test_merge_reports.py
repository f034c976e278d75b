"""`gate merge-reports` on reports that are not what `gate check` wrote: a clean error naming the
file and the place (exit 2 or 3), never a crash (exit 4)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.cli import cli
from tests.support.gitrepo import RepoBuilder

OLD = json.dumps({"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]})
NEW = json.dumps(
    {
        "type": "record",
        "name": "E",
        "fields": [{"name": "id", "type": "string"}, {"name": "x", "type": "int"}],
    }
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """A real JSON report with findings, and a real JUnit report, of one `gate check`."""
    folder = tmp_path_factory.mktemp("merge")
    with pytest.MonkeyPatch.context() as patch:
        from tests.support.gitrepo import PINNED

        for name, value in PINNED.items():
            patch.setenv(name, value)
        repo = RepoBuilder(folder / "repo")
        repo.commit("base", {"schemas/a.avsc": OLD, "schemas/b.avsc": OLD})
        repo.write("schemas/a.avsc", NEW)
        patch.chdir(repo.root)
        run = CliRunner().invoke(
            cli,
            [
                "check",
                "--base",
                "HEAD",
                "--report",
                f"json={folder / 'r.json'}",
                "--report",
                f"junit={folder / 'r.xml'}",
            ],
        )
    assert run.exit_code == 1, run.output
    document = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    assert document["findings"]
    return document, (folder / "r.xml").read_text(encoding="utf-8")


def _merge(tmp_path: Path, *texts: str, suffix: str = ".json") -> Any:
    paths = []
    for index, text in enumerate(texts):
        path = tmp_path / f"shard{index}{suffix}"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return CliRunner().invoke(cli, ["merge-reports", *paths])


def _set(document: Any, path: list[Any], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


VARIANTS = {
    "findings not a list": (["findings"], "x"),
    "a check not an object": (["checks", 0], 1),
    "a check id a number": (["checks", 0, "id"], 5),
    "an unknown severity": (["findings", 0, "severity"], "fatal"),
    "a witness a string": (["findings", 0, "witness"], "payload"),
    "a location a list": (["findings", 0, "location"], []),
    "seconds not a number": (["checks", 0, "seconds"], "abc"),
    "an unknown check kind": (["checks", 0, "kind"], "magic"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_report_with_wrong_types_is_a_clean_error(
    reports: tuple[dict[str, Any], str], tmp_path: Path, variant: str
) -> None:
    document, _ = reports
    path, value = VARIANTS[variant]
    broken = _set(document, path, value)
    run = _merge(tmp_path, json.dumps(document), json.dumps(broken))
    assert run.exit_code == 2, (variant, run.output)
    assert "shard1.json" in run.output
    assert "not a valid gate JSON report" in run.output
    assert "internal error" not in run.output


def test_valid_reports_still_merge(reports: tuple[dict[str, Any], str], tmp_path: Path) -> None:
    document, junit = reports
    run = _merge(tmp_path, json.dumps(document), json.dumps(document))
    assert run.exit_code == 1, run.output  # the merged run failed, as each shard did
    assert json.loads(run.stdout)["findings"]
    run = _merge(tmp_path, junit, junit, suffix=".xml")
    assert run.exit_code == 1, run.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<testsuite name="x" tests="many"/>', "not a number"),
        ("<html><body>502</body></html>", "not a JUnit report"),
        ("<testsuites", "cannot read the JUnit report"),
    ],
)
def test_a_broken_junit_report_is_a_clean_error(tmp_path: Path, text: str, expected: str) -> None:
    run = _merge(tmp_path, text, suffix=".xml")
    assert run.exit_code in (2, 3), run.output
    assert expected in run.output
    assert "shard0.xml" in run.output


json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_mutation_of_a_report_merges_or_is_refused_cleanly(
    reports: tuple[dict[str, Any], str], tmp_path: Path, data: st.DataObject
) -> None:
    document, _ = reports
    paths = _paths(document)
    path = data.draw(st.sampled_from(paths))
    broken = _set(document, list(path), data.draw(json_values))
    run = _merge(tmp_path, json.dumps(broken))
    assert run.exit_code in (0, 1, 2, 3), (path, run.output)
    assert "internal error" not in run.output, (path, run.output)


# -- standard output that cannot be written ---------------------------------------------------


def _gate_rules(stdout: Any) -> Any:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.Popen(
        [sys.executable, "-m", "gate", "rules"],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_on_standard_output_is_a_message_and_exit_3() -> None:
    with open("/dev/full", "w") as full:
        process = _gate_rules(full)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    assert err.startswith("error: cannot write the output (No space left on device)"), err
    assert "Traceback" not in err
    assert "internal error" not in err


def test_a_closed_pipe_is_a_message_and_exit_3() -> None:
    import subprocess

    process = _gate_rules(subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # the reader went away before gate wrote anything
    err = process.stderr.read() if process.stderr else ""
    process.wait(timeout=60)
    assert process.returncode == 3, err
    assert err.startswith("error: cannot write the output (it was closed)"), err
    assert "Exception ignored" not in err
    assert "Traceback" not in err
