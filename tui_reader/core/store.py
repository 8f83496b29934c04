"""The on-disk cache: one SQLite database of posts, tag memberships and feed validators.

A merge adds and updates, never deletes, so a tag's history accumulates past the feed's
window. Every merge runs in one transaction: a failed fetch leaves the cache as it was.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import CacheError
from .models import Kind, MergeCounts, Post, PostSummary, TagInfo, Validators
from .tags import is_slug, split_tag

SCHEMA_VERSION = 2

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

# v2: a covering index, so a tag's list is read without touching the post bodies.
_SCHEMA_V2 = """
CREATE INDEX posts_summary ON posts (id, published, url, title, kind);
"""

_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2}
_KINDS = {kind.value: kind for kind in Kind}


def _stamp(moment: datetime) -> str:
    """A sortable UTC timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unstamp(text: str) -> datetime:
    """The inverse of :func:`_stamp` (``fromisoformat``: far faster than ``strptime``)."""
    return datetime.fromisoformat(text).astimezone(UTC)


def content_hash(post: Post) -> str:
    """A digest of everything a feed can change about a post."""
    payload = json.dumps(
        [post.url, post.title, str(post.kind), _stamp(post.published), list(post.tags), post.html],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Store:
    """The cache database. Safe to share between threads (calls are serialised)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                folder = self.path.parent
                raise CacheError(f"Cannot create the cache folder {folder}: {error}.") from error
        try:
            return self._connect()
        except sqlite3.OperationalError as error:  # locked, read-only, missing permissions
            raise CacheError(f"The cache {self.path} cannot be opened: {error}.") from error
        except sqlite3.DatabaseError as error:  # not a database, or malformed
            return self._move_aside_and_reconnect(error)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
        try:
            self._check_version(conn)
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
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
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
        return self._connect()

    @staticmethod
    def _check_version(conn: sqlite3.Connection) -> int:
        """The schema version; a cache from a newer app is refused before anything is written."""
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"The cache was written by a newer tui-reader (schema {version}).",
                hint="Upgrade tui-reader; the cache was left untouched.",
            )
        return version

    @classmethod
    def _migrate(cls, conn: sqlite3.Connection) -> None:
        version = cls._check_version(conn)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            for statement in _MIGRATIONS[target].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={target}")
            conn.execute("COMMIT")

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
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise CacheError(f"The cache could not be written: {error}.") from error
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as error:
                self._conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise CacheError(f"The cache was not saved: {error}.") from error
                raise

    # -- writing -------------------------------------------------------------------------

    def merge(
        self,
        tag: str,
        posts: Iterable[Post],
        *,
        validators: Validators | None = None,
        fetched_at: datetime | None = None,
    ) -> MergeCounts:
        """Add new posts, update changed ones, and record the fetch of ``tag``; one transaction."""
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
                    "INSERT OR IGNORE INTO tag_posts (tag, post_id) VALUES (?, ?)",
                    [(member, post.id) for member in sorted(members)],
                )
            self._record_fetch(conn, tag, validators, now)
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
                raise CacheError(f"The cache could not be read: {error}.") from error

    @staticmethod
    def _members_clause(tag: str) -> tuple[str, tuple[str, ...]]:
        parts = split_tag(tag)
        sql = " INTERSECT ".join("SELECT post_id FROM tag_posts WHERE tag = ?" for _ in parts)
        return sql, tuple(parts)

    def list_posts(self, tag: str) -> list[PostSummary]:
        """The cached posts carrying ``tag`` (all parts of a combination), newest first."""
        members, params = self._members_clause(tag)
        rows = self._select_tuples(
            "SELECT p.id, p.url, p.title, p.kind, p.published"
            f" FROM ({members}) AS m JOIN posts AS p INDEXED BY posts_summary ON p.id = m.post_id"
            " ORDER BY p.published DESC, p.id",
            params,
        )
        kinds, unstamp = _KINDS, _unstamp
        return [
            PostSummary(post_id, url, title, kinds.get(kind, Kind.ENTRY), unstamp(published))
            for post_id, url, title, kind, published in rows
        ]

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
            kind=Kind(row["kind"]),
            published=_unstamp(row["published"]),
            tags=tuple(json.loads(row["tags"])),
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
        """Every fetched tag with its post count, most recently fetched first."""
        rows = self._select("SELECT * FROM feeds ORDER BY fetched_at DESC, tag")
        infos = []
        for row in rows:
            members, params = self._members_clause(row["tag"])
            count = self._select(f"SELECT count(*) FROM ({members})", params)[0][0]
            infos.append(self._tag_info(row, int(count)))
        return infos

    def known_tags(self) -> list[TagInfo]:
        """Every tag the cache knows: fetched ones and those only seen on cached posts.

        Counts are cached posts; ``fetched_at`` is None for a tag never fetched itself.
        Most posts first, then by name.
        """
        fetched = {info.tag: info for info in self.list_tags()}
        rows = self._select("SELECT tag, count(*) AS n FROM tag_posts GROUP BY tag")
        known = dict(fetched)
        for row in rows:
            if row["tag"] not in known:
                known[row["tag"]] = TagInfo(tag=row["tag"], count=int(row["n"]), fetched_at=None)
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
