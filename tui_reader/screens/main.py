"""The reading screen: the post list on the left, the reading pane on the right, a status line.

Data flow: the list paints from the cache on mount; a worker refreshes the tag in a daemon thread
and posts the result back as a message; moving the cursor shows a post only after the cursor rests
(``SHOW_DELAY``), and the post itself is read from the cache in a thread worker too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..background import in_daemon_thread
from ..core.cache.store import Store
from ..core.errors import FetchError, InvalidTag, ReaderError, TagNotFound, TagRenamed
from ..core.models import (
    Kind,
    MergeCounts,
    Post,
    PostSummary,
    TagInfo,
    TagSuggestion,
    YearCount,
)
from ..core.tags import split_tag, validate_tag
from ..core.urls import is_web_url
from ..core.user.history import TagHistory
from ..core.user.reader_state import ReaderState, save_state
from ..core.user.settings import MAX_PINS, Settings, toggle_pin
from ..startup import resume_collector
from ..widgets.post_list import PostList
from ..widgets.reading_pane import ReadingPane
from ..widgets.status_bar import Clock, Status, StatusBar

if TYPE_CHECKING:
    import httpx

    from ..core.cache.search import SearchHit
    from ..core.feed.postlinks import Link
    from ..core.net.archive import ArchiveProgress, ArchiveResult
    from ..widgets.archive_bar import ArchiveBar

ClientFactory = Callable[[], "httpx.Client"]


@dataclass
class RefreshSucceeded(Message):
    """A refresh finished: the tag's posts as the cache now holds them."""

    tag: str
    posts: list[PostSummary]
    info: TagInfo | None
    new: int
    updated: int


@dataclass
class RefreshFailed(Message):
    """A refresh of ``tag`` failed with ``error``."""

    tag: str
    error: ReaderError

    @property
    def offline(self) -> bool:
        """Whether the site could not be reached at all (not an answer it gave)."""
        return type(self.error) is FetchError


@dataclass
class ArchiveProgressed(Message):
    """A page of an archive download has been saved."""

    progress: ArchiveProgress


@dataclass
class ArchiveEnded(Message):
    """An archive download finished, was stopped, or failed (``error``)."""

    tag: str
    summary: str
    error: ReaderError | None = None


@dataclass
class ListReloaded(Message):
    """A tag's list re-read from the cache (after an archive page)."""

    tag: str
    posts: list[PostSummary]


@dataclass
class TagLoaded(Message):
    """A tag's posts read from the cache, for a switch to it."""

    tag: str
    posts: list[PostSummary]
    info: TagInfo | None
    cursor: str | None
    record: bool
    since: datetime | None = None


@dataclass
class LinkedPostFound(Message):
    """A link to a post of the site was followed: whether the cache has that post."""

    post_id: str
    url: str
    cached: bool


@dataclass
class PostLoaded(Message):
    """A post read from the cache for the reading pane."""

    post_id: str
    post: Post | None
    line: int = 0


KIND_FILTERS: tuple[Kind | None, ...] = (None, Kind.ENTRY, Kind.LINK, Kind.QUOTATION, Kind.NOTE)
"""What ``f`` cycles through: every kind, then entries, links, quotations and notes."""

_KIND_NOUNS = {
    None: ("post", "posts"),
    Kind.ENTRY: ("entry", "entries"),
    Kind.LINK: ("link", "links"),
    Kind.QUOTATION: ("quotation", "quotations"),
    Kind.NOTE: ("note", "notes"),
    Kind.BEAT: ("beat", "beats"),
    Kind.CHAPTER: ("chapter", "chapters"),
}


def posts_title(count: int, tag: str, kind: Kind | None = None) -> Content:
    """The list pane's title, like the site's tag page: ``12 posts tagged “llms”``.

    A combination reads ``3 posts tagged “ai” and “copyright”`` (posts carrying all of them);
    with a kind filter, ``5 links tagged “llms”``.
    """
    singular, plural = _KIND_NOUNS[kind]
    noun = singular if count == 1 else plural
    names = [f"“{part}”" for part in split_tag(tag)]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Content(f"{count:,} {noun} tagged {joined}")


def empty_message(status: Status) -> Content:
    """What the empty list says: what happened, and what to do about it."""
    tag = status.tag
    if status.refreshing:
        return Content(f"Downloading the posts tagged “{tag}”…")
    if status.error:
        return Content.assemble(
            (f"Could not download “{tag}”.\n\n", "bold"),
            (f"{status.error}\n\n", "$text-error"),
            "Nothing is cached for this tag yet, so there is nothing to read.\n\n"
            "Press r to try again, or run `tui-reader --demo` to try the reader with "
            "bundled sample posts. Press q to quit.",
        )
    if status.offline:
        return Content.assemble(
            (f"Nothing cached for “{tag}”.\n\n", "bold"),
            "You are offline (--offline), so nothing was downloaded, and the cache holds no "
            "posts for this tag.\n\n"
            f"Run `tui-reader {tag}` without --offline to download them, or "
            "`tui-reader --demo` to try the reader with bundled sample posts. Press q to quit.",
        )
    return Content.assemble(
        (f"No posts tagged “{tag}”.\n\n", "bold"),
        "The site has nothing under this tag yet. Press r to check again, or q to quit.",
    )


_POST_ACTIONS = frozenset(
    {
        "next_post",
        "previous_post",
        "open_in_browser",
        "open_post_in_browser",
        "switch_pane",
        "toggle_read",
        "copy_url",
    }
)


class MainScreen(Screen[None]):
    """The tag's posts beside the reading pane."""

    SHOW_DELAY: ClassVar[float] = 0.08
    """Seconds the cursor must rest on a post before it is rendered."""

    FIRST_ROWS: ClassVar[int] = 250
    """Posts read before the first paint (more than any terminal shows); a longer list's
    other posts are read in the background straight after."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "h,escape",
            "focus_list",
            "Back to list",
            tooltip="Return to the post list",
            id="main.back",
        ),
        Binding(
            "tab",
            "switch_pane",
            "Switch pane",
            show=False,
            tooltip="Move between the list and the reading pane",
            id="main.switch",
        ),
        Binding(
            "n", "next_post", "Next post", tooltip="Read the next (older) post", id="main.next"
        ),
        Binding(
            "p",
            "previous_post",
            "Previous post",
            show=False,
            tooltip="Read the previous (newer) post",
            id="main.previous",
        ),
        Binding(
            "o",
            "open_in_browser",
            "Open in browser",
            tooltip="Open the linked page of a link post, else the post (http/https only)",
            id="main.browser",
        ),
        Binding(
            "O",
            "open_post_in_browser",
            "Open post",
            show=False,
            tooltip="Open the post itself on the blog",
            id="main.browser-post",
        ),
        Binding(
            "m",
            "toggle_read",
            "Read/unread",
            show=False,
            tooltip="Mark the post read or unread (opening a post marks it read)",
            id="main.toggle-read",
        ),
        Binding(
            "L",
            "links",
            "Links",
            tooltip="List the open post's links, numbered, to follow one",
            id="main.links",
        ),
        Binding(
            "alt+left",
            "post_back",
            "Post back",
            show=False,
            tooltip="Back to the post you followed a link from",
            id="main.post-back",
        ),
        Binding(
            "alt+right",
            "post_forward",
            "Post forward",
            show=False,
            tooltip="Forward again to the post of the followed link",
            id="main.post-forward",
        ),
        Binding(
            "y",
            "copy_url",
            "Copy URL",
            show=False,
            tooltip="Copy the post's address (works over SSH too: OSC 52)",
            id="main.copy-url",
        ),
        Binding(
            "f",
            "cycle_kind",
            "Kinds",
            show=False,
            tooltip="Show only one kind: all → entries → links → quotations → notes → all",
            id="main.kind-filter",
        ),
        Binding(
            "r",
            "refresh_feed",
            "Refresh",
            tooltip="Fetch new posts for this tag",
            id="main.refresh",
        ),
        Binding("t", "switch_tag", "Tags", tooltip="Go to another tag", id="main.tags"),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Search every cached post",
            id="main.search",
        ),
        Binding(
            "A",
            "archive",
            "Archive",
            show=False,
            tooltip="Download this tag's whole history (again: stop)",
            id="main.archive",
        ),
        Binding(
            "T",
            "choose_post_tag",
            "Post's tags",
            show=False,
            tooltip="Choose one of the open post's tags (←/→ move, enter go)",
            id="main.post-tags",
        ),
        Binding(
            "left_square_bracket",
            "tag_back",
            "Back",
            key_display="[",
            show=False,
            tooltip="Back to the previous tag in the history",
            id="main.tag-back",
        ),
        Binding(
            "right_square_bracket",
            "tag_forward",
            "Forward",
            key_display="]",
            show=False,
            tooltip="Forward in the tag history",
            id="main.tag-forward",
        ),
        Binding(
            "backspace",
            "tag_flip",
            "Flip tag",
            show=False,
            tooltip="Flip to the tag read before this one",
            id="main.tag-flip",
        ),
        Binding(
            "P",
            "toggle_pin",
            "Pin tag",
            show=False,
            tooltip="Pin or unpin this tag (keys 1…9, saved in config.toml)",
            id="main.pin",
        ),
        *(
            Binding(
                str(number),
                f"go_pin({number})",
                f"Pinned tag {number}",
                show=False,
                tooltip="Go to a pinned tag",
                id=f"main.pin-{number}",
            )
            for number in range(1, MAX_PINS + 1)
        ),
    ]

    def __init__(
        self,
        store: Store,
        tag: str,
        *,
        base_url: str,
        offline: bool = False,
        demo: bool = False,
        client_factory: ClientFactory | None = None,
        clock: Clock,
        state: ReaderState | None = None,
        state_path: Path | None = None,
        settings: Settings | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        self._store = store
        self._tag = tag
        self._base_url = base_url
        self._offline_mode = offline
        self._client_factory = client_factory
        self._clock = clock
        self._status = Status(tag=tag, offline=offline, demo=demo)
        self._show_timer: Timer | None = None
        self._wanted_id: str | None = None
        self._shown: Post | None = None
        self._history = TagHistory(tag)
        self._state = state or ReaderState()
        self._state_path = state_path
        self._pins = settings.pins if settings else ()
        self._settings_problems = settings.problems if settings else ()
        self._config_path = config_path
        self._opening: tuple[str | None, bool] = (None, True)
        self._archive_stop: threading.Event | None = None
        self._read: set[str] = set()
        self._all_posts: tuple[PostSummary, ...] = ()
        self._years: dict[int, YearCount] | None = None
        self._kind: Kind | None = None
        self._new_since: datetime | None = None
        self._read_lock = threading.Lock()
        self._read_writes = 0
        self._read_written: dict[str, int] = {}
        self._positions: dict[str, int] = {}
        self._post_history = TagHistory()  # post ids, for following links back and forward
        self._pane: ReadingPane | None = None  # kept: on unmount it can no longer be queried

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield PostList(id="posts")
            yield ReadingPane(id="reader")
        yield Static(id="empty")
        yield StatusBar(clock=self._clock, id="status")
        yield Footer()

    @property
    def post_list(self) -> PostList:
        """The list of posts."""
        return self.query_one("#posts", PostList)

    @property
    def reading_pane(self) -> ReadingPane:
        """The reading pane."""
        return self.query_one("#reader", ReadingPane)

    @property
    def shown_post(self) -> Post | None:
        """The post in the reading pane."""
        return self._shown

    def on_mount(self) -> None:
        """Paint from the cache at once, then refresh in the background."""
        self._pane = self.reading_pane
        cursor = self._state.cursors.get(self._tag)
        years: dict[int, YearCount] | None = None
        try:
            posts, years = self._first_screen(cursor)
            info = self._store.tag_info(self._tag)
            self._read = self._store.read_ids()
            self._new_since = self._store.last_visit(self._tag)
        except ReaderError as error:
            posts, info = [], None
            self._set_status(replace(self._status, error=error.message))
        else:  # recorded off the UI thread: another process may be writing to the cache
            self._write_state(partial(self._store.visit_tag, self._tag, when=self._clock()))
        self._set_status(replace(self._status, fetched_at=info.fetched_at if info else None))
        self._show_posts(posts, cursor=cursor, years=years)
        if years is not None:  # only the newest posts so far: the rest, once they are painted
            self.call_after_refresh(self._reload_list)
        self.post_list.focus()
        self._state.last_tag = self._tag
        for problem in self._settings_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15, markup=False)
        if not self._offline_mode:
            self._start_refresh()
        self.call_after_refresh(resume_collector)

    def _first_screen(
        self, cursor: str | None
    ) -> tuple[list[PostSummary], dict[int, YearCount] | None]:
        """The newest posts and every year's counts, enough to paint the first screen of a
        long list at once (None for the counts: the posts are the whole list)."""
        posts = self._store.list_posts(self._tag, limit=self.FIRST_ROWS)
        if len(posts) < self.FIRST_ROWS:
            return posts, None
        if cursor is not None and all(post.id != cursor for post in posts):
            return self._store.list_posts(self._tag), None  # the saved place is further down
        return posts, self._store.year_counts(self._tag)

    def on_unmount(self) -> None:
        """Save the tag and the cursors for the next start; stop an archive download."""
        if self._archive_stop is not None:
            self._archive_stop.set()
        self._remember_position(now=True)
        self._save_state()

    @property
    def tag(self) -> str:
        """The tag shown."""
        return self._tag

    @property
    def store(self) -> Store:
        """The cache the screen reads."""
        return self._store

    @property
    def history(self) -> TagHistory:
        """The tags visited, for back and forward."""
        return self._history

    @property
    def pins(self) -> tuple[str, ...]:
        """The pinned tags, for the keys 1…9."""
        return self._pins

    def _set_status(self, status: Status) -> None:
        self._status = status
        self.query_one(StatusBar).status = self._status
        if not self.post_list.posts:
            self.query_one("#empty", Static).update(self._empty_message())

    def _empty_message(self) -> Content:
        if self._all_posts and self._kind is not None:
            noun = _KIND_NOUNS[self._kind][1]
            return Content.assemble(
                (f"No {noun} tagged “{self._tag}” in the cache.\n\n", "bold"),
                "Press f to show another kind of post.",
            )
        return empty_message(self._status)

    @property
    def kind_filter(self) -> Kind | None:
        """The only kind of post listed (None: every kind)."""
        return self._kind

    def _show_posts(
        self,
        posts: Sequence[PostSummary],
        *,
        cursor: str | None = None,
        years: dict[int, YearCount] | None = None,
    ) -> None:
        """``years``: every year's counts when ``posts`` is only the newest part of the list."""
        self._all_posts = tuple(posts)
        self._years = years
        self._show_filtered(cursor)

    def _show_filtered(self, cursor: str | None = None) -> None:
        kind = self._kind
        years = self._years if kind is None else None
        posts = (
            self._all_posts
            if kind is None
            else tuple(post for post in self._all_posts if post.kind is kind)
        )
        post_list = self.post_list
        post_list.set_read_state(self._read, self._new_since)
        post_list.set_posts(posts, years=years)
        if cursor is not None:
            post_list.select_post(cursor)
        count = len(posts) if years is None else sum(year.posts for year in years.values())
        self.query_one("#list-pane").border_title = posts_title(count, self._tag, kind)
        self.set_class(not posts, "-empty")
        if not posts:
            self.query_one("#empty", Static).update(self._empty_message())
            self._wanted_id = None
            self._show(None)

    def action_cycle_kind(self) -> None:
        """List only the next kind of post (all → entries → links → quotations → notes)."""
        index = KIND_FILTERS.index(self._kind) if self._kind in KIND_FILTERS else 0
        self._kind = KIND_FILTERS[(index + 1) % len(KIND_FILTERS)]
        highlighted = self.post_list.highlighted_post
        self._show_filtered(highlighted.id if highlighted else None)

    # -- refreshing -----------------------------------------------------------------------

    def _start_refresh(self) -> None:
        self._set_status(replace(self._status, refreshing=True))
        self.run_worker(
            self._refresh(self._tag),
            exclusive=True,
            exit_on_error=False,
            group="refresh",
            description=f"Refresh the posts tagged {self._tag}",
        )

    async def _refresh(self, tag: str) -> None:
        """Refresh ``tag`` off the UI thread and post the outcome back as a message."""
        try:
            posts, info, counts = await in_daemon_thread(
                partial(self._fetch_and_reread, tag), name="refresh"
            )
        except ReaderError as error:
            self.post_message(RefreshFailed(tag, error))
            return
        self.post_message(RefreshSucceeded(tag, posts, info, counts.new, counts.updated))
        if counts.new or counts.updated:
            self._convert_in_background()

    def _convert_in_background(self) -> None:
        """Make the Markdown of posts stored as HTML only (after a refresh or an archive)."""
        self.run_worker(
            in_daemon_thread(self._convert_pending, name="convert"),
            exclusive=True,
            exit_on_error=False,
            group="convert",
            description="Make the Markdown of newly fetched posts",
        )

    def _convert_pending(self) -> int:
        """Background: convert the bodies the refresh stored as HTML only."""
        from ..core.cache.markdown_backfill import convert_pending

        return convert_pending(self._store)

    def _fetch_and_reread(self, tag: str) -> tuple[list[PostSummary], TagInfo | None, MergeCounts]:
        """Fetch and merge ``tag``, then re-read its list (blocks on the network)."""
        from ..core.net.refresh import refresh_tag

        client = self._client_factory() if self._client_factory is not None else None
        try:
            result = refresh_tag(self._store, tag, base_url=self._base_url, client=client)
        finally:
            if client is not None:
                client.close()
        return self._store.list_posts(tag), self._store.tag_info(tag), result.counts

    @on(RefreshSucceeded)
    def _refreshed(self, event: RefreshSucceeded) -> None:
        if event.tag == self._status.opening:
            self._opened(event)
            return
        if event.tag != self._tag:
            return  # a refresh of a tag the user has since left
        self._set_status(
            replace(
                self._status,
                refreshing=False,
                offline=False,
                fresh=True,
                error=None,
                fetched_at=event.info.fetched_at if event.info else self._clock(),
            )
        )
        self._show_posts(event.posts)
        if event.new:
            noun = "post" if event.new == 1 else "posts"
            self.notify(f"{event.new} new {noun} tagged {self._tag}", markup=False)

    @on(RefreshFailed)
    def _refresh_failed(self, event: RefreshFailed) -> None:
        if event.tag == self._status.opening:
            self._open_failed(event)
        elif event.tag == self._tag:
            self._report_failure(event.error.message, offline=event.offline)
            if isinstance(event.error, TagRenamed):
                self._offer_renamed(event.error)

    def _report_failure(self, message: str, *, offline: bool) -> None:
        self._set_status(
            replace(self._status, refreshing=False, offline=offline, fresh=False, error=message)
        )
        self.notify(message, title="Refresh failed", severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refresh that crashed (not a ReaderError) is reported like any other failure."""
        if event.worker.group == "refresh" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self._report_failure(f"Refresh failed unexpectedly: {error!r}", offline=False)

    # -- switching tags -------------------------------------------------------------------

    def switch_tag(self, tag: str, *, highlight: str | None = None, record: bool = True) -> None:
        """Go to ``tag``: painted from the cache at once, then refreshed in the background.

        A tag with nothing cached is fetched first while the current list stays on screen;
        a tag the site does not have is reported and the user stays where they were.
        ``highlight`` puts the cursor on that post if the tag has it; otherwise the tag's
        remembered cursor is used. ``record`` adds the switch to the history.
        """
        try:
            tag = validate_tag(tag)
        except InvalidTag as error:
            self.notify(error.message, severity="error", markup=False)
            return
        if tag == self._tag:
            if highlight is not None:
                self.post_list.select_post(highlight)
            return
        self.run_worker(
            partial(self._load_tag, tag, highlight, record),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="load-tag",
            description=f"Read the posts tagged {tag} from the cache",
        )

    def _load_tag(self, tag: str, cursor: str | None, record: bool) -> None:
        """Thread worker: read a tag's posts from the cache (a refresh may hold the database)."""
        since: datetime | None = None
        try:
            posts, info = self._store.list_posts(tag), self._store.tag_info(tag)
            if posts or info is not None:
                since = self._store.visit_tag(tag, when=self._clock())
        except ReaderError:
            posts, info = [], None
        if not get_current_worker().is_cancelled:
            self.post_message(TagLoaded(tag, posts, info, cursor, record, since))

    @on(TagLoaded)
    def _tag_loaded(self, event: TagLoaded) -> None:
        if event.posts or event.info is not None:
            self._enter_tag(
                event.tag, event.posts, event.info, event.cursor, event.record, since=event.since
            )
        elif self._offline_mode:
            reason = "the demo has no such tag" if self._status.demo else "the reader is offline"
            self.notify(
                f"Nothing is cached for “{event.tag}”, and {reason}: staying on “{self._tag}”.",
                severity="warning",
                markup=False,
            )
        else:
            self._opening = (event.cursor, event.record)
            self._set_status(replace(self._status, opening=event.tag))
            self.run_worker(
                self._refresh(event.tag),
                exclusive=True,
                exit_on_error=False,
                group="opening",
                description=f"Download the posts tagged {event.tag}",
            )

    def _enter_tag(
        self,
        tag: str,
        posts: Sequence[PostSummary],
        info: TagInfo | None,
        cursor: str | None,
        record: bool,
        *,
        fresh: bool = False,
        since: datetime | None = None,
    ) -> None:
        """Show ``tag``'s posts (from the cache, or just fetched when ``fresh``); ``since``
        is the previous visit to it."""
        self.workers.cancel_group(self, "refresh")
        self._new_since = since
        if record:
            self._history.visit(tag)
        self._tag = tag
        self._state.last_tag = tag
        self._set_status(
            Status(
                tag=tag,
                offline=self._offline_mode,
                demo=self._status.demo,
                fresh=fresh,
                fetched_at=info.fetched_at if info else None,
            )
        )
        self._show_posts(posts, cursor=cursor or self._state.cursors.get(tag))
        self._save_state()
        if not (self._offline_mode or fresh):
            self._start_refresh()

    def _opened(self, event: RefreshSucceeded) -> None:
        """A tag that was not cached has arrived: go to it."""
        cursor, record = self._opening
        self._set_status(replace(self._status, opening=None))
        if not event.posts:
            self.notify(f"The site has no posts tagged “{event.tag}”.", markup=False)
            return
        self._write_state(partial(self._store.visit_tag, event.tag, when=self._clock()))
        self._enter_tag(event.tag, event.posts, event.info, cursor, record, fresh=True)

    def _open_failed(self, event: RefreshFailed) -> None:
        """A tag that was not cached could not be fetched: stay, and say why."""
        self._set_status(replace(self._status, opening=None))
        if isinstance(event.error, TagRenamed):
            self._offer_renamed(event.error)
            return
        title = "No such tag" if isinstance(event.error, TagNotFound) else "Could not open tag"
        self.notify(
            f"{event.error.message} Still showing “{self._tag}”.",
            title=title,
            severity="error",
            timeout=12,
            markup=False,
        )

    def _offer_renamed(self, error: TagRenamed) -> None:
        """Open the switcher on the tag's new name."""
        note = f"“{error.old}” was renamed to “{error.new}” on the site. Press enter to go there."
        self._open_switcher(initial=error.new, note=note)

    def _save_state(self) -> None:
        if self._state_path is None:
            return
        try:
            save_state(self._state_path, self._state)
        except ReaderError as error:
            self._state_path = None  # say it once, not on every switch
            self.notify(error.message, title="Not saved", severity="warning", markup=False)

    def _open_switcher(self, *, initial: str = "", note: str = "") -> None:
        """Read the known tags off the UI thread, then show the switcher."""
        self.run_worker(
            partial(self._read_known_tags, initial, note),
            thread=True,
            exclusive=True,
            exit_on_error=False,
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
        from .tag_switcher import TagSwitcher  # Input and friends: loaded on first use

        if isinstance(self.app.screen, TagSwitcher):
            return
        switcher = TagSwitcher(
            known, now=self._clock(), suggest=self._suggester(), initial=initial, note=note
        )
        self.app.push_screen(switcher, self._switcher_closed)

    def _switcher_closed(self, tag: str | None) -> None:
        if tag:
            self.switch_tag(tag)

    def _suggester(self) -> Callable[[str], list[TagSuggestion]] | None:
        """Ask the site for tag suggestions (None when offline)."""
        if self._offline_mode:
            return None
        factory = self._client_factory
        base_url = self._base_url

        def suggest(query: str) -> list[TagSuggestion]:
            from ..core.net.autocomplete import suggest_tags
            from ..core.net.fetch import new_client

            client = factory() if factory is not None else new_client()
            with client:
                return suggest_tags(client, base_url, query)

        return suggest

    # -- showing posts --------------------------------------------------------------------

    @on(PostList.Highlighted, "#posts")
    def _post_highlighted(self, event: PostList.Highlighted) -> None:
        """Show the post once the cursor rests: holding j renders nothing on the way."""
        if self._show_timer is not None:
            self._show_timer.stop()
        self._state.remember(self._tag, event.post.id)
        self._show_timer = self.set_timer(self.SHOW_DELAY, self._show_highlighted)

    def _show_highlighted(self) -> None:
        summary = self.post_list.highlighted_post
        if summary is not None:
            self._request_post(summary.id)

    @on(PostList.Selected, "#posts")
    def _post_selected(self, event: PostList.Selected) -> None:
        """Enter/l: show the post now and move into the reading pane."""
        if self._show_timer is not None:
            self._show_timer.stop()
        self._request_post(event.post.id)
        self.reading_pane.focus()

    def _request_post(self, post_id: str) -> None:
        if post_id == self._wanted_id:
            return
        self._wanted_id = post_id
        self.run_worker(
            partial(self._load_post, post_id),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="post",
            description="Read a post from the cache",
        )

    def _load_post(self, post_id: str) -> None:
        """Read one post from the cache (in a thread: a refresh may hold the database), making
        its Markdown first if the refresh that fetched it left that for later."""
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

    @on(PostLoaded)
    def _post_loaded(self, event: PostLoaded) -> None:
        if event.post_id == self._wanted_id:
            if event.post is not None:
                self._positions[event.post_id] = event.line
            self._show(event.post, line=event.line)

    def _show(self, post: Post | None, *, line: int = 0) -> None:
        if post is self._shown:
            return
        self._remember_position()
        self._shown = post
        self.reading_pane.show_post(post, line=line)
        if post is not None and post.id not in self._read:
            self._set_read(post.id, True)

    def _remember_position(self, *, now: bool = False) -> None:
        """Save how far the shown post was read (off the UI thread unless ``now``)."""
        post, pane = self._shown, self._pane
        if post is None or pane is None or post.id != pane.post_id:
            return
        line = pane.position
        if self._positions.get(post.id, 0) == line:
            return
        self._positions[post.id] = line
        save = partial(self._store.set_position, post.id, line, when=self._clock())
        if now:
            with contextlib.suppress(ReaderError):
                save()
        else:
            self._write_state(save)

    # -- read state -----------------------------------------------------------------------

    @property
    def read_ids(self) -> set[str]:
        """The posts marked read, in every tag."""
        return self._read

    def _set_read(self, post_id: str, read: bool) -> None:
        """Mark a post read or unread: at once on screen, in the cache off the UI thread."""
        self.post_list.mark(post_id, read)  # before the shared set changes: it counts
        if read:
            self._read.add(post_id)
        else:
            self._read.discard(post_id)
        self._read_writes += 1
        self._write_state(partial(self._save_read, self._read_writes, post_id, read))

    def _save_read(self, sequence: int, post_id: str, read: bool) -> None:
        """Thread: save a read mark unless a later one for the same post got there first."""
        with self._read_lock:
            if self._read_written.get(post_id, 0) > sequence:
                return
            self._read_written[post_id] = sequence
            self._store.set_read(post_id, read, when=self._clock())

    def _write_state(self, write: Callable[[], object]) -> None:
        """Run a small write to the cache in a thread (a refresh may hold the database)."""
        self.run_worker(
            write,
            thread=True,
            exit_on_error=False,
            group="reader-state",
            description="Save the reading state",
        )

    def _current_summary(self) -> PostSummary | None:
        """The post the keys act on: the one open in the pane when it has focus, else the
        highlighted one."""
        shown = self._shown
        if shown is not None and self.focused is not self.post_list:
            return shown.summary
        return self.post_list.highlighted_post

    def action_toggle_read(self) -> None:
        """Mark the post read or unread."""
        summary = self._current_summary()
        if summary is None:
            return
        read = summary.id not in self._read
        self._set_read(summary.id, read)
        self.notify(f"Marked {'read' if read else 'unread'}: {summary.title}", markup=False)

    @on(ReadingPane.LinkClicked)
    def _link_clicked(self, event: ReadingPane.LinkClicked) -> None:
        """A link clicked in the post: followed like one chosen from the links list."""
        self.follow_link(event.link)

    @on(ReadingPane.TagChosen)
    def _post_tag_chosen(self, event: ReadingPane.TagChosen) -> None:
        """A tag of the open post was chosen: go there, keeping this post highlighted."""
        self.switch_tag(event.tag, highlight=event.post_id)

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide "Back to list" while the list has focus; dim post actions with no post."""
        if action == "focus_list":
            return self.focused is not self.post_list
        if action in _POST_ACTIONS:
            return True if self.post_list.posts else None
        if action == "choose_post_tag":
            return True if self._shown is not None and self._shown.tags else None
        if action == "links":
            return True if self._shown is not None else None
        if action == "post_back":
            return True if self._post_history.can_go_back else None
        if action == "post_forward":
            return True if self._post_history.can_go_forward else None
        if action == "tag_back":
            return True if self._history.can_go_back else None
        if action == "tag_forward":
            return True if self._history.can_go_forward else None
        return True

    def action_focus_list(self) -> None:
        """Back to the list."""
        self.post_list.focus()

    def action_switch_pane(self) -> None:
        """Toggle focus between the list and the reading pane."""
        if self.focused is self.post_list:
            self.reading_pane.focus()
        else:
            self.post_list.focus()

    def action_next_post(self) -> None:
        """Move to the next (older) post, wherever the focus is."""
        self.post_list.action_cursor_down()

    def action_previous_post(self) -> None:
        """Move to the previous (newer) post, wherever the focus is."""
        self.post_list.action_cursor_up()

    def action_open_in_browser(self) -> None:
        """Open a link post's linked page, or the post itself, in the browser."""
        from ..core.feed.postlinks import linked_page

        summary = self._current_summary()
        if summary is None:
            self.notify("No post selected.", severity="warning", markup=False)
            return
        shown = self._shown
        linked = linked_page(shown) if shown is not None and shown.id == summary.id else None
        self.open_web(linked.url if linked is not None else summary.url)

    def action_open_post_in_browser(self) -> None:
        """Open the post itself on the blog."""
        summary = self._current_summary()
        if summary is None:
            self.notify("No post selected.", severity="warning", markup=False)
            return
        self.open_web(summary.url)

    def open_web(self, url: str) -> None:
        """Open ``url`` in the browser, saying which; only http(s) addresses are ever opened."""
        if not is_web_url(url):
            self.notify(
                f"Not opening {url}: only http and https addresses are opened.",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(url)
        self.notify(f"Opening {url}", markup=False)

    def action_copy_url(self) -> None:
        """Copy the post's address to the clipboard (OSC 52: works over SSH)."""
        summary = self._current_summary()
        if summary is None:
            return
        self.app.copy_to_clipboard(summary.url)
        self.notify(f"Copied {summary.url}", title="Copied", markup=False)

    # -- links in a post ------------------------------------------------------------------

    def action_links(self) -> None:
        """List the open post's links, numbered; the chosen one is followed."""
        from ..core.feed.postlinks import post_links
        from .links import LinksScreen

        post = self._shown
        if post is None:
            self.notify("No post open.", markup=False)
            return
        links = post_links(post)
        if not links:
            self.notify("This post has no links.", markup=False)
            return
        self.app.push_screen(LinksScreen(post.title, links), self.follow_link)

    def follow_link(self, link: Link | None) -> None:
        """Follow a link: a cached post of the site opens here, a tag page switches tag,
        other http(s) links open in the browser; anything else is refused."""
        from ..core.feed.postlinks import Target, classify

        if link is None:
            return
        target, value = classify(link.url, self._base_url)
        if target is Target.TAG:
            self.switch_tag(value)
        elif target is Target.POST:
            self.run_worker(
                partial(self._find_linked_post, value, link.url),
                thread=True,
                exclusive=True,
                exit_on_error=False,
                group="linked-post",
                description="Look for a linked post in the cache",
            )
        else:
            self.open_web(link.url)

    def _find_linked_post(self, post_id: str, url: str) -> None:
        try:
            cached = self._store.get_post(post_id) is not None
        except ReaderError:
            cached = False
        self.post_message(LinkedPostFound(post_id, url, cached))

    @on(LinkedPostFound)
    def _linked_post_found(self, event: LinkedPostFound) -> None:
        if not event.cached:  # not in the cache: the site has it
            self.open_web(event.url)
            return
        if self._shown is not None:  # where the link was followed from
            self._post_history.visit(self._shown.id)
        self._post_history.visit(event.post_id)
        self._go_to_post(event.post_id)

    def _go_to_post(self, post_id: str) -> None:
        """Open a post: in the list too if this tag has it, else just in the pane."""
        self.post_list.select_post(post_id)  # its show timer then finds the post wanted already
        self._request_post(post_id)
        self.reading_pane.focus()

    @property
    def post_history(self) -> TagHistory:
        """The posts reached by following links, for alt+←/alt+→."""
        return self._post_history

    def action_post_back(self) -> None:
        """Back to the post a link was followed from."""
        post_id = self._post_history.back()
        if post_id is not None:
            self._go_to_post(post_id)

    def action_post_forward(self) -> None:
        """Forward to the post of a followed link."""
        post_id = self._post_history.forward()
        if post_id is not None:
            self._go_to_post(post_id)

    def action_refresh_feed(self) -> None:
        """Fetch the tag again (not in --offline or demo mode)."""
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
            self._start_refresh()

    def action_switch_tag(self) -> None:
        """Open the tag switcher."""
        self._open_switcher()

    def action_choose_post_tag(self) -> None:
        """Move into the open post's tags, in the reading pane's header."""
        self.reading_pane.focus()
        self.reading_pane.choose_tag()

    def action_tag_back(self) -> None:
        """Back to the previous tag in the history."""
        tag = self._history.back()
        if tag is not None:
            self.switch_tag(tag, record=False)

    def action_tag_forward(self) -> None:
        """Forward in the tag history."""
        tag = self._history.forward()
        if tag is not None:
            self.switch_tag(tag, record=False)

    def action_tag_flip(self) -> None:
        """Flip to the tag read before this one."""
        tag = self._history.previous()
        if tag is None:
            self.notify("No other tag visited yet: press t to go to one.", markup=False)
        else:
            self.switch_tag(tag)

    def action_go_pin(self, number: int) -> None:
        """Go to the tag pinned to ``number``."""
        if 1 <= number <= len(self._pins):
            self.switch_tag(self._pins[number - 1])
        else:
            self.notify(
                f"No tag is pinned to {number}. Press P to pin “{self._tag}”.", markup=False
            )

    def action_toggle_pin(self) -> None:
        """Pin the tag shown (or unpin it), saving the pins in config.toml."""
        if self._config_path is None:
            self.notify("Pins are not saved in the demo.", markup=False)
            return
        was_pinned = self._tag in self._pins
        try:
            self._pins = toggle_pin(self._config_path, self._tag)
        except ReaderError as error:
            self.notify(error.message, title="Not pinned", severity="error", markup=False)
            return
        if was_pinned:
            self.notify(f"Unpinned “{self._tag}”.", markup=False)
        else:
            key = self._pins.index(self._tag) + 1
            self.notify(f"Pinned “{self._tag}”: press {key} to come back to it.", markup=False)

    # -- search -------------------------------------------------------------------------

    def action_search(self) -> None:
        """Search every cached post; the chosen one opens in the reading pane."""
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(self._store), self._search_closed)

    def _search_closed(self, hit: SearchHit | None) -> None:
        """Open the chosen result: in the list if this tag has it, else just in the pane."""
        if hit is None:
            return
        if self.post_list.select_post(hit.id):
            self.post_list.action_select()
        else:  # not in this tag's list: read it anyway, the list stays where it was
            self._request_post(hit.id)
            self.reading_pane.focus()

    # -- archive ------------------------------------------------------------------------

    async def action_archive(self) -> None:
        """Download the tag's whole history in the background (pressed again: stop)."""
        if self._archive_stop is not None:
            self._archive_stop.set()
            self._archive_bar().say(f"Stopping the download of “{self._tag}” after this page…")
            return
        if self._offline_mode:
            self.notify("The whole archive needs the network (offline or demo mode).", markup=False)
            return
        stop = threading.Event()
        self._archive_stop = stop
        tag = self._tag
        text = f"{tag}: asking the site how many posts there are…"
        if self.query("#archive-bar"):
            self._archive_bar().say(text)
            self._archive_bar().show_progress(0, None)
        else:  # the first download: the bar is not built at start-up
            from ..widgets.archive_bar import ArchiveBar

            await self.mount(ArchiveBar(text, id="archive-bar"), before=self.query_one(StatusBar))
        self.add_class("-archiving")
        self.run_worker(
            self._archive(tag, stop),
            exit_on_error=False,
            group="archive",
            description=f"Download the whole archive of {tag}",
        )

    def _archive_bar(self) -> ArchiveBar:
        from ..widgets.archive_bar import ArchiveBar

        return self.query_one("#archive-bar", ArchiveBar)

    async def _archive(self, tag: str, stop: threading.Event) -> None:
        try:
            result = await in_daemon_thread(
                partial(self._archive_blocking, tag, stop), name="archive"
            )
        except ReaderError as error:
            self.post_message(ArchiveEnded(tag, error.message, error))
            return
        self.post_message(ArchiveEnded(tag, result.describe()))

    def _archive_blocking(self, tag: str, stop: threading.Event) -> ArchiveResult:
        """Thread: walk the tag's pages, saving each; reports come back as messages."""
        from ..core.net.archive import archive_tag

        def report(progress: ArchiveProgress) -> None:
            self.post_message(ArchiveProgressed(progress))

        client = self._client_factory() if self._client_factory is not None else None
        try:
            return archive_tag(
                self._store,
                tag,
                base_url=self._base_url,
                client=client,
                on_progress=report,
                cancel=stop,
            )
        finally:
            if client is not None:
                client.close()

    @on(ArchiveProgressed)
    def _archive_progressed(self, event: ArchiveProgressed) -> None:
        progress = event.progress
        self._archive_bar().say(progress.describe())
        self._archive_bar().show_progress(progress.posts, progress.total)
        if progress.pages and progress.tag == self._tag:
            self._reload_list()

    @on(ArchiveEnded)
    def _archive_ended(self, event: ArchiveEnded) -> None:
        self._archive_stop = None
        if event.error is None:
            self.remove_class("-archiving")
            self.notify(event.summary, title="Archive", markup=False)
        else:  # stays on screen until the next download (A) succeeds
            self._archive_bar().say(f"⚠ {event.summary} Press A to resume.")
            self._archive_bar().show_progress(0, 1)
        if event.tag == self._tag:
            self._reload_list()
        self._convert_in_background()

    def _reload_list(self) -> None:
        tag = self._tag
        self.run_worker(
            partial(self._read_list, tag),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="reload-list",
            description=f"Re-read the posts tagged {tag}",
        )

    def _read_list(self, tag: str) -> None:
        try:
            posts = self._store.list_posts(tag)
        except ReaderError:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(ListReloaded(tag, posts))

    @on(ListReloaded)
    def _list_reloaded(self, event: ListReloaded) -> None:
        if event.tag == self._tag:
            self._show_posts(event.posts)
