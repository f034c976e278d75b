"""The error tree and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import enum
import errno
import os
import sys
import traceback
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class ExitCode(enum.IntEnum):
    PASSED = 0
    FAILED = 1
    USAGE = 2
    SOURCE = 3
    INTERNAL = 4
    INTERRUPTED = 130


class GateError(Exception):
    """Root of every error `gate` reports to a user.

    `what` says what failed, `subject` names the object (a file, a revision, a registry URL,
    a subject), `hint` says what to do next.
    """

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, what: str, subject: str = "", hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.subject = subject
        self.hint = hint

    def render(self) -> str:
        head = f"error: {self.what}"
        if self.subject:
            head += f": {self.subject}"
        if self.hint:
            head += f"\nhint: {self.hint}"
        return head


class UsageError(GateError):
    """The command line asks for something that cannot be done."""

    exit_code = ExitCode.USAGE


class ConfigError(GateError):
    """`gate.yaml` (or an option standing in for it) is invalid."""

    exit_code = ExitCode.USAGE


class SourceError(GateError):
    """A source could not be read: a file, a git revision, a registry, a snapshot."""

    exit_code = ExitCode.SOURCE


class GitError(SourceError):
    """A git repository or revision could not be read."""


class RegistryError(SourceError):
    """The schema registry could not be reached or refused the request."""


class FormatError(GateError):
    """A format failed unexpectedly: a bug in gate, not in the schemas or the command line."""

    exit_code = ExitCode.INTERNAL


class UnsupportedFormat(FormatError):
    """A schema type was asked for that no format supports: a usage error."""

    exit_code = ExitCode.USAGE


class SchemaInvalid(Exception):
    """Raised by a format's parser; the pipeline turns it into an `*_INVALID_SCHEMA` finding.

    Not a `GateError`: an invalid schema is a finding of the gate, not a failure of the run.
    """

    def __init__(self, message: str, pointer: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.line = line


@contextmanager
def error_handler(
    verbosity: int = 0,
    stream: TextIO | None = None,
    redact: Callable[[str], str] = lambda text: text,
    exit: Callable[[int], object] = sys.exit,
) -> Iterator[None]:
    """Map every error raised inside to a message on `stream` and an exit code.

    `GateError` -> its exit code and message; KeyboardInterrupt -> 130; anything else is a bug
    (exit 4) with a short message, and the traceback only at `-vv`. `redact` removes secrets from
    every line written.
    """
    out = stream if stream is not None else sys.stderr
    try:
        yield
    except GateError as error:
        if verbosity >= 2:
            out.write(redact(traceback.format_exc()))
        out.write(redact(error.render()) + "\n")
        exit(int(error.exit_code))
    except KeyboardInterrupt:
        out.write("error: interrupted\n")
        exit(int(ExitCode.INTERRUPTED))
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS:
            _internal(error, verbosity, out, redact, exit)
            return
        # standard output closed (`gate ... | head`) or its disk full: say so, and keep the
        # interpreter's final flush from raising the same error again
        _detach_stdout()
        reason = "it was closed" if error.errno == errno.EPIPE else os.strerror(error.errno or 0)
        _write_quietly(
            out,
            f"error: cannot write the output ({reason})\n"
            "hint: gate's verdict is in its exit code; write reports to files with "
            "--report FORMAT=PATH\n",
        )
        exit(int(ExitCode.SOURCE))
    except Exception as error:  # the last line of defence, reported as a bug
        _internal(error, verbosity, out, redact, exit)


_OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def _internal(
    error: BaseException,
    verbosity: int,
    out: TextIO,
    redact: Callable[[str], str],
    exit: Callable[[int], object],
) -> None:
    if verbosity >= 2:
        out.write(redact(traceback.format_exc()))
    out.write(
        redact(f"error: internal error: {type(error).__name__}: {error}")
        + "\nhint: this is a bug in gate; rerun with -vv for the traceback and report it\n"
    )
    exit(int(ExitCode.INTERNAL))


def _detach_stdout() -> None:
    """Point file descriptor 1 at the null device: nothing more can fail to be written."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _write_quietly(out: TextIO, text: str) -> None:
    try:
        out.write(text)
        out.flush()
    except (OSError, ValueError):
        pass
