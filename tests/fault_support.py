"""Shared pieces of the fault suite: a cache seeded by a good fetch, and exact cache snapshots.

Every network and XML fault test follows the same pattern: fetch a tag successfully from the
loopback server into a real SQLite file, take a snapshot of every row of every table, make
the server misbehave, refresh again, and check that the refresh failed *in words* and that
the snapshot is identical afterwards.
"""

from __future__ import annotations

import re
import sqlite3
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests import sitefeeds
from tests.site_server import SiteServer
from tui_reader.core.cache.markdown_backfill import convert_pending
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import ReaderError
from tui_reader.core.feed.sanitize import has_unsafe
from tui_reader.core.net.fetch import FetchLimits
from tui_reader.core.net.refresh import RefreshResult, refresh_tag

TAG = "llms"
FEED_PATH = f"/tags/{TAG}.atom"
MIB = 1024 * 1024
MEMORY_LIMIT = 30 * MIB
"""Peak traced memory allowed while a hostile answer is refused (the caps are 16/24 MiB)."""
FAST = FetchLimits(connect_timeout=1.0, read_timeout=1.0, deadline=2.0, max_retry_wait=2.0)
"""Short limits for the faults that are about waiting."""

Snapshot = dict[str, list[tuple[Any, ...]]]

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f"  # C0 controls (ESC among them) but tab and newline
    "\x7f-\x9f"  # DEL and the C1 controls (CSI, OSC, ST as single characters)
    "\u061c\u200e\u200f"  # bidi marks
    "\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)
"""What must never be stored (and so never reach a terminal), written out independently of
the code under test."""


def snapshot(path: Path) -> Snapshot:
    """Every row of every table of the cache at ``path``, in a fixed order, read through a
    separate connection (so the store under test cannot hide anything)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in tables
        }
    finally:
        conn.close()


def assert_nothing_unsafe_stored(path: Path) -> None:
    """No text column of any table holds a control character, escape or bidi override
    (newlines and tabs are allowed only in bodies)."""
    conn = sqlite3.connect(path)
    try:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cursor = conn.execute(f"SELECT * FROM {table}")
            names = [column[0] for column in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    if not isinstance(value, str):
                        continue
                    found = FORBIDDEN.search(value)
                    assert found is None, (table, name, ascii(value[: found.end() + 40]))
                    if name not in ("html", "markdown"):
                        assert "\n" not in value and "\t" not in value, (table, name)
    finally:
        conn.close()


def integrity(path: Path) -> str:
    """SQLite's verdict on the file: ``ok`` when it is intact."""
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@dataclass
class Seeded:
    """A loopback site with one tag, and a cache on disk filled by one good fetch of it."""

    site: SiteServer
    store: Store
    path: Path
    before: Snapshot

    def refresh(self, limits: FetchLimits | None = None, tag: str = TAG) -> RefreshResult:
        """A refresh, then the Markdown conversion that follows it (as in the app)."""
        result = refresh_tag(self.store, tag, base_url=self.site.url, limits=limits)
        convert_pending(self.store)
        return result

    def refresh_fails(
        self, error_type: type[ReaderError] = ReaderError, limits: FetchLimits | None = None
    ) -> ReaderError:
        """Refresh, expecting a failure of ``error_type``; check it is said in plain words
        and that the cache did not change. Returns the error."""
        try:
            self.refresh(limits)
        except ReaderError as error:
            assert isinstance(error, error_type), repr(error)
            assert_plain_words(error)
            assert snapshot(self.path) == self.before, "the cache changed"
            return error
        raise AssertionError(f"the refresh should have failed with {error_type.__name__}")

    def unchanged(self) -> bool:
        """Whether the fetched data is as it was (the reader's own state — what was read,
        visits, scroll positions — may change as the user reads)."""
        return _fetched(snapshot(self.path)) == _fetched(self.before)


def assert_plain_words(error: ReaderError) -> None:
    """One or two sentences a user can read: no traceback, no control characters."""
    message = error.message
    assert message.endswith("."), message  # sentences, not an exception's repr
    assert "Traceback" not in message and "\n" not in message, message
    assert not has_unsafe(message), ascii(message)
    assert len(message) < 400, message


_SEEDED_FILES: dict[int, bytes] = {}


READING_STATE_TABLES = frozenset({"read_posts", "tag_visits", "post_positions"})


def _fetched(tables: Snapshot) -> Snapshot:
    return {name: rows for name, rows in tables.items() if name not in READING_STATE_TABLES}


def seed(site: SiteServer, folder: Path, *, posts: int = 12) -> Seeded:
    """Register ``TAG`` on ``site`` and give ``folder`` a cache filled by a good fetch of it.

    The first time for a number of posts, the fetch is made for real and the resulting file
    kept; later calls copy that file (parsing and converting the posts is most of the cost).
    """
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, n=posts))
    path = folder / "cache.sqlite3"
    if posts not in _SEEDED_FILES:
        with Store(path) as store:
            result = refresh_tag(store, TAG, base_url=site.url)
            convert_pending(store)  # as the app does after a refresh
        assert result.counts.new == posts
        assert not path.with_name(path.name + "-wal").exists()  # all in the main file
        _SEEDED_FILES[posts] = path.read_bytes()
    else:
        path.write_bytes(_SEEDED_FILES[posts])
    store = Store(path)
    site.clear_requests()  # the test sees only its own requests
    return Seeded(site, store, path, snapshot(path))


def peak_memory(action: Callable[[], object]) -> tuple[BaseException | None, int]:
    """Run ``action`` under tracemalloc: the exception it raised (if any) and the peak of
    memory allocated meanwhile (the loopback server's threads included)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            action()
        except BaseException as error:  # returned for the caller to check
            return error, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
