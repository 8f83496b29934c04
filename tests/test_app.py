"""The reader app driven with Pilot: list, navigation, reading, offline states, help, safety."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Markdown

from tests.app_support import (
    HOSTILE_TITLE,
    STANDARD_COUNTS,
    TAG,
    failing_client,
    make_app,
    make_post,
    record_browser,
    seeded_store,
    settle,
    year_posts,
)
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import PostSummary
from tui_reader.screens.help import HelpScreen
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.post_list import PostList, YearRow
from tui_reader.widgets.reading_pane import ReadingPane
from tui_reader.widgets.status_bar import StatusBar, describe_age


def screen_of(app: ReaderApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def highlighted_id(app: ReaderApp) -> str | None:
    post = screen_of(app).post_list.highlighted_post
    return post.id if post else None


def status_line(app: ReaderApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


def list_text(app: ReaderApp) -> str:
    post_list = screen_of(app).post_list
    return "\n".join(post_list.render_line(y).text for y in range(post_list.size.height))


# -- the list ----------------------------------------------------------------------------------


async def test_posts_are_grouped_by_year_with_counts() -> None:
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        post_list = screen_of(app).post_list
        headers = [row for row in post_list.rows if isinstance(row, YearRow)]
        assert [(h.year, h.count) for h in headers] == sorted(STANDARD_COUNTS.items(), reverse=True)
        assert len([row for row in post_list.rows if isinstance(row, PostSummary)]) == 12
        title = app.screen.query_one("#list-pane").border_title
        assert str(title) == "12 posts tagged “training-data”"
        text = list_text(app)
        assert "2025 · 4" in text and "2024 · 3" in text and "2023 · 5" in text
        assert "28th Nov  entry    Post number 0 about tides" in text


async def test_first_post_is_highlighted_and_shown_on_start() -> None:
    store = seeded_store()
    newest = store.list_posts(TAG)[0]
    app = make_app(store)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert highlighted_id(app) == newest.id
        assert app.screen.query_one(ReadingPane).post_id == newest.id
        assert app.focused is screen_of(app).post_list


async def test_navigation_keys_skip_year_headings() -> None:
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j")  # past the 2024 heading
        assert highlighted_id(app) == ids[4]
        await pilot.press("k")
        assert highlighted_id(app) == ids[3]
        await pilot.press("down", "up", "up")
        assert highlighted_id(app) == ids[2]
        await pilot.press("G")
        assert highlighted_id(app) == ids[-1]
        await pilot.press("g")
        assert highlighted_id(app) == ids[0]
        await pilot.press("end")
        assert highlighted_id(app) == ids[-1]
        await pilot.press("home")
        assert highlighted_id(app) == ids[0]
        await pilot.press("pagedown")
        assert highlighted_id(app) == ids[-1]  # the whole list fits on one page
        await pilot.press("pageup")
        assert highlighted_id(app) == ids[0]


async def test_holding_j_renders_only_the_post_the_cursor_stops_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str | None] = []
    original = ReadingPane.show_post

    def recording(self: ReadingPane, post: object, *, line: int = 0) -> None:
        shown.append(getattr(post, "id", None))
        original(self, post, line=line)  # type: ignore[arg-type]

    monkeypatch.setattr(ReadingPane, "show_post", recording)
    # A generous debounce: on a loaded machine key presses can be ~100 ms apart.
    monkeypatch.setattr(MainScreen, "SHOW_DELAY", 0.5)
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert shown == [ids[0]]
        await pilot.press(*"jjjjjjj")
        await settle(pilot)
        assert shown == [ids[0], ids[7]]


# -- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["enter", "l"])
async def test_enter_and_l_open_the_post_and_focus_the_pane(key: str) -> None:
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("j", "j", key)
        await settle(pilot)
        pane = app.screen.query_one(ReadingPane)
        assert app.focused is pane
        assert pane.post_id == ids[2]
        shown = screen_of(app).shown_post
        assert shown is not None and shown.markdown.startswith("Body of post 2.")


@pytest.mark.parametrize("key", ["h", "escape"])
async def test_h_and_escape_go_back_to_the_list(key: str) -> None:
    app = make_app(seeded_store())
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ReadingPane)
        await pilot.press(key)
        assert isinstance(app.focused, PostList)


async def test_tab_switches_panes() -> None:
    app = make_app(seeded_store())
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, ReadingPane)
        await pilot.press("tab")
        assert isinstance(app.focused, PostList)


async def test_n_and_p_move_between_posts_from_the_reading_pane() -> None:
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "enter")
        await settle(pilot)
        pane = app.screen.query_one(ReadingPane)
        await pilot.press("n")  # crosses the 2024 heading
        await settle(pilot)
        assert app.focused is pane
        assert pane.post_id == ids[4]
        await pilot.press("p", "p")
        await settle(pilot)
        assert pane.post_id == ids[2]
        assert highlighted_id(app) == ids[2]


async def test_mouse_click_selects_a_post() -> None:
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.click(PostList, offset=(10, 3))  # row 3: heading, post 0, 1, then post 2
        await settle(pilot)
        assert app.screen.query_one(ReadingPane).post_id == ids[2]


async def test_o_opens_web_addresses_only(monkeypatch: pytest.MonkeyPatch) -> None:
    when = datetime(2025, 5, 1, tzinfo=UTC)
    good = make_post(1, when)
    bad = make_post(2, when.replace(day=2))
    bad = type(bad)(**{**{f: getattr(bad, f) for f in bad.__slots__}, "url": "javascript:x()"})
    app = make_app(seeded_store([good, bad]))
    opened = record_browser(app, monkeypatch)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the newest: javascript:
        await pilot.press("j", "o")
        await settle(pilot)
        assert opened == [good.url]
        messages = [n.message for n in app._notifications]
        assert any("only http and https" in m for m in messages)
        assert f"Opening {good.url}" in messages


# -- cache, refresh and offline ----------------------------------------------------------------


async def test_offline_with_cache_shows_the_cache_and_the_offline_indicator() -> None:
    def no_network() -> object:
        raise AssertionError("--offline must not touch the network")

    app = make_app(seeded_store(), offline=True, client_factory=no_network)  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        await settle(pilot)
        assert status_line(app) == "training-data · offline · cached 3 h ago"
        await pilot.press("r")
        await settle(pilot)
        assert len(screen_of(app).post_list.posts) == 12


async def test_offline_with_nothing_cached_explains_what_to_do() -> None:
    app = make_app(Store(":memory:"), offline=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen.has_class("-empty")
        empty = str(app.screen.query_one("#empty").render())
        assert "Nothing cached for “training-data”" in empty
        assert "--offline" in empty and "tui-reader --demo" in empty
        assert status_line(app) == "training-data · offline · nothing cached"
        await pilot.press("j", "enter", "n", "o", "tab")  # nothing to act on: no crash
        await settle(pilot)


async def test_network_failure_keeps_the_cache_and_shows_the_error() -> None:
    app = make_app(seeded_store(), offline=False, client_factory=failing_client)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        status = status_line(app)
        assert status.startswith("training-data · offline · cached 3 h ago")
        assert "⚠ Could not find the host simonwillison.net." in status
        assert len(screen_of(app).post_list.posts) == 12
        assert any(n.severity == "error" for n in app._notifications)


async def test_network_failure_with_nothing_cached_says_so() -> None:
    app = make_app(Store(":memory:"), offline=False, client_factory=failing_client)
    async with app.run_test() as pilot:
        await settle(pilot)
        empty = str(app.screen.query_one("#empty").render())
        assert "Could not download “training-data”" in empty
        assert "Could not find the host" in empty
        assert "Press r to try again" in empty


def test_describe_age() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert describe_age(now, now) == "just now"
    assert describe_age(now.replace(hour=11, minute=48), now) == "12 min ago"
    assert describe_age(now.replace(hour=9), now) == "3 h ago"
    assert describe_age(now.replace(day=1, month=2), now) == "28 d ago"


# -- help, palette -----------------------------------------------------------------------------


async def test_help_lists_every_key_from_the_bindings() -> None:
    app = make_app(seeded_store())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one(Markdown).source
        for row in (
            "| `j`, `↓` | Next row |",
            "| `Enter`, `l` | Open the highlighted post and focus it |",
            "| `h`, `Esc` | Return to the post list |",
            "| `n` | Read the next (older) post |",
            "| `p` | Read the previous (newer) post |",
            "| `Tab` | Move between the list and the reading pane |",
            "| `o` | Open the linked page of a link post, else the post (http/https only) |",
            "| `O` | Open the post itself on the blog |",
            "| `m` | Mark the post read or unread (opening a post marks it read) |",
            "| `r` | Fetch new posts for this tag |",
            "| `?` | Show every key |",
            "| `q` | Quit tui-reader |",
            "| `Ctrl+P` | Search and run any action (command palette) |",
            "| `Space`, `PgDn` |",
        ):
            assert row in source, row
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_offers_the_actions() -> None:
    app = make_app(seeded_store())
    async with app.run_test() as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Refresh", "Next post", "Previous post", "Open in browser", "Help"} <= titles
        assert {"Read", "Switch pane", "Quit"} <= titles


async def test_command_palette_runs_an_action() -> None:
    store = seeded_store()
    ids = [p.id for p in store.list_posts(TAG)]
    app = make_app(store)
    async with app.run_test() as pilot:
        await settle(pilot)
        (command,) = [c for c in app.get_system_commands(app.screen) if c.title == "Next post"]
        await command.callback()
        await settle(pilot)
        assert highlighted_id(app) == ids[1]


# -- hostile text ------------------------------------------------------------------------------


async def test_markup_in_titles_is_shown_literally_and_is_inert() -> None:
    post = make_post(1, datetime(2025, 5, 1, tzinfo=UTC), title=HOSTILE_TITLE)
    app = make_app(seeded_store([post]))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        assert "[bold]x[/bold] and [@cli" in list_text(app)
        assert screen_of(app).post_list.rows[1] == post.summary
        await pilot.click(PostList, offset=(40, 1))
        await pilot.click(PostList, offset=(40, 1))
        await settle(pilot)
        assert app.is_running
        assert app.screen.query_one(ReadingPane).post_id == post.id


async def test_control_characters_in_titles_never_reach_the_terminal() -> None:
    post = make_post(1, datetime(2025, 5, 1, tzinfo=UTC), title="Evil\x1b]0;pwned\x07 title")
    app = make_app(seeded_store([post]))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        text = list_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "Evil]0;pwned title" in text


# -- scale -------------------------------------------------------------------------------------


async def test_thousands_of_posts_stay_usable() -> None:
    counts = {year: 250 for year in range(2010, 2026)}  # 4,000 posts
    store = seeded_store(year_posts(counts))
    app = make_app(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        post_list = screen_of(app).post_list
        assert len(post_list.posts) == 4000
        await pilot.press("G")
        await settle(pilot)
        assert highlighted_id(app) == post_list.posts[-1].id
        assert sum(isinstance(row, YearRow) for row in post_list.rows) == 16
