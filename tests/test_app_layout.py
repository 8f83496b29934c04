"""A screen that reads well at any size: the pane's measure, hiding the list (``z``), and a list
that keeps room for titles in a narrow terminal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.geometry import Region

from tests.app_support import TAG, make_app, seeded_store, settle, year_posts
from tests.test_app_reading import LINK_TARGET, kinds_store
from tests.test_app_tags import main_of
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Post
from tui_reader.widgets.post_list import (
    DATE_WIDTH,
    KIND_WIDTH,
    MARK_WIDTH,
    MIN_TITLE,
    row_columns,
)
from tui_reader.widgets.reading_pane import ReadingPane
from tui_reader.widgets.status_bar import StatusBar

LONG_TITLE = "A very long title about the lanterns of the harbour " * 3
LONG_BODY = " ".join(f"word{n}" for n in range(300))


def long_posts() -> list[Post]:
    """The standard twelve posts (plus more, so the list scrolls), with long titles and a
    long paragraph."""
    posts = year_posts({2025: 30, 2024: 10})
    return [replace(post, title=LONG_TITLE.strip(), markdown=LONG_BODY) for post in posts]


def long_store() -> Store:
    return seeded_store(long_posts())


def longest(text: str) -> int:
    return max(cell_len(line.rstrip()) for line in text.splitlines())


def first_post_row(app: ReaderApp) -> str:
    post_list = main_of(app).post_list
    return post_list.render_line(1 - post_list.scroll_offset.y).text  # row 0: the year


def title_cells(row: str) -> int:
    """Cells of the title drawn in ``row`` (the ellipsis included)."""
    return cell_len(row[row.index("A very") :].rstrip())


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (28, (0, 0)),  # at 80 columns, inside the border and the scrollbar: the title alone
        (MARK_WIDTH + DATE_WIDTH + 2 + MIN_TITLE, (DATE_WIDTH, 0)),
        (MARK_WIDTH + DATE_WIDTH + 2 + KIND_WIDTH + 2 + MIN_TITLE - 1, (DATE_WIDTH, 0)),
        (MARK_WIDTH + DATE_WIDTH + 2 + KIND_WIDTH + 2 + MIN_TITLE, (DATE_WIDTH, KIND_WIDTH)),
        (200, (DATE_WIDTH, KIND_WIDTH)),
    ],
)
def test_row_columns_make_way_for_the_title(width: int, expected: tuple[int, int]) -> None:
    assert row_columns(width, KIND_WIDTH) == expected
    date, second = row_columns(width, KIND_WIDTH)
    used = MARK_WIDTH + (date + 2 if date else 0) + (second + 2 if second else 0)
    assert width - used >= min(MIN_TITLE, width - MARK_WIDTH)


@pytest.mark.parametrize(
    ("size", "date", "kind", "room"),
    [
        ((80, 30), False, False, 26),  # was 7 (6 letters and an ellipsis) before issue 13
        ((100, 30), True, False, 24),
        ((120, 36), True, True, 23),
        ((160, 36), True, True, 39),
    ],
)
async def test_titles_keep_room_in_a_narrow_list(
    size: tuple[int, int], date: bool, kind: bool, room: int
) -> None:
    app = make_app(long_store())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        row = first_post_row(app)
        assert ("28th Nov" in row) is date
        assert ("entry" in row) is kind
        assert title_cells(row) == room
        assert row.rstrip().endswith("…")


@pytest.mark.parametrize(("width", "tags_shown"), [(80, False), (160, True)])
async def test_a_narrow_unread_list_drops_the_tags_column_for_the_title(
    tmp_path: Path, width: int, tags_shown: bool
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'follow = ["{TAG}"]\n', encoding="utf-8")
    app = make_app(long_store(), config_path=config)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        assert main_of(app).post_list.posts[0].tags  # the unread list: rows name their tags
        row = first_post_row(app)
        assert (TAG in row) is tags_shown
        assert title_cells(row) >= MIN_TITLE


@pytest.mark.parametrize("size", [(80, 30), (120, 36), (160, 40), (220, 40)])
async def test_the_body_and_header_stop_at_the_measure(size: tuple[int, int]) -> None:
    app = make_app(long_store())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pane = main_of(app).reading_pane
        room = pane.scrollable_content_region.width
        measure = min(room, ReadingPane.MAX_TEXT_WIDTH)
        lines = pane.plain_text.splitlines()
        body = lines[pane.line_count - pane.body_line_count :]
        assert longest("\n".join(body)) in range(measure - 12, measure + 1)
        header = lines[: pane.line_count - pane.body_line_count]
        assert longest("\n".join(header)) <= measure
        assert "─" * measure in header  # the rule under the header spans the measure
        if size[0] >= 200:
            assert room > ReadingPane.MAX_TEXT_WIDTH + 10  # the rest of the pane is blank


async def test_z_hides_the_list_to_read_at_full_width_and_brings_it_back() -> None:
    app = make_app(long_store())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = main_of(app)
        pane, post_list = screen.reading_pane, screen.post_list
        list_pane = screen.query_one("#list-pane")
        assert app.focused is post_list
        narrow = pane.size.width
        assert longest(pane.plain_text) < ReadingPane.MAX_TEXT_WIDTH

        await pilot.press("z")
        await settle(pilot)
        assert screen.list_hidden and not list_pane.display
        assert app.focused is pane  # the pane takes the focus from the hidden list
        assert pane.size.width > narrow + 40
        assert longest(pane.plain_text) == ReadingPane.MAX_TEXT_WIDTH

        first = pane.post_id
        for key in ("j", "space", "n", "n", "f", "f", "f", "f", "f", "enter", "l", "m"):
            await pilot.press(key)  # list keys while it is hidden: nothing breaks
        await settle(pilot)
        assert pane.post_id != first  # n reads the next posts without the list
        assert pane.post_id == post_list.highlighted_post.id  # type: ignore[union-attr]
        assert app.focused is pane and screen.list_hidden

        await pilot.press("z")
        await settle(pilot)
        assert not screen.list_hidden and list_pane.display
        assert app.focused is pane  # brought back: still reading
        cursor = post_list.highlighted
        assert cursor is not None
        top = post_list.scroll_offset.y
        assert top <= cursor < top + post_list.size.height  # the cursor row is in view
        assert pane.size.width == narrow


@pytest.mark.parametrize("key", ["h", "escape", "tab"])
async def test_going_to_the_hidden_list_brings_it_back(key: str) -> None:
    app = make_app(long_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = main_of(app)
        await pilot.press("z")
        await settle(pilot)
        assert screen.list_hidden
        await pilot.press(key)
        await settle(pilot)
        assert not screen.list_hidden
        assert app.focused is screen.post_list


async def test_a_link_is_clicked_at_full_width(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(kinds_store())
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        pane = main_of(app).reading_pane
        await pilot.press("z")
        await settle(pilot)
        lines = pane.plain_text.splitlines()
        row = next(i for i, line in enumerate(lines) if i > 3 and LINK_TARGET in line)
        column = lines[row].index(LINK_TARGET)
        region = pane.scrollable_content_region
        offset = (region.x - pane.region.x + column + 2, region.y - pane.region.y + row)
        await pilot.click(ReadingPane, offset=offset)
        await settle(pilot)
        assert opened == [LINK_TARGET]


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (197, 51)])
async def test_the_panes_cover_their_hidden_container(size: tuple[int, int]) -> None:
    """The panes' container is not drawn (``visibility: hidden``: nothing of its own to draw);
    the two panes, drawn, must cover it, with the list shown and hidden."""
    app = make_app(long_store())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = main_of(app)
        panes = screen.query_one("#panes")
        list_pane = screen.query_one("#list-pane")
        assert not panes.visible and list_pane.visible and screen.reading_pane.visible
        assert screen.post_list.visible and app.focused is screen.post_list
        status = screen.query_one(StatusBar)
        for hidden in (False, True):
            area = Region(0, 0, app.size.width, status.region.y)  # everything above the status
            shown = [w for w in (list_pane, screen.reading_pane) if w.display]
            assert sum(w.region.area for w in shown) == area.area
            assert all(area.contains_region(w.region) for w in shown)
            assert screen.list_hidden is hidden
            await pilot.press("z")
            await settle(pilot)
