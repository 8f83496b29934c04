"""Command palette entries: "Go to tag: …" for every tag the cache knows."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .core.models import TagInfo
from .screens.main import MainScreen


class GoToTag(Provider):
    """Offer every known tag; choosing one switches to it."""

    async def startup(self) -> None:
        """Read the known tags once, off the UI thread."""
        self._tags: list[TagInfo] = []
        screen = self.screen
        if isinstance(screen, MainScreen):
            worker = self.app.run_worker(
                screen.store.known_tags, thread=True, exit_on_error=False, group="palette-tags"
            )
            try:
                self._tags = await worker.wait()
            except Exception:  # the cache is unreadable: the palette simply offers no tags
                self._tags = []

    def _switch(self, tag: str) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.switch_tag(tag)

    def _label(self, info: TagInfo) -> str:
        return f"Go to tag: {info.tag}"

    def _help(self, info: TagInfo) -> str:
        noun = "post" if info.count == 1 else "posts"
        return f"{info.count:,} cached {noun}"

    async def discover(self) -> Hits:
        """The most-used tags, before anything is typed."""
        for info in self._tags[:20]:
            yield DiscoveryHit(
                self._label(info), partial(self._switch, info.tag), help=self._help(info)
            )

    async def search(self, query: str) -> Hits:
        """Every known tag matching ``query``."""
        matcher = self.matcher(query)
        for info in self._tags:
            label = self._label(info)
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(self._switch, info.tag),
                    help=self._help(info),
                )
