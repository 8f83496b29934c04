"""Schema version 2: older caches migrate cleanly, the search index follows every change."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_store import make_post
from tui_reader.core.cache import schema
from tui_reader.core.cache.searchtext import search_body, search_title
from tui_reader.core.cache.store import SCHEMA_VERSION, Store
from tui_reader.core.models import ArchivePage, MergeCounts, Validators


def fts_rows(store: Store) -> dict[int, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in store._select("SELECT rowid, title, body FROM posts_fts")}


def matching(store: Store, expression: str) -> set[str]:
    rows = store._select(
        "SELECT p.id FROM posts_fts f JOIN posts p ON p.rowid = f.rowid WHERE posts_fts MATCH ?",
        (expression,),
    )
    return {row[0] for row in rows}


def write_v1_cache(path: Path) -> list[str]:
    """A cache exactly as version 1 of the app left it, with three posts and a feed row."""
    conn = sqlite3.connect(path)
    conn.executescript(schema._SCHEMA_V1)
    ids = []
    for n, (title, markdown) in enumerate(
        [
            ("Lanterns of the harbour", "The **keepers** wrote [a ledger](https://example.com/x)."),
            ("Quoting A. Person", "> Words about tides.\n\n— A. Person"),
            ("Café notes", "Une note sur le café, in `code_block` form."),
        ]
    ):
        post_id = f"https://simonwillison.net/2023/Nov/{n + 1}/post-{n}/"
        ids.append(post_id)
        conn.execute(
            "INSERT INTO posts VALUES (?, ?, ?, 'entry', ?, ?, '<p>x</p>', ?, 'h', ?, ?)",
            (
                post_id,
                post_id,
                title,
                f"2023-11-0{n + 1}T12:00:00Z",
                json.dumps(["llms"]),
                markdown,
                "2023-11-10T00:00:00Z",
                "2023-11-10T00:00:00Z",
            ),
        )
        conn.execute("INSERT INTO tag_posts VALUES ('llms', ?)", (post_id,))
    conn.execute(
        "INSERT INTO feeds VALUES ('llms', NULL, 'Wed, 01 Nov 2023 12:00:00 GMT',"
        " '2023-11-10T00:00:00Z')"
    )
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    return ids


def test_a_version_1_cache_migrates_and_is_indexed(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    ids = write_v1_cache(path)
    with Store(path) as store:
        assert store._select("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 7
        assert [p.id for p in store.list_posts("llms")] == ids[::-1]
        assert store.list_posts("llms", limit=2) == store.list_posts("llms")[:2]
        assert {y: (c.posts, c.unread) for y, c in store.year_counts("llms").items()} == {
            2023: (3, 3)
        }
        assert store.validators("llms") == Validators(None, "Wed, 01 Nov 2023 12:00:00 GMT")
        assert store.archive_state("llms") is None
        assert store.read_ids() == set() and store.unread_count("llms") == 3
        assert len(fts_rows(store)) == 3
        assert matching(store, "keepers") == {ids[0]}
        assert matching(store, "tides") == {ids[1]}
        assert matching(store, "cafe") == {ids[2]}  # accents folded
        assert matching(store, "code_block") == {ids[2]}
        assert matching(store, "example") == set()  # link addresses are not indexed
        assert matching(store, "title:harbour") == {ids[0]}
        # Writes after the migration keep the index in step.
        store.merge("llms", [make_post(10, tags=("llms",))])
        assert matching(store, '"Body 10"') == {make_post(10).id}
    with Store(path) as again:  # reopening does not migrate twice
        assert len(fts_rows(again)) == 4


def test_a_fresh_cache_is_created_at_the_latest_version(tmp_path: Path) -> None:
    with Store(tmp_path / "c.sqlite3") as store:
        assert store._select("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        names = {r[0] for r in store._select("SELECT name FROM sqlite_master")}
        assert {"archive_state", "posts_fts", "posts_fts_insert", "posts_fts_update"} <= names
        assert {"read_posts", "tag_visits", "post_positions"} <= names


def test_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    posts = [make_post(n) for n in range(3)]
    store.merge("t", posts)
    assert matching(store, "body") == {p.id for p in posts}
    edited = replace(posts[0], title="Renamed", html="<p>Tides</p>", markdown="Moon *tides*")
    assert store.merge("t", [edited]) == MergeCounts(updated=1)
    assert matching(store, "tides") == {posts[0].id}
    assert matching(store, "renamed") == {posts[0].id}
    assert matching(store, '"Body 0"') == set()
    assert matching(store, '"Post 0"') == set()
    unchanged_rows = fts_rows(store)
    store.merge("t", [edited])  # unchanged: no index churn
    assert fts_rows(store) == unchanged_rows
    with store._lock:
        store._conn.execute("DELETE FROM tag_posts WHERE post_id = ?", (posts[1].id,))
        store._conn.execute("DELETE FROM posts WHERE id = ?", (posts[1].id,))
    assert matching(store, "body") == {posts[2].id}
    assert len(fts_rows(store)) == 2


def test_a_failed_merge_leaves_the_index_unchanged(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    store.merge("t", [make_post(1)])
    before = fts_rows(store)

    def posts_then_failure():  # type: ignore[no-untyped-def]
        yield make_post(2)
        raise RuntimeError("network died half-way")

    with pytest.raises(RuntimeError):
        store.merge("t", posts_then_failure())
    assert fts_rows(store) == before


def test_rebuild_search_index(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    store.merge("t", [make_post(n) for n in range(4)])
    before = fts_rows(store)
    with store._lock:
        store._conn.execute("DELETE FROM posts_fts")
    assert fts_rows(store) == {}
    store.rebuild_search_index()
    assert fts_rows(store) == before


def test_archive_progress_is_recorded_with_its_page(tmp_path: Path) -> None:
    store = Store(tmp_path / "c.sqlite3")
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.merge("llms", [make_post(1)], validators=Validators("W/1", "Mon"))
    store.merge(
        "llms",
        [make_post(2), make_post(3)],
        validators=Validators("W/2", "Tue"),  # ignored for archive pages
        fetched_at=when,
        archive=ArchivePage("https://x/tags/llms.atom?size=2&page=2", 2, 2, 7, first=True),
    )
    state = store.archive_state("llms")
    assert state is not None
    assert (state.next_url, state.page_size, state.pages, state.posts, state.total) == (
        "https://x/tags/llms.atom?size=2&page=2",
        2,
        1,
        2,
        7,
    )
    assert not state.complete and state.started_at == when and state.completed_at is None
    assert store.validators("llms") == Validators("W/1", "Mon")
    store.merge("llms", [make_post(4)], archive=ArchivePage(None, 2, 1))
    state = store.archive_state("llms")
    assert state is not None and state.complete and state.next_url is None
    assert (state.pages, state.posts, state.total) == (2, 3, 7)  # the total is kept
    assert state.completed_at is not None
    store.reset_archive("llms")
    assert store.archive_state("llms") is None
    assert len(store.list_posts("llms")) == 4


def test_search_text_drops_markdown_noise() -> None:
    markdown = (
        "#### A heading\n\n> quoted **bold** and _em_ but snake_case stays\n\n"
        '- [link text](https://example.com/a_(b) "title") and ![alt text](https://i.example/x.png)\n'
        "1. `inline` code\n\n```python\ndef f(): pass\n```\n\n| a | b |\n| --- | ---: |\n"
        "| 1 \\| 2 | 3 |\n\n[![inner](https://i/x.png)](https://h/) <https://auto.example/p>\n"
        "escaped \\*stars\\* and \\#hash\x1b[31m\x02"
    )
    text = search_body(markdown)
    assert text == (
        "A heading quoted bold and em but snake_case stays link text and alt text inline code"
        " def f(): pass a b 1 | 2 3 inner https://auto.example/p escaped *stars* and #hash[31m"
    )
    assert search_title(" Tabs\tand\nnewlines\x07 ") == "Tabs and newlines"
