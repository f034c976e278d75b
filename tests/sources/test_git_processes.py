"""How the git source finds a repository and runs git: its own processes, as few as a run needs.

gate runs as a pre-commit hook, where start-up time is what users feel: no gitpython import, one
`git rev-parse` to find the work tree (and HEAD), and no git process whose answer a run already
has. Every git process is counted through GIT_TRACE.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

import gate.sources.git as gate_git
from gate.errors import ExitCode, GitError
from gate.sources.git import GitRepository, IndexTree, RevisionTree, read_together
from tests.support.gitrepo import git_commands

if TYPE_CHECKING:
    from pathlib import Path

V1 = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}\n'
V2 = V1.replace("]}", ', {"name": "note", "type": ["null", "string"], "default": null}]}')
LONG = "".join(f"line {i} of a file long enough for rename detection\n" for i in range(30))
GATE_YAML = 'version: 1\nsubjects:\n  - files: "schemas/**/*.avsc"\n    subject: "{stem}-value"\n'

MakeRepo = Callable[..., Any]
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for git")


def names(commands: list[str]) -> list[str]:
    return [command.split()[0] for command in commands]


def fake_git(tmp_path: Path, body: str) -> Path:
    """An executable shell script to pass as GIT_PYTHON_GIT_EXECUTABLE."""
    script = tmp_path / "fake-git"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


# ------------------------------------------------------------------------------------- finding it


def test_a_bare_repository_has_no_work_tree(make_repo: MakeRepo) -> None:
    bare = make_repo("bare.git", bare=True)
    with pytest.raises(GitError) as caught:
        GitRepository.open(bare.root)
    assert caught.value.what == "a bare git repository has no work tree"
    assert caught.value.subject == str(bare.root)
    assert caught.value.exit_code == ExitCode.SOURCE


def test_a_missing_folder_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        GitRepository.open(tmp_path / "nowhere")


def test_open_from_inside_the_git_folder_finds_the_work_tree(repo: Any) -> None:
    repo.commit("one", {"a.avsc": V1})
    assert GitRepository.open(repo.root / ".git" / "refs").root == repo.root.resolve()


def test_a_linked_work_tree_is_found_even_with_git_dir_set(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("one", {"schemas/a.avsc": V1})
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    (linked / "schemas" / "a.avsc").write_text(V2, encoding="utf-8")
    subprocess.run(["git", "add", "schemas/a.avsc"], cwd=linked, check=True)
    # what git exports to a hook in a linked work tree; the hook may start below the top
    git_dir = (
        subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir"], cwd=linked, check=True, capture_output=True
        )
        .stdout.decode()
        .strip()
    )
    monkeypatch.setenv("GIT_DIR", git_dir)
    monkeypatch.chdir(linked)
    git = GitRepository.open(linked / "schemas")
    assert git.root == linked.resolve()
    assert IndexTree(git).read(["schemas/a.avsc"]) == {"schemas/a.avsc": V2.encode()}
    assert git.read_blobs("HEAD", ["schemas/a.avsc"]) == {"schemas/a.avsc": V1.encode()}


def test_open_resolves_head_in_the_same_process(repo: Any, traced: Callable[[str], Path]) -> None:
    head = repo.commit("one", {"a.avsc": V1})
    trace = traced("open")
    git = GitRepository.open(repo.root)
    assert git.has_commits()
    assert git.resolve("HEAD") == head
    assert RevisionTree(git, "HEAD").sha == head
    assert git.resolve(head) == head
    assert names(git_commands(trace)) == ["rev-parse"]


def test_open_looks_up_the_named_revisions_alongside(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    first = repo.commit("one", {"a.avsc": V1})
    head = repo.commit("two", {"a.avsc": V2})
    (repo.root / "below").mkdir()
    trace = traced("open")
    git = GitRepository.open(repo.root / "below", ["HEAD~1", "HEAD", "HEAD~1", "nowhere"])
    assert git.resolve("HEAD~1") == first
    assert git.resolve("HEAD") == head
    with pytest.raises(GitError, match="git revision not found"):
        git.resolve("nowhere")
    git.settle()
    # HEAD comes with finding the repository; `nowhere` is also tried as origin's branch
    assert sorted(git_commands(trace)) == sorted(
        [
            "rev-parse --is-bare-repository --is-inside-git-dir --is-shallow-repository "
            "--show-toplevel --verify --quiet 'HEAD^{commit}'",
            "rev-parse --verify --quiet 'HEAD~1^{commit}'",
            "rev-parse --verify --quiet 'nowhere^{commit}'",
            "rev-parse --verify --quiet 'refs/remotes/origin/nowhere^{commit}'",
            "remote",
        ]
    )


def test_revisions_named_from_inside_the_git_folder_are_looked_up_in_the_work_tree(
    repo: Any,
) -> None:
    first = repo.commit("one", {"a.avsc": V1})
    repo.commit("two", {"a.avsc": V2})
    git = GitRepository.open(repo.root / ".git" / "refs", ["HEAD~1"])
    assert git.resolve("HEAD~1") == first


def test_a_repository_without_commits_opens(repo: Any) -> None:
    git = GitRepository.open(repo.root)
    assert git.root == repo.root.resolve()
    assert not git.has_commits()


def test_a_revision_name_is_resolved_once_per_object(repo: Any) -> None:
    first = repo.commit("one", {"a.avsc": V1})
    git = GitRepository.open(repo.root)
    assert git.resolve("main") == first
    second = repo.commit("two", {"a.avsc": V2})
    # one run, one view: both sides of a comparison see the same commit for a name
    assert git.resolve("main") == git.resolve("HEAD") == first
    assert GitRepository.open(repo.root).resolve("main") == second


# ------------------------------------------------------------------------------------- running git


@posix_only
def test_git_python_git_executable_names_the_git_to_run(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("one", {"a.avsc": V1})
    log = tmp_path / "calls"
    script = fake_git(
        tmp_path,
        f'echo "$LC_ALL $LANGUAGE $GIT_OPTIONAL_LOCKS $GIT_TERMINAL_PROMPT $*" >> "{log}"\n'
        'exec git "$@"',
    )
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(script))
    git = GitRepository.open(repo.root)
    assert git.list_paths("HEAD") == ["a.avsc"]
    calls = log.read_text(encoding="utf-8").splitlines()
    assert len(calls) == 2
    assert all(call.startswith("C C 0 0 -c color.ui=never") for call in calls)
    assert "rev-parse" in calls[0]
    assert "ls-tree" in calls[1]


def test_a_missing_git_is_a_git_error_naming_the_override(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(tmp_path / "no-such-git"))
    with pytest.raises(GitError) as caught:
        GitRepository.open(repo.root)
    assert caught.value.what == "git is not installed or not on PATH"
    assert caught.value.subject.startswith("git rev-parse")
    assert "GIT_PYTHON_GIT_EXECUTABLE" in caught.value.hint
    assert caught.value.exit_code == ExitCode.SOURCE


@posix_only
def test_a_repository_of_another_user_gets_the_safe_directory_hint(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "/srv/someone-elses"
    script = fake_git(
        tmp_path,
        f"echo \"fatal: detected dubious ownership in repository at '{other}'\" >&2\n"
        "echo 'To add an exception for this directory, call:' >&2\n"
        f"echo '\tgit config --global --add safe.directory {other}' >&2\n"
        "exit 128",
    )
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(script))
    with pytest.raises(GitError) as caught:
        GitRepository.open(repo.root)
    assert "exit 128" in caught.value.what
    assert caught.value.subject == str(repo.root)
    assert f"git config --global --add safe.directory {other}`" in caught.value.hint


def test_large_batches_cannot_deadlock(repo: Any) -> None:
    files = {f"schemas/{'deep/' * 20}file-{i:05}.avsc": f"content {i}\n" * 20 for i in range(2500)}
    repo.commit("many", files)
    git = GitRepository.open(repo.root)
    assert git.read_blobs("HEAD", sorted(files)) == {p: c.encode() for p, c in files.items()}


@pytest.mark.parametrize(("cores", "processes"), [(1, 1), (2, 2), (3, 2), (8, 2)])
def test_a_large_batch_is_shared_among_processes_one_per_core(
    repo: Any,
    traced: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
    processes: int,
) -> None:
    """600 objects: at most two shares of 256 or more, each read by a git of its own, the
    answers in the order asked."""
    files = {f"s/file-{i:04}.avsc": f"content {i}\n" for i in range(600)}
    repo.commit("many", files)
    git = GitRepository.open(repo.root)
    tree = RevisionTree(git, "HEAD")
    tree.list_paths()  # read by object id
    monkeypatch.setattr("gate.cpus.usable_cpus", lambda: cores)
    trace = traced("read")
    read = tree.read(sorted(files, reverse=True))
    assert list(read) == sorted(files, reverse=True)
    assert read == {p: c.encode() for p, c in files.items()}
    assert names(git_commands(trace)) == ["cat-file"] * processes


def test_a_failing_share_of_a_batch_is_a_git_error(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("many", {f"s/file-{i:04}.avsc": f"content {i}\n" for i in range(600)})
    git = GitRepository.open(repo.root)
    monkeypatch.setattr("gate.cpus.usable_cpus", lambda: 2)
    real = gate_git._execute_batch

    def second_fails(args: Any, cwd: Any, requests: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return 128, [], "fatal: the second share failed"
        return real(args, cwd, requests)

    monkeypatch.setattr(gate_git, "_execute_batch", second_fails)
    shas = [git.resolve("HEAD")]
    running = set(threading.enumerate())
    with pytest.raises(GitError, match="second share failed"):
        git._objects([*shas, *[f"{i:040x}" for i in range(600)]], "HEAD")
    assert [t for t in threading.enumerate() if t not in running] == []  # no thread is left


def _through_cat_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo: Any, before: str
) -> GitRepository:
    """The repository opened through a git that runs the shell commands `before` when asked
    for `cat-file` (and the real git afterwards, unless they exit)."""
    script = fake_git(tmp_path, f'case "$*" in *cat-file*) {before};; esac\nexec git "$@"')
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(script))
    return GitRepository.open(repo.root)


def test_a_batch_reads_files_larger_than_its_buffer_whole(repo: Any) -> None:
    files = {"big.avsc": "x" * (3 * gate_git._BATCH_BUFFER + 7) + "\n", "small.avsc": V1}
    repo.commit("big", files)
    git = GitRepository.open(repo.root)
    assert git.read_blobs("HEAD", sorted(files)) == {p: c.encode() for p, c in files.items()}


@posix_only
def test_a_batch_git_cuts_short_is_a_git_error_naming_the_first_unanswered(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("two", {"a.avsc": V1, "b.avsc": V2})
    # answers the first request only, and says nothing of why
    git = _through_cat_file(tmp_path, monkeypatch, repo, 'head -n 1 | git "$@"; exit 0')
    with pytest.raises(GitError, match="ended early") as caught:
        git.read_blobs("HEAD", ["a.avsc", "b.avsc"])
    assert "b.avsc" in caught.value.subject


@posix_only
def test_a_batch_git_that_fails_is_a_git_error_with_its_message(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("one", {"a.avsc": V1})
    git = _through_cat_file(
        tmp_path, monkeypatch, repo, 'echo "fatal: the object store is gone" >&2; exit 128'
    )
    with pytest.raises(GitError, match="exit 128: the object store is gone"):
        git.read_blobs("HEAD", ["a.avsc"])


@posix_only
def test_git_messages_while_a_batch_answers_cannot_stop_it(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More messages than a pipe holds, written before any answer: read meanwhile, or git
    would wait for them to be read while gate waits for its answers."""
    files = {f"s/file-{i:03}.avsc": f"content {i}\n" for i in range(50)}
    repo.commit("many", files)
    git = _through_cat_file(
        tmp_path, monkeypatch, repo, 'head -c 300000 /dev/zero | tr "\\000" w >&2'
    )
    read: list[dict[str, bytes]] = []
    reading = threading.Thread(target=lambda: read.append(git.read_blobs("HEAD", sorted(files))))
    reading.start()
    reading.join(timeout=60)
    assert not reading.is_alive(), "the batch is stuck"
    assert read == [{p: c.encode() for p, c in files.items()}]


def test_no_gitpython_in_a_pre_commit_run(repo: Any) -> None:
    repo.commit("one", {"gate.yaml": GATE_YAML, "schemas/a.avsc": V1})
    repo.write("schemas/a.avsc", V2)
    repo.git("add", "schemas/a.avsc")
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "gate",
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "-q",
            "schemas/a.avsc",
        ],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    imported = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "gate.sources.git" in imported
    assert not [name for name in imported if name == "git" or name.startswith("git.")]


# ------------------------------------------------------------------------------------- counting


def test_a_staged_pre_commit_run_starts_four_git_processes(
    repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"schemas/s{i:03}.avsc": V1.replace("Order", f"Order{i}") for i in range(50)}
    repo.commit("base", {"gate.yaml": GATE_YAML, **files})
    repo.write("schemas/s007.avsc", V2.replace("Order", "Order7"))
    repo.git("add", "schemas/s007.avsc")
    trace = tmp_path / "trace"
    env = {**os.environ, "GIT_TRACE": str(trace), "NO_COLOR": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gate",
            "check",
            "--staged",
            "--offline",
            "--base",
            "HEAD",
            "-q",
            "schemas/s007.avsc",
        ],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 subject, 2 checks, 0 failed" in done.stdout + done.stderr
    # find the repository and HEAD, list the index (and HEAD from it through diff-index), read
    # both versions at once
    assert sorted(names(git_commands(trace))) == ["cat-file", "diff-index", "ls-files", "rev-parse"]


def test_renames_asks_git_only_when_a_path_was_added_and_another_deleted(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    base = repo.commit("base", {"a.avsc": V1, "b.avsc": LONG, "c.avsc": "sea\n"})

    def staged(name: str) -> tuple[dict[str, str], list[str]]:
        trace = traced(name)
        found = GitRepository.open(repo.root).renames(base, None, staged=True)
        return found, names(git_commands(trace))

    repo.write("a.avsc", V2)
    repo.git("add", "a.avsc")
    assert staged("modified") == ({}, ["rev-parse", "ls-files", "diff-index"])
    repo.write("new.avsc", "new\n")
    repo.git("add", "new.avsc")
    assert staged("added") == ({}, ["rev-parse", "ls-files", "diff-index"])
    repo.move("b.avsc", "moved/b.avsc")
    found, commands = staged("moved")
    assert found == {"moved/b.avsc": "b.avsc"}
    assert commands.count("diff-index") == 2  # HEAD from the index, then the renames

    head = repo.commit("head")
    trace = traced("commits")
    git = GitRepository.open(repo.root)
    assert git.renames(base, head) == {"moved/b.avsc": "b.avsc"}
    assert git.renames(head, head) == {}
    assert git.renames(base, base) == {}
    assert names(git_commands(trace)) == [
        "rev-parse",
        "ls-tree",
        "rev-parse",
        "ls-tree",
        "diff-tree",
    ]


def test_renames_in_the_work_tree_skip_the_untracked_listing(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    base = repo.commit("base", {"b.avsc": LONG})
    repo.move("b.avsc", "c.avsc")
    repo.write("untracked.avsc", "u")
    trace = traced("worktree")
    git = GitRepository.open(repo.root)
    assert git.renames(base, None) == {"c.avsc": "b.avsc"}
    # the configured filter drivers first: the work tree's diff runs with all of them off
    assert names(git_commands(trace)) == ["rev-parse", "config", "diff-index"]
    assert {change.path for change in git.changed_paths(base, None)} == {"c.avsc", "untracked.avsc"}


def test_the_index_is_listed_again_once_it_changed(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    base = repo.commit("base", {"a.avsc": V1})
    git = GitRepository.open(repo.root)
    trace = traced("index")
    assert git.renames(base, None, staged=True) == {}
    assert IndexTree(git).list_paths() == ["a.avsc"]
    assert names(git_commands(trace)).count("ls-files") == 1  # one listing for both
    repo.write("b.avsc", V2)
    repo.git("add", "b.avsc")
    assert IndexTree(git).list_paths() == ["a.avsc", "b.avsc"]
    assert git.index_entries()["b.avsc"][1] == repo.sha(":b.avsc")
    repo.git("rm", "-q", "--cached", "a.avsc")
    assert IndexTree(git).list_paths() == ["b.avsc"]


def test_the_base_of_a_staged_run_is_read_with_the_index(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    repo.write("schemas/real.avsc", V1)
    repo.symlink("schemas/link.avsc", "real.avsc")
    repo.symlink("linked", "schemas")
    base = repo.commit("base", {"schemas/a.avsc": V1, "schemas/same.avsc": LONG})
    repo.write("schemas/a.avsc", V2)
    repo.git("add", "schemas/a.avsc")
    asked = [
        "schemas/a.avsc",
        "schemas/same.avsc",
        "./schemas/real.avsc",
        "missing.avsc",
        "schemas",
    ]

    trace = traced("staged")
    git = GitRepository.open(repo.root)
    git.renames(base, None, staged=True)
    head_tree, base_tree = IndexTree(git), RevisionTree(git, base)
    assert head_tree.read(asked) == {
        "schemas/a.avsc": V2.encode(),
        "schemas/same.avsc": LONG.encode(),
        "./schemas/real.avsc": V1.encode(),
    }
    expected = {
        "schemas/a.avsc": V1.encode(),
        "schemas/same.avsc": LONG.encode(),
        "./schemas/real.avsc": V1.encode(),
    }
    assert base_tree.read(asked) == expected
    assert list(base_tree.read(asked)) == list(expected)  # in the order asked
    assert IndexTree(git).read(["schemas/a.avsc"]) == {"schemas/a.avsc": V2.encode()}
    assert names(git_commands(trace)).count("cat-file") == 1
    # a link, or a path through a linked folder, still goes through git's own link following
    assert base_tree.read(["schemas/link.avsc", "linked/real.avsc"]) == {
        "schemas/link.avsc": V1.encode(),
        "linked/real.avsc": V1.encode(),
    }
    assert names(git_commands(trace)).count("cat-file") == 2
    assert GitRepository.open(repo.root).read_revision(base, asked).contents == expected


@pytest.mark.parametrize("listed", [False, True], ids=["by-name", "by-id"])
def test_two_revisions_are_read_in_one_batch(
    repo: Any, traced: Callable[[str], Path], listed: bool
) -> None:
    repo.commit("one", {"a.avsc": V1, "b.avsc": V1})
    repo.symlink("out.avsc", "../outside.avsc")
    repo.commit("two", {"a.avsc": V2})
    git = GitRepository.open(repo.root)
    head, base = RevisionTree(git, "HEAD"), RevisionTree(git, "HEAD~1")
    if listed:
        head.list_paths(), base.list_paths()
    trace = traced("read")
    read = read_together([(head, ["a.avsc", "out.avsc"]), (base, ["a.avsc", "b.avsc"])])
    assert read == [{"a.avsc": V2.encode()}, {"a.avsc": V1.encode(), "b.avsc": V1.encode()}]
    assert names(git_commands(trace)) == ["cat-file"] * (1 + listed)  # a link: by name
    assert head.problems == [
        "out.avsc: symbolic link points outside the repository (../outside.avsc); not read"
    ]
    assert base.problems == []
    assert read_together([(head, ["a.avsc"]), (IndexTree(git), ["a.avsc"])]) is None
    other = GitRepository.open(repo.root)
    assert read_together([(head, ["a.avsc"]), (RevisionTree(other, "HEAD"), [])]) is None


def test_a_prefetched_command_runs_once_and_answers_the_run_that_wants_it(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    base = repo.commit("base", {"a.avsc": V1, "b.avsc": LONG})
    repo.write("c.avsc", V2)
    git = GitRepository.open(repo.root)
    trace = traced("prefetch")
    git.prefetch_listings([base], worktree=True)
    assert RevisionTree(git, base).list_paths() == ["a.avsc", "b.avsc"]
    assert git.worktree_paths() == (["a.avsc", "b.avsc"], ["c.avsc"])
    git.settle()
    # the filter drivers' listing too, for the work tree's diff (unasked here: settled)
    assert sorted(names(git_commands(trace))) == ["config", "ls-files", "ls-files", "ls-tree"]
    # asked again, they run again: a prefetched answer is used once
    assert git.worktree_paths() == (["a.avsc", "b.avsc"], ["c.avsc"])
    assert names(git_commands(trace)).count("ls-files") == 4


def test_a_prefetched_failure_is_raised_by_the_run_that_wants_it(repo: Any) -> None:
    repo.commit("base", {"a.avsc": V1})
    git = GitRepository.open(repo.root)
    missing = "0" * 40
    git.prefetch(["ls-tree", "-r", "-z", "--full-tree", missing])
    with pytest.raises(GitError):
        git._run(["ls-tree", "-r", "-z", "--full-tree", missing], subject=missing)


def test_settle_waits_for_commands_nobody_asked_for(repo: Any) -> None:
    base = repo.commit("base", {"a.avsc": V1})
    git = GitRepository.open(repo.root)
    git.prefetch_listings([base], worktree=True)
    git.prefetch(["ls-tree", "-r", "-z", "--full-tree", "0" * 40])  # fails: never raised
    git.settle()
    assert git._prefetched == {}


def test_history_of_many_paths_is_read_in_chunks_with_every_version(
    repo: Any, traced: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gate.sources.git as source

    monkeypatch.setattr(source, "_LOG_PATHSPECS", 2)
    paths = [f"s{index}.avsc" for index in range(5)]
    first = {path: V1.replace("Order", f"Order{index}") for index, path in enumerate(paths)}
    repo.commit("one", first)
    repo.commit("two", {path: text + "\n" for path, text in first.items()})
    trace = traced("history")
    found = GitRepository.open(repo.root).blob_ids([*paths, "never.avsc"])
    assert names(git_commands(trace)).count("log") == 3  # 5 paths, 2 at a time
    for path in paths:
        assert found[path] == [repo.sha(f"HEAD~1:{path}"), repo.sha(f"HEAD:{path}")]
    assert found["never.avsc"] == []
