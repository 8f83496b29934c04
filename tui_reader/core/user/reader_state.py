"""What the reader remembers between runs: the last tag read, each tag's cursor, the theme.

Kept as a small JSON file in the platformdirs state folder, written atomically. A missing,
unreadable or malformed file means a fresh start, never an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidTag, SettingsError
from ..tags import validate_tag
from ..urls import normalise_post_id
from .atomic import write_atomically

MAX_CURSORS = 500
"""Cursors kept: the most recently read tags win."""


@dataclass
class ReaderState:
    """The last tag read, and the post the cursor was on in each tag (most recent last)."""

    last_tag: str | None = None
    cursors: dict[str, str] = field(default_factory=dict)
    theme: str | None = None  # the Textual theme chosen (its name)

    def remember(self, tag: str, post_id: str | None) -> None:
        """Note the cursor of ``tag`` (moving it to the most recent end)."""
        self.cursors.pop(tag, None)
        if post_id:
            self.cursors[tag] = post_id
        while len(self.cursors) > MAX_CURSORS:
            del self.cursors[next(iter(self.cursors))]


def load_state(path: Path) -> ReaderState:
    """The saved state; anything unreadable or invalid is dropped."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return ReaderState()
    if not isinstance(document, dict):
        return ReaderState()
    theme = document.get("theme")
    state = ReaderState(
        last_tag=_tag(document.get("last_tag")),
        theme=theme if isinstance(theme, str) and 0 < len(theme) < 100 else None,
    )
    cursors = document.get("cursors")
    if isinstance(cursors, dict):
        for tag, post_id in cursors.items():
            clean = _tag(tag)
            if clean and isinstance(post_id, str) and len(post_id) < 2_000:
                state.remember(clean, normalise_post_id(post_id))
    return state


def save_state(path: Path, state: ReaderState) -> None:
    """Write the state. Raises :class:`SettingsError` if it cannot be saved."""
    document = {
        "version": 1,
        "last_tag": state.last_tag,
        "theme": state.theme,
        "cursors": state.cursors,
    }
    try:
        write_atomically(path, json.dumps(document, indent=1, ensure_ascii=True))
    except OSError as error:
        raise SettingsError(f"The reading position could not be saved ({error}).") from error


def _tag(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return validate_tag(value)
    except InvalidTag:
        return None
