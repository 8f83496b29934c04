"""Draw a decoded picture as lines of half-cell blocks: each cell is "▀" with the upper pixel
as its colour and the lower as its background, so it works in any terminal (tmux too) and
drops into the reading pane's lines like text.

Nothing here touches a running app: it is called from the pictures' worker threads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from .markdown_lines import Line, make_console, render_text

if TYPE_CHECKING:
    from ..core.images.decode import DecodedPicture

CELL = (10, 20)
"""A typical terminal cell in pixels (width, height): a picture is never drawn wider, in
cells, than its own width in pixels over 10 (so never enlarged past its natural size)."""
CAPTION = Style(italic=True, dim=True)


def picture_size(
    natural: tuple[int, int], width: int, max_rows: int, cell: tuple[int, int] = CELL
) -> tuple[int, int]:
    """The cells (columns, rows) to draw a picture of ``natural`` pixels in, at most ``width``
    columns and ``max_rows`` rows, keeping its proportions in cells of ``cell`` pixels."""
    pixels_wide, pixels_high = max(1, natural[0]), max(1, natural[1])
    columns = max(1, min(width, round(pixels_wide / cell[0])))
    rows = max(1, round(columns * pixels_high * cell[0] / (pixels_wide * cell[1])))
    if rows > max_rows:
        rows = max(1, max_rows)
        fitting = round(rows * pixels_wide * cell[1] / (pixels_high * cell[0]))
        columns = max(1, min(columns, fitting))
    return columns, rows


def draw_blocks(picture: DecodedPicture, width: int, max_rows: int) -> list[Line]:
    """The picture scaled into ``width`` columns and ``max_rows`` rows, as half-cell lines
    each exactly ``width`` cells wide."""
    columns, rows = picture_size((picture.width, picture.height), width, max_rows)
    small = picture.image.resize((columns, rows * 2))
    data = small.tobytes()
    stride = columns * 3
    styles: dict[bytes, Style] = {}
    pad = [Segment(" " * (width - columns))] if width > columns else []
    lines: list[Line] = []
    for row in range(rows):
        upper = data[2 * row * stride : (2 * row + 1) * stride]
        lower = data[(2 * row + 1) * stride : (2 * row + 2) * stride]
        line: Line = []
        for x in range(0, stride, 3):
            key = upper[x : x + 3] + lower[x : x + 3]
            style = styles.get(key)
            if style is None:
                style = styles[key] = Style(
                    color=Color.from_rgb(key[0], key[1], key[2]),
                    bgcolor=Color.from_rgb(key[3], key[4], key[5]),
                )
            if line and line[-1].style is style:
                line[-1] = Segment(line[-1].text + "▀", style)
            else:
                line.append(Segment("▀", style))
        lines.append(line + pad)
    return lines


def draw_picture(picture: DecodedPicture, alt: str, width: int, max_rows: int) -> list[Line]:
    """The picture, then its alt text as a caption (wrapped), each line ``width`` wide."""
    return draw_blocks(picture, width, max_rows) + caption_lines(alt, width)


def caption_lines(alt: str, width: int) -> list[Line]:
    """``alt`` as a caption (wrapped to ``width``), or no lines when it is blank."""
    if not alt.strip():
        return []
    return render_text([Text(alt.strip(), style=CAPTION)], make_console(width))
