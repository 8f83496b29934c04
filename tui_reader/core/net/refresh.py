"""Refresh a tag: fetch its feed, parse and convert it, merge it into the cache."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from ..cache.store import Store
from ..feed.parse import parse_feed
from ..models import MergeCounts
from ..tags import validate_tag
from ..urls import DEFAULT_BASE_URL, feed_url
from .fetch import FetchLimits, fetch_feed, new_client


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh did."""

    tag: str
    counts: MergeCounts = field(default_factory=MergeCounts)
    not_modified: bool = False
    skipped: int = 0

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
        return line


def refresh_tag(
    store: Store,
    tag: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    limits: FetchLimits | None = None,
) -> RefreshResult:
    """Fetch the first page of ``tag``'s feed and merge it; blocks on the network.

    Raises a :class:`~tui_reader.core.errors.ReaderError` on any failure, before anything
    is written: the cache changes only when the whole page was fetched and parsed.
    """
    tag = validate_tag(tag)
    url = feed_url(base_url, tag)
    own_client = client is None
    active = new_client(limits) if client is None else client
    try:
        response = fetch_feed(active, url, tag=tag, validators=store.validators(tag), limits=limits)
    finally:
        if own_client:
            active.close()
    if response.not_modified:
        store.record_unchanged(tag)
        return RefreshResult(tag, not_modified=True)
    feed = parse_feed(response.body, source_url=response.url, convert=False)
    counts = store.merge(tag, feed.posts, validators=response.validators)
    return RefreshResult(tag, counts, skipped=feed.skipped)
