"""The one-line bar that reports a whole-archive download: what is happening, and how far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, ProgressBar


class ArchiveBar(Horizontal):
    """A label and a progress bar; mounted the first time a download starts (not at start-up)."""

    def __init__(self, text: str, *, id: str | None = None) -> None:
        """``text``: what to say first (plain text, never markup)."""
        super().__init__(id=id)
        self._first = text

    def compose(self) -> ComposeResult:
        yield Label(Content(self._first), id="archive-label")
        yield ProgressBar(id="archive-progress", show_eta=False)

    def say(self, text: str) -> None:
        """Show ``text`` (plain text, never markup)."""
        self.query_one("#archive-label", Label).update(Content(text))

    def show_progress(self, done: int, total: int | None) -> None:
        """``done`` of ``total`` (None: not known yet, the bar pulses)."""
        bar = self.query_one("#archive-progress", ProgressBar)
        bar.update(total=total or None, progress=min(done, total) if total else done)
