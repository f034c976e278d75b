"""Run deeply recursive work (parsing, validating, comparing, simulating) without a RecursionError.

Schemas nested thousands of levels deep are legal. The JSON decoder, the metaschema validator and
the checker all recurse once or more per level, so such work runs in a worker thread with a large
stack while the interpreter's recursion limit is raised; the limit is restored when the last
worker finishes. Shallow work runs directly: most schemas never pay for a thread.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

# JSON containers nested deeper than this are refused before decoding (`nested too deeply`)
MAX_DEPTH = 10_000
# below this nesting, the default recursion limit is plenty
SHALLOW = 60
_STACK_BYTES = 512 * 1024 * 1024
# generous: the metaschema validator uses about a dozen frames per schema level, and the
# checker follows chains of `$ref`s; Python-to-Python calls cost heap, not C stack, so a high
# limit is only paid for by the rare schema that needs it
_RECURSION_LIMIT = 1_000_000

_lock = threading.Lock()
_active = 0
_saved_limit = 0


def call_deep(fn: Callable[[], T], depth: int) -> T:
    """`fn()`, run where `depth` levels of nesting cannot exhaust the stack."""
    if depth < SHALLOW:
        return fn()
    _enter()
    try:
        outcome: list[T] = []
        failure: list[BaseException] = []

        def target() -> None:
            try:
                outcome.append(fn())
            except BaseException as error:  # re-raised in the caller's thread
                failure.append(error)

        with _lock:
            previous = threading.stack_size(_STACK_BYTES)
            try:
                worker = threading.Thread(target=target, name="gate-jsonschema-deep", daemon=True)
                worker.start()
            finally:
                threading.stack_size(previous)
        worker.join()
        if failure:
            raise failure[0]
        return outcome[0]
    finally:
        _leave()


def _enter() -> None:
    global _active, _saved_limit
    with _lock:
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, _RECURSION_LIMIT))
        _active += 1


def _leave() -> None:
    global _active
    with _lock:
        _active -= 1
        if _active == 0:
            sys.setrecursionlimit(_saved_limit)
