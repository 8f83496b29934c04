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

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from .errors import CacheError
from .models import Kind, MergeCounts, Post, PostSummary, TagInfo, Validators
from .tags import is_slug, split_tag

SCHEMA_VERSION = 1

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

_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1}
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
    try:
        return Kind(text)
    except ValueError:
        return Kind.ENTRY


def _tags(text: str) -> tuple[str, ...]:
    try:
        tags = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(tag) for tag in tags) if isinstance(tags, list) else ()


def content_hash(post: Post) -> str:
    """A digest of everything a feed can change about a post."""
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
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
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
        with self._lock:
            try:
                cursor = self._conn.execute(sql, params)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except sqlite3.Error as error:
                raise self._failure(error, saving=False) from error

    @staticmethod
    def _members_clause(tag: str) -> tuple[str, tuple[str, ...]]:
        parts = split_tag(tag)
        sql = " INTERSECT ".join("SELECT post_id FROM tag_posts WHERE tag = ?" for _ in parts)
        return sql, tuple(parts)

    def list_posts(self, tag: str) -> list[PostSummary]:
        """The cached posts carrying ``tag`` (all parts of a combination), newest first."""
        members, params = self._members_clause(tag)
        rows = self._select(
            "SELECT id, url, title, kind, published FROM posts"
            f" WHERE id IN ({members}) ORDER BY published DESC, id",
            params,
        )
        return [
            PostSummary(r["id"], r["url"], r["title"], _kind(r["kind"]), _unstamp(r["published"]))
            for r in rows
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
        """Every fetched tag with its post count, most recently fetched first."""
        rows = self._select("SELECT * FROM feeds ORDER BY fetched_at DESC, tag")
        infos = []
        for row in rows:
            members, params = self._members_clause(row["tag"])
            count = self._select(f"SELECT count(*) FROM ({members})", params)[0][0]
            infos.append(self._tag_info(row, int(count)))
        return infos

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
