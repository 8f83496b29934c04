"""Refreshing from the local fake of the site while the user reads."""

from __future__ import annotations

import threading

from tests.app_support import TAG, make_app, settle
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.reading_pane import ReadingPane
from tui_reader.widgets.status_bar import StatusBar

FEED_PATH = f"/tags/{TAG}.atom"


def main_screen(app: ReaderApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def status_line(app: ReaderApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def test_first_run_fetches_then_refresh_merges_new_posts_keeping_the_cursor(
    site: SiteServer,
) -> None:
    posts = sample_posts(TAG, 45)  # newest first
    site.add_tag(TAG, posts[5:])
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        assert len(screen.post_list.posts) == 40  # a small tag arrives whole
        assert status_line(app) == "training-data · up to date · fetched just now"
        await pilot.press(*"jjjjjjj", "enter")
        await settle(pilot)
        chosen = screen.post_list.highlighted_post
        assert chosen is not None
        row_before = screen.post_list.highlighted - screen.post_list.scroll_offset.y  # type: ignore[operator]

        site.add_tag(TAG, posts)  # five newer posts appear on the site
        await pilot.press("r")
        await settle(pilot)

        post_list = screen.post_list
        assert len(post_list.posts) == 45  # the refresh's first page brought the new ones
        assert post_list.posts[0].title == posts[0].title
        assert post_list.highlighted_post == chosen
        assert post_list.highlighted - post_list.scroll_offset.y == row_before  # type: ignore[operator]
        assert app.screen.query_one(ReadingPane).post_id == chosen.id
        assert app.focused is app.screen.query_one(ReadingPane)
        assert "5 new posts tagged training-data" in [n.message for n in app._notifications]
        assert str(app.screen.query_one("#list-pane").border_title) == (
            "45 posts tagged “training-data”"
        )


async def test_the_ui_answers_keys_while_a_slow_refresh_runs(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 10))
    store = Store(":memory:")
    refresh_tag(store, TAG, base_url=site.url)  # something cached to move through
    gate = threading.Event()
    site.set_fault(FEED_PATH, Fault(gate=gate))
    app = make_app(store, offline=False, base_url=site.url)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "refreshing…" in status_line(app)
        before = main_screen(app).post_list.highlighted
        await pilot.press("j")
        assert main_screen(app).post_list.highlighted != before
        assert "refreshing…" in status_line(app)  # the refresh is still running
        gate.set()
        await settle(pilot)
        assert "up to date" in status_line(app)


async def test_error_persists_until_the_next_successful_refresh(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 12))
    site.set_fault(FEED_PATH, Fault(status=500, times=1))
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        failed = status_line(app)
        assert "⚠" in failed
        assert app.screen.has_class("-empty")
        assert "Could not download" in str(app.screen.query_one("#empty").render())
        await pilot.press("j", "k")  # time passes, keys are pressed: the error stays
        assert status_line(app) == failed
        await pilot.press("r")
        await settle(pilot)
        assert status_line(app) == "training-data · up to date · fetched just now"
        assert not app.screen.has_class("-empty")
        assert len(main_screen(app).post_list.posts) == 12


async def test_unknown_tag_reports_the_sites_answer(site: SiteServer) -> None:
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        status = status_line(app)
        assert "offline" not in status  # the site answered: it is not a network failure
        assert "⚠" in status
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and errors[0].title == "Refresh failed"


async def test_quitting_never_waits_for_a_hung_refresh(site: SiteServer) -> None:
    site.set_fault(FEED_PATH, Fault(hang=True))
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test() as pilot:
        await pilot.pause(0.2)
        assert "refreshing…" in status_line(app)
        hung = [t for t in threading.enumerate() if t.name == "refresh"]
        assert hung and all(t.daemon for t in hung)  # abandoned at exit, never joined
        await pilot.press("q")
    assert not app.is_running
