"""Files written whole or not at all: reports, and gate.yaml when a command edits it."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a crash never leaves a half-written report.

    The file gets the permissions `open` would have given it (0666 less the umask), or keeps
    those it had: the temporary file's 0600 would hide a report from the CI user that uploads it.
    A path that is not a regular file (`/dev/stdout`, a pipe) is written through; a symbolic
    link is followed, so the file it names is replaced and the link stays.
    """
    staged = stage(path, text)
    try:
        commit(staged)
    except BaseException:
        discard([staged])
        raise


@dataclass(frozen=True)
class Staged:
    """A report written to a temporary file beside its target, or due to be written through."""

    target: Path
    temporary: Path | None
    text: str


def stage(path: Path, text: str) -> Staged:
    target = path
    if path.is_symlink():
        resolved = path.resolve()
        # a link to a file is followed; a link to anything else (/dev/stdout) is written through
        target = resolved if resolved.is_file() else path
    if target.exists() and not target.is_file():
        return Staged(target, None, text)  # a device or a pipe: no rename possible
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, _mode_for(target))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Staged(target, Path(temporary), text)


def commit(staged: Staged) -> None:
    if staged.temporary is None:
        with open(staged.target, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(staged.text)
    else:
        os.replace(staged.temporary, staged.target)


def discard(staged: Sequence[Staged]) -> None:
    for item in staged:
        if item.temporary is not None:
            item.temporary.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask
