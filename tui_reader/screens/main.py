"""The reading screen: the post list on the left, the reading pane on the right, a status line.

The screen composes and routes. Its units do the work, each off the UI thread where it waits on
the cache or the network, and report with messages (``tui_reader.messages``):

- ``TagLoader`` paints the first screen from the cache, refreshes in the background, opens tags
  not cached yet and owns the status line's state;
- ``TagNavigator``: tag history, pins and the switcher; ``LinkFollower``: a post's links;
- ``PostLoader`` reads the post the cursor rests on (``SHOW_DELAY``); ``ReadingTracker`` saves
  read marks and positions; ``ArchiveBar`` downloads the whole archive; ``SearchScreen`` searches.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..bindings import MAIN_BINDINGS
from ..controllers.link_follower import LinkFollower
from ..controllers.post_loader import PostLoader
from ..controllers.reading_tracker import ReadingTracker
from ..controllers.tag_loader import ClientFactory, TagLoader
from ..controllers.tag_navigator import TagNavigator
from ..core.errors import InvalidTag, ReaderError
from ..core.models import Kind, Post, PostSummary, YearCount
from ..core.tags import validate_tag
from ..core.user.history import TagHistory
from ..core.user.reader_state import ReaderState, save_state
from ..core.user.settings import Settings
from ..messages import (
    ArchiveEnded,
    ArchiveProgressed,
    GoToTag,
    OpenPost,
    PostLoaded,
    StatusChanged,
    TagEntered,
    TagRefreshed,
    TagRenamedOnSite,
)
from ..startup import resume_collector
from ..widgets.list_pane import ListPane
from ..widgets.post_list import PostList
from ..widgets.reading_pane import ReadingPane
from ..widgets.status_bar import Clock, Status, StatusBar

if TYPE_CHECKING:
    from ..core.cache.search import SearchHit
    from ..core.cache.store import Store
    from ..widgets.archive_bar import ArchiveBar

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

    BINDINGS: ClassVar[list[BindingType]] = MAIN_BINDINGS

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
        self._base_url = base_url
        self._client_factory = client_factory
        self._offline_mode = offline
        self._clock = clock
        self._state = state or ReaderState()
        self._state_path = state_path
        self._settings_problems = settings.problems if settings else ()
        self._shown: Post | None = None
        self._pane: ReadingPane | None = None  # kept: on unmount it can no longer be queried
        self._archive_bar: ArchiveBar | None = None  # built on the first download
        status = Status(tag=tag, offline=offline, demo=demo)
        self._loader = TagLoader(
            store, status, base_url=base_url, client_factory=client_factory, clock=clock
        )
        self._navigator = TagNavigator(
            store,
            tag,
            pins=settings.pins if settings else (),
            config_path=config_path,
            suggest_from=None if offline else (base_url, client_factory),
            clock=clock,
        )
        self._tracker = ReadingTracker(store, clock)
        self._post_loader = PostLoader(store)
        self._links = LinkFollower(store, base_url)

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield ListPane(id="list-pane")
            yield ReadingPane(id="reader")
        yield Static(id="empty")
        yield StatusBar(clock=self._clock, id="status")
        yield Footer()
        yield from (self._loader, self._navigator, self._tracker, self._post_loader, self._links)

    # -- what tests, commands and the app read ---------------------------------------------

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
    def tag(self) -> str:
        """The tag shown."""
        return self._loader.tag

    @property
    def store(self) -> Store:
        """The cache the screen reads."""
        return self._store

    @property
    def history(self) -> TagHistory:
        """The tags visited, for back and forward."""
        return self._navigator.history

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

    # -- start and end ----------------------------------------------------------------------

    def on_mount(self) -> None:
        """Paint from the cache at once, then refresh in the background."""
        self._pane = self.reading_pane
        cursor = self._state.cursors.get(self.tag)
        first = self._loader.first_screen(cursor, self.FIRST_ROWS)
        self.query_one(StatusBar).status = self._loader.status
        self._tracker.start(first.read)
        self._list_pane.set_read_state(self._tracker.read_ids, first.since)
        self._show_posts(first.posts, cursor=cursor, years=first.years)
        if first.years is not None:  # only the newest posts so far: the rest, once painted
            self.call_after_refresh(self._loader.reload)
        self.post_list.focus()
        self._state.last_tag = self.tag
        for problem in self._settings_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15, markup=False)
        self._loader.start_refresh()
        self.call_after_refresh(resume_collector)

    def on_unmount(self) -> None:
        """Save the tag and the cursors for the next start; stop an archive download."""
        if self._archive_bar is not None:
            self._archive_bar.stop()
        self._remember_position(now=True)
        self._save_state()

    def _save_state(self) -> None:
        if self._state_path is None:
            return
        try:
            save_state(self._state_path, self._state)
        except ReaderError as error:
            self._state_path = None  # say it once, not on every switch
            self.notify(error.message, title="Not saved", severity="warning", markup=False)

    # -- the list ---------------------------------------------------------------------------

    def _show_posts(
        self,
        posts: Sequence[PostSummary],
        *,
        cursor: str | None = None,
        years: dict[int, YearCount] | None = None,
    ) -> None:
        self._list_pane.show(self.tag, posts, cursor=cursor, years=years)
        self._list_changed()

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
            text = self._list_pane.empty_message(self._loader.status)
            self.query_one("#empty", Static).update(text)

    @on(StatusChanged)
    def _status_changed(self, event: StatusChanged) -> None:
        self.query_one(StatusBar).status = event.status
        self._update_empty_text()

    # -- tags -------------------------------------------------------------------------------

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
        if tag != self.tag:
            self._loader.switch(tag, highlight, record)
        elif highlight is not None:
            self.post_list.select_post(highlight)

    @on(GoToTag)
    def _go_to_tag(self, event: GoToTag) -> None:
        self.switch_tag(event.tag, highlight=event.highlight, record=event.record)

    @on(TagEntered)
    def _tag_entered(self, event: TagEntered) -> None:
        if event.record:
            self._navigator.visited(event.tag)
        self._state.last_tag = event.tag
        self._list_pane.set_read_state(self._tracker.read_ids, event.since)
        self._show_posts(event.posts, cursor=event.cursor or self._state.cursors.get(event.tag))
        self._save_state()

    @on(TagRefreshed)
    def _tag_refreshed(self, event: TagRefreshed) -> None:
        if event.tag == self.tag:
            self._show_posts(event.posts)

    @on(TagRenamedOnSite)
    def _tag_renamed(self, event: TagRenamedOnSite) -> None:
        self._navigator.offer_renamed(event.error)

    @on(ReadingPane.TagChosen)
    def _post_tag_chosen(self, event: ReadingPane.TagChosen) -> None:
        """A tag of the open post was chosen: go there, keeping this post highlighted."""
        self.switch_tag(event.tag, highlight=event.post_id)

    # -- posts ------------------------------------------------------------------------------

    @on(PostList.Highlighted, "#posts")
    def _post_highlighted(self, event: PostList.Highlighted) -> None:
        """Show the post once the cursor rests: holding j renders nothing on the way."""
        self._state.remember(self.tag, event.post.id)
        self._post_loader.request_when_rested(self.SHOW_DELAY, self._highlighted_id)

    def _highlighted_id(self) -> str | None:
        summary = self.post_list.highlighted_post
        return summary.id if summary is not None else None

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

    @on(ArchiveProgressed)
    def _archive_progressed(self, event: ArchiveProgressed) -> None:
        if event.progress.pages and event.progress.tag == self.tag:
            self._loader.reload()

    @on(ArchiveEnded)
    def _archive_ended(self, event: ArchiveEnded) -> None:
        if event.error is None:
            self.remove_class("-archiving")
            self.notify(event.summary, title="Archive", markup=False)
        if event.tag == self.tag:
            self._loader.reload()
        self._loader.convert_in_background()

    # -- actions ----------------------------------------------------------------------------

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
        elif action in ("post_back", "post_forward", "tag_back", "tag_forward"):
            history = self.post_history if action.startswith("post") else self.history
            available = history.can_go_back if action.endswith("back") else history.can_go_forward
        else:
            return True
        return True if available else None

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

    def action_post_back(self) -> None:
        """Back to the post a link was followed from."""
        self._links.back()

    def action_post_forward(self) -> None:
        """Forward to the post of a followed link."""
        self._links.forward()

    def action_refresh_feed(self) -> None:
        """Fetch the tag again (not in --offline or demo mode)."""
        self._loader.refresh_requested()

    def action_switch_tag(self) -> None:
        """Open the tag switcher."""
        self._navigator.open_switcher()

    def action_choose_post_tag(self) -> None:
        """Move into the open post's tags, in the reading pane's header."""
        self.reading_pane.focus()
        self.reading_pane.choose_tag()

    def action_tag_back(self) -> None:
        """Back to the previous tag in the history."""
        self._navigator.back()

    def action_tag_forward(self) -> None:
        """Forward in the tag history."""
        self._navigator.forward()

    def action_tag_flip(self) -> None:
        """Flip to the tag read before this one."""
        self._navigator.flip()

    def action_go_pin(self, number: int) -> None:
        """Go to the tag pinned to ``number``."""
        self._navigator.go_pin(number, self.tag)

    def action_toggle_pin(self) -> None:
        """Pin the tag shown (or unpin it), saving the pins in config.toml."""
        self._navigator.toggle_pin(self.tag)

    def action_search(self) -> None:
        """Search every cached post; the chosen one opens in the reading pane."""
        from .search import SearchScreen

        self.app.push_screen(SearchScreen(self._store), self._search_closed)

    def _search_closed(self, hit: SearchHit | None) -> None:
        """Open the chosen result: in the list if this tag has it, else just in the pane."""
        if hit is not None and self.post_list.select_post(hit.id):
            self.post_list.action_select()
        elif hit is not None:  # not in this tag's list: read it anyway, the list stays
            self._open_post(hit.id)

    async def action_archive(self) -> None:
        """Download the tag's whole history in the background (pressed again: stop)."""
        bar = self._archive_bar
        if bar is not None and bar.running:
            bar.stop(self.tag)
        elif self._offline_mode:
            self.notify("The whole archive needs the network (offline or demo mode).", markup=False)
        else:
            if bar is None:  # the first download: the bar is not built at start-up
                bar = await self._mount_archive_bar()
            self.add_class("-archiving")
            bar.start(self.tag)

    async def _mount_archive_bar(self) -> ArchiveBar:
        from ..widgets.archive_bar import ArchiveBar

        bar = ArchiveBar(
            self._store,
            base_url=self._base_url,
            client_factory=self._client_factory,
            id="archive-bar",
        )
        await self.mount(bar, before=self.query_one(StatusBar))
        self._archive_bar = bar
        return bar
