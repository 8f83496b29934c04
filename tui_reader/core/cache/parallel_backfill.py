"""The Markdown backfill on every core, for archive-size batches.

Converting a body is pure CPU in Python, so one process uses one core however many the
machine has. For a big batch (a whole archive just downloaded) a :class:`ConversionPool`
hands batches of posts to worker processes and saves their Markdown here, in the process
that owns the cache, a transaction a batch, as the results come back in order:
:func:`convert_in_processes` converts every post still waiting, and ``page_backfill`` feeds
an archive's pages to the same pool while the next pages download.

- Workers are forked from a program running one thread (on Linux: the command line's
  ``fetch``), ready in ~0.04 s with what it imported; from a threaded program (the app,
  a test server) they are *spawned*: forking could copy a lock another thread holds. A
  spawned worker starts a new interpreter and imports the converter (~0.15 s), which the
  batch size pays back many times over; a small batch stays in-process
  (``markdown_backfill.PARALLEL_MIN``). A forked worker never touches the parent's cache
  connection (multiprocessing ends it with ``os._exit``).
- A spawned worker imports the program's main module again, as multiprocessing does: the
  program must start from ``python -m tui_reader``, the ``tui-reader`` script or a module
  whose work is under ``if __name__ == "__main__"`` (all of the project's are).
- Workers also make each post's search text and word count (``searchtext.index_facts``):
  the triggers that index a saved post take them as given (``searchtext.given``), so saving
  here is mostly SQLite's own work.
- Workers ignore ctrl+c: the program decides. Closing the pool cancels the batches not
  started, so stopping (``should_stop``, ctrl+c, the process ending) waits for at most a
  batch or two a worker, and what was saved stays saved.
- If the pool cannot start or breaks (no ``/dev/shm``, a worker killed), the caller goes on
  in-process: the result is the same, only slower.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TYPE_CHECKING, Self, TypeVar

from .searchtext import given, index_facts

if TYPE_CHECKING:  # a worker imports this module: it needs no cache
    from ..feed.parse import ParsedFeed
    from .store import Store

CHUNK = 1000
"""Posts read from the cache at a time."""
MAX_WORKERS = 8

Row = tuple[str, str, str]
"""A post waiting for its Markdown: (id, html, url)."""
Converted = tuple[str, tuple[str, int]]
"""A worker's result for a post: its Markdown, and ``searchtext.index_facts`` of it."""
_T = TypeVar("_T")


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _start_method() -> str:
    """How workers start: forked from a program with one thread (they then share what it
    imported, the feed parser included), else spawned (forking a threaded program can copy
    a lock some other thread holds)."""
    if threading.active_count() == 1 and sys.platform == "linux":  # (macOS: fork is unsafe)
        return "fork"
    return "spawn"


class PoolFailed(Exception):
    """The worker processes could not start or died; go on in-process. ``done``: posts
    converted and saved before that."""

    def __init__(self, reason: str, done: int) -> None:
        super().__init__(reason)
        self.done = done


def _convert(bodies: list[tuple[str, str]], finish: Callable[[str], str]) -> list[Converted]:
    """A worker's job: for each ``(html, base_url)``, the Markdown stored (``finish`` of the
    converter's) and what the search index and the word count will make of it. (The
    converter is imported here, in the worker: the program itself may never need it.)"""
    from ..feed.convert import convert_batch

    stored = [finish(markdown) for markdown in convert_batch(bodies)]
    return [(markdown, index_facts(markdown)) for markdown in stored]


def _parse(data: bytes, source_url: str) -> ParsedFeed:
    """A worker's job: ``parse.parse_checked`` of a part of a page (``feed.pagesplit``)."""
    from ..feed.parse import parse_checked

    return parse_checked(data, source_url=source_url, convert=False)


def _ignore_interrupts() -> None:
    """A worker's start: ctrl+c is for the program, which stops the pool itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ConversionPool:
    """Worker processes converting posts, and the batches in flight, saved in order here.

    Every method raises :class:`PoolFailed` (after saving what it could) when the pool cannot
    start or breaks; :meth:`close` (or leaving the ``with`` block) cancels what has not
    started and waits for the rest.
    """

    def __init__(
        self, store: Store, processes: int, *, batch: int, finish: Callable[[str], str]
    ) -> None:
        self.store = store
        self.workers = min(processes, MAX_WORKERS)
        self.batch = batch
        self.finish = finish
        self.done = 0
        """Posts converted and saved so far."""
        self._in_flight: deque[tuple[Sequence[Row], Future[list[Converted]]]] = deque()
        try:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context(_start_method()),
                initializer=_ignore_interrupts,
            )
        except (OSError, ValueError) as error:
            raise PoolFailed(str(error), 0) from error

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel the batches not started, wait for the others (their results are dropped)."""
        self._in_flight.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def warm_up(self) -> None:
        """Start every worker now (each imports the converter), so the first batches do not
        wait for them."""
        for _ in range(self.workers):
            self._guard(partial(self._pool.submit, _convert, [], self.finish))

    def parse_later(self, data: bytes, source_url: str) -> Future[ParsedFeed]:
        """Have a worker parse a checked part of a page (no Markdown made)."""
        return self._guard(partial(self._pool.submit, _parse, data, source_url))

    @property
    def in_flight(self) -> int:
        """Batches handed to the workers and not saved yet."""
        return len(self._in_flight)

    def submit(self, rows: Sequence[Row]) -> None:
        """Hand ``rows`` to the workers, in batches."""
        for start in range(0, len(rows), self.batch):
            part = rows[start : start + self.batch]
            bodies = [(html, url) for _, html, url in part]
            future = self._guard(partial(self._pool.submit, _convert, bodies, self.finish))
            self._in_flight.append((part, future))

    def save_ready(self) -> int:
        """Save the batches already converted (in order, without waiting); how many posts."""
        saved = 0
        while self._in_flight and self._in_flight[0][1].done():
            saved += self.save_next()
        return saved

    def save_next(self) -> int:
        """Wait for the oldest batch in flight and save it; how many posts were updated."""
        part, future = self._in_flight.popleft()
        results = self._guard(future.result)
        with given(results):  # the triggers take the index text and word count as made
            saved = self.store.set_markdown(
                (post_id, html, markdown)
                for (post_id, html, _), (markdown, _) in zip(part, results, strict=True)
            )
        self.done += saved
        return saved

    def drain(self, should_stop: Callable[[], bool] | None = None) -> int:
        """Convert every post still without Markdown in the cache; how many were (this call).

        At most two batches a worker are in flight, so stopping waits for few.
        """
        before = self.done
        while self._in_flight:
            self.save_next()
        while not (should_stop and should_stop()):
            rows = self.store.unconverted(CHUNK)
            if not rows:
                break
            saved = 0
            for start in range(0, len(rows), self.batch):
                self.submit(rows[start : start + self.batch])
                if self.in_flight > 2 * self.workers:
                    saved += self.save_next()
                if should_stop and should_stop():
                    break
            while self._in_flight:
                saved += self.save_next()
            if not saved:
                break  # nothing could be saved (every one raced with a refresh): stop for now
        return self.done - before

    def _guard(self, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except (BrokenProcessPool, OSError) as error:
            raise PoolFailed(str(error), self.done) from error


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
    with ConversionPool(store, processes, batch=batch, finish=finish) as pool:
        return pool.drain(should_stop)
