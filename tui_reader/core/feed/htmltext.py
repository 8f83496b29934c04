"""Plain text from any HTML in one linear pass: the fallback when Markdown conversion fails.

The stdlib ``HTMLParser`` (which BeautifulSoup's "html.parser" uses) takes quadratic time
on some malformed input (``<a<a<a…``, ``</</…``, ``<?<?…``), so this module has its own
small scanner: every ``find`` and regex attempt moves forward, nothing is re-scanned, and
nesting depth costs nothing. :func:`stray_brackets` uses it to spot such input early.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from html import unescape

from .htmlprep import BLOCKS

_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[^<>"']|"[^"]*"|'[^']*')*>""")
_SKIPPED = frozenset({"script", "style", "noscript", "template", "title", "textarea"})
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[^\S\n]+")

TEXT, START, END, STRAY = "text", "start", "end", "stray"


@cache
def _closing(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}\b", re.IGNORECASE)


def tokens(html: str) -> Iterator[tuple[str, str]]:
    """``(kind, value)`` pairs: text (entities undecoded), start/end tag names (lower
    case), and stray ``<`` that start no tag. Comments, declarations and the content of
    ``<script>``-like elements are skipped; an unclosed one swallows the rest."""
    pos, size = 0, len(html)
    while pos < size:
        lt = html.find("<", pos)
        if lt < 0:
            yield TEXT, html[pos:]
            return
        if lt > pos:
            yield TEXT, html[pos:lt]
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            if end < 0:
                return
            pos = end + 3
            continue
        match = _TAG.match(html, lt)
        if match:
            name = match.group(2).lower()
            yield (END if match.group(1) else START), name
            pos = match.end()
            if name in _SKIPPED and not match.group(1):
                closing = _closing(name).search(html, pos)
                if closing is None:
                    return
                pos = closing.start()
            continue
        if html.startswith(("<!", "<?"), lt):
            end = html.find(">", lt)
            if end < 0:  # no '>' anywhere after: the rest can hold no markup
                yield TEXT, html[lt:]
                return
            pos = end + 1
            continue
        yield STRAY, "<"
        pos = lt + 1


def stray_brackets(html: str, limit: int) -> bool:
    """Whether ``html`` has more than ``limit`` ``<`` that start no tag."""
    if html.count("<") <= limit:
        return False  # too few ``<`` of any kind
    count = 0
    for kind, _ in tokens(html):
        if kind == STRAY:
            count += 1
            if count > limit:
                return True
    return False


def html_to_text(html: str) -> str:
    """The visible text of ``html``: paragraphs separated by blank lines, spaces collapsed.

    Blank lines in the source also separate paragraphs (old posts have no ``<p>``).
    """
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    parts: list[str] = []
    in_pre = 0
    for kind, value in tokens(html):
        if kind in (START, END):
            if value == "pre":
                in_pre = max(0, in_pre + (1 if kind == START else -1))
            if value == "br":
                parts.append("\n")
            elif value in BLOCKS:
                parts.append("\n\n")
        elif kind == STRAY or "\n" not in value:
            parts.append(unescape(value))
        elif in_pre:
            parts.append(_BLANK_LINES.sub("\n", unescape(value)))
        else:
            pieces = _BLANK_LINES.split(unescape(value))
            parts.append("\n\n".join(piece.replace("\n", " ") for piece in pieces))
    paragraphs: list[str] = []
    for block in _BLANK_LINES.split("".join(parts)):
        lines = (_SPACES.sub(" ", line).strip() for line in block.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)
