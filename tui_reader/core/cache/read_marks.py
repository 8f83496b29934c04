"""Read marks saved from worker threads in the order the user made them.

Marking a post read, then unread, starts two writes that may run in either order; the later
mark must win. Each mark gets a sequence number and a write is skipped when a later mark for
the same post has already been saved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class ReadMarks:
    """The read posts, as the user sees them now, and their writes to the cache."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._sequence = 0
        self._written: dict[str, int] = {}
        self.ids: set[str] = set()

    def mark(self, post_id: str, read: bool) -> Callable[[], None]:
        """Mark ``post_id`` read or unread at once; returns the write to run in a thread."""
        if read:
            self.ids.add(post_id)
        else:
            self.ids.discard(post_id)
        self._sequence += 1
        return partial(self._save, self._sequence, post_id, read)

    def _save(self, sequence: int, post_id: str, read: bool) -> None:
        """Save a mark unless a later one for the same post got there first."""
        with self._lock:
            if self._written.get(post_id, 0) > sequence:
                return
            self._written[post_id] = sequence
            self._store.set_read(post_id, read, when=self._clock())
