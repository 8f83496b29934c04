"""Full-text search over every cached post, with a small query language.

The store keeps an SQLite FTS5 index of every post's title and body (see ``searchtext``);
this module turns what a person types into a safe FTS5 expression and SQL filters, runs it,
and returns typed results with highlighted snippets.

Query language (everything combines; matching ignores case and accents)::

    lantern tides        posts with both words (in the title or the body)
    "exact phrase"       the words next to each other, in this order
    lant*                words starting with "lant" (at least 2 letters before the *)
    -word  -"a phrase"   leave out posts that have it
    tag:llms             posts carrying the tag (repeat for all of several; tag:a+b too)
    kind:quote           entry, link (blogmark), quote (quotation), note, beat, chapter (guide);
                         any unambiguous start works (kind:q); repeat for any of several
    year:2023            published that year (UTC); year:2020..2023 for a range; repeatable
    -tag:x -kind:x -year:x  leave those out

Whatever the text, it is data: words are split the way the index splits them and quoted, so
FTS5 operators (``AND``, ``NEAR``, ``*``, ``:``, parentheses) typed by a person are searched
as words, never obeyed. An unknown ``kind:`` or malformed ``year:``/``tag:`` raises
:class:`~tui_reader.core.errors.SearchError` with a readable message; nothing else does.

Results are ranked by bm25 with title matches weighted :data:`TITLE_WEIGHT` times body
matches; a query with no words (only qualifiers and exclusions) lists posts newest first.
Snippets come back as ``(text, match)`` segments, never as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from ..errors import SearchError
from ..feed.sanitize import clean_text
from ..models import Kind, PostSummary
from ..tags import is_slug, split_tag, validate_tag
from .store import Store

TITLE_WEIGHT = 10.0
"""How much more a match in the title counts than one in the body (bm25 column weight)."""
MAX_LIMIT = 1000
MIN_PREFIX = 2
"""Letters needed before ``*`` for a prefix search (``a*`` would match most of the index)."""
MIN_TYPING_PREFIX = 3
"""Letters the last word needs before ``prefix_last`` treats it as a prefix."""
MAX_TERMS = 64
"""Words, phrases and qualifiers beyond this many are refused (SearchError)."""

# Never in indexed text (searchtext cleans control characters), so never ambiguous.
_OPEN = "\x02"
_CLOSE = "\x03"
_ELLIPSIS = "…"
_TOKEN = re.compile(r"[^\W_]+")
_QUALIFIER = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_YEAR = re.compile(r"(\d{4})(?:(?:\.\.|-)(\d{4}))?")
_SPACE = re.compile(r"\s+")

KIND_NAMES: dict[str, Kind] = {
    "entry": Kind.ENTRY,
    "entries": Kind.ENTRY,
    "article": Kind.ENTRY,
    "link": Kind.LINK,
    "links": Kind.LINK,
    "blogmark": Kind.LINK,
    "blogmarks": Kind.LINK,
    "quotation": Kind.QUOTATION,
    "quotations": Kind.QUOTATION,
    "quote": Kind.QUOTATION,
    "quotes": Kind.QUOTATION,
    "note": Kind.NOTE,
    "notes": Kind.NOTE,
    "beat": Kind.BEAT,
    "beats": Kind.BEAT,
    "chapter": Kind.CHAPTER,
    "chapters": Kind.CHAPTER,
    "guide": Kind.CHAPTER,
}
"""The words ``kind:`` accepts (and any start of them that names one kind)."""


# -- the query ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase to look for: its words as the index splits them (lower case)."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False

    def fts(self) -> str:
        """This term in FTS5 syntax: a quoted string (its words in order), ``*`` if a prefix."""
        quoted = '"' + " ".join(self.words).replace('"', '""') + '"'
        return f"{quoted} *" if self.prefix else quoted


@dataclass(frozen=True, slots=True)
class YearRange:
    """Years ``first`` to ``last``, inclusive (UTC)."""

    first: int
    last: int

    def bounds(self) -> tuple[str, str]:
        """The range as the store's sortable timestamps: ``[start, end)``."""
        return f"{self.first:04d}-01-01T00:00:00Z", f"{self.last + 1:04d}-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query (see the module docstring). Build one with :func:`parse_query`."""

    text: str = ""
    terms: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    tags: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    not_kinds: tuple[Kind, ...] = ()
    years: tuple[YearRange, ...] = ()
    not_years: tuple[YearRange, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to search for and nothing to filter by."""
        return not (
            self.terms
            or self.excluded
            or self.tags
            or self.not_tags
            or self.kinds
            or self.not_kinds
            or self.years
            or self.not_years
        )

    def match_expression(self) -> str | None:
        """The FTS5 expression every result must match (None: no words to match)."""
        if not self.terms:
            return None
        return " AND ".join(term.fts() for term in self.terms)

    def exclusion_expression(self) -> str | None:
        """The FTS5 expression no result may match (None: nothing excluded)."""
        if not self.excluded:
            return None
        return " OR ".join(term.fts() for term in self.excluded)

    def with_tags(self, tags: Iterable[str]) -> SearchQuery:
        """This query also requiring every one of ``tags`` (validated; ``a+b`` means both)."""
        extra = [part for tag in tags for part in split_tag(validate_tag(tag))]
        merged = tuple(dict.fromkeys([*self.tags, *extra]))
        return SearchQuery(
            self.text,
            self.terms,
            self.excluded,
            merged,
            self.not_tags,
            self.kinds,
            self.not_kinds,
            self.years,
            self.not_years,
        )


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _TOKEN.findall(text))


def _pieces(text: str) -> Iterable[tuple[bool, bool, str]]:
    """``(negated, quoted, text)`` for each piece of a query, in order."""
    index, length = 0, len(text)
    while index < length:
        if text[index].isspace():
            index += 1
            continue
        negated = False
        if text[index] == "-":
            negated = True
            index += 1
            if index >= length or text[index].isspace():
                continue  # a lone "-" (or one still being typed)
        if text[index] == '"':
            end = text.find('"', index + 1)
            end = length if end < 0 else end  # an unclosed phrase runs to the end
            yield negated, True, text[index + 1 : end]
            index = end + 1
            continue
        end = index
        while end < length and not text[end].isspace() and text[end] != '"':
            end += 1
        yield negated, False, text[index:end]
        index = end


def _kind(value: str) -> Kind:
    name = value.lower()
    if name in KIND_NAMES:
        return KIND_NAMES[name]
    found = {kind for word, kind in KIND_NAMES.items() if word.startswith(name)}
    if len(found) == 1:
        return found.pop()
    names = "entry, link, quote, note, beat, chapter"
    shown = ascii(value[:30])[1:-1]
    if found:
        options = ", ".join(sorted(str(kind.label) for kind in found))
        raise SearchError(f"kind:{shown} could be {options}: type more of it.")
    raise SearchError(f"kind:{shown} is not a kind of post; the kinds are {names}.")


def _years(value: str) -> YearRange:
    match = _YEAR.fullmatch(value)
    shown = ascii(value[:30])[1:-1]
    if match is None:
        raise SearchError(f"year:{shown} is not a year; write year:2023 or year:2020..2023.")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        first, last = last, first
    return YearRange(first, last)


def _tags(value: str) -> list[str]:
    parts = value.lower().split("+")
    if not all(is_slug(part) for part in parts):
        shown = ascii(value[:60])[1:-1]
        raise SearchError(f"tag:{shown} is not a tag name (letters, digits, '-' and '_').")
    return parts


def parse_query(text: str, *, prefix_last: bool = False) -> SearchQuery:
    """Parse what a person typed; see the module docstring for the language.

    ``prefix_last`` (for searching as one types): the last bare word, when it has at least
    :data:`MIN_TYPING_PREFIX` letters and the text does not end in a space, matches as a
    prefix. Pieces with no searchable character (``*``, ``(``, ``:``) are dropped. Raises
    :class:`SearchError` for a malformed qualifier or a query of more than
    :data:`MAX_TERMS` pieces; never anything else.
    """
    terms: list[Term] = []
    excluded: list[Term] = []
    tags: dict[bool, list[str]] = {False: [], True: []}
    kinds: dict[bool, list[Kind]] = {False: [], True: []}
    years: dict[bool, list[YearRange]] = {False: [], True: []}
    last_bare: int | None = None
    pieces = list(_pieces(text))
    if len(pieces) > MAX_TERMS:
        raise SearchError(f"The query has more than {MAX_TERMS} words and qualifiers.")
    for negated, quoted, piece in pieces:
        qualifier = None if quoted else _QUALIFIER.fullmatch(piece)
        name = qualifier.group(1).lower() if qualifier else ""
        if qualifier and name in ("tag", "kind", "year"):
            value = qualifier.group(2)
            if not value:
                continue  # "tag:" still being typed
            if name == "tag":
                tags[negated].extend(_tags(value))
            elif name == "kind":
                kinds[negated].append(_kind(value))
            else:
                years[negated].append(_years(value))
            continue
        star = not quoted and piece.endswith("*")
        words = _words(piece)
        if not words:
            continue
        prefix = star and len(words[-1]) >= MIN_PREFIX
        term = Term(words, phrase=quoted, prefix=prefix)
        if negated:
            excluded.append(term)
        else:
            if not quoted and not star:
                last_bare = len(terms)
            terms.append(term)
    typing_prefix = prefix_last and text and not text[-1].isspace() and not text.endswith('"')
    if typing_prefix and last_bare == len(terms) - 1 and last_bare is not None:
        term = terms[last_bare]
        if len(term.words[-1]) >= MIN_TYPING_PREFIX:
            terms[last_bare] = Term(term.words, phrase=False, prefix=True)
    return SearchQuery(
        text=text,
        terms=tuple(terms),
        excluded=tuple(excluded),
        tags=tuple(dict.fromkeys(tags[False])),
        not_tags=tuple(dict.fromkeys(tags[True])),
        kinds=tuple(dict.fromkeys(kinds[False])),
        not_kinds=tuple(dict.fromkeys(kinds[True])),
        years=tuple(years[False]),
        not_years=tuple(years[True]),
    )


# -- results ------------------------------------------------------------------------------


class Segment(NamedTuple):
    """A piece of a snippet or title: ``match`` is True for the words the query matched."""

    text: str
    match: bool


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching post: its list fields, its tags, and highlighted title and snippet.

    ``title_segments`` joined make ``title``; ``snippet`` is a short extract of the body
    around the best match (the start of the body when the query has no words), with
    ``…`` where text was cut. ``score`` is bm25 (lower is better), None for date order.
    All text is free of control characters.
    """

    id: str
    url: str
    title: str
    kind: Kind
    published: datetime  # timezone-aware, UTC
    tags: tuple[str, ...]
    title_segments: tuple[Segment, ...]
    snippet: tuple[Segment, ...]
    score: float | None = None

    @property
    def summary(self) -> PostSummary:
        """The list-row view of the post (open it with ``store.get_post(hit.id)``)."""
        return PostSummary(self.id, self.url, self.title, self.kind, self.published)

    def snippet_text(self, start: str = "«", end: str = "»") -> str:
        """The snippet as plain text with each match between ``start`` and ``end``."""
        return "".join(f"{start}{s.text}{end}" if s.match else s.text for s in self.snippet)


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results: ``total`` counts every match (None if not counted)."""

    query: SearchQuery
    hits: tuple[SearchHit, ...] = ()
    total: int | None = None
    offset: int = 0
    ranked: bool = True  # by relevance; False: newest first (a query without words)

    def __len__(self) -> int:
        return len(self.hits)


def segments(marked: str) -> tuple[Segment, ...]:
    """Split text marked by the index's highlight characters into clean segments."""
    out: list[Segment] = []
    match = False
    for index, part in enumerate(re.split(f"([{_OPEN}{_CLOSE}])", marked)):
        if index % 2:
            match = part == _OPEN
            continue
        text = _SPACE.sub(" ", clean_text(part))
        if not text:
            continue
        if out and out[-1].match == match:
            out[-1] = Segment(out[-1].text + text, match)
        else:
            out.append(Segment(text, match))
    return tuple(out)


def _opening(body: str, words: int) -> tuple[Segment, ...]:
    parts = body.split(" ", words)
    text = " ".join(parts[:words])
    if len(parts) > words:
        text += " " + _ELLIPSIS
    return segments(text)


# -- running a query ------------------------------------------------------------------------


def _filters(query: SearchQuery, column: str) -> tuple[list[str], list[object]]:
    """SQL conditions on a posts rowid ``column``, each answered from an index."""
    sql: list[str] = []
    params: list[object] = []
    members = "SELECT p.rowid FROM tag_posts t JOIN posts p ON p.id = t.post_id WHERE t.tag = ?"
    for tag in query.tags:
        sql.append(f"{column} IN ({members})")
        params.append(tag)
    for tag in query.not_tags:
        sql.append(f"{column} NOT IN ({members})")
        params.append(tag)
    for kinds, op in ((query.kinds, "IN"), (query.not_kinds, "NOT IN")):
        if kinds:
            marks = ", ".join("?" for _ in kinds)
            sql.append(f"{column} {op} (SELECT rowid FROM posts WHERE kind IN ({marks}))")
            params.extend(str(kind) for kind in kinds)
    for ranges, op in ((query.years, "IN"), (query.not_years, "NOT IN")):
        if ranges:
            spans = " OR ".join("(published >= ? AND published < ?)" for _ in ranges)
            sql.append(f"{column} {op} (SELECT rowid FROM posts WHERE {spans})")
            params.extend(bound for years in ranges for bound in years.bounds())
    exclusion = query.exclusion_expression()
    if exclusion is not None:
        sql.append(f"{column} NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
        params.append(exclusion)
    return sql, params


def search(
    store: Store,
    query: str | SearchQuery,
    *,
    tags: Sequence[str] = (),
    limit: int = 20,
    offset: int = 0,
    prefix_last: bool = False,
    snippet_words: int = 24,
    count: bool = True,
) -> SearchResults:
    """Search every cached post; one page of results, best first.

    ``query`` is text (parsed with :func:`parse_query`, ``prefix_last`` applying) or a
    :class:`SearchQuery`. ``tags`` adds ``tag:`` filters (e.g. the tag being read).
    ``limit`` (at most :data:`MAX_LIMIT`) and ``offset`` page through the results;
    ``count`` also counts every match (``total``). An empty query gives no results.
    Raises :class:`SearchError` for a malformed query and
    :class:`~tui_reader.core.errors.CacheError` if the cache cannot be read; safe to call
    from any thread (the store serialises calls).
    """
    parsed = parse_query(query, prefix_last=prefix_last) if isinstance(query, str) else query
    if tags:
        parsed = parsed.with_tags(tags)
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    snippet_words = max(1, min(snippet_words, 64))
    match = parsed.match_expression()
    if parsed.is_empty:
        return SearchResults(parsed, total=0 if count else None, offset=offset)
    if match is None:  # qualifiers and exclusions only: newest first
        conditions, params = _filters(parsed, "+rowid")  # "+": scan by date, filters test
        source = f"FROM posts WHERE {' AND '.join(conditions)}"
        select = f"SELECT rowid, NULL AS score {source} ORDER BY published DESC, rowid DESC"
    else:
        # "+": the filters test each match; as a rowid constraint on the FTS table they would
        # drive the query instead, one full-text lookup per filtered post (100x slower).
        conditions, params = _filters(parsed, "+f.rowid")
        params = [match, *params]
        source = f"FROM posts_fts f WHERE {' AND '.join(['posts_fts MATCH ?', *conditions])}"
        score = f"bm25(posts_fts, {TITLE_WEIGHT}, 1.0)"
        select = f"SELECT f.rowid AS rowid, {score} AS score {source} ORDER BY score, rowid DESC"
    rows = store._select(f"{select} LIMIT ? OFFSET ?", (*params, limit, offset))
    total = int(store._select(f"SELECT count(*) {source}", tuple(params))[0][0]) if count else None
    hits = _hits(store, match, [(int(r["rowid"]), r["score"]) for r in rows], snippet_words)
    return SearchResults(parsed, hits, total, offset, ranked=match is not None)


def _hits(
    store: Store, match: str | None, ranked: list[tuple[int, float | None]], snippet_words: int
) -> tuple[SearchHit, ...]:
    """The result records for ranked rowids, in the same order."""
    if not ranked:
        return ()
    rowids = [rowid for rowid, _ in ranked]
    marks = ", ".join("?" for _ in rowids)
    posts = {
        int(row["rowid"]): row
        for row in store._select(
            "SELECT rowid, id, url, title, kind, published, tags FROM posts"
            f" WHERE rowid IN ({marks})",
            tuple(rowids),
        )
    }
    if match is not None:
        texts = store._select(
            f"SELECT rowid, highlight(posts_fts, 0, '{_OPEN}', '{_CLOSE}') AS title,"
            f" snippet(posts_fts, 1, '{_OPEN}', '{_CLOSE}', '{_ELLIPSIS}', {snippet_words})"
            f" AS body FROM posts_fts WHERE posts_fts MATCH ? AND rowid IN ({marks})",
            (match, *rowids),
        )
    else:
        texts = store._select(
            f"SELECT rowid, title, substr(body, 1, {snippet_words * 20}) AS body"
            f" FROM posts_fts WHERE rowid IN ({marks})",
            tuple(rowids),
        )
    marked = {int(row["rowid"]): (str(row["title"] or ""), str(row["body"] or "")) for row in texts}
    hits: list[SearchHit] = []
    for rowid, score in ranked:
        row = posts.get(rowid)
        if row is None:  # deleted between the two reads
            continue
        title, body = marked.get(rowid, ("", ""))
        title_segments = segments(title) if title else (Segment(row["title"], False),)
        snippet = segments(body) if match is not None else _opening(body, snippet_words)
        hits.append(
            SearchHit(
                id=row["id"],
                url=row["url"],
                title=row["title"],
                kind=Kind(row["kind"]),
                published=datetime.strptime(row["published"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=UTC
                ),
                tags=tuple(str(tag) for tag in json.loads(row["tags"])),
                title_segments=title_segments,
                snippet=snippet,
                score=None if score is None else float(score),
            )
        )
    return tuple(hits)


__all__ = [
    "KIND_NAMES",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "Segment",
    "Term",
    "YearRange",
    "parse_query",
    "search",
    "segments",
]
