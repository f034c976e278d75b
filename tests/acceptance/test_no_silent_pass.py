"""No silent pass: inputs that used to make `gate check` skip a change, and now do not."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.runner import GateRunner

V1 = record([("id", "string"), ("amount", "int")])
V2_BREAKS = record([("id", "string"), ("amount", "int"), ("currency", "string")])
BREAK = "AVRO_READER_FIELD_MISSING_DEFAULT"


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("base", {"schemas/orders.avsc": V1})
    return builder


def _rules(run_json: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((f["subject"], f["rule"]) for f in run_json["findings"])  # type: ignore[index,union-attr]


# ----------------------------------------------------------- GIT_DIR / GIT_WORK_TREE in the env


@pytest.mark.parametrize("variable", ["GIT_WORK_TREE", "GIT_DIR"])
def test_git_variables_in_the_environment_do_not_hide_the_change(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path, variable: str
) -> None:
    # an untouched copy of the repository: pointing git at it would show "no change"
    shutil.copytree(repo.root, tmp_path / "copy", symlinks=True)
    repo.write("schemas/orders.avsc", V2_BREAKS)
    repo.git("add", "schemas/orders.avsc")
    value = str(tmp_path / "copy") if variable == "GIT_WORK_TREE" else str(tmp_path / "copy/.git")
    for staged in ([], ["--staged"]):
        run = gate(
            ["check", "--base", "HEAD", *staged, "--report", "json"],
            cwd=repo.root,
            env={variable: value},
        )
        assert run.exit_code == 1, run.stdout + run.stderr
        assert _rules(run.json()) == [("orders", BREAK)]


# ----------------------------------------------------- negative indexes in captured messages

STATUS = (
    json.dumps(
        {
            "type": "record",
            "name": "Order",
            "namespace": "com.shop",
            "fields": [
                {"name": "id", "type": "string"},
                {
                    "name": "status",
                    "type": {
                        "type": "enum",
                        "name": "Status",
                        "symbols": ["NEW", "PAID", "SHIPPED"],
                    },
                },
                {"name": "note", "type": ["null", "string"], "default": None},
            ],
        },
        indent=2,
    )
    + "\n"
)
STATUS_V2 = STATUS.replace(
    '"default": null\n    }',
    '"default": null\n    },\n    {\n'
    '      "name": "channel", "type": ["null", "string"], '
    '"default": null\n    }',
)
# id "o-1", then the enum index and the union index as zigzag varints
GOOD_BODY = b"\x06o-1" + b"\x02" + b"\x00"
NEGATIVE_ENUM = b"\x06o-1" + b"\x01" + b"\x00"  # status index -1: "SHIPPED" to fastavro
NEGATIVE_UNION = b"\x06o-1" + b"\x02" + b"\x03"  # note branch -2: "null" to fastavro


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


@pytest.mark.parametrize(
    ("body", "said"),
    [(NEGATIVE_ENUM, "enum index -1 at byte 4"), (NEGATIVE_UNION, "union index -2 at byte 5")],
)
def test_a_captured_message_with_a_negative_index_is_invalid(
    gate: GateRunner, tmp_path: Path, server: RegistryServer, body: bytes, said: str
) -> None:
    assert STATUS_V2 != STATUS
    assert json.loads(STATUS_V2)
    registered = server.register("orders-value", STATUS)
    config = (
        "version: 1\nsubjects:\n  - subject: orders-value\n    file: schemas/orders.avsc\n"
        "    samples: [captured/*.bin]\n"
    )
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("base", {"gate.yaml": config, "schemas/orders.avsc": STATUS})
    header = b"\x00" + struct.pack(">I", registered.id)
    repo.write("captured/good.bin", header + GOOD_BODY)
    repo.write("schemas/orders.avsc", STATUS_V2)
    args = ["check", "--base", "HEAD", "--report", "json", "--registry", server.url]
    run = gate(args, cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr  # the well-formed capture decodes
    repo.write("captured/bad.bin", header + body)
    run = gate(args, cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    (finding,) = [f for f in run.json()["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "SAMPLE_INVALID"
    assert finding["subject"] == "orders-value"
    assert "captured/bad.bin" in finding["message"]
    assert said in finding["message"]


# ------------------------------------------------------------------ one file, two subjects


def test_a_file_bound_by_two_file_entries_is_a_configuration_error(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    config = (
        "version: 1\n"
        "subjects:\n"
        "  - subject: orders-value\n"
        "    file: schemas/orders.avsc\n"
        "  - subject: orders-archive-value\n"
        "    compatibility: FULL\n"
        "    file: schemas/orders.avsc\n"
    )
    repo.commit("config", {"gate.yaml": config})
    repo.write("schemas/orders.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD"], cwd=repo.root)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "gate.yaml:7" in run.stderr
    assert "line 3" in run.stderr
    assert "orders-value" in run.stderr
    assert "orders-archive-value" in run.stderr
    assert "hint:" in run.stderr


def test_a_file_entry_still_takes_a_file_out_of_an_overlapping_glob(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    # the documented override: the glob names it `orders-value`, the entry `legacy-orders`
    config = (
        "version: 1\n"
        "subjects:\n"
        '  - files: "schemas/*.avsc"\n'
        '    subject: "{stem}-value"\n'
        "  - subject: legacy-orders\n"
        "    file: schemas/orders.avsc\n"
    )
    repo.commit("config", {"gate.yaml": config})
    repo.write("schemas/orders.avsc", V2_BREAKS)
    run = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert _rules(run.json()) == [("legacy-orders", BREAK)]


# ------------------------------------------------------------------ a newline in a file name

NEWLINE_NAME = "schemas/orders\nlegacy.avsc"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names hold no newline")
def test_a_schema_file_whose_name_holds_a_newline_is_checked(
    gate: GateRunner, repo: RepoBuilder
) -> None:
    base = repo.commit("odd name", {NEWLINE_NAME: V1})
    repo.write(NEWLINE_NAME, V2_BREAKS)
    expected = [("orders\nlegacy", BREAK)]
    worktree = gate(["check", "--base", "HEAD", "--report", "json"], cwd=repo.root)
    assert worktree.exit_code == 1, worktree.stdout + worktree.stderr
    assert _rules(worktree.json()) == expected
    repo.git("add", "-A")
    staged = gate(["check", "--base", "HEAD", "--staged", "--report", "json"], cwd=repo.root)
    assert staged.exit_code == 1
    assert _rules(staged.json()) == expected
    repo.commit("break")
    commits = gate(["check", "--base", base, "--head", "HEAD", "--report", "json"], cwd=repo.root)
    assert commits.exit_code == 1
    assert _rules(commits.json()) == expected
    (finding,) = commits.json()["findings"]
    assert finding["location"]["path"] == NEWLINE_NAME


# ------------------------------------------------------------- the index is never rewritten


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script is the hook")
@pytest.mark.parametrize("staged", [False, True])
def test_a_run_leaves_the_index_untouched_with_stat_dirty_files(
    gate: GateRunner, repo: RepoBuilder, tmp_path: Path, staged: bool
) -> None:
    long = "".join(f'{{"name": "f{i}", "type": "string"}},\n' for i in range(30))
    moved = record([("id", "string")]).replace('"fields": [\n', '"fields": [\n' + long)
    repo.commit("more", {"schemas/payments.avsc": V1, "schemas/moved.avsc": moved})
    marker = tmp_path / "hook-ran"
    hook = repo.root / ".git/hooks/post-index-change"
    hook.write_text(f"#!/bin/sh\necho ran >> '{marker}'\n", encoding="utf-8")
    hook.chmod(0o755)
    repo.move("schemas/moved.avsc", "schemas/renamed/moved.avsc")  # git's rename detection runs
    repo.write("schemas/orders.avsc", V2_BREAKS)
    if staged:
        repo.git("add", "schemas/orders.avsc")
    # same content, newer times: what a checkout, a build or an editor's save leaves behind
    payments = repo.root / "schemas/payments.avsc"
    os.utime(payments, ns=(payments.stat().st_atime_ns, payments.stat().st_mtime_ns + 5 * 10**9))
    index = repo.root / ".git/index"
    before = (index.read_bytes(), index.stat().st_mtime_ns)
    marker.unlink(missing_ok=True)
    args = ["check", "--base", "HEAD", *(["--staged"] * staged), "--report", "json"]
    run = gate(args, cwd=repo.root)
    assert run.exit_code == 1, run.stdout + run.stderr
    report = run.json()
    assert _rules(report) == [("orders", BREAK)]
    unchanged = {c["subject"] for c in report["checks"] if "unchanged" in " ".join(c["notes"])}
    assert "payments" in unchanged, report["checks"]
    # the rename was found: the moved file is compared with its old path's version
    assert any(
        c["subject"] == "moved" and "git:HEAD:schemas/moved.avsc" in c["name"]
        for c in report["checks"]
    ), report["checks"]
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before
    assert not (repo.root / ".git/index.lock").exists()
    assert not marker.exists(), "the post-index-change hook ran"


# ------------------------------------------------------------------- git-lfs pointer files


def _lfs_pointer(content: str) -> str:
    data = content.encode()
    return (
        "version https://git-lfs.github.com/spec/v1\n"
        f"oid sha256:{hashlib.sha256(data).hexdigest()}\nsize {len(data)}\n"
    )


def _lfs_store(repo: RepoBuilder, content: str) -> None:
    """Put `content` in the local LFS store, where `git lfs fetch` leaves it."""
    data = content.encode()
    oid = hashlib.sha256(data).hexdigest()
    folder = repo.root / ".git" / "lfs" / "objects" / oid[:2] / oid[2:4]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / oid).write_bytes(data)


@pytest.fixture
def lfs_repo(tmp_path: Path) -> RepoBuilder:
    """Schemas tracked by git-lfs, checked out where git-lfs is not installed: pointers."""
    builder = RepoBuilder(tmp_path / "lfs")
    builder.commit(
        "base",
        {
            ".gitattributes": "*.avsc filter=lfs diff=lfs merge=lfs -text\n",
            "schemas/orders.avsc": _lfs_pointer(V1),
        },
    )
    builder.write("schemas/orders.avsc", _lfs_pointer(V2_BREAKS))
    return builder


def test_lfs_pointers_are_resolved_from_the_local_lfs_store(
    gate: GateRunner, lfs_repo: RepoBuilder
) -> None:
    _lfs_store(lfs_repo, V1)
    _lfs_store(lfs_repo, V2_BREAKS)
    worktree = gate(["check", "--base", "HEAD", "--report", "json"], cwd=lfs_repo.root)
    assert worktree.exit_code == 1, worktree.stdout + worktree.stderr
    (finding,) = worktree.json()["findings"]
    assert (finding["rule"], finding["location"]) == (
        BREAK,
        {"path": "schemas/orders.avsc", "line": 7},
    )
    lfs_repo.git("add", "-A")
    staged = gate(["check", "--base", "HEAD", "--staged", "--report", "json"], cwd=lfs_repo.root)
    assert staged.exit_code == 1
    assert _rules(staged.json()) == [("orders", BREAK)]
    lfs_repo.commit("break")
    commits = gate(
        ["check", "--base", "HEAD~1", "--head", "HEAD", "--report", "json"], cwd=lfs_repo.root
    )
    assert commits.exit_code == 1
    assert _rules(commits.json()) == [("orders", BREAK)]


def test_lfs_pointers_without_their_objects_are_unreadable_not_compared(
    gate: GateRunner, lfs_repo: RepoBuilder
) -> None:
    _lfs_store(lfs_repo, V2_BREAKS)  # the head's object only: the base's was never fetched
    run = gate(["check", "--base", "HEAD"], cwd=lfs_repo.root)
    assert run.exit_code == 3, run.stdout + run.stderr
    assert "git-lfs pointer" in run.stderr
    assert "schemas/orders.avsc" in run.stderr
    assert "git lfs fetch" in run.stderr
    # a pointer whose object is corrupt in the store is no better
    _lfs_store(lfs_repo, V1)
    oid = hashlib.sha256(V1.encode()).hexdigest()
    (lfs_repo.root / ".git/lfs/objects" / oid[:2] / oid[2:4] / oid).write_text(V2_BREAKS)
    run = gate(["check", "--base", "HEAD"], cwd=lfs_repo.root)
    assert run.exit_code == 3
    assert "git-lfs pointer" in run.stderr


# an Order schema in three compatible generations, each in git as a git-lfs pointer
NOTED = record([("id", "string"), ("amount", "int"), ("note", ["null", "string"])], note=None)
TAGGED = record(
    [
        ("id", "string"),
        ("amount", "int"),
        ("note", ["null", "string"]),
        ("tag", ["null", "string"]),
    ],
    note=None,
    tag=None,
)


def _lfs_history(tmp_path: Path, server: RegistryServer) -> tuple[RepoBuilder, list[str]]:
    """A repository whose schema has been tracked by git-lfs from the start (three commits of
    pointers, objects in the local store) and a registry holding the first two generations."""
    repo = RepoBuilder(tmp_path / "lfs-history")
    commits = [
        repo.commit(
            "v1",
            {
                ".gitattributes": "*.avsc filter=lfs diff=lfs merge=lfs -text\n",
                "schemas/orders.avsc": _lfs_pointer(V1),
            },
        )
    ]
    commits.append(repo.commit("v2", {"schemas/orders.avsc": _lfs_pointer(NOTED)}))
    commits.append(repo.commit("v3", {"schemas/orders.avsc": _lfs_pointer(TAGGED)}))
    for content in (V1, NOTED, TAGGED):
        _lfs_store(repo, content)
    # as Confluent answers them: compact, so matched with history's contents, not by object id
    for content in (V1, NOTED):
        server.register("orders", json.dumps(json.loads(content), separators=(",", ":")))
    return repo, commits


def test_drift_reads_lfs_pointers_in_history_from_the_local_store(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo, _ = _lfs_history(tmp_path, server)
    run = gate(["drift", "--registry", server.url, "--report", "json"], cwd=repo.root)
    assert run.exit_code == 0, run.stdout + run.stderr
    # both registered versions are in history; the head is simply not registered yet
    assert _rules(run.json()) == [("orders", "DRIFT_NOT_REGISTERED")]


def test_an_lfs_pointer_in_history_whose_object_is_missing_is_not_drift(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo, commits = _lfs_history(tmp_path, server)
    oid = hashlib.sha256(NOTED.encode()).hexdigest()
    (repo.root / ".git/lfs/objects" / oid[:2] / oid[2:4] / oid).unlink()  # never fetched
    # the compared revisions are readable: only older history is not
    for args in (["drift"], ["check", "--base", "HEAD"]):
        run = gate([*args, "--registry", server.url, "--report", "json"], cwd=repo.root)
        assert run.exit_code == 0, run.stdout + run.stderr
        drift = [f for f in run.json()["findings"] if f["rule"].startswith("DRIFT_")]
        assert [(f["rule"], f["severity"]) for f in drift] == [
            ("DRIFT_HISTORY_UNREADABLE", "info"),
            ("DRIFT_NOT_REGISTERED", "info"),
        ]
        unreadable = drift[0]
        assert unreadable["versions"] == ["registry:orders@2 (id 2)"]
        assert unreadable["message"] == (
            "orders: registry version 2 matches no revision of schemas/orders.avsc that gate "
            "could read; schemas/orders.avsc is a git-lfs pointer in commit "
            f"{commits[1][:7]} whose object is not in the local LFS store, which may hold it, "
            "so this is not judged as drift."
        )
        assert "`git lfs fetch --all origin`" in unreadable["fix"]
    text = gate(["drift", "--registry", server.url], cwd=repo.root)
    assert text.exit_code == 0
    assert "info DRIFT_HISTORY_UNREADABLE on 1 subject" in text.stdout
    assert "git lfs fetch --all origin" in text.stdout


# ------------------------------------------------------ a registered version gate cannot parse

# a version registered long ago, naming a type it never defines (no reference either)
UNPARSEABLE = json.dumps(
    {
        "type": "record",
        "name": "Event",
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "legacy", "type": "com.old.Missing"},
        ],
    }
)


def _registry_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if "registry" in c["name"] and c["kind"] == "compat"]


def test_a_registered_version_gate_cannot_parse_is_named_and_the_others_still_checked(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("orders", V1)
    server.register("orders", UNPARSEABLE)
    repo.write("schemas/orders.avsc", V2_BREAKS)
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
    )
    assert run.exit_code == 1, run.stdout + run.stderr
    (check,) = _registry_checks(run.json())
    assert "registry:orders@1" in check["name"]
    # still judged, against version 1
    assert [f["rule"] for f in run.json()["findings"] if f["check"] == check["id"]] == [BREAK]
    (note,) = [n for n in check["notes"] if "skipped" in n]
    assert "version 2 (id 2)" in note
    assert "com.old.Missing" in note
    text = gate(["check", "--base", "HEAD", "--registry", server.url], cwd=repo.root)
    assert "registered version 2 (id 2) of orders is skipped" in text.stdout


def test_a_subject_whose_only_version_gate_cannot_parse_keeps_a_visible_registry_check(
    gate: GateRunner, repo: RepoBuilder, server: RegistryServer
) -> None:
    server.register("orders", UNPARSEABLE)
    repo.write("schemas/orders.avsc", V2_BREAKS)
    run = gate(
        ["check", "--base", "HEAD", "--report", "json", "--registry", server.url], cwd=repo.root
    )
    assert run.exit_code == 1, run.stdout + run.stderr  # the git comparison and drift still fail
    (check,) = _registry_checks(run.json())
    (note,) = check["notes"]
    assert "version 1 (id 1)" in note
    assert "skipped" in note
    assert "no registered version" in note
