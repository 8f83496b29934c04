"""Tag suggestions from the site's ``/tags-autocomplete/?q=`` endpoint (hostile JSON, cleaned),
and the exact-match lookup of one tag: its true size, by kind, and its description."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

import httpx

from ..errors import FetchError
from ..feed.sanitize import one_line
from ..models import TagFacts, TagSuggestion
from ..tags import is_slug
from ..urls import normalise_base_url
from .fetch import FetchLimits, fetch_json

MAX_QUERY = 50
"""Longer prompts are not sent: no tag is longer."""
SUGGEST_LIMITS = FetchLimits(
    connect_timeout=3.0, read_timeout=3.0, deadline=5.0, max_bytes=256 * 1024
)
"""Suggestions are a nicety: give up quickly and accept only a small answer."""
LOOKUP_LIMITS = FetchLimits(
    connect_timeout=2.0, read_timeout=2.0, deadline=3.0, max_bytes=256 * 1024
)
"""A tag's facts, asked beside a refresh: they decorate the list, so never wait long."""
DESCRIPTION_LIMIT = 300
"""Characters of a tag's description kept (the site's are a sentence or two)."""
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,300})\]\([^)\s]{0,2000}\)")
_KIND_FIELDS = ("total_entry", "total_blogmark", "total_quotation", "total_note", "total_beat")


def autocomplete_url(base_url: str, query: str) -> str:
    """The endpoint's URL for ``query`` (trimmed to ``MAX_QUERY`` characters)."""
    base = normalise_base_url(base_url)
    return f"{base}/tags-autocomplete/?{urlencode({'q': query.strip()[:MAX_QUERY]})}"


def parse_suggestions(document: object) -> list[TagSuggestion]:
    """The suggestions in a decoded answer; anything malformed is skipped, never trusted.

    Raises :class:`FetchError` when the answer is not the endpoint's shape at all.
    """
    rows = document.get("tags") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise FetchError("The site's tag suggestions were not readable.")
    suggestions: dict[str, TagSuggestion] = {}
    for row in rows[:50]:
        if not isinstance(row, dict):
            continue
        tag = row.get("tag")
        if not isinstance(tag, str) or not is_slug(tag):
            continue
        count = row.get("count")
        description = row.get("description")
        suggestions.setdefault(
            tag.lower(),
            TagSuggestion(
                tag=tag.lower(),
                count=count if isinstance(count, int) and count >= 0 else None,
                description=one_line(description, limit=120)
                if isinstance(description, str)
                else "",
            ),
        )
    return list(suggestions.values())


def suggest_tags(
    client: httpx.Client,
    base_url: str,
    query: str,
    *,
    limits: FetchLimits = SUGGEST_LIMITS,
) -> list[TagSuggestion]:
    """Ask the site which tags match ``query`` (its top matches). Empty query: no request.

    Raises :class:`FetchError` (or a subclass) when the site cannot be asked.
    """
    if not query.strip():
        return []
    document = fetch_json(client, autocomplete_url(base_url, query), limits=limits)
    return parse_suggestions(document)


def _count(value: object) -> int | None:
    """A count from the answer: a non-negative int (a bool is not one), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
        return value
    return None


def clean_description(text: str) -> str:
    """A tag's description as plain text: Markdown links become their text, one line,
    control characters gone, at most :data:`DESCRIPTION_LIMIT` characters."""
    return one_line(_MARKDOWN_LINK.sub(r"\1", text[:10_000]), limit=DESCRIPTION_LIMIT)


def parse_facts(document: object, tag: str, *, now: datetime | None = None) -> TagFacts | None:
    """What the answer says of exactly ``tag``: None when it has no row for it (or the row has
    no usable count). Kind counts that are missing or malformed read as 0.

    Raises :class:`FetchError` when the answer is not the endpoint's shape at all.
    """
    rows = document.get("tags") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise FetchError("The site's tag lookup was not readable.")
    for row in rows[:50]:
        if not isinstance(row, dict) or not isinstance(row.get("tag"), str):
            continue
        if row["tag"].lower() != tag:
            continue
        count = _count(row.get("count"))
        if count is None:
            return None
        entries, links, quotations, notes, beats = (
            _count(row.get(name)) or 0 for name in _KIND_FIELDS
        )
        description = row.get("description")
        return TagFacts(
            tag,
            count,
            entries,
            links,
            quotations,
            notes,
            beats,
            description=clean_description(description) if isinstance(description, str) else "",
            checked_at=now,
        )
    return None


def lookup_tag(
    client: httpx.Client,
    base_url: str,
    tag: str,
    *,
    limits: FetchLimits = LOOKUP_LIMITS,
    now: datetime | None = None,
) -> TagFacts | None:
    """Ask the site about exactly ``tag`` (one request): its facts, or None when the site
    does not know it or it is a combination (``a+b``: no request).

    Raises :class:`FetchError` (or a subclass) when the site cannot be asked.
    """
    if not is_slug(tag):
        return None
    document = fetch_json(client, autocomplete_url(base_url, tag), limits=limits)
    return parse_facts(document, tag.lower(), now=now)
