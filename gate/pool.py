"""The fork pool: subjects judged on the usable cores, the judge inherited by forked workers."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import ProcessPoolExecutor

    from gate.checks.judge import SubjectJudge
    from gate.model import CheckResult
    from gate.subjects import SubjectSource


_POOL_JUDGE: SubjectJudge | None = None
_POOL_SOURCES: list[SubjectSource] = []
_PARALLEL_FROM = 48  # below this many subjects a process pool costs more than it saves
_SMALLEST_CHUNK = 4


def _judge_chunk(bounds: tuple[int, int]) -> list[tuple[CheckResult, ...]]:
    assert _POOL_JUDGE is not None
    start, stop = bounds
    return [_POOL_JUDGE.judge(source).checks for source in _POOL_SOURCES[start:stop]]


def _chunks(count: int, workers: int) -> list[tuple[int, int]]:
    """The bounds of the chunks the workers take in turn: each a share of what is left, so that
    the first are large (each costs a round trip) and the last small (no worker is left alone
    with a large one at the end)."""
    chunks: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(_SMALLEST_CHUNK, (count - start) // (workers * 4))
        chunks.append((start, min(start + size, count)))
        start += size
    return chunks


def can_fork() -> bool:
    """Whether worker processes can inherit the judge by forking.

    Windows has no `fork`; macOS has it but its system libraries are not safe to use in a forked
    child (Python's default there is `spawn`). There the subjects are judged in this process.
    """
    import multiprocessing
    import sys

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def judge_all(judge: SubjectJudge, sources: list[SubjectSource]) -> list[tuple[CheckResult, ...]]:
    """Every subject's checks, in order; on the usable cores when there are enough to share."""
    busy = [index for index, source in enumerate(sources) if not source.as_at_base]
    if len(busy) < _PARALLEL_FROM:
        return [judge.judge(source).checks for source in sources]
    from gate.cpus import usable_cpus

    workers = min(usable_cpus(), 8)
    if workers < 2 or not can_fork():
        return [judge.judge(source).checks for source in sources]
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _POOL_JUDGE, _POOL_SOURCES
    # inherited by the forked workers, never pickled: a chunk is sent as the bounds of its
    # slice, not as the texts it holds (megabytes, copied through a pipe and decoded again)
    _POOL_JUDGE = judge
    # the subjects that changed first: the large first chunks hold the work and the small last
    # ones what costs little, however the changes cluster among the subjects
    quiet = [index for index, source in enumerate(sources) if source.as_at_base]
    order = busy + quiet
    _POOL_SOURCES = [sources[index] for index in order]
    chunks = _chunks(len(sources), workers)
    # what exists now is only read by the workers: kept out of their collections, its pages
    # stay shared with this process instead of being copied on the collector's first touch
    gc.freeze()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_signals,
        initargs=(os.getpid(),),
    )
    try:
        with _workers_end_with_this_process(pool):
            results = list(pool.map(_judge_chunk, chunks))
            pool.shutdown()
    except BaseException:
        # interrupted: the workers go too, now, not after their current chunk
        _kill_workers(pool)
        raise
    finally:
        _POOL_JUDGE = None
        _POOL_SOURCES = []
        gc.unfreeze()
    judged: list[tuple[CheckResult, ...]] = [()] * len(sources)
    for index, checks in zip(order, (checks for chunk in results for checks in chunk), strict=True):
        judged[index] = checks
    return judged


def _worker_signals(parent: int) -> None:
    """In a worker: Ctrl-C is the parent's to handle, SIGTERM ends the worker at once, and on
    Linux the worker is sent SIGTERM when its parent dies, however it dies."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


@contextlib.contextmanager
def _workers_end_with_this_process(pool: ProcessPoolExecutor) -> Iterator[None]:
    """While `pool` works, SIGTERM ends its workers and then this process.

    The handler raises nothing: an exception thrown into the middle of the pool's own code
    could leave one of its locks held, and the cleanup would then wait forever.
    """
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        _kill_workers(pool)
        with contextlib.suppress(OSError):
            os.write(2, b"error: terminated\n")
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to every worker process of `pool` (no lock taken, no wait)."""
    import os
    import signal

    for _ in range(3):  # the pool's own thread may be changing the table meanwhile
        try:
            pids = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]
            break
        except RuntimeError:
            continue
    else:
        return
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
