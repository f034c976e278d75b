"""What git tells changed between two trees, and what it read of history: built only when a
run asks for them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ChangeStatus(enum.StrEnum):
    """How a file changed between two trees (git's own letters)."""

    ADDED = "A"
    MODIFIED = "M"
    DELETED = "D"
    RENAMED = "R"


@dataclass(frozen=True)
class FileChange:
    """One changed file: `old_path` is None when added, `new_path` None when deleted."""

    status: ChangeStatus
    old_path: str | None
    new_path: str | None

    @property
    def path(self) -> str:
        return str(self.new_path if self.new_path is not None else self.old_path)


@dataclass(frozen=True)
class HistoryRead:
    """Contents of history by object id, and the ids of git-lfs pointers that could not be
    resolved from the local LFS store (not in `contents`)."""

    contents: dict[str, bytes] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()
