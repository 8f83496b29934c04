"""The followed tags: following and unfollowing, refreshing them all (``R`` and on a timer), and
the unread posts across them (``U``).

A refresh of every followed tag runs one request at a time in a daemon thread, skipping tags
fetched in the last ten minutes (the site's CDN caches feeds that long) unless one tag alone
was asked for; one tag's failure never stops the others. Progress, the end and the unread list
reach the screen as messages.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.worker import get_current_worker

from ..background import in_daemon_thread, in_thread
from ..core.errors import ReaderError
from ..core.models import PostSummary, TagOverview
from ..core.user.settings import Settings, followed_tags, toggle_follow
from ..messages import FollowChanged, FollowRefreshEnded, FollowRefreshProgressed, UnreadLoaded
from .unit import Unit

if TYPE_CHECKING:
    from ..core.net.follow import TagRefreshOutcome
    from ..session import ReaderSession

POLITE_AGE = timedelta(minutes=10)
"""A followed tag fetched more recently than this is skipped by ``R`` and the timer."""

FIRST_UNREAD = 250
"""Unread posts painted first; the rest follow straight after (like a tag's first screen)."""

CHECK_EVERY = 30.0
"""Seconds between looks at the clock for the auto-refresh."""


class Overview:
    """What the overview (``F``) shows, as last read: the followed tags and, for ``current``,
    the tags found with it."""

    __slots__ = ("current", "items", "related", "tags")

    def __init__(
        self,
        tags: tuple[str, ...],
        current: str,
        items: list[TagOverview],
        related: list[tuple[str, int]],
    ) -> None:
        self.tags, self.current, self.items, self.related = tags, current, items, related


def new_posts_text(outcomes: Sequence[TagRefreshOutcome]) -> str | None:
    """``5 new posts in llms, 2 in sqlite`` (None when nothing new arrived)."""
    parts = [
        (outcome.tag, outcome.result.counts.new)
        for outcome in outcomes
        if outcome.result is not None and outcome.result.counts.new
    ]
    if not parts:
        return None
    (tag, count), rest = parts[0], parts[1:]
    noun = "post" if count == 1 else "posts"
    return ", ".join([f"{count} new {noun} in {tag}", *(f"{n} in {t}" for t, n in rest)])


class Following(Unit):
    """Owns the followed tags and their refreshes (a non-visual widget)."""

    def __init__(self, session: ReaderSession) -> None:
        super().__init__()
        self._session = session
        self._store = session.store
        self._follow = session.settings.follow
        self._pins = session.settings.pins
        self._clock = session.clock
        self._stop: threading.Event | None = None
        self._next_auto = self._clock() + self.interval
        self._overview: Overview | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        """Every followed tag: the follow list, then pinned tags not in it."""
        return followed_tags(Settings(pins=self._pins, follow=self._follow))

    def is_followed(self, tag: str) -> bool:
        """Whether ``tag`` is followed (listed, or pinned)."""
        return tag in self.tags

    @property
    def interval(self) -> timedelta:
        """How often the followed tags are refreshed while the app is open."""
        return timedelta(minutes=self._session.settings.refresh_minutes)  # at least 10: settings

    @property
    def refreshing(self) -> bool:
        """Whether a refresh of the followed tags is under way."""
        return self._stop is not None

    def on_mount(self) -> None:
        """Look at the clock now and then: the followed tags are refreshed when due."""
        if not self._session.offline:
            self.set_interval(CHECK_EVERY, self.tick)

    def on_unmount(self) -> None:
        """Stop a refresh between two tags (the thread is a daemon: nothing waits for it)."""
        if self._stop is not None:
            self._stop.set()

    # -- following ------------------------------------------------------------------------

    def toggle(self, tag: str) -> None:
        """Follow ``tag``, or stop following it (saved in config.toml)."""
        config = self._session.config_path
        if config is None:
            self.notify("Followed tags are not saved in the demo.", markup=False)
            return
        if tag in self._pins and tag not in self._follow:
            self.notify(f"“{tag}” is pinned, so it is followed: press P to unpin it.", markup=False)
            return
        try:
            followed, self._follow = toggle_follow(config, tag)
        except ReaderError as error:
            self.notify(error.message, title="Not saved", severity="error", markup=False)
            return
        if followed:
            self.notify(f"Following “{tag}”: R refreshes every followed tag.", markup=False)
        else:
            self.notify(f"No longer following “{tag}”.", markup=False)
        self.post_message(FollowChanged(self.tags))

    def pins_changed(self, pins: tuple[str, ...]) -> None:
        """The pinned tags changed (``P``): pinned tags count as followed."""
        self._pins = pins
        self.post_message(FollowChanged(self.tags))

    # -- refreshing -----------------------------------------------------------------------

    def tick(self) -> None:
        """Refresh the followed tags if they are due (the auto-refresh)."""
        now = self._clock()
        if now >= self._next_auto and not self._session.offline and self.tags:
            self._next_auto = now + self.interval
            self.refresh_all(quiet=True)

    def refresh_all(self, *, only: str | None = None, quiet: bool = False) -> None:
        """Refresh every followed tag (or ``only`` that one, whenever it was last fetched)."""
        if self._session.offline:
            self.notify("Offline (--offline or --demo): showing the cache only.", markup=False)
            return
        if self._stop is not None:
            if not quiet:
                self.notify("Already refreshing the followed tags…", markup=False)
            return
        tags = (only,) if only is not None else self.tags
        if not tags:
            self.notify("No followed tags yet: press + to follow this tag.", markup=False)
            return
        stop = threading.Event()
        self._stop = stop
        self.post_message(FollowRefreshProgressed(0, len(tags), tags[0]))
        self.run_worker(
            self._refresh(tags, stop, force=only is not None, quiet=quiet),
            exit_on_error=False,
            group="follow-refresh",
            description="Refresh the followed tags",
        )

    async def _refresh(
        self, tags: tuple[str, ...], stop: threading.Event, *, force: bool, quiet: bool
    ) -> None:
        work = partial(self._refresh_blocking, tags, stop, force)
        try:
            outcomes = await in_daemon_thread(work, name="follow-refresh")
        finally:
            self._stop = None
        self.post_message(FollowRefreshEnded(tuple(outcomes), quiet=quiet))

    def _refresh_blocking(
        self, tags: tuple[str, ...], stop: threading.Event, force: bool
    ) -> list[TagRefreshOutcome]:
        from ..core.net.follow import refresh_tags

        def report(done: int, total: int, tag: str) -> None:
            self.post_message(FollowRefreshProgressed(done, total, tag))

        return refresh_tags(
            self._store,
            tags,
            base_url=self._session.base_url,
            client_factory=self._session.client_factory,
            force=tags if force else (),
            min_age=POLITE_AGE,
            now=self._clock(),
            on_progress=report,
            cancel=stop,
        )

    @on(FollowRefreshEnded)
    def _ended(self, event: FollowRefreshEnded) -> None:
        """Say what arrived and what failed, each tag in words (then the screen re-reads)."""
        news = new_posts_text(event.outcomes)
        if news:
            self.notify(news, title="Followed tags", markup=False)
        failed = [outcome for outcome in event.outcomes if outcome.error is not None]
        if failed:
            lines = "\n".join(outcome.describe() for outcome in failed)
            title = f"{len(failed)} of {len(event.outcomes)} tags not refreshed"
            self.notify(lines, title=title, severity="error", timeout=20, markup=False)
        elif not news and not event.quiet:
            self.notify("No new posts in the followed tags.", markup=False)

    # -- the overview (F), read ahead so that it opens at once ------------------------------

    def read_overview(self, current: str) -> None:
        """Read the overview for ``current`` in a thread, ready for the next ``F``."""
        if not self.tags:
            return
        in_thread(
            self,
            partial(self.overview_now, current),
            group="overview",
            description="Read the followed tags overview",
        )

    def overview_now(self, current: str) -> Overview:
        """Blocking: the overview as the cache holds it now (kept for :meth:`overview_for`)."""
        tags = self.tags
        items = self._store.tag_overview(tags)
        overview = Overview(tags, current, items, self._store.related_tags(current))
        self._overview = overview
        return overview

    def overview_for(self, current: str) -> Overview | None:
        """The overview last read, if it is still of these followed tags (its related tags only
        if they were read for ``current``: they are cheap to read again)."""
        overview = self._overview
        if overview is None or overview.tags != self.tags:
            return None
        if overview.current != current:
            return Overview(overview.tags, current, overview.items, [])
        return overview

    # -- unread across the followed tags ----------------------------------------------------

    def load_unread(self) -> None:
        """Read every unread post of the followed tags, in a thread."""
        in_thread(
            self,
            partial(self._read_unread, self.tags),
            group="unread",
            description="Read the unread posts of the followed tags",
        )

    def _read_unread(self, tags: tuple[str, ...]) -> None:
        """Thread: the newest unread posts first (a screenful at once), then all of them."""
        worker = get_current_worker()
        try:
            newest: list[PostSummary] = self._store.unread_posts(tags, limit=FIRST_UNREAD)
            if not worker.is_cancelled:
                self.post_message(UnreadLoaded(tags, newest))
            if len(newest) >= FIRST_UNREAD and not worker.is_cancelled:
                self.post_message(UnreadLoaded(tags, self._store.unread_posts(tags), rest=True))
        except ReaderError as error:
            self.post_message(UnreadLoaded(tags, [], error=error.message))


def progress_text(done: int, total: int, tag: str) -> str:
    """The status line's part while the followed tags refresh: ``refreshing 3 of 12 · llms``."""
    return f"refreshing {min(done + 1, total)} of {total} · {tag}"
