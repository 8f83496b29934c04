"""The Markdown backfill on every core, for archive-size batches.

Converting a body is pure CPU in Python, so one process uses one core however many the
machine has. For a big batch (a whole archive just downloaded) :func:`convert_in_processes`
hands batches of posts to a pool of worker processes and saves their Markdown here, in the
process that owns the cache, a transaction a batch, as the results come back in order.

- Workers are *spawned*, never forked: the caller may be a threaded program (the app), and
  each worker only imports the converter (~0.25 s), which the batch size pays back many
  times over; a small batch stays in-process (``markdown_backfill.PARALLEL_MIN``).
- A spawned worker imports the program's main module again, as multiprocessing does: the
  program must start from ``python -m tui_reader``, the ``tui-reader`` script or a module
  whose work is under ``if __name__ == "__main__"`` (all of the project's are).
- Only a few batches are in flight at a time, so stopping (``should_stop``, or the process
  ending) waits for at most those, and what was saved stays saved.
- If the pool cannot start or breaks (no ``/dev/shm``, a worker killed), the caller goes on
  in-process: the result is the same, only slower.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..feed.convert import convert_batch
from .store import Store

CHUNK = 1000
"""Posts read from the cache at a time."""
MAX_WORKERS = 8


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class PoolFailed(Exception):
    """The worker processes could not start or died; go on in-process. ``done``: posts
    converted and saved before that."""

    def __init__(self, reason: str, done: int) -> None:
        super().__init__(reason)
        self.done = done


def convert_in_processes(
    store: Store,
    processes: int,
    *,
    batch: int,
    finish: Callable[[str], str],
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Convert every post still without Markdown in ``processes`` workers; how many were.

    ``finish`` turns a converter's output into what is stored. Raises :class:`PoolFailed`
    (after saving what it could) when the pool breaks.
    """
    done = 0
    context = multiprocessing.get_context("spawn")
    try:
        pool = ProcessPoolExecutor(min(processes, MAX_WORKERS), mp_context=context)
    except (OSError, ValueError) as error:
        raise PoolFailed(str(error), 0) from error
    in_flight: deque[tuple[list[tuple[str, str, str]], Future[list[str]]]] = deque()
    try:
        while not (should_stop and should_stop()):
            rows = store.unconverted(CHUNK)
            if not rows:
                break
            batches = [rows[start : start + batch] for start in range(0, len(rows), batch)]
            saved = 0
            for part in batches:
                in_flight.append((part, pool.submit(convert_batch, [(h, u) for _, h, u in part])))
                if len(in_flight) > 2 * processes:
                    saved += _save(store, in_flight.popleft(), finish)
                if should_stop and should_stop():
                    break
            while in_flight:
                saved += _save(store, in_flight.popleft(), finish)
            if not saved:
                break  # nothing could be saved (every one raced with a refresh): stop for now
            done += saved
    except (BrokenProcessPool, OSError) as error:
        raise PoolFailed(str(error), done) from error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _save(
    store: Store,
    item: tuple[list[tuple[str, str, str]], Future[list[str]]],
    finish: Callable[[str], str],
) -> int:
    part, future = item
    markdowns = future.result()
    return store.set_markdown(
        (post_id, html, finish(markdown))
        for (post_id, html, _), markdown in zip(part, markdowns, strict=True)
    )
