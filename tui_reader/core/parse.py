"""Turn feed bytes into clean :class:`Post` records.

feedparser does the reading (always from bytes). Before it sees a document, a DTD or entity
declaration is refused: feedparser keeps "safe" entity declarations, so a billion-laughs feed
would otherwise expand into gigabytes.
"""

from __future__ import annotations

import calendar
import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from .convert import html_to_markdown, strip_tags_footer
from .errors import FeedParseError, NotAFeed
from .kinds import infer_kind
from .models import Post
from .sanitize import one_line
from .urls import is_web_url, normalise_post_id

MAX_TITLE = 1000
MAX_TAG = 100
_FEED_ROOTS = frozenset({"feed", "rss", "RDF"})


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The usable entries of one feed document, and how many were dropped as malformed."""

    title: str
    posts: list[Post] = field(default_factory=list)
    skipped: int = 0


class _RootFound(Exception):
    """Stops the pre-scan once the root element has been seen."""


def check_document(data: bytes) -> None:
    """Refuse a document with a DTD, or whose root is not a feed.

    Only the prolog is scanned (nothing can declare entities after the root element starts),
    so the cost does not grow with the feed.
    """
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise NotAFeed("The site answered with a web page, not a feed.")
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    root: list[str] = []

    def on_doctype(*_args: object) -> None:
        raise FeedParseError("The feed declares a DTD, which is refused for safety.")

    def on_element(name: str, _attrs: object) -> None:
        root.append(name.rpartition(" ")[2])
        raise _RootFound

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.StartElementHandler = on_element
    try:
        parser.Parse(data, True)
    except _RootFound:
        pass
    except xml.parsers.expat.ExpatError as error:
        raise FeedParseError(f"The feed is not readable XML ({error}).") from error
    if not root:
        raise NotAFeed("The site's answer has no feed in it.")
    if root[0] not in _FEED_ROOTS:
        raise NotAFeed(f"The site's answer is not a feed (its root element is <{root[0][:30]}>).")


def parse_feed(data: bytes, *, source_url: str, convert: bool = True) -> ParsedFeed:
    """Parse a feed document; entries without an id/link or a date are skipped and counted.

    ``convert=False`` leaves each post's ``markdown`` empty, to be filled in later by
    :mod:`.markdown_backfill` (the conversion costs three times the parse).
    """
    check_document(data)
    parsed = feedparser.parse(
        data,
        response_headers={"content-location": source_url},
        # feedparser's sanitiser deletes embeds (<lite-youtube>, <iframe>) and <summary>; the
        # converter cleans bodies itself (scripts, styles, unsafe link schemes, control chars).
        sanitize_html=False,
        resolve_relative_uris=True,
    )
    if parsed.get("bozo") and not parsed.entries and not parsed.feed:
        reason = one_line(str(parsed.get("bozo_exception", "")), limit=120)
        raise FeedParseError(f"The feed could not be read ({reason}).")
    posts: dict[str, Post] = {}
    skipped = 0
    for entry in parsed.entries:
        post = _post(entry, source_url, convert=convert)
        if post is None or post.id in posts:
            skipped += 1
            continue
        posts[post.id] = post
    title = one_line(str(parsed.feed.get("title", "")), limit=MAX_TITLE)
    return ParsedFeed(title=title, posts=list(posts.values()), skipped=skipped)


def _post(entry: Any, source_url: str, *, convert: bool = True) -> Post | None:
    """One entry as a Post, or None when it lacks an identity or a date."""
    raw_id = str(entry.get("id") or entry.get("link") or "")
    published = _published(entry)
    if not raw_id.strip() or published is None:
        return None
    post_id = normalise_post_id(raw_id, source_url)
    link = str(entry.get("link") or "")
    url = post_id if is_web_url(post_id) else normalise_post_id(link, source_url)
    if not is_web_url(url):
        url = ""
    title = one_line(str(entry.get("title") or ""), limit=MAX_TITLE) or "(untitled)"
    html = strip_tags_footer(_body(entry))
    return Post(
        id=post_id,
        url=url,
        title=title,
        kind=infer_kind(title, html, url),
        published=published,
        tags=_tags(entry),
        html=html,
        markdown=html_to_markdown(html, url or source_url) if convert else "",
    )


def _published(entry: Any) -> datetime | None:
    # dict.get: FeedParserDict's own get maps missing keys onto others, with a warning.
    moment = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not moment:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(moment), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _body(entry: Any) -> str:
    contents = entry.get("content") or []
    if contents:
        return str(contents[0].get("value") or "")
    return str(entry.get("summary") or "")


def _tags(entry: Any) -> tuple[str, ...]:
    terms = (one_line(str(t.get("term") or ""), limit=MAX_TAG) for t in entry.get("tags") or [])
    return tuple(dict.fromkeys(term for term in terms if term))
