"""Reading a list of posts: the list beside the reading pane, a status line, and the keys that
work on posts (open, next and previous, read marks, links, the browser, search, hiding the list).

:class:`ReadingScreen` is what any list of posts needs; :class:`~.main.MainScreen` builds a
tag's list on it (and the unread posts of the followed tags). Its units: ``PostLoader`` reads
the post the cursor rests on, ``ReadingTracker`` saves read marks and positions, and
``LinkFollower`` follows a post's links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from ..controllers.link_follower import LinkFollower
from ..controllers.post_loader import PostLoader
from ..controllers.reading_tracker import ReadingTracker
from ..core.models import Kind, Post, PostSummary
from ..core.user.history import TagHistory
from ..messages import OpenPost, PostLoaded
from ..session import ReaderSession
from ..widgets.list_pane import ListPane
from ..widgets.post_list import PostList
from ..widgets.reading_pane import ReadingPane
from ..widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from ..core.cache.search import SearchHit
    from ..core.cache.store import Store

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


class ReadingScreen(Screen[None]):
    """A list of posts beside the reading pane; the keys are bound by the subclass."""

    SHOW_DELAY: ClassVar[float] = 0.08
    """Seconds the cursor must rest on a post before it is rendered."""

    def __init__(self, session: ReaderSession) -> None:
        super().__init__()
        self._session = session
        self._shown: Post | None = None
        self._pane: ReadingPane | None = None  # kept: on unmount it can no longer be queried
        self._tracker = ReadingTracker(session.store, session.clock)
        self._post_loader = PostLoader(session.store)
        self._links = LinkFollower(session.store, session.base_url)

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield ListPane(id="list-pane")
            yield ReadingPane(id="reader")
        yield Static(id="empty")
        yield StatusBar(clock=self._session.clock, id="status")
        yield Static(id="footer-space")  # the key bar's row until it is drawn
        yield from (self._tracker, self._post_loader, self._links)

    def on_mount(self) -> None:
        """Keep the pane (on unmount it can no longer be queried); the key bar after the list."""
        self._pane = self.reading_pane
        self.call_after_refresh(self._add_footer)
        self.call_after_refresh(lambda: self.reading_pane.pictures.configure(self._session))

    async def _add_footer(self) -> None:
        """The key bar, in the frame after the first: its eleven widgets are not needed to
        start reading, and composing them first made the list appear ~5 ms later. Its module
        is imported here too: defining its classes costs ~1 ms of the start."""
        from textual.widgets import Footer

        await self.mount(Footer(), after="#footer-space")
        self.query_one("#footer-space").remove()
        self.refresh_bindings()  # a footer draws its keys when the bindings are announced

    def on_unmount(self) -> None:
        """Save how far the open post was read."""
        self._remember_position(now=True)

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

    @property
    def store(self) -> Store:
        """The cache the screen reads."""
        return self._session.store

    @property
    def post_history(self) -> TagHistory:
        """The posts reached by following links, for alt+←/alt+→."""
        return self._links.history

    @property
    def kind_filter(self) -> Kind | None:
        """The only kind of post listed (None: every kind)."""
        return self._list_pane.kind_filter

    @property
    def _list_pane(self) -> ListPane:
        return self.query_one("#list-pane", ListPane)

    def _list_changed(self) -> None:
        """After the list was set: an empty one says why, and the pane shows nothing."""
        empty = not self.post_list.posts
        self.set_class(empty, "-empty")
        if empty:
            self._update_empty_text()
            self._post_loader.forget()
            self._show(None)

    def _update_empty_text(self) -> None:
        if not self.post_list.posts:
            text = self._list_pane.empty_message(self.query_one(StatusBar).status)
            self.query_one("#empty", Static).update(text)

    @on(PostList.Selected, "#posts")
    def _post_selected(self, event: PostList.Selected) -> None:
        """Enter/l: show the post now and move into the reading pane."""
        self._post_loader.cancel_wait()
        self._open_post(event.post.id)

    @on(PostLoaded)
    def _post_loaded(self, event: PostLoaded) -> None:
        if event.post_id == self._post_loader.wanted:
            if event.post is not None:
                self._tracker.position_known(event.post_id, event.line)
            self._show(event.post, line=event.line)

    def _open_post(self, post_id: str) -> None:
        """Read ``post_id`` in the pane now, and move there."""
        self._post_loader.request(post_id)
        self.reading_pane.focus()

    @on(OpenPost)
    def _go_to_post(self, event: OpenPost) -> None:
        """A post reached by a link: in the list too if this tag has it, else just the pane."""
        self.post_list.select_post(event.post_id)  # its show timer finds it wanted already
        self._open_post(event.post_id)

    def _show(self, post: Post | None, *, line: int = 0) -> None:
        if post is self._shown:
            return
        self._remember_position()
        self._shown = post
        self.refresh_bindings()  # the post's keys (links, its tags) follow what is shown
        self.reading_pane.show_post(post, line=line)
        if post is not None and post.id not in self._tracker.read_ids:
            self._set_read(post.id, True)

    def _remember_position(self, *, now: bool = False) -> None:
        post, pane = self._shown, self._pane
        if post is not None and pane is not None and post.id == pane.post_id:
            self._tracker.remember_position(post.id, pane.position, now=now)

    def _set_read(self, post_id: str, read: bool) -> None:
        self.post_list.mark(post_id, read)  # before the shared set changes: it counts
        self._tracker.set_read(post_id, read)

    def _current_summary(self) -> PostSummary | None:
        """The post the keys act on: the one open in the pane when it has focus, else the
        highlighted one."""
        shown = self._shown
        if shown is not None and self.focused is not self.post_list:
            return shown.summary
        return self.post_list.highlighted_post

    @on(ReadingPane.LinkClicked)
    def _link_clicked(self, event: ReadingPane.LinkClicked) -> None:
        """A link clicked in the post: followed like one chosen from the links list."""
        self._links.follow(event.link, came_from=self._shown.id if self._shown else None)

    def action_focus_list(self) -> None:
        """Back to the list (brought back if it was hidden)."""
        self._focus_list()

    def action_switch_pane(self) -> None:
        """Toggle focus between the list and the reading pane."""
        if self.focused is self.post_list:
            self.reading_pane.focus()
        else:
            self._focus_list()

    @property
    def list_hidden(self) -> bool:
        """Whether the post list is hidden (``z``) for the pane to read at full width."""
        return self.has_class("-list-hidden")

    def action_toggle_list(self) -> None:
        """Hide the post list, the pane taking focus, or bring it back (for this session)."""
        if self.list_hidden:
            self._show_list()
        else:
            self.reading_pane.focus()
            self.add_class("-list-hidden")

    def _focus_list(self) -> None:
        self._show_list()
        self.post_list.focus()

    def _show_list(self) -> None:
        """Bring the hidden list back, its cursor in view (n and p moved it while hidden)."""
        if self.list_hidden:
            self.remove_class("-list-hidden")
            post = self.post_list.highlighted_post
            if post is not None:
                self.call_after_refresh(self.post_list.select_post, post.id)

    def action_next_post(self) -> None:
        """Move to the next (older) post, wherever the focus is."""
        self.post_list.action_cursor_down()

    def action_previous_post(self) -> None:
        """Move to the previous (newer) post, wherever the focus is."""
        self.post_list.action_cursor_up()

    def action_cycle_kind(self) -> None:
        """List only the next kind of post (all → entries → links → quotations → notes)."""
        self._list_pane.cycle_kind()
        self._list_changed()

    def action_toggle_read(self) -> None:
        """Mark the post read or unread."""
        summary = self._current_summary()
        if summary is not None:
            read = summary.id not in self._tracker.read_ids
            self._set_read(summary.id, read)
            self.notify(f"Marked {'read' if read else 'unread'}: {summary.title}", markup=False)

    def action_open_in_browser(self) -> None:
        """Open a link post's linked page, or the post itself, in the browser."""
        self._links.open_post_page(self._current_summary(), self._shown)

    def action_open_post_in_browser(self) -> None:
        """Open the post itself on the blog."""
        self._links.open_post_page(self._current_summary())

    def action_copy_url(self) -> None:
        """Copy the post's address to the clipboard (OSC 52: works over SSH)."""
        summary = self._current_summary()
        if summary is not None:
            self.app.copy_to_clipboard(summary.url)
            self.notify(f"Copied {summary.url}", title="Copied", markup=False)

    def action_links(self) -> None:
        """List the open post's links, numbered; the chosen one is followed."""
        self._links.list_links(self._shown)

    def action_toggle_pictures(self) -> None:
        """Turn the pictures in posts on or off for this session."""
        on = self.reading_pane.pictures.toggle()
        self.notify("Pictures on" if on else "Pictures off", title="Pictures")

    def action_load_other_pictures(self) -> None:
        """Fetch the open post's pictures that are on other sites' hosts."""
        hosts = self.reading_pane.pictures.load_other_hosts()
        text = f"Loading pictures from {', '.join(hosts)}" if hosts else "No pictures to load"
        self.notify(text, title="Pictures", markup=False)

    def action_post_back(self) -> None:
        """Back to the post a link was followed from."""
        self._links.back()

    def action_post_forward(self) -> None:
        """Forward to the post of a followed link."""
        self._links.forward()

    def action_search(self) -> None:
        """Search every cached post; the chosen one opens in the reading pane."""
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(self._session.store), self._search_closed)

    def _search_closed(self, hit: SearchHit | None) -> None:
        """Open the chosen result: in the list if this tag has it, else just in the pane."""
        if hit is not None and self.post_list.select_post(hit.id):
            self.post_list.action_select()
        elif hit is not None:  # not in this tag's list: read it anyway, the list stays
            self._open_post(hit.id)

    @on(PostList.Highlighted, "#posts")
    def _post_highlighted(self, event: PostList.Highlighted) -> None:
        """Show the post once the cursor rests: holding j renders nothing on the way."""
        self._cursor_moved(event.post.id)
        self._post_loader.request_when_rested(self.SHOW_DELAY, self._highlighted_id)

    def _cursor_moved(self, post_id: str) -> None:
        """The list's cursor is on ``post_id`` (a subclass remembers it)."""

    def _highlighted_id(self) -> str | None:
        summary = self.post_list.highlighted_post
        return summary.id if summary is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide "Back to list" while the list has focus; dim post actions with no post."""
        if action == "focus_list":
            return self.focused is not self.post_list
        if action in _POST_ACTIONS:
            available = bool(self.post_list.posts)
        elif action == "choose_post_tag":
            available = self._shown is not None and bool(self._shown.tags)
        elif action == "links":
            available = self._shown is not None
        elif action in ("post_back", "post_forward"):
            history = self.post_history
            available = history.can_go_back if action.endswith("back") else history.can_go_forward
        else:
            return True
        return True if available else None
