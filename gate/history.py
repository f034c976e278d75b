"""Drift's history: what a run with a registry compares git's schemas with, read from git."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.subjects import SubjectSource

if TYPE_CHECKING:
    from pathlib import Path

    from gate.sources.git import GitRepository
    from gate.workspace import Workspace


@dataclass(frozen=True)
class History:
    """What drift needs of git history, gathered with one `git log`: every object id each
    subject's file ever had, and whether that history is complete (not a shallow clone's).
    Contents are read only where a registered text is not in git byte for byte (to compare them
    as JSON), by the process that judges the subject (`texts`)."""

    root: Path
    ids: dict[str, frozenset[str]]
    complete: bool = True
    revisions: tuple[str, ...] = ()  # full shas whose history counts though no ref names them

    def texts(self, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The texts `path` had in history, git-lfs pointers read from the local LFS store; and
        the commits (short shas) that gave it a version gate cannot read: a pointer whose object
        was never fetched, which is left out rather than compared as text."""
        from gate.sources.git import GitRepository

        key = (os.getpid(), self.root)  # a forked worker opens its own repository
        repo = _HISTORY_REPOSITORIES.get(key)
        if repo is None:
            repo = _HISTORY_REPOSITORIES[key] = GitRepository.open(self.root)
        read = repo.read_history(sorted(self.ids.get(path, ())))
        texts = tuple(data.decode("utf-8", "replace") for data in read.contents.values())
        if not read.unreadable:
            return texts, ()
        commits = repo.commits_introducing(path, read.unreadable, self.revisions)
        # a pointer no commit introduced (it cannot be, but) is named by its object id
        named = [sha[:7] for blob in read.unreadable for sha in commits[blob] or [blob]]
        return texts, tuple(dict.fromkeys(named))


_HISTORY_REPOSITORIES: dict[tuple[int, Path], GitRepository] = {}

# whether a subject's registered versions would be drift for want of them in a history, given
# its file's texts in that history (empty: matched by object id alone)
InDoubt = Callable[[SubjectSource, History, tuple[str, ...]], bool]


def drift_history(
    workspace: Workspace,
    subjects: Sequence[SubjectSource],
    in_doubt: InDoubt | None = None,
) -> History:
    """The history drift compares with. In a shallow clone, given `in_doubt` (--fetch-base with
    a registry), more history is fetched until no registered version that would otherwise be
    drift is left in doubt, or the history is complete."""
    repo = workspace.repo
    paths = [s.head_path for s in subjects if s.head_path]
    # the compared revisions count even when no ref names them (a base fetched by its sha)
    revisions = [
        sha
        for tree in (workspace.base_tree, workspace.head_tree)
        if isinstance(sha := getattr(tree, "sha", None), str)
    ]

    def gather() -> History:
        found = repo.blob_ids(paths, revisions) if paths else {}
        ids = {p: frozenset(v) for p, v in found.items()}
        complete = not (paths and repo.is_shallow)
        return History(repo.root, ids, complete=complete, revisions=tuple(revisions))

    history = gather()
    if history.complete or in_doubt is None:
        return history

    asked = False

    def enough() -> bool:
        nonlocal history, asked
        if asked:  # more history came since the last question
            history = gather()
        asked = True
        return not _any_in_doubt(repo, subjects, history, in_doubt)

    if repo.deepen_until(enough):
        history = gather()  # complete now: the last step's history was not gathered yet
    return history


def _any_in_doubt(
    repo: GitRepository, subjects: Sequence[SubjectSource], history: History, in_doubt: InDoubt
) -> bool:
    """Whether some registered version would be drift for want of it in `history`. Versions are
    matched by object id first; the texts of history are read, in one batch for all subjects,
    only for those where that leaves a version in doubt (comparing texts can only find more
    versions held, and so fewer in doubt)."""
    doubtful = [source for source in subjects if in_doubt(source, history, ())]
    if not doubtful:
        return False
    wanted = sorted({sha for s in doubtful for sha in history.ids.get(s.path, ())})
    blobs = repo.read_history(wanted).contents
    for source in doubtful:
        texts = tuple(
            blobs[sha].decode("utf-8", "replace")
            for sha in sorted(history.ids.get(source.path, ()))
            if sha in blobs
        )
        if in_doubt(source, history, texts):
            return True
    return False
