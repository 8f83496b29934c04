"""The SAX driver feedparser reads feeds with: the standard expat reader, with its text
buffered.

Without buffering expat hands over a body's text in thousands of pieces (one at every
character reference: an escaped HTML body is mostly ``&lt;`` and ``&gt;``) and feedparser
handles each piece in Python; buffered, it gets a few large pieces, which it joins the same
way. Everything else (no external entities, namespaces) is the standard reader's.
feedparser takes its driver by module name (``xml.sax.make_parser``), which is why this is a
module of its own: :func:`use_buffered_driver` names it in feedparser's preferences.
"""

from __future__ import annotations

from typing import Any
from xml.sax import expatreader

import feedparser.api

TEXT_BUFFER = 1 << 16
"""Characters of text expat gathers before handing them over."""


class BufferedExpatParser(expatreader.ExpatParser):
    """expat's SAX reader with ``buffer_text`` on."""

    def reset(self) -> None:
        super().reset()
        parser: Any = self._parser  # type: ignore[attr-defined]
        parser.buffer_text = True
        parser.buffer_size = TEXT_BUFFER


def create_parser(*args: Any, **kwargs: Any) -> BufferedExpatParser:
    """The SAX driver's entry point (called by ``xml.sax.make_parser``)."""
    return BufferedExpatParser(*args, **kwargs)


def use_buffered_driver() -> None:
    """Make feedparser read feeds with this driver (idempotent)."""
    preferred: list[str] = feedparser.api.PREFERRED_XML_PARSERS
    if __name__ not in preferred:
        preferred.insert(0, __name__)
