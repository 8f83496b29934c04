"""The progress of each tag's whole-history download (the archive): the next page to fetch,
how many pages and posts so far, and whether it is complete."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from ..models import ArchivePage, ArchiveState
from .columns import _stamp, _unstamp
from .database import Database


def record_archive_page(conn: sqlite3.Connection, tag: str, page: ArchivePage, now: str) -> None:
    """Record a fetched page of ``tag``'s archive (inside ``merge``'s transaction)."""
    complete = page.next_url is None
    if page.first:
        conn.execute(
            "INSERT OR REPLACE INTO archive_state (tag, next_url, page_size, pages, posts,"
            " total, complete, started_at, updated_at, completed_at)"
            " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
            (
                tag,
                page.next_url,
                page.page_size,
                page.posts,
                page.total,
                int(complete),
                now,
                now,
                now if complete else None,
            ),
        )
        return
    conn.execute(
        "UPDATE archive_state SET next_url = ?, pages = pages + 1, posts = posts + ?,"
        " total = coalesce(?, total), complete = ?, updated_at = ?,"
        " completed_at = CASE WHEN ? THEN ? END WHERE tag = ?",
        (page.next_url, page.posts, page.total, int(complete), now, complete, now, tag),
    )


class ArchiveProgress(Database):
    """Each tag's archive progress (a page of it is recorded by ``merge``)."""

    def archive_state(self, tag: str) -> ArchiveState | None:
        """The progress of ``tag``'s whole-history download, or None if none was started."""
        rows = self._select("SELECT * FROM archive_state WHERE tag = ?", (tag,))
        if not rows:
            return None
        row = rows[0]
        return ArchiveState(
            tag=row["tag"],
            next_url=row["next_url"],
            page_size=int(row["page_size"]),
            pages=int(row["pages"]),
            posts=int(row["posts"]),
            total=None if row["total"] is None else int(row["total"]),
            complete=bool(row["complete"]),
            started_at=_unstamp(row["started_at"]),
            updated_at=_unstamp(row["updated_at"]),
            completed_at=_unstamp(row["completed_at"]) if row["completed_at"] else None,
        )

    def complete_archive(self, tag: str, *, when: datetime | None = None) -> None:
        """Mark ``tag``'s archive complete without a page (the site said the next page is gone)."""
        now = _stamp(when or datetime.now(UTC))
        with self._transaction() as conn:
            conn.execute(
                "UPDATE archive_state SET next_url = NULL, complete = 1, updated_at = ?,"
                " completed_at = ? WHERE tag = ?",
                (now, now, tag),
            )

    def reset_archive(self, tag: str) -> None:
        """Forget ``tag``'s archive progress (its posts stay cached)."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM archive_state WHERE tag = ?", (tag,))
