"""The followed tags overview (``F``): each followed tag's unread and total counts, what is new
since the last visit, when it was fetched and its last error in words, and its posts per year;
then the tags most often found with the current one. Type to filter; ``enter`` opens a tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..core.errors import ReaderError
from ..core.models import TagOverview
from ..widgets.followed_rows import overview_header, overview_row, renamed_to, sort_and_filter
from ..widgets.option_steps import move_highlight

if TYPE_CHECKING:
    from ..controllers.following import Following

HEADER = Content.styled(overview_header(), "dim")
HINT = "enter open · ctrl+r refresh · ctrl+f follow/unfollow · esc close"


@dataclass
class _Read(Message):
    """What the cache says of the followed tags, and the tags found with the current one."""

    items: list[TagOverview]
    related: list[tuple[str, int]]
    error: str | None = None


class TagRow(Option):
    """A row naming a tag; ``followed`` tells a followed tag from a related one."""

    def __init__(self, tag: str, prompt: Content, *, followed: bool, renamed: str | None) -> None:
        super().__init__(prompt, id=f"{'followed' if followed else 'related'}:{tag}")
        self.tag = tag
        self.followed = followed
        self.renamed = renamed


class FollowedScreen(ModalScreen[str | None]):
    """The followed tags at a glance; returns the tag to open, or None."""

    DEFAULT_CSS = """
    FollowedScreen {
        align: center top;
    }
    #followed {
        width: 116;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        margin-top: 2;
        border: round $border;
        background: $surface;
        padding: 0 1;
    }
    #followed-options {
        height: auto;
        max-height: 70vh;
        border: none;
        padding: 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="followed.close"),
        Binding("down", "move(1)", "Next tag", show=False, id="followed.down"),
        Binding("up", "move(-1)", "Previous tag", show=False, id="followed.up"),
        Binding("ctrl+r", "refresh_tag", "Refresh tag", id="followed.refresh"),
        Binding("ctrl+f", "toggle_follow", "Follow/unfollow", id="followed.follow"),
    ]

    def __init__(self, following: Following, current: str, *, now: datetime) -> None:
        super().__init__()
        self._following = following
        self._current = current
        self._now = now
        ready = following.overview_for(current)  # read ahead: painted at once, then again
        self._items: list[TagOverview] = ready.items if ready else []
        self._related: list[tuple[str, int]] = ready.related if ready else []

    def compose(self) -> ComposeResult:
        with Vertical(id="followed"):
            yield Input(placeholder="Type to filter the followed tags", id="followed-input")
            yield OptionList(id="followed-options", markup=False)
            yield Static(Content.styled(HINT, "dim"), id="followed-hint")

    def on_mount(self) -> None:
        count = len(self._following.tags)
        noun = "tag" if count == 1 else "tags"
        self.query_one("#followed", Vertical).border_title = f"{count} followed {noun}"
        self.query_one(Input).focus()
        if self._items or self._related:
            self._show("")
        self.reload()

    @property
    def options(self) -> OptionList:
        """The rows."""
        return self.query_one("#followed-options", OptionList)

    @work(thread=True, exclusive=True, group="overview", exit_on_error=False)
    def reload(self) -> None:
        """Read the overview from the cache (a thread: a refresh may hold the database)."""
        try:
            overview = self._following.overview_now(self._current)
        except ReaderError as error:
            self.post_message(_Read([], [], error.message))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(_Read(overview.items, overview.related))

    @on(_Read)
    def _read(self, event: _Read) -> None:
        self._items, self._related = event.items, event.related
        self._show(self.query_one(Input).value, keep=True)
        if event.error:
            self.query_one("#followed-hint", Static).update(Content(event.error))

    @on(Input.Changed, "#followed-input")
    def _typed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str, *, keep: bool = False) -> None:
        """List the rows matching ``query``: the first tag highlighted, or (``keep``, after a
        reload) the one highlighted before."""
        before = self.options.highlighted_option
        options = list(self._rows(query))
        self.options.set_options(options)
        ids = [option.id for option in options]
        if keep and before is not None and before.id is not None and before.id in ids:
            self.options.highlighted = ids.index(before.id)
        elif any(not option.disabled for option in options):
            self.options.highlighted = next(i for i, o in enumerate(options) if not o.disabled)

    def _rows(self, query: str) -> Sequence[Option]:
        rows: list[Option] = [Option(HEADER, disabled=True)] if self._items else []
        for item in sort_and_filter(self._items, query):
            prompt = overview_row(item, self._now)
            rows.append(TagRow(item.tag, prompt, followed=True, renamed=renamed_to(item.error)))
        if not self._items:
            rows.append(
                Option(Content("No followed tags yet: + follows the tag you read."), disabled=True)
            )
        related = [(tag, n) for tag, n in self._related if query.strip().lower() in tag]
        if related:
            rows.append(
                Option(Content.styled(f"Often with “{self._current}”", "bold"), disabled=True)
            )
            for tag, count in related:
                mark = "  followed" if self._following.is_followed(tag) else ""
                prompt = Content.assemble(
                    tag.ljust(22), (f"{count:>6,} posts together{mark}", "dim")
                )
                rows.append(TagRow(tag, prompt, followed=False, renamed=None))
        return rows

    def _highlighted(self) -> TagRow | None:
        option = self.options.highlighted_option
        return option if isinstance(option, TagRow) else None

    def action_move(self, step: int) -> None:
        """Move the highlight."""
        move_highlight(self.options, step)

    @on(Input.Submitted, "#followed-input")
    def _submitted(self, event: Input.Submitted) -> None:
        row = self._highlighted()
        if row is not None:
            self.dismiss(row.tag)

    @on(OptionList.OptionSelected, "#followed-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option, TagRow):
            self.dismiss(event.option.tag)

    def action_refresh_tag(self) -> None:
        """Refresh the highlighted tag now, however recently it was fetched."""
        row = self._highlighted()
        if row is not None:
            self._following.refresh_all(only=row.tag)

    def action_toggle_follow(self) -> None:
        """Follow or unfollow the highlighted tag (a renamed one: follow its new name)."""
        row = self._highlighted()
        if row is None:
            return
        if row.renamed is not None and not self._following.is_followed(row.renamed):
            self._following.toggle(row.renamed)
        self._following.toggle(row.tag)
        self.reload()
