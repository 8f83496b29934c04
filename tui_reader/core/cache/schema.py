"""The database's tables: the script that builds each version of the schema, and migrating
a cache to the current version (a cache written by a newer app is refused, never written)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import suppress

from ..errors import CacheError

SCHEMA_VERSION = 7

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

# Version 6: the last failed fetch of each tag (what went wrong, in words, and when), kept
# until a fetch of the tag succeeds; the overview of the followed tags shows it.
_SCHEMA_V6 = """
CREATE TABLE fetch_errors (
    tag TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    at TEXT NOT NULL
) WITHOUT ROWID;
"""

# Version 7: what the site says of each tag (its post count in all and by kind, and its
# description), from the tag lookup; and each post's word count, made from its Markdown by
# ``searchtext``'s ``tui_word_count`` and kept in step by triggers (a post still without
# Markdown has no row). A table of its own keeps the list's covering index as it is.
_SCHEMA_V7 = """
CREATE TABLE tag_facts (
    tag TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    entries INTEGER NOT NULL DEFAULT 0,
    links INTEGER NOT NULL DEFAULT 0,
    quotations INTEGER NOT NULL DEFAULT 0,
    notes INTEGER NOT NULL DEFAULT 0,
    beats INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE post_words (
    post_id TEXT PRIMARY KEY,
    words INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER post_words_insert AFTER INSERT ON posts WHEN new.markdown != '' BEGIN
    INSERT OR REPLACE INTO post_words (post_id, words)
    VALUES (new.id, tui_word_count(new.markdown));
END;
CREATE TRIGGER post_words_update AFTER UPDATE OF markdown ON posts BEGIN
    DELETE FROM post_words WHERE post_id = old.id;
    INSERT OR REPLACE INTO post_words (post_id, words)
    SELECT new.id, tui_word_count(new.markdown) WHERE new.markdown != '';
END;
CREATE TRIGGER post_words_delete AFTER DELETE ON posts BEGIN
    DELETE FROM post_words WHERE post_id = old.id;
END;
INSERT INTO post_words (post_id, words)
SELECT id, tui_word_count(markdown) FROM posts WHERE markdown != '';
"""

_MIGRATIONS: dict[int, str] = {
    1: _SCHEMA_V1,
    2: _SCHEMA_V2,
    3: _SCHEMA_V3,
    4: _SCHEMA_V4,
    5: _SCHEMA_V5,
    6: _SCHEMA_V6,
    7: _SCHEMA_V7,
}


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` (a trigger body's ``;`` does not end its statement)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


def check_version(conn: sqlite3.Connection) -> int:
    """The schema version; a cache from a newer app is refused before anything is written."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    refuse_version(version)
    return version


def refuse_version(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise CacheError(
            f"The cache was written by a newer tui-reader (schema {version}).",
            hint="Upgrade tui-reader; the cache was left untouched.",
        )


def migrate(conn: sqlite3.Connection) -> None:
    if check_version(conn) == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another copy of the app may have just migrated.
        version = check_version(conn)
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
