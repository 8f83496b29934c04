"""Where the user can go next: the tag history, the pinned tags and the tag switcher.

Every way of choosing a tag ends in a :class:`~tui_reader.messages.GoToTag` message; the
screen then switches (see :class:`~tui_reader.controllers.tag_loader.TagLoader`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..background import in_thread
from ..core.errors import ReaderError, TagRenamed
from ..core.models import TagInfo, TagSuggestion
from ..core.user.history import TagHistory
from ..core.user.settings import toggle_pin
from ..messages import GoToTag
from .unit import Unit

if TYPE_CHECKING:
    from ..session import ReaderSession


class TagNavigator(Unit):
    """Tag history (``[`` ``]`` backspace), pins (``1``…``9``, ``P``) and the switcher (``t``)."""

    def __init__(self, session: ReaderSession) -> None:
        super().__init__()
        self._session = session
        self._store = session.store
        self._history = TagHistory(session.tag)
        self._pins = session.settings.pins
        self._config_path = session.config_path
        self._clock = session.clock

    @property
    def history(self) -> TagHistory:
        """The tags visited, for back and forward."""
        return self._history

    @property
    def pins(self) -> tuple[str, ...]:
        """The pinned tags, for the keys 1…9."""
        return self._pins

    def visited(self, tag: str) -> None:
        """``tag`` is now shown (by a switch that goes into the history)."""
        self._history.visit(tag)

    def _go(self, tag: str | None, *, record: bool = True) -> None:
        if tag:
            self.post_message(GoToTag(tag, record=record))

    # -- history --------------------------------------------------------------------------

    def back(self) -> None:
        """Back to the previous tag in the history."""
        self._go(self._history.back(), record=False)

    def forward(self) -> None:
        """Forward in the tag history."""
        self._go(self._history.forward(), record=False)

    def flip(self) -> None:
        """Flip to the tag read before this one."""
        tag = self._history.previous()
        if tag is None:
            self.notify("No other tag visited yet: press t to go to one.", markup=False)
        self._go(tag)

    # -- pins -----------------------------------------------------------------------------

    def go_pin(self, number: int, current: str) -> None:
        """Go to the tag pinned to ``number`` (``current``: the tag shown, to suggest pinning)."""
        if 1 <= number <= len(self._pins):
            self._go(self._pins[number - 1])
        else:
            self.notify(f"No tag is pinned to {number}. Press P to pin “{current}”.", markup=False)

    def toggle_pin(self, tag: str) -> None:
        """Pin ``tag`` (or unpin it), saving the pins in config.toml."""
        if self._config_path is None:
            self.notify("Pins are not saved in the demo.", markup=False)
            return
        try:
            self._pins = toggle_pin(self._config_path, tag)
        except ReaderError as error:
            self.notify(error.message, title="Not pinned", severity="error", markup=False)
            return
        if tag not in self._pins:  # what the file says now (another copy may have pinned it)
            self.notify(f"Unpinned “{tag}”.", markup=False)
        else:
            key = self._pins.index(tag) + 1
            self.notify(f"Pinned “{tag}”: press {key} to come back to it.", markup=False)

    # -- the switcher ---------------------------------------------------------------------

    def offer_renamed(self, error: TagRenamed) -> None:
        """Open the switcher on a renamed tag's new name."""
        note = f"“{error.old}” was renamed to “{error.new}” on the site. Press enter to go there."
        self.open_switcher(initial=error.new, note=note)

    def open_switcher(self, *, initial: str = "", note: str = "") -> None:
        """Read the known tags off the UI thread, then show the switcher."""
        in_thread(
            self,
            partial(self._read_known_tags, initial, note),
            group="known-tags",
            description="List the cached tags",
        )

    def _read_known_tags(self, initial: str, note: str) -> None:
        try:
            known = self._store.known_tags()
        except ReaderError:
            known = []
        self.app.call_from_thread(self._push_switcher, known, initial, note)

    def _push_switcher(self, known: list[TagInfo], initial: str, note: str) -> None:
        from ..screens.tag_switcher import TagSwitcher  # Input and friends: loaded on first use

        if isinstance(self.app.screen, TagSwitcher):
            return
        switcher = TagSwitcher(
            known, now=self._clock(), suggest=self._suggester(), initial=initial, note=note
        )
        self.app.push_screen(switcher, self._go)

    def _suggester(self) -> Callable[[str], list[TagSuggestion]] | None:
        """Ask the site for tag suggestions (None when offline)."""
        if self._session.offline:
            return None
        base_url, factory = self._session.base_url, self._session.client_factory

        def suggest(query: str) -> list[TagSuggestion]:
            from ..core.net.autocomplete import suggest_tags
            from ..core.net.fetch import new_client

            client = factory() if factory is not None else new_client()
            with client:
                return suggest_tags(client, base_url, query)

        return suggest
