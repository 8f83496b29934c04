"""Following many tags in the app: +, R, F (the overview), U (the unread list), the auto-refresh."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from tests.app_support import BASE_URL, NOW, TAG, make_app, seeded_store, settle
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import FakePost, sample_posts
from tui_reader.app import ReaderApp
from tui_reader.controllers.following import Following
from tui_reader.core.cache.store import Store
from tui_reader.core.net.fetch import new_client
from tui_reader.core.user.settings import load_settings
from tui_reader.screens.followed import FollowedScreen, TagRow
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.status_bar import StatusBar


def own_posts(tag: str, n: int) -> list[FakePost]:
    """``n`` posts carrying only ``tag``, with permalinks of their own."""
    return [replace(post, slug=f"{tag}-{post.slug}", tags=(tag,)) for post in sample_posts(tag, n)]


def main_of(app: ReaderApp) -> MainScreen:
    screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    return screen


def title_of(app: ReaderApp) -> str:
    return str(main_of(app).query_one("#list-pane").border_title)


def notes(app: ReaderApp) -> list[str]:
    return [n.message for n in app._notifications]


def write_config(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return config


def two_followed_tags(tmp_path: Path, *, also_in_llms: int) -> ReaderApp:
    """``llms`` and TAG followed; the newest ``also_in_llms`` posts of TAG are in llms too."""
    store = seeded_store()
    store.merge("llms", list(seeded_store().posts(TAG))[:also_in_llms])
    config = write_config(tmp_path, 'follow = ["llms", "training-data"]\n')
    return make_app(store, config_path=config)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def online_app(
    store: Store, site: SiteServer, config: Path | None, *, clock: Clock | None = None
) -> ReaderApp:
    return ReaderApp(
        store,
        TAG,
        base_url=site.url,
        client_factory=new_client,
        clock=clock or Clock(NOW),
        config_path=config,
    )


async def test_plus_follows_and_unfollows_the_tag_keeping_the_users_comments(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, "# my reading list\npins = []\n")
    app = make_app(seeded_store(), config_path=config)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert not title_of(app).endswith("followed")
        await pilot.press("plus")
        await settle(pilot)
        assert load_settings(config).follow == (TAG,)
        assert "# my reading list" in config.read_text(encoding="utf-8")
        assert title_of(app).endswith("· followed")
        assert any("Following “training-data”" in note for note in notes(app))
        await pilot.press("plus")
        await settle(pilot)
        assert load_settings(config).follow == ()
        assert not title_of(app).endswith("followed")


async def test_capital_r_refreshes_every_followed_tag_with_progress(
    site: SiteServer, tmp_path: Path
) -> None:
    for tag in (TAG, "llms", "sqlite"):
        site.add_tag(tag, own_posts(tag, 12))
    config = write_config(tmp_path, 'follow = ["training-data", "llms", "sqlite"]\n')
    gate = threading.Event()
    store = Store(":memory:")
    app = online_app(store, site, config)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)  # the start-up refresh of the tag shown
        site.set_fault("/tags/sqlite.atom", Fault(gate=gate))
        await pilot.press("R")
        for _ in range(100):
            await pilot.pause(0.02)
            if "of 3 · sqlite" in str(main_of(app).query_one(StatusBar).render()):
                break
        line = str(main_of(app).query_one(StatusBar).render())
        assert "of 3 · sqlite" in line
        gate.set()
        await settle(pilot)
        assert "refreshing" not in str(main_of(app).query_one(StatusBar).render())
        assert any(re.fullmatch(r"1\d new posts in llms, 1\d in sqlite", n) for n in notes(app))
        assert {len(store.list_posts(tag)) for tag in ("llms", "sqlite")} == {12}
        assert len(site.requests_to(f"/tags/{TAG}.atom")) == 1  # skipped: fetched < 10 min ago


async def test_one_failing_tag_is_reported_and_the_others_refresh(
    site: SiteServer, tmp_path: Path
) -> None:
    site.add_tag(TAG, own_posts(TAG, 5))
    site.add_tag("llms", own_posts("llms", 4))
    site.add_tag("new-name", own_posts("new-name", 3))
    site.rename("old-name", "new-name")
    config = write_config(tmp_path, 'follow = ["old-name", "nope", "llms"]\n')
    store = Store(":memory:")
    app = online_app(store, site, config)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert len(store.list_posts("llms")) == 4
        said = "\n".join(notes(app))
        assert "old-name" in said and "renamed" in said and "new-name" in said
        assert "nope" in said
        await pilot.press("F")
        await settle(pilot)
        overview = app.screen
        assert isinstance(overview, FollowedScreen)
        rows = [str(option.prompt) for option in overview.options.options]
        assert any("old-name" in row and "renamed to new-name" in row for row in rows)
        overview.options.highlighted = next(
            i for i, row in enumerate(rows) if row.startswith("old-name")
        )
        await pilot.press("ctrl+f")  # follow the new name instead
        await settle(pilot)
        follow = load_settings(config).follow
        assert "new-name" in follow and "old-name" not in follow


async def test_the_overview_sorts_by_unread_filters_and_opens_a_tag(
    site: SiteServer, tmp_path: Path
) -> None:
    app = two_followed_tags(tmp_path, also_in_llms=3)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        overview = app.screen
        assert isinstance(overview, FollowedScreen)
        options = overview.options.options
        followed = [o.tag for o in options if isinstance(o, TagRow) and o.followed]
        assert followed[:2] == [TAG, "llms"]  # most unread first
        await pilot.press(*"llm")
        await settle(pilot)
        assert overview.options.highlighted_option is not None
        assert getattr(overview.options.highlighted_option, "tag", None) == "llms"
        await pilot.press("enter")
        await settle(pilot)
        assert main_of(app).tag == "llms"


async def test_capital_u_lists_unread_posts_across_followed_tags(tmp_path: Path) -> None:
    app = two_followed_tags(tmp_path, also_in_llms=2)
    store = app.store
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        screen = main_of(app)
        unread_before = len(screen.post_list.posts)
        assert title_of(app).startswith("Unread in 2 followed tags")
        assert unread_before == len(store.list_posts(TAG)) - 1  # the first post was opened
        await pilot.press("j", "enter")
        await settle(pilot)
        opened = screen.shown_post
        assert opened is not None and store.is_read(opened.id)
        await pilot.press("U")
        await settle(pilot)
        assert title_of(app).startswith("12 posts tagged")


async def test_auto_refresh_follows_the_clock_and_never_runs_offline(
    site: SiteServer, tmp_path: Path
) -> None:
    site.add_tag(TAG, own_posts(TAG, 6))
    site.add_tag("llms", own_posts("llms", 2))
    config = write_config(tmp_path, 'follow = ["llms"]\nrefresh_minutes = 15\n')
    clock = Clock(NOW)
    app = online_app(Store(":memory:"), site, config, clock=clock)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        following = main_of(app).query_one(Following)
        following.tick()  # not due yet
        await settle(pilot)
        assert site.requests_to("/tags/llms.atom") == []
        clock.now = NOW + timedelta(minutes=16)
        following.tick()
        await settle(pilot)
        assert len(site.requests_to("/tags/llms.atom")) == 1
        assert any("2 new posts in llms" in note for note in notes(app))
        following.tick()  # just refreshed: not again
        await settle(pilot)
        assert len(site.requests_to("/tags/llms.atom")) == 1

    offline = make_app(seeded_store(), config_path=config, base_url=BASE_URL)
    async with offline.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        following = main_of(offline).query_one(Following)
        following.tick()
        await settle(pilot)
        assert not following.refreshing
