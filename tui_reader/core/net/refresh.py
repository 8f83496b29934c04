"""Refresh a tag: fetch its feed, parse and convert it, merge it into the cache.

The first fetch of a tag asks the site's tag lookup first (briefly): a tag of at most
:data:`WHOLE_TAG_LIMIT` posts is then fetched whole, in one request (``?size=1000``), and
bigger ones get the feed's first page. Later refreshes are the first page, conditional.
:func:`refresh_facts` asks the lookup again beside a refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import httpx

from ..cache.store import Store
from ..errors import ReaderError
from ..feed.parse import parse_feed
from ..models import MergeCounts, TagFacts
from ..tags import is_slug, validate_tag
from ..urls import DEFAULT_BASE_URL, feed_url
from .autocomplete import LOOKUP_LIMITS, lookup_tag
from .fetch import FetchLimits, fetch_feed, new_client

WHOLE_TAG_LIMIT = 1000
"""A tag of at most this many posts (the site's largest page) is fetched whole the first time."""
WHOLE_PAGE_SIZE = 1000
"""The ``?size=`` of that one request: the whole tag even if it grew since the lookup (and
the same address as an archive download's first page)."""
FIRST_LOOKUP_LIMITS = FetchLimits(
    connect_timeout=1.5, read_timeout=1.5, deadline=2.0, max_bytes=256 * 1024
)
"""The lookup before a first fetch holds the list back: a slow one is given up on (the first
page is fetched instead)."""
WHOLE_LIMITS = FetchLimits(
    read_timeout=60.0,
    deadline=180.0,
    max_bytes=64 * 1024 * 1024,
    max_decoded_bytes=256 * 1024 * 1024,
)
"""A whole tag of up to 1,000 long posts is a much larger document than a page of 30."""


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh did."""

    tag: str
    counts: MergeCounts = field(default_factory=MergeCounts)
    not_modified: bool = False
    skipped: int = 0
    facts: TagFacts | None = None  # what the lookup before a first fetch said (None: not asked)
    whole: bool = False  # fetched whole, in one request

    def describe(self) -> str:
        """One line for people: ``training-data: 3 new, 1 updated, 26 unchanged``."""
        if self.not_modified:
            return f"{self.tag}: not modified since the last fetch"
        counts = self.counts
        line = (
            f"{self.tag}: {counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged"
        )
        if self.skipped:
            line += f" ({self.skipped} malformed entries skipped)"
        if (
            not self.whole
            and self.facts is not None
            and self.facts.count > counts.new + counts.unchanged
        ):
            rest = self.facts.count - counts.new - counts.unchanged
            line += f" ({rest:,} older on the site: fetch --all)"
        return line


def refresh_tag(
    store: Store,
    tag: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    limits: FetchLimits | None = None,
    lookup_first: bool = True,
) -> RefreshResult:
    """Fetch ``tag``'s feed and merge it; blocks on the network.

    The first page, conditionally; but a tag never fetched before is first looked up
    (``lookup_first``, single tags only; a lookup that fails or is slow is skipped) and
    fetched whole when the site has at most :data:`WHOLE_TAG_LIMIT` posts.

    Raises a :class:`~tui_reader.core.errors.ReaderError` on any failure, before anything
    is written: the cache changes only when the whole page was fetched and parsed.
    """
    tag = validate_tag(tag)
    url = feed_url(base_url, tag)
    own_client = client is None
    active = new_client(limits) if client is None else client
    try:
        validators = store.validators(tag)
        facts: TagFacts | None = None
        if lookup_first and is_slug(tag) and store.tag_info(tag) is None:
            facts = _first_lookup(store, active, base_url, tag)
        whole = facts is not None and 0 < facts.count <= WHOLE_TAG_LIMIT
        if whole:
            url = f"{url}?size={WHOLE_PAGE_SIZE}"
        response = fetch_feed(
            active, url, tag=tag, validators=validators, limits=limits or _limits(whole)
        )
    finally:
        if own_client:
            active.close()
    if response.not_modified:
        store.record_unchanged(tag)
        return RefreshResult(tag, not_modified=True, facts=facts)
    feed = parse_feed(response.body, source_url=response.url, convert=False)
    kept = replace(response.validators, etag=None) if whole else response.validators
    counts = store.merge(tag, feed.posts, validators=kept)
    return RefreshResult(tag, counts, skipped=feed.skipped, facts=facts, whole=whole)


def _limits(whole: bool) -> FetchLimits | None:
    return WHOLE_LIMITS if whole else None


def _first_lookup(store: Store, client: httpx.Client, base_url: str, tag: str) -> TagFacts | None:
    """The lookup before a first fetch, kept in the cache; None when it fails or is slow."""
    try:
        facts = lookup_tag(client, base_url, tag, limits=FIRST_LOOKUP_LIMITS, now=datetime.now(UTC))
        if facts is not None:
            store.save_tag_facts(facts)
    except ReaderError:
        return None
    return facts


def refresh_facts(
    store: Store,
    tag: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    limits: FetchLimits = LOOKUP_LIMITS,
    now: datetime | None = None,
) -> TagFacts | None:
    """Ask the site's lookup about ``tag`` again and keep the answer; None when it does not
    know the tag or is a combination (what was kept stays). Blocks on the network.

    Raises a :class:`~tui_reader.core.errors.ReaderError` when the site cannot be asked or
    the answer cannot be kept (the cache keeps the last answer).
    """
    tag = validate_tag(tag)
    if not is_slug(tag):
        return None
    own_client = client is None
    active = new_client(limits) if client is None else client
    try:
        facts = lookup_tag(active, base_url, tag, limits=limits, now=now or datetime.now(UTC))
    finally:
        if own_client:
            active.close()
    if facts is not None:
        store.save_tag_facts(facts)
    return facts
