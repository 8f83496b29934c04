"""The cache's merge rules: add and update, never delete; one row per post; transactional."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui_reader.core.cache.store import SCHEMA_VERSION, Store
from tui_reader.core.errors import CacheError
from tui_reader.core.models import Kind, MergeCounts, Post, Validators


def make_post(n: int, *, year: int = 2023, tags: tuple[str, ...] = ("ai", "training-data")) -> Post:
    url = f"https://simonwillison.net/{year}/Nov/{n % 28 + 1}/post-{n}/"
    return Post(
        id=url,
        url=url,
        title=f"Post {n}",
        kind=Kind.ENTRY,
        published=datetime(year, 11, n % 28 + 1, 12, n % 60, tzinfo=UTC),
        tags=tags,
        html=f"<p>Body {n}</p>",
        markdown=f"Body {n}",
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3")


def test_merge_counts_new_unchanged_updated(store: Store) -> None:
    posts = [make_post(n) for n in range(5)]
    assert store.merge("training-data", posts) == MergeCounts(new=5)
    assert store.merge("training-data", posts) == MergeCounts(unchanged=5)
    edited = [replace(posts[0], html="<p>Edited</p>", markdown="Edited"), *posts[1:]]
    assert store.merge("training-data", edited) == MergeCounts(updated=1, unchanged=4)
    post = store.get_post(posts[0].id)
    assert post is not None and post.markdown == "Edited"


def test_history_accumulates_past_the_feed_window(store: Store) -> None:
    store.merge("training-data", [make_post(n) for n in range(30)])
    store.merge("training-data", [make_post(n) for n in range(10, 40)])
    assert len(store.list_posts("training-data")) == 40


def test_one_row_per_post_across_tags(store: Store) -> None:
    post = make_post(1, tags=("ai", "llms", "training-data"))
    store.merge("training-data", [post])
    assert store.merge("llms", [post]) == MergeCounts(unchanged=1)
    rows = store._select("SELECT count(*) FROM posts")
    assert rows[0][0] == 1
    assert [p.id for p in store.list_posts("llms")] == [post.id]
    assert [p.id for p in store.list_posts("ai")] == [post.id]


def test_combined_tags_are_an_intersection(store: Store) -> None:
    both = make_post(1, tags=("ai", "copyright"))
    only_ai = make_post(2, tags=("ai",))
    store.merge("ai", [both, only_ai])
    assert [p.id for p in store.list_posts("ai+copyright")] == [both.id]
    assert {p.id for p in store.list_posts("ai")} == {both.id, only_ai.id}


def test_list_is_newest_first(store: Store) -> None:
    store.merge("t", [make_post(1, year=2019), make_post(2, year=2024), make_post(3, year=2002)])
    assert [p.published.year for p in store.list_posts("t")] == [2024, 2019, 2002]


def test_validators_and_tag_info(store: Store) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.merge(
        "t", [make_post(1)], validators=Validators("W/1", "Mon, 01 Jan 2024"), fetched_at=when
    )
    info = store.tag_info("t")
    assert info is not None
    assert info.count == 1 and info.fetched_at == when
    assert store.validators("t") == Validators("W/1", "Mon, 01 Jan 2024")
    later = datetime(2026, 1, 3, tzinfo=UTC)
    store.record_unchanged("t", fetched_at=later)
    info = store.tag_info("t")
    assert info is not None and info.fetched_at == later
    assert store.validators("t").etag == "W/1"
    assert store.tag_info("never-fetched") is None
    assert [i.tag for i in store.list_tags()] == ["t"]


def test_tag_info_takes_a_count_the_caller_just_read(store: Store) -> None:
    """The first screen passes the count it has (the years' counts): the rest is the same."""
    store.merge("t", [make_post(1), make_post(2)])
    counted = store.tag_info("t")
    assert counted is not None and counted.count == 2
    assert store.tag_info("t", count=2) == counted
    assert store.tag_info("never-fetched", count=2) is None


def test_a_failed_merge_changes_nothing(store: Store) -> None:
    store.merge("t", [make_post(1)], validators=Validators(None, "old"))

    def posts_then_failure():  # type: ignore[no-untyped-def]
        yield make_post(2)
        raise RuntimeError("network died half-way")

    with pytest.raises(RuntimeError):
        store.merge("t", posts_then_failure(), validators=Validators(None, "new"))
    assert [p.title for p in store.list_posts("t")] == ["Post 1"]
    assert store.validators("t").last_modified == "old"


def test_survives_reopen_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Store(path) as first:
        first.merge("t", [make_post(1)])
    with Store(path) as second:
        assert len(second.list_posts("t")) == 1
        mode = second._select("PRAGMA journal_mode")[0][0]
        assert mode == "wal"


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CacheError, match="newer tui-reader"):
        Store(path)
    assert path.read_bytes() == before


def test_corrupt_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = Store(path)
    assert store.moved_aside is not None and store.moved_aside.exists()
    assert store.moved_aside.read_bytes().startswith(b"this is not")
    store.merge("t", [make_post(1)])
    assert len(store.list_posts("t")) == 1
