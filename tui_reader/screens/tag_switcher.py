"""The tag switcher (``t``): type to filter the cached tags, fuzzily, plus the site's suggestions.

The prompt refuses anything that is not a tag before any request is made. Suggestions come
from the site's autocomplete endpoint in a thread worker, a moment after typing stops; only
those for the text in the prompt are ever listed (a late answer for older text is kept, not
shown). The highlight starts on the best candidate (:func:`best_choice`), and ``enter`` goes
to the highlighted row; pressed while the only candidate is the typed text and the site has
not answered yet, it waits for the answer (or its failure) and then goes to the best.
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
    """A tag to switch to; the option id is the tag (``typed:``: the text typed, as a tag)."""

    def __init__(self, tag: str, prompt: Content, *, typed: bool = False) -> None:
        super().__init__(prompt, id=f"{'typed' if typed else 'tag'}:{tag}")
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


def best_choice(query: str, options: Sequence[Option], exact: set[str]) -> int | None:
    """The row to highlight: a tag that is exactly ``query`` (cached, or ``exact`` on the
    site), else the best fuzzy match among the cached and suggested tags, else the typed
    text (its row carries ``typed`` in its id). None when nothing can be chosen.
    """
    rows = [(index, o) for index, o in enumerate(options) if isinstance(o, TagOption)]
    if not rows:
        return None
    if not query:
        return rows[0][0]
    typed = [index for index, o in rows if o.id == f"typed:{o.tag}"]
    others = [(index, o) for index, o in rows if o.id != f"typed:{o.tag}"]
    for index, option in rows:
        if option.tag == query and (option.id != f"typed:{query}" or query in exact):
            return index
    if others:
        matcher = Matcher(query)
        scored = [(matcher.match(o.tag), -index, index) for index, o in others]
        best = max(scored)
        return best[2] if best[0] > 0 else others[0][0]
    return typed[0] if typed else None


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
        self._chosen: str | None = None  # a tag the user moved the highlight to
        self._enter_waits: str | None = None  # enter pressed: waiting for this text's answer
        self._asking: str | None = None  # the text the site was last asked about

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
        site = self._suggestions.get(query.lower(), [])
        if typed is not None and typed not in seen:
            seen.add(typed)
            on_site = next((s for s in site if s.tag == typed), None)
            note = (
                f"  {_plural(on_site.count, 'post')} on the site"
                if on_site is not None and on_site.count is not None
                else "  not cached yet"
            )
            options.append(
                TagOption(
                    typed,
                    Content.assemble(("Open ", "dim"), (f"“{typed}”", "bold"), (note, "dim")),
                    typed=True,
                )
            )
        suggested = [s for s in site if s.tag not in seen]
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
        kept = [
            i for i, o in enumerate(options) if isinstance(o, TagOption) and o.tag == self._chosen
        ]
        best = kept[0] if kept else best_choice(query.lower(), options, {s.tag for s in site})
        if best is not None:
            option_list.highlighted = best
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
        self._chosen = self._enter_waits = None
        self._update(event.value)
        if self._suggest_timer is not None:
            self._suggest_timer.stop()
        query = event.value.strip().lower()
        if self._suggest is not None and query and query not in self._suggestions:
            try:
                validate_tag(query)
            except InvalidTag:
                return
            self._suggest_timer = self.set_timer(self.SUGGEST_DELAY, lambda: self._ask(query))

    def _ask(self, query: str) -> None:
        """Ask the site about ``query`` (unless that is already under way)."""
        if self._asking != query:
            self._asking = query
            self._ask_site(query)

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
        if text.strip().lower() != event.query:
            return  # an answer for older text: kept for when it is typed again, not shown
        self._update(text)
        if event.error:
            self.query_one("#switcher-hint", Static).update(
                Content.styled(f"No suggestions from the site: {event.error}", "dim")
            )
        if self._enter_waits == event.query:
            self._enter_waits = None
            self._choose()

    def action_move(self, step: int) -> None:
        """Move the highlight in the candidates (kept there when suggestions arrive)."""
        move_highlight(self.options, step)
        option = self.options.highlighted_option
        self._chosen = option.tag if isinstance(option, TagOption) else None

    @on(Input.Submitted, "#switcher-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self._choose()

    @on(OptionList.OptionSelected, "#switcher-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option, TagOption):
            self.dismiss(event.option.tag)

    def _choose(self) -> None:
        """Enter: the highlighted tag, else the typed one if it is valid; else refuse.

        While the highlight is on the typed text only for want of the site's answer, wait
        for the answer first (asked at once), then choose again.
        """
        option = self.options.highlighted_option
        query = self.query_one(Input).value.strip().lower()
        if (
            isinstance(option, TagOption)
            and option.id == f"typed:{option.tag}"
            and self._suggest is not None
            and self._chosen is None
            and query not in self._suggestions
        ):
            self._enter_waits = query
            if self._suggest_timer is not None:
                self._suggest_timer.stop()
            self._ask(query)
            self.query_one("#switcher-hint", Static).update(
                Content.styled("Asking the site which tag you meant…", "dim")
            )
            return
        if isinstance(option, TagOption):
            self.dismiss(option.tag)
            return
        text = self.query_one(Input).value.strip()
        try:
            self.dismiss(validate_tag(text))
        except InvalidTag as invalid:
            self.query_one("#switcher-error", Static).update(Content(invalid.message))
            self.app.bell()
