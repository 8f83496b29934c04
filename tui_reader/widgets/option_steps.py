"""Moving an option list's highlight from a prompt above it (the pickers' ``up`` and ``down``)."""

from __future__ import annotations

from textual.widgets import OptionList


def move_highlight(options: OptionList, step: int) -> None:
    """One row down (``step`` > 0) or up, skipping disabled rows (headings)."""
    if step > 0:
        options.action_cursor_down()
    else:
        options.action_cursor_up()
