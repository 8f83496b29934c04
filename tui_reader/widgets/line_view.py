"""LineView: for scroll views drawn line by line, their style worked out once a frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

# A mixin, not a widget class of its own: Textual's set-up of one more widget class would
# add ~5 M instructions before the first frame.
if TYPE_CHECKING:
    _Base = ScrollView
else:
    _Base = object


class LineView(_Base):
    """Mixed into a :class:`ScrollView` whose ``render_line`` draws from :attr:`line_style`.

    ``rich_style`` blends the colours of every ancestor, which costs about as much as
    drawing a line: it is worked out once for all the lines of a frame (~16 M instructions
    of the first frame, for the post list and the reading pane).
    """

    _frame_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    @property
    def line_style(self) -> Style:
        """The widget's style: the frame's while its lines are drawn."""
        return self.rich_style if self._frame_style is None else self._frame_style
