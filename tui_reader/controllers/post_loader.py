"""The post for the reading pane: read from the cache once the cursor rests on it.

Holding ``j`` renders nothing on the way: a post is asked for only after the cursor has rested
for a moment, and is read in a thread (a refresh may hold the database), making its Markdown
first if the fetch left that for later. The screen shows a
loaded post only if it is still the one asked for last (:attr:`PostLoader.wanted`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import get_current_worker

from ..background import in_thread
from ..core.errors import ReaderError
from ..messages import PostLoaded
from .unit import Unit

if TYPE_CHECKING:
    from ..core.cache.store import Store


class PostLoader(Unit):
    """Loads one post at a time for the reading pane; stale loads are dropped."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._wanted: str | None = None
        self._timer: Timer | None = None

    @property
    def wanted(self) -> str | None:
        """The post asked for last."""
        return self._wanted

    def request_when_rested(self, delay: float, which: Callable[[], str | None]) -> None:
        """Ask for the post ``which()`` names once nothing else was asked for ``delay`` s."""
        self.cancel_wait()
        self._timer = self.set_timer(delay, lambda: self._request_named(which))

    def _request_named(self, which: Callable[[], str | None]) -> None:
        post_id = which()
        if post_id is not None:
            self.request(post_id)

    def cancel_wait(self) -> None:
        """Forget a post asked for with a delay that has not passed yet."""
        if self._timer is not None:
            self._timer.stop()

    def forget(self) -> None:
        """Nothing is wanted any more (the list emptied)."""
        self._wanted = None

    def request(self, post_id: str) -> None:
        """Read ``post_id`` now (nothing happens if it is the one asked for last)."""
        if post_id == self._wanted:
            return
        self._wanted = post_id
        in_thread(
            self,
            partial(self._load, post_id),
            group="post",
            description="Read a post from the cache",
        )

    def _load(self, post_id: str) -> None:
        """Thread: read one post and where it was left, with its Markdown made if missing."""
        from ..core.cache.markdown_backfill import ensure_markdown, needs_markdown

        line = 0
        try:
            post = self._store.get_post(post_id)
            line = self._store.position(post_id)
        except ReaderError:
            post = None
        if post is not None and needs_markdown(post):
            try:
                post = ensure_markdown(self._store, post)
            except ReaderError:  # not saved: show it anyway, it is converted again next time
                from ..core.cache.markdown_backfill import to_markdown

                post = replace(post, markdown=to_markdown(post.html, post.url))
        if not get_current_worker().is_cancelled:
            self.post_message(PostLoaded(post_id, post, line))
