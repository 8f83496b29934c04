"""The connection to the cache database, shared by every part of the store: opening it (read
only when it cannot be written), refusing a newer app's schema, moving a damaged file aside,
and running queries and transactions under one lock, with SQLite's errors put in words."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from ..errors import CacheError
from . import searchtext
from .schema import SCHEMA_VERSION, check_version, migrate, refuse_version

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


def _sane_header(header: bytes) -> bool:
    """Whether ``header`` looks like a real SQLite header (so its fields can be trusted)."""
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    power_of_two = page_size & (page_size - 1) == 0
    return 512 <= page_size <= 65536 and power_of_two and header[21:24] == b"\x40\x20\x20"


class Database:
    """An open cache database. Safe to share between threads (calls are serialised)."""

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
                if check_version(conn) == SCHEMA_VERSION:  # an older one needs writing
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
                refuse_version(int.from_bytes(header[60:64], "big", signed=True))
            return  # anything else: the read-write open finds out what it is
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout)
        except sqlite3.OperationalError:
            return  # not readable this way: the read-write open says why, or copes
        try:
            searchtext.register(conn)
            check_version(conn)
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
            check_version(conn)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
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

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
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
