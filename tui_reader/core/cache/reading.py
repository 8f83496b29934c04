"""The reader's own state: which posts were read, when each tag was last visited, and how
far each post was scrolled."""

from __future__ import annotations

from datetime import UTC, datetime

from .columns import _stamp, _unstamp
from .database import Database


class ReadingState(Database):
    """Read marks, tag visits and scroll positions."""

    def read_ids(self) -> set[str]:
        """The ids of every post marked read (whatever tag it was read under)."""
        return {row[0] for row in self._select_tuples("SELECT post_id FROM read_posts")}

    def is_read(self, post_id: str) -> bool:
        """Whether ``post_id`` is marked read."""
        return bool(self._select_tuples("SELECT 1 FROM read_posts WHERE post_id = ?", (post_id,)))

    def set_read(self, post_id: str, read: bool = True, *, when: datetime | None = None) -> None:
        """Mark ``post_id`` read (keeping the first time it was read) or unread."""
        with self._transaction() as conn:
            if read:
                conn.execute(
                    "INSERT OR IGNORE INTO read_posts (post_id, read_at) VALUES (?, ?)",
                    (post_id, _stamp(when or datetime.now(UTC))),
                )
            else:
                conn.execute("DELETE FROM read_posts WHERE post_id = ?", (post_id,))

    def visit_tag(self, tag: str, *, when: datetime | None = None) -> datetime | None:
        """Record a visit to ``tag`` now; returns the previous visit's time (None: the first)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT visited_at FROM tag_visits WHERE tag = ?", (tag,)).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO tag_visits (tag, visited_at) VALUES (?, ?)",
                (tag, _stamp(when or datetime.now(UTC))),
            )
        return _unstamp(row[0]) if row else None

    def last_visit(self, tag: str) -> datetime | None:
        """When ``tag`` was last visited (None: never)."""
        rows = self._select_tuples("SELECT visited_at FROM tag_visits WHERE tag = ?", (tag,))
        return _unstamp(rows[0][0]) if rows else None

    def position(self, post_id: str) -> int:
        """The line the reader had scrolled to in ``post_id`` (0: the top)."""
        rows = self._select_tuples("SELECT line FROM post_positions WHERE post_id = ?", (post_id,))
        return int(rows[0][0]) if rows else 0

    def set_position(self, post_id: str, line: int, *, when: datetime | None = None) -> None:
        """Remember the line scrolled to in ``post_id`` (0 forgets it)."""
        with self._transaction() as conn:
            if line <= 0:
                conn.execute("DELETE FROM post_positions WHERE post_id = ?", (post_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO post_positions (post_id, line, saved_at)"
                    " VALUES (?, ?, ?)",
                    (post_id, line, _stamp(when or datetime.now(UTC))),
                )
