"""Refresh many tags (the followed ones): one request at a time, in order, each tag on its own.

:func:`refresh_tags` runs :func:`~tui_reader.core.net.refresh.refresh_tag` (a conditional GET
of the feed's first page) for each tag through one HTTP client. A tag fetched less than
``min_age`` ago is skipped (the site's CDN caches a feed for ten minutes, so asking again
sooner gains nothing) unless it is in ``force``. One tag's failure never stops the others: it
is recorded in the cache (``Store.record_fetch_error``, forgotten by the tag's next successful
fetch) and returned in words. Driven from a worker thread::

    stop = threading.Event()
    outcomes = refresh_tags(
        store, ["llms", "sqlite"], base_url="https://simonwillison.net", on_progress=report,
        cancel=stop,
    )
    for outcome in outcomes:
        print(outcome.describe())
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from ..cache.store import Store
from ..errors import CacheError, InvalidTag, ReaderError, TagRenamed
from ..feed.dates import ago
from ..tags import validate_tag
from .fetch import new_client
from .refresh import RefreshResult, refresh_tag

POLITE_AGE = timedelta(minutes=10)
"""How long the site's CDN keeps a feed: fetching a tag again sooner brings nothing new."""


@dataclass(frozen=True, slots=True)
class TagRefreshOutcome:
    """What happened to one tag of :func:`refresh_tags`: ``result`` when it was fetched,
    ``error`` when that failed, ``skipped`` when it was fetched too recently to ask again
    (``age``: how long before)."""

    tag: str
    result: RefreshResult | None = None
    error: ReaderError | None = None
    skipped: bool = False
    age: timedelta | None = None

    @property
    def ok(self) -> bool:
        """Whether the tag is fine: fetched, or skipped as fresh enough."""
        return self.error is None

    def describe(self) -> str:
        """One line for people: ``llms: 3 new, 0 updated, 27 unchanged``, ``sqlite: skipped,
        fetched 4 min ago``, ``old-tag: renamed to new-tag on the site; follow new-tag``."""
        if self.result is not None:
            return self.result.describe()
        if isinstance(self.error, TagRenamed):
            new = self.error.new
            return f"{self.tag}: renamed to {new} on the site; follow {new} instead"
        if self.error is not None:
            return f"{self.tag}: {self.error.message}"
        return f"{self.tag}: skipped, fetched {ago(self.age or timedelta(0))}"


def refresh_tags(
    store: Store,
    tags: Iterable[str],
    *,
    base_url: str,
    client_factory: Callable[[], httpx.Client] | None = None,
    force: Iterable[str] = (),
    min_age: timedelta = POLITE_AGE,
    now: datetime | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[TagRefreshOutcome]:
    """Refresh each of ``tags`` in order, one request at a time; one outcome per tag.

    A tag last fetched less than ``min_age`` before ``now`` (default: the time each tag's
    turn comes) is skipped unless it is in ``force``. A failure is recorded in the cache
    (``Store.record_fetch_error``) and returned, and the next tag goes ahead; a tag that is
    not a tag is refused without a request. ``on_progress(done, total, tag)`` is called
    before each tag; ``cancel`` is checked between tags, and once it is set the outcomes so
    far are returned. Blocks on the network: call it from a worker thread. The client comes
    from ``client_factory`` (default: ``new_client()``) and is closed at the end.
    """
    wanted = list(dict.fromkeys(tags))
    forced = set()
    for tag in force:
        try:
            forced.add(validate_tag(tag))
        except InvalidTag:
            continue
    outcomes: list[TagRefreshOutcome] = []
    client = client_factory() if client_factory is not None else new_client()
    try:
        for done, raw in enumerate(wanted):
            if cancel is not None and cancel.is_set():
                break
            if on_progress is not None:
                on_progress(done, len(wanted), raw)
            outcomes.append(_refresh_one(store, raw, base_url, client, forced, min_age, now))
    finally:
        client.close()
    return outcomes


def _refresh_one(
    store: Store,
    raw: str,
    base_url: str,
    client: httpx.Client,
    forced: set[str],
    min_age: timedelta,
    now: datetime | None,
) -> TagRefreshOutcome:
    """Refresh one tag of :func:`refresh_tags` (never raises a :class:`ReaderError`)."""
    try:
        tag = validate_tag(raw)
    except InvalidTag as error:
        return TagRefreshOutcome(raw, error=error)
    try:
        if tag not in forced and min_age > timedelta(0):
            info = store.tag_info(tag)
            if info is not None and info.fetched_at is not None:
                age = (now or datetime.now(UTC)) - info.fetched_at
                if age < min_age:
                    return TagRefreshOutcome(tag, skipped=True, age=age)
        # the first page of each (one request a tag; opening a tag is what fetches it whole)
        result = refresh_tag(store, tag, base_url=base_url, client=client, lookup_first=False)
        return TagRefreshOutcome(tag, result)
    except ReaderError as error:
        with suppress(CacheError):  # a cache that cannot be written: the outcome still says
            store.record_fetch_error(tag, error.message)
        return TagRefreshOutcome(tag, error=error)
