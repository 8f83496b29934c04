"""The text the search index holds for a post: its Markdown with the syntax noise removed.

The index is kept in step with the ``posts`` table by SQLite triggers, which call these
functions (registered on every connection the store opens as ``tui_search_title`` and
``tui_search_body``). They never raise, are deterministic, and their output never holds a
control character, so the snippet markers the search uses (``\\x02``/``\\x03``) can only come
from SQLite.

Link and image addresses, emphasis markers, heading hashes, quote and list markers, table
pipes, code fences and backslash escapes are dropped; link text, alt text and code are kept.
Every regular expression here runs in linear time (no overlapping quantifiers).

Worker processes that convert posts in bulk (``parallel_backfill``) also make each post's
index text and word count; the process saving them passes those in (:func:`given`), and the
triggers' functions take them instead of computing them again: the same values (both are
pure functions of the Markdown), off the saving process's path.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

from ..feed.sanitize import clean_text


class _Patterns:
    """The index's regular expressions, compiled when the index first needs them (a write
    to the cache), not when the store is imported: compiling them is ~0.5 ms of the start."""

    def __init__(self) -> None:
        # [text](address "title") and ![alt](address): keep the text. Address parts may hold
        # one level of balanced parentheses (Wikipedia-style URLs). The text may hold escaped
        # brackets.
        self.link = re.compile(
            r"!?\[((?:\\.|[^\\\[\]\n])*)\]"
            r"\(\s*<?[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*>?(?:\s+\"[^\"\n]*\")?\s*\)"
        )
        self.autolink = re.compile(r"<(https?://[^\s<>]+)>")
        self.fence = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[^\n]*$", re.MULTILINE)
        self.heading = re.compile(r"^ {0,3}#{1,6}(?=\s)", re.MULTILINE)
        self.quote = re.compile(r"^ {0,3}(?:> ?)+", re.MULTILINE)
        self.bullet = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE)
        self.rule = re.compile(r"^[ \t]*(?:\|?[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$", re.MULTILINE)
        # Runs of emphasis, code and table marks (or one escaped mark, left for .escape): a
        # character class first, so the scan runs at C speed; _mark decides what each run
        # becomes.
        self.marks = re.compile(r"\\[*`~_|]|[*`~_|]+")
        self.escape = re.compile(r"\\([!-/:-@\[-`{-~])")
        self.space = re.compile(r"\s+")


@cache
def _patterns() -> _Patterns:
    return _Patterns()


def _mark(match: re.Match[str]) -> str:
    """Emphasis, code and table marks vanish; marks inside a word leave the word split."""
    run = match.group()
    if run[0] == "\\" or run == "~":  # escaped, or a lone tilde (~/path): text
        return run
    text, start, end = match.string, match.start(), match.end()
    inside = text[start - 1 : start].isalnum() and text[end : end + 1].isalnum()
    if inside and run.strip("_") == "":  # snake_case
        return run
    return " " if inside or "|" in run else ""


def search_title(title: str) -> str:
    """A title as indexed: cleaned of control characters, whitespace folded."""
    try:
        return _patterns().space.sub(" ", clean_text(title)).strip()
    except Exception:  # never fail a write to the cache because of the index
        return ""


def search_body(markdown: str) -> str:
    """A Markdown body as indexed: its words, without Markdown syntax, on one line."""
    try:
        p = _patterns()
        text = clean_text(markdown)
        # A pass runs only where the mark its pattern needs is present (a scan at C speed):
        # the same text, a fifth sooner on the site's posts.
        if "```" in text or "~~~" in text:
            text = p.fence.sub(" ", text)
        for _ in range(2):  # an image inside a link: [![alt](src)](href)
            if "](" in text:
                text = p.link.sub(r"\1", text)
        if "<http" in text:
            text = p.autolink.sub(r"\1", text)
        if "---" in text:
            text = p.rule.sub(" ", text)
        if "#" in text:
            text = p.heading.sub(" ", text)
        if ">" in text:
            text = p.quote.sub(" ", text)
        text = p.bullet.sub(" ", text)
        text = p.marks.sub(_mark, text)
        if "\\" in text:
            text = p.escape.sub(r"\1", text)
        return " ".join(text.split())
    except Exception:
        try:
            return _patterns().space.sub(" ", clean_text(markdown)).strip()
        except Exception:
            return ""


def index_facts(markdown: str) -> tuple[str, int]:
    """What the triggers make of a post's Markdown: its index text and its word count."""
    return search_body(markdown), _words(markdown)


_GIVEN: dict[str, tuple[str, int]] = {}
"""Markdown → its :func:`index_facts`, made elsewhere (see :func:`given`)."""


@contextmanager
def given(facts: Iterable[tuple[str, tuple[str, int]]]) -> Iterator[None]:
    """Within the block, the index's functions take each ``(markdown, index_facts(markdown))``
    as given. (A value is only ever the function's own result for its key, so any thread may
    find it: the outcome is the same, only cheaper.)"""
    keys = []
    for markdown, made in facts:
        _GIVEN[markdown] = made
        keys.append(markdown)
    try:
        yield
    finally:
        for key in keys:
            _GIVEN.pop(key, None)


def register(conn: sqlite3.Connection) -> None:
    """Make the index's SQL functions available on ``conn`` (the triggers call them)."""
    conn.create_function("tui_search_title", 1, _sql_title, deterministic=True)
    conn.create_function("tui_search_body", 1, _sql_body, deterministic=True)
    conn.create_function("tui_word_count", 1, _sql_words, deterministic=True)


def _sql_title(value: object) -> str:
    return search_title(value) if isinstance(value, str) else ""


def _sql_body(value: object) -> str:
    if not isinstance(value, str):
        return ""
    made = _GIVEN.get(value) if _GIVEN else None  # (no hashing when nothing is given)
    return search_body(value) if made is None else made[0]


def _sql_words(value: object) -> int:
    if _GIVEN and isinstance(value, str) and (made := _GIVEN.get(value)) is not None:
        return made[1]
    return _words(value)


def _words(value: object) -> int:
    """A post's word count (the ``post_words`` triggers); never raises."""
    from ..feed.wordcount import word_count

    try:
        return word_count(value) if isinstance(value, str) else 0
    except Exception:
        return 0
