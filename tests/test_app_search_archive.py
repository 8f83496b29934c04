"""Search (/) and the whole-archive download (A) in the app."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from textual.widgets import Input, Label, Static

from tests.app_support import NOW, TAG, make_app, make_post, settle
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Post
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.screens.main import MainScreen
from tui_reader.screens.search import HitOption, SearchScreen
from tui_reader.widgets.reading_pane import ReadingPane

SIZE = (120, 36)


def posts() -> list[Post]:
    made = []
    for n in range(8):
        post = make_post(n, NOW - timedelta(days=30 * n + 1))
        made.append(replace(post, title=f"Lighthouse log {n}"))
    made[3] = replace(
        made[3],
        title="Fresnel lenses [bold]and[/bold] their care",
        markdown="How to polish a Fresnel lens without scratching it.",
        html="<p>How to polish a Fresnel lens without scratching it.</p>",
    )
    return made


def store_with_other_tag() -> Store:
    store = Store(":memory:")
    store.merge(TAG, posts())
    elsewhere = make_post(50, NOW - timedelta(days=3))
    store.merge(
        "optics",
        [
            replace(
                elsewhere,
                title="Fresnel optics elsewhere",
                tags=("optics",),
                markdown="A Fresnel aside.",
                html="<p>A Fresnel aside.</p>",
            )
        ],
    )
    return store


def main_of(app: ReaderApp) -> MainScreen:
    screen = app.screen_stack[0] if not isinstance(app.screen, MainScreen) else app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def type_search(pilot, text: str) -> SearchScreen:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    await settle(pilot)
    await pilot.press(*text)
    await pilot.pause(SearchScreen.DELAY + 0.1)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    return screen


async def test_search_as_you_type_highlights_and_opens_the_result() -> None:
    app = make_app(store_with_other_tag())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = await type_search(pilot, "fresn")  # a prefix, as typed
        hits = [o.hit for o in search.results.options if isinstance(o, HitOption)]
        assert len(hits) == 2
        assert all(any(s.match for s in hit.title_segments) for hit in hits)
        status = str(search.query_one("#search-status", Static).render())
        assert "2 posts match" in status
        search.query_one(Input).value = "polish fresn"
        await pilot.pause(SearchScreen.DELAY + 0.1)
        await settle(pilot)
        hits = [o.hit for o in search.results.options if isinstance(o, HitOption)]
        assert [h.title for h in hits] == ["Fresnel lenses [bold]and[/bold] their care"]
        assert any(s.match and "polish" in s.text for s in hits[0].snippet)
        await pilot.press("enter")
        await settle(pilot)
        main = main_of(app)
        assert app.screen is main
        assert main.post_list.highlighted_post is not None
        assert main.post_list.highlighted_post.title.startswith("Fresnel lenses")
        assert app.focused is main.query_one(ReadingPane)
        assert "[bold]and[/bold]" in main.query_one(ReadingPane).plain_text


async def test_a_result_from_another_tag_opens_in_the_pane_only() -> None:
    app = make_app(store_with_other_tag())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = main_of(app).post_list.highlighted_post
        await type_search(pilot, "optics elsewhere")
        await pilot.press("enter")
        await settle(pilot)
        main = main_of(app)
        assert main.tag == TAG
        assert main.post_list.highlighted_post == before
        assert main.query_one(ReadingPane).plain_text.startswith("Fresnel optics elsewhere")


async def test_escape_returns_and_bad_queries_are_explained() -> None:
    app = make_app(store_with_other_tag())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = await type_search(pilot, "kind:bogus")
        status = str(search.query_one("#search-status", Static).render())
        assert "kind" in status.lower()
        assert not [o for o in search.results.options if isinstance(o, HitOption)]
        search.query_one(Input).value = '"unclosed NEAR( * AND'
        await pilot.pause(SearchScreen.DELAY + 0.1)
        await settle(pilot)
        assert app.is_running
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.focused is main_of(app).post_list


async def test_archive_downloads_the_whole_tag_with_progress(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    store = Store(":memory:")  # the first page cached (a first fetch would bring the whole tag)
    refresh_tag(store, TAG, base_url=site.url, lookup_first=False)
    app = make_app(store, offline=False, base_url=site.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        main = main_of(app)
        assert len(main.post_list.posts) == 30
        gate = threading.Event()
        site.set_fault(f"/tags/{TAG}.atom?size=1000", Fault(gate=gate, times=1))
        await pilot.press("A")
        await pilot.pause()
        assert main.has_class("-archiving")
        assert str(main.query_one("#archive-label", Label).render())
        gate.set()
        await main.workers.wait_for_complete()
        await settle(pilot)
        assert len(main.post_list.posts) == 45
        assert not main.has_class("-archiving")
        assert any("45" in n.message for n in app._notifications)


async def test_a_failed_archive_stays_visible_and_keeps_the_cache(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    store = Store(":memory:")  # the first page cached (a first fetch would bring the whole tag)
    refresh_tag(store, TAG, base_url=site.url, lookup_first=False)
    app = make_app(store, offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_of(app)
        assert not main.query("#archive-bar")  # built on the first download, not at start-up
        site.set_fault(f"/tags/{TAG}.atom?size=1000", Fault(status=500, times=1))
        await pilot.press("A")
        await main.workers.wait_for_complete()
        await settle(pilot)
        label = str(main.query_one("#archive-label", Label).render())
        assert "Press A to resume" in label
        assert main.has_class("-archiving")
        assert len(main.post_list.posts) == 30
        await pilot.press("A")  # resumes in the same bar, and this time succeeds
        await main.workers.wait_for_complete()
        await settle(pilot)
        assert len(main.query("#archive-bar")) == 1
        assert not main.has_class("-archiving")
        assert len(main.post_list.posts) == 45


async def test_archive_is_refused_offline() -> None:
    app = make_app(store_with_other_tag())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert not main_of(app).has_class("-archiving")
        assert any("needs the network" in n.message for n in app._notifications)
