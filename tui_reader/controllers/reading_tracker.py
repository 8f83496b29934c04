"""What the user has read and how far: shown at once, saved to the cache off the UI thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..background import in_thread
from ..core.cache.read_marks import ReadMarks
from ..core.errors import ReaderError
from ..widgets.status_bar import Clock
from .unit import Unit

if TYPE_CHECKING:
    from ..core.cache.store import Store


class ReadingTracker(Unit):
    """Read marks (shared by every tag) and the scroll position in each post."""

    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__()
        self._store = store
        self._clock = clock
        self._marks = ReadMarks(store, clock)
        self._positions: dict[str, int] = {}

    @property
    def read_ids(self) -> set[str]:
        """The posts marked read, in every tag (the list draws from this very set)."""
        return self._marks.ids

    def start(self, read: set[str]) -> None:
        """Begin with the read marks the cache holds."""
        self._marks.ids = read

    def set_read(self, post_id: str, read: bool) -> None:
        """Mark a post read or unread: at once here, in the cache off the UI thread."""
        self._write(self._marks.mark(post_id, read))

    def position_known(self, post_id: str, line: int) -> None:
        """The cache says ``post_id`` was left at ``line``."""
        self._positions[post_id] = line

    def remember_position(self, post_id: str, line: int, *, now: bool = False) -> None:
        """Save how far ``post_id`` was read (off the UI thread unless ``now``)."""
        if self._positions.get(post_id, 0) == line:
            return
        self._positions[post_id] = line
        save = self._marks.position(post_id, line)
        if now:
            with contextlib.suppress(ReaderError):
                save()
        else:
            self._write(save)

    def _write(self, write: Callable[[], object]) -> None:
        """Run a small write to the cache in a thread (a refresh may hold the database)."""
        in_thread(
            self,
            write,
            group="reader-state",
            description="Save the reading state",
            exclusive=False,
        )
