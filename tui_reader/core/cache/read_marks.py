"""Small writes to the cache, made from worker threads, that must land in the order made.

Marking a post read, then unread, starts two writes that may run in either order (each in its
own thread, a refresh may hold the database); so do two saves of how far a post was read. The
later one must win: each write gets a sequence number per key (``read:<id>``, ``line:<id>``),
and a write is skipped when a later one for the same key has already been saved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class OrderedWrites:
    """Writes that keep their order per key, whatever order their threads run in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sequence = 0
        self._written: dict[str, int] = {}

    def make(self, key: str, write: Callable[[], object]) -> Callable[[], None]:
        """The write to run in a thread: skipped if a later one for ``key`` ran first."""
        self._sequence += 1
        return partial(self._run, self._sequence, key, write)

    def _run(self, sequence: int, key: str, write: Callable[[], object]) -> None:
        with self._lock:
            if self._written.get(key, 0) > sequence:
                return
            self._written[key] = sequence
            write()


class ReadMarks:
    """The read posts as the user sees them now, and their writes to the cache."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._writes = OrderedWrites()
        self.ids: set[str] = set()

    def mark(self, post_id: str, read: bool) -> Callable[[], None]:
        """Mark ``post_id`` read or unread at once; returns the write to run in a thread."""
        if read:
            self.ids.add(post_id)
        else:
            self.ids.discard(post_id)
        save = partial(self._store.set_read, post_id, read, when=self._clock())
        return self._writes.make(f"read:{post_id}", save)

    def position(self, post_id: str, line: int) -> Callable[[], None]:
        """The write that remembers ``line`` in ``post_id``, to run in a thread."""
        save = partial(self._store.set_position, post_id, line, when=self._clock())
        return self._writes.make(f"line:{post_id}", save)
