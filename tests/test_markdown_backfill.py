"""Markdown made after the fetch: refreshes store HTML only; opening or a backfill converts."""

from __future__ import annotations

from dataclasses import replace

from tests import sitefeeds
from tests.app_support import settle
from tests.site_server import SiteServer
from tui_reader.app import ReaderApp
from tui_reader.core.cache.markdown_backfill import NO_TEXT, convert_pending, ensure_markdown
from tui_reader.core.cache.search import search
from tui_reader.core.cache.store import Store
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.widgets.reading_pane import ReadingPane


def fetched(site: SiteServer, n: int = 5) -> Store:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n))
    store = Store(":memory:")
    refresh_tag(store, "llms", base_url=site.url)
    return store


def test_refresh_stores_html_and_leaves_markdown_for_later(site: SiteServer) -> None:
    store = fetched(site)
    posts = list(store.posts("llms"))
    assert posts and all(p.html and p.markdown == "" for p in posts)
    assert len(store.unconverted(100)) == len(posts)


def test_convert_pending_fills_every_post_and_search_sees_it(site: SiteServer) -> None:
    store = fetched(site, 12)
    word = next(iter(store.posts("llms"))).html.split("<p>")[1].split()[0].strip("<>.,")
    assert convert_pending(store) == 12
    assert store.unconverted(100) == []
    assert all(p.markdown for p in store.posts("llms"))
    assert convert_pending(store) == 0
    assert search(store, word).total >= 1


def test_ensure_markdown_converts_and_saves_once(site: SiteServer) -> None:
    store = fetched(site, 2)
    post = next(iter(store.posts("llms")))
    converted = ensure_markdown(store, post)
    assert converted.markdown and converted.markdown != post.markdown
    stored = store.get_post(post.id)
    assert stored is not None and stored.markdown == converted.markdown
    assert ensure_markdown(store, stored) is stored


def test_a_body_with_no_text_is_not_converted_again() -> None:
    post = replace(sitefeeds_post(), html="<script>x()</script>", markdown="")
    store = Store(":memory:")
    store.merge("ai", [post])
    assert convert_pending(store) == 1
    stored = store.get_post(post.id)
    assert stored is not None and stored.markdown == NO_TEXT
    assert convert_pending(store) == 0


def test_an_edited_body_is_converted_again(site: SiteServer) -> None:
    store = fetched(site, 1)
    convert_pending(store)
    original = next(iter(store.posts("llms")))
    edited = replace(original, html=original.html + "<p>A new closing line.</p>", markdown="")
    store.merge("llms", [edited])
    assert store.unconverted(10) == [(edited.id, edited.html, edited.url)]
    convert_pending(store)
    stored = store.get_post(edited.id)
    assert stored is not None and "A new closing line." in stored.markdown


def test_markdown_from_stale_html_is_not_saved(site: SiteServer) -> None:
    store = fetched(site, 1)
    post_id, html, _ = store.unconverted(1)[0]
    store.merge("llms", [replace(store.get_post(post_id), html=html + "<p>x</p>")])  # type: ignore[type-var]
    assert store.set_markdown([(post_id, html, "old conversion")]) == 0


async def test_opening_a_fetched_post_converts_it(site: SiteServer) -> None:
    store = fetched(site, 3)
    app = ReaderApp(store, "llms", base_url=site.url, offline=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(ReadingPane)
        assert pane.body_line_count > 0
        shown = pane.post_id
    assert shown is not None
    stored = store.get_post(shown)
    assert stored is not None and stored.markdown


async def test_the_app_converts_new_posts_after_a_refresh(site: SiteServer) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", 6))
    store = Store(":memory:")
    app = ReaderApp(store, "llms", base_url=site.url)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
    assert len(store.list_posts("llms")) == 6
    assert store.unconverted(10) == []


def sitefeeds_post():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from tui_reader.core.models import Kind, Post

    url = "https://simonwillison.net/2024/Jan/1/script-only/"
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return Post(url, url, "Script only", Kind.ENTRY, when, ("ai",), "<p>x</p>", "x")
