"""Search every cached post (``/``): results as you type, matches highlighted, ranked by bm25.

The query runs in a thread worker a moment after typing pauses; a newer query cancels an
older one. Every piece of text shown comes from the index as plain segments, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..core.cache.search import SearchHit, SearchResults, Segment, search
from ..core.cache.store import Store
from ..core.errors import ReaderError
from ..core.feed.dates import site_day
from ..widgets.option_steps import move_highlight

HELP = (
    'words  "a phrase"  -exclude  tag:llms  kind:quotation  year:2023 (or 2021-2023)'
    "  · ↑/↓ choose · enter read · esc back"
)


@dataclass
class _Found(Message):
    """Results (or a readable error) for ``text``."""

    text: str
    results: SearchResults | None
    error: str | None = None


class HitOption(Option):
    """A result: the option id is the post id."""

    def __init__(self, hit: SearchHit) -> None:
        super().__init__(hit_prompt(hit), id=hit.id)
        self.hit = hit


def _highlighted(pieces: Iterable[Segment], style: str = "") -> Content:
    return Content.assemble(
        *((piece.text, "$text-warning bold" if piece.match else style) for piece in pieces)
    )


def hit_prompt(hit: SearchHit) -> Content:
    """Three lines: the title (matches highlighted), date · kind · tags, then the snippet."""
    meta = f"{site_day(hit.published)} · {hit.kind.label} · {', '.join(hit.tags)}"
    return Content("\n").join(
        [
            _highlighted(hit.title_segments, "bold"),
            Content.styled(meta, "$text-muted"),
            _highlighted(hit.snippet, "$text-secondary"),
        ]
    )


class SearchScreen(ModalScreen[SearchHit | None]):
    """Returns the chosen result, or None (esc)."""

    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
    }
    #search {
        width: 100;
        max-width: 100%;
        height: 90%;
        margin-top: 1;
        border: round $border;
        background: $surface;
        padding: 0 1;
    }
    #search-results {
        height: 1fr;
        border: none;
        padding: 0;
    }
    """

    DELAY: ClassVar[float] = 0.15
    """Seconds typing must pause before the query runs."""
    LIMIT: ClassVar[int] = 50

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Back", id="search.back"),
        Binding("down", "move(1)", "Next result", show=False, id="search.down"),
        Binding("up", "move(-1)", "Previous result", show=False, id="search.up"),
    ]

    def __init__(self, store: Store, *, initial: str = "") -> None:
        super().__init__()
        self._store = store
        self._initial = initial
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search"):
            yield Input(
                self._initial,
                placeholder="Search every cached post",
                max_length=300,
                id="search-input",
            )
            yield Static(id="search-status")
            yield OptionList(id="search-results", markup=False)
            yield Static(Content.styled(HELP, "$text-muted"), id="search-help")

    def on_mount(self) -> None:
        self.query_one("#search", Vertical).border_title = "Search"
        self.query_one(Input).focus()
        if self._initial:
            self._run(self._initial)

    @property
    def results(self) -> OptionList:
        """The result list."""
        return self.query_one("#search-results", OptionList)

    def _status(self, text: str, style: str = "$text-muted") -> None:
        self.query_one("#search-status", Static).update(Content.styled(text, style))

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        text = event.value
        if not text.strip():
            self.workers.cancel_group(self, "search")
            self.results.clear_options()
            self._status("")
            return
        self._timer = self.set_timer(self.DELAY, lambda: self._run(text))

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run(self, text: str) -> None:
        """Thread worker: run the query (the last word is a prefix: results as you type)."""
        try:
            results: SearchResults | None = search(
                self._store, text, limit=self.LIMIT, prefix_last=True
            )
            error = None
        except ReaderError as problem:
            results, error = None, problem.message
        if not get_current_worker().is_cancelled:
            self.post_message(_Found(text, results, error))

    @on(_Found)
    def _found(self, event: _Found) -> None:
        if event.text != self.query_one(Input).value:
            return  # typing has moved on
        option_list = self.results
        if event.results is None:
            option_list.clear_options()
            self._status(event.error or "That search could not be run.", "$text-error")
            return
        hits = event.results.hits
        option_list.set_options(HitOption(hit) for hit in hits)
        if hits:
            option_list.highlighted = 0
        total = event.results.total if event.results.total is not None else len(hits)
        order = "best match first" if event.results.ranked else "newest first"
        if not total:
            self._status("No cached post matches. `tui-reader fetch TAG --all` caches more.")
        elif total > len(hits):
            self._status(f"{total:,} posts match; the first {len(hits)}, {order}.")
        else:
            self._status(f"{total:,} {'post matches' if total == 1 else 'posts match'}, {order}.")

    def action_move(self, step: int) -> None:
        """Move the highlight in the results."""
        move_highlight(self.results, step)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        option = self.results.highlighted_option
        if isinstance(option, HitOption):
            self.dismiss(option.hit)
        else:
            self.app.bell()

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option, HitOption):
            self.dismiss(event.option.hit)
