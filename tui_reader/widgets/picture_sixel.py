"""Pictures as Sixel graphics (DEC's bitmap escape sequences, drawn at the cursor).

The picture, scaled to the cells it fills and reduced to at most 256 colours, is encoded in
the pictures' worker thread as one small Sixel image per row of cells (:func:`encode_rows`).
In the reading pane its rows are blank cells; when the pane paints such a line it notes the
line's place on screen, and once Textual has written the frame the row's image is written
there (:func:`overlay`: the cursor saved, moved to the line's first cell, the row drawn, the
cursor put back). So each line carries its own part of the picture: scrolling and repainting
redraw exactly the rows visible, and a row is never drawn outside its own line. (A control
segment inside the line would be simpler, but Textual crops lines by their text's cells when
another region cuts them, such as the scrollbar, and would print part of the sequence.)

Nothing here touches a running app (the overlay's screen position is given by the pane).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.segment import Segment

if TYPE_CHECKING:
    from PIL.Image import Image

    from .markdown_lines import Line

COLOURS = 256
"""Colour registers a picture uses (xterm as a VT340 needs ``numColorRegisters: 256``)."""
_SAME = [bytes(int(value == colour) for value in range(256)) for colour in range(256)]
# Byte value v (a band's six pixels as bits) to its Sixel character chr(63 + v).
_TO_SIXEL = bytes((63 + value) if value < 64 else 63 for value in range(256))
_RUN = re.compile(r"(.)\1{3,}")


def _run_length(match: re.Match[str]) -> str:
    return f"!{len(match.group(0))}{match.group(1)}"


def scale_for_cells(image: Image, columns: int, rows: int, cell: tuple[int, int]) -> Image:
    """``image`` scaled to exactly the ``columns`` x ``rows`` cells of ``cell`` pixels."""
    size = (columns * cell[0], rows * cell[1])
    return image if image.size == size else image.resize(size)


def encode_rows(image: Image, cell_height: int) -> list[str]:
    """``image`` (RGB) as one Sixel image per ``cell_height`` pixels of it, top to bottom,
    sharing one palette of at most :data:`COLOURS` colours (pixels left unset stay as they
    are, so a row never paints past its own height)."""
    from PIL import Image as PILImage

    indexed = image.quantize(colors=COLOURS, method=PILImage.Quantize.MEDIANCUT)
    palette = indexed.getpalette() or []
    width, height = indexed.size
    data = indexed.tobytes()
    rows: list[str] = []
    for top in range(0, height, cell_height):
        bottom = min(height, top + cell_height)
        rows.append(_encode(data[top * width : bottom * width], width, bottom - top, palette))
    return rows


def _encode(data: bytes, width: int, height: int, palette: list[int]) -> str:
    """One Sixel image of ``height`` rows of palette indexes, ``width`` each."""
    used = sorted(set(data))
    parts = ['\x1bP0;1;0q"1;1;', str(width), ";", str(height)]
    for colour in used:
        red, green, blue = palette[3 * colour : 3 * colour + 3] or (0, 0, 0)
        parts.append(f"#{colour};2;{red * 100 // 255};{green * 100 // 255};{blue * 100 // 255}")
    for top in range(0, height, 6):
        if top:
            parts.append("-")  # the next band of six pixel rows
        lines = [data[y * width : (y + 1) * width] for y in range(top, min(height, top + 6))]
        band = b"".join(lines)
        first = True
        for colour in sorted(set(band)):
            same = _SAME[colour]
            bits = 0
            for shift, line in enumerate(lines):
                bits |= int.from_bytes(line.translate(same), "big") << shift
            text = bits.to_bytes(width, "big").translate(_TO_SIXEL).decode("ascii").rstrip("?")
            parts.append(("" if first else "$") + f"#{colour}" + _RUN.sub(_run_length, text))
            first = False
    parts.append("\x1b\\")
    return "".join(parts)


def blank_lines(rows: int, width: int) -> list[Line]:
    """The picture's rows in the pane: blank cells the Sixel rows are drawn over."""
    return [[Segment(" " * width)] for _ in range(rows)]


def overlay(row: str, x: int, y: int) -> str:
    """Sixel ``row`` drawn with its top-left at screen cell (``x``, ``y``), the cursor saved
    before and restored after."""
    return f"\x1b7\x1b[{y + 1};{x + 1}H{row}\x1b8"
