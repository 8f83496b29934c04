"""A big Atom page cut into smaller documents that parse to the same posts, so that two
processes can parse one page: the first page of an archive walk, while the conversion
workers have nothing else to do yet.

Each part is the page's own header (everything before its first entry: the XML declaration,
the ``<feed>`` element with its namespaces, ``xml:base`` and ``xml:lang``, the feed's title),
a run of its entries, and its tail (``</feed>``). An Atom entry is read on its own (its
id, link, title, dates, tags and body are its own elements), so parsing the parts gives the
same entries in the same order as parsing the page (:func:`join_parsed` puts them back
together, duplicates dropped across parts as within one). A page that is not Atom, or
whose entries are not all together at the end of the feed, is not cut.
"""

from __future__ import annotations

import xml.parsers.expat

from .parse import ParsedFeed

_ATOM = "http://www.w3.org/2005/Atom"
_FEED = f"{_ATOM} feed"
_ENTRY = f"{_ATOM} entry"


def split_feed(data: bytes, share: float) -> tuple[bytes, bytes] | None:
    """``data`` (a document :func:`~.parse.parse_feed` checked) as two documents, the first
    with about ``share`` of its entries' bytes; None when it cannot be cut (see the
    module's docstring)."""
    if not 0 < share < 1 or data.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"<\x00")):
        return None
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    starts: list[int] = []
    children: list[bool] = []  # the feed's children in order: whether each is an entry
    depth = 0
    end = -1

    def on_start(name: str, _attrs: object) -> None:
        nonlocal depth
        depth += 1
        if depth == 1 and name != _FEED:
            raise _NotCut
        if depth == 2:
            children.append(name == _ENTRY)
            if name == _ENTRY:
                starts.append(parser.CurrentByteIndex)

    def on_end(_name: str) -> None:
        nonlocal depth, end
        if depth == 1:
            end = parser.CurrentByteIndex
        depth -= 1

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(data, True)
    except (_NotCut, xml.parsers.expat.ExpatError, ValueError, LookupError):
        return None
    entries = len(starts)
    if entries < 2 or end < 0 or not all(children[len(children) - entries :]):
        return None  # too few entries, or another element among or after them
    head, tail = data[: starts[0]], data[end:]
    target = starts[0] + int((end - starts[0]) * share)
    cut = min(starts[1:], key=lambda start: abs(start - target))
    return head + data[starts[0] : cut] + tail, head + data[cut:end] + tail


class _NotCut(Exception):
    """The document is not an Atom feed."""


def join_parsed(parts: list[ParsedFeed]) -> ParsedFeed:
    """The parse of a whole page from those of its parts, in order: the first part's title,
    and a post seen in an earlier part skipped as a duplicate (as in one document)."""
    posts = {}
    skipped = 0
    for part in parts:
        skipped += part.skipped
        for post in part.posts:
            if post.id in posts:
                skipped += 1
            else:
                posts[post.id] = post
    return ParsedFeed(title=parts[0].title, posts=list(posts.values()), skipped=skipped)
