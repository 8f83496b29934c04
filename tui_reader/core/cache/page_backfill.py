"""An archive's Markdown made while it downloads: each committed page's posts go to worker
processes at once, and the next page downloads and parses meanwhile.

Converting after the whole walk left every core but one idle during the download. A
:class:`PageBackfill` starts its workers when a big walk begins (their start-up overlaps
the first page's download), hands them each committed page's posts still without Markdown,
saves their results here between pages, and at the end (:meth:`finish`) waits for the rest
and converts any other post still waiting. The cache ends up exactly as converting after the
walk leaves it (``markdown_backfill.convert_pending``).

- Small walks stay in-process: the workers start only when the walk may bring
  ``PARALLEL_MIN`` posts or more (the site's count says so, or the pages so far brought
  that many to convert), and only with two cores or more.
- A pool that cannot start or breaks is given up (``failed``): what it saved stays, and
  the caller converts the rest in-process, with the same result, only slower.
- Stopping (ctrl+c, an error) cancels the batches not started; each page stays committed,
  and its posts left without Markdown are converted by the next run, or when opened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Self

from ..errors import CacheError
from ..models import Post
from .markdown_backfill import BATCH, PARALLEL_MIN, finish_markdown
from .parallel_backfill import ConversionPool, PoolFailed, Row
from .store import Store


class PageBackfill:
    """The Markdown of an archive's pages, made by worker processes as the pages arrive."""

    def __init__(self, store: Store, processes: int) -> None:
        self.store = store
        self.processes = processes
        self.failed = False
        """The workers could not start or broke: the posts left need converting here."""
        self.done = 0
        """Posts converted and saved by the workers."""
        self._pool: ConversionPool | None = None
        self._waiting: list[Row] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """Whether the workers were started (and have not failed or been closed)."""
        return self._pool is not None

    def expect(self, posts: int | None) -> None:
        """A walk begins that may bring ``posts`` posts (None: unknown); the workers start
        now if that is many."""
        if posts is not None and posts >= PARALLEL_MIN:
            self._start()

    def page_stored(self, posts: Sequence[Post]) -> None:
        """A page was committed: those of its posts still without Markdown go to the workers
        (once the walk has brought enough of them), and the batches done are saved."""
        if self.failed or self.processes < 2:
            return
        try:
            self._waiting += self.store.unconverted_among([post.id for post in posts])
        except CacheError:
            return  # left for the conversion after the walk
        if self._pool is None and len(self._waiting) < PARALLEL_MIN:
            return
        self._start()
        pool = self._pool
        if pool is not None:
            rows, self._waiting = self._waiting, []
            self._step(lambda: pool.submit(rows))
            self._step(pool.save_ready)

    def finish(self) -> int:
        """Wait for the workers and save their Markdown, then convert every other post still
        waiting with them; how many posts the workers converted in all. Without workers
        (never started, or failed) the posts left are the caller's to convert."""
        pool = self._pool
        if pool is not None:
            rows, self._waiting = self._waiting, []
            self._step(lambda: pool.submit(rows))
            self._step(pool.drain)
        self.close()
        return self.done

    def close(self) -> None:
        """Stop the workers: batches not started are dropped, what was saved stays."""
        pool, self._pool = self._pool, None
        if pool is not None:
            self.done = pool.done
            pool.close()

    def _start(self) -> None:
        if self._pool is not None or self.failed or self.processes < 2:
            return
        try:
            self._pool = ConversionPool(
                self.store, self.processes, batch=BATCH, finish=finish_markdown
            )
        except PoolFailed:
            self.failed = True
            return
        self._step(self._pool.warm_up)

    def _step(self, step: Callable[[], object]) -> None:
        """Run one step with the pool; a broken pool or an unwritable cache stops it."""
        try:
            step()
        except (PoolFailed, CacheError):
            self.failed = True
            self.close()
