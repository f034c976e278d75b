"""The work tree as a source: the files as they are on disk now, tracked or not.

Inside a git repository the listing comes from git (tracked files plus untracked files that are
not ignored); outside one it is a plain directory walk. Reading never follows a symbolic link
that leaves the repository: such a path yields nothing and a message is appended to `problems`.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from gate.errors import SourceError
from gate.model import OriginKind

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from gate.sources.git import GitRepository


def normalize_path(path: str) -> str | None:
    """`path` as a repository-relative posix path without `.` or empty parts.

    None when it is absolute or climbs out of the repository with `..`.
    """
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def resolve_link(link_path: str, target: str) -> str | None:
    """Where a symbolic link at `link_path` (repository-relative) points, or None if outside."""
    if target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(link_path), target))
    if joined == "." or joined == ".." or joined.startswith("../"):
        return None
    return joined


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _walk(root: Path) -> Iterator[str]:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if name != ".git")
        relative = Path(directory).relative_to(root).as_posix()
        for name in filenames:
            yield name if relative == "." else f"{relative}/{name}"


class WorktreeTree:
    """The files as they are now in the work tree (or a plain directory outside git).

    With a `GitRepository`: tracked files and untracked files that are not ignored, minus those
    deleted from disk. With a `Path`: every file below it, skipping `.git` directories.
    """

    kind = OriginKind.WORKTREE
    rev: str | None = None

    def __init__(self, repo_or_root: GitRepository | Path) -> None:
        if isinstance(repo_or_root, Path):
            self._repo: GitRepository | None = None
            self.root = repo_or_root.resolve()
        else:
            self._repo = repo_or_root
            self.root = repo_or_root.root
        self.label = "worktree"
        self.problems: list[str] = []
        self._paths: list[str] | None = None

    def list_paths(self) -> list[str]:
        """Repository-relative posix paths of every file present now."""
        if self._paths is None:
            if self._repo is not None:
                tracked, untracked = self._repo.worktree_paths()
            else:
                tracked, untracked = list(_walk(self.root)), []
            present = set()
            prefix = str(self.root) + os.sep
            for path in tracked:
                try:
                    mode = os.lstat(prefix + path).st_mode
                except OSError:
                    continue  # deleted from disk (or not visible at all)
                # a gitlink (submodule) is listed by git but is a directory on disk
                if not stat.S_ISDIR(mode):
                    present.add(path)
            # git has just found these on disk: only a nested repository is a directory
            present.update(path for path in untracked if not path.endswith("/"))
            self._paths = sorted(present)
        return list(self._paths)

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        """The bytes of each path that exists; a missing path is absent from the result."""
        contents: dict[str, bytes] = {}
        real_root = os.path.realpath(self.root)
        real_folders: dict[str, str] = {}  # many files share a folder: each resolved once
        for path in paths:
            relative = normalize_path(path)
            if relative is None:
                self.problems.append(f"{path}: not a path inside the repository; not read")
                continue
            full = os.path.join(self.root, relative)
            folder, name = os.path.split(full)
            real_folder = real_folders.get(folder)
            if real_folder is None:
                real_folder = real_folders[folder] = os.path.realpath(folder)
            # a file that is no link is where its folder really is
            if os.path.islink(full):
                real = os.path.realpath(full)
            else:
                real = os.path.join(real_folder, name)
            if not _inside(real, real_root):
                self.problems.append(
                    f"{relative}: symbolic link points outside the repository ({real}); not read"
                )
                continue
            try:
                with open(real, "rb") as handle:
                    contents[path] = handle.read()
            except (FileNotFoundError, NotADirectoryError):
                if os.path.islink(full):
                    self.problems.append(f"{relative}: dangling symbolic link; not read")
            except IsADirectoryError:
                continue
            except OSError as error:
                if error.errno == errno.ELOOP:
                    self.problems.append(f"{relative}: symbolic link loop; not read")
                    continue
                raise SourceError(
                    f"could not read a file in the work tree ({error.strerror})",
                    relative,
                    "check the file's permissions",
                ) from None
        if self._repo is not None:
            # without git-lfs installed, a checkout leaves the pointer files in place
            return self._repo.resolve_lfs(contents, "the work tree")
        return contents
