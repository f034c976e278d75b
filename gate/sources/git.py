"""git as a source: revisions, the index and history, read without touching the work tree.

Everything goes through a handful of git plumbing calls, never a checkout or a stash: one
`git ls-tree -r -z` lists a revision, one `git cat-file --batch` process reads any number of
files, one `git diff-index -M --raw -z` (or `diff-tree`) tells what changed and what was
renamed, one `git log --raw` finds every version a file ever had. Every failure is a `GitError`
(exit 3) naming what failed, the object and what to do next. No call writes the index: a run
against the work tree leaves `.git/index` as it found it (no lock, no `post-index-change` hook),
and no call runs a program the repository or its configuration names (filters, textconv,
external diffs, fsmonitor, hooks).

Each call is a `subprocess` of its own (gitpython is not imported: that alone cost a third of a
pre-commit hook's start-up), and a run starts as few as it can: one `git rev-parse` finds the
work tree and HEAD, the diff runs only when a rename is possible, and a staged run reads both
versions of its files in one batch. GIT_PYTHON_GIT_EXECUTABLE still names the git to run.

Symbolic links are followed only while they stay inside the repository. Reading a path whose
link leaves it (or dangles, or loops) yields nothing for that path and appends a message to the
tree's `problems`: one odd link must not stop a whole run, and the caller decides how loud to be.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Generic, NamedTuple, TypeVar

from gate.errors import GitError, SourceError
from gate.model import OriginKind
from gate.records import Record
from gate.sources import Tree
from gate.sources.worktree import WorktreeTree, normalize_path, resolve_link

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from gate.sources.gitchanges import FileChange, HistoryRead

_T = TypeVar("_T")  # what work started in a thread (`_Prefetch`) gives

__all__ = [
    "BlobRead",
    "GitRepository",
    "IndexTree",
    "RevisionTree",
    "Tree",
    "WorktreeTree",
]

DEFAULT_FETCH_DEPTH = 50
# `deepen_until`: commits fetched per step, doubling; then the rest of the history at once
_DEEPEN_STEPS = (50, 100, 200, 400, 800, 1600)

# user configuration must not change what plumbing prints (colours, signatures, --follow)
_SAFE_CONFIG = (
    "-c",
    "color.ui=never",
    # no program named by the repository's or the user's configuration runs for a read: no
    # fsmonitor, and no hook (a `core.hooksPath` may name a folder of the work tree, and a fetch
    # runs `reference-transaction`); filters are switched off by name (`_filters_off`), external
    # diffs and textconv by each diff's `--no-ext-diff --no-textconv`
    "-c",
    "core.fsmonitor=false",
    "-c",
    f"core.hooksPath={os.devnull}",
    "-c",
    "log.showSignature=false",
    "-c",
    "log.follow=false",
)
# reads must not take the index lock (a concurrent `git commit` would fail), and a fetch must
# fail rather than wait for a password nobody will type; the last two are values for
# `--config-env` (see `_filters_off`)
_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "GATE_GIT_EMPTY": "",
    "GATE_GIT_FALSE": "false",
}
# diff options: no external diff program and no textconv filter, whatever git's configuration
# and the repository's `.gitattributes` name (plumbing with --raw runs neither today; this keeps
# it so)
_NO_PROGRAMS = ("--no-ext-diff", "--no-textconv")
# variables that would point gate's git calls at another repository or another work tree than
# the one found from the folder gate runs in: a hook of a linked work tree runs with GIT_DIR set,
# and a stray GIT_WORK_TREE would hide every change made in the real one. They are cleared for
# every call, so all of them see one repository (GIT_INDEX_FILE stays: a `git commit -a` hook's
# staged content is in the index it names)
_CLEARED = ("GIT_DIR", "GIT_WORK_TREE")
# git's messages in English whatever the user's locale: `_failure` reads them
_LOCALE = {"LANGUAGE": "C", "LC_ALL": "C"}
# the variable that names the git executable (gitpython's, which gate honoured first)
_EXECUTABLE_VARIABLE = "GIT_PYTHON_GIT_EXECUTABLE"
_NOT_INSTALLED_HINT = f"install git, or set {_EXECUTABLE_VARIABLE} to the git executable"

_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{4,63}")
_LOG_PATHSPECS = 250  # paths per `git log` in `blob_ids`
_LS_TRACKED = ("ls-files", "-z", "--cached")
_LS_UNTRACKED = ("ls-files", "-z", "--others", "--exclude-standard")
# filters emptied by name (`-c filter.<name>.clean=`): in git 2.39 nothing outranks .gitattributes
_LIST_FILTERS = ("config", "--null", "--get-regexp", r"^filter\.")  # see `_filters_off`


def _ls_tree(sha: str) -> tuple[str, ...]:
    return ("ls-tree", "-r", "-z", "--full-tree", sha)


def _verify_commit(rev: str) -> tuple[str, ...]:
    return ("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")


def _looked_up_early(rev: str) -> bool:
    """True for a revision `open` may look up while it finds the repository: a name that needs
    the repository only (`HEAD` is resolved by finding it; `:` may start a path)."""
    return (
        bool(rev)
        and rev != "HEAD"
        and not rev.startswith("-")
        and not any(c in rev for c in ":\n\r\0")
    )


def _log_raw(paths: Sequence[str], revisions: Sequence[str] = ()) -> tuple[str, ...]:
    """Every change to `paths` in the history of every ref but the stash, and of `revisions`
    (full shas), oldest first."""
    return (
        "--literal-pathspecs",
        "log",
        "--exclude=refs/stash",
        "--all",
        *revisions,
        "--reverse",
        "--topo-order",  # reversed: no version is listed before one it descends from
        "-m",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        *_NO_PROGRAMS,
        "--format=",
        "-z",
        "--",
        *paths,
    )


_RELATIVE = re.compile(r"(?P<base>.*?)(?P<steps>(?:~\d*|\^\d*)+)")
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/+-]*")
_SPECIAL_REFS = frozenset({"HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "@"})
_SYMLINK_MODE = "120000"
_GITLINK_MODE = "160000"
_FILE_MODES = frozenset({"100644", "100755", "100664"})
_MAX_LINK_HOPS = 40
_SHOWN_ARGS = 10


class BlobRead(Record):
    """Contents read from a tree, and why some requested paths were not read."""

    contents: dict[str, bytes]
    problems: tuple[str, ...] = ()


class _Entry(NamedTuple):  # a tuple, not a dataclass: cheaper to define and to build
    mode: str
    sha: str


class _RevisionRead(Record):
    """A read of files at a revision, planned: what is known, what to ask git by id and by name."""

    rev: str
    sha: str
    paths: Sequence[str]
    known: dict[str, bytes]  # path -> content read already
    by_id: dict[str, str]  # path -> blob id of a listed file
    asked: list[tuple[str, str, bytes]]  # (path, relative, request) asked for by name
    newline_paths: list[str]  # read from the listing's entries


class _Listing(Record):
    """A listing of the index or of a tree: its files, and every path it names at all."""

    entries: dict[str, _Entry]  # files and symbolic links (blobs), stage 0
    paths: frozenset[str]  # also submodules (gitlinks) and unmerged paths


def _git_executable() -> str | None:
    """The git to run, as an absolute path (None: PATH has none).

    Looked up in PATH without its empty and relative entries: an empty entry (`::`, a trailing
    `:`) means the current folder, which is the repository under check, and a `git` committed
    there must never run.
    """
    named = os.environ.get(_EXECUTABLE_VARIABLE) or "git"
    search = os.environ.get("PATH", os.defpath)
    return _resolve_executable(named, search)


@functools.lru_cache(maxsize=8)
def _resolve_executable(named: str, search: str) -> str | None:
    if os.path.dirname(named):  # a path, not a bare name
        return os.path.abspath(named)
    kept = os.pathsep.join(
        entry for entry in search.split(os.pathsep) if entry and os.path.isabs(entry)
    )
    return shutil.which(named, path=kept)


@contextlib.contextmanager
def _no_search_in_current_directory() -> Iterator[None]:
    """On Windows, keep a `git.exe` planted in the repository from being run instead of git."""
    if sys.platform != "win32":
        yield
        return
    saved = os.environ.get("NoDefaultCurrentDirectoryInExePath")
    os.environ["NoDefaultCurrentDirectoryInExePath"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["NoDefaultCurrentDirectoryInExePath"]
        else:
            os.environ["NoDefaultCurrentDirectoryInExePath"] = saved


def _drop(started: dict[tuple[str, ...], _Prefetch]) -> None:
    """Wait for prefetched commands whose answers nobody will take, and forget them."""
    while started:
        _wait([started.popitem()[1]])


def _wait(commands: Iterable[_Prefetch]) -> None:
    """Wait for each of `commands`, whatever it raises (no thread outlives this call)."""
    for command in commands:
        with contextlib.suppress(Exception):
            command.result()


class _Prefetch(Generic[_T]):
    """Work started in a thread (a git command); `result` waits for it (and raises what it
    raised)."""

    def __init__(self, work: Callable[[], _T]) -> None:
        self._outcome: tuple[_T] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], _T]) -> None:
        try:
            self._outcome = (work(),)
        except BaseException as error:  # handed to whoever asks for the result
            self._error = error

    def result(self) -> _T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._outcome is not None
        return self._outcome[0]


def _started(args: tuple[str, ...], cwd: Path) -> _Prefetch[tuple[int, bytes, str]]:
    """`_execute(args, cwd)` started in a thread."""
    return _Prefetch(functools.partial(_execute, args, cwd))


def _execute(
    args: Sequence[str],
    cwd: Path,
    stdin: bytes | None = None,
    without: Iterable[str] = (),
    hint: str = "",
    config: Sequence[str] = (),
) -> tuple[int, bytes, str]:
    """Run git in `cwd`: (status, stdout, stderr); GitError when git cannot be started.

    `without` names environment variables git must not see besides `_CLEARED`; `config` holds
    more options for git itself (`-c` ...), after `_SAFE_CONFIG`. The input is written while the
    answers are read (`subprocess` interleaves them), so neither side can block the other.
    """
    command, env, flags = _command(args, without, config)
    try:
        with _no_search_in_current_directory():
            done = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                input=stdin,
                stdin=subprocess.DEVNULL if stdin is None else None,
                capture_output=True,
                check=False,
                creationflags=flags,
            )
    except OSError as error:
        raise _not_started(error, args, cwd, hint) from None
    return done.returncode, done.stdout, _stderr_text(done.stderr)


def _execute_batch(
    args: Sequence[str], cwd: Path, requests: Sequence[bytes]
) -> tuple[int, list[tuple[str, bytes]], str]:
    """Run a `cat-file --batch` command with `requests`: (status, its answers as
    `_read_answers` gives them, stderr). Each object is read from the pipe into a bytes object
    of its own as git writes it: the whole output is never gathered, joined and cut up again
    (three copies of every file read, where one does)."""
    command, env, flags = _command(args)
    try:
        with _no_search_in_current_directory():
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                creationflags=flags,
                bufsize=_BATCH_BUFFER,
            )
    except OSError as error:
        raise _not_started(error, args, cwd, "") from None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    assert stdin is not None
    assert stdout is not None
    assert stderr is not None
    # the requests are written, and git's messages read, by threads of their own: neither
    # pipe can fill up and stop git while this thread reads its answers
    writer = threading.Thread(target=_write_all, args=(stdin, _batch_input(requests)), daemon=True)
    messages = _Prefetch(stderr.read)
    writer.start()
    try:
        answers = _read_answers(stdout, requests)
    finally:
        stdout.close()  # git, if it has more to say, stops
        writer.join()
        status = process.wait()
        _wait([messages])
        stderr.close()
    return status, answers, _stderr_text(messages.result())


def _write_all(stream: IO[bytes], data: bytes) -> None:
    """Write `data` and close `stream`; a git that stopped reading has said why elsewhere."""
    with contextlib.suppress(OSError), stream:
        stream.write(data)


def _command(
    args: Sequence[str], without: Iterable[str] = (), config: Sequence[str] = ()
) -> tuple[list[str], dict[str, str], int]:
    """The command line, environment and creation flags that run git (see `_execute`)."""
    executable = _git_executable()
    if executable is None:
        raise GitError("git is not installed or not on PATH", _show(args), _NOT_INSTALLED_HINT)
    env = {**os.environ, **_LOCALE, **_ENV}
    for name in (*_CLEARED, *without):
        env.pop(name, None)
    flags = 0
    if sys.platform == "win32":
        flags = subprocess.CREATE_NO_WINDOW
    return [executable, *_SAFE_CONFIG, *config, *args], env, flags


def _not_started(error: OSError, args: Sequence[str], cwd: Path, hint: str) -> GitError:
    """Why git could not be started (see `_execute`)."""
    about_git = error.filename is None or os.fspath(error.filename) != os.fspath(cwd)
    if about_git and isinstance(error, FileNotFoundError):
        return GitError("git is not installed or not on PATH", _show(args), _NOT_INSTALLED_HINT)
    if about_git and isinstance(error, PermissionError):
        hint = hint or _NOT_INSTALLED_HINT
    return GitError(f"could not run git ({error.strerror})", _show(args), hint)


def _stderr_text(stderr: bytes) -> str:
    return _decode(stderr[:-1] if stderr.endswith(b"\n") else stderr)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "no message"
    text = lines[-1]
    for prefix in ("fatal: ", "error: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def _show(args: Sequence[str]) -> str:
    shown = list(args[:_SHOWN_ARGS])
    if len(args) > _SHOWN_ARGS:
        shown.append(f"... ({len(args) - _SHOWN_ARGS} more)")
    return "git " + " ".join(shown)


def _count_steps(steps: str) -> int:
    total = 0
    for match in re.finditer(r"([~^])(\d*)", steps):
        if match.group(1) == "~":
            total += int(match.group(2)) if match.group(2) else 1
        else:
            total += 1  # ^N picks the N-th parent: one generation
    return max(total, 1)


def _split_relative(rev: str) -> tuple[str, str]:
    match = _RELATIVE.fullmatch(rev)
    if match is None:
        return rev, ""
    return match.group("base"), match.group("steps")


def _all_zeros(sha: str) -> bool:
    """git's null object id (of any length): no object."""
    return bool(sha) and not sha.strip("0")


def _is_branch_name(name: str) -> bool:
    return (
        bool(_BRANCH.fullmatch(name))
        and name not in _SPECIAL_REFS
        and ".." not in name
        and not name.startswith(("refs/", "origin/"))
        and not name.endswith((".lock", "/"))
    )


def _refspec(rev: str) -> str | None:
    """The refspec that brings `rev` from `origin` under the name `resolve` looks for."""
    if rev.startswith("refs/remotes/origin/"):
        return f"refs/heads/{rev[len('refs/remotes/origin/') :]}:{rev}"
    if rev.startswith("refs/"):
        return f"{rev}:{rev}"
    name = rev[len("origin/") :] if rev.startswith("origin/") else rev
    if _is_branch_name(name):
        return f"refs/heads/{name}:refs/remotes/origin/{name}"
    return None


# a `cat-file --batch` of at least twice this many objects is shared among processes (at most
# this many), each asked for this many or more
_BATCH_SHARE = 256
_BATCH_PROCESSES = 4
_BATCH_BUFFER = 1 << 16  # the read buffer of a batch's answers (most files are smaller)


def _batch_input(requests: Sequence[bytes]) -> bytes:
    return b"".join(r + b"\n" for r in requests)


def _read_answers(output: IO[bytes], requests: Sequence[bytes]) -> list[tuple[str, bytes]]:
    """The answers of `git cat-file --batch [--follow-symlinks]` to `requests`, read from its
    output as it comes; fewer than asked for when the output ends early.

    Each answer is (kind, data): kind is the object type ("blob", "tree", ...) with its content,
    or "missing"/"ambiguous" with no data, or "symlink"/"dangling"/"loop"/"notdir" with the link
    text or the object name git reported.
    """
    answers: list[tuple[str, bytes]] = []
    readline, read = output.readline, output.read
    for request in requests:
        line = readline()
        if not line.endswith(b"\n"):
            break
        header = line[:-1]
        if header in (request + b" missing", request + b" ambiguous"):
            answers.append((_decode(header[len(request) + 1 :]), b""))
            continue
        parts = header.split(b" ")
        if len(parts) == 2 and parts[0] in (b"symlink", b"dangling", b"loop", b"notdir"):
            kind, size = parts[0], int(parts[1])
        elif len(parts) == 3 and parts[2].isdigit():
            kind, size = parts[1], int(parts[2])
        else:
            raise GitError(
                "unexpected answer from git cat-file --batch",
                _decode(header[:200]),
                "this is unexpected; rerun with -vv and report it",
            )
        data = read(size)
        if len(data) < size or read(1) != b"\n":
            break
        answers.append((_decode(kind), data))
    return answers


def _through_link(path: str, entries: Mapping[str, _Entry]) -> bool:
    """True when a folder on the way to `path` is a symbolic link in `entries`."""
    position = path.find("/")
    while position >= 0:
        entry = entries.get(path[:position])
        if entry is not None and entry.mode == _SYMLINK_MODE:
            return True
        position = path.find("/", position + 1)
    return False


def _follow_links(
    path: str, entries: Mapping[str, _Entry], link_text: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """The path whose content `path` shows after following links, or (None, why not)."""
    parts = path.split("/")
    hops = 0
    index = 0
    while index < len(parts):
        prefix = "/".join(parts[: index + 1])
        entry = entries.get(prefix)
        if entry is not None and entry.mode == _SYMLINK_MODE:
            hops += 1
            if hops > _MAX_LINK_HOPS:
                return None, "symbolic link loop"
            text = link_text.get(prefix, "")
            target = resolve_link(prefix, text)
            if target is None:
                return None, f"symbolic link points outside the repository ({text})"
            parts = target.split("/") + parts[index + 1 :]
            index = 0
            continue
        index += 1
    return "/".join(parts), None


def _failure(
    args: Sequence[str], status: int, stderr: str, subject: str, hint: str, root: Path | str
) -> GitError:
    if "dubious ownership" in stderr:
        hint = (
            "git refuses a repository owned by another user; mark it safe with "
            f"`git config --global --add safe.directory {root}`"
        )
    detail = _last_line(stderr)
    return GitError(
        f"`{_show(args)}` failed (exit {status}: {detail})",
        subject,
        hint or "check that the repository is intact (`git fsck`) and readable",
    )


_DISCOVERY = (
    "rev-parse",
    "--is-bare-repository",
    "--is-inside-git-dir",
    "--is-shallow-repository",  # drift asks: answered here, without a process of its own
    "--show-toplevel",
    "--verify",  # last: a missing HEAD stops rev-parse, after it printed the rest
    "--quiet",
    "HEAD^{commit}",
)
_DUBIOUS = r"dubious ownership in repository at '(?P<path>[^\n]*)'"  # for a refusal only


def _discover(start: Path, path: Path, retry: bool = True) -> tuple[Path, str | None, bool, bool]:
    """(the work tree's top folder, HEAD's sha or None, whether the clone is shallow, whether
    git found it from `start` itself) for the repository holding `start`.

    GIT_DIR and GIT_WORK_TREE are ignored here as in every git call of gate (see `_CLEARED`): a
    hook in a linked work tree runs with GIT_DIR set, and it would make git take `start` for the
    top folder.
    """
    not_a_repository = GitError(
        "not a git repository", str(path), "run gate inside a git work tree, or pass --config"
    )
    if not start.is_dir():
        raise not_a_repository
    status, out, err = _execute(_DISCOVERY, start)
    if "dubious ownership" in err:
        found = re.search(_DUBIOUS, err)
        raise _failure(_DISCOVERY, status, err, str(path), "", found["path"] if found else start)
    text = _decode(out).removesuffix("\n")
    lines = text.split("\n") if text else []
    if lines[:1] == ["true"]:
        raise GitError(
            "a bare git repository has no work tree",
            str(path),
            "run gate inside a clone with a work tree",
        )
    head = None
    if status == 0 and len(lines) > 4 and _FULL_SHA.fullmatch(lines[-1]):
        head = lines.pop()
    if len(lines) >= 4 and lines[0] == "false":
        return Path("\n".join(lines[3:])).resolve(), head, lines[2] == "true", retry
    if retry and lines[:2] == ["false", "true"] and len(lines) == 3:
        # inside the .git folder: its work tree is what gitpython found, and so do we
        _, out, _ = _execute(["rev-parse", "--absolute-git-dir"], start)
        git_dir = Path(_decode(out).removesuffix("\n"))
        link = git_dir / "gitdir"  # a linked work tree's folder names its `.git` file
        if link.is_file() and (git_dir / "commondir").is_file():
            work_tree = (git_dir / link.read_text(encoding="utf-8").strip()).parent
        else:
            work_tree = git_dir.parent
        return _discover(work_tree, path, retry=False)
    raise not_a_repository


_LFS_VERSIONS = (
    b"version https://git-lfs.github.com/spec/v1\n",
    b"version https://hawser.github.com/spec/v1\n",  # the spec's older name, still valid
)
_LFS_POINTER_LIMIT = 1024  # the spec: a pointer file is smaller than 1024 bytes
# (compiled, and cached by `re`, when a pointer file turns up)
_LFS_OID = rb"(?m)^oid sha256:([0-9a-f]{64})$"
_LFS_SIZE = rb"(?m)^size (\d+)$"


def lfs_pointer(data: bytes) -> tuple[str, int] | None:
    """(sha256, size) of the object a git-lfs pointer file names; None for any other content."""
    if len(data) >= _LFS_POINTER_LIMIT or not data.startswith(_LFS_VERSIONS):
        return None
    oid, size = re.search(_LFS_OID, data), re.search(_LFS_SIZE, data)
    if oid is None or size is None:
        return None
    return oid.group(1).decode("ascii"), int(size.group(1))


class GitRepository:
    """A git work tree, read through git plumbing. Open it with `GitRepository.open(path)`.

    One object is one run's view of the repository: a revision name is resolved once (a commit
    landing mid-run cannot give the two sides of a comparison different HEADs) and forgotten by
    `fetch_base`; listings of trees are kept by sha, the index's as long as its file is unchanged.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved: dict[str, str] = {}
        self._shallow: bool | None = None
        self._trees: dict[str, _Listing] = {}
        self._index_listing: tuple[tuple[int, ...], _Listing] | None = None
        self._blobs: dict[str, bytes] = {}  # blobs read with the index, by object id
        self._prefetched: dict[tuple[str, ...], _Prefetch] = {}
        self._dot_git: Path | None = None
        self._filter_options: tuple[str, ...] | None = None

    # ------------------------------------------------------------------ opening and running

    @classmethod
    def open(cls, path: Path, revisions: Sequence[str] = ()) -> GitRepository:
        """The repository containing `path` (searching parent directories).

        One `git rev-parse` finds the work tree and resolves HEAD at once (most runs need it).
        The lookups of `revisions` (those a run names) run alongside it, each in a process of
        its own (see `prefetch`): resolving them later waits for no further git process.
        """
        start = path.parent if path.is_file() else path
        lookups: dict[tuple[str, ...], _Prefetch] = {}
        if sys.platform != "win32" and start.is_dir():  # see `prefetch`
            for rev in dict.fromkeys(r for r in revisions if _looked_up_early(r)):
                args = _verify_commit(rev)
                lookups[args] = _started(args, start)
        try:
            root, head, shallow, from_start = _discover(start, path)
        except BaseException:
            _drop(lookups)
            raise
        repo = cls(root)
        repo._shallow = shallow
        if head is not None:
            repo._resolved["HEAD"] = repo._resolved[head] = head
        if from_start:
            repo._prefetched.update(lookups)
        else:  # found from inside the git folder: looked up again in the work tree
            _drop(lookups)
        return repo

    def close(self) -> None:
        """Nothing to release: every git command is a process of its own that has ended."""

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GitRepository({str(self.root)!r})"

    def _run(
        self,
        args: Sequence[str],
        *,
        subject: str,
        hint: str = "",
        stdin: bytes | None = None,
        ok: Iterable[int] = (0,),
        worktree: bool = False,
    ) -> tuple[int, bytes, str]:
        """Run git in the work tree; a status outside `ok` becomes a GitError. With `worktree`
        (a command that may read the work tree's files), every filter driver is off."""
        config = self._filters_off() if worktree else ()
        started = self._prefetched.pop(tuple(args), None) if stdin is None and not config else None
        if started is not None:
            status, out, err = started.result()
        else:
            status, out, err = _execute(args, self.root, stdin=stdin, hint=hint, config=config)
        if status not in set(ok):
            raise self._failure(args, status, err, subject, hint)
        return status, out, err

    def _filters_off(self) -> tuple[str, ...]:
        """git options that switch off every filter driver git's configuration defines.

        A command that compares the work tree with the index or a revision (`diff-index` with
        rename detection, `diff-files` or `diff-index` on a racily clean file) hashes work-tree
        files the way `git add` would, through the `clean` command or `process` of the filter
        `.gitattributes` names for them: a program of the repository's choosing. git has no
        switch for "no filters", and no attributes file outranks the work tree's (2.40's
        GIT_ATTR_SOURCE only picks the tree they are read from, and a committed one is in every
        tree), so each configured driver gets an empty `clean` and `process` and
        `required=false` (otherwise git refuses the unfiltered file); a command-line `-c` beats
        every configuration file. The drivers are listed once per object with `git config
        --get-regexp`, which reads configuration and runs nothing. Files are then hashed as
        their bytes are, as gate reads them.
        """
        if self._filter_options is None:
            status, out, _ = self._run(
                _LIST_FILTERS,
                subject="git configuration",
                ok=(0, 1),  # 1: no filter configured
            )
            names: set[str] = set()
            for record in out.split(b"\0") if status == 0 else ():
                key = _decode(record.partition(b"\n")[0])
                name, dot, _ = key[len("filter.") :].rpartition(".")
                if key.startswith("filter.") and dot:
                    names.add(name)
            options: list[str] = []
            for name in sorted(names):
                for variable, value in (
                    ("clean", "EMPTY"),
                    ("process", "EMPTY"),
                    ("required", "FALSE"),
                ):
                    key = f"filter.{name}.{variable}"
                    if "=" in name:  # `-c` would take it for the end of the key
                        options.append(f"--config-env={key}=GATE_GIT_{value}")
                    else:
                        options += ["-c", f"{key}={_ENV['GATE_GIT_' + value]}"]
            self._filter_options = tuple(options)
        return self._filter_options

    def prefetch_listings(self, revisions: Sequence[str], worktree: bool) -> None:
        """Start listing the trees of `revisions` (full shas) and, with `worktree`, the work
        tree's files, while this process goes on with other work (see `prefetch`)."""
        commands = [_ls_tree(sha) for sha in revisions if sha not in self._trees]
        if worktree:
            commands += [_LS_TRACKED, _LS_UNTRACKED]
            if self._filter_options is None:
                commands.append(_LIST_FILTERS)  # the work tree's diff needs it first
        self.prefetch(*commands)

    def prefetch(self, *commands: Sequence[str]) -> None:
        """Start git commands that a later run with the very same arguments will want, each in a
        thread of its own, so that they run while this process does other work. `settle` waits
        for any left unasked."""
        if sys.platform == "win32":
            return  # starting git there changes the environment for a moment (see _execute)
        for args in commands:
            key = tuple(args)
            if key not in self._prefetched:
                self._prefetched[key] = _started(key, self.root)

    def settle(self) -> None:
        """Wait for prefetched commands nobody asked for (no thread outlives this call)."""
        _drop(self._prefetched)

    def _forget_lookups(self) -> None:
        """Drop the revision lookups started before a fetch: their answers may be stale."""
        lookups = [args for args in self._prefetched if args[:1] == ("rev-parse",)]
        _drop({args: self._prefetched.pop(args) for args in lookups})

    def _failure(
        self, args: Sequence[str], status: int, stderr: str, subject: str, hint: str
    ) -> GitError:
        return _failure(args, status, stderr, subject or str(self.root), hint, self.root)

    # ------------------------------------------------------------------ revisions

    @property
    def is_shallow(self) -> bool:
        """True in a shallow clone (history cut at some depth, as CI checkouts often are)."""
        if self._shallow is None:
            _, out, _ = self._run(["rev-parse", "--is-shallow-repository"], subject=str(self.root))
            self._shallow = out.strip() == b"true"
        return self._shallow

    def has_commits(self) -> bool:
        """False in a repository whose first commit is still being prepared."""
        return self._lookup("HEAD") is not None

    def _lookup(self, rev: str) -> str | None:
        """The full sha of commit `rev`, trying `origin/<branch>` for a bare branch name."""
        if rev in self._resolved:
            return self._resolved[rev]
        if not rev or rev.startswith("-") or any(c in rev for c in "\n\r\0"):
            return None
        candidates = [rev]
        base, steps = _split_relative(rev)
        if _is_branch_name(base):
            # a CI checkout often has only the remote-tracking branch of the base
            candidates.append(f"refs/remotes/origin/{base}{steps}")
        for candidate in candidates:
            status, out, _ = self._run(_verify_commit(candidate), subject=rev, ok=(0, 1, 128))
            if status == 0 and out.strip():
                sha = _decode(out.strip())
                # once per name (see the class): the sha itself needs no second look either
                self._resolved[rev] = self._resolved[sha] = sha
                return sha
        return None

    def resolve(self, rev: str) -> str:
        """The full sha of the commit `rev` names; GitError (with the fix) when it is missing."""
        sha = self._lookup(rev)
        if sha is None:
            raise self._missing(rev)
        return sha

    def _has_origin(self) -> bool:
        _, out, _ = self._run(["remote"], subject=str(self.root))
        return "origin" in _decode(out).split()

    def _fetch_plan(self, rev: str, depth: int) -> list[str] | None:
        """The `git fetch` arguments that bring `rev` from origin, or None when none can."""
        shallow = self.is_shallow
        # in a complete clone --depth would make it shallow: fetch the whole ancestry instead
        deep = [f"--depth={depth}"] if shallow else []
        base, steps = _split_relative(rev)
        if steps:
            if self._lookup(base or "HEAD") is not None:
                return ["fetch", f"--deepen={_count_steps(steps)}", "origin"] if shallow else None
            return self._fetch_plan(base, depth + _count_steps(steps))
        if _FULL_SHA.fullmatch(rev):
            return ["fetch", *deep, "origin", rev]
        if _SHORT_SHA.fullmatch(rev):
            # a server only hands out full object names: deepen until the commit arrives
            return ["fetch", f"--deepen={depth}", "origin"] if shallow else None
        refspec = _refspec(rev)
        if refspec is None:
            return None
        return ["fetch", *deep, "origin", refspec]

    def _missing(self, rev: str) -> GitError:
        if not rev or rev.startswith("-") or any(c in rev for c in "\n\r\0"):
            return GitError("invalid git revision", repr(rev), "pass a branch, tag or commit sha")
        if self._lookup("HEAD") is None:
            return GitError(
                "the repository has no commits yet",
                str(self.root),
                "commit the schema files first, or pass --base with an existing revision",
            )
        origin = self._has_origin()
        plan = self._fetch_plan(rev, 1 if _FULL_SHA.fullmatch(rev) else DEFAULT_FETCH_DEPTH)
        if self.is_shallow:
            if origin and plan is not None:
                hint = (
                    f"this is a shallow clone that does not contain {rev}: run "
                    f"`git {' '.join(plan)}`, or rerun gate with --fetch-base"
                )
            elif origin:
                hint = (
                    f"this is a shallow clone that does not contain {rev}: run "
                    "`git fetch --unshallow origin`, or rerun gate with --fetch-base"
                )
            else:
                hint = (
                    "this is a shallow clone without an `origin` remote; pass --base with a "
                    "revision it contains"
                )
        elif origin and plan is not None:
            hint = (
                "check the name (`git branch -a` lists branches); if it exists only on the "
                f"remote, run `git {' '.join(plan)}` or rerun gate with --fetch-base"
            )
        else:
            hint = "check the name: `git branch -a` lists branches, `git log --oneline` commits"
        return GitError("git revision not found", rev, hint)

    def fetch_base(self, rev: str, depth: int = DEFAULT_FETCH_DEPTH) -> None:
        """Fetch the missing base revision `rev` from `origin` (a shallow CI checkout).

        Runs `git fetch --depth=N origin <sha>`, `git fetch --depth=N origin
        refs/heads/<b>:refs/remotes/origin/<b>` for a branch name (then a tag of that name),
        or `git fetch --deepen=N origin` for `HEAD~N`. In a complete clone no depth is passed, so
        it stays complete. Nothing happens when `rev` is already present; the work tree is never
        touched.
        """
        if self._lookup(rev) is not None:
            return
        if self._lookup("HEAD") is None:
            raise self._missing(rev)
        if not self._has_origin():
            raise GitError(
                "cannot fetch the base revision: the repository has no `origin` remote",
                rev,
                "fetch it yourself, or pass --base with a revision that exists locally",
            )
        plan = self._fetch_plan(rev, depth)
        if plan is None:
            raise GitError(
                "cannot fetch this revision from origin by name",
                rev,
                "pass --base with a full commit sha or a branch name, or fetch it yourself",
            )
        plans = [plan]
        base, steps = _split_relative(rev)
        name = base[len("origin/") :] if base.startswith("origin/") else base
        if _is_branch_name(name) and not steps:
            tag = f"refs/tags/{name}:refs/tags/{name}"
            plans.append([*plan[:-1], tag])
        failure: tuple[list[str], int, str] | None = None
        for attempt in plans:
            status, _, err = self._run(attempt, subject=rev, ok=range(256))
            if status == 0:
                failure = None
                break
            if failure is None:
                failure = (attempt, status, err)
        self._resolved.clear()
        self._forget_lookups()
        self._shallow = None
        if failure is not None:
            attempt, status, err = failure
            raise GitError(
                f"`{_show(attempt)}` failed (exit {status}: {_last_line(err)})",
                rev,
                "check that origin is reachable and has this revision, or pass --base",
            )
        if self._lookup(rev) is None:
            raise GitError(
                f"`{_show(plan)}` did not bring the revision",
                rev,
                "fetch more history (`git fetch --unshallow origin`), or pass --base",
            )

    def deepen_until(self, enough: Callable[[], bool]) -> bool:
        """Fetch more of a shallow clone's history from `origin` until `enough()` says so or the
        history is complete; True when it is complete.

        Each step is `git fetch --deepen=N origin`, N doubling from 50 to 1600 (most questions
        are answered by the last few hundred commits), then `git fetch --unshallow origin` for
        the rest. Revision names resolved before keep their commits (see the class); the work
        tree is never touched. Nothing is fetched in a complete clone.
        """
        if not self.is_shallow:
            return True
        if enough():
            return False
        if not self._has_origin():
            raise GitError(
                "cannot fetch more history: this shallow clone has no `origin` remote",
                str(self.root),
                "fetch the history yourself (`git fetch --unshallow <remote>`), or run gate "
                "without --fetch-base",
            )
        for step in (*_DEEPEN_STEPS, None):
            depth = f"--deepen={step}" if step is not None else "--unshallow"
            args = ["fetch", "--quiet", "--no-tags", depth, "origin"]
            status, _, err = self._run(args, subject="origin", ok=range(256))
            self._forget_lookups()
            self._shallow = None
            if status != 0 and self.is_shallow:
                raise GitError(
                    f"`{_show(args)}` failed (exit {status}: {_last_line(err)})",
                    "origin",
                    "check that origin is reachable, or fetch the history yourself "
                    "(`git fetch --unshallow origin`) and run gate without --fetch-base",
                )
            if not self.is_shallow:
                return True
            if enough():
                return False
        return not self.is_shallow

    def default_branch(self) -> str | None:
        """origin/HEAD's target, else main, master, origin/main, origin/master (first present)."""
        candidates: list[str] = []
        status, out, _ = self._run(
            ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"],
            subject="refs/remotes/origin/HEAD",
            ok=(0, 1, 128),
        )
        if status == 0 and out.strip().startswith(b"refs/remotes/"):
            candidates.append(_decode(out.strip()))
        candidates += [
            "refs/heads/main",
            "refs/heads/master",
            "refs/remotes/origin/main",
            "refs/remotes/origin/master",
        ]
        _, out, _ = self._run(
            ["for-each-ref", "--format=%(refname)", *candidates], subject="default branch"
        )
        present = set(_decode(out).split())
        for candidate in candidates:
            if candidate in present:
                for prefix in ("refs/heads/", "refs/remotes/"):
                    if candidate.startswith(prefix):
                        return candidate[len(prefix) :]
        return None

    def default_base(self, environ: Mapping[str, str]) -> str:
        """The revision to compare against when the user named none.

        In order: `PRE_COMMIT_FROM_REF`; the GitHub Actions event payload at `GITHUB_EVENT_PATH`
        (`pull_request.base.sha`, `merge_group.base_sha`, or a push's `before` unless it is all
        zeros); `GITHUB_BASE_REF` (as `origin/<ref>` when that exists); GitLab's
        `CI_MERGE_REQUEST_DIFF_BASE_SHA`; else the merge-base of HEAD with the default branch
        (HEAD itself when HEAD is on it, so uncommitted changes are compared with the last
        commit). With no default branch: HEAD in a repository without an `origin` remote, a
        GitError in a clone (a single-branch CI checkout would otherwise check nothing).
        """
        pre_commit = environ.get("PRE_COMMIT_FROM_REF", "").strip()
        if pre_commit:
            return pre_commit
        event_base = _github_event_base(environ)
        if event_base:
            return event_base
        base_ref = environ.get("GITHUB_BASE_REF", "").strip()
        if base_ref:
            remote = f"refs/remotes/origin/{base_ref}"
            status, _, _ = self._run(
                ["rev-parse", "--verify", "--quiet", f"{remote}^{{commit}}"],
                subject=remote,
                ok=(0, 1, 128),
            )
            return f"origin/{base_ref}" if status == 0 else base_ref
        gitlab = environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "").strip()
        if gitlab:
            return gitlab
        head = self._lookup("HEAD")
        if head is None:
            raise GitError(
                "the repository has no commits yet",
                str(self.root),
                "commit the schema files first, or pass --base with an existing revision",
            )
        branch = self.default_branch()
        if branch is None:
            if not self._has_origin():
                return head  # a local repository with some other trunk: the last commit
            # a single-branch CI clone: comparing with HEAD would pass without checking anything
            raise GitError(
                "could not find the default branch (none of origin/HEAD, main, master, "
                "origin/main, origin/master exists)",
                str(self.root),
                "fetch it, e.g. `git fetch --depth=50 origin refs/heads/main:refs/remotes/origin/"
                "main`, or pass --base",
            )
        ref = f"refs/remotes/{branch}" if branch.startswith("origin/") else f"refs/heads/{branch}"
        status, out, _ = self._run(["merge-base", "HEAD", ref], subject=branch, ok=(0, 1))
        if status != 0 or not out.strip():
            if self.is_shallow:
                hint = (
                    "this is a shallow clone: run `git fetch --deepen=50 origin` (or "
                    "`git fetch --unshallow origin`), or pass --base"
                )
            else:
                hint = (
                    f"HEAD and {branch} share no history; pass --base with the revision to "
                    "compare against"
                )
            raise GitError(f"no common ancestor of HEAD and {branch}", str(self.root), hint)
        return _decode(out.strip())

    # ------------------------------------------------------------------ trees and blobs

    def _tree(self, sha: str) -> dict[str, _Entry]:
        return self._tree_listing(sha).entries

    def _tree_listing(self, sha: str) -> _Listing:
        if sha not in self._trees and sha == self._resolved.get("HEAD"):
            derived = self._head_from_index()
            if derived is not None:
                self._trees[sha] = derived
        if sha not in self._trees:
            _, out, _ = self._run(_ls_tree(sha), subject=sha)
            entries: dict[str, _Entry] = {}
            paths: set[str] = set()
            # decoded at once: no record splits inside a character (NUL and TAB are ASCII)
            for record in _decode(out).split("\0"):
                if not record:
                    continue
                meta, _, path = record.partition("\t")
                mode, kind, object_sha = meta.split(" ")
                paths.add(path)
                if kind == "blob":
                    entries[path] = _Entry(mode, object_sha)
            self._trees[sha] = _Listing(entries, frozenset(paths))
        return self._trees[sha]

    def list_paths(self, rev: str) -> list[str]:
        """Repository-relative posix paths of every file (blob) at `rev`."""
        return list(self._tree(self.resolve(rev)))

    def _batch(
        self, requests: Sequence[bytes], subject: str, follow: bool
    ) -> list[tuple[str, bytes]]:
        """The answers to `requests`, in order. git inflates one object after another: a large
        batch is shared among processes, one per usable core, that read at once."""
        if not requests:
            return []
        args = ("cat-file", "--batch", *(["--follow-symlinks"] if follow else []))
        parts = 1
        if len(requests) >= 2 * _BATCH_SHARE and sys.platform != "win32":  # see `prefetch`
            from gate.cpus import usable_cpus

            parts = max(1, min(usable_cpus(), _BATCH_PROCESSES, len(requests) // _BATCH_SHARE))
        size = -(-len(requests) // parts)
        chunks = [requests[i : i + size] for i in range(0, len(requests), size)]
        others = [
            _Prefetch(functools.partial(_execute_batch, args, self.root, chunk))
            for chunk in chunks[1:]
        ]
        try:
            outcomes = [_execute_batch(args, self.root, chunks[0])]
            outcomes += [other.result() for other in others]
            answers: list[tuple[str, bytes]] = []
            for chunk, (status, found, err) in zip(chunks, outcomes, strict=True):
                if status != 0:
                    raise self._failure(list(args), status, err, subject, "")
                if len(found) < len(chunk):
                    raise GitError(
                        "git cat-file --batch ended early",
                        _decode(chunk[len(found)]),
                        "this is unexpected; rerun with -vv and report it",
                    )
                answers += found
        finally:
            _wait(others)
        return answers

    def _objects(self, shas: Sequence[str], subject: str) -> dict[str, tuple[str, bytes]]:
        """sha -> (type, content) for many objects through one cat-file batch."""
        unique = list(dict.fromkeys(shas))
        # a blob's content never changes: one read with the index needs no second batch
        found = {sha: ("blob", self._blobs[sha]) for sha in unique if sha in self._blobs}
        asked = [sha for sha in unique if sha not in found]
        answers = self._batch([_encode(sha) for sha in asked], subject, follow=False)
        found.update(zip(asked, answers, strict=True))
        return found

    def read_revision(self, rev: str, paths: Sequence[str]) -> BlobRead:
        """The files `paths` at `rev` through one `git cat-file --batch`, and what was not read.

        Links inside the repository are followed; a link leaving it, dangling or looping gives a
        problem. Missing paths are simply absent. A path holding a newline cannot be asked for
        by name (a batch request is one line): it is read by object id from the revision's
        listing instead.
        """
        return self.read_revisions([(rev, paths)])[0]

    def read_revisions(self, requests: Sequence[tuple[str, Sequence[str]]]) -> list[BlobRead]:
        """`read_revision` of each (rev, paths), the revisions' files read together: those
        asked for by object id in one batch, those asked for by name in another."""
        plans = [self._plan_read(rev, paths) for rev, paths in requests]
        ids = [object_id for plan in plans for object_id in plan.by_id.values()]
        blobs = self._objects(ids, next(p.rev for p in plans if p.by_id)) if ids else {}
        named = [request for plan in plans for _, _, request in plan.asked]
        subject = next((p.rev for p in plans if p.asked), "")
        answers = self._batch(named, subject, follow=True)
        results: list[BlobRead] = []
        position = 0
        for plan in plans:
            end = position + len(plan.asked)
            results.append(self._finish_read(plan, blobs, answers[position:end]))
            position = end
        return results

    def _plan_read(self, rev: str, paths: Sequence[str]) -> _RevisionRead:
        """What reading `paths` at `rev` asks of git (see `read_revision`)."""
        sha = self.resolve(rev)
        listing = self._trees.get(sha)
        known: dict[str, bytes] = {}
        by_id: dict[str, str] = {}  # path -> blob id of a file (not a link) the listing names
        asked: list[tuple[str, str, bytes]] = []
        newline_paths: list[str] = []  # read from the listing's entries (see above)
        for path in paths:
            relative = normalize_path(path)
            if relative is None:
                continue
            if "\n" in relative:
                newline_paths.append(path)
                continue
            if listing is not None:
                # the revision was listed: a file (not a link) this object read already, with
                # the index, needs no batch; another file is asked for by its object id (git
                # then walks no tree for it, which costs several times more than the read), and
                # a path that neither is listed nor goes through a link is no file there
                entry = listing.entries.get(relative)
                if entry is not None and entry.mode in _FILE_MODES:
                    if entry.sha in self._blobs:
                        known[path] = self._blobs[entry.sha]
                    else:
                        by_id[path] = entry.sha
                    continue
                if entry is None and not _through_link(relative, listing.entries):
                    continue
            asked.append((path, relative, _encode(f"{sha}:{relative}")))
        return _RevisionRead(rev, sha, paths, known, by_id, asked, newline_paths)

    def _finish_read(
        self,
        plan: _RevisionRead,
        blobs: Mapping[str, tuple[str, bytes]],
        answers: Sequence[tuple[str, bytes]],
    ) -> BlobRead:
        """`plan`'s files from the objects read by id and the answers to its named requests."""
        known = plan.known
        known.update(
            (path, blobs[object_id][1])
            for path, object_id in plan.by_id.items()
            if blobs[object_id][0] == "blob"
        )
        read: dict[str, bytes] = {}
        problems: list[str] = []
        for (path, relative, _), (kind, data) in zip(plan.asked, answers, strict=True):
            if kind == "blob":
                read[path] = data
            elif kind == "symlink":
                problems.append(
                    f"{relative}: symbolic link points outside the repository "
                    f"({_decode(data)}); not read"
                )
            elif kind == "dangling":
                problems.append(f"{relative}: dangling symbolic link; not read")
            elif kind == "loop":
                problems.append(f"{relative}: symbolic link loop; not read")
        if plan.newline_paths:
            listed = self._read_entries(self._tree(plan.sha), plan.newline_paths, plan.rev)
            known.update(listed.contents)
            problems += listed.problems
        contents = {
            path: known[path] if path in known else read[path]
            for path in plan.paths
            if path in known or path in read
        }
        return BlobRead(self.resolve_lfs(contents, plan.rev), tuple(problems))

    def read_blobs(self, rev: str, paths: Sequence[str]) -> dict[str, bytes]:
        """The content of many files at `rev` in one batch; missing paths are absent."""
        return self.read_revision(rev, paths).contents

    def index_entries(self) -> dict[str, tuple[str, str]]:
        """The staged files: path -> (mode, blob sha), stage 0 only, without submodules."""
        return {path: (entry.mode, entry.sha) for path, entry in self._index().items()}

    def _index(self) -> dict[str, _Entry]:
        return self._staged_listing().entries

    def _staged_listing(self) -> _Listing:
        """The index's listing; listed again only when the index file changed since."""
        signature = self._index_signature()
        if (
            signature is not None
            and self._index_listing is not None
            and self._index_listing[0] == signature
        ):
            return self._index_listing[1]
        _, out, _ = self._run(["ls-files", "--stage", "-z"], subject="the index")
        entries: dict[str, _Entry] = {}
        paths: set[str] = set()
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, object_sha, stage = _decode(meta).split(" ")
            path = _decode(raw_path)
            paths.add(path)
            # unmerged paths (stages 1-3) have no staged content to judge yet
            if stage == "0" and mode != _GITLINK_MODE:
                entries[path] = _Entry(mode, object_sha)
        listing = _Listing(entries, frozenset(paths))
        self._index_listing = None if signature is None else (signature, listing)
        return listing

    def _head_from_index(self) -> _Listing | None:
        """HEAD's listing as the index listing already read (a staged run) undone by the staged
        changes: `git diff-index` skips the folders the index knows unchanged, where `ls-tree`
        reads every tree of HEAD. None when the index has not been listed in this state."""
        signature = self._index_signature()
        if signature is None or self._index_listing is None or self._index_listing[0] != signature:
            return None
        index = self._index_listing[1]
        status, out, _ = self._run(
            [
                "diff-index",
                "--cached",
                "--raw",
                "-z",
                "--no-renames",
                "--no-abbrev",
                *_NO_PROGRAMS,
                "HEAD",
            ],
            subject="HEAD",
            ok=(0, 128),
        )
        if status != 0:
            return None
        entries = dict(index.entries)
        paths = set(index.paths)
        records = out.split(b"\0")
        for meta, raw_path in zip(records[0::2], records[1::2], strict=False):
            fields = _decode(meta).lstrip(":").split(" ")
            if len(fields) != 5:
                return None  # not the format asked for: list HEAD itself
            mode, _, object_sha, _, _change = fields
            path = _decode(raw_path)
            entries.pop(path, None)
            if mode == "000000":  # not in HEAD (added, or unmerged and new)
                paths.discard(path)
                continue
            paths.add(path)
            if mode != _GITLINK_MODE:
                entries[path] = _Entry(mode, object_sha)
        return _Listing(entries, frozenset(paths))

    def _index_signature(self) -> tuple[int, ...] | None:
        """The index file's identity and times (git replaces the file on every write), or None
        when it cannot be told (then the index is listed every time)."""
        index = os.environ.get("GIT_INDEX_FILE")
        if not index:  # GIT_DIR is not honoured (see `_CLEARED`)
            dot_git = self._git_folder()
            if dot_git is None:
                return None
            index = os.path.join(dot_git, "index")
        try:
            info = os.stat(os.path.join(self.root, index))
        except OSError:
            return None
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    def _git_folder(self) -> Path | None:
        """The work tree's git folder: `.git`, or where a `.git` file (`gitdir: ...`) points."""
        if self._dot_git is None:
            dot_git = self.root / ".git"
            if dot_git.is_dir():
                self._dot_git = dot_git
            elif dot_git.is_file():
                try:
                    text = dot_git.read_text(encoding="utf-8")
                except (OSError, UnicodeError):
                    return None
                first = text.splitlines()[0] if text else ""
                if first.startswith("gitdir: "):
                    self._dot_git = self.root / first[len("gitdir: ") :]
        return self._dot_git

    def resolve_lfs(self, contents: dict[str, bytes], where: str) -> dict[str, bytes]:
        """`contents` with every git-lfs pointer file replaced by the object it names.

        git stores a file tracked by git-lfs as a small pointer; its content is in the
        repository's LFS store (`.git/lfs/objects`), where `git lfs fetch` puts it. It is read
        from there and checked against the pointer's sha256 and size: no program runs and
        nothing is downloaded. A pointer whose object is not there is a SourceError (exit 3)
        naming the files: comparing the pointers' text would judge nothing.
        """
        missing = self._resolve_lfs_in_place(contents)
        if missing:
            shown = ", ".join(sorted(missing)[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise SourceError(
                f"{len(missing)} file(s) in {where} are git-lfs pointers whose content is "
                "not in the local LFS store, so they cannot be checked",
                shown,
                "fetch the LFS objects (`git lfs fetch origin <revision>`, or `git lfs pull` for "
                "the work tree; in CI, check out with LFS enabled), then rerun gate",
            )
        return contents

    def _resolve_lfs_in_place(self, contents: dict[str, bytes]) -> list[str]:
        """Replace each git-lfs pointer in `contents` by its object from the local store; the
        keys of the pointers whose object is not there (left as they are)."""
        missing: list[str] = []
        for key, data in contents.items():
            pointer = lfs_pointer(data)
            if pointer is None:
                continue
            found = self._lfs_object(*pointer)
            if found is None:
                missing.append(key)
            else:
                contents[key] = found
        return missing

    def _lfs_object(self, oid: str, size: int) -> bytes | None:
        """The content of LFS object `oid` from the local store, if it is there and intact."""
        git_dir = self._git_folder()
        if git_dir is None:
            return None
        common = git_dir
        with contextlib.suppress(OSError, UnicodeError):
            common = git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()
        path = common / "lfs" / "objects" / oid[:2] / oid[2:4] / oid
        try:
            with open(path, "rb") as handle:
                data = handle.read(size + 1)
        except OSError:
            return None
        if len(data) != size or hashlib.sha256(data).hexdigest() != oid:
            return None
        return data

    def _read_entries(
        self, entries: Mapping[str, _Entry], paths: Sequence[str], subject: str
    ) -> BlobRead:
        """Read `paths` from a listing of entries (the index), following links inside it."""
        wanted = [(path, relative) for path in paths if (relative := normalize_path(path))]
        direct = {
            relative: entries[relative].sha
            for _, relative in wanted
            if relative in entries and entries[relative].mode in _FILE_MODES
        }
        indirect = [relative for _, relative in wanted if relative not in direct]
        links = {p: e.sha for p, e in entries.items() if e.mode == _SYMLINK_MODE}
        if not indirect:
            links = {}
        # the same files in the trees this object listed (a run's base revision) come along:
        # the base's read then needs no cat-file of its own (see read_revision)
        companions = [
            entry.sha
            for listing in self._trees.values()
            for relative in direct
            if (entry := listing.entries.get(relative)) is not None and entry.mode in _FILE_MODES
        ]
        blobs = self._objects([*direct.values(), *links.values(), *companions], subject)
        self._blobs.update((sha, data) for sha, (kind, data) in blobs.items() if kind == "blob")
        link_text = {p: _decode(blobs[s][1]) for p, s in links.items()}
        problems: list[str] = []
        target_of: dict[str, str] = {}
        for relative in indirect:
            target, why = _follow_links(relative, entries, link_text)
            if why is not None:
                problems.append(f"{relative}: {why}; not read")
                continue
            entry = entries.get(str(target))
            if entry is None or entry.mode not in _FILE_MODES:
                if links and target != relative:
                    problems.append(f"{relative}: dangling symbolic link; not read")
                continue
            target_of[relative] = entry.sha
        blobs.update(self._objects([s for s in target_of.values() if s not in blobs], subject))
        contents: dict[str, bytes] = {}
        for path, relative in wanted:
            object_sha = direct.get(relative) or target_of.get(relative)
            if object_sha is not None and blobs[object_sha][0] == "blob":
                contents[path] = blobs[object_sha][1]
        return BlobRead(self.resolve_lfs(contents, subject), tuple(problems))

    def read_index(self, paths: Sequence[str]) -> BlobRead:
        """The staged content of `paths` (what `git commit` would record), in one batch."""
        return self._read_entries(self._index(), paths, "the index")

    def worktree_paths(self) -> tuple[list[str], list[str]]:
        """Tracked files (deleted ones included), and untracked files that are not ignored (as
        git found them on disk just now; a nested repository is listed as `path/`)."""
        _, out, _ = self._run(_LS_TRACKED, subject="work tree")
        tracked = list(dict.fromkeys(_decode(raw) for raw in out.split(b"\0") if raw))
        _, out, _ = self._run(_LS_UNTRACKED, subject="work tree")
        return tracked, [_decode(raw) for raw in out.split(b"\0") if raw]

    # ------------------------------------------------------------------ changes and history

    def changed_paths(self, base: str, head: str | None, staged: bool = False) -> list[FileChange]:
        """What changed from `base` to `head` (None: the work tree; `staged`: the index).

        One `git diff-index -M --raw -z` (`diff-tree` between revisions); against the work tree,
        untracked files that are not ignored are added too (git's diff does not see them, so
        their renames are not detected).
        """
        if head is not None and staged:
            raise ValueError("changed_paths: `head` and `staged` exclude each other")
        return self._changes(base, head, staged, untracked=True)

    def _changes(
        self, base: str, head: str | None, staged: bool, untracked: bool
    ) -> list[FileChange]:
        """`changed_paths`; without `untracked`, the work tree's untracked files are left out.

        Plumbing only (`diff-tree`, `diff-index`): porcelain `git diff` against the work tree
        refreshes the index when some file's stat data changed but not its content, which
        rewrites `.git/index` (taking its lock, running the `post-index-change` hook) even with
        GIT_OPTIONAL_LOCKS=0. `diff-index` reports such a file as modified without an object
        id: its bytes are hashed here and compared with the base's blob instead.
        """
        options = ["-M", "--raw", "--no-abbrev", "-z", *_NO_PROGRAMS]
        base_sha = self.resolve(base)
        if head is not None:
            args = ["diff-tree", "-r", *options, base_sha, self.resolve(head), "--"]
        else:
            args = ["diff-index", *options, *(["--cached"] * staged), base_sha, "--"]
        target = head if head is not None else ("the index" if staged else "the work tree")
        worktree = head is None and not staged
        _, out, _ = self._run(args, subject=f"{base} -> {target}", worktree=worktree)
        from gate.sources.gitchanges import ChangeStatus, FileChange

        tokens = [_decode(raw) for raw in out.split(b"\0")]
        changes: list[FileChange] = []
        position = 0
        while position < len(tokens):
            meta = tokens[position]
            position += 1
            if not meta.startswith(":"):
                continue
            fields = meta[1:].split(" ")
            if len(fields) != 5:
                raise GitError(
                    f"unexpected answer from {_show(args)}",
                    meta[:200],
                    "this is unexpected; rerun with -vv and report it",
                )
            old_mode, new_mode, old_sha, new_sha, status = fields
            letter = status[:1]
            if letter in "RC":
                old, new = tokens[position], tokens[position + 1]
                position += 2
                if letter == "R":
                    changes.append(FileChange(ChangeStatus.RENAMED, old, new))
                else:
                    changes.append(FileChange(ChangeStatus.ADDED, None, new))
                continue
            path = tokens[position]
            position += 1
            if letter == "A":
                changes.append(FileChange(ChangeStatus.ADDED, None, path))
            elif letter == "D":
                changes.append(FileChange(ChangeStatus.DELETED, path, None))
            elif (
                letter == "M"
                and head is None
                and not staged
                and old_mode == new_mode
                and _all_zeros(new_sha)
                and self._same_on_disk(path, old_sha)
            ):
                continue  # only its stat data changed (see above)
            else:  # M, T (type change), U (unmerged)
                changes.append(FileChange(ChangeStatus.MODIFIED, path, path))
        if head is None and not staged and untracked:
            _, out, _ = self._run(
                ["ls-files", "-z", "--others", "--exclude-standard"], subject="work tree"
            )
            known = {change.new_path for change in changes}
            changes += [
                FileChange(ChangeStatus.ADDED, None, path)
                for path in (_decode(raw) for raw in out.split(b"\0") if raw)
                if path not in known
            ]
        return changes

    def _same_on_disk(self, path: str, blob_sha: str) -> bool:
        """True when the work tree's file at `path` holds exactly the blob `blob_sha` (its bytes
        hashed as git names a blob, without any filter)."""
        full = os.path.join(self.root, path)
        try:
            if os.path.islink(full):
                data = _encode(os.readlink(full))
            else:
                with open(full, "rb") as handle:
                    data = handle.read()
        except OSError:
            return False
        algorithm = hashlib.sha256 if len(blob_sha) == 64 else hashlib.sha1
        digest = algorithm(b"blob %d\0" % len(data))
        digest.update(data)
        return digest.hexdigest() == blob_sha.lower()

    def renames(self, base: str, head: str | None, staged: bool = False) -> dict[str, str]:
        """New path -> old path of files git's rename detection pairs between base and head.

        Between two revisions, or a revision and the index, git's diff runs only when some path
        was added and some other deleted: a rename needs both. The listings that tell are the
        ones the trees of a run list anyway (kept by sha, and while the index is unchanged).
        """
        if head is not None and staged:
            raise ValueError("changed_paths: `head` and `staged` exclude each other")
        if head is not None or staged:
            # the index first: HEAD's listing may then be derived from it
            new = (
                self._tree_listing(self.resolve(head)).paths
                if head is not None
                else self._staged_listing().paths
            )
            old = self._tree_listing(self.resolve(base)).paths
            if old <= new or new <= old:
                return {}
        from gate.sources.gitchanges import ChangeStatus

        # untracked files would only be additions: they never pair up (see changed_paths)
        return {
            str(change.new_path): str(change.old_path)
            for change in self._changes(base, head, staged, untracked=False)
            if change.status is ChangeStatus.RENAMED
        }

    def blob_ids(self, paths: Sequence[str], revisions: Sequence[str] = ()) -> dict[str, list[str]]:
        """The object id of every distinct content each path ever had, oldest first.

        Covers the history reachable from HEAD, every ref except `refs/stash` (a stash is not
        a revision anyone deployed) and `revisions` (full shas, e.g. a base fetched by sha,
        which no ref names), merges included. `git log --raw`, one per few hundred paths; no
        content is read.
        """
        revisions = sorted({r for r in revisions if _FULL_SHA.fullmatch(r)})
        found: dict[str, list[str]] = {path: [] for path in paths}
        asked: dict[str, list[str]] = {}
        for path in paths:
            relative = normalize_path(path)
            if relative is not None:
                asked.setdefault(relative, []).append(path)
        if not asked or self._lookup("HEAD") is None:
            return found
        versions: dict[str, list[str]] = {relative: [] for relative in asked}
        # git matches every file of every commit against every pathspec: a few hundred at a time
        # keep that from growing with the square of the paths asked (2,000 at once take 3 times
        # as long as 8 runs of 250)
        relatives = list(asked)
        step = _LOG_PATHSPECS
        chunks = [relatives[i : i + step] for i in range(0, len(relatives), step)]
        if len(chunks) > 1:
            # all at once, on every core
            self.prefetch(*(_log_raw(chunk, revisions) for chunk in chunks))
        try:
            for chunk in chunks:
                self._log_blob_ids(chunk, versions, revisions)
        finally:
            self.settle()
        for relative, shas in versions.items():
            for path in asked[relative]:
                found[path] = list(shas)
        return found

    def _log_blob_ids(
        self, relatives: list[str], versions: dict[str, list[str]], revisions: Sequence[str]
    ) -> None:
        """Add to `versions` the object ids `relatives` had in history, oldest first."""
        _, out, _ = self._run(_log_raw(relatives, revisions), subject="history")
        tokens = [_decode(raw) for raw in out.split(b"\0")]
        position = 0
        while position < len(tokens):
            token = tokens[position].strip("\n")
            position += 1
            if not token.startswith(":"):
                continue
            path = tokens[position]
            position += 1
            meta = token[1:].split(" ")
            if path not in versions or len(meta) < 4:
                continue
            for mode, object_sha in ((meta[0], meta[2]), (meta[1], meta[3])):
                if (
                    mode in _FILE_MODES
                    and not _all_zeros(object_sha)
                    and object_sha not in versions[path]
                ):
                    versions[path].append(object_sha)

    def grep(
        self, sha: str | None, needles: Iterable[str], pathspecs: Sequence[str] = ()
    ) -> set[str]:
        """The paths whose content holds any of `needles` (fixed strings) at revision `sha`,
        or in the index when `sha` is None, among those `pathspecs` (git's) match.

        Nothing is read into Python. The index is searched through the work tree (reading
        packed blobs costs several times more), except for the files whose staged content
        differs from the file on disk, which are searched in the index itself.
        """
        wanted = sorted(set(needles))
        if not wanted:
            return set()
        if sha is not None:
            return self._grep(wanted, [sha], pathspecs, sha)
        _, out, _ = self._run(
            # plumbing: it never refreshes the index (see `_changes`); a file whose stat data
            # alone changed is listed too, and searched in the index like the others
            ["diff-files", "--name-only", "-z", *_NO_PROGRAMS],
            subject="the index",
            worktree=True,
        )
        differing = {_decode(item) for item in out.split(b"\0") if item}
        found = self._grep(wanted, [], pathspecs, None) - differing
        if differing:
            literal = [":(literal)" + path for path in sorted(differing)]
            found |= self._grep(wanted, ["--cached"], literal, None)
        return found

    def _grep(
        self,
        needles: Sequence[str],
        where: Sequence[str],
        pathspecs: Sequence[str],
        sha: str | None,
    ) -> set[str]:
        args = ["grep", "-l", "-z", "-F", "--no-color", "--no-recurse-submodules", "--no-textconv"]
        for needle in needles:
            args += ["-e", needle]
        args += [*where]
        if pathspecs:
            args += ["--", *pathspecs]
        status, out, _ = self._run(
            args,
            subject=sha or "the index",
            ok=(0, 1),
            hint="check that the revision exists and the repository is readable",
            worktree=not where,  # the work tree's files
        )
        if status == 1:
            return set()
        prefix = b"" if sha is None else sha.encode() + b":"
        return {
            _decode(item[len(prefix) :] if prefix and item.startswith(prefix) else item)
            for item in out.split(b"\0")
            if item
        }

    def read_objects(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The contents of blobs by object id, in one cat-file batch; missing ones are absent."""
        blobs = self._objects(list(dict.fromkeys(shas)), "history")
        return {sha: blobs[sha][1] for sha in shas if sha in blobs and blobs[sha][0] == "blob"}

    def read_history(self, shas: Sequence[str]) -> HistoryRead:
        """The contents of blobs of history by object id, git-lfs pointers replaced by their
        objects from the local store (as `resolve_lfs` does). A pointer whose object is not
        there is left out and named in `unreadable`: older history is not the change under
        check, so it does not stop the run, and its text is never taken for the file's."""
        from gate.sources.gitchanges import HistoryRead

        contents = self.read_objects(shas)
        missing = self._resolve_lfs_in_place(contents)
        for sha in missing:
            del contents[sha]
        return HistoryRead(contents, tuple(missing))

    def commits_introducing(
        self, path: str, shas: Iterable[str], revisions: Sequence[str] = ()
    ) -> dict[str, list[str]]:
        """The commits (full shas, newest first) where `path` took each of the contents
        `shas`, in the history `blob_ids` reads: one `git log --raw` of that path."""
        found: dict[str, list[str]] = {sha: [] for sha in shas}
        relative = normalize_path(path)
        if not found or relative is None or self._lookup("HEAD") is None:
            return found
        revisions = sorted({r for r in revisions if _FULL_SHA.fullmatch(r)})
        args = [arg for arg in _log_raw([relative], revisions) if arg != "--reverse"]
        args[args.index("--format=")] = "--format=commit %H"
        _, out, _ = self._run(args, subject=f"history of {relative}")
        commit = ""
        for raw in out.split(b"\0"):
            token = _decode(raw).strip("\n")
            if token.startswith("commit "):
                commit = token[len("commit ") :]
            elif token.startswith(":") and commit:
                meta = token[1:].split(" ")
                if len(meta) >= 4 and meta[3] in found and commit not in found[meta[3]]:
                    found[meta[3]].append(commit)
        return found

    def blob_history(self, paths: Sequence[str]) -> dict[str, list[bytes]]:
        """Every distinct content each path ever had, oldest first (see `blob_ids`)."""
        ids = self.blob_ids(paths)
        blobs = self.read_objects([sha for shas in ids.values() for sha in shas])
        return {path: [blobs[s] for s in shas if s in blobs] for path, shas in ids.items()}


def _github_event_base(environ: Mapping[str, str]) -> str | None:
    """The base sha a GitHub Actions event payload names, if any."""
    event_path = environ.get("GITHUB_EVENT_PATH", "").strip()
    if not event_path:
        return None
    try:
        payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SourceError(
            f"could not read the GitHub Actions event payload ({error.strerror})",
            event_path,
            "unset GITHUB_EVENT_PATH, or pass --base",
        ) from None
    except ValueError:
        raise SourceError(
            "the GitHub Actions event payload is not valid JSON",
            event_path,
            "unset GITHUB_EVENT_PATH, or pass --base",
        ) from None
    if not isinstance(payload, dict):
        return None
    for key, inner in (("pull_request", "base"), ("merge_group", None)):
        section = payload.get(key)
        if isinstance(section, dict):
            if inner is None:
                sha = section.get("base_sha")
            else:
                base = section.get(inner)
                sha = base.get("sha") if isinstance(base, dict) else None
            if isinstance(sha, str) and sha:
                return sha
    before = payload.get("before")
    if isinstance(before, str) and before and not _all_zeros(before):
        return before
    return None


def _file_ids(entries: Mapping[str, _Entry], paths: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in paths:
        entry = entries.get(path)
        if entry is not None and entry.mode in _FILE_MODES:
            found[path] = entry.sha
    return found


class RevisionTree:
    """The files of one git revision. `label` is the revision as given plus its short sha."""

    kind = OriginKind.GIT

    def __init__(self, repo: GitRepository, rev: str) -> None:
        self._repo = repo
        self.rev = rev
        self.sha = repo.resolve(rev)
        short = self.sha[:7]
        if _SHORT_SHA.fullmatch(rev) and self.sha.startswith(rev.lower()):
            self.label = short
        else:
            self.label = f"{rev} ({short})"
        self.problems: list[str] = []

    def list_paths(self) -> list[str]:
        return self._repo.list_paths(self.sha)

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        result = self._repo.read_revision(self.sha, paths)
        self.problems.extend(result.problems)
        return result.contents

    def object_ids(self, paths: Sequence[str]) -> dict[str, str]:
        """The blob id of each of `paths` that is a file (not a link) here: from the listing."""
        return _file_ids(self._repo._tree(self.sha), paths)

    def grep(self, needles: Iterable[str], pathspecs: Sequence[str] = ()) -> set[str]:
        """The paths of this revision whose content holds any of `needles`."""
        return self._repo.grep(self.sha, needles, pathspecs)


def read_together(reads: Sequence[tuple[Tree, Sequence[str]]]) -> list[dict[str, bytes]] | None:
    """What `tree.read(paths)` gives for each (tree, paths), read through one set of batches
    (see `read_revisions`); None unless every tree is a revision of one repository."""
    revisions = [tree for tree, _ in reads if isinstance(tree, RevisionTree)]
    if not revisions or len(revisions) != len(reads):
        return None
    repo = revisions[0]._repo
    if any(tree._repo is not repo for tree in revisions):
        return None
    shas = [tree.sha for tree in revisions]
    results = repo.read_revisions(
        [(sha, paths) for sha, (_, paths) in zip(shas, reads, strict=True)]
    )
    for tree, result in zip(revisions, results, strict=True):
        tree.problems.extend(result.problems)
    return [result.contents for result in results]


class IndexTree:
    """The staged content (what the next commit records): the pre-commit hook's view."""

    kind = OriginKind.INDEX
    rev: str | None = None

    def __init__(self, repo: GitRepository) -> None:
        self._repo = repo
        self.label = "staged"
        self.problems: list[str] = []
        self._entries: dict[str, _Entry] | None = None

    def _load(self) -> dict[str, _Entry]:
        if self._entries is None:
            self._entries = self._repo._index()
        return self._entries

    def list_paths(self) -> list[str]:
        return sorted(self._load())

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        result = self._repo._read_entries(self._load(), paths, "the index")
        self.problems.extend(result.problems)
        return result.contents

    def object_ids(self, paths: Sequence[str]) -> dict[str, str]:
        """The blob id of each of `paths` that is a staged file (not a link)."""
        return _file_ids(self._load(), paths)

    def grep(self, needles: Iterable[str], pathspecs: Sequence[str] = ()) -> set[str]:
        """The staged paths whose content holds any of `needles`."""
        return self._repo.grep(None, needles, pathspecs)
