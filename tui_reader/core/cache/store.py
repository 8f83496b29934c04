"""The on-disk cache: one SQLite database of posts, tag memberships and feed validators.

A merge adds and updates, never deletes, so a tag's history accumulates past the feed's
window. Every merge runs in one transaction: a failed fetch leaves the cache as it was, and
so does a failed save (disk full, read-only, another copy of the app busy writing), which is
reported as a :class:`CacheError` in words.

A damaged database file is renamed aside (never deleted) and a fresh one started, whether the
damage shows when the file is opened or later; a database written by a newer version of the
app is refused without writing to it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import CacheError
from ..models import (
    ArchivePage,
    ArchiveState,
    Kind,
    MergeCounts,
    Post,
    PostSummary,
    TagInfo,
    Validators,
    YearCount,
)
from ..tags import is_slug, split_tag
from . import searchtext

SCHEMA_VERSION = 5

_SCHEMA_V1 = """
CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    published TEXT NOT NULL,
    tags TEXT NOT NULL,
    html TEXT NOT NULL,
    markdown TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX posts_by_published ON posts (published DESC);
CREATE TABLE tag_posts (
    tag TEXT NOT NULL,
    post_id TEXT NOT NULL REFERENCES posts (id),
    PRIMARY KEY (tag, post_id)
) WITHOUT ROWID;
CREATE INDEX tag_posts_by_post ON tag_posts (post_id);
CREATE TABLE feeds (
    tag TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT
);
"""

# Version 2: archive progress per tag, and the full-text index of titles and bodies. The
# index shares the posts' rowids and is kept in step by triggers, which call the Python
# functions of ``searchtext`` (registered on every connection before migrating). Its rows are
# found by rowid: after a VACUUM (which may renumber posts), run ``rebuild_search_index``.
_SCHEMA_V2 = """
CREATE TABLE archive_state (
    tag TEXT PRIMARY KEY,
    next_url TEXT,
    page_size INTEGER NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    posts INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    complete INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX posts_by_kind ON posts (kind, published DESC);
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '3'
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts (rowid, title, body)
    VALUES (new.rowid, tui_search_title(new.title), tui_search_body(new.markdown));
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, markdown ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.rowid;
    INSERT INTO posts_fts (rowid, title, body)
    VALUES (new.rowid, tui_search_title(new.title), tui_search_body(new.markdown));
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = old.rowid;
END;
INSERT INTO posts_fts (rowid, title, body)
SELECT rowid, tui_search_title(title), tui_search_body(markdown) FROM posts;
"""

# Version 3: a covering index, so a tag's list is read without touching the post bodies.
_SCHEMA_V3 = """
CREATE INDEX IF NOT EXISTS posts_summary ON posts (id, published, url, title, kind);
"""

# Version 4: the reader's own state. Read posts (shared by every tag a post carries), the
# last visit to each tag (for "new since your last visit"), and the scroll position in each
# post. The list's covering index gains ``first_seen`` for the "new" marker.
_SCHEMA_V4 = """
CREATE TABLE read_posts (
    post_id TEXT PRIMARY KEY,
    read_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE tag_visits (
    tag TEXT PRIMARY KEY,
    visited_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE post_positions (
    post_id TEXT PRIMARY KEY,
    line INTEGER NOT NULL,
    saved_at TEXT NOT NULL
) WITHOUT ROWID;
DROP INDEX IF EXISTS posts_summary;
CREATE INDEX posts_summary ON posts (id, published, url, title, kind, first_seen);
"""

# Version 5: each membership carries its post's date, so a tag's newest posts and its
# per-year counts are read from one index (the reader's first screen, without reading the
# whole list). A trigger keeps the copy in step when a post's date changes.
_SCHEMA_V5 = """
ALTER TABLE tag_posts ADD COLUMN published TEXT NOT NULL DEFAULT '';
UPDATE tag_posts SET published = coalesce(
    (SELECT published FROM posts WHERE posts.id = tag_posts.post_id), ''
);
CREATE INDEX tag_posts_by_date ON tag_posts (tag, published DESC, post_id);
CREATE TRIGGER tag_posts_follow_date AFTER UPDATE OF published ON posts BEGIN
    UPDATE tag_posts SET published = new.published WHERE post_id = new.id;
END;
"""

_MIGRATIONS: dict[int, str] = {
    1: _SCHEMA_V1,
    2: _SCHEMA_V2,
    3: _SCHEMA_V3,
    4: _SCHEMA_V4,
    5: _SCHEMA_V5,
}
_KINDS = {kind.value: kind for kind in Kind}


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` (a trigger body's ``;`` does not end its statement)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


_STAMP = re.compile(r"(\d{1,4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# SQLite's primary result codes (``sqlite3.Error.sqlite_errorcode & 0xFF``).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26,
)  # fmt: skip
_DAMAGED = frozenset({_CORRUPT, _NOTADB})
_NOT_WRITABLE = frozenset({_PERM, _READONLY, _CANTOPEN})
_SAVE_HINT = (
    "The posts already cached are untouched and can still be read. Free some disk space or"
    " check the cache folder's permissions (`tui-reader paths` shows it), then refresh again."
)


def _code(error: sqlite3.Error) -> int:
    """The primary SQLite result code of ``error`` (0 if unknown)."""
    return int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def _stamp(moment: datetime) -> str:
    """A sortable UTC timestamp (the year always has four digits, so that it sorts)."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def _unstamp(text: str) -> datetime:
    """The moment written by :func:`_stamp` (the epoch for anything unreadable)."""
    if len(text) == 20 and text.endswith("Z"):  # the usual form: ``fromisoformat`` is fastest
        try:
            return datetime.fromisoformat(text).astimezone(UTC)
        except ValueError:
            pass
    match = _STAMP.fullmatch(text or "")
    if match is None:
        return _EPOCH
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return _EPOCH


def _sane_header(header: bytes) -> bool:
    """Whether ``header`` looks like a real SQLite header (so its fields can be trusted)."""
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    power_of_two = page_size & (page_size - 1) == 0
    return 512 <= page_size <= 65536 and power_of_two and header[21:24] == b"\x40\x20\x20"


def _kind(text: str) -> Kind:
    """A stored kind (an unknown one reads as an entry)."""
    return _KINDS.get(text, Kind.ENTRY)


def _tags(text: str) -> tuple[str, ...]:
    try:
        tags = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(tag) for tag in tags) if isinstance(tags, list) else ()


def content_hash(post: Post) -> str:
    """A digest of everything a feed can change about a post."""
    import hashlib  # only when posts are written: not on the reader's way to its first paint

    payload = json.dumps(
        [post.url, post.title, str(post.kind), _stamp(post.published), list(post.tags), post.html],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Store:
    """The cache database. Safe to share between threads (calls are serialised).

    Several stores (in one process or several) may use the same file at once: a write waits
    up to ``busy_timeout`` seconds for another to finish, then fails with a :class:`CacheError`
    saying the cache is busy.
    """

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None
        self.read_only = False
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn = self._open()

    @property
    def notice(self) -> str | None:
        """Something the user should know about the cache file, or None: a damaged file that
        was moved aside (and where it went), or a cache that can only be read."""
        if self.moved_aside is not None:
            return (
                f"The cache file was damaged, so it was moved aside to {self.moved_aside} and a"
                " fresh cache was started."
            )
        if self.read_only:
            return (
                f"The cache {self.path} is read-only: its posts can be read, but nothing new"
                " can be saved."
            )
        return None

    # -- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                folder = self.path.parent
                raise CacheError(f"Cannot create the cache folder {folder}: {error}.") from error
        try:
            self._refuse_newer()
            return self._connect()
        except sqlite3.DatabaseError as error:
            if _code(error) in _DAMAGED or type(error) is sqlite3.DatabaseError:
                return self._move_aside_and_reconnect(error)
            if _code(error) in _NOT_WRITABLE:
                conn = self._connect_read_only()
                if conn is not None:
                    self.read_only = True
                    return conn
            # locked, missing permissions
            raise CacheError(f"The cache {self.path} cannot be opened: {error}.") from error

    def _connect_read_only(self) -> sqlite3.Connection | None:
        """A cache on a read-only disk or in a read-only folder, opened to be read; None if
        that is impossible too. (SQLite needs to create the ``-shm`` file to read a WAL
        database, unless told the file is immutable, which is true when no log is pending.)"""
        if str(self.path) == ":memory:" or not self.path.is_file():
            return None
        uri = self.path.resolve().as_uri() + "?mode=ro"
        wal = self.path.with_name(self.path.name + "-wal")
        candidates = [uri]
        if not wal.exists() or wal.stat().st_size == 0:
            candidates.append(uri + "&immutable=1")
        for candidate in candidates:
            try:
                conn = sqlite3.connect(
                    candidate,
                    uri=True,
                    timeout=self._busy_timeout,
                    check_same_thread=False,
                    isolation_level=None,
                )
            except sqlite3.Error:
                continue
            try:
                searchtext.register(conn)  # so a write fails as read-only, not on a trigger
                if self._check_version(conn) == SCHEMA_VERSION:  # an older one needs writing
                    conn.execute("SELECT count(*) FROM posts").fetchone()
                    return conn
            except sqlite3.Error:
                pass
            except BaseException:
                conn.close()
                raise
            conn.close()
        return None

    def _refuse_newer(self) -> None:
        """Check the schema version without writing anything: from the file's header, or
        through a read-only connection when a write-ahead log may hold a newer one. (A
        read-write connection could checkpoint a newer app's log into its database.)"""
        if str(self.path) == ":memory:" or not self.path.is_file():
            return
        wal = self.path.with_name(self.path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            try:
                with self.path.open("rb") as file:
                    header = file.read(100)
            except OSError:
                return  # the read-write open says why
            if _sane_header(header):
                self._refuse_version(int.from_bytes(header[60:64], "big", signed=True))
            return  # anything else: the read-write open finds out what it is
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout)
        except sqlite3.OperationalError:
            return  # not readable this way: the read-write open says why, or copes
        try:
            searchtext.register(conn)
            self._check_version(conn)
        except sqlite3.OperationalError:
            pass
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout, check_same_thread=False, isolation_level=None
        )
        try:
            searchtext.register(conn)  # the search index's triggers call these
            self._check_version(conn)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _move_aside_and_reconnect(self, error: sqlite3.DatabaseError) -> sqlite3.Connection:
        """A corrupt database is renamed (never deleted) and a fresh one started."""
        if str(self.path) == ":memory:":
            raise CacheError(f"The in-memory cache failed: {error}.") from error
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                extra = self.path.with_name(self.path.name + suffix)
                if extra.exists():
                    extra.rename(aside.with_name(aside.name + suffix))
        except OSError as os_error:
            raise CacheError(f"The cache {self.path} is unreadable ({error}).") from os_error
        self.moved_aside = aside
        try:
            return self._connect()
        except sqlite3.Error as again:
            raise CacheError(f"A fresh cache could not be started: {again}.") from again

    @staticmethod
    def _check_version(conn: sqlite3.Connection) -> int:
        """The schema version; a cache from a newer app is refused before anything is written."""
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        Store._refuse_version(version)
        return version

    @staticmethod
    def _refuse_version(version: int) -> None:
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"The cache was written by a newer tui-reader (schema {version}).",
                hint="Upgrade tui-reader; the cache was left untouched.",
            )

    @classmethod
    def _migrate(cls, conn: sqlite3.Connection) -> None:
        if cls._check_version(conn) == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another copy of the app may have just migrated.
            version = cls._check_version(conn)
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _statements(_MIGRATIONS[target]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={target}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise self._failure(error, saving=True) from error
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as error:
                # SQLite may already have rolled back (disk full, I/O error): a second
                # ROLLBACK would fail and hide the first error.
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise self._failure(error, saving=True) from error
                raise

    def _failure(self, error: sqlite3.Error, *, saving: bool) -> CacheError:
        """``error`` in words; a damaged file is moved aside and a fresh cache started."""
        code = _code(error)
        if code in _DAMAGED:
            return self._recover(error)
        if code in (_BUSY, _LOCKED):
            return CacheError(
                "The cache is busy: another tui-reader is saving to it.",
                hint="Nothing was changed; try again in a moment.",
            )
        if not saving:
            return CacheError(f"The cache could not be read: {error}.")
        if code == _FULL:
            reason = "the disk is full"
        elif code in _NOT_WRITABLE:
            reason = "it is read-only"
        elif code == _IOERR:
            reason = "the disk reported an error"
        else:
            return CacheError(f"The cache was not saved: {error}.", hint=_SAVE_HINT)
        return CacheError(
            f"The cache could not be saved ({reason}: {error}); nothing was changed.",
            hint=_SAVE_HINT,
        )

    def _recover(self, error: sqlite3.Error) -> CacheError:
        """The file turned out to be damaged while in use: set it aside and start afresh."""
        with suppress(sqlite3.Error):
            self._conn.close()
        try:
            self._conn = self._move_aside_and_reconnect(sqlite3.DatabaseError(str(error)))
        except CacheError as failure:
            return failure
        return CacheError(
            f"The cache file was damaged ({error}), so it was moved aside to {self.moved_aside}"
            " and a fresh cache was started.",
            hint="Refresh to download the posts again.",
        )

    # -- writing -------------------------------------------------------------------------

    def merge(
        self,
        tag: str,
        posts: Iterable[Post],
        *,
        validators: Validators | None = None,
        fetched_at: datetime | None = None,
        archive: ArchivePage | None = None,
    ) -> MergeCounts:
        """Add new posts, update changed ones, and record the fetch of ``tag``; one transaction.

        With ``archive`` (a page of a whole-history download), the archive's progress is
        recorded in the same transaction, and the tag's validators are left alone (they
        belong to the feed's first page, which ordinary refreshes fetch).
        """
        now = _stamp(fetched_at or datetime.now(UTC))
        new = updated = unchanged = 0
        with self._transaction() as conn:
            for post in posts:
                digest = content_hash(post)
                row = conn.execute(
                    "SELECT content_hash FROM posts WHERE id = ?", (post.id,)
                ).fetchone()
                values = (
                    post.url,
                    post.title,
                    str(post.kind),
                    _stamp(post.published),
                    json.dumps(list(post.tags), ensure_ascii=False),
                    post.html,
                    post.markdown,
                    digest,
                    now,
                    post.id,
                )
                if row is None:
                    conn.execute(
                        "INSERT INTO posts (url, title, kind, published, tags, html, markdown,"
                        " content_hash, changed_at, id, first_seen)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, now),
                    )
                    new += 1
                elif row[0] != digest:
                    conn.execute(
                        "UPDATE posts SET url = ?, title = ?, kind = ?, published = ?, tags = ?,"
                        " html = ?, markdown = ?, content_hash = ?, changed_at = ? WHERE id = ?",
                        values,
                    )
                    updated += 1
                else:
                    unchanged += 1
                members = {t.lower() for t in post.tags if is_slug(t)} | set(split_tag(tag))
                conn.executemany(
                    "INSERT OR IGNORE INTO tag_posts (tag, post_id, published) VALUES (?, ?, ?)",
                    [(member, post.id, values[3]) for member in sorted(members)],
                )
            self._record_fetch(conn, tag, validators if archive is None else None, now)
            if archive is not None:
                self._record_archive_page(conn, tag, archive, now)
        return MergeCounts(new, updated, unchanged)

    def record_unchanged(self, tag: str, *, fetched_at: datetime | None = None) -> None:
        """Note a successful fetch that brought nothing new (HTTP 304)."""
        with self._transaction() as conn:
            self._record_fetch(conn, tag, None, _stamp(fetched_at or datetime.now(UTC)))

    @staticmethod
    def _record_fetch(
        conn: sqlite3.Connection, tag: str, validators: Validators | None, now: str
    ) -> None:
        conn.execute("INSERT OR IGNORE INTO feeds (tag) VALUES (?)", (tag,))
        conn.execute("UPDATE feeds SET fetched_at = ? WHERE tag = ?", (now, tag))
        if validators is not None:
            conn.execute(
                "UPDATE feeds SET etag = ?, last_modified = ? WHERE tag = ?",
                (validators.etag, validators.last_modified, tag),
            )

    # -- reading -------------------------------------------------------------------------

    def _select(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return self._select_tuples(sql, params, row_factory=sqlite3.Row)

    def _select_tuples(
        self, sql: str, params: tuple[object, ...] = (), *, row_factory: Any = None
    ) -> list[Any]:
        """The rows of a query, as plain tuples (cheapest) unless a row factory is given."""
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
                cursor.row_factory = row_factory
                return cursor.fetchall()
            except sqlite3.Error as error:
                raise self._failure(error, saving=False) from error

    @staticmethod
    def _members_clause(tag: str) -> tuple[str, tuple[str, ...]]:
        parts = split_tag(tag)
        sql = " INTERSECT ".join("SELECT post_id FROM tag_posts WHERE tag = ?" for _ in parts)
        return sql, tuple(parts)

    def list_posts(self, tag: str, *, limit: int | None = None) -> list[PostSummary]:
        """The cached posts carrying ``tag`` (all parts of a combination), newest first; with
        ``limit``, only that many of the newest (for one tag, read from the date index)."""
        members, params = self._members_clause(tag)
        select = "SELECT p.id, p.url, p.title, p.kind, p.published, p.first_seen"
        if limit is not None and len(params) == 1:
            sql = (
                f"{select} FROM tag_posts AS m INDEXED BY tag_posts_by_date"
                " JOIN posts AS p INDEXED BY posts_summary ON p.id = m.post_id"
                " WHERE m.tag = ? ORDER BY m.published DESC, m.post_id LIMIT ?"
            )
        else:
            sql = (
                f"{select} FROM ({members}) AS m"
                " JOIN posts AS p INDEXED BY posts_summary ON p.id = m.post_id"
                " ORDER BY p.published DESC, p.id"
            ) + (" LIMIT ?" if limit is not None else "")
        rows = self._select_tuples(sql, params if limit is None else (*params, limit))
        kind_of, unstamp = _kind, _unstamp
        return [
            PostSummary(
                post_id,
                url,
                title,
                kind_of(kind),
                unstamp(published),
                unstamp(first_seen),
            )
            for post_id, url, title, kind, published, first_seen in rows
        ]

    def year_counts(self, tag: str) -> dict[int, YearCount]:
        """How many posts carry ``tag`` (all parts of a combination) in each year, and how
        many of those are unread, without reading the posts (one tag: from the date index)."""
        members, params = self._members_clause(tag)
        if len(params) == 1:
            source = "SELECT post_id, published FROM tag_posts WHERE tag = ?"
        else:
            source = (
                f"SELECT p.id AS post_id, p.published FROM ({members}) AS m"
                " JOIN posts AS p ON p.id = m.post_id"
            )
        rows = self._select_tuples(
            "SELECT substr(published, 1, 4) AS year, count(*),"
            " sum(post_id NOT IN (SELECT post_id FROM read_posts))"
            f" FROM ({source}) GROUP BY year",
            params,
        )
        counts: dict[int, YearCount] = {}
        for year, posts, unread in rows:
            with suppress(TypeError, ValueError):
                counts[int(year)] = YearCount(int(year), int(posts), int(unread))
        return counts

    def get_post(self, post_id: str) -> Post | None:
        """One whole post, or None if it is not cached."""
        rows = self._select("SELECT * FROM posts WHERE id = ?", (post_id,))
        return self._post(rows[0]) if rows else None

    def posts(self, tag: str) -> Iterator[Post]:
        """Whole posts carrying ``tag``, newest first (for export)."""
        members, params = self._members_clause(tag)
        rows = self._select(
            f"SELECT * FROM posts WHERE id IN ({members}) ORDER BY published DESC, id", params
        )
        return (self._post(row) for row in rows)

    @staticmethod
    def _post(row: sqlite3.Row) -> Post:
        return Post(
            id=row["id"],
            url=row["url"],
            title=row["title"],
            kind=_kind(row["kind"]),
            published=_unstamp(row["published"]),
            tags=_tags(row["tags"]),
            html=row["html"],
            markdown=row["markdown"],
        )

    def tag_info(self, tag: str) -> TagInfo | None:
        """What the cache knows of a fetched tag, or None if it was never fetched."""
        rows = self._select("SELECT * FROM feeds WHERE tag = ?", (tag,))
        if not rows:
            return None
        members, params = self._members_clause(tag)
        count = self._select(f"SELECT count(*) FROM ({members})", params)[0][0]
        return self._tag_info(rows[0], int(count))

    def list_tags(self) -> list[TagInfo]:
        """Every fetched tag with its post count and unread count, most recently fetched
        first."""
        rows = self._select("SELECT * FROM feeds ORDER BY fetched_at DESC, tag")
        infos = []
        for row in rows:
            members, params = self._members_clause(row["tag"])
            count, unread = self._select_tuples(
                f"SELECT count(*), count(*) - count(r.post_id) FROM ({members}) AS m"
                " LEFT JOIN read_posts AS r ON r.post_id = m.post_id",
                params,
            )[0]
            infos.append(replace(self._tag_info(row, int(count)), unread=int(unread)))
        return infos

    def unconverted(self, limit: int) -> list[tuple[str, str, str]]:
        """Up to ``limit`` posts whose Markdown is still to be made: (id, html, url), newest
        first."""
        rows = self._select_tuples(
            "SELECT id, html, url FROM posts WHERE markdown = '' AND html != ''"
            " ORDER BY published DESC LIMIT ?",
            (limit,),
        )
        return [(post_id, html, url) for post_id, html, url in rows]

    def set_markdown(self, converted: Iterable[tuple[str, str, str]]) -> int:
        """Store Markdown made from ``(id, html, markdown)``; one transaction.

        A post whose HTML has changed since (a refresh won the race) is left alone: it will
        be converted again from its new HTML. Returns how many posts were updated.
        """
        updated = 0
        with self._transaction() as conn:
            for post_id, html, markdown in converted:
                cursor = conn.execute(
                    "UPDATE posts SET markdown = ? WHERE id = ? AND html = ? AND markdown = ''",
                    (markdown, post_id, html),
                )
                updated += cursor.rowcount
        return updated

    def known_tags(self) -> list[TagInfo]:
        """Every tag the cache knows: fetched ones and those only seen on cached posts.

        Counts are cached posts; ``fetched_at`` is None for a tag never fetched itself.
        Most posts first, then by name.
        """
        fetched = {info.tag: info for info in self.list_tags()}
        rows = self._select_tuples(
            "SELECT t.tag, count(*), count(*) - count(r.post_id) FROM tag_posts AS t"
            " LEFT JOIN read_posts AS r ON r.post_id = t.post_id GROUP BY t.tag"
        )
        known = dict(fetched)
        for tag, count, unread in rows:
            if tag not in known:
                known[tag] = TagInfo(tag=tag, count=int(count), fetched_at=None, unread=int(unread))
        return sorted(known.values(), key=lambda info: (-info.count, info.tag))

    @staticmethod
    def _tag_info(row: sqlite3.Row, count: int) -> TagInfo:
        fetched = row["fetched_at"]
        return TagInfo(
            tag=row["tag"],
            count=count,
            fetched_at=_unstamp(fetched) if fetched else None,
            validators=Validators(row["etag"], row["last_modified"]),
        )

    def validators(self, tag: str) -> Validators:
        """The validators of the last fetch of ``tag`` (empty if never fetched)."""
        info = self.tag_info(tag)
        return info.validators if info else Validators()

    # -- the reader's state ----------------------------------------------------------------

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

    def unread_count(self, tag: str) -> int:
        """How many of ``tag``'s cached posts are unread."""
        return sum(year.unread for year in self.year_counts(tag).values())

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

    # -- archive progress ----------------------------------------------------------------

    @staticmethod
    def _record_archive_page(
        conn: sqlite3.Connection, tag: str, page: ArchivePage, now: str
    ) -> None:
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

    # -- search index --------------------------------------------------------------------

    def rebuild_search_index(self) -> None:
        """Rebuild the full-text index from the posts (one transaction).

        Never needed in normal use (triggers keep it in step); useful after a ``VACUUM``,
        which may renumber the posts' rowids that the index shares.
        """
        with self._transaction() as conn:
            conn.execute("DELETE FROM posts_fts")
            conn.execute(
                "INSERT INTO posts_fts (rowid, title, body) SELECT rowid,"
                " tui_search_title(title), tui_search_body(markdown) FROM posts"
            )
