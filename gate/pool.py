"""The fork pool: subjects judged on the usable cores, the judge inherited by forked workers."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mmap
    from collections.abc import Iterator
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.synchronize import Lock

    from gate.checks.judge import SubjectJudge
    from gate.model import CheckResult
    from gate.subjects import SubjectSource


_POOL_JUDGE: SubjectJudge | None = None
_POOL_SOURCES: list[SubjectSource] = []
# the next subject not yet claimed, in memory shared with the workers, and its lock
_POOL_NEXT: mmap.mmap | None = None
_POOL_LOCK: Lock | None = None
_POOL_SIZE = 1
_PARALLEL_FROM = 48  # below this many subjects a process pool costs more than it saves


def _claim() -> int:
    """The start of the next chunk of subjects to judge, claimed by this process."""
    assert _POOL_NEXT is not None
    assert _POOL_LOCK is not None
    with _POOL_LOCK:
        start = int.from_bytes(_POOL_NEXT[:8], "little")
        _POOL_NEXT[:8] = (start + _POOL_SIZE).to_bytes(8, "little")
    return start


def _judge_claimed() -> list[tuple[int, list[tuple[CheckResult, ...]]]]:
    """Chunks claimed one at a time until none is left, each with its start."""
    assert _POOL_JUDGE is not None
    done = []
    while (start := _claim()) < len(_POOL_SOURCES):
        stop = start + _POOL_SIZE
        done.append((start, [_POOL_JUDGE.judge(s).checks for s in _POOL_SOURCES[start:stop]]))
    return done


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
    busy = [s for s in sources if not (s.unchanged and s.head_path == s.base_path)]
    if len(busy) < _PARALLEL_FROM:
        return [judge.judge(source).checks for source in sources]
    from gate.cpus import usable_cpus

    workers = min(usable_cpus(), 8)
    if workers < 2 or not can_fork():
        return [judge.judge(source).checks for source in sources]
    import gc
    import mmap
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _POOL_JUDGE, _POOL_SOURCES, _POOL_NEXT, _POOL_LOCK, _POOL_SIZE
    context = multiprocessing.get_context("fork")
    # inherited by the forked workers, never pickled: each claims chunks by their start in
    # shared memory, not sent the texts they hold (megabytes, copied through a pipe)
    _POOL_JUDGE = judge
    _POOL_SOURCES = sources
    _POOL_NEXT = mmap.mmap(-1, 8)
    _POOL_LOCK = context.Lock()
    # small chunks keep every process busy to the end; a claim costs microseconds
    _POOL_SIZE = max(1, len(sources) // (workers * 64))
    # what exists now is only read by the workers: kept out of their collections, its pages
    # stay shared with this process instead of being copied on the collector's first touch
    gc.freeze()
    # this process judges too, beside one worker fewer than the usable cores
    pool = ProcessPoolExecutor(
        workers - 1, mp_context=context, initializer=_worker_signals, initargs=(os.getpid(),)
    )
    try:
        with _workers_end_with_this_process(pool):
            futures = [pool.submit(_judge_claimed) for _ in range(workers - 1)]
            claimed = _judge_claimed()
            for future in futures:
                claimed += future.result()
            pool.shutdown()
    except BaseException:
        # interrupted: the workers go too, now, not after their current chunk
        _kill_workers(pool)
        raise
    finally:
        _POOL_JUDGE = None
        _POOL_SOURCES = []
        _POOL_NEXT.close()
        _POOL_NEXT = _POOL_LOCK = None
        gc.unfreeze()
    claimed.sort(key=lambda chunk: chunk[0])
    return [checks for _, chunk in claimed for checks in chunk]


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
