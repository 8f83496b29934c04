"""Tag suggestions from the site's ``/tags-autocomplete/?q=`` endpoint (hostile JSON, cleaned)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from ..errors import FetchError
from ..feed.sanitize import one_line
from ..models import TagSuggestion
from ..tags import is_slug
from ..urls import normalise_base_url
from .fetch import FetchLimits, fetch_json

MAX_QUERY = 50
"""Longer prompts are not sent: no tag is longer."""
SUGGEST_LIMITS = FetchLimits(
    connect_timeout=3.0, read_timeout=3.0, deadline=5.0, max_bytes=256 * 1024
)
"""Suggestions are a nicety: give up quickly and accept only a small answer."""


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
