"""Terminal graphics in the reading pane, against the loopback site.

Kitty (``images = "kitty"``): the pane's lines hold placeholder cells where the blocks would
be, each picture is sent to the terminal once (scrolling, repainting and coming back to the
post send nothing more), and a picture is deleted from the terminal when its post is left and
when the app ends. Sixel (``images = "sixel"``): the rows are blank lines, each drawn over
where it is on screen after the frame, again where it moves to when scrolled, never under
another screen. Without a terminal, "auto" draws blocks and writes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.app_support import settle
from tests.picture_support import block_lines, png, serve_pictures
from tests.site_server import SiteServer
from tests.test_pictures_app import SIZE, open_post, picture_app, pictures_settled
from tui_reader.app import ReaderApp
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.picture_kitty import PLACEHOLDER

KITTY = 'images = "kitty"\n'


@pytest.fixture(autouse=True)
def truecolor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app writes 24-bit colours (as in kitty, which sets COLORTERM)."""
    monkeypatch.setenv("COLORTERM", "truecolor")


def capture(app: ReaderApp) -> list[str]:
    """Everything the app writes to its driver from now on."""
    written: list[str] = []
    driver = app._driver
    assert driver is not None
    original = driver.write

    def write(data: str) -> None:
        written.append(data)
        original(data)

    driver.write = write  # type: ignore[method-assign]
    return written


def red_box(tmp_path: Path, site: SiteServer, settings: str) -> ReaderApp:
    """The reader on one post holding one small picture, with ``settings``."""
    urls = serve_pictures(site)
    return picture_app(tmp_path, site, [("A red box", urls["png"])], settings=settings)


async def sent_once(pilot: Pilot[None], app: ReaderApp) -> tuple[list[str], str]:
    """Open the post, recording what the app writes: the record, and the id of the one
    picture it sent."""
    written = capture(app)
    await open_post(pilot)
    (image_id,) = transmits(written)
    return written, image_id


def graphics(written: list[str]) -> list[str]:
    """The graphics commands' control data, in order."""
    return re.findall(r"\x1b_G([^;\x1b]*)", "".join(written))


def transmits(written: list[str]) -> dict[str, int]:
    """How many times each image id was sent."""
    counts: dict[str, int] = {}
    for control in graphics(written):
        keys = dict(item.split("=") for item in control.split(","))
        if keys.get("a") == "t":
            counts[keys["i"]] = counts.get(keys["i"], 0) + 1
    return counts


def placed_first(written: list[str], image_id: str) -> int:
    """Where image ``image_id``'s sizes are (its columns: pictures differ in width here)."""
    for control in graphics(written):
        keys = dict(item.split("=") for item in control.split(","))
        if keys.get("a") == "p" and keys["i"] == image_id:
            return int(keys["c"])
    return 0


def placeholder_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith(PLACEHOLDER)]


def pane_of(pilot: Pilot[None]) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_pictures_are_placeholder_cells_sent_once_each(
    tmp_path: Path, site: SiteServer
) -> None:
    urls = serve_pictures(site)
    pictures = [("A red box", urls["png"]), ("A blue box", urls["jpeg"])]
    app = picture_app(tmp_path, site, pictures, settings=KITTY)
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        text = await open_post(pilot)
        pane = pane_of(pilot).reading_pane
        assert pane.pictures.graphics.kind == "kitty"
        assert not block_lines(text)
        cells = placeholder_lines(text)
        # 300 x 150 px and 400 x 200 px in the default 10 x 20 cells (no terminal here).
        assert [line.count(PLACEHOLDER) for line in cells] == [30] * 8 + [40] * 10
        lines = text.splitlines()
        assert lines[lines.index(cells[0]) + 8] == "A red box"
        assert "Image:" not in text
        sent = transmits(written)
        assert len(sent) == 2 and set(sent.values()) == {1}
        placed = [
            dict(item.split("=") for item in control.split(","))
            for control in graphics(written)
            if control.startswith("a=p")
        ]
        assert {(p["i"], p["c"], p["r"], p["U"]) for p in placed} == {
            (image_id, columns, rows, "1")
            for image_id, (columns, rows) in zip(
                sorted(sent, key=lambda i: placed_first(written, i)),
                [("30", "8"), ("40", "10")],
                strict=True,
            )
        }
        before = len(written)
        for _ in range(6):
            await pilot.press("down")  # scroll the pane through the pictures
        pane.refresh()
        await settle(pilot)
        assert transmits(written[before:]) == {}
        assert not [c for c in graphics(written[before:]) if c.startswith("a=p")]


async def test_the_cells_colour_is_the_pictures_id(tmp_path: Path, site: SiteServer) -> None:
    app = red_box(tmp_path, site, KITTY)
    async with app.run_test(size=SIZE) as pilot:
        _, image_id = await sent_once(pilot, app)
        pane = pane_of(pilot).reading_pane
        styles = {
            segment.style.color.get_truecolor()
            for line in pane._shown
            for segment in line
            if PLACEHOLDER in segment.text and segment.style and segment.style.color
        }
        number = int(image_id)
        assert styles == {((number >> 16) & 255, (number >> 8) & 255, number & 255)}


async def test_a_picture_is_deleted_when_its_post_is_left_and_sent_again_on_return(
    tmp_path: Path, site: SiteServer
) -> None:
    app = red_box(tmp_path, site, KITTY)
    async with app.run_test(size=SIZE) as pilot:
        written, image_id = await sent_once(pilot, app)
        pane = pane_of(pilot).reading_pane
        await pilot.press("i")  # pictures off: the terminal lets go of it
        await settle(pilot)
        assert f"a=d,d=I,i={image_id},q=2" in graphics(written)
        await pilot.press("i")
        for _ in range(40):
            await settle(pilot)
            if placeholder_lines(pane.plain_text):
                break
        assert transmits(written) == {image_id: 2}
        before = len(written)
    assert f"a=d,d=I,i={image_id},q=2" in graphics(written[before:])  # the app ended


async def test_pictures_are_deleted_before_the_app_leaves_its_screen(
    tmp_path: Path, site: SiteServer
) -> None:
    # kitty keeps the alternate screen's images apart from the main screen's: deleted only
    # as the panes unmount, after Textual has left that screen, they stayed in the
    # terminal's memory (seen in kitty 0.41).
    app = red_box(tmp_path, site, KITTY)
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        driver = app._driver
        assert driver is not None
        leave = driver.stop_application_mode

        def leaving() -> None:
            written.append("<left the screen>")
            leave()

        driver.stop_application_mode = leaving  # type: ignore[method-assign]
        await open_post(pilot)
        (image_id,) = transmits(written)
        await pilot.press("q")
    end = written.index("<left the screen>")
    assert f"a=d,d=I,i={image_id},q=2" in graphics(written[:end])


@pytest.mark.parametrize("setting", ["auto", "blocks"])
async def test_without_a_terminal_auto_draws_blocks_and_sends_nothing(
    tmp_path: Path, site: SiteServer, setting: str
) -> None:
    settings = f'images = "{setting}"\n'
    app = red_box(tmp_path, site, settings)
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        text = await open_post(pilot)
        assert pane_of(pilot).reading_pane.pictures.graphics.kind == "blocks"
    assert len(block_lines(text)) == 8 and not placeholder_lines(text)
    assert graphics(written) == []


SIXEL = 'images = "sixel"\n'


def sixel_rows(written: list[str]) -> list[tuple[int, int]]:
    """The screen cells (row, column; 1-based) where Sixel images were drawn, in order."""
    found = re.findall(r"\x1b7\x1b\[(\d+);(\d+)H\x1bP", "".join(written))
    return [(int(row), int(column)) for row, column in found]


async def test_sixel_rows_are_drawn_over_blank_lines_where_they_are_on_screen(
    tmp_path: Path, site: SiteServer
) -> None:
    app = red_box(tmp_path, site, SIXEL)
    async with app.run_test(size=(110, 20), notifications=True) as pilot:  # short: scrolls
        written = capture(app)
        text = await open_post(pilot)
        pane = pane_of(pilot).reading_pane
        assert pane.pictures.graphics.kind == "sixel"
        app.clear_notifications()  # any from the start: they would cover some rows
        await settle(pilot)
        written.clear()
        pane.refresh()
        await settle(pilot)
        lines = text.splitlines()
        caption = lines.index("A red box")
        assert lines[caption - 8 : caption] == [""] * 8  # 300 x 150 px: 8 rows of 10 x 20
        assert not block_lines(text) and "Image:" not in text and graphics(written) == []
        content = pane.scrollable_content_region

        def visible_rows() -> list[tuple[int, int]]:
            """Where the picture's rows are on screen now, those inside the pane."""
            first = content.y + caption - 8 - round(pane.scroll_offset.y)  # text has the header
            rows = [first + row for row in range(8)]
            return [(y + 1, content.x + 1) for y in rows if content.y <= y < content.bottom]

        shown = visible_rows()
        assert 3 <= len(shown) < 8  # the picture runs past the pane's bottom
        assert sorted(set(sixel_rows(written))) == shown
        # Scrolled by two lines: the rows are drawn two lines higher, two more of them.
        written.clear()
        pane.scroll_to(y=2, animate=False, immediate=True)
        await settle(pilot)
        assert sorted(set(sixel_rows(written))) == visible_rows()
        assert visible_rows()[0][0] == shown[0][0] - 2 and len(visible_rows()) == len(shown) + 2
        # Not over a notification: rows it covers are left out.
        app.notify("A notification over the picture's rows. " * 3, timeout=30)
        await pilot.pause(0.3)
        await settle(pilot)
        written.clear()
        pane.refresh()
        await settle(pilot)
        toasts = [toast.region for toast in app.screen.query("Toast")]
        covered = {y + 1 for region in toasts for y in range(region.y, region.bottom)}
        drawn = {row for row, _ in sixel_rows(written)}
        assert covered & {row for row, _ in visible_rows()}, "the test needs an overlap"
        assert drawn and not drawn & covered
        app.clear_notifications()
        await settle(pilot)
        # Under another screen (the help), nothing is drawn over it.
        await pilot.press("question_mark")
        await settle(pilot)
        written.clear()
        pane.refresh()
        await settle(pilot)
        assert sixel_rows(written) == []


def sent_sizes(written: list[str]) -> list[tuple[int, int]]:
    """The pixel sizes pictures were sent at, in order."""
    sizes = []
    for control in graphics(written):
        keys = dict(item.split("=") for item in control.split(","))
        if keys.get("a") == "t":
            sizes.append((int(keys["s"]), int(keys["v"])))
    return sizes


async def test_a_picture_is_sent_again_sharper_when_the_pane_widens(
    tmp_path: Path, site: SiteServer
) -> None:
    wide = site.add_file("/static/wide.png", png(1600, 400), "image/png")
    app = picture_app(tmp_path, site, [("A wide box", wide)], settings=KITTY)
    async with app.run_test(size=SIZE) as pilot:
        written = capture(app)
        await open_post(pilot)
        pane = pane_of(pilot).reading_pane
        narrow = pane.scrollable_content_region.width
        ((width, height),) = sent_sizes(written)
        # no wider than its cells (10 px each, no terminal here), at its own 4:1
        assert narrow * 9 <= width <= narrow * 10 and abs(width - 4 * height) <= 4
        await pilot.press("z")  # the list hidden: the pane, and the picture, get wider
        await pictures_settled(pilot)
        assert pane.scrollable_content_region.width > narrow
        (image_id,) = transmits(written)
        assert transmits(written) == {image_id: 2}
        (_, (wider, higher)) = sent_sizes(written)
        assert width * 1.5 < wider <= 100 * 10 and abs(wider - 4 * higher) <= 4
        assert f"a=d,d=I,i={image_id}" in "".join(written)  # the blurred copy let go
        before = len(written)
        await pilot.press("z")  # narrower again: the sharp copy is scaled down, not sent
        await pictures_settled(pilot)
        assert transmits(written[before:]) == {}
