"""The baseline for start-up and memory: a bare Textual app that paints one label."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label


class BareApp(App[None]):
    """Paints ``BARE-APP-READY`` and waits for ctrl+q."""

    def compose(self) -> ComposeResult:
        yield Label("BARE-APP-READY")


if __name__ == "__main__":
    BareApp().run()
