"""The git source on real repositories built in tmp_path (pinned identity, no global config)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from gate.errors import ExitCode, GitError, SourceError
from gate.sources.git import (
    GitRepository,
    IndexTree,
    RevisionTree,
    WorktreeTree,
)
from gate.sources.gitchanges import ChangeStatus, FileChange
from tests.support.gitrepo import git_commands

if TYPE_CHECKING:
    from pathlib import Path

V1 = '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}\n'
V2 = V1.replace("]}", ', {"name": "note", "type": ["null", "string"], "default": null}]}')
LONG = "".join(f"line {i} of a file long enough for rename detection\n" for i in range(30))

MakeRepo = Callable[..., Any]


# ------------------------------------------------------------------------------------- opening


def test_open_finds_the_top_level_from_a_subdirectory(repo: Any) -> None:
    repo.commit("init", {"schemas/a.avsc": V1})
    assert GitRepository.open(repo.root / "schemas").root == repo.root.resolve()
    assert GitRepository.open(repo.root / "schemas" / "a.avsc").root == repo.root.resolve()


def test_open_outside_a_repository_is_a_git_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError) as caught:
        GitRepository.open(plain)
    assert caught.value.render().startswith(f"error: not a git repository: {plain}\nhint: ")
    assert "--config" in caught.value.hint
    assert caught.value.exit_code == ExitCode.SOURCE


def test_importing_the_git_source_does_not_import_gitpython() -> None:
    code = "import sys, gate.sources.git; sys.exit('git' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ------------------------------------------------------------------------------------- revisions


def test_resolve_gives_full_shas_and_names_a_missing_revision(repo: Any) -> None:
    first = repo.commit("one", {"a.avsc": V1})
    second = repo.commit("two", {"a.avsc": V2})
    git = GitRepository.open(repo.root)
    assert git.resolve("HEAD") == second
    assert git.resolve("main") == second
    assert git.resolve("HEAD~1") == first
    assert git.resolve(first[:9]) == first
    with pytest.raises(GitError) as caught:
        git.resolve("no-such-branch")
    assert caught.value.what == "git revision not found"
    assert caught.value.subject == "no-such-branch"
    assert "shallow" not in caught.value.hint


def test_a_revision_that_looks_like_an_option_is_refused(repo: Any, tmp_path: Path) -> None:
    repo.commit("one", {"a.avsc": V1})
    target = tmp_path / "written"
    with pytest.raises(GitError, match="invalid git revision"):
        GitRepository.open(repo.root).resolve(f"--output={target}")
    assert not target.exists()


def test_a_repository_without_commits(repo: Any) -> None:
    git = GitRepository.open(repo.root)
    with pytest.raises(GitError) as caught:
        git.default_base({})
    assert "no commits" in caught.value.what
    assert "--base" in caught.value.hint
    with pytest.raises(GitError, match="no commits"):
        git.resolve("HEAD")
    assert git.blob_history(["a.avsc"]) == {"a.avsc": []}


def test_a_corrupt_repository_gives_a_git_error_not_a_traceback(repo: Any) -> None:
    repo.commit("one", {"schemas/a.avsc": V1})
    tree = repo.sha("HEAD^{tree}")
    (repo.root / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    with pytest.raises(GitError) as caught:
        GitRepository.open(repo.root).list_paths("HEAD")
    assert caught.value.what.startswith("`git ls-tree -r -z --full-tree")
    assert "exit 128" in caught.value.what
    assert caught.value.exit_code == ExitCode.SOURCE


# ------------------------------------------------------------------------------------- reading


def test_list_paths_and_read_blobs_at_revisions(repo: Any) -> None:
    base = repo.commit(
        "one",
        {"schemas/a.avsc": V1, "schemas/deep/b.avsc": "b1", "README.md": "r", "odd/ü x.avsc": "u"},
    )
    repo.write("bin.avsc", b"\x00\n\xff\nline\n")
    repo.commit("two", {"schemas/a.avsc": V2})
    repo.git("rm", "-q", "README.md")
    repo.commit("three")
    repo.write("schemas/a.avsc", "uncommitted")
    git = GitRepository.open(repo.root)

    assert git.list_paths(base) == [
        "README.md",
        "odd/ü x.avsc",
        "schemas/a.avsc",
        "schemas/deep/b.avsc",
    ]
    assert git.list_paths("HEAD") == [
        "bin.avsc",
        "odd/ü x.avsc",
        "schemas/a.avsc",
        "schemas/deep/b.avsc",
    ]
    asked = ["schemas/a.avsc", "README.md", "missing.avsc", "./schemas/deep/b.avsc", "odd/ü x.avsc"]
    assert git.read_blobs(base, asked) == {
        "schemas/a.avsc": V1.encode(),
        "README.md": b"r",
        "./schemas/deep/b.avsc": b"b1",
        "odd/ü x.avsc": b"u",
    }
    assert git.read_blobs("HEAD", ["schemas/a.avsc", "README.md", "bin.avsc", "schemas"]) == {
        "schemas/a.avsc": V2.encode(),
        "bin.avsc": b"\x00\n\xff\nline\n",
    }
    assert git.read_blobs("HEAD", []) == {}


def test_read_blobs_uses_one_cat_file_process_whatever_the_number_of_files(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    files = {f"schemas/s{i:02}.avsc": f"content {i}\n" for i in range(40)}
    repo.commit("many", files)
    processes: dict[int, list[str]] = {}
    for size in (1, 40):
        trace = traced(str(size))
        wanted = sorted(files)[:size]
        got = GitRepository.open(repo.root).read_blobs("HEAD", wanted)
        assert got == {path: files[path].encode() for path in wanted}
        processes[size] = git_commands(trace)
    for commands in processes.values():
        assert sum(command.startswith("cat-file") for command in commands) == 1
    assert len(processes[1]) == len(processes[40])


# ------------------------------------------------------------------------------------- changes


def test_changed_paths_and_renames_between_two_commits(repo: Any) -> None:
    base = repo.commit(
        "base", {"a.avsc": V1, "b.avsc": LONG, "c.avsc": "sea\n", "keep.txt": "same"}
    )
    repo.write("a.avsc", V2)
    (repo.root / "c.avsc").unlink()
    repo.move("b.avsc", "renamed/b2.avsc")
    repo.write("new.avsc", "brand new\n")
    head = repo.commit("head")
    git = GitRepository.open(repo.root)
    changes = sorted(git.changed_paths(base, head), key=lambda change: change.path)
    assert changes == [
        FileChange(ChangeStatus.MODIFIED, "a.avsc", "a.avsc"),
        FileChange(ChangeStatus.DELETED, "c.avsc", None),
        FileChange(ChangeStatus.ADDED, None, "new.avsc"),
        FileChange(ChangeStatus.RENAMED, "b.avsc", "renamed/b2.avsc"),
    ]
    assert git.renames(base, head) == {"renamed/b2.avsc": "b.avsc"}
    assert git.renames(base, base) == {}


def test_changed_paths_against_the_index_and_the_work_tree(repo: Any) -> None:
    base = repo.commit("base", {"a.avsc": V1, "b.avsc": LONG, ".gitignore": "ignored.avsc\n"})
    repo.move("b.avsc", "c.avsc")  # staged
    repo.write("a.avsc", V2)  # not staged
    repo.write("untracked.avsc", "u")
    repo.write("ignored.avsc", "i")
    git = GitRepository.open(repo.root)

    assert git.changed_paths(base, None, staged=True) == [
        FileChange(ChangeStatus.RENAMED, "b.avsc", "c.avsc")
    ]
    assert git.renames(base, None, staged=True) == {"c.avsc": "b.avsc"}
    worktree = sorted(git.changed_paths(base, None), key=lambda change: change.path)
    assert worktree == [
        FileChange(ChangeStatus.MODIFIED, "a.avsc", "a.avsc"),
        FileChange(ChangeStatus.RENAMED, "b.avsc", "c.avsc"),
        FileChange(ChangeStatus.ADDED, None, "untracked.avsc"),
    ]
    with pytest.raises(ValueError, match="exclude each other"):
        git.changed_paths(base, "HEAD", staged=True)


def test_a_file_whose_stat_data_alone_changed_is_not_a_change(repo: Any) -> None:
    base = repo.commit("base", {"a.avsc": V1, "b.avsc": V1})
    for name in ("a.avsc", "b.avsc"):  # newer times, same bytes: git's index says "stat-dirty"
        full = repo.root / name
        os.utime(full, ns=(full.stat().st_atime_ns, full.stat().st_mtime_ns + 5 * 10**9))
    repo.write("b.avsc", V2)
    os.utime(repo.root / "b.avsc", ns=(10**18, 10**18))
    index = (repo.root / ".git" / "index").read_bytes()
    git = GitRepository.open(repo.root)
    assert git.changed_paths(base, None) == [FileChange(ChangeStatus.MODIFIED, "b.avsc", "b.avsc")]
    assert (repo.root / ".git" / "index").read_bytes() == index  # not refreshed


def test_blob_history_finds_every_version_on_every_ref_oldest_first(
    repo: Any, traced: Callable[[str], Path]
) -> None:
    repo.commit("v1", {"s.avsc": "v1"})
    repo.commit("v2", {"s.avsc": "v2"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("v3 on a branch", {"s.avsc": "v3"})
    repo.git("checkout", "-q", "--detach", "main")
    repo.commit("only a tag holds this", {"s.avsc": "tagged"})
    repo.git("tag", "t1")
    repo.git("checkout", "-q", "main")
    repo.commit("elsewhere", {"other.txt": "x"})
    repo.git("merge", "-q", "--no-ff", "--no-commit", "feature")
    repo.write("s.avsc", "only in the merge")
    repo.git("add", "s.avsc")
    repo.git("commit", "-q", "-m", "merge")
    repo.git("rm", "-q", "s.avsc")
    repo.commit("deleted")
    repo.commit("back", {"s.avsc": "v1", "link.avsc": "x"})
    repo.write("s.avsc", "stashed")
    repo.git("stash", "-q")

    trace = traced("history")
    history = GitRepository.open(repo.root).blob_history(["s.avsc", "never.avsc", "./s.avsc"])
    assert history["never.avsc"] == []
    versions = history["s.avsc"]
    assert sorted(versions) == sorted([b"v1", b"v2", b"v3", b"tagged", b"only in the merge"])
    assert versions[:2] == [b"v1", b"v2"]
    assert history["./s.avsc"] == versions
    commands = git_commands(trace)
    assert [c.split()[0] for c in commands if not c.startswith("rev-parse")] == ["log", "cat-file"]


# ------------------------------------------------------------------------------------- default base


def test_default_base_from_the_environment(repo: Any, tmp_path: Path) -> None:
    head = repo.commit("one", {"a.avsc": V1})
    git = GitRepository.open(repo.root)
    event = tmp_path / "event.json"

    def with_event(payload: object, **environ: str) -> str:
        event.write_text(json.dumps(payload), encoding="utf-8")
        return git.default_base({"GITHUB_EVENT_PATH": str(event), **environ})

    assert (
        git.default_base({"PRE_COMMIT_FROM_REF": "abc123", "GITHUB_BASE_REF": "main"}) == "abc123"
    )
    pull = {"pull_request": {"base": {"sha": "1" * 40, "ref": "main"}}, "before": "9" * 40}
    assert (
        with_event(pull, GITHUB_BASE_REF="main", CI_MERGE_REQUEST_DIFF_BASE_SHA="2" * 40)
        == "1" * 40
    )
    assert with_event({"merge_group": {"base_sha": "4" * 40}}) == "4" * 40
    assert with_event({"before": "3" * 40, "after": head}) == "3" * 40
    # a push that created the branch has no `before`: fall through to the next source
    assert with_event({"before": "0" * 40}, CI_MERGE_REQUEST_DIFF_BASE_SHA="5" * 40) == "5" * 40
    assert with_event({"before": "0" * 40}) == head
    assert with_event({"workflow_dispatch": {}}, GITHUB_BASE_REF="release") == "release"
    assert (
        git.default_base({"GITHUB_BASE_REF": "", "CI_MERGE_REQUEST_DIFF_BASE_SHA": "6" * 40})
        == "6" * 40
    )
    assert git.default_base({"PRE_COMMIT_FROM_REF": ""}) == head


def test_an_unreadable_event_payload_is_a_source_error(repo: Any, tmp_path: Path) -> None:
    repo.commit("one")
    git = GitRepository.open(repo.root)
    with pytest.raises(SourceError, match="event payload") as caught:
        git.default_base({"GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    assert caught.value.subject == str(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceError, match="not valid JSON"):
        git.default_base({"GITHUB_EVENT_PATH": str(broken)})


def test_default_base_is_the_merge_base_with_main(repo: Any) -> None:
    fork = repo.commit("base", {"a.avsc": V1})
    repo.commit("main moves on", {"b.avsc": V1})
    repo.git("checkout", "-q", "-b", "feature", fork)
    repo.commit("feature work", {"a.avsc": V2})
    git = GitRepository.open(repo.root)
    assert git.default_branch() == "main"
    assert git.default_base({}) == fork
    repo.git("checkout", "-q", "main")
    # on the default branch itself: HEAD, so uncommitted edits are compared with the last commit
    assert GitRepository.open(repo.root).default_base({}) == repo.sha("main")


def test_default_base_falls_back_to_master(make_repo: MakeRepo) -> None:
    repo = make_repo("legacy", branch="master")
    fork = repo.commit("base", {"a.avsc": V1})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("topic", {"a.avsc": V2})
    git = GitRepository.open(repo.root)
    assert git.default_branch() == "master"
    assert git.default_base({}) == fork


def test_default_base_follows_origin_head_in_a_clone(make_repo: MakeRepo, tmp_path: Path) -> None:
    upstream = make_repo("upstream", branch="trunk")
    upstream.commit("one", {"a.avsc": V1})
    fork = upstream.commit("two", {"a.avsc": V2})
    bare = upstream.clone(tmp_path / "bare.git", "--bare")
    upstream.commit("three", {"b.avsc": V1})
    upstream.git("push", "-q", str(bare.root), "trunk")
    clone = bare.clone(tmp_path / "clone")
    clone.git("checkout", "-q", "-b", "feature", fork)
    clone.git("branch", "-q", "-D", "trunk")  # only origin/HEAD -> origin/trunk is left to find
    clone.commit("feature", {"c.avsc": V1})
    git = GitRepository.open(clone.root)
    assert git.default_branch() == "origin/trunk"
    assert git.default_base({}) == fork
    assert git.default_base({"GITHUB_BASE_REF": "trunk"}) == "origin/trunk"


def test_without_a_default_branch(make_repo: MakeRepo, tmp_path: Path) -> None:
    local = make_repo("local", branch="develop")
    head = local.commit("one", {"a.avsc": V1})
    assert GitRepository.open(local.root).default_base({}) == head
    # a single-branch clone of something else: comparing with HEAD would check nothing
    clone = local.clone(tmp_path / "single", "--single-branch")
    clone.git("remote", "set-head", "origin", "-d")
    with pytest.raises(GitError, match="could not find the default branch") as caught:
        GitRepository.open(clone.root).default_base({})
    assert "--base" in caught.value.hint


# ------------------------------------------------------------------------------------- shallow


@pytest.fixture
def upstream(make_repo: MakeRepo) -> Any:
    repo = make_repo("upstream")
    for number in range(1, 6):
        repo.commit(f"c{number}", {"s.avsc": f"v{number}\n"})
    repo.git("branch", "release", "HEAD~2")
    return repo


def test_a_shallow_clone_without_the_base_gives_the_exact_fetch_command(
    upstream: Any, tmp_path: Path
) -> None:
    base = upstream.sha("HEAD~3")
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    git = GitRepository.open(clone.root)
    assert git.is_shallow
    with pytest.raises(GitError) as caught:
        git.resolve(base)
    command = f"git fetch --depth=1 origin {base}"
    assert f"`{command}`" in caught.value.hint
    assert "--fetch-base" in caught.value.hint
    subprocess.run(command.split(), cwd=clone.root, check=True, capture_output=True)
    assert GitRepository.open(clone.root).read_blobs(base, ["s.avsc"]) == {"s.avsc": b"v2\n"}


def test_fetch_base_brings_a_missing_sha_without_touching_the_work_tree(
    upstream: Any, tmp_path: Path, worktree_snapshot: Callable[[Path], Any]
) -> None:
    base = upstream.sha("HEAD~3")
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    clone.write("s.avsc", "edited, not committed\n")
    before = (clone.status(), worktree_snapshot(clone.root), clone.sha("HEAD"))
    git = GitRepository.open(clone.root)
    git.fetch_base(base)
    assert git.resolve(base) == base
    assert git.read_blobs(base, ["s.avsc"]) == {"s.avsc": b"v2\n"}
    assert (clone.status(), worktree_snapshot(clone.root), clone.sha("HEAD")) == before
    assert git.is_shallow  # only the base was fetched, not the whole history


def test_fetch_base_for_a_branch_name_in_a_single_branch_clone(
    upstream: Any, tmp_path: Path
) -> None:
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    git = GitRepository.open(clone.root)
    with pytest.raises(GitError) as caught:
        git.resolve("release")
    expected = "git fetch --depth=50 origin refs/heads/release:refs/remotes/origin/release"
    assert f"`{expected}`" in caught.value.hint
    git.fetch_base("release")
    assert git.resolve("release") == upstream.sha("release")
    assert git.resolve("origin/release") == upstream.sha("release")


def test_a_revision_looked_up_before_a_fetch_is_looked_up_again_after_it(
    upstream: Any, tmp_path: Path
) -> None:
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    # looked up while the repository is found, before the fetch brings them
    git = GitRepository.open(clone.root, ["release", "origin/release"])
    git.fetch_base("release")
    assert git.resolve("origin/release") == upstream.sha("release")


def test_fetch_base_deepens_for_a_relative_revision(upstream: Any, tmp_path: Path) -> None:
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    git = GitRepository.open(clone.root)
    with pytest.raises(GitError) as caught:
        git.resolve("HEAD~2")
    assert "`git fetch --deepen=2 origin`" in caught.value.hint
    git.fetch_base("HEAD~2")
    assert git.resolve("HEAD~2") == upstream.sha("HEAD~2")


def test_a_failed_fetch_is_a_git_error_naming_the_command(upstream: Any, tmp_path: Path) -> None:
    clone = upstream.clone(tmp_path / "shallow", "--depth=1")
    with pytest.raises(GitError) as caught:
        GitRepository.open(clone.root).fetch_base("no-such-branch")
    assert caught.value.what.startswith(
        "`git fetch --depth=50 origin refs/heads/no-such-branch:refs/remotes/origin/no-such-branch"
    )
    assert caught.value.subject == "no-such-branch"


def test_fetch_base_needs_an_origin(repo: Any) -> None:
    repo.commit("one")
    git = GitRepository.open(repo.root)
    git.fetch_base("HEAD")  # present: nothing to do
    with pytest.raises(GitError, match="no `origin` remote"):
        git.fetch_base("1" * 40)


# ------------------------------------------------------------------------------------- trees


def test_revision_tree(repo: Any) -> None:
    sha = repo.commit("one", {"schemas/a.avsc": V1, "docs/x.md": "x"})
    git = GitRepository.open(repo.root)
    tree = RevisionTree(git, "main")
    assert tree.label == f"main ({sha[:7]})"
    assert RevisionTree(git, sha).label == sha[:7]
    assert tree.list_paths() == ["docs/x.md", "schemas/a.avsc"]
    assert tree.read(["schemas/a.avsc", "nope"]) == {"schemas/a.avsc": V1.encode()}
    assert tree.problems == []
    with pytest.raises(GitError):
        RevisionTree(git, "nope")


def test_worktree_tree_lists_tracked_and_untracked_files_but_not_ignored_or_deleted(
    repo: Any,
) -> None:
    repo.commit("one", {"a.avsc": V1, "gone.avsc": V1, ".gitignore": "build/\n"})
    (repo.root / "gone.avsc").unlink()
    repo.write("new/b.avsc", V2)
    repo.write("build/out.avsc", V1)
    tree = WorktreeTree(GitRepository.open(repo.root))
    assert tree.label == "worktree"
    assert tree.list_paths() == [".gitignore", "a.avsc", "new/b.avsc"]
    assert tree.read(["a.avsc", "new/b.avsc", "gone.avsc"]) == {
        "a.avsc": V1.encode(),
        "new/b.avsc": V2.encode(),
    }


def test_worktree_tree_outside_git_walks_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "schemas" / "deep").mkdir(parents=True)
    (root / "schemas" / "deep" / "a.avsc").write_text(V1, encoding="utf-8")
    (root / "top.avsc").write_text(V2, encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("not walked", encoding="utf-8")
    tree = WorktreeTree(root)
    assert tree.list_paths() == ["schemas/deep/a.avsc", "top.avsc"]
    assert tree.read(["top.avsc"]) == {"top.avsc": V2.encode()}


def test_index_tree_reads_the_staged_content(repo: Any) -> None:
    repo.commit("one", {"a.avsc": V1, "b.avsc": V1})
    repo.write("a.avsc", V2)
    repo.write("staged-new.avsc", "new\n")
    repo.git("add", "a.avsc", "staged-new.avsc")
    repo.write("a.avsc", "edited after staging")
    repo.write("untracked.avsc", "not staged")
    repo.git("rm", "-q", "--cached", "b.avsc")
    tree = IndexTree(GitRepository.open(repo.root))
    assert tree.label == "staged"
    assert tree.list_paths() == ["a.avsc", "staged-new.avsc"]
    assert tree.read(["a.avsc", "staged-new.avsc", "b.avsc", "untracked.avsc"]) == {
        "a.avsc": V2.encode(),
        "staged-new.avsc": b"new\n",
    }


def test_symlinks_are_followed_inside_the_repository_only(repo: Any, tmp_path: Path) -> None:
    secret = tmp_path / "secret.avsc"
    secret.write_text("outside", encoding="utf-8")
    repo.write("schemas/real.avsc", V1)
    repo.symlink("schemas/inside.avsc", "real.avsc")
    repo.symlink("schemas/relative-out.avsc", "../../secret.avsc")
    repo.symlink("schemas/absolute-out.avsc", str(secret))
    repo.symlink("schemas/dangling.avsc", "nothing-here.avsc")
    repo.symlink("linked", "schemas")
    repo.commit("links")
    git = GitRepository.open(repo.root)
    asked = [
        "schemas/inside.avsc",
        "linked/real.avsc",
        "schemas/relative-out.avsc",
        "schemas/absolute-out.avsc",
        "schemas/dangling.avsc",
    ]
    for tree in (
        RevisionTree(git, "HEAD"),
        IndexTree(git),
        WorktreeTree(git),
        WorktreeTree(repo.root),
    ):
        assert tree.read(asked) == {
            "schemas/inside.avsc": V1.encode(),
            "linked/real.avsc": V1.encode(),
        }
        for path in ("schemas/relative-out.avsc", "schemas/absolute-out.avsc"):
            assert any(
                problem.startswith(f"{path}: symbolic link points outside the repository")
                for problem in tree.problems
            ), (tree.label, tree.problems)
        assert any(p.startswith("schemas/dangling.avsc: dangling") for p in tree.problems)
        assert not any("outside" in p for p in tree.problems if "inside.avsc" in p)


# ------------------------------------------------------------------------------------- hygiene


def test_nothing_in_the_work_tree_or_the_index_changes(
    repo: Any, worktree_snapshot: Callable[[Path], Any]
) -> None:
    base = repo.commit("base", {"a.avsc": V1, "b.avsc": LONG, "c.avsc": V1})
    repo.commit("head", {"a.avsc": V2})
    repo.move("b.avsc", "moved.avsc")
    repo.write("c.avsc", "edited")
    repo.write("untracked.avsc", "u")
    before = (repo.status(), worktree_snapshot(repo.root), repo.git("diff", "--cached", "--raw"))
    git = GitRepository.open(repo.root)
    git.list_paths(base)
    git.read_blobs(base, ["a.avsc", "b.avsc"])
    git.changed_paths(base, None)
    git.changed_paths(base, None, staged=True)
    git.changed_paths(base, "HEAD")
    git.blob_history(["a.avsc", "c.avsc"])
    git.default_base({})
    for tree in (RevisionTree(git, base), IndexTree(git), WorktreeTree(git)):
        tree.read(tree.list_paths())
    after = (repo.status(), worktree_snapshot(repo.root), repo.git("diff", "--cached", "--raw"))
    assert after == before
    assert os.listdir(repo.root / ".git" / "refs" / "heads") == ["main"]


def test_grep_finds_files_naming_a_string_at_a_revision_and_in_the_index(tmp_path: Path) -> None:
    from gate.sources.git import GitRepository, IndexTree, RevisionTree
    from tests.support.gitrepo import RepoBuilder

    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "one",
        {
            "a.json": '{"$ref": "defs/c.json"}',
            "b.json": "{}",
            "sub dir/d.json": '{"$ref": "../defs/c.json"}',
        },
    )
    builder.write("b.json", '{"$ref": "defs/c.json"}')
    builder.git("add", "b.json")
    with GitRepository.open(builder.root) as repo:
        assert RevisionTree(repo, "HEAD").grep(["c.json"]) == {"a.json", "sub dir/d.json"}
        assert IndexTree(repo).grep(["c.json"]) == {"a.json", "b.json", "sub dir/d.json"}
        assert IndexTree(repo).grep(["nowhere.json"]) == set()
        assert IndexTree(repo).grep([]) == set()


def test_grep_of_the_index_reads_staged_content_where_the_work_tree_differs(
    tmp_path: Path,
) -> None:
    from gate.sources.git import GitRepository, IndexTree
    from tests.support.gitrepo import RepoBuilder

    builder = RepoBuilder(tmp_path / "repo")
    builder.commit("one", {"a.json": "{}", "b.json": "{}", "gone.json": '{"$ref": "c.json"}'})
    builder.write("a.json", '{"$ref": "c.json"}')
    builder.git("add", "a.json")
    builder.write("a.json", "{}")  # staged: names c.json; on disk: does not
    builder.write("b.json", '{"$ref": "c.json"}')  # on disk only
    (builder.root / "gone.json").unlink()  # still staged
    with GitRepository.open(builder.root) as repo:
        assert IndexTree(repo).grep(["c.json"]) == {"a.json", "gone.json"}


def _listed_by_ls_tree(repo: Any) -> Any:
    sha = repo.resolve("HEAD")
    saved = repo._trees.pop(sha, None)
    head = repo._resolved.pop("HEAD")
    try:
        return repo._tree_listing(sha)
    finally:
        repo._resolved["HEAD"] = head
        repo._trees.pop(sha, None)
        if saved is not None:
            repo._trees[sha] = saved


def test_head_listed_from_the_index_equals_ls_tree(tmp_path: Path) -> None:
    """A staged run lists HEAD as the index undone by `git diff-index`: it must be exactly what
    `git ls-tree -r HEAD` lists, whatever the index holds."""
    from gate.sources.git import GitRepository
    from tests.support.gitrepo import RepoBuilder

    sub = RepoBuilder(tmp_path / "sub")
    sub.commit("sub", {"s.txt": "s"})
    builder = RepoBuilder(tmp_path / "repo")
    builder.commit(
        "one",
        {
            "a.json": "{}",
            "b/c.avsc": '"int"',
            "b/d/e.json": "{}",
            "gone.json": "{}",
            "kind.json": "{}",
            "conflict.json": '{"v": 1}',
            "moved.json": '{"m": 1}',
        },
    )
    builder.git(
        "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.root.as_uri(), "mod"
    )
    builder.git("commit", "-q", "-m", "submodule")
    builder.git("checkout", "-q", "-b", "other")
    builder.commit("theirs", {"conflict.json": '{"v": 2}'})
    builder.git("checkout", "-q", "main")
    builder.commit("ours", {"conflict.json": '{"v": 3}'})
    subprocess.run(["git", "merge", "-q", "other"], cwd=builder.root, capture_output=True)
    assert "conflict.json" in builder.git("ls-files", "-u")
    builder.write("a.json", '{"changed": true}')
    builder.write("new/n.json", "{}")
    builder.write("ita.json", "{}")
    builder.git("add", "a.json", "new/n.json")
    builder.git("add", "-N", "ita.json")
    builder.git("rm", "-q", "gone.json")
    builder.git("mv", "moved.json", "new/moved.json")
    (builder.root / "kind.json").unlink()
    os.symlink("a.json", builder.root / "kind.json")
    builder.git("add", "kind.json")
    assert "mod" in builder.git("ls-files", "--stage", "mod")
    with GitRepository.open(builder.root) as repo:
        repo._staged_listing()
        derived = repo._head_from_index()
        assert derived is not None
        assert derived == _listed_by_ls_tree(repo)
        assert "gone.json" in derived.entries
        assert "new/n.json" not in derived.paths
        assert "ita.json" not in derived.paths
        assert "mod" in derived.paths
        assert "conflict.json" in derived.entries
        assert "moved.json" in derived.entries


# ------------------------------------------------------------------ git-lfs pointers in history


def test_history_reads_lfs_objects_and_names_the_commits_of_missing_ones(repo: Any) -> None:
    import hashlib

    def pointer(content: bytes) -> str:
        oid = hashlib.sha256(content).hexdigest()
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(content)}\n"
        )

    fetched, never = b'{"type": "string"}', b'{"type": "long"}'
    oid = hashlib.sha256(fetched).hexdigest()
    store = repo.root / ".git/lfs/objects" / oid[:2] / oid[2:4]
    store.mkdir(parents=True)
    (store / oid).write_bytes(fetched)
    first = repo.commit("one", {"s.avsc": pointer(fetched)})
    second = repo.commit("two", {"s.avsc": pointer(never)})
    repo.git("checkout", "-q", "-b", "side", first)
    third = repo.commit("three", {"s.avsc": pointer(never), "other": "x"})
    repo.git("checkout", "-q", "main")
    git = GitRepository.open(repo.root)
    ids = git.blob_ids(["s.avsc"])["s.avsc"]
    read = git.read_history(ids)
    assert list(read.contents.values()) == [fetched]  # the pointer's text is never a version
    (missing,) = read.unreadable
    # both branches' commits that gave the file that content (their order is git's)
    found = git.commits_introducing("s.avsc", read.unreadable)
    assert list(found) == [missing]
    assert sorted(found[missing]) == sorted([second, third])
