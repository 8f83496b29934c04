"""The list of a tag's posts, newest first, under year headings ("2023 · 12")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..core.dates import site_day
from ..core.models import PostSummary
from ..core.sanitize import one_line

DATE_WIDTH = 8  # "15th Nov": the year is in the heading above
KIND_WIDTH = 7  # "chapter"


def row_date(summary: PostSummary) -> str:
    """The row's date: the site's short day without the year (the heading shows it)."""
    day = site_day(summary.published)
    head, _, year = day.rpartition(" ")
    return head if head and year == str(summary.published.year) else day


def post_row(summary: PostSummary) -> Content:
    """One row: date, kind and title. The title is feed text, so it is never markup."""
    return Content.assemble(
        (row_date(summary).rjust(DATE_WIDTH), "dim"),
        "  ",
        (summary.kind.label.ljust(KIND_WIDTH), "$text-accent"),
        "  ",
        one_line(summary.title) or "(untitled)",
    )


class PostOption(Option):
    """A row that carries its post; the option id is the post id."""

    def __init__(self, summary: PostSummary) -> None:
        super().__init__(post_row(summary), id=summary.id)
        self.summary = summary


class YearOption(Option):
    """A year heading with the year's count: disabled, so the cursor skips it."""

    def __init__(self, year: int, count: int) -> None:
        super().__init__(
            Content.assemble((f"{year} · {count}", "bold")), id=f"year:{year}", disabled=True
        )
        self.year = year
        self.count = count


def grouped_options(posts: Sequence[PostSummary]) -> Iterator[Option]:
    """Options for ``posts`` (newest first): each year's heading, then its posts."""
    counts = Counter(post.published.year for post in posts)
    year: int | None = None
    for post in posts:
        if post.published.year != year:
            year = post.published.year
            yield YearOption(year, counts[year])
        yield PostOption(post)


class PostList(OptionList):
    """A fast list of post summaries grouped by year (one line per post)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter,l",
            "select",
            "Read",
            tooltip="Open the highlighted post and focus it",
            id="list.read",
        ),
        Binding("j,down", "cursor_down", "Next row", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Previous row", show=False, id="list.up"),
        Binding("g,home", "first", "First post", show=False, id="list.first"),
        Binding("G,end", "last", "Last post", show=False, id="list.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page-up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._posts: tuple[PostSummary, ...] = ()

    @property
    def posts(self) -> tuple[PostSummary, ...]:
        """The posts shown, newest first."""
        return self._posts

    @property
    def highlighted_post(self) -> PostSummary | None:
        """The post under the cursor, if any."""
        option = self.highlighted_option
        return option.summary if isinstance(option, PostOption) else None

    def set_posts(self, posts: Sequence[PostSummary]) -> None:
        """Show ``posts``, keeping the cursor on the same post and that row where it was.

        ``set_options`` resets the highlight and scroll, so both are restored by post id.
        Nothing happens when the posts are unchanged.
        """
        new = tuple(posts)
        if new == self._posts:
            return
        current = self.highlighted_post
        row_on_screen = (
            self.highlighted - self.scroll_offset.y
            if current is not None and self.highlighted is not None
            else None
        )
        self._posts = new
        self.set_options(grouped_options(new))
        if current is not None and self._has_option(current.id):
            index = self.get_option_index(current.id)
            self.highlighted = index
            if row_on_screen is not None:
                top = max(0, index - row_on_screen)
                self.call_after_refresh(self.scroll_to, y=top, animate=False, immediate=True)
        else:
            self.action_first()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim "Read" when there is nothing to read."""
        if action == "select" and not self._posts:
            return None
        return True

    def action_page_down(self) -> None:
        """Page down, never stopping on a year heading."""
        super().action_page_down()  # type: ignore[no-untyped-call]
        if self.highlighted is None:
            self.action_last()
        self._off_heading()

    def action_page_up(self) -> None:
        """Page up, never stopping on a year heading."""
        super().action_page_up()  # type: ignore[no-untyped-call]
        if self.highlighted is None:
            self.action_first()
        self._off_heading()

    def _off_heading(self) -> None:
        """Paging can land on a (disabled) heading: move to the post below it, else above."""
        index = self.highlighted
        if index is None or not self.options[index].disabled:
            return
        below = range(index + 1, len(self.options))
        above = range(index - 1, -1, -1)
        for candidate in (*below, *above):
            if not self.options[candidate].disabled:
                self.highlighted = candidate
                return

    def _has_option(self, option_id: str) -> bool:
        return option_id in self._id_to_option

    def select_post(self, post_id: str) -> bool:
        """Move the cursor to ``post_id``; False if it is not in the list."""
        if not self._has_option(post_id):
            return False
        self.highlighted = self.get_option_index(post_id)
        return True
