"""The reading screen of a tag: its posts beside the reading pane, a status line.

The screen composes and routes; its units do the work off the UI thread and report with
messages (``tui_reader.messages``). On top of :class:`~.reading.ReadingScreen` (the list, the
pane, read marks, links, search):

- ``TagLoader`` paints the first screen from the cache, refreshes in the background, opens tags
  not cached yet and owns the status line's state;
- ``TagNavigator``: tag history, pins and the switcher;
- ``Following``: the followed tags, ``R``, the auto-refresh and the unread list (``U``);
- ``ArchiveBar`` downloads the whole archive (``A``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType

from ..bindings import MAIN_BINDINGS
from ..controllers.following import FIRST_UNREAD, Following, progress_text
from ..controllers.tag_loader import TagLoader
from ..controllers.tag_navigator import TagNavigator
from ..core.errors import InvalidTag
from ..core.models import PostSummary, YearCount
from ..core.tags import validate_tag
from ..core.user.history import TagHistory
from ..messages import (
    ArchiveEnded,
    ArchiveProgressed,
    FollowChanged,
    FollowRefreshEnded,
    FollowRefreshProgressed,
    GoToTag,
    StatusChanged,
    TagEntered,
    TagFactsChanged,
    TagRefreshed,
    TagRenamedOnSite,
    UnreadLoaded,
)
from ..session import ReaderSession
from ..startup import resume_collector
from ..widgets.reading_pane import ReadingPane
from ..widgets.status_bar import StatusBar
from .reading import ReadingScreen

if TYPE_CHECKING:
    from ..widgets.archive_bar import ArchiveBar


class MainScreen(ReadingScreen):
    """A tag's posts beside the reading pane (or the unread posts of the followed tags)."""

    FIRST_ROWS: ClassVar[int] = 250
    """At most this many posts are read before the first paint: two screens' worth (more
    than the terminal shows); a longer list's other posts are read straight after."""

    BINDINGS: ClassVar[list[BindingType]] = MAIN_BINDINGS

    def __init__(self, session: ReaderSession) -> None:
        super().__init__(session)
        self._state = session.state
        self._archive_bar: ArchiveBar | None = None  # built on the first download
        self._loader = TagLoader(session)
        self._navigator = TagNavigator(session)
        self._following = Following(session)
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield from (self._loader, self._navigator, self._following)

    # -- what tests, commands and the app read ---------------------------------------------

    @property
    def tag(self) -> str:
        """The tag shown."""
        return self._loader.tag

    @property
    def history(self) -> TagHistory:
        """The tags visited, for back and forward."""
        return self._navigator.history

    # -- start and end ----------------------------------------------------------------------

    def on_mount(self) -> None:
        """Paint from the cache at once, then refresh in the background."""
        cursor = self._state.cursors.get(self.tag)
        rows = min(self.FIRST_ROWS, max(50, 2 * self.app.size.height))  # size 0: not known yet
        first = self._loader.first_screen(cursor, rows)
        self.query_one(StatusBar).status = self._loader.status
        self._tracker.start(first.read)
        self._list_pane.set_read_state(self._tracker.read_ids, first.since)
        self._list_pane.set_facts(first.facts)
        self._show_posts(first.posts, cursor=cursor, years=first.years)
        if first.years is not None:  # only the newest posts so far: the rest, once painted
            self.call_after_refresh(self._loader.reload)
        self.post_list.focus()
        self._state.last_tag = self.tag
        for problem in self._session.settings.problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15, markup=False)
        self._loader.start_refresh()
        self.call_after_refresh(resume_collector)
        self.call_after_refresh(self._following.read_overview, self.tag)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first time the screen is shown, Textual need not style every widget again:
        each was styled as it was mounted, and every change since (a class, the focus)
        restyled what it touched. (Runs before Textual's own handler of the event; saves
        ~17 M instructions, ~2 ms, before the first frame.)"""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_unmount(self) -> None:
        """Save the tag and the cursors for the next start; stop an archive download."""
        if self._archive_bar is not None:
            self._archive_bar.stop()
        self._session.save_state()

    # -- the list ---------------------------------------------------------------------------

    def _show_posts(
        self,
        posts: Sequence[PostSummary],
        *,
        cursor: str | None = None,
        years: dict[int, YearCount] | None = None,
    ) -> None:
        self._list_pane.show(self.tag, posts, cursor=cursor, years=years)
        self._list_pane.set_followed(self._following.is_followed(self.tag))
        self._list_changed()

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
        if tag != self.tag or self._list_pane.showing_unread:
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
        self._list_pane.set_facts(event.info.site if event.info else None)
        self._show_posts(event.posts, cursor=event.cursor or self._state.cursors.get(event.tag))
        self._session.save_state()

    @on(TagRefreshed)
    def _tag_refreshed(self, event: TagRefreshed) -> None:
        if event.tag == self.tag and not self._list_pane.showing_unread:
            self._show_posts(event.posts)

    @on(TagFactsChanged)
    def _tag_facts_changed(self, event: TagFactsChanged) -> None:
        if event.tag == self.tag:
            self._list_pane.set_facts(event.facts)

    @on(TagRenamedOnSite)
    def _tag_renamed(self, event: TagRenamedOnSite) -> None:
        self._navigator.offer_renamed(event.error)

    @on(ReadingPane.TagChosen)
    def _post_tag_chosen(self, event: ReadingPane.TagChosen) -> None:
        """A tag of the open post was chosen: go there, keeping this post highlighted."""
        self.switch_tag(event.tag, highlight=event.post_id)

    # -- posts ------------------------------------------------------------------------------

    def _cursor_moved(self, post_id: str) -> None:
        """Remember where the cursor is in this tag (not in the unread list)."""
        if not self._list_pane.showing_unread:
            self._state.remember(self.tag, post_id)

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
        """Dim the tag history's keys where there is nowhere to go (and post keys, below)."""
        if action in ("tag_back", "tag_forward"):
            history = self.history
            available = history.can_go_back if action == "tag_back" else history.can_go_forward
            return True if available else None
        return super().check_action(action, parameters)

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
        self._following.pins_changed(self._navigator.pins)

    # -- followed tags ----------------------------------------------------------------------

    def action_toggle_follow(self) -> None:
        """Follow the tag shown, or stop following it (saved in config.toml)."""
        self._following.toggle(self.tag)

    def action_refresh_followed(self) -> None:
        """Fetch new posts for every followed tag, in the background."""
        self._following.refresh_all()

    def action_followed(self) -> None:
        """The followed tags overview; the chosen tag opens."""
        from .followed import FollowedScreen

        overview = FollowedScreen(self._following, self.tag, now=self._session.clock())
        self.app.push_screen(overview, lambda tag: self.switch_tag(tag) if tag else None)

    def action_unread(self) -> None:
        """List every unread post of the followed tags (pressed again: back to the tag)."""
        if self._list_pane.showing_unread:
            self._loader.switch(self.tag, None, False)
        else:
            self._following.load_unread()

    @on(UnreadLoaded)
    def _unread_loaded(self, event: UnreadLoaded) -> None:
        """The unread list: its newest posts at once, then (if still shown) all of them."""
        if event.error:
            self.notify(event.error, title="Unread", severity="error", markup=False)
        elif not event.rest or self._list_pane.showing_unread:
            cursor = self._highlighted_id() if event.rest else None
            newest = not event.rest and len(event.posts) >= FIRST_UNREAD
            self._list_pane.show_unread(event.posts, len(event.tags), cursor=cursor, newest=newest)
            self._list_changed()

    @on(FollowChanged)
    def _follow_changed(self, event: FollowChanged) -> None:
        self._list_pane.set_followed(self.tag in event.tags)
        self._following.read_overview(self.tag)

    @on(FollowRefreshProgressed)
    def _follow_progressed(self, event: FollowRefreshProgressed) -> None:
        text = progress_text(event.done, event.total, event.tag)
        self.query_one(StatusBar).activity = text

    @on(FollowRefreshEnded)
    def _follow_refreshed(self, event: FollowRefreshEnded) -> None:
        """Show what the refresh brought: the list shown re-read, the overview too."""
        from .followed import FollowedScreen

        self.query_one(StatusBar).activity = ""
        changed = {o.tag for o in event.outcomes if o.result and not o.result.not_modified}
        if self._list_pane.showing_unread:
            self._following.load_unread()
        elif self.tag in changed:
            self._loader.reload()
        if isinstance(self.app.screen, FollowedScreen):
            self.app.screen.reload()  # which keeps what it reads for the next F
        else:
            self._following.read_overview(self.tag)

    async def action_archive(self) -> None:
        """Download the tag's whole history in the background (pressed again: stop)."""
        bar = self._archive_bar
        if bar is not None and bar.running:
            bar.stop(self.tag)
        elif self._session.offline:
            self.notify("The whole archive needs the network (offline or demo mode).", markup=False)
        else:
            if bar is None:  # the first download: the bar is not built at start-up
                bar = await self._mount_archive_bar()
            self.add_class("-archiving")
            bar.start(self.tag)

    async def _mount_archive_bar(self) -> ArchiveBar:
        from ..widgets.archive_bar import ArchiveBar

        bar = ArchiveBar(self._session, id="archive-bar")
        await self.mount(bar, before=self.query_one(StatusBar))
        self._archive_bar = bar
        return bar
