"""How long a post is: its words, counted in its Markdown text, and a reading time."""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 200
"""A reading pace for prose with code and quotations in it (the site's ``[… 1,465 words]``
reads in about 7 minutes)."""
LONG_POST = 500
"""Posts with at least this many words are long: the list shows their length."""

_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")  # ](url "title") of links, images
_TAG = re.compile(r"<[^>\n]{1,200}>")  # raw HTML the conversion kept, autolinks
_MARKUP = str.maketrans(dict.fromkeys('#*_>`[](){}|!~=+\\<"/', " "))
_PUNCTUATION = "-.,:;?'\u2019\u2013\u2014\u2026"


def word_count(markdown: str) -> int:
    """Words in ``markdown``: link and image addresses, HTML tags, Markdown's markup and lone
    punctuation left out. (Splitting, not a word regex: a cache's migration counts every post.)
    """
    if not markdown:
        return 0
    text = _TAG.sub(" ", _LINK_TARGET.sub("] ", markdown)).translate(_MARKUP)
    tokens = text.split()
    marks = _PUNCTUATION
    return len(tokens) - sum(1 for t in tokens if t[0] in marks and not t.strip(marks))


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at :data:`WORDS_PER_MINUTE` (at least 1)."""
    return max(1, round(words / WORDS_PER_MINUTE))


def describe_length(words: int) -> str:
    """``1,465 words · 7 min`` (``1 word · 1 min``)."""
    noun = "word" if words == 1 else "words"
    return f"{words:,} {noun} · {reading_minutes(words)} min"


def short_length(words: int) -> str:
    """A long post's length for a list row: ``1.5k words``, ``640 words``."""
    if words >= 1000:
        return f"{words / 1000:.1f}k words".replace(".0k", "k")
    return f"{words} words"
