"""A long list paints its newest posts at once; the rest is read in the background."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.app_support import TAG, make_app, seeded_store, settle, year_posts
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import PostSummary
from tui_reader.core.user.reader_state import ReaderState, save_state
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.post_list import YearRow

COUNTS = {2025: 30, 2024: 20, 2023: 10}


def headings(screen: MainScreen) -> list[tuple[int, int]]:
    return [(r.year, r.count) for r in screen.post_list.rows if isinstance(r, YearRow)]


def title(screen: MainScreen) -> str:
    return str(screen.query_one("#list-pane").border_title)


def held_whole_list(store: Store, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make reading the whole list wait for the returned event (the newest posts do not)."""
    gate = threading.Event()
    read = store.list_posts

    def list_posts(tag: str, *, limit: int | None = None) -> list[PostSummary]:
        if limit is None:
            gate.wait(10)
        return read(tag, limit=limit)

    monkeypatch.setattr(store, "list_posts", list_posts)
    return gate


def main_of(app: ReaderApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def first_frame(pilot: Pilot[None]) -> MainScreen:
    await pilot.pause()
    return main_of(pilot.app)


@pytest.fixture
def first_rows(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(MainScreen, "FIRST_ROWS", 10)
    return 10


async def test_the_newest_posts_show_with_the_whole_lists_counts(
    first_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded_store(year_posts(COUNTS))
    gate = held_whole_list(store, monkeypatch)
    app = make_app(store)
    async with app.run_test() as pilot:
        main = await first_frame(pilot)
        assert len(main.post_list.posts) == first_rows
        assert title(main) == f"60 posts tagged “{TAG}”"
        assert headings(main) == [(2025, 30)]
        assert main.post_list.virtual_size.height == 63  # the whole list's rows: a true scrollbar
        read = [p for p in main.post_list.posts if main.post_list.is_read(p.id)]
        assert main.post_list.unread_in(2025) == 30 - len(read)  # the whole year's unread
        await pilot.press("j", "j")
        chosen = main.post_list.highlighted_post
        gate.set()
        await settle(pilot)
        assert len(main.post_list.posts) == 60
        assert headings(main) == [(2025, 30), (2024, 20), (2023, 10)]
        assert main.post_list.virtual_size.height == len(main.post_list.rows) == 63
        assert main.post_list.highlighted_post == chosen  # the cursor stayed where it was
        assert title(main) == f"60 posts tagged “{TAG}”"
        await pilot.press("G")
        assert main.post_list.highlighted_post == main.post_list.posts[-1]


async def test_a_short_list_is_read_whole_at_once(
    first_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded_store(year_posts({2025: 6, 2024: 3}))
    held_whole_list(store, monkeypatch)  # never released: it must not be needed
    app = make_app(store)
    async with app.run_test() as pilot:
        main = await first_frame(pilot)
        assert len(main.post_list.posts) == 9
        assert headings(main) == [(2025, 6), (2024, 3)]


async def test_a_saved_place_further_down_is_read_before_the_first_paint(
    first_rows: int, tmp_path: Path
) -> None:
    store = seeded_store(year_posts(COUNTS))
    deep = store.list_posts(TAG)[45]
    state = tmp_path / "state.json"
    save_state(state, ReaderState(last_tag=TAG, cursors={TAG: deep.id}))
    app = make_app(store, state_path=state)
    async with app.run_test() as pilot:
        main = await first_frame(pilot)
        assert len(main.post_list.posts) == 60
        assert main.post_list.highlighted_post == deep
