"""Validate tag names before they reach a URL or a file path."""

from __future__ import annotations

import re

from .errors import InvalidTag

DEFAULT_TAG = "training-data"
MAX_COMBINED = 3
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def is_slug(text: str) -> bool:
    """Whether ``text`` is a single Django slug of at most 50 ASCII characters."""
    return _SLUG.fullmatch(text) is not None


def validate_tag(text: str) -> str:
    """Return the canonical form of a tag or ``a+b`` / ``a+b+c`` combination.

    Combinations are lower-cased parts, duplicates removed, order kept. Raises
    :class:`InvalidTag` for anything else (spaces, ``/``, ``..``, non-ASCII, too long).
    """
    shown = ascii(text if len(text) <= 60 else text[:57] + "...")[1:-1]
    parts = text.split("+")
    if not text or not all(is_slug(part) for part in parts):
        raise InvalidTag(f"'{shown}' is not a valid tag.")
    unique = list(dict.fromkeys(part.lower() for part in parts))
    if len(unique) > MAX_COMBINED:
        raise InvalidTag(
            f"'{shown}' combines {len(unique)} tags; at most {MAX_COMBINED} can be combined."
        )
    return "+".join(unique)


def split_tag(tag: str) -> list[str]:
    """The single tags of a validated tag or combination."""
    return tag.split("+")
