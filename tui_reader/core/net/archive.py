"""Download a tag's whole history into the cache, politely, resumably, page by page.

The site serves a tag's feed in pages of up to 1,000 posts (``?size=``) and links each page
to the next with a relative ``Link: <…>; rel="next"`` header (SITE.md). :func:`archive_tag`
follows those links from the newest page to the oldest:

- **One transaction per page.** Each page's posts and the walk's progress (the next page's
  address, pages and posts so far, the site's total when known) are committed together, so
  an interruption of any kind (an exception, ctrl+c, a lost network, a page that fails)
  keeps every page that arrived, and the next call continues from the stored next page.
- **Polite.** Requests are sequential, with a pause between pages; a ``Retry-After`` answer
  is waited out (up to a limit) and the page asked for again.
- **Driven from a worker.** Progress goes to a callback after every page; a
  :class:`threading.Event` (or any ``() -> bool``) is checked between pages and during
  waits, and stops the walk cleanly (the result says ``cancelled``).
- **Refreshes are unaffected.** Archive pages never touch the tag's HTTP validators, which
  belong to the feed's first page: ``refresh_tag`` keeps fetching only that page,
  conditionally.

Once a walk is complete, calling :func:`archive_tag` again *catches up*: it walks from the
newest page only until a page brings no new post (pass ``restart=True`` to download the whole
history again).

Usage from a worker thread::

    stop = threading.Event()
    result = archive_tag(store, "llms", on_progress=post_message, cancel=stop)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import httpx

from ..cache.store import Store
from ..errors import FetchError, RateLimited, ReaderError, TagNotFound
from ..feed.parse import ParsedFeed, parse_feed
from ..models import ArchivePage, ArchiveState, MergeCounts, Post
from ..tags import validate_tag
from ..urls import DEFAULT_BASE_URL, feed_url, normalise_base_url
from .fetch import FeedResponse, FetchLimits, fetch_feed, fetch_json, new_client

MAX_PAGE_SIZE = 1000
"""The largest ``?size=`` the site accepts."""
MAX_PAGES = 100_000
"""A walk that goes on longer than this is a server bug; it is stopped."""

ARCHIVE_LIMITS = FetchLimits(
    read_timeout=60.0,
    deadline=300.0,
    max_bytes=64 * 1024 * 1024,
    max_decoded_bytes=256 * 1024 * 1024,
    max_retry_wait=0.0,  # waits happen in the walk, where they can be cancelled
)
"""Fetch limits for archive pages: 1,000 long posts make a much larger document than 30."""

Cancel = threading.Event | Callable[[], bool]
"""What stops a walk: an Event that gets set, or a function that returns True."""


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    """How an archive walk behaves. The defaults suit the real site; tests shrink them."""

    page_size: int = MAX_PAGE_SIZE
    """Posts per page (1-1000) when a walk starts; a resumed walk keeps its own size."""
    pause: float = 1.0
    """Seconds between two page requests."""
    max_retry_wait: float = 120.0
    """The longest ``Retry-After`` waited out; a longer one ends the run (progress kept)."""
    retries: int = 3
    """How many times one page is asked for again after ``Retry-After``."""
    count_total: bool = True
    """Ask the site's tag autocomplete for the tag's post count (one small request)."""
    catch_up_page_size: int = 100
    """Posts per page when catching up on an archive that is already complete."""
    limits: FetchLimits = field(default_factory=lambda: ARCHIVE_LIMITS)
    """Timeouts and size caps of each page request."""

    def __post_init__(self) -> None:
        for name in ("page_size", "catch_up_page_size"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_PAGE_SIZE:
                raise ValueError(f"{name} must be between 1 and {MAX_PAGE_SIZE}, not {value}")
        if self.pause < 0 or self.max_retry_wait < 0 or self.retries < 0:
            raise ValueError("pause, max_retry_wait and retries cannot be negative")


@dataclass(frozen=True, slots=True)
class ArchiveProgress:
    """One report of a walk: sent once before the first request, then after every page.

    ``pages`` and ``posts`` count what the walk has committed, earlier runs included when
    it was ``resumed`` (catching up counts only the current run). ``total`` is the site's
    post count for the tag, or None when unknown (combined tags, an older site, a failed
    lookup). ``done`` marks the run's last report: the walk is ``complete`` or was
    cancelled. ``fetched`` counts this run's pages (0 in the first report); ``page`` is what
    the latest page did to the cache.
    """

    tag: str
    pages: int
    posts: int
    total: int | None
    done: bool = False
    complete: bool = False
    resumed: bool = False
    catching_up: bool = False
    fetched: int = 0
    page: MergeCounts = field(default_factory=MergeCounts)

    @property
    def expected(self) -> int | None:
        """How many more posts the walk should bring, as far as known: the site's total less
        those committed; 0 when catching up (only the newest posts); None when unknown."""
        if self.catching_up:
            return 0
        return None if self.total is None else max(0, self.total - self.posts)

    @property
    def fraction(self) -> float | None:
        """Posts so far as a share of the total (0.0-1.0), or None when the total is unknown."""
        if self.complete:
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.posts / self.total)

    def describe(self) -> str:
        """One line for people: ``llms: page 3 · 2,000 of 3,412 posts``."""
        if self.total is not None and not self.catching_up:
            posts = f"{min(self.posts, self.total):,} of {self.total:,} posts"
        else:
            posts = f"{self.posts:,} posts so far"
        if self.fetched == 0 and not self.done:
            if self.catching_up:
                return f"{self.tag}: archive complete; fetching newer posts"
            if self.resumed:
                return f"{self.tag}: resuming after page {self.pages:,} · {posts}"
            of = f" ({self.total:,} posts)" if self.total is not None else ""
            return f"{self.tag}: downloading the whole archive{of}"
        return f"{self.tag}: page {self.pages:,} · {posts}"


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What one call of :func:`archive_tag` did.

    ``counts`` and ``pages_fetched`` are this run's; ``pages`` and ``posts`` the whole
    walk's. ``complete``: the cache now holds the tag's whole history. ``cancelled``: the
    cancel signal stopped the run (progress kept). ``caught_up``: the archive was already
    complete and this run only fetched newer posts.
    """

    tag: str
    counts: MergeCounts = field(default_factory=MergeCounts)
    pages_fetched: int = 0
    pages: int = 0
    posts: int = 0
    total: int | None = None
    complete: bool = False
    cancelled: bool = False
    resumed: bool = False
    caught_up: bool = False
    skipped: int = 0

    def describe(self) -> str:
        """One summary line for people."""
        counts = self.counts
        changes = f"{counts.new:,} new, {counts.updated:,} updated, {counts.unchanged:,} unchanged"
        if self.skipped:
            changes += f", {self.skipped:,} malformed entries skipped"
        if self.cancelled:
            return (
                f"{self.tag}: stopped after page {self.pages:,} · {self.posts:,} posts so far"
                f" ({changes}); run again to resume"
            )
        if self.caught_up:
            pages = "page" if self.pages_fetched == 1 else "pages"
            return f"{self.tag}: archive up to date ({changes} in {self.pages_fetched} {pages})"
        pages = "page" if self.pages == 1 else "pages"
        return (
            f"{self.tag}: archive complete · {self.posts:,} posts in {self.pages:,} {pages};"
            f" this run: {changes}"
        )


def archive_url(base_url: str, tag: str, page_size: int) -> str:
    """The first page of a walk: ``…/tags/<tag>.atom?size=N``."""
    return f"{feed_url(base_url, tag)}?size={page_size}"


def fetch_total(
    client: httpx.Client, base_url: str, tag: str, *, limits: FetchLimits | None = None
) -> int | None:
    """The site's post count for a single tag, from its tag autocomplete; None if unknown.

    Never raises: the total only decorates progress reports.
    """
    if "+" in tag:
        return None
    url = f"{normalise_base_url(base_url)}/tags-autocomplete/?q={quote(tag, safe='-_')}"
    try:
        answer = fetch_json(client, url, limits=limits)
    except ReaderError:
        return None
    rows = answer.get("tags") if isinstance(answer, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and str(row.get("tag", "")).lower() == tag:
            count = row.get("count")
            if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
                return count
    return None


class _Stopper:
    """Checks the cancel signal, and sleeps so that the signal cuts the sleep short."""

    def __init__(self, cancel: Cancel | None) -> None:
        self._cancel = cancel

    def stopped(self) -> bool:
        if self._cancel is None:
            return False
        if isinstance(self._cancel, threading.Event):
            return self._cancel.is_set()
        return bool(self._cancel())

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the walk should stop."""
        if seconds <= 0:
            return self.stopped()
        if isinstance(self._cancel, threading.Event):
            return self._cancel.wait(seconds)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.stopped():
                return True
            time.sleep(min(left, 0.1))
        return self.stopped()


def _resumable(state: ArchiveState, base_url: str, tag: str) -> bool:
    """Whether the stored next page belongs to this site and this tag's feed."""
    if not state.next_url:
        return False
    here, there = urlsplit(feed_url(base_url, tag)), urlsplit(state.next_url)
    return (here.scheme, here.netloc.lower(), here.path) == (
        there.scheme,
        there.netloc.lower(),
        there.path,
    )


def _fetch_page(
    client: httpx.Client, url: str, tag: str, options: ArchiveOptions, stopper: _Stopper
) -> FeedResponse | None:
    """One page, waiting out ``Retry-After``; None if the walk was cancelled while waiting."""
    attempt = 0
    while True:
        try:
            return fetch_feed(client, url, tag=tag, limits=options.limits)
        except RateLimited as error:
            attempt += 1
            wait = error.retry_after
            if wait is None or wait > options.max_retry_wait or attempt > options.retries:
                raise
            if stopper.wait(wait):
                return None


def _parse_page(data: bytes, source_url: str) -> ParsedFeed:
    """A page's posts, still without their Markdown."""
    return parse_feed(data, source_url=source_url, convert=False)


def archive_tag(
    store: Store,
    tag: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    options: ArchiveOptions | None = None,
    on_progress: Callable[[ArchiveProgress], None] | None = None,
    on_stored: Callable[[Sequence[Post]], None] | None = None,
    on_parsed: Callable[[Sequence[Post]], None] | None = None,
    parse_page: Callable[[bytes, str], ParsedFeed] | None = None,
    cancel: Cancel | None = None,
    restart: bool = False,
) -> ArchiveResult:
    """Download ``tag``'s whole history into ``store``, or continue an interrupted download.

    Blocks on the network: run it in a worker thread. ``on_progress`` is called (in this
    thread) once before the first request and after every committed page; ``cancel`` is
    checked between pages and during waits, and a cancelled run returns normally with
    ``cancelled=True``. ``restart`` forgets stored progress and starts from the newest page.
    ``on_stored`` is given each page's posts once they are committed (``fetch --all`` hands
    them to the Markdown conversion while the next page downloads); ``on_parsed`` is given
    them before they are stored (the conversion of the new ones may start then).
    ``parse_page`` parses a page's bytes instead of :func:`parse_feed` (which it must
    equal: ``fetch --all`` may parse a big first page in two processes).

    Raises :class:`~tui_reader.core.errors.InvalidTag` before any request, and any
    :class:`~tui_reader.core.errors.ReaderError` of fetching, parsing or caching a page
    (its ``hint`` then says the pages so far are kept); ``KeyboardInterrupt`` passes through.
    In every case the pages committed before the failure stay, and the next call resumes
    after them.
    """
    tag = validate_tag(tag)
    base_url = normalise_base_url(base_url)
    options = options or ArchiveOptions()
    if restart:
        store.reset_archive(tag)
    state = store.archive_state(tag)
    own_client = client is None
    active = new_client(options.limits) if client is None else client
    try:
        walk = _Walk(store, tag, base_url, active, options, _Stopper(cancel))
        walk.on_progress, walk.on_stored = on_progress, on_stored
        walk.on_parsed = on_parsed
        walk.parse_page = parse_page or _parse_page
        return walk.run(state)
    finally:
        if own_client:
            active.close()


class _Walk:
    """The state of one run of :func:`archive_tag`."""

    def __init__(
        self,
        store: Store,
        tag: str,
        base_url: str,
        client: httpx.Client,
        options: ArchiveOptions,
        stopper: _Stopper,
    ) -> None:
        self.store = store
        self.tag = tag
        self.base_url = base_url
        self.client = client
        self.options = options
        self.stopper = stopper
        self.on_progress: Callable[[ArchiveProgress], None] | None = None
        self.feed_path = urlsplit(feed_url(base_url, tag)).path
        self.pages = self.posts = self.fetched = self.skipped = 0
        self.counts = MergeCounts()
        self.total: int | None = None
        self.resumed = self.catching_up = False
        self.on_stored: Callable[[Sequence[Post]], None] | None = None
        self.on_parsed: Callable[[Sequence[Post]], None] | None = None
        self.parse_page: Callable[[bytes, str], ParsedFeed] = _parse_page

    def run(self, state: ArchiveState | None) -> ArchiveResult:
        if self.options.count_total:
            self.total = fetch_total(
                self.client, self.base_url, self.tag, limits=self.options.limits
            )
        if self.total is None and state is not None:
            self.total = state.total
        first = False
        if state is not None and state.complete:
            self.catching_up = True
            url = archive_url(self.base_url, self.tag, self.options.catch_up_page_size)
            size = self.options.catch_up_page_size
        elif state is not None and state.next_url and _resumable(state, self.base_url, self.tag):
            self.resumed = True
            url, size = state.next_url, state.page_size
            self.pages, self.posts = state.pages, state.posts
        else:
            first = True
            url = archive_url(self.base_url, self.tag, self.options.page_size)
            size = self.options.page_size
        self._report(MergeCounts())
        visited: set[str] = set()
        next_url: str | None = url
        while next_url is not None:
            url = next_url
            if self.stopper.stopped():
                return self._cancelled()
            if url in visited or len(visited) >= MAX_PAGES:
                raise self._kept(FetchError("The site's next-page links go round in a circle."))
            visited.add(url)
            try:
                response = _fetch_page(self.client, url, self.tag, self.options, self.stopper)
            except TagNotFound:
                if first or self.catching_up:
                    raise
                # A page past the end is a 404: the tag lost posts since the walk began.
                self.store.complete_archive(self.tag)
                self._report(MergeCounts(), done=True, complete=True)
                return self._result(complete=True)
            except ReaderError as error:
                self._kept(error)
                raise
            if response is None:
                return self._cancelled()
            next_url = self._checked_next(response)
            try:
                feed = self.parse_page(response.body, response.url)
                if self.on_parsed is not None:
                    self.on_parsed(feed.posts)
                page = ArchivePage(next_url, size, len(feed.posts), self.total, first=first)
                counts = self.store.merge(
                    self.tag, feed.posts, archive=None if self.catching_up else page
                )
            except ReaderError as error:
                self._kept(error)
                raise
            if self.on_stored is not None:
                self.on_stored(feed.posts)
            first = False
            self.fetched += 1
            self.pages += 1
            self.posts += len(feed.posts)
            self.skipped += feed.skipped
            self.counts += counts
            if self.catching_up and counts.new == 0:
                next_url = None
            self._report(counts, done=next_url is None, complete=next_url is None)
            if next_url is not None and self.stopper.wait(self.options.pause):
                return self._cancelled()
        return self._result(complete=True)

    def _checked_next(self, response: FeedResponse) -> str | None:
        """The next page, if it is this tag's feed on this site (else the walk must stop)."""
        if response.not_modified:
            raise self._kept(FetchError("The site answered 304 to an unconditional request."))
        url = response.next_url
        if url is None:
            return None
        if urlsplit(url).path != self.feed_path:
            raise self._kept(FetchError("The site's next-page link leads to another feed."))
        return url

    def _kept(self, error: ReaderError) -> ReaderError:
        """Add to ``error``'s hint that the pages so far are kept (when there are some)."""
        if self.pages and not self.catching_up:
            kept = (
                f"The {self.pages:,} pages ({self.posts:,} posts) downloaded so far are kept:"
                " run the download again to resume."
            )
            error.hint = f"{error.hint} {kept}".strip()
        return error

    def _report(self, page: MergeCounts, *, done: bool = False, complete: bool = False) -> None:
        if self.on_progress is None:
            return
        self.on_progress(
            ArchiveProgress(
                tag=self.tag,
                pages=self.pages,
                posts=self.posts,
                total=self.total,
                done=done,
                complete=complete,
                resumed=self.resumed,
                catching_up=self.catching_up,
                fetched=self.fetched,
                page=page,
            )
        )

    def _cancelled(self) -> ArchiveResult:
        self._report(MergeCounts(), done=True)
        return self._result(complete=False, cancelled=True)

    def _result(self, *, complete: bool, cancelled: bool = False) -> ArchiveResult:
        return ArchiveResult(
            tag=self.tag,
            counts=self.counts,
            pages_fetched=self.fetched,
            pages=self.pages,
            posts=self.posts,
            total=self.total,
            complete=complete or self.catching_up,
            cancelled=cancelled,
            resumed=self.resumed,
            caught_up=self.catching_up,
            skipped=self.skipped,
        )
