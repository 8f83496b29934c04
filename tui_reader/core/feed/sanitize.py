"""Remove characters from untrusted text that must never reach a terminal."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi marks,
# embeddings, overrides and isolates (which can make text display differently from what it
# says).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Drop control, escape and bidi-override characters; keep tabs and newlines.

    Carriage returns are folded into newlines first so ``\\r\\n`` text keeps its line breaks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def one_line(text: str, *, limit: int | None = None) -> str:
    """Clean ``text`` and fold all whitespace (newlines included) into single spaces."""
    text = _SPACES.sub(" ", clean_text(text)).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds any character :func:`clean_text` would remove."""
    return _UNSAFE.search(text) is not None
