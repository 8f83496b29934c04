"""An archive's Markdown made while it downloads: each committed page's posts go to worker
processes at once, and the next page downloads and parses meanwhile.

Converting after the whole walk left every core but one idle during the download. A
:class:`PageBackfill` starts its workers when a big walk begins (their start-up overlaps
the first page's download), hands them each committed page's posts still without Markdown,
saves their results here between pages, and at the end (:meth:`finish`) waits for the rest
and converts any other post still waiting. The cache ends up exactly as converting after the
walk leaves it (``markdown_backfill.convert_pending``).

- A page's new posts go to the workers as soon as it is parsed (:meth:`page_parsed`),
  while it is stored; the rest of those waiting (posts already cached whose Markdown was
  cleared) when it is committed. Results are saved only after their page is committed.
- While the workers have nothing to convert yet (the walk's first page), a big page is
  parsed partly by one of them (:meth:`parse_page`, ``feed.pagesplit``): the same posts.
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
from ..feed.pagesplit import join_parsed, split_feed
from ..feed.parse import ParsedFeed, check_document, parse_checked, parse_feed, strip_controls
from ..models import Post
from .markdown_backfill import BATCH, PARALLEL_MIN, finish_markdown
from .parallel_backfill import ConversionPool, PoolFailed, Row
from .store import Store

SPLIT_MIN = 256 * 1024
"""Bytes of a page worth parsing in two processes while the workers are idle."""
SPLIT_SHARE = 0.55
"""The part of such a page parsed here: the worker's posts come back pickled, and a spawned
worker imports the parser first."""


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
        self._sent: set[tuple[str, str]] = set()
        """(id, html) of the posts of the page being stored that went to the workers when
        it was parsed."""

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

    def parse_page(self, data: bytes, source_url: str) -> ParsedFeed:
        """``parse_feed`` of a page, its posts without Markdown. While the workers have
        nothing to convert (the walk's first page), a big page is parsed half here and half
        by a worker (``feed.pagesplit``): the same posts, sooner."""
        pool = self._pool
        if pool is None or pool.in_flight or len(data) < SPLIT_MIN:
            return parse_feed(data, source_url=source_url, convert=False)
        data = strip_controls(data)
        check_document(data)
        parts = split_feed(data, SPLIT_SHARE)
        if parts is None:
            return parse_checked(data, source_url=source_url, convert=False)
        first, second = parts
        try:
            later = pool.parse_later(second, source_url)
        except PoolFailed:
            return parse_checked(data, source_url=source_url, convert=False)
        parsed = parse_checked(first, source_url=source_url, convert=False)
        try:
            rest = later.result()
        except Exception:  # the worker broke (the pool's next step finds out): parse it here
            rest = parse_checked(second, source_url=source_url, convert=False)
        return join_parsed([parsed, rest])

    def page_parsed(self, posts: Sequence[Post]) -> None:
        """A page was parsed and is about to be stored: with the workers running, those of
        its posts new to the cache go to them now, while the page is stored (once stored,
        each of them waits for its Markdown). Nothing is saved before the page is stored."""
        self._sent = set()
        pool = self._pool
        if pool is None:
            return
        try:
            cached = self.store.cached_among([post.id for post in posts])
        except CacheError:
            return  # page_stored finds them
        rows = [(p.id, p.html, p.url) for p in posts if p.html and p.id not in cached]
        self._sent = {(post_id, html) for post_id, html, _ in rows}
        self._step(lambda: pool.submit(rows))

    def page_stored(self, posts: Sequence[Post]) -> None:
        """A page was committed: those of its posts still without Markdown go to the workers
        (once the walk has brought enough of them; not again those sent when it was parsed),
        and the batches done are saved."""
        sent, self._sent = self._sent, set()
        if self.failed or self.processes < 2:
            return
        try:
            waiting = self.store.unconverted_among([post.id for post in posts])
        except CacheError:
            return  # left for the conversion after the walk
        self._waiting += [row for row in waiting if (row[0], row[1]) not in sent]
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
