"""The tag switcher (``t``): type to filter the cached tags, fuzzily, plus the site's suggestions.

The prompt refuses anything that is not a tag before any request is made. Suggestions come
from the site's autocomplete endpoint in a thread worker, a moment after typing stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..core.errors import InvalidTag, ReaderError
from ..core.models import TagInfo, TagSuggestion
from ..core.tags import validate_tag
from ..widgets.option_steps import move_highlight
from ..widgets.status_bar import describe_age

Suggest = Callable[[str], list[TagSuggestion]]
MAX_SHOWN = 60
"""Known tags listed at most: the prompt narrows them."""


@dataclass
class _Suggested(Message):
    """Suggestions from the site for ``query`` (or why there are none)."""

    query: str
    suggestions: list[TagSuggestion]
    error: str | None = None


class TagOption(Option):
    """A tag to switch to; the option id is the tag."""

    def __init__(self, tag: str, prompt: Content) -> None:
        super().__init__(prompt, id=f"tag:{tag}")
        self.tag = tag


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def describe_known(info: TagInfo, now: datetime) -> str:
    """``12 posts cached · 3 unread · fetched 3 h ago`` (``· not fetched`` for tags only seen
    on posts)."""
    fetched = f"fetched {describe_age(info.fetched_at, now)}" if info.fetched_at else "not fetched"
    unread = f" · {info.unread:,} unread" if info.unread else ""
    return f"{_plural(info.count, 'post')} cached{unread} · {fetched}"


def ranked_known(query: str, known: Sequence[TagInfo]) -> Iterator[tuple[TagInfo, Content]]:
    """Known tags matching ``query`` fuzzily, best first (all, by post count, when empty)."""
    if not query:
        for info in known[:MAX_SHOWN]:
            yield info, Content(info.tag)
        return
    matcher = Matcher(query)
    scored = [(matcher.match(info.tag), info) for info in known]
    scored = [(score, info) for score, info in scored if score > 0]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].count, pair[1].tag))
    for _, info in scored[:MAX_SHOWN]:
        yield info, matcher.highlight(info.tag)


class TagSwitcher(ModalScreen[str | None]):
    """Choose a tag: returns the validated tag, or None if dismissed."""

    DEFAULT_CSS = """
    TagSwitcher {
        align: center top;
    }
    #switcher {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        margin-top: 3;
        border: round $border;
        background: $surface;
        padding: 0 1;
    }
    #switcher-note {
        color: $text-warning;
        margin-bottom: 1;
    }
    #switcher-error {
        color: $text-error;
        height: auto;
    }
    #switcher-options {
        height: auto;
        max-height: 20;
        border: none;
        padding: 0;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #switcher-hint {
        color: $text-muted;
    }
    """

    SUGGEST_DELAY: ClassVar[float] = 0.3
    """Seconds typing must pause before the site is asked for suggestions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="switcher.cancel"),
        Binding("down", "move(1)", "Next tag", show=False, id="switcher.down"),
        Binding("up", "move(-1)", "Previous tag", show=False, id="switcher.up"),
    ]

    def __init__(
        self,
        known: Sequence[TagInfo],
        *,
        now: datetime,
        suggest: Suggest | None = None,
        initial: str = "",
        note: str = "",
    ) -> None:
        super().__init__()
        self._known = list(known)
        self._known_tags = {info.tag for info in known}
        self._now = now
        self._suggest = suggest
        self._initial = initial
        self._note = note
        self._suggestions: dict[str, list[TagSuggestion]] = {}
        self._suggest_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="switcher"):
            if self._note:
                yield Static(Content(self._note), id="switcher-note")
            yield Input(
                self._initial,
                placeholder="Tag name, or up to three joined by + (ai+copyright)",
                max_length=160,
                id="switcher-input",
            )
            yield Static(id="switcher-error")
            yield OptionList(id="switcher-options", markup=False)
            yield Static(id="switcher-hint")

    def on_mount(self) -> None:
        self.query_one("#switcher", Vertical).border_title = "Go to tag"
        self._update(self._initial)
        self.query_one(Input).focus()

    @property
    def options(self) -> OptionList:
        """The candidate tags."""
        return self.query_one("#switcher-options", OptionList)

    def _update(self, text: str) -> None:
        query = text.strip()
        error = self.query_one("#switcher-error", Static)
        typed: str | None = None
        if query:
            try:
                typed = validate_tag(query)
            except InvalidTag as invalid:
                error.update(Content(invalid.message))
        if typed is not None or not query:
            error.update("")
        options: list[Option] = []
        seen: set[str] = set()
        for info, label in ranked_known(query.lower(), self._known):
            seen.add(info.tag)
            options.append(
                TagOption(
                    info.tag,
                    Content.assemble(label, ("  " + describe_known(info, self._now), "dim")),
                )
            )
        if typed is not None and typed not in seen:
            seen.add(typed)
            options.append(
                TagOption(
                    typed,
                    Content.assemble(
                        ("Open ", "dim"), (f"“{typed}”", "bold"), ("  not cached yet", "dim")
                    ),
                )
            )
        suggested = [s for s in self._suggestions.get(query.lower(), []) if s.tag not in seen]
        if suggested:
            options.append(Option(Content.styled("From the site", "bold"), disabled=True))
            for suggestion in suggested:
                count = _plural(suggestion.count, "post") if suggestion.count is not None else ""
                options.append(
                    TagOption(
                        suggestion.tag,
                        Content.assemble(suggestion.tag, (f"  {count} on the site", "dim")),
                    )
                )
        option_list = self.options
        option_list.set_options(options)
        if any(not option.disabled for option in options):
            option_list.highlighted = 0
        self._update_hint(query, typed, options)

    def _update_hint(self, query: str, typed: str | None, options: list[Option]) -> None:
        hint = self.query_one("#switcher-hint", Static)
        if self._suggest is None:
            hint.update(Content.styled("Offline: only cached tags are listed.", "dim"))
        elif query and typed is not None and query.lower() not in self._suggestions:
            hint.update(Content.styled("Asking the site for matching tags…", "dim"))
        elif not options:
            hint.update(Content.styled("No tag matches.", "dim"))
        else:
            hint.update(Content.styled("↑/↓ choose · enter go · esc cancel", "dim"))

    @on(Input.Changed, "#switcher-input")
    def _typed(self, event: Input.Changed) -> None:
        self._update(event.value)
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
        query = event.value.strip().lower()
        if self._suggest is not None and query and query not in self._suggestions:
            try:
                validate_tag(query)
            except InvalidTag:
                return
            self._suggest_timer = self.set_timer(self.SUGGEST_DELAY, lambda: self._ask_site(query))

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def _ask_site(self, query: str) -> None:
        """Thread worker: the site's suggestions for ``query``."""
        assert self._suggest is not None
        problem: str | None = None
        try:
            found = self._suggest(query)
        except ReaderError as error:
            found, problem = [], error.message
        if not get_current_worker().is_cancelled:
            self.post_message(_Suggested(query, found, problem))

    @on(_Suggested)
    def _suggested(self, event: _Suggested) -> None:
        self._suggestions[event.query] = event.suggestions
        text = self.query_one(Input).value
        if text.strip().lower() == event.query:
            self._update(text)
            if event.error:
                self.query_one("#switcher-hint", Static).update(
                    Content.styled(f"No suggestions from the site: {event.error}", "dim")
                )

    def action_move(self, step: int) -> None:
        """Move the highlight in the candidates."""
        move_highlight(self.options, step)

    @on(Input.Submitted, "#switcher-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self._choose()

    @on(OptionList.OptionSelected, "#switcher-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option, TagOption):
            self.dismiss(event.option.tag)

    def _choose(self) -> None:
        """Enter: the highlighted tag, else the typed one if it is valid; else refuse."""
        option = self.options.highlighted_option
        if isinstance(option, TagOption):
            self.dismiss(option.tag)
            return
        text = self.query_one(Input).value.strip()
        try:
            self.dismiss(validate_tag(text))
        except InvalidTag as invalid:
            self.query_one("#switcher-error", Static).update(Content(invalid.message))
            self.app.bell()
