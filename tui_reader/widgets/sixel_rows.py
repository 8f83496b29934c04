"""Which of the reading pane's Sixel picture rows Textual is painting, and where on screen.

Called from the pane's ``render_lines``: each row of a Sixel picture among the lines being
written is queued with the picture layer (:meth:`PictureLayer.queue_overlay`) at its screen
cell, to be drawn over its blank line once the frame is written. A row is left out when the
pane's line is cut (only part of the width shown), covered (a notification or a menu over
either end of it), or the terminal's last line (a Sixel there could scroll the screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.errors import NoWidget
from textual.geometry import Region

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    from .pictures import PictureLayer


def queue_visible_rows(pane: ScrollView, pictures: PictureLayer, crop: Region, header: int) -> None:
    """Queue the Sixel rows of ``pane``'s lines in ``crop`` (``header`` lines come first)."""
    content, region = pane.scrollable_content_region, pane.region
    left, right = content.x - region.x, content.right - region.x
    if crop.x > left or crop.right < right:  # only part of the width is shown
        return
    top = pane.scroll_offset.y
    last_line = pane.app.size.height - 1
    for y in range(content.height):
        screen_y = content.y + y
        if crop.y <= screen_y - region.y < crop.bottom and screen_y < last_line:
            row = pictures.overlay(top + y - header)
            if row is not None and _uncovered(pane, content, screen_y):
                pictures.queue_overlay(row, content.x, screen_y)


def _uncovered(pane: ScrollView, content: Region, screen_y: int) -> bool:
    """Whether ``pane`` is on top at both ends of its line ``screen_y`` (a notification or a
    menu over it would be painted over by a picture's row)."""
    try:
        for x in (content.x, content.right - 1):
            if pane.screen.get_widget_at(x, screen_y)[0] is not pane:
                return False
    except NoWidget:
        return False
    return True
