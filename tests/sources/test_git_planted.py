"""No code from the repository under check runs: a `git` committed at its root stays inert even
when PATH has an empty entry (which means the current folder), and git's own hooks into the work
tree (fsmonitor) are off for gate's reads."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import PINNED, RepoBuilder
from tests.support.registry_server import RegistryServer

ROOT = Path(__file__).resolve().parents[2]
OLD = json.dumps({"type": "record", "name": "E", "fields": [{"name": "id", "type": "string"}]})
NEW = json.dumps(
    {
        "type": "record",
        "name": "E",
        "fields": [{"name": "id", "type": "string"}, {"name": "x", "type": "int"}],
    }
)


def _planted(repo: RepoBuilder, marker: Path) -> None:
    script = repo.write("git", f"#!/bin/sh\necho planted >> '{marker}'\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX PATH semantics")
@pytest.mark.parametrize("path_form", ["leading-empty", "double-colon", "trailing", "dot"])
def test_a_git_committed_in_the_repository_never_runs(tmp_path: Path, path_form: str) -> None:
    marker = tmp_path / "ran"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    _planted(repo, marker)
    repo.git("add", "git")
    repo.git("commit", "-q", "-m", "a script named git")
    repo.write("schemas/e.avsc", NEW)
    real = os.path.dirname(shutil.which("git") or "/usr/bin/git")
    rest = os.environ.get("PATH", "")
    path = {
        "leading-empty": f":{rest}",
        "double-colon": f"{real}::{rest}".replace(f"{real}::", "::", 1) + f":{real}",
        "trailing": f"{rest}:",
        "dot": f".:{rest}",
    }[path_form]
    env = {**os.environ, **PINNED, "PATH": path, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert not marker.exists(), "the repository's `git` ran"
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AVRO_READER_FIELD_MISSING_DEFAULT" in done.stdout


def test_without_git_on_path_the_error_says_so(tmp_path: Path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    _planted(repo, tmp_path / "ran")
    env = {**os.environ, **PINNED, "PATH": ":", "PYTHONPATH": str(ROOT)}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "git is not installed or not on PATH" in done.stderr
    assert not (tmp_path / "ran").exists()


def test_an_fsmonitor_hook_in_the_repository_configuration_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "fsmonitor-ran"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"schemas/e.avsc": OLD})
    hook = repo.write("fsmonitor.sh", f"#!/bin/sh\necho ran >> '{marker}'\nexit 1\n")
    hook.chmod(0o755)
    repo.git("config", "core.fsmonitor", str(hook))
    repo.write("schemas/e.avsc", NEW)
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "gate", "check", "--base", "HEAD"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert not marker.exists(), "core.fsmonitor ran"


# ------------------------------------------------- filters, textconv, external diffs, hooks

# long enough for git's rename detection to pair the moved file with its old path
WIDE = (
    json.dumps(
        {
            "type": "record",
            "name": "E",
            "fields": [
                {"name": "id", "type": "string"},
                *({"name": f"f{i}", "type": "string"} for i in range(30)),
            ],
        },
        indent=1,
    )
    + "\n"
)
WIDE_BREAKS = WIDE.replace('"fields": [\n', '"fields": [\n {"name": "x", "type": "int"},\n', 1)
GATE_YAML = 'version: 1\nsubjects:\n  - files: "schemas/**/*.avsc"\n    subject: "{stem}"\n'


def _gate(
    repo: RepoBuilder, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **PINNED, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gate", *args],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _script(repo: RepoBuilder, path: str, marker: Path, tail: str) -> Path:
    script = repo.write(path, f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\n{tail}\n")
    script.chmod(0o755)
    return script


def _off(name: str) -> list[str]:
    """git options for the test's own setup that keep the filter `name` from running (one
    whose name holds `=` runs: it only copies the file, and the marker is removed after)."""
    if "=" in name:
        return []
    return [
        "-c",
        f"filter.{name}.clean=",
        "-c",
        f"filter.{name}.process=",
        "-c",
        f"filter.{name}.required=false",
    ]


def _filtered_repo(tmp_path: Path, marker: Path, name: str) -> RepoBuilder:
    """A repository whose `.gitattributes` puts its schemas through the clean filter `name`,
    required, that its configuration names."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": GATE_YAML, "schemas/e.avsc": WIDE, "schemas/k.avsc": OLD})
    clean = _script(repo, "tools/clean.sh", marker, "cat")
    _script(repo, "tools/process.sh", marker, "exit 1")
    repo.write(".gitattributes", f"*.avsc filter={name}\n")
    repo.git("add", ".gitattributes", "tools")
    repo.git("commit", "-q", "-m", "filters")
    repo.git("config", f"filter.{name}.clean", str(clean))
    repo.git("config", f"filter.{name}.required", "true")
    # racily clean: the index records the file's stat data, but the file is not older than the
    # index, so git compares its content with the index's blob (through the filter)
    kept = repo.root / "schemas/k.avsc"
    later = kept.stat().st_mtime_ns + 3600 * 10**9
    os.utime(kept, ns=(later, later))
    repo.git(*_off(name), "update-index", "--refresh")
    return repo


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts are the filters")
@pytest.mark.parametrize("mode", ["worktree", "staged", "hook"])
@pytest.mark.parametrize("driver", ["clean", "process", "a=b"])
def test_a_clean_filter_of_the_repository_never_runs(
    tmp_path: Path, mode: str, driver: str
) -> None:
    marker = tmp_path / "filter-ran"
    name = "a=b" if driver == "a=b" else "evil"  # `-c` cannot name it: the first `=` ends a key
    repo = _filtered_repo(tmp_path, marker, name)
    # renamed and changed: git's rename detection hashes the moved file in the work tree
    repo.move("schemas/e.avsc", "schemas/v2/e.avsc")
    repo.write("schemas/v2/e.avsc", WIDE_BREAKS)
    if mode != "worktree":
        repo.git(*_off(name), "add", "schemas/v2/e.avsc")
    # and a file whose stat data alone changed
    (repo.root / "tools/clean.sh").touch()
    if driver == "process":  # a multi-file filter takes the place of the clean command
        repo.git("config", "filter.evil.process", str(repo.root / "tools/process.sh"))
    marker.unlink(missing_ok=True)
    args = {
        "worktree": ["check", "--base", "HEAD", "--report", "json"],
        "staged": ["check", "--base", "HEAD", "--staged", "--report", "json"],
        "hook": ["check", "--hook", "--offline", "-q", "--report", "json", "schemas/v2/e.avsc"],
    }[mode]
    done = _gate(repo, *args)
    assert not marker.exists(), "a filter of the repository ran:\n" + marker.read_text()
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert [f["rule"] for f in report["findings"]] == ["AVRO_READER_FIELD_MISSING_DEFAULT"]
    # the rename was still found: the moved file is compared with its old path's version
    assert any("git:HEAD:schemas/e.avsc" in c["name"] for c in report["checks"]), report


JSON_CONFIG = (
    'version: 1\nsubjects:\n  - files: "schemas/*.json"\n    subject: "{stem}"\n    type: JSON\n'
)


def _json(properties: dict[str, object]) -> str:
    return (
        json.dumps(
            {"type": "object", "properties": properties, "additionalProperties": False}, indent=2
        )
        + "\n"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script is the filter")
def test_a_clean_filter_never_runs_when_a_staged_run_searches_the_index(tmp_path: Path) -> None:
    """The pre-commit hook finds the subjects that `$ref` a staged file by searching the index
    through the work tree: `git diff-files` tells which files differ, and compares a racily
    clean file's content with the index's."""
    marker = tmp_path / "filter-ran"
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "gate.yaml": JSON_CONFIG,
            "schemas/order.json": _json({"customer": {"$ref": "../defs/customer.json"}}),
            "defs/customer.json": _json({"id": {"type": "string"}}),
            ".gitattributes": "*.json filter=evil\n",
        },
    )
    clean = _script(repo, "tools/clean.sh", marker, "cat")
    repo.git("config", "filter.evil.clean", str(clean))
    repo.git("config", "filter.evil.required", "true")
    order = repo.root / "schemas/order.json"
    later = order.stat().st_mtime_ns + 3600 * 10**9
    os.utime(order, ns=(later, later))
    repo.write("defs/customer.json", _json({"id": {"type": "integer"}}))
    repo.git("add", "defs/customer.json")  # through the filter: git's own doing
    marker.unlink(missing_ok=True)
    done = _gate(
        repo, "check", "--hook", "--offline", "-q", "--report", "json", "defs/customer.json"
    )
    assert not marker.exists(), "a filter of the repository ran:\n" + marker.read_text()
    assert done.returncode == 1, done.stdout + done.stderr
    assert [(f["subject"], f["rule"]) for f in json.loads(done.stdout)["findings"]] == [
        ("order", "JSON_TYPE_CHANGED")
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="shell scripts are the programs")
def test_hooks_textconv_and_external_diffs_of_the_repository_never_run(tmp_path: Path) -> None:
    """A repository that commits its hooks (`core.hooksPath` pointing into the work tree, as
    husky sets it up) and names diff programs for its schemas: none runs, whatever gate asks git,
    a fetch of the base included (which runs `reference-transaction`)."""
    marker = tmp_path / "program-ran"
    origin = RepoBuilder(tmp_path / "origin")
    origin.commit(
        "base",
        {"gate.yaml": GATE_YAML, "schemas/e.avsc": WIDE, ".gitattributes": "*.avsc diff=evil\n"},
    )
    for hook in (
        "reference-transaction",
        "post-checkout",
        "post-index-change",
        "pre-auto-gc",
        "post-merge",
        "post-rewrite",
    ):
        _script(origin, f".githooks/{hook}", marker, "exit 0")
    origin.git("add", "-A")
    origin.git("commit", "-q", "-m", "hooks")
    origin.git("branch", "release", "HEAD~1")
    origin.commit("head", {"schemas/e.avsc": WIDE.replace('"f0"', '"f00"')})
    clone = origin.clone(tmp_path / "clone", "--depth", "1", "--no-local")
    program = _script(clone, "tools/diff.sh", marker, "exit 0")
    clone.git("config", "core.hooksPath", ".githooks")
    clone.git("config", "diff.external", str(program))
    clone.git("config", "diff.evil.textconv", str(program))
    clone.git("config", "diff.evil.command", str(program))
    clone.move("schemas/e.avsc", "schemas/v2/e.avsc")
    clone.write("schemas/v2/e.avsc", WIDE_BREAKS)
    env = {"GIT_EXTERNAL_DIFF": str(program)}
    worktree = [
        ["check", "--base", "release", "--fetch-base", "--report", "json"],
        ["check", "--base", "HEAD", "--report", "json"],
        ["drift", "--registry", "REGISTRY", "--report", "json"],
    ]
    staged = [
        ["check", "--base", "HEAD", "--staged", "--report", "json"],
        ["check", "--base", "release", "--head", "HEAD", "--report", "json"],
    ]
    for runs in (worktree, staged):
        if runs is staged:
            clone.git("-c", "core.hooksPath=/dev/null", "add", "schemas")
        marker.unlink(missing_ok=True)
        for args in runs:
            with RegistryServer() as server:
                # matched with the history's texts, which `git log` finds
                server.register("e", json.dumps(json.loads(WIDE)))
                server.register("e", WIDE.replace('"f0"', '"f00"'))
                args = [server.url if arg == "REGISTRY" else arg for arg in args]
                done = _gate(clone, *args, env=env)
            assert not marker.exists(), f"{args}: a program of the repository ran:\n" + (
                marker.read_text()
            )
            assert done.returncode in (0, 1), done.stdout + done.stderr
    assert clone.git("rev-parse", "--verify", "refs/remotes/origin/release")
