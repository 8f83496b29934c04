"""Posts and their tag memberships, with each fetched tag's validators: merging a fetch,
listing a tag's posts and counting them by year, and the Markdown made from posts' HTML."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ..models import (
    ArchivePage,
    MergeCounts,
    Post,
    PostSummary,
    TagInfo,
    Validators,
    YearCount,
)
from ..tags import is_slug, split_tag
from .archive_progress import record_archive_page
from .columns import _kind, _stamp, _tags, _unstamp, content_hash
from .tag_facts import SiteTagFacts

_YEARS_OF_ONE_TAG = """
WITH RECURSIVE years (year, below) AS (
    SELECT substr(max(published), 1, 4), char(1114111) FROM tag_posts WHERE tag = ?1
    UNION ALL
    SELECT (SELECT substr(max(published), 1, 4) FROM tag_posts
            WHERE tag = ?1 AND published < years.year), years.year
    FROM years WHERE years.year IS NOT NULL
)
SELECT year, (SELECT count(*) FROM tag_posts
              WHERE tag = ?1 AND published >= years.year AND published < years.below)
FROM years WHERE year IS NOT NULL
"""
"""Each year's posts of one tag, newest year first: the years found by stepping down the date
index (``tag_posts_by_date``), each counted as the range of it below the year after (about a
seventh of the cost of grouping every row: no sorting)."""

_READ_BY_YEAR = (
    "SELECT substr(t.published, 1, 4) AS year, count(*) FROM tag_posts AS t"
    " JOIN read_posts AS r ON r.post_id = t.post_id WHERE t.tag = ? GROUP BY year",
    "SELECT substr(t.published, 1, 4) AS year, count(*) FROM read_posts AS r"
    " CROSS JOIN tag_posts AS t ON t.tag = ? AND t.post_id = r.post_id GROUP BY year",
)
"""How many of one tag's posts are read, by year: going through the tag's posts, looking
each up in the read marks; or, when there are fewer read marks (in every tag) than the tag
has posts, through the marks (CROSS JOIN keeps that order), looking each up in the tag."""


class PostsAndTags(SiteTagFacts):
    """The posts, which tags each carries, and each fetched tag's last fetch (with what the
    site says of the tag)."""

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
        """Add new posts, update changed ones, and record the fetch of ``tag`` (forgetting its
        last fetch error); one transaction.

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
                record_archive_page(conn, tag, archive, now)
        return MergeCounts(new, updated, unchanged)

    def record_unchanged(self, tag: str, *, fetched_at: datetime | None = None) -> None:
        """Note a successful fetch that brought nothing new (HTTP 304); forgets the tag's last
        fetch error."""
        with self._transaction() as conn:
            self._record_fetch(conn, tag, None, _stamp(fetched_at or datetime.now(UTC)))

    @staticmethod
    def _record_fetch(
        conn: sqlite3.Connection, tag: str, validators: Validators | None, now: str
    ) -> None:
        conn.execute("INSERT OR IGNORE INTO feeds (tag) VALUES (?)", (tag,))
        conn.execute("UPDATE feeds SET fetched_at = ? WHERE tag = ?", (now, tag))
        conn.execute("DELETE FROM fetch_errors WHERE tag = ?", (tag,))  # it works again
        if validators is not None:
            conn.execute(
                "UPDATE feeds SET etag = ?, last_modified = ? WHERE tag = ?",
                (validators.etag, validators.last_modified, tag),
            )

    # -- reading -------------------------------------------------------------------------

    @staticmethod
    def _members_clause(tag: str) -> tuple[str, tuple[str, ...]]:
        parts = split_tag(tag)
        sql = " INTERSECT ".join("SELECT post_id FROM tag_posts WHERE tag = ?" for _ in parts)
        return sql, tuple(parts)

    def list_posts(self, tag: str, *, limit: int | None = None) -> list[PostSummary]:
        """The cached posts carrying ``tag`` (all parts of a combination), newest first; with
        ``limit``, only that many of the newest (for one tag, read from the date index)."""
        members, params = self._members_clause(tag)
        select = "SELECT p.id, p.url, p.title, p.kind, p.published, p.first_seen, w.words"
        words = " LEFT JOIN post_words AS w ON w.post_id = p.id"
        if limit is not None and len(params) == 1:
            sql = (
                f"{select} FROM tag_posts AS m INDEXED BY tag_posts_by_date"
                f" JOIN posts AS p INDEXED BY posts_summary ON p.id = m.post_id{words}"
                " WHERE m.tag = ? ORDER BY m.published DESC, m.post_id LIMIT ?"
            )
        else:
            sql = (
                f"{select} FROM ({members}) AS m"
                f" JOIN posts AS p INDEXED BY posts_summary ON p.id = m.post_id{words}"
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
                words=words,
            )
            for post_id, url, title, kind, published, first_seen, words in rows
        ]

    def year_counts(self, tag: str) -> dict[int, YearCount]:
        """How many posts carry ``tag`` (all parts of a combination) in each year, and how
        many of those are unread, without reading the posts (one tag: from the date index)."""
        members, params = self._members_clause(tag)
        if len(params) == 1:  # no sorting: each year is a range of the date index
            rows = self._select_tuples(_YEARS_OF_ONE_TAG, params)
            ((marks,),) = self._select_tuples("SELECT count(*) FROM read_posts")
            fewer_marks = marks < sum(posts for _, posts in rows)  # go through the fewer rows
            read = dict(self._select_tuples(_READ_BY_YEAR[fewer_marks], params))
            rows = [(year, posts, posts - read.get(year, 0)) for year, posts in reversed(rows)]
        else:
            rows = self._select_tuples(
                "SELECT substr(published, 1, 4) AS year, count(*),"
                " sum(post_id NOT IN (SELECT post_id FROM read_posts))"
                f" FROM (SELECT p.id AS post_id, p.published FROM ({members}) AS m"
                " JOIN posts AS p ON p.id = m.post_id) GROUP BY year",
                params,
            )
        counts: dict[int, YearCount] = {}
        for year, posts, unread in rows:
            with suppress(TypeError, ValueError):
                counts[int(year)] = YearCount(int(year), int(posts), int(unread))
        return counts

    def unread_count(self, tag: str) -> int:
        """How many of ``tag``'s cached posts are unread."""
        return sum(year.unread for year in self.year_counts(tag).values())

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

    def tag_info(self, tag: str, *, count: int | None = None) -> TagInfo | None:
        """What the cache knows of a fetched tag, or None if it was never fetched.

        ``count``: the tag's post count when the caller has just read it (the first screen
        knows it from the years' counts), so that it is not counted again."""
        rows = self._select("SELECT * FROM feeds WHERE tag = ?", (tag,))
        if not rows:
            return None
        members, params = self._members_clause(tag)
        if count is None:
            count = self._select(f"SELECT count(*) FROM ({members})", params)[0][0]
        site = self.tag_facts(tag) if len(params) == 1 else None
        return replace(self._tag_info(rows[0], int(count)), site=site)

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

    def unconverted_among(self, post_ids: Sequence[str]) -> list[tuple[str, str, str]]:
        """Those of ``post_ids`` whose Markdown is still to be made: (id, html, url), newest
        first."""
        rows = self._among(
            "SELECT id, html, url, published FROM posts WHERE markdown = '' AND html != ''"
            " AND id IN ({})",
            post_ids,
        )
        rows.sort(key=lambda row: row[3], reverse=True)
        return [(post_id, html, url) for post_id, html, url, _ in rows]

    def cached_among(self, post_ids: Sequence[str]) -> set[str]:
        """Those of ``post_ids`` already in the cache."""
        rows = self._among("SELECT id FROM posts WHERE id IN ({})", post_ids)
        return {post_id for (post_id,) in rows}

    def _among(self, select: str, post_ids: Sequence[str]) -> list[Any]:
        """The rows of ``select`` (its ``{}`` the place of the ids) for ``post_ids``, asked
        500 at a time: well under SQLite's limit on parameters."""
        rows: list[Any] = []
        for start in range(0, len(post_ids), 500):
            part = tuple(post_ids[start : start + 500])
            rows += self._select_tuples(select.format(", ".join("?" * len(part))), part)
        return rows

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
