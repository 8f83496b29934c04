"""A long post rendered on every core: helper processes take its chunks from the end while
the reading pane's thread renders them from the top.

Rich renders about 7 ms per KB of Markdown in one thread, so a 200 KB post took about two
seconds to become scrollable to its end. Threads cannot share that work (the GIL); helper
processes can. They come from a *forkserver* preloaded with Rich's Markdown, so the app's
own threads are never forked. The first long post starts them in the background (most
starts never need them) and is rendered in-process; so is every chunk where they cannot
start, exactly as before.

Nothing here touches a running app: it is called from thread workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")

PARALLEL_CHARS = 40_000
"""Posts shorter than this are rendered in-process: a helper would not pay for itself."""
MAX_HELPERS = 3

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_failed = False
_starting = False


def helper_count() -> int:
    """Helpers to use: one fewer than the cores (the UI needs one), at most ``MAX_HELPERS``."""
    return max(0, min(MAX_HELPERS, (os.cpu_count() or 1) - 1))


def start() -> ProcessPoolExecutor | None:
    """The helper pool, started on the first call; ``None`` where it cannot run."""
    global _pool, _failed
    with _lock:
        if _pool is None and not _failed and helper_count():
            # multiprocessing hands sys.stderr's descriptor to its resource tracker, and the
            # stream Textual puts in its place has none: /dev/null while the helpers start.
            stderr = sys.stderr
            try:
                sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (closed below)
                if "forkserver" in multiprocessing.get_all_start_methods():
                    server = multiprocessing.get_context("forkserver")
                    server.set_forkserver_preload([f"{__package__}.markdown_lines"])
                    _pool = ProcessPoolExecutor(helper_count(), mp_context=server)
                else:
                    spawn = multiprocessing.get_context("spawn")
                    _pool = ProcessPoolExecutor(helper_count(), mp_context=spawn)
                _pool.submit(os.getpid)  # the helpers start now, not with the first long post
            except (OSError, ValueError, ImportError, RuntimeError):
                _failed = True
            finally:
                sys.stderr.close()
                sys.stderr = stderr
        return _pool


def ready() -> ProcessPoolExecutor | None:
    """The helpers if they are running; else ``None``, and they are started in a background
    thread (starting them waits for the server to import Rich: a post never waits for that)."""
    global _starting
    if _pool is None and not _failed:
        with _lock:
            if not _starting:
                _starting = True
                threading.Thread(target=start, name="render-helpers", daemon=True).start()
        return None
    return _pool


def in_order(
    count: int,
    local: Callable[[int], T],
    remote: Callable[[Executor, int], Future[P]] | None,
    unpack: Callable[[P], T],
) -> Iterator[T]:
    """Items ``0 .. count - 1`` in order. With ``remote``, the helpers are given items from
    the last one backwards (their answers are ``unpack``-ed here); each item they have not
    begun by the time it is needed is made here with ``local`` instead, as is any a helper
    failed on. Abandoning the iterator withdraws the helpers' unstarted items."""
    futures: dict[int, Future[P]] = {}
    pool = ready() if remote is not None and count > 2 else None
    if pool is not None and remote is not None:
        try:
            for index in range(count - 1, 1, -1):  # 0 and 1 are made here straight away
                futures[index] = remote(pool, index)
        except RuntimeError:  # the pool broke or is shutting down: do it all here
            for waiting in futures.values():
                waiting.cancel()
            futures.clear()
    try:
        for index in range(count):
            future = futures.get(index)
            if future is None or future.cancel():
                yield local(index)
                continue
            try:
                result = unpack(future.result())
            except Exception:  # a helper died or failed: make it here (and fail here, if so)
                result = local(index)
            yield result
    finally:
        for unwanted in futures.values():
            unwanted.cancel()
