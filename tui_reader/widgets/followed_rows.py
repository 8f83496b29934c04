"""One line per followed tag for the overview (``F``): counts, freshness, errors, posts per year."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from textual.content import Content
from textual.fuzzy import Matcher

from ..core.feed.sanitize import one_line
from ..core.models import TagOverview, YearCount
from ..core.tags import is_slug
from .status_bar import describe_age

BARS = "▁▂▃▄▅▆▇█"
SPARK_YEARS = 12
"""Years drawn in a row's picture of posts per year (the latest ones)."""

_RENAMED = re.compile(r"renamed to '([^']+)'")


def sparkline(years: Sequence[YearCount], *, width: int = SPARK_YEARS) -> str:
    """Posts per year as bars, one per year from the first to the last (gaps as the lowest)."""
    if not years:
        return ""
    counts = {year.year: year.posts for year in years}
    last = max(counts)
    span = range(max(min(counts), last - width + 1), last + 1)
    peak = max(counts.get(year, 0) for year in span) or 1
    return "".join(
        BARS[min(len(BARS) - 1, (counts.get(year, 0) * (len(BARS) - 1) + peak - 1) // peak)]
        if counts.get(year, 0)
        else " "
        for year in span
    )


def renamed_to(error: str | None) -> str | None:
    """The new name in a "renamed" error (as :class:`~tui_reader.core.errors.TagRenamed` says
    it), if it is a valid tag."""
    match = _RENAMED.search(error or "")
    return match.group(1) if match and is_slug(match.group(1)) else None


def overview_header(*, name_width: int = 22) -> str:
    """The column names above :func:`overview_row`'s rows."""
    counts = f"{'unread':>11} / {'posts':<6}"
    return f"{'tag'.ljust(name_width)}{counts} {'new':<5}{'last fetched':<18} posts a year"


def overview_row(item: TagOverview, now: datetime, *, name_width: int = 22) -> Content:
    """``llms   12 unread / 5,123  ✦3  fetched 3 h ago  ▂▃▅▇  ⚠ …`` (feed text never markup)."""
    name = item.tag if len(item.tag) <= name_width else item.tag[: name_width - 1] + "…"
    unread = f"{item.unread:,} unread" if item.unread else "all read"
    fetched = f"fetched {describe_age(item.fetched_at, now)}" if item.fetched_at else "not fetched"
    parts: list[str | tuple[str, str]] = [
        (name.ljust(name_width), "bold" if item.unread else ""),
        (f"{unread:>11} / {item.count:<6,}", "" if item.unread else "dim"),
        (f" ✦{item.new:<4,}" if item.new else "      ", "$text-accent"),
        (f"{fetched:<18}", "dim"),
        (f" {sparkline(item.years):<{SPARK_YEARS}}", "$text-accent"),
    ]
    if item.error:
        new = renamed_to(item.error)
        text = f"renamed to {new} · ctrl+f follows it" if new else one_line(item.error, limit=60)
        parts.append((f"  ⚠ {text}", "$text-error"))
    return Content.assemble(*parts)


def sort_and_filter(items: Iterable[TagOverview], query: str) -> list[TagOverview]:
    """Most unread first (then name); with ``query``, only tags matching it, best first."""
    ordered = sorted(items, key=lambda item: (-item.unread, item.tag))
    query = query.strip().lower()
    if not query:
        return ordered
    matcher = Matcher(query)
    scored = [(matcher.match(item.tag), index, item) for index, item in enumerate(ordered)]
    return [item for score, _, item in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]
