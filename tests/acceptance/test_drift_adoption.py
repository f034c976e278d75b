"""Drift that a team adopting gate survives: a registry older than the repository, shallow CI
clones, and findings that say what differs. Real git repositories, the test registry server,
the real `gate` command."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.avro_shapes import record
from tests.support.gitrepo import RepoBuilder, git_commands, run_git
from tests.support.registry_server import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.runner import GateRunner

CONFIG = """version: 1
subjects:
  - files: 'schemas/*.avsc'
    subject: '{stem}-value'
"""
# five generations of the orders schema: 1-4 were registered before the repository existed
GENERATIONS = [
    record([("id", "string"), *[(f"legacy_{n}", "int") for n in range(count)]], name="Order")
    for count in range(4, 0, -1)
]
V5 = record([("id", "string"), ("amount", "int")], name="Order")
BY_HAND = record([("id", "string"), ("amount", "long")], name="Order")
V6 = record(
    [("id", "string"), ("amount", "int"), ("note", ["null", "string"])], name="Order", note=None
)


@pytest.fixture
def server() -> Iterator[RegistryServer]:
    with RegistryServer() as running:
        yield running


def _drift(gate: GateRunner, root: Path, server: RegistryServer, *args: str) -> Any:
    return gate(["drift", "--registry", server.url, "--report", "json", *args], cwd=root)


def _findings(run: Any) -> list[dict[str, Any]]:
    assert run.stdout, run.stderr
    return [f for f in run.json()["findings"] if f["rule"].startswith("DRIFT_")]


def _adopted(tmp_path: Path, server: RegistryServer) -> RepoBuilder:
    """A repository that started tracking orders.avsc at the fifth registered version."""
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("adopt gate", {"gate.yaml": CONFIG, "schemas/orders.avsc": V5})
    for text in (*GENERATIONS, V5):
        server.register("orders-value", text)
    return repo


def test_registry_history_older_than_git_passes_with_one_info_line(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo = _adopted(tmp_path, server)
    run = _drift(gate, repo.root, server)
    assert run.exit_code == 0, run.stdout
    (finding,) = _findings(run)
    assert finding["rule"] == "DRIFT_REGISTRY_HISTORY_PREDATES_GIT"
    assert finding["severity"] == "info"
    assert "registry history predates the repository's: versions 1–4" in finding["message"]
    assert len(finding["versions"]) == 4
    text = gate(["drift", "--registry", server.url, "-v"], cwd=repo.root)
    assert text.exit_code == 0
    lines = [line for line in text.stdout.splitlines() if "predates" in line]
    assert len(lines) == 1, text.stdout
    # the same through `gate check`, which runs drift beside the compatibility checks
    check = gate(
        ["check", "--base", "HEAD", "--registry", server.url, "--report", "json"], cwd=repo.root
    )
    assert check.exit_code == 0, check.stdout
    assert [f["rule"] for f in _findings(check)] == ["DRIFT_REGISTRY_HISTORY_PREDATES_GIT"]


def test_a_version_registered_by_hand_after_the_git_held_one_fails_and_says_what_differs(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo = _adopted(tmp_path, server)
    server.register("orders-value", BY_HAND)
    run = _drift(gate, repo.root, server)
    assert run.exit_code == 1
    findings = {f["rule"]: f for f in _findings(run)}
    assert set(findings) == {
        "DRIFT_UNTRACKED_REGISTRY_VERSION",
        "DRIFT_REGISTRY_HISTORY_PREDATES_GIT",
    }
    error = findings["DRIFT_UNTRACKED_REGISTRY_VERSION"]
    assert error["severity"] == "error"
    assert error["versions"] == ["registry:orders-value@6 (id 6)"]
    assert "registry version 6 (id 6)" in error["message"]
    assert "newer than version 5" in error["message"]
    assert "differs from schemas/orders.avsc at git head in 1 place" in error["message"]
    assert '/fields/1/type: "int" in git, "long" in the registry' in error["message"]
    assert (
        "registry history predates the repository's: versions 1–4"
        in (findings["DRIFT_REGISTRY_HISTORY_PREDATES_GIT"]["message"])
    )


def test_a_latest_registered_version_that_matches_no_revision_fails(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit("start", {"gate.yaml": CONFIG, "schemas/orders.avsc": V5})
    repo.commit("next", {"schemas/orders.avsc": V6})
    for text in GENERATIONS[:3]:
        server.register("orders-value", text)
    run = _drift(gate, repo.root, server)
    assert run.exit_code == 1
    rules = sorted((f["rule"], f["severity"], tuple(f["versions"])) for f in _findings(run))
    assert rules == [
        ("DRIFT_NOT_REGISTERED", "info", ("registry:orders-value@3 (id 3)",)),
        (
            "DRIFT_REGISTRY_HISTORY_PREDATES_GIT",
            "info",
            ("registry:orders-value@1 (id 1)", "registry:orders-value@2 (id 2)"),
        ),
        ("DRIFT_UNTRACKED_REGISTRY_VERSION", "error", ("registry:orders-value@3 (id 3)",)),
    ]
    (error,) = [f for f in _findings(run) if f["severity"] == "error"]
    assert "neither does any other registered version" in error["message"]
    assert '/fields/1/name: "amount" in git, "legacy_0" in the registry' in error["message"]


# ------------------------------------------------------------------------ shallow clones


def _reverted_history(tmp_path: Path, server: RegistryServer, gap: int) -> RepoBuilder:
    """A bare origin with 60 early commits, then orders.avsc at V5, at V6 (both registered),
    back at V5, and `gap` commits more: the registry's newest version (2) is in one commit only,
    `gap` + 2 commits below HEAD."""
    work = RepoBuilder(tmp_path / "work")
    for n in range(60):
        work.git("commit", "-q", "--allow-empty", "-m", f"early {n}")
    work.commit("orders v5", {"gate.yaml": CONFIG, "schemas/orders.avsc": V5})
    work.commit("orders v6", {"schemas/orders.avsc": V6})
    work.commit("revert orders to v5", {"schemas/orders.avsc": V5})
    for n in range(gap):
        work.git("commit", "-q", "--allow-empty", "-m", f"unrelated {n}")
    # as Confluent answers them: compact, not the file's bytes (matched by canonical form)
    server.register("orders-value", json.dumps(json.loads(V5), separators=(",", ":")))
    server.register("orders-value", json.dumps(json.loads(V6), separators=(",", ":")))
    origin = tmp_path / "origin.git"
    run_git(tmp_path, "clone", "-q", "--bare", str(work.root), str(origin))
    return RepoBuilder(origin, init=False)


def _shallow(repo: RepoBuilder) -> bool:
    return repo.git("rev-parse", "--is-shallow-repository").strip() == "true"


def test_a_shallow_clone_gives_no_false_drift_error_and_says_how_to_fetch(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=3)
    clone = origin.clone(tmp_path / "ci", "--depth", "1")
    assert _shallow(clone)
    run = _drift(gate, clone.root, server)
    assert run.exit_code == 0, run.stdout
    (finding,) = _findings(run)
    assert finding["rule"] == "DRIFT_HISTORY_SHALLOW"
    assert finding["severity"] == "info"
    assert "registry version 2 matches no revision of schemas/orders.avsc" in finding["message"]
    assert "shallow clone" in finding["message"]
    assert (
        '/fields/2: only in the registry ({"default": null, "name": "note"' in (finding["message"])
    )
    assert "git fetch --unshallow origin" in finding["fix"]
    assert "--fetch-base" in finding["fix"]
    check = gate(
        ["check", "--base", "HEAD", "--registry", server.url, "--report", "json"], cwd=clone.root
    )
    assert check.exit_code == 0, check.stdout
    assert [f["rule"] for f in _findings(check)] == ["DRIFT_HISTORY_SHALLOW"]
    assert _shallow(clone)  # nothing fetched without --fetch-base
    # the same history complete: version 2 is in it, nothing to report
    full = origin.clone(tmp_path / "full")
    assert _findings(_drift(gate, full.root, server)) == []


def test_fetch_base_deepens_a_shallow_clone_only_as_far_as_needed(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=10)
    clone = origin.clone(tmp_path / "ci", "--depth", "1")
    run = _drift(gate, clone.root, server, "--fetch-base")
    assert run.exit_code == 0, run.stdout
    assert _findings(run) == []
    # the first step (50 more commits) reached the version 2 commit: no need for the rest
    assert _shallow(clone)
    assert len(clone.git("log", "--format=%s", "HEAD").splitlines()) == 51
    log = clone.git("log", "--format=%s", "HEAD").splitlines()
    assert "orders v6" in log
    assert "early 0" not in log
    assert clone.status() == ""  # the work tree was not touched


def test_fetch_base_deepens_step_by_step_until_history_is_complete(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=70)
    clone = origin.clone(tmp_path / "ci", "--depth", "1")
    run = gate(
        ["check", "--base", "HEAD", "--fetch-base", "--registry", server.url, "--report", "json"],
        cwd=clone.root,
    )
    assert run.exit_code == 0, run.stdout
    assert _findings(run) == []
    assert not _shallow(clone)
    assert "early 0" in clone.git("log", "--format=%s", "HEAD")


def test_fetch_base_still_reports_a_version_no_history_holds(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=3)
    server.register("orders-value", BY_HAND)
    clone = origin.clone(tmp_path / "ci", "--depth", "1")
    shallow = _drift(gate, clone.root, server)
    assert shallow.exit_code == 0
    assert [f["rule"] for f in _findings(shallow)] == ["DRIFT_HISTORY_SHALLOW"]
    assert "registry versions 2–3 match no revision" in _findings(shallow)[0]["message"]
    run = _drift(gate, clone.root, server, "--fetch-base")
    assert run.exit_code == 1
    (error,) = [f for f in _findings(run) if f["severity"] == "error"]
    assert error["rule"] == "DRIFT_UNTRACKED_REGISTRY_VERSION"
    assert error["versions"] == ["registry:orders-value@3 (id 3)"]
    assert not _shallow(clone)  # only the complete history could tell


def test_fetch_base_in_a_shallow_clone_without_origin_is_a_source_error(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=3)
    clone = origin.clone(tmp_path / "ci", "--depth", "1")
    clone.git("remote", "remove", "origin")
    run = _drift(gate, clone.root, server, "--fetch-base")
    assert run.exit_code == 3
    assert "no `origin` remote" in run.stderr
    assert "hint:" in run.stderr


def test_a_base_fetched_by_its_sha_counts_as_git_history(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    # main registered V5; a pull request changes it to V6 while main moves on; CI clones the
    # pull request's head alone and fetches main's tip by sha (no ref names it)
    work = RepoBuilder(tmp_path / "work")
    work.commit("orders v5", {"gate.yaml": CONFIG, "schemas/orders.avsc": V5})
    work.git("checkout", "-q", "-b", "pr")
    work.commit("orders v6", {"schemas/orders.avsc": V6})
    work.git("checkout", "-q", "main")
    base = work.commit("main moves on", {"docs/readme.md": "x"})
    server.register("orders-value", V5)
    clone = work.clone(tmp_path / "ci", "--depth", "1", "--branch", "pr")
    trace = tmp_path / "trace"
    run = gate(
        ["check", "--base", base, "--fetch-base", "--registry", server.url, "--report", "json"],
        cwd=clone.root,
        env={"GIT_TRACE": str(trace)},
    )
    assert run.exit_code == 0, run.stdout
    assert [f["rule"] for f in _findings(run)] == ["DRIFT_NOT_REGISTERED"]
    fetches = [c for c in git_commands(trace) if c.startswith("fetch")]
    assert len(fetches) == 1
    assert base in fetches[0]


def test_fetch_base_in_a_complete_clone_fetches_nothing(
    gate: GateRunner, tmp_path: Path, server: RegistryServer
) -> None:
    origin = _reverted_history(tmp_path, server, gap=3)
    server.register("orders-value", BY_HAND)
    clone = origin.clone(tmp_path / "full")
    trace = tmp_path / "trace"
    run = gate(
        ["drift", "--fetch-base", "--registry", server.url, "--report", "json"],
        cwd=clone.root,
        env={"GIT_TRACE": str(trace)},
    )
    assert run.exit_code == 1
    assert [f["rule"] for f in _findings(run)] == ["DRIFT_UNTRACKED_REGISTRY_VERSION"]
    commands = git_commands(trace)
    assert not [c for c in commands if c.startswith("fetch")]
    assert "rev-parse --is-shallow-repository" not in commands  # known from opening the repo
