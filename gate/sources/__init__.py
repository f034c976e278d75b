"""Where schemas come from: git revisions, the index, the work tree, a registry, a snapshot.

Every source returns plain values (paths, bytes, frozen dataclasses) and reports failures as
`gate.errors.SourceError` subclasses; none of them prints, and none of them changes the work tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence


class Tree(Protocol):
    """A set of files at one point: a git revision, the index, the work tree."""

    label: str
    problems: list[str]

    def list_paths(self) -> list[str]: ...

    def read(self, paths: Sequence[str]) -> dict[str, bytes]: ...
