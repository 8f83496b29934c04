"""The newest posts of a tag and its per-year counts, read without reading the whole list."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from tests.test_store import make_post
from tui_reader.core.cache.store import Store


def spread(store: Store) -> None:
    """Forty posts over four years, each tagged "ai"; half of them also "llms"."""
    store.merge(
        "ai",
        [
            make_post(n, year=2020 + n % 4, tags=("ai", "llms") if n % 2 else ("ai",))
            for n in range(40)
        ],
    )


def test_the_newest_posts_are_the_start_of_the_whole_list() -> None:
    store = Store(":memory:")
    spread(store)
    for tag in ("ai", "llms", "ai+llms"):
        whole = store.list_posts(tag)
        for limit in (1, 7, len(whole), len(whole) + 5):
            assert store.list_posts(tag, limit=limit) == whole[:limit]


def test_year_counts_match_the_whole_list_and_the_read_marks() -> None:
    store = Store(":memory:")
    spread(store)
    whole = store.list_posts("ai")
    store.set_read(whole[0].id)
    store.set_read(whole[-1].id)
    read = store.read_ids()
    for tag in ("ai", "llms", "ai+llms"):
        posts = store.list_posts(tag)
        expected = Counter(p.published.year for p in posts)
        unread = Counter(p.published.year for p in posts if p.id not in read)
        counts = store.year_counts(tag)
        assert {y: c.posts for y, c in counts.items()} == dict(expected)
        assert {y: c.unread for y, c in counts.items() if c.unread} == dict(unread)
    assert store.year_counts("no-such-tag") == {}


def test_a_post_whose_date_changes_moves_in_the_newest_posts() -> None:
    store = Store(":memory:")
    spread(store)
    oldest = store.list_posts("llms")[-1]
    n = int(oldest.title.split()[-1])  # "Post 17"
    again = make_post(n, year=oldest.published.year, tags=("ai", "llms"))
    assert again.id == oldest.id
    store.merge("ai", [replace(again, published=datetime(2030, 1, 1, tzinfo=UTC))])
    assert store.list_posts("llms", limit=1)[0].id == oldest.id
    assert store.list_posts("llms", limit=3) == store.list_posts("llms")[:3]
    assert store.year_counts("llms")[2030].posts == 1


def test_year_counts_at_the_edges_of_years_and_across_gaps() -> None:
    """One tag's years are ranges of its date index: posts on the first and last moment of a
    year, years with no posts between, and read marks in several years all count as the
    grouped rows do."""
    store = Store(":memory:")
    moments = [
        datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2020, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 0, tzinfo=UTC),  # nothing in 2021-2023
        datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        datetime(1999, 1, 1, 0, 0, tzinfo=UTC),
    ]
    posts = [replace(make_post(n), published=when) for n, when in enumerate(moments)]
    store.merge("ai", posts)
    for post in posts[::2]:
        store.set_read(post.id)
    counts = store.year_counts("ai")
    assert {y: (c.posts, c.unread) for y, c in counts.items()} == {
        1999: (1, 1),
        2019: (1, 0),
        2020: (2, 1),
        2024: (2, 1),
    }
    store.merge("llms", posts[:2])  # fewer posts than read marks: counted the other way round
    assert {y: (c.posts, c.unread) for y, c in store.year_counts("llms").items()} == {
        2019: (1, 0),
        2020: (1, 1),
    }
