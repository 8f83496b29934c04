"""Turn feed bytes into clean :class:`Post` records.

feedparser does the reading (always from bytes). Before it sees a document, the document is
checked whole with expat:

- a DTD or entity declaration is refused: feedparser keeps "safe" entity declarations, so a
  billion-laughs feed would otherwise expand into gigabytes;
- a document that is not well-formed XML is refused whole. feedparser would fall back to a
  forgiving parser that reads a feed cut short (or otherwise damaged) into entries with
  missing or mangled bodies, and merging those would spoil good cached posts.

Control characters, which XML forbids, are removed first (raw, or written as character
references such as ``&#x1b;``), so a feed is not refused only for carrying them; they could
never be shown anyway.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from ..errors import FeedParseError, NotAFeed
from ..models import Post
from ..urls import is_web_url, normalise_post_id
from .footer import strip_tags_footer
from .kinds import infer_kind
from .sanitize import clean_text, one_line
from .saxdriver import use_buffered_driver

MAX_TITLE = 1000
MAX_TAG = 100
_FEED_ROOTS = frozenset({"feed", "rss", "RDF"})
_RAW_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_WIDE_STARTS = (b"\xfe\xff", b"\xff\xfe", b"\x00", b"<\x00")  # UTF-16/32: NUL bytes are text

use_buffered_driver()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The usable entries of one feed document, and how many were dropped as malformed."""

    title: str
    posts: list[Post] = field(default_factory=list)
    skipped: int = 0


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 allows character ``code`` in a document."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _drop_reference(match: re.Match[bytes]) -> bytes:
    digits = match.group(1) or match.group(2)
    code = int(digits, 16 if match.group(1) else 10)
    return match.group(0) if _xml_char(code) else b""


def strip_controls(data: bytes) -> bytes:
    """``data`` without the control characters XML forbids, raw or as character references.

    Raw bytes are removed only from ASCII-compatible encodings (in UTF-8 a control byte is
    never part of another character); references are removed in any encoding that writes
    them as ASCII bytes.
    """
    if not data.startswith(_WIDE_STARTS):
        data = _RAW_CONTROLS.sub(b"", data)
    if b"&#" in data:
        data = _CHAR_REFERENCE.sub(_drop_reference, data)
    return data


def check_document(data: bytes) -> None:
    """Refuse a document that is not well-formed XML, declares a DTD, or is not a feed.

    Expat reads the whole document (linear time; no entity can be declared, so nothing
    expands) and stops at the first error.
    """
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise NotAFeed("The site answered with a web page, not a feed.")
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    root: list[str] = []

    def on_doctype(*_args: object) -> None:
        raise FeedParseError("The feed declares a DTD, which is refused for safety.")

    def on_element(name: str, _attrs: object) -> None:
        if not root:
            root.append(name.rpartition(" ")[2])
            if root[0] not in _FEED_ROOTS:
                raise NotAFeed(
                    f"The site's answer is not a feed (its root element is <{root[0][:30]}>)."
                )

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.StartElementHandler = on_element
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        if not root:
            raise FeedParseError(f"The feed is not readable XML ({error}).") from error
        raise FeedParseError(
            f"The feed is damaged: it is not well-formed XML ({error}); none of it was used."
        ) from error
    except (ValueError, LookupError) as error:  # an encoding expat cannot read
        raise FeedParseError(f"The feed is not readable XML ({error}).") from error
    if not root:
        raise NotAFeed("The site's answer has no feed in it.")


def parse_feed(data: bytes, *, source_url: str, convert: bool = True) -> ParsedFeed:
    """Parse a feed document; entries without an id/link or a date are skipped and counted.

    ``convert=False`` leaves each post's ``markdown`` empty, to be filled in later by
    :mod:`.markdown_backfill` (the conversion costs three times the parse).
    """
    data = strip_controls(data)
    check_document(data)
    return parse_checked(data, source_url=source_url, convert=convert)


def parse_checked(data: bytes, *, source_url: str, convert: bool = True) -> ParsedFeed:
    """:func:`parse_feed` of a document already cleaned (:func:`strip_controls`) and checked
    (:func:`check_document`)."""
    parsed = feedparser.parse(
        data,
        # No base address: feedparser would join it to every element's (a quarter of its
        # parse); entry links and ids are resolved against ``source_url`` in ``_post``.
        # feedparser's sanitiser deletes embeds (<lite-youtube>, <iframe>) and <summary>; the
        # converter cleans bodies itself (scripts, styles, unsafe link schemes, control chars).
        sanitize_html=False,
        # A body's relative links belong to its post, not to the feed: the converter and
        # postlinks resolve them against the post's permalink (``#fn1`` is a footnote there).
        resolve_relative_uris=False,
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
    html = strip_tags_footer(clean_text(_body(entry)))
    markdown = ""
    if convert:
        from .convert import html_to_markdown  # BeautifulSoup: only when converting here

        markdown = html_to_markdown(html, url or source_url)
    return Post(
        id=post_id,
        url=url,
        title=title,
        kind=infer_kind(title, html, url),
        published=published,
        tags=_tags(entry),
        html=html,
        markdown=markdown,
    )


def _published(entry: Any) -> datetime | None:
    """The entry's date (``<published>``, else ``<updated>``), or None if neither is a date.

    The text is read strictly: feedparser's own reading "repairs" impossible dates into
    wrong ones (``2026-13-45`` becomes 1st January 2027, ``10000-01-01`` a day in 2010).
    """
    # dict.get: FeedParserDict's own get maps missing keys onto others, with a warning.
    for key in ("published", "updated"):
        raw = dict.get(entry, key)
        moment = parse_date(raw) if isinstance(raw, str) else None
        if moment is not None:
            return moment
    return None


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 date (Atom) or an RFC 2822 one (RSS), in UTC; None otherwise.

    A date without a time zone is taken to be UTC.
    """
    text = text.strip()
    if not text or len(text) > 64 or not text.isascii():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not isinstance(moment, datetime):  # older Pythons' parsedate_to_datetime gave None
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _body(entry: Any) -> str:
    contents = entry.get("content") or []
    if contents:
        return str(contents[0].get("value") or "")
    return str(entry.get("summary") or "")


def _tags(entry: Any) -> tuple[str, ...]:
    terms = (one_line(str(t.get("term") or ""), limit=MAX_TAG) for t in entry.get("tags") or [])
    return tuple(dict.fromkeys(term for term in terms if term))
