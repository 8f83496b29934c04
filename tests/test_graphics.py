"""Terminal graphics: which terminal gets what (from the environment alone), a cell's pixels
from the window size, and the Kitty graphics escape sequences and placeholder cells."""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
import zlib

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


def winsize(rows: int, columns: int, width: int, height: int) -> bytes:
    return struct.pack("HHHH", rows, columns, width, height)


def test_a_cell_size_comes_from_the_window_size_in_pixels() -> None:
    assert cell_from_winsize(winsize(40, 120, 1080, 800)) == (9, 20)
    assert cell_from_winsize(winsize(50, 200, 3200, 1700)) == (16, 34)
    assert cell_from_winsize(winsize(40, 120, 0, 0)) == graphics_support.DEFAULT_CELL
    assert cell_from_winsize(winsize(0, 0, 0, 0)) == graphics_support.DEFAULT_CELL
    assert cell_from_winsize(winsize(1, 1, 60_000, 60_000)) == graphics_support.DEFAULT_CELL


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
    assert graphics_support.cell_pixels((2, 1, 0)) == graphics_support.DEFAULT_CELL


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


def test_a_picture_is_sent_no_larger_than_its_cells() -> None:
    big = Image.new("RGB", (1200, 800))
    assert kitty.fit_for_sending(big, 50, 16, (9, 20)).size == (450, 320)
    small = Image.new("RGB", (100, 50))
    assert kitty.fit_for_sending(small, 12, 3, (9, 20)) is small
