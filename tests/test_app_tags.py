"""Switching tags: the switcher, the open post's tags, history, pins, the palette, combined
tags, cursor memory, and the renamed / unknown tag cases."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from textual.command import CommandList
from textual.widgets import Input, Static

from tests.app_support import FETCHED, NOW, TAG, make_app, make_post, settle
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tui_reader.app import ReaderApp, _last_tag
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Post
from tui_reader.core.user.reader_state import load_state
from tui_reader.core.user.settings import load_settings
from tui_reader.screens.main import MainScreen
from tui_reader.screens.tag_switcher import TagOption, TagSwitcher
from tui_reader.widgets.reading_pane import ReadingPane
from tui_reader.widgets.status_bar import StatusBar

SIZE = (120, 36)


def tagged_posts() -> list[Post]:
    """Twelve posts: all carry TAG; evens carry llms, multiples of 3 carry copyright."""
    posts = []
    for n in range(12):
        tags = [TAG, "ai"]
        if n % 2 == 0:
            tags.append("llms")
        if n % 3 == 0:
            tags.append("copyright")
        post = make_post(n, NOW - timedelta(days=20 * n + 1))
        posts.append(replace(post, tags=tuple(tags)))
    return posts


def store_with_tags() -> Store:
    """TAG and llms fetched; copyright and ai only seen on posts."""
    store = Store(":memory:")
    posts = tagged_posts()
    store.merge(TAG, posts, fetched_at=FETCHED)
    store.merge("llms", [p for p in posts if "llms" in p.tags], fetched_at=FETCHED)
    return store


def screen_of(app: ReaderApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def main_of(app: ReaderApp) -> MainScreen:
    """The reading screen, even under a modal."""
    screen = app.screen_stack[0] if not isinstance(app.screen, MainScreen) else app.screen
    assert isinstance(screen, MainScreen)
    return screen


def titles(app: ReaderApp) -> set[str]:
    return {post.title for post in main_of(app).post_list.posts}


def list_title(app: ReaderApp) -> str:
    return str(main_of(app).query_one("#list-pane").border_title)


def messages(app: ReaderApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_switcher_filters_fuzzily_and_switches() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        listed = [o.tag for o in switcher.options.options if isinstance(o, TagOption)]
        assert set(listed) == {TAG, "llms", "ai", "copyright"}
        row = str(switcher.options.get_option("tag:llms").prompt)
        assert "6 posts cached · 5 unread · fetched 3 h ago" in row  # the first is read
        await pilot.press(*"lms")  # fuzzy: l…m…s
        await settle(pilot)
        assert isinstance(switcher.options.highlighted_option, TagOption)
        assert switcher.options.highlighted_option.tag == "llms"
        await pilot.press("enter")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.tag == "llms"
        assert list_title(app) == "6 posts tagged “llms”"
        assert len(screen.post_list.posts) == 6
        assert str(screen.query_one(StatusBar).render()).startswith("llms · ")


async def test_a_tag_seen_only_on_posts_opens_from_the_cache_offline() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"copyright", "enter")
        await settle(pilot)
        assert screen_of(app).tag == "copyright"
        assert len(screen_of(app).post_list.posts) == 4


async def test_invalid_tag_is_refused_in_the_prompt_before_any_request(
    site: SiteServer,
) -> None:
    site.add_tag(TAG, sample_posts(TAG, 5))
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        site.clear_requests()
        await pilot.press("t", *"../etc", "enter")
        await settle(pilot)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)  # still open
        error = str(switcher.query_one("#switcher-error", Static).render())
        assert "not a valid tag" in error
        await pilot.press("escape")
        await settle(pilot)
        assert screen_of(app).tag == TAG
        assert site.requests == []


async def test_a_new_tag_is_fetched_with_progress_then_shown(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 5))
    site.add_tag("copyright", sample_posts("copyright", 7), description="Copyright")
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        gate = threading.Event()
        site.set_fault("/tags/copyright.atom", Fault(gate=gate))
        await pilot.press("t", *"copyright", "enter")  # enter first hears from the site
        screen = main_of(app)
        for _ in range(50):  # (the switcher asks the site, then the cache is read: threads)
            await pilot.pause(0.1)
            if "opening" in str(screen.query_one(StatusBar).render()):
                break
        assert "opening “copyright”" in str(screen.query_one(StatusBar).render())
        assert screen.tag == TAG  # the user keeps reading meanwhile
        gate.set()
        await settle(pilot)
        assert screen.tag == "copyright"
        assert len(screen.post_list.posts) == 7
        assert "opening" not in str(screen.query_one(StatusBar).render())


async def test_site_suggestions_are_listed_as_you_type(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 3))
    site.add_tag("prompt-injection", sample_posts("prompt-injection", 4))
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"prompt")
        await pilot.pause(TagSwitcher.SUGGEST_DELAY + 0.1)
        await settle(pilot)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        tags = [o.tag for o in switcher.options.options if isinstance(o, TagOption)]
        assert "prompt-injection" in tags
        assert any(site.requests_to("/tags-autocomplete/"))


async def test_unknown_tag_says_so_and_stays(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 5))
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        before = screen_of(app).post_list.posts
        await pilot.press("t", *"no-such-tag", "enter")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.tag == TAG
        assert screen.post_list.posts == before
        assert any("There is no tag 'no-such-tag'" in m for m in messages(app))
        assert not screen.history.can_go_back


async def test_renamed_tag_offers_the_new_name(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 5))
    site.add_tag("new-name", sample_posts("new-name", 6))
    site.rename("old-name", "new-name")
    app = make_app(Store(":memory:"), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"old-name", "enter")
        await settle(pilot)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        assert switcher.query_one(Input).value == "new-name"
        note = str(switcher.query_one("#switcher-note", Static).render())
        assert "“old-name” was renamed to “new-name”" in note
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).tag == "new-name"
        assert len(screen_of(app).post_list.posts) == 6


async def test_choosing_a_tag_of_the_open_post_keeps_the_post_highlighted() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # post 2: tags TAG, ai, llms
        await settle(pilot)
        screen = screen_of(app)
        chosen = screen.post_list.highlighted_post
        assert chosen is not None
        pane = screen.query_one(ReadingPane)
        assert pane.post_tags == [TAG, "ai", "llms"]
        await pilot.press("T")
        assert pane.chosen_tag == TAG
        await pilot.press("right", "right")
        assert pane.chosen_tag == "llms"
        assert "←/→ choose" in pane.plain_text
        await pilot.press("enter")
        await settle(pilot)
        assert screen.tag == "llms"
        assert screen.post_list.highlighted_post == chosen
        assert pane.chosen_tag is None


async def test_escape_stops_choosing_then_goes_back_to_the_list() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "T")
        pane = screen_of(app).query_one(ReadingPane)
        assert pane.chosen_tag == TAG
        await pilot.press("escape")
        assert pane.chosen_tag is None
        assert app.focused is pane
        await pilot.press("escape")
        assert app.focused is screen_of(app).post_list


async def test_clicking_a_tag_in_the_header_switches() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = screen_of(app).query_one(ReadingPane)
        lines = pane.plain_text.splitlines()
        row = next(i for i, line in enumerate(lines) if line.startswith("Tags: "))
        column = lines[row].index("copyright")
        region = pane.scrollable_content_region
        await pilot.click(
            ReadingPane,
            offset=(region.x - pane.region.x + column + 1, region.y - pane.region.y + row),
        )
        await settle(pilot)
        assert screen_of(app).tag == "copyright"


async def test_history_back_forward_and_flip() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        screen.switch_tag("llms")
        await settle(pilot)
        screen.switch_tag("copyright")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.tag == "llms"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.tag == TAG
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.tag == "llms"
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.tag == TAG
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.tag == "llms"


async def test_pins_jump_and_pinning_writes_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# my pins\npins = ["copyright", "llms"]\n')
    app = make_app(store_with_tags(), config_path=config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert screen_of(app).tag == "llms"
        await pilot.press("1")
        await settle(pilot)
        assert screen_of(app).tag == "copyright"
        await pilot.press("5")
        await settle(pilot)
        assert screen_of(app).tag == "copyright"
        assert any("No tag is pinned to 5" in m for m in messages(app))
        screen_of(app).switch_tag("ai")
        await settle(pilot)
        await pilot.press("P")
        assert load_settings(config).pins == ("copyright", "llms", "ai")
        assert "# my pins" in config.read_text()
        assert any("press 3 to come back" in m for m in messages(app))
        await pilot.press("P")
        assert load_settings(config).pins == ("copyright", "llms")


async def test_palette_offers_go_to_tag() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"go to tag: copyright")
        for _ in range(100):  # the palette searches in the background: wait for its results
            await pilot.pause(0.05)
            found = app.screen.query(CommandList)
            first = (
                found.first().get_option_at_index(0)
                if found and found.first().option_count
                else None
            )
            if first is not None and "copyright" in str(first.prompt):
                break
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).tag == "copyright"


async def test_combined_tags_show_posts_carrying_all() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", *"llms+copyright", "enter")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.tag == "llms+copyright"
        expected = {p.title for p in tagged_posts() if {"llms", "copyright"} <= set(p.tags)}
        assert titles(app) == expected
        assert list_title(app) == f"{len(expected)} posts tagged “llms” and “copyright”"


async def test_each_tag_remembers_its_cursor_across_switches_and_restarts(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    store = store_with_tags()
    app = make_app(store, state_path=state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        await settle(pilot)
        screen = screen_of(app)
        on_tag = screen.post_list.highlighted_post
        screen.switch_tag("llms")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        on_llms = screen.post_list.highlighted_post
        assert on_llms is not None
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.tag == TAG
        assert screen.post_list.highlighted_post == on_tag
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.post_list.highlighted_post == on_llms
    saved = load_state(state)
    assert saved.last_tag == "llms"
    assert _last_tag(store, state) == "llms"
    again = make_app(store, tag="llms", state_path=state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen_of(again).post_list.highlighted_post == on_llms


async def test_offline_switch_to_an_uncached_tag_stays_and_says_why() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t", *"never-seen", "enter")
        await settle(pilot)
        assert screen_of(app).tag == TAG
        assert any("Nothing is cached for “never-seen”" in m for m in messages(app))
