"""Tell the kind of a post from its title, body and permalink (the feed does not say).

The rules follow the site's templates (SITE.md), checked in this order:

1. **chapter**: the permalink's path has a ``/guides/`` segment, or the body opens with the
   breadcrumb ``<p><em><a href="…/guides/…">Guide</a> &gt;</em></p>``.
2. **quotation**: the title starts ``Quoting ``, or the body opens with ``<blockquote``
   and has a ``<p class="cite">`` attribution.
3. **link** (blogmark): the body opens with ``<p><strong><a href=``.
4. **beat**: the body opens with ``<p><strong>Label:</strong>``, where Label is one of the
   site's beat labels (TIL, Release, Tool, Research, Museum, Sighting, Comment), or any other
   short label (up to three words) when the rest of that first paragraph is exactly one link
   (so an article opening ``<strong>Update:</strong> some text`` stays an entry).
5. **note**: the title is ``Note on <date>`` ("Note on 5th March 2026"; "Note on March 5th,
   2026" too), or the post is short and plain: dated 2025 or later
   by its permalink (notes are a recent kind, and the many short entries of the early
   years must not turn into notes), at most 1,500 characters of text (6,000 of HTML)
   without the tags footer, and no headings, code blocks, tables or embeds.
6. otherwise **entry**.

Everything is matched case-insensitively after leading whitespace; any input is accepted.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..models import Kind

BEAT_LABELS = frozenset({"til", "release", "tool", "research", "museum", "sighting", "comment"})
NOTES_SINCE = 2025
NOTE_MAX_TEXT = 1_500
_HEAD = 2_000  # characters of the body the opening patterns look at

_CHAPTER = re.compile(
    r"<p>\s*<em>\s*<a\s[^>]*href=[\"']?[^\"'>]*/guides/[^>]*>[^<]*</a>\s*&gt;\s*</em>\s*</p>",
    re.IGNORECASE,
)
_QUOTATION = re.compile(r"<blockquote\b", re.IGNORECASE)
_CITE = re.compile(r"<p\s+class=[\"']?cite\b", re.IGNORECASE)
_LINK = re.compile(r"<p>\s*<strong>\s*<a\s[^>]*\bhref\s*=", re.IGNORECASE)
_BEAT = re.compile(
    r"<p>\s*<strong>\s*([A-Za-z][A-Za-z0-9]*(?:[ -][A-Za-z0-9]+){0,2})\s*:\s*</strong>"
    r"(?P<rest>.*?)</p>",
    re.IGNORECASE | re.DOTALL,
)
_ONE_LINK = re.compile(r"\s*<a\s[^>]*>[^<]*</a>\s*\.?\s*", re.IGNORECASE)
_NOTE_TITLE = re.compile(
    r"note on\s+(?:\d{1,2}(?:st|nd|rd|th)?\s+[a-z]+|[a-z]+\s+\d{1,2}(?:st|nd|rd|th)?,?)"
    r"\s+\d{4}",
    re.IGNORECASE,
)
_URL_YEAR = re.compile(r"^/(\d{4})/")
_NOT_A_NOTE = re.compile(r"<(?:h[1-6]|pre|table|iframe|lite-youtube|video)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


def infer_kind(title: str, html: str, url: str) -> Kind:
    """The kind of a post, by the rules in this module's docstring. Never raises."""
    try:
        return _infer(
            title if isinstance(title, str) else "",
            html if isinstance(html, str) else "",
            url if isinstance(url, str) else "",
        )
    except Exception:  # garbage in: an ordinary entry out
        return Kind.ENTRY


def _infer(title: str, html: str, url: str) -> Kind:
    title = title.strip()
    body = html.lstrip()
    head = body[:_HEAD]
    path = _path(url)
    if "/guides/" in path or _CHAPTER.match(head):
        return Kind.CHAPTER
    if title.lower().startswith("quoting ") or (_QUOTATION.match(head) and _CITE.search(body)):
        return Kind.QUOTATION
    if _LINK.match(head):
        return Kind.LINK
    if _is_beat(head):
        return Kind.BEAT
    if _NOTE_TITLE.fullmatch(title) or _looks_like_note(body, path):
        return Kind.NOTE
    return Kind.ENTRY


def _path(url: str) -> str:
    try:
        return urlsplit(url.strip()).path
    except ValueError:
        return ""


def _is_beat(head: str) -> bool:
    match = _BEAT.match(head)
    if match is None:
        return False
    if match.group(1).lower() in BEAT_LABELS:
        return True
    return _ONE_LINK.fullmatch(match.group("rest")) is not None


def _looks_like_note(body: str, path: str) -> bool:
    year = _URL_YEAR.match(path)
    if year is None or int(year.group(1)) < NOTES_SINCE:
        return False
    body = _strip_footer(body)
    if len(body) > 4 * NOTE_MAX_TEXT or _NOT_A_NOTE.search(body):
        return False
    return len(_TAG.sub("", body).strip()) <= NOTE_MAX_TEXT


def _strip_footer(body: str) -> str:
    start = body.rfind("<p>Tags:")
    return body[:start] if start >= 0 else body
