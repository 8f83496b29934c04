"""The reading screen: the post list on the left, the reading pane on the right, a status line.

Data flow: the list paints from the cache on mount; a worker refreshes the tag in a daemon thread
and posts the result back as a message; moving the cursor shows a post only after the cursor rests
(``SHOW_DELAY``), and the post itself is read from the cache in a thread worker too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..background import in_daemon_thread
from ..core.errors import FetchError, ReaderError
from ..core.models import MergeCounts, Post, PostSummary, TagInfo
from ..core.store import Store
from ..core.urls import is_web_url
from ..widgets.post_list import PostList, PostOption
from ..widgets.reading_pane import ReadingPane
from ..widgets.status_bar import Clock, Status, StatusBar

if TYPE_CHECKING:
    import httpx

ClientFactory = Callable[[], "httpx.Client"]


@dataclass
class RefreshSucceeded(Message):
    """A refresh finished: the tag's posts as the cache now holds them."""

    posts: list[PostSummary]
    info: TagInfo | None
    new: int
    updated: int


@dataclass
class RefreshFailed(Message):
    """A refresh failed; ``offline`` when the site could not be reached at all."""

    message: str
    offline: bool


@dataclass
class PostLoaded(Message):
    """A post read from the cache for the reading pane."""

    post_id: str
    post: Post | None


def posts_title(count: int, tag: str) -> Content:
    """The list pane's title, like the site's tag page: ``12 posts tagged “llms”``."""
    noun = "post" if count == 1 else "posts"
    return Content(f"{count} {noun} tagged “{tag}”")


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


class MainScreen(Screen[None]):
    """The tag's posts beside the reading pane."""

    SHOW_DELAY: ClassVar[float] = 0.08
    """Seconds the cursor must rest on a post before it is rendered."""

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
            tooltip="Open the post on the web (http/https only)",
            id="main.browser",
        ),
        Binding(
            "r",
            "refresh_feed",
            "Refresh",
            tooltip="Fetch new posts for this tag",
            id="main.refresh",
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
        try:
            posts = self._store.list_posts(self._tag)
            info = self._store.tag_info(self._tag)
        except ReaderError as error:
            posts, info = [], None
            self._set_status(replace(self._status, error=error.message))
        self._set_status(replace(self._status, fetched_at=info.fetched_at if info else None))
        self._show_posts(posts)
        self.post_list.focus()
        if not self._offline_mode:
            self._start_refresh()

    def _set_status(self, status: Status) -> None:
        self._status = status
        self.query_one(StatusBar).status = self._status
        if not self.post_list.posts:
            self.query_one("#empty", Static).update(empty_message(self._status))

    def _show_posts(self, posts: Sequence[PostSummary]) -> None:
        post_list = self.post_list
        post_list.set_posts(posts)
        self.query_one("#list-pane").border_title = posts_title(len(posts), self._tag)
        self.set_class(not posts, "-empty")
        if not posts:
            self.query_one("#empty", Static).update(empty_message(self._status))
            self._wanted_id = None
            self._show(None)

    # -- refreshing -----------------------------------------------------------------------

    def _start_refresh(self) -> None:
        self._set_status(replace(self._status, refreshing=True))
        self.run_worker(
            self._refresh(),
            exclusive=True,
            exit_on_error=False,
            group="refresh",
            description=f"Refresh the posts tagged {self._tag}",
        )

    async def _refresh(self) -> None:
        """Refresh off the UI thread and post the outcome back as a message."""
        try:
            posts, info, counts = await in_daemon_thread(self._fetch_and_reread, name="refresh")
        except ReaderError as error:
            self.post_message(RefreshFailed(error.message, offline=type(error) is FetchError))
            return
        self.post_message(RefreshSucceeded(posts, info, counts.new, counts.updated))

    def _fetch_and_reread(self) -> tuple[list[PostSummary], TagInfo | None, MergeCounts]:
        """Fetch and merge the tag, then re-read its list (blocks on the network)."""
        from ..core.refresh import refresh_tag

        client = self._client_factory() if self._client_factory is not None else None
        try:
            result = refresh_tag(self._store, self._tag, base_url=self._base_url, client=client)
        finally:
            if client is not None:
                client.close()
        return self._store.list_posts(self._tag), self._store.tag_info(self._tag), result.counts

    @on(RefreshSucceeded)
    def _refreshed(self, event: RefreshSucceeded) -> None:
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
        self._report_failure(event.message, offline=event.offline)

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

    # -- showing posts --------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#posts")
    def _post_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the post once the cursor rests: holding j renders nothing on the way."""
        if self._show_timer is not None:
            self._show_timer.stop()
        if isinstance(event.option, PostOption):
            self._show_timer = self.set_timer(self.SHOW_DELAY, self._show_highlighted)

    def _show_highlighted(self) -> None:
        summary = self.post_list.highlighted_post
        if summary is not None:
            self._request_post(summary.id)

    @on(OptionList.OptionSelected, "#posts")
    def _post_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter/l: show the post now and move into the reading pane."""
        if self._show_timer is not None:
            self._show_timer.stop()
        if isinstance(event.option, PostOption):
            self._request_post(event.option.summary.id)
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
        """Read one post from the cache (in a thread: a refresh may hold the database)."""
        try:
            post = self._store.get_post(post_id)
        except ReaderError:
            post = None
        if not get_current_worker().is_cancelled:
            self.post_message(PostLoaded(post_id, post))

    @on(PostLoaded)
    def _post_loaded(self, event: PostLoaded) -> None:
        if event.post_id == self._wanted_id:
            self._show(event.post)

    def _show(self, post: Post | None) -> None:
        if post is self._shown:
            return
        self._shown = post
        self.reading_pane.show_post(post)

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide "Back to list" while the list has focus; dim post actions with no post."""
        if action == "focus_list":
            return self.focused is not self.post_list
        if action in ("next_post", "previous_post", "open_in_browser", "switch_pane"):
            return True if self.post_list.posts else None
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
        """Open the post on the web; only http(s) addresses are ever opened."""
        in_pane = self.focused is not self.post_list and self._shown is not None
        summary = (
            self._shown.summary if in_pane and self._shown else self.post_list.highlighted_post
        )
        if summary is None:
            self.notify("No post selected.", severity="warning", markup=False)
            return
        if not is_web_url(summary.url):
            self.notify(
                f"Not opening {summary.url}: only http and https addresses are opened.",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(summary.url)
        self.notify(f"Opening {summary.url}", markup=False)

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
