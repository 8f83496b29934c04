"""Terminal graphics: which terminal gets what (from the environment alone), a cell's pixels
from the window size, and the Kitty graphics escape sequences and placeholder cells."""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tui_reader import graphics_support
from tui_reader.graphics_support import Graphics, cell_from_winsize, choose, detect
from tui_reader.widgets import picture_kitty as kitty
from tui_reader.widgets.picture_blocks import picture_size

TERMINALS = [
    ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "kitty"),
    ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),  # kitty over su/sudo
    ({"TERM": "xterm-ghostty"}, "kitty"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}, "kitty"),
    ({"TERM": "foot"}, "sixel"),
    ({"TERM": "foot-extra"}, "sixel"),
    ({"TERM": "mlterm"}, "sixel"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),  # no placeholders
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "sixel"),
    ({"TERM": "xterm-256color", "WT_SESSION": "0b6c..."}, "sixel"),
    ({"TERM": "xterm-256color", "KONSOLE_VERSION": "230805"}, "sixel"),
    ({"TERM": "xterm-256color", "KONSOLE_VERSION": "211203"}, "blocks"),  # before Sixel
    ({"TERM": "xterm-256color", "KONSOLE_VERSION": "new"}, "blocks"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, "blocks"),
    ({"TERM": "xterm-256color", "TERM_PROGRAM": "vscode"}, "blocks"),
    ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, "blocks"),  # GNOME Terminal
    ({"TERM": "xterm"}, "blocks"),  # xterm: Sixel only as a VT340, which it does not say
    ({"TERM": "linux"}, "blocks"),
    ({}, "blocks"),
    ({"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, "blocks"),  # tmux inside kitty
    ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, "blocks"),
    ({"TERM": "screen-256color", "TERM_PROGRAM": "WezTerm"}, "blocks"),
]


@pytest.mark.parametrize(("environ", "expected"), TERMINALS)
def test_the_terminal_is_known_from_its_environment(environ: dict[str, str], expected: str) -> None:
    assert detect(environ) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("version: Version = Version(0, 26, 5)\n", "blocks"),  # Debian 12: no placeholders
        ("version: Version = Version(0, 28, 0)\n", "kitty"),
        ("version: Version = Version(0, 41, 1)\n", "kitty"),
        ("nothing to read here\n", "kitty"),  # unknown: a recent kitty is likelier
        (None, "kitty"),
    ],
)
def test_a_kitty_too_old_for_placeholders_gets_blocks(
    tmp_path: Path, written: str | None, expected: str
) -> None:
    if written is not None:
        (tmp_path / "kitty").mkdir()
        (tmp_path / "kitty" / "constants.py").write_text(written)
    environ = {"TERM": "xterm-kitty", "KITTY_INSTALLATION_DIR": str(tmp_path)}
    assert detect(environ) == expected


def test_auto_is_blocks_without_a_terminal_or_without_24_bit_colour() -> None:
    kitty_env = {"TERM": "xterm-kitty"}
    assert choose("auto", kitty_env, terminal=True, truecolor=True) == Graphics("kitty")
    assert choose("auto", kitty_env, terminal=False, truecolor=True) == Graphics("blocks")
    assert choose("auto", kitty_env, terminal=True, truecolor=False) == Graphics("blocks")
    foot = {"TERM": "foot"}
    assert choose("auto", foot, terminal=True, truecolor=True, sixel_built=True).kind == "sixel"
    assert choose("auto", foot, terminal=True, truecolor=True, sixel_built=False).kind == "blocks"
    assert choose("blocks", kitty_env, terminal=True, truecolor=True) == Graphics("blocks")


def test_a_forced_protocol_is_used_even_unknown_and_wrapped_in_tmux() -> None:
    plain = {"TERM": "xterm-256color"}
    assert choose("kitty", plain, terminal=False, truecolor=True) == Graphics("kitty")
    tmux = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}
    assert choose("kitty", tmux, terminal=True, truecolor=True) == Graphics("kitty", tmux=True)
    assert choose("kitty", plain, terminal=True, truecolor=False) == Graphics("blocks")
    assert choose("sixel", plain, terminal=True, truecolor=True, sixel_built=True) == Graphics(
        "sixel"
    )
    assert choose("sixel", plain, terminal=True, truecolor=True, sixel_built=False).kind == (
        "blocks"
    )
    assert choose("auto", tmux, terminal=True, truecolor=True) == Graphics("blocks")


def test_sixel_needs_the_cells_pixel_size() -> None:
    foot = {"TERM": "foot"}
    for setting in ("auto", "sixel"):
        known = choose(setting, foot, terminal=True, truecolor=True, sixel_built=True)
        unknown = choose(
            setting, foot, terminal=True, truecolor=True, cell_known=False, sixel_built=True
        )
        assert (known.kind, unknown.kind) == ("sixel", "blocks")


def winsize(rows: int, columns: int, width: int, height: int) -> bytes:
    return struct.pack("HHHH", rows, columns, width, height)


def test_a_cell_size_comes_from_the_window_size_in_pixels() -> None:
    assert cell_from_winsize(winsize(40, 120, 1080, 800)) == (9, 20)
    assert cell_from_winsize(winsize(50, 200, 3200, 1700)) == (16, 34)
    assert cell_from_winsize(winsize(40, 120, 0, 0)) is None  # pixels not reported
    assert cell_from_winsize(winsize(0, 0, 0, 0)) is None
    assert cell_from_winsize(winsize(1, 1, 60_000, 60_000)) is None


def test_the_cell_size_is_asked_of_the_terminal_and_defaults_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fcntl

    asked: list[int] = []

    def fake_ioctl(fd: int, request: int, arg: bytes) -> bytes:
        asked.append(fd)
        if fd == 2:
            raise OSError("not a terminal")
        return winsize(30, 100, 800, 480)

    monkeypatch.setattr(fcntl, "ioctl", fake_ioctl)
    assert graphics_support.cell_pixels((2, 1)) == (8, 16)
    assert asked == [2, 1]
    monkeypatch.setattr(fcntl, "ioctl", lambda *args: (_ for _ in ()).throw(OSError()))
    assert graphics_support.terminal_cell((2, 1, 0)) is None
    assert graphics_support.cell_pixels((2, 1, 0)) == graphics_support.DEFAULT_CELL
    monkeypatch.setattr(fcntl, "ioctl", lambda *args: winsize(30, 100, 0, 0))
    assert graphics_support.cell_pixels() == graphics_support.DEFAULT_CELL


def test_sizes_keep_the_proportions_in_the_cells_given() -> None:
    # 400 x 200 pixels in 8 x 16 cells: 50 columns, 50 * 200 * 8 / (400 * 16) = 12.5 rows.
    assert picture_size((400, 200), 100, 40, (8, 16)) == (50, 12)
    assert picture_size((400, 200), 100, 40) == (40, 10)  # the 10 x 20 default
    assert picture_size((400, 200), 20, 40, (8, 16)) == (20, 5)


def commands(data: str) -> list[tuple[str, str]]:
    """The (control, payload) of each graphics command in ``data``."""
    return re.findall(r"\x1b_G([^;\x1b]*);?([^\x1b]*)\x1b\\", data)


def test_a_picture_is_transmitted_in_chunks_with_no_answer() -> None:
    image = Image.effect_noise((200, 150), 60).convert("RGB")  # noise: compresses badly
    data = kitty.transmit(4242, image)
    parts = commands(data)
    assert len(parts) > 2
    first, *rest = parts
    keys = dict(item.split("=") for item in first[0].split(","))
    assert keys == {
        "a": "t", "f": "24", "o": "z", "s": "200", "v": "150", "i": "4242", "q": "2", "m": "1"
    }  # fmt: skip
    assert [control for control, _ in rest] == ["m=1,q=2"] * (len(rest) - 1) + ["m=0,q=2"]
    assert all(0 < len(payload) <= 4096 for _, payload in parts)
    payload = "".join(chunk for _, chunk in parts)
    assert zlib.decompress(base64.standard_b64decode(payload)) == image.tobytes()


def test_a_small_picture_is_one_command() -> None:
    parts = commands(kitty.transmit(7, Image.new("RGB", (4, 2), (1, 2, 3))))
    assert len(parts) == 1 and parts[0][0].endswith(",i=7,q=2,m=0")


def test_placement_and_deletion_commands() -> None:
    assert commands(kitty.place(99, 30, 8)) == [
        ("a=d,d=i,i=99,q=2", ""),
        ("a=p,U=1,i=99,c=30,r=8,q=2", ""),
    ]
    assert commands(kitty.delete(99)) == [("a=d,d=I,i=99,q=2", "")]


def test_inside_tmux_commands_are_wrapped_for_its_passthrough() -> None:
    wrapped = kitty.delete(5, tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b_Ga=d,d=I,i=5,q=2\x1b\x1b\\\x1b\\"


def test_the_diacritics_are_the_protocols_table() -> None:
    assert kitty.MAX_CELLS == 297
    assert kitty.DIACRITICS[:3] == "\u0305\u030d\u030e" and kitty.DIACRITICS[-1] == "\U0001d244"
    assert len(set(kitty.DIACRITICS)) == 297
    for mark in kitty.DIACRITICS:
        assert unicodedata.combining(mark) == 230 and not unicodedata.decomposition(mark)


def test_placeholder_cells_carry_the_row_the_column_and_the_id_as_colour() -> None:
    lines = kitty.placeholder_lines(0x12AB34, 3, 2, 5)
    assert len(lines) == 2
    for row, line in enumerate(lines):
        cells, pad = line
        assert pad.text == "  " and pad.style is None
        assert cells.style is not None and cells.style.color is not None
        assert cells.style.color.get_truecolor() == (0x12, 0xAB, 0x34)
        assert cells.cell_length == 3
        expected = "".join(
            kitty.PLACEHOLDER + kitty.DIACRITICS[row] + kitty.DIACRITICS[column]
            for column in range(3)
        )
        assert cells.text == expected
    # a cell split off keeps its marks (crop and divide never separate them)
    left, right = lines[1][0].split_cells(1)
    assert left.text == kitty.PLACEHOLDER + kitty.DIACRITICS[1] + kitty.DIACRITICS[0]
    assert right.text.startswith(kitty.PLACEHOLDER + kitty.DIACRITICS[1] + kitty.DIACRITICS[1])


def test_a_picture_is_sent_no_larger_than_its_cells_and_keeps_its_proportions() -> None:
    size = kitty.sending_size((1200, 800), 50, 16, (9, 20))
    assert size == (450, 300)  # the cells' 450 x 320 pixels, at 3:2
    big = Image.new("RGB", (1200, 800))
    assert kitty.fit_for_sending(big, size).size == (450, 300)
    assert kitty.sending_size((100, 50), 12, 3, (9, 20)) == (100, 50)  # never enlarged
    small = Image.new("RGB", (100, 50))
    assert kitty.fit_for_sending(small, (100, 50)) is small


def test_a_picture_is_sent_again_only_when_it_would_look_enlarged() -> None:
    assert kitty.needs_sending_again((450, 300), (800, 533))
    assert not kitty.needs_sending_again((450, 300), (480, 320))  # within a tenth
    assert not kitty.needs_sending_again((800, 533), (450, 300))  # smaller: scaled down


def decode_sixel(data: str) -> tuple[tuple[int, int], dict[tuple[int, int], tuple[int, int, int]]]:
    """A small Sixel reader for the tests: the raster size and each pixel set, as the colour
    (percentages) of the register that painted it."""
    match = re.fullmatch(r'\x1bP0;1;0q"1;1;(\d+);(\d+)(.*)\x1b\\', data, re.DOTALL)
    assert match, data[:40]
    size = (int(match.group(1)), int(match.group(2)))
    registers: dict[int, tuple[int, int, int]] = {}
    pixels: dict[tuple[int, int], tuple[int, int, int]] = {}
    x = top = 0
    colour = (0, 0, 0)
    for token in re.findall(r"#\d+(?:;2;\d+;\d+;\d+)?|!\d+.|[$\-]|[?-~]", match.group(3)):
        if token.startswith("#"):
            number, *definition = token[1:].split(";")
            if definition:
                registers[int(number)] = tuple(int(v) for v in definition[1:])  # type: ignore[assignment]
            else:
                colour = registers[int(number)]
        elif token == "$":
            x = 0
        elif token == "-":
            x, top = 0, top + 6
        else:
            count, char = (int(token[1:-1]), token[-1]) if token.startswith("!") else (1, token)
            bits = ord(char) - 63
            for column in range(x, x + count):
                for shift in range(6):
                    if bits >> shift & 1:
                        pixels[(column, top + shift)] = colour
            x += count
    return size, pixels


def test_sixel_rows_paint_exactly_their_own_pixels_in_the_pictures_colours() -> None:
    from tui_reader.widgets import picture_sixel as sixel

    image = Image.new("RGB", (40, 34), (250, 250, 250))
    image.paste((230, 40, 40), (0, 0, 20, 20))  # red square over both rows
    image.paste((40, 90, 220), (25, 20, 40, 34))  # blue block in the second row
    rows = sixel.encode_rows(image, 17)
    assert len(rows) == 2
    for number, row in enumerate(rows):
        size, pixels = decode_sixel(row)
        assert size == (40, 17)
        assert set(pixels) == {(x, y) for x in range(40) for y in range(17)}  # nothing beyond
        for (x, y), colour in pixels.items():
            expected = image.getpixel((x, y + 17 * number))
            assert isinstance(expected, tuple)
            assert colour == tuple(value * 100 // 255 for value in expected)
    assert "!20" in rows[0]  # runs are run-length encoded


def test_a_sixel_photo_is_encoded_quickly_enough_for_a_worker() -> None:
    import time

    from tui_reader.widgets import picture_sixel as sixel

    photo = Image.effect_noise((800, 400), 50).convert("RGB")
    start = time.perf_counter()
    rows = sixel.encode_rows(photo, 20)
    assert len(rows) == 20 and time.perf_counter() - start < 5


def test_an_overlay_saves_moves_draws_and_restores_the_cursor() -> None:
    from tui_reader.widgets.picture_sixel import overlay

    assert overlay("<sixel>", 4, 9) == "\x1b7\x1b[10;5H<sixel>\x1b8"


@pytest.mark.parametrize("value", ["auto", "blocks", "kitty", "sixel", "off"])
def test_every_images_value_is_a_setting(tmp_path: Path, value: str) -> None:
    from tui_reader.core.user.settings import load_settings

    config = tmp_path / "config.toml"
    config.write_text(f'images = "{value}"\n')
    settings = load_settings(config)
    assert settings.images == value and settings.problems == ()
