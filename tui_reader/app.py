"""The Textual app: one reading screen, a help screen, and commands for the palette.

httpx, feedparser and markdownify are imported only when a refresh runs, so the first frame
is not held up by them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import Screen
from textual.theme import Theme

from .core.cache.store import Store
from .core.errors import ReaderError
from .core.user.reader_state import ReaderState, load_state, save_state
from .core.user.settings import Settings, load_settings
from .screens.main import MainScreen
from .session import ReaderSession
from .widgets.post_list import PostList
from .widgets.reading_pane import ReadingPane
from .widgets.status_bar import Clock, utc_now

if TYPE_CHECKING:
    import httpx
    from rich.console import RenderableType

    from .screens.help import KeySection

PALETTE_BINDING = Binding(
    "ctrl+p",
    "command_palette",
    "Commands",
    tooltip="Search and run any action (command palette)",
    id="app.palette",
)


class ReaderApp(App[None]):
    """Read one tag of simonwillison.net from the cache, refreshing in the background."""

    TITLE = "tui-reader"
    CSS_PATH = "reader.tcss"
    COMMANDS = App.COMMANDS | {lambda: _go_to_tag_provider()}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark",
            "help",
            "Help",
            key_display="?",
            tooltip="Show every key",
            id="app.help",
        ),
        Binding("q", "quit", "Quit", tooltip="Quit tui-reader", id="app.quit"),
    ]

    def __init__(
        self,
        store: Store,
        tag: str,
        *,
        base_url: str,
        offline: bool = False,
        client_factory: Callable[[], httpx.Client] | None = None,
        demo: bool = False,
        clock: Clock = utc_now,
        state_path: Path | None = None,
        config_path: Path | None = None,
    ) -> None:
        """``state_path``/``config_path``: where the reading state and the settings live
        (None: nothing is read or saved, as in the demo)."""
        super().__init__()
        self.store = store
        self.tag = tag
        self.base_url = base_url
        self.offline = offline
        self.demo = demo
        self._client_factory = client_factory
        self._clock = clock
        self._state_path = state_path
        self._config_path = config_path
        self.reader_state = load_state(state_path) if state_path else ReaderState()
        self.settings = load_settings(config_path) if config_path else Settings()
        saved_theme = self.reader_state.theme
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme

    def on_mount(self) -> None:
        """Remember the theme whenever it is changed (the palette's "Change theme"), and say
        so if the cache file was found damaged and set aside."""
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.store.notice:
            self.notify(self.store.notice, severity="warning", timeout=20, markup=False)

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self.reader_state.theme:
            self.reader_state.theme = theme.name
            self.save_state()

    def exit(
        self, result: None = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Quit, first deleting the pictures sent to the terminal while the app's (alternate)
        screen is still shown: kitty keeps its images apart, and Textual leaves it before
        the panes unmount."""
        for screen in self.screen_stack:
            for pane in screen.query(ReadingPane):
                pane.release_pictures()
        super().exit(result, return_code, message)

    def save_state(self) -> None:
        """Save the reading state (the last tag, cursors, theme); a failure is said once."""
        if self._state_path is None:
            return
        try:
            save_state(self._state_path, self.reader_state)
        except ReaderError as error:
            self._state_path = None  # say it once, not on every switch
            self.notify(error.message, title="Not saved", severity="warning", markup=False)

    def get_default_screen(self) -> Screen[None]:
        """The reading screen."""
        session = ReaderSession(
            self.store,
            self.tag,
            base_url=self.base_url,
            clock=self._clock,
            offline=self.offline or self.demo,
            demo=self.demo,
            client_factory=self._client_factory,
            state=self.reader_state,
            settings=self.settings,
            config_path=self._config_path,
            save_state=self.save_state,
        )
        return MainScreen(session)

    def key_sections(self) -> list[KeySection]:
        """Every key, by where it works (the help screen's tables)."""
        from .screens.help import class_bindings

        return [
            ("Post list", class_bindings(PostList)),
            ("Reading pane", class_bindings(ReadingPane)),
            ("Either pane", class_bindings(MainScreen)),
            ("Everywhere", [*class_bindings(type(self)), PALETTE_BINDING]),
        ]

    def action_help(self) -> None:
        """Show the key tables (toggles)."""
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(
                HelpScreen(
                    self.key_sections(),
                    intro="The mouse works too: click a post to select it, scroll with the wheel.",
                )
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers Textual's commands plus every action bound where it was opened."""
        yield from super().get_system_commands(screen)
        seen = {"quit", "app.quit", "command_palette"}
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                binding.tooltip or binding.description,
                partial(self.run_action, binding.action, active.node),
            )


def _go_to_tag_provider() -> type[Provider]:
    """The palette's "Go to tag" provider, imported when the palette first opens."""
    from .commands import GoToTag

    return GoToTag


def run_reader(tag: str | None, *, base_url: str, offline: bool, demo: bool) -> int:
    """Open the cache (or, for ``demo``, a bundled sample in memory) and run the reader.

    ``tag`` None means the most recently fetched tag, else the default tag. Returns the
    process exit status. Raises :class:`~tui_reader.core.errors.ReaderError` if the cache
    cannot be opened.
    """
    from .core.tags import DEFAULT_TAG
    from .core.user.paths import config_path, database_path, state_path

    if demo:
        from .demo import load_demo

        store = Store(":memory:")
        demo_tag = load_demo(store)
        tag = tag or demo_tag
        saved_state: Path | None = None
        settings: Path | None = None
    else:
        store = Store(database_path())
        saved_state, settings = state_path(), config_path()
        if tag is None:
            tag = _last_tag(store, saved_state) or DEFAULT_TAG
    with store:
        app = ReaderApp(
            store,
            tag,
            base_url=base_url,
            offline=offline or demo,
            demo=demo,
            state_path=saved_state,
            config_path=settings,
        )
        app.run()
    return app.return_code or 0


def _last_tag(store: Store, saved: Path | None) -> str | None:
    """The tag read last (saved state), else the most recently fetched one."""
    last = load_state(saved).last_tag if saved else None
    if last:
        return last
    known = store.list_tags()
    return known[0].tag if known else None
