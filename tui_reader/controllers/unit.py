"""What every unit of the reading screen is: a widget with nothing to draw."""

from __future__ import annotations

import rich.repr
from textual.widget import Widget


class Unit(Widget):
    """A non-visual widget: it owns one concern's workers and reports with messages."""

    def __init__(self) -> None:
        super().__init__()
        self.display = False

    def __rich_repr__(self) -> rich.repr.Result:
        """Just the class (a widget's full repr, asked for as each one starts, costs ~0.3 ms)."""
        yield type(self).__name__
