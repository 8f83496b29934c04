"""Reading many tags at once, for the followed tags: each tag at a glance (counts, unread, new
since the last visit, freshness, the last failed fetch, posts per year), the unread posts of
all of them in one list, the tags found beside a tag, and each tag's last fetch error."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from operator import itemgetter

from ..feed.sanitize import one_line
from ..models import PostSummary, TagOverview, YearCount
from ..tags import split_tag
from .columns import _kind, _stamp, _unstamp
from .database import Database

_TAG_SEPARATOR = " "  # never in a tag


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


def _memberships(tags: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A query of ``(tag, post_id, published)``: every cached post of each of ``tags`` (of a
    combination, the posts carrying all its parts), read from the memberships' date index."""
    singles = [tag for tag in tags if "+" not in tag]
    wanted = _placeholders(len(singles))
    queries = [f"SELECT tag, post_id, published FROM tag_posts WHERE tag IN ({wanted})"]
    params: list[str] = list(singles)
    for combination in dict.fromkeys(tag for tag in tags if "+" in tag):
        first, *rest = split_tag(combination)
        queries.append(
            "SELECT ? AS tag, post_id, published FROM tag_posts WHERE tag = ?"
            + " AND post_id IN (SELECT post_id FROM tag_posts WHERE tag = ?)" * len(rest)
        )
        params += [combination, first, *rest]
    return " UNION ALL ".join(queries), tuple(params)


class FollowedTags(Database):
    """Several tags at once, and each tag's last failed fetch."""

    def record_fetch_error(self, tag: str, message: str, *, when: datetime | None = None) -> None:
        """Remember that fetching ``tag`` failed, and why (in words); the next successful
        fetch of ``tag`` (``merge`` or ``record_unchanged``) forgets it."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO fetch_errors (tag, message, at) VALUES (?, ?, ?)",
                (tag, one_line(message, limit=500), _stamp(when or datetime.now(UTC))),
            )

    def fetch_error(self, tag: str) -> tuple[str, datetime] | None:
        """Why the last fetch of ``tag`` failed and when, or None if it has not failed since it
        last succeeded."""
        rows = self._select_tuples("SELECT message, at FROM fetch_errors WHERE tag = ?", (tag,))
        return (rows[0][0], _unstamp(rows[0][1])) if rows else None

    def tag_overview(self, tags: Sequence[str], *, since_visits: bool = True) -> list[TagOverview]:
        """Each of ``tags`` at a glance, in the order given: posts cached, unread, new since
        the last visit (with ``since_visits`` False, ``new`` is not counted and is 0), the last
        successful fetch, the last failed one since, and posts per year. A few queries over
        the memberships' date index, whatever the number of tags."""
        tags = list(dict.fromkeys(tags))
        if not tags:
            return []
        members, params = _memberships(tags)
        new = (
            "sum(CASE WHEN r.post_id IS NULL AND v.visited_at IS NOT NULL THEN"
            " (SELECT p.first_seen > v.visited_at FROM posts AS p INDEXED BY posts_summary"
            " WHERE p.id = m.post_id) ELSE 0 END)"
            if since_visits
            else "0"
        )
        rows = self._select_tuples(
            f"WITH m (tag, post_id, published) AS ({members})"
            " SELECT m.tag, substr(m.published, 1, 4) AS year, count(*),"
            f" count(*) - count(r.post_id), {new}"
            " FROM m LEFT JOIN read_posts AS r ON r.post_id = m.post_id"
            " LEFT JOIN tag_visits AS v ON v.tag = m.tag GROUP BY m.tag, year",
            params,
        )
        totals: dict[str, list[int]] = {tag: [0, 0, 0] for tag in tags}
        years: dict[str, list[YearCount]] = {tag: [] for tag in tags}
        for tag, year, count, unread, fresh in rows:
            total = totals[tag]
            total[0] += count
            total[1] += unread
            total[2] += fresh or 0
            with suppress(TypeError, ValueError):
                years[tag].append(YearCount(int(year), count, unread))
        wanted = f"({_placeholders(len(tags))})"
        fetched = dict(
            self._select_tuples(
                f"SELECT tag, fetched_at FROM feeds WHERE tag IN {wanted}", tuple(tags)
            )
        )
        errors = {
            tag: (message, at)
            for tag, message, at in self._select_tuples(
                f"SELECT tag, message, at FROM fetch_errors WHERE tag IN {wanted}", tuple(tags)
            )
        }
        overview = []
        for tag in tags:
            count, unread, fresh = totals[tag]
            message, at = errors.get(tag, (None, None))
            overview.append(
                TagOverview(
                    tag=tag,
                    count=count,
                    unread=unread,
                    new=fresh,
                    fetched_at=_unstamp(fetched[tag]) if fetched.get(tag) else None,
                    error=message,
                    error_at=_unstamp(at) if at else None,
                    years=tuple(sorted(years[tag], key=lambda year: year.year)),
                )
            )
        return overview

    def unread_posts(self, tags: Sequence[str], *, limit: int | None = None) -> list[PostSummary]:
        """Every unread cached post carrying any of ``tags`` (of a combination, all its
        parts), newest first, once each; its ``tags`` says which of ``tags`` it carries, in
        their order. With ``limit``, only that many of the newest."""
        order = {tag: index for index, tag in enumerate(dict.fromkeys(tags))}
        if not order:
            return []
        members, params = _memberships(list(order))
        # Grouped by date then id (a post's memberships carry its date), the newest come
        # first without sorting the posts' columns; the sort below only makes sure of it.
        rows = self._select_tuples(
            f"WITH m (tag, post_id, published) AS ({members}),"
            " u AS (SELECT post_id, published,"
            f" group_concat(tag, '{_TAG_SEPARATOR}') AS tags FROM m"
            " WHERE post_id NOT IN (SELECT post_id FROM read_posts)"
            " GROUP BY published, post_id ORDER BY published DESC, post_id LIMIT ?)"
            " SELECT p.id, nullif(p.url, p.id), p.title, p.kind, p.published, p.first_seen,"
            " u.tags FROM u CROSS JOIN posts AS p INDEXED BY posts_summary ON p.id = u.post_id",
            (*params, -1 if limit is None else limit),
        )
        rows.sort(key=itemgetter(4), reverse=True)  # stable; linear when already in order
        # Posts share their tags and their first_seen (one per fetch): each is made once; a
        # post's url is nearly always its id, which is then not read twice.
        carried: dict[str, tuple[str, ...]] = {}
        seen: dict[str, datetime] = {}
        posts = []
        for post_id, other_url, title, kind, published, first_seen, names in rows:
            if (tags_of := carried.get(names)) is None:
                parts = set(names.split(_TAG_SEPARATOR))
                tags_of = carried[names] = tuple(sorted(parts, key=order.__getitem__))
            if (first := seen.get(first_seen)) is None:
                first = seen[first_seen] = _unstamp(first_seen)
            url = post_id if other_url is None else other_url
            posts.append(
                PostSummary(post_id, url, title, _kind(kind), _unstamp(published), first, tags_of)
            )
        return posts

    def related_tags(self, tag: str, *, limit: int = 8) -> list[tuple[str, int]]:
        """The tags most often on the same cached posts as ``tag`` (not ``tag`` itself, nor
        the parts of a combination), with how many posts they share: most first, then by
        name."""
        parts = split_tag(tag)
        members, params = _memberships([tag])
        rows = self._select_tuples(
            f"SELECT o.tag, count(*) AS shared FROM ({members}) AS m"
            " JOIN tag_posts AS o INDEXED BY tag_posts_by_post ON o.post_id = m.post_id"
            f" WHERE o.tag NOT IN ({_placeholders(len(parts))})"
            " GROUP BY o.tag ORDER BY shared DESC, o.tag LIMIT ?",
            (*params, *parts, limit),
        )
        return [(name, int(shared)) for name, shared in rows]
