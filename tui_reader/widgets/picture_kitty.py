"""Pictures with the Kitty graphics protocol's Unicode placeholders
(https://sw.kovidgoyal.net/kitty/graphics-protocol/#unicode-placeholders).

A picture is sent to the terminal once (:func:`transmit`, ``q=2``: the terminal never
answers, so nothing lands in Textual's input) and given a virtual placement of so many cells
(:func:`place`). Its cells are then ordinary text: U+10EEEE with a diacritic for the row and
one for the column, in a foreground colour that is the image's id (24-bit). They drop into the
reading pane's lines like the half-cell lines do, so scrolling, the top line kept and captions
work unchanged; the terminal draws the picture's part in each such cell.

The escape sequences are built here (in the pictures' worker threads for the picture's data);
:mod:`.pictures` writes them through Textual's driver, on the UI thread.
"""

from __future__ import annotations

import base64
import zlib
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from PIL.Image import Image

    from .markdown_lines import Line

PLACEHOLDER = "\U0010eeee"
_DIACRITIC_RANGES = """
0305 030D-030E 0310 0312 033D-033F 0346 034A-034C 0350-0352 0357 035B 0363-036F 0483-0487
0592-0595 0597-0599 059C-05A1 05A8-05A9 05AB-05AC 05AF 05C4 0610-0617 0657-065B 065D-065E
06D6-06DC 06DF-06E2 06E4 06E7-06E8 06EB-06EC 0730 0732-0733 0735-0736 073A 073D 073F-0741
0743 0745 0747 0749-074A 07EB-07F1 07F3 0816-0819 081B-0823 0825-0827 0829-082D 0951
0953-0954 0F82-0F83 0F86-0F87 135D-135F 17DD 193A 1A17 1A75-1A7C 1B6B 1B6D-1B73 1CD0-1CD2
1CDA-1CDB 1CE0 1DC0-1DC1 1DC3-1DC9 1DCB-1DCC 1DD1-1DE6 1DFE 20D0-20D1 20D4-20D7 20DB-20DC
20E1 20E7 20E9 20F0 2CEF-2CF1 2DE0-2DFF A66F A67C-A67D A6F0-A6F1 A8E0-A8F1 AAB0 AAB2-AAB3
AAB7-AAB8 AABE-AABF AAC1 FE20-FE26 10A0F 10A38 1D185-1D189 1D1AA-1D1AD 1D242-1D244
"""
# The protocol's table of row and column diacritics (kitty's gen/rowcolumn-diacritics.txt:
# combining class 230, no decomposition, from Unicode 6.0), as ranges of code points.


def _diacritics() -> str:
    codes: list[int] = []
    for part in _DIACRITIC_RANGES.split():
        first, _, last = part.partition("-")
        codes += range(int(first, 16), int(last or first, 16) + 1)
    return "".join(map(chr, codes))


DIACRITICS = _diacritics()
"""The diacritic for row or column ``n`` is ``DIACRITICS[n]`` (297 of them)."""
MAX_CELLS = len(DIACRITICS)
"""A placement is at most this many cells wide and high."""
CHUNK = 4096
"""Base64 bytes in each chunk of a transmission (the protocol's limit)."""


def _command(control: str, payload: str = "", *, tmux: bool = False) -> str:
    """One graphics command (APC ``G``), wrapped for tmux's passthrough if asked."""
    sequence = f"\x1b_G{control};{payload}\x1b\\" if payload else f"\x1b_G{control}\x1b\\"
    if tmux:
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def transmit(image_id: int, image: Image, *, tmux: bool = False) -> str:
    """Send ``image`` (RGB) as image ``image_id``, zlib-compressed, in chunks, no answer."""
    data = base64.standard_b64encode(zlib.compress(image.tobytes(), 3)).decode("ascii")
    chunks = [data[start : start + CHUNK] for start in range(0, len(data), CHUNK)] or [""]
    width, height = image.size
    parts: list[str] = []
    for index, chunk in enumerate(chunks):
        more = int(index < len(chunks) - 1)
        if index == 0:
            control = f"a=t,f=24,o=z,s={width},v={height},i={image_id},q=2,m={more}"
        else:
            control = f"m={more},q=2"
        parts.append(_command(control, chunk, tmux=tmux))
    return "".join(parts)


def place(image_id: int, columns: int, rows: int, *, tmux: bool = False) -> str:
    """Replace image ``image_id``'s placement with a virtual one of ``columns`` x ``rows``
    cells (drawn wherever its placeholder cells are)."""
    return _command(f"a=d,d=i,i={image_id},q=2", tmux=tmux) + _command(
        f"a=p,U=1,i={image_id},c={columns},r={rows},q=2", tmux=tmux
    )


def delete(image_id: int, *, tmux: bool = False) -> str:
    """Delete image ``image_id``: its placements and its data."""
    return _command(f"a=d,d=I,i={image_id},q=2", tmux=tmux)


def id_style(image_id: int) -> Style:
    """The style of the image's placeholder cells: its id as a 24-bit foreground colour."""
    red, green, blue = (image_id >> 16) & 255, (image_id >> 8) & 255, image_id & 255
    return Style(color=Color.from_rgb(red, green, blue))


def placeholder_lines(image_id: int, columns: int, rows: int, width: int) -> list[Line]:
    """``rows`` lines of ``columns`` placeholder cells, each padded to ``width`` cells."""
    columns, rows = min(columns, MAX_CELLS), min(rows, MAX_CELLS)
    style = id_style(image_id)
    pad = [Segment(" " * (width - columns))] if width > columns else []
    lines: list[Line] = []
    for row in range(rows):
        mark = PLACEHOLDER + DIACRITICS[row]
        text = "".join(mark + DIACRITICS[column] for column in range(columns))
        lines.append([Segment(text, style), *pad])
    return lines


def sending_size(
    natural: tuple[int, int], columns: int, rows: int, cell: tuple[int, int]
) -> tuple[int, int]:
    """The pixels a picture of ``natural`` size is sent at to fill ``columns`` x ``rows``
    cells: its own size, or smaller to fit them, keeping its proportions."""
    width, height = max(1, natural[0]), max(1, natural[1])
    scale = min(1.0, columns * cell[0] / width, rows * cell[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def needs_sending_again(sent: tuple[int, int], wanted: tuple[int, int]) -> bool:
    """Whether a picture sent at ``sent`` pixels would be drawn visibly enlarged at
    ``wanted`` (more than a tenth wider): then it is sent again, sharper."""
    return wanted[0] > sent[0] * 1.1


def fit_for_sending(image: Image, size: tuple[int, int]) -> Image:
    """``image`` at ``size`` pixels (no larger than the cells it will fill: the terminal
    scales it to them)."""
    return image if image.size == size else image.resize(size)
