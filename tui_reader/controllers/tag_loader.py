"""Which tag is shown and how fresh it is: cache reads, background refreshes, opening new tags.

The screen paints from what :meth:`TagLoader.first_screen` reads; everything after that runs in
workers: a refresh fetches in a daemon thread (quitting never waits for the network), a switch
reads the cache in a thread, and a tag with nothing cached is fetched before it is shown while
the current one stays on screen. Outcomes reach the screen as messages (``TagEntered``,
``TagRefreshed``, ``TagRenamedOnSite``, ``StatusChanged``); failures are said in words and stay
in the status line.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import on
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from ..background import in_daemon_thread, in_thread
from ..core.errors import FetchError, ReaderError, TagNotFound, TagRenamed
from ..core.models import PostSummary, TagFacts, TagInfo, YearCount
from ..messages import StatusChanged, TagEntered, TagFactsChanged, TagRefreshed, TagRenamedOnSite
from ..widgets.status_bar import Status
from .unit import Unit

if TYPE_CHECKING:
    from ..core.net.refresh import RefreshResult
    from ..session import ReaderSession


class FirstScreen:
    """What the screen paints before anything else: read on the UI thread, from the cache.

    ``years``: every year's counts when ``posts`` are only the newest; ``since``: the previous
    visit to the tag; ``facts``: what the site said of it last. (A plain class: a dataclass
    costs half a millisecond of start-up.)
    """

    __slots__ = ("facts", "posts", "read", "since", "years")

    def __init__(
        self,
        posts: list[PostSummary] | None = None,
        years: dict[int, YearCount] | None = None,
        read: set[str] | None = None,
        since: datetime | None = None,
        facts: TagFacts | None = None,
    ) -> None:
        self.posts = posts if posts is not None else []
        self.years = years
        self.read = read if read is not None else set()
        self.since = since
        self.facts = facts


class _Refreshed(Message, bubble=False):
    def __init__(self, tag: str, posts: list[PostSummary], info: TagInfo | None, new: int) -> None:
        super().__init__()
        self.tag = tag
        self.posts = posts
        self.info = info
        self.new = new


class _FactsLookedUp(Message, bubble=False):
    def __init__(self, tag: str, facts: TagFacts) -> None:
        super().__init__()
        self.tag = tag
        self.facts = facts


class _RefreshFailed(Message, bubble=False):
    def __init__(self, tag: str, error: ReaderError) -> None:
        super().__init__()
        self.tag = tag
        self.error = error

    @property
    def offline(self) -> bool:
        """Whether the site could not be reached at all (not an answer it gave)."""
        return type(self.error) is FetchError


class _Loaded(TagEntered, bubble=False):
    """A tag's posts read from the cache for a switch (entered if there are any)."""


class _Reloaded(Message, bubble=False):
    def __init__(self, tag: str, posts: list[PostSummary]) -> None:
        super().__init__()
        self.tag = tag
        self.posts = posts


class TagLoader(Unit):
    """Owns the shown tag, its freshness and the status line's state (a non-visual widget)."""

    FACTS_INTERVAL = timedelta(minutes=10)
    """The site's tag lookup is asked again after a refresh only when its last answer is
    older than this (the site's CDN keeps answers that long)."""

    def __init__(self, session: ReaderSession) -> None:
        super().__init__()
        self._store = session.store
        self._status = Status(tag=session.tag, offline=session.offline, demo=session.demo)
        self._offline_mode = session.offline
        self._base_url = session.base_url
        self._client_factory = session.client_factory
        self._clock = session.clock
        self._opening: tuple[str | None, bool] = (None, True)  # for a tag not cached yet

    @property
    def tag(self) -> str:
        """The tag shown."""
        return self._status.tag

    @property
    def status(self) -> Status:
        """What the status line says."""
        return self._status

    def _set_status(self, status: Status) -> None:
        self._status = status
        self.post_message(StatusChanged(status))

    def _update_status(self, **changes: Any) -> None:
        self._set_status(replace(self._status, **changes))

    # -- the first screen ---------------------------------------------------------------

    def first_screen(self, cursor: str | None, rows: int) -> FirstScreen:
        """The newest ``rows`` posts (or the whole list when the cursor is further down) and
        every year's counts, enough to paint a long list at once; read on the UI thread."""
        tag, store = self.tag, self._store
        try:
            posts = store.list_posts(tag, limit=rows)
            years: dict[int, YearCount] | None = None
            if len(posts) >= rows:
                if cursor is not None and all(post.id != cursor for post in posts):
                    posts = store.list_posts(tag)  # the saved place is further down
                else:
                    years = store.year_counts(tag)
            # Every post is listed, or every year counted: the tag's size is known.
            known = len(posts) if years is None else sum(year.posts for year in years.values())
            info = store.tag_info(tag, count=known)
            first = FirstScreen(posts, years, store.read_ids(), store.last_visit(tag))
            first.facts = info.site if info else None
        except ReaderError as error:
            first, info = FirstScreen(), None
            self._update_status(error=error.message)
        else:
            self.record_visit(tag)
        self._update_status(fetched_at=info.fetched_at if info else None)
        return first

    def record_visit(self, tag: str) -> None:
        """Record a visit to ``tag`` now, off the UI thread (another process may be writing)."""
        in_thread(
            self,
            partial(self._store.visit_tag, tag, when=self._clock()),
            group="reader-state",
            description="Save the reading state",
            exclusive=False,
        )

    # -- refreshing ---------------------------------------------------------------------

    def refresh_requested(self) -> None:
        """``r``: fetch the tag again, unless that cannot or need not be done (said why)."""
        if self._status.demo:
            self.notify(
                "The demo reads a bundled sample feed; there is nothing to refresh.", markup=False
            )
        elif self._offline_mode:
            self.notify(
                "Offline (--offline): showing the cache only. Run without --offline to refresh.",
                markup=False,
            )
        elif self._status.refreshing:
            self.notify("Already refreshing…", markup=False)
        else:
            self.start_refresh()

    def start_refresh(self) -> None:
        """Refresh the shown tag in the background (not with ``--offline``)."""
        if self._offline_mode:
            return
        self._update_status(refreshing=True)
        self._fetch(self.tag, "refresh", f"Refresh the posts tagged {self.tag}")

    def _fetch(self, tag: str, group: str, description: str) -> None:
        """Fetch ``tag`` in a worker of ``group`` (a newer fetch replaces an older one)."""
        self.run_worker(
            self._refresh(tag),
            exclusive=True,
            exit_on_error=False,
            group=group,
            description=description,
        )

    async def _refresh(self, tag: str) -> None:
        """Refresh ``tag`` off the UI thread and post the outcome back as a message."""
        try:
            posts, info, result = await in_daemon_thread(
                partial(self._fetch_and_reread, tag), name="refresh"
            )
        except ReaderError as error:
            self.post_message(_RefreshFailed(tag, error))
            return
        counts = result.counts
        self.post_message(_Refreshed(tag, posts, info, counts.new))
        if counts.new or counts.updated:
            self.convert_in_background()
        if result.facts is None and self._facts_due(info):  # (a first fetch just asked)
            await self._look_up(tag)

    def _facts_due(self, info: TagInfo | None) -> bool:
        """Whether to ask the site's lookup about the tag now (a single tag, not asked lately)."""
        if info is None or "+" in info.tag:
            return False
        checked = info.site.checked_at if info.site else None
        return checked is None or not timedelta(0) <= self._clock() - checked < self.FACTS_INTERVAL

    async def _look_up(self, tag: str) -> None:
        """Ask the site's lookup about ``tag`` after a refresh; a failure keeps what is cached."""
        try:
            facts = await in_daemon_thread(partial(self._lookup_facts, tag), name="lookup")
        except ReaderError:
            return
        if facts is not None:
            self.post_message(_FactsLookedUp(tag, facts))

    def _lookup_facts(self, tag: str) -> TagFacts | None:
        from ..core.net.refresh import refresh_facts

        client = self._client_factory() if self._client_factory is not None else None
        try:
            return refresh_facts(
                self._store, tag, base_url=self._base_url, client=client, now=self._clock()
            )
        finally:
            if client is not None:
                client.close()

    @on(_FactsLookedUp)
    def _facts_looked_up(self, event: _FactsLookedUp) -> None:
        if event.tag == self.tag:
            self.post_message(TagFactsChanged(event.tag, event.facts))

    def _fetch_and_reread(
        self, tag: str
    ) -> tuple[list[PostSummary], TagInfo | None, RefreshResult]:
        """Fetch and merge ``tag``, then re-read its list (blocks on the network)."""
        from ..core.net.refresh import refresh_tag

        client = self._client_factory() if self._client_factory is not None else None
        try:
            result = refresh_tag(self._store, tag, base_url=self._base_url, client=client)
        finally:
            if client is not None:
                client.close()
        return self._store.list_posts(tag), self._store.tag_info(tag), result

    def convert_in_background(self) -> None:
        """Make the Markdown of posts stored as HTML only (after a refresh or an archive)."""
        self.run_worker(
            in_daemon_thread(self._convert_pending, name="convert"),
            exclusive=True,
            exit_on_error=False,
            group="convert",
            description="Make the Markdown of newly fetched posts",
        )

    def _convert_pending(self) -> int:
        from ..core.cache.markdown_backfill import convert_pending

        return convert_pending(self._store)

    @on(_Refreshed)
    def _refreshed(self, event: _Refreshed) -> None:
        if event.tag == self._status.opening:
            self._opened(event)
            return
        if event.tag != self.tag:
            return  # a refresh of a tag the user has since left
        fetched_at = event.info.fetched_at if event.info else self._clock()
        self._update_status(
            refreshing=False, offline=False, fresh=True, error=None, fetched_at=fetched_at
        )
        if event.info is not None and event.info.site is not None:
            self.post_message(TagFactsChanged(event.tag, event.info.site))
        self.post_message(TagRefreshed(event.tag, event.posts))
        if event.new:
            noun = "post" if event.new == 1 else "posts"
            self.notify(f"{event.new} new {noun} tagged {self.tag}", markup=False)

    @on(_RefreshFailed)
    def _refresh_failed(self, event: _RefreshFailed) -> None:
        if event.tag == self._status.opening:
            self._open_failed(event)
        elif event.tag == self.tag:
            self._report_failure(event.error.message, offline=event.offline)
            if isinstance(event.error, TagRenamed):
                self.post_message(TagRenamedOnSite(event.error))

    def _report_failure(self, message: str, *, offline: bool) -> None:
        self._update_status(refreshing=False, offline=offline, fresh=False, error=message)
        self.notify(message, title="Refresh failed", severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A fetch that crashed (not a ReaderError) is reported like any other failure."""
        if event.state != WorkerState.ERROR or event.worker.group not in ("refresh", "opening"):
            return
        error = ReaderError(f"Refresh failed unexpectedly: {event.worker.error!r}")
        tag = self._status.opening if event.worker.group == "opening" else self.tag
        self.post_message(_RefreshFailed(tag or self.tag, error))

    # -- switching tags -----------------------------------------------------------------

    def switch(self, tag: str, cursor: str | None, record: bool) -> None:
        """Read ``tag``'s posts from the cache in a thread, then show it (or fetch it first)."""
        in_thread(
            self,
            partial(self._load, tag, cursor, record),
            group="load-tag",
            description=f"Read the posts tagged {tag} from the cache",
        )

    def _load(self, tag: str, cursor: str | None, record: bool) -> None:
        """Thread worker: read a tag's posts from the cache (a refresh may hold the database)."""
        since: datetime | None = None
        try:
            posts, info = self._store.list_posts(tag), self._store.tag_info(tag)
            if posts or info is not None:
                since = self._store.visit_tag(tag, when=self._clock())
        except ReaderError:
            posts, info = [], None
        if not get_current_worker().is_cancelled:
            self.post_message(_Loaded(tag, posts, info, cursor, record, since))

    @on(_Loaded)
    def _loaded(self, event: _Loaded) -> None:
        if event.posts or event.info is not None:
            e = event
            self._enter(TagEntered(e.tag, e.posts, e.info, e.cursor, e.record, e.since))
        elif self._offline_mode:
            reason = "the demo has no such tag" if self._status.demo else "the reader is offline"
            self.notify(
                f"Nothing is cached for “{event.tag}”, and {reason}: staying on “{self.tag}”.",
                severity="warning",
                markup=False,
            )
        else:
            self._opening = (event.cursor, event.record)
            self._update_status(opening=event.tag)
            self._fetch(event.tag, "opening", f"Download the posts tagged {event.tag}")

    def _enter(self, entered: TagEntered, *, fresh: bool = False) -> None:
        """Make ``entered.tag`` the shown tag (from the cache, or just fetched when ``fresh``)."""
        self.workers.cancel_group(self, "refresh")
        fetched_at = entered.info.fetched_at if entered.info else None
        status = Status(entered.tag, fetched_at, offline=self._offline_mode, fresh=fresh)
        self._set_status(replace(status, demo=self._status.demo))
        self.post_message(entered)
        if not fresh:
            self.start_refresh()

    def _opened(self, event: _Refreshed) -> None:
        """A tag that was not cached has arrived: go to it."""
        cursor, record = self._opening
        self._update_status(opening=None)
        if not event.posts:
            self.notify(f"The site has no posts tagged “{event.tag}”.", markup=False)
            return
        self.record_visit(event.tag)
        self._enter(TagEntered(event.tag, event.posts, event.info, cursor, record), fresh=True)

    def _open_failed(self, event: _RefreshFailed) -> None:
        """A tag that was not cached could not be fetched: stay, and say why."""
        self._update_status(opening=None)
        if isinstance(event.error, TagRenamed):
            self.post_message(TagRenamedOnSite(event.error))
            return
        title = "No such tag" if isinstance(event.error, TagNotFound) else "Could not open tag"
        self.notify(
            f"{event.error.message} Still showing “{self.tag}”.",
            title=title,
            severity="error",
            timeout=12,
            markup=False,
        )

    # -- re-reading the list ------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the shown tag's whole list in a thread (after an archive page, or after
        the first screen showed only the newest posts)."""
        in_thread(
            self,
            partial(self._read_list, self.tag),
            group="reload-list",
            description=f"Re-read the posts tagged {self.tag}",
        )

    def _read_list(self, tag: str) -> None:
        try:
            posts = self._store.list_posts(tag)
        except ReaderError:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(_Reloaded(tag, posts))

    @on(_Reloaded)
    def _reloaded(self, event: _Reloaded) -> None:
        if event.tag == self.tag:
            self.post_message(TagRefreshed(event.tag, event.posts))
