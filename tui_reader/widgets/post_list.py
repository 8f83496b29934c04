"""The list of a tag's posts, newest first, under year headings ("2023 · 12").

A line-API widget: ``set_posts`` only builds a tuple of rows, and ``render_line`` draws just the
rows on screen, so a tag of thousands of posts is as quick to show and to move through as one
of thirty. Feed text is drawn as plain segments: never parsed as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..core.feed.dates import site_day
from ..core.feed.sanitize import one_line
from ..core.feed.wordcount import LONG_POST, short_length
from ..core.models import PostSummary, Record, YearCount
from .line_view import LineView

DATE_WIDTH = 8  # "15th Nov": the year is in the heading above
KIND_WIDTH = 7  # "chapter"
MARK_WIDTH = 2  # "• " unread, "✦ " new since the last visit (and unread)
UNREAD_MARK = "•"
NEW_MARK = "✦"
MIN_TITLE = 20
"""Cells a title keeps in a narrow list: the kind column, then the date, make way for it."""
LENGTH_ROOM = 12  # a long post's length shows when its title keeps at least this many cells


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class YearRow(Record):
    """A year heading with the year's count; the cursor never stops on it."""

    year: int
    count: int

    @property
    def label(self) -> str:
        """``2023 · 12``."""
        return f"{self.year} · {self.count:,}"

    def label_with(self, unread: int) -> str:
        """``2023 · 12 · 3 unread`` (just ``2023 · 12`` when all are read)."""
        return f"{self.label} · {unread:,} unread" if unread else self.label


Row = YearRow | PostSummary


def row_date(summary: PostSummary) -> str:
    """The row's date: the site's short day without the year (the heading shows it)."""
    day = site_day(summary.published)
    head, _, year = day.rpartition(" ")
    return head if head and year == str(summary.published.year) else day


def grouped_rows(
    posts: Sequence[PostSummary], years: Mapping[int, YearCount] | None = None
) -> tuple[Row, ...]:
    """Rows for ``posts`` (newest first): each year's heading, then its posts. Headings count
    ``posts``, or give ``years``' counts when ``posts`` is only the newest part of a list."""
    counts = (
        Counter(post.published.year for post in posts)
        if years is None
        else Counter({year: count.posts for year, count in years.items()})
    )
    rows: list[Row] = []
    year: int | None = None
    for post in posts:
        if post.published.year != year:
            year = post.published.year
            rows.append(YearRow(year, counts[year]))
        rows.append(post)
    return tuple(rows)


def row_columns(width: int, second: int) -> tuple[int, int]:
    """The widths of the date and of the second column (kind or tags) in a row ``width``
    cells wide: 0 for a column dropped so that the title keeps ``MIN_TITLE`` cells (the
    second column goes first, then the date)."""
    title = width - MARK_WIDTH - DATE_WIDTH - 2
    if title - second - 2 >= MIN_TITLE:
        return DATE_WIDTH, second
    return (DATE_WIDTH, 0) if title >= MIN_TITLE else (0, 0)


def long_length(post: PostSummary) -> str:
    """``  1.5k words`` for a long post (at least ``LONG_POST`` words), else empty."""
    words = post.words
    return f"  {short_length(words)}" if words is not None and words >= LONG_POST else ""


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis when it does not fit."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


class PostList(LineView, ScrollView, can_focus=True):
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

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "post-list--year",
        "post-list--date",
        "post-list--kind",
        "post-list--title",
        "post-list--unread",
        "post-list--mark",
        "post-list--cursor",
    }

    DEFAULT_CSS = """
    PostList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        & > .post-list--year { color: $text-accent; text-style: bold; }
        & > .post-list--date { color: $text-muted; }
        & > .post-list--kind { color: $text-accent; }
        & > .post-list--title { color: $text; }
        & > .post-list--unread { color: $text; text-style: bold; }
        & > .post-list--mark { color: $text-accent; text-style: bold; }
        & > .post-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .post-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class _PostMessage(Message):
        """A message about one post of the list."""

        def __init__(self, post_list: PostList, post: PostSummary) -> None:
            super().__init__()
            self.post_list = post_list
            self.post = post

        @property
        def control(self) -> PostList:
            """The list."""
            return self.post_list

    class Highlighted(_PostMessage):
        """The cursor moved to ``post``."""

    class Selected(_PostMessage):
        """``post`` was chosen (enter, ``l`` or a click)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._posts: tuple[PostSummary, ...] = ()
        self._rows: tuple[Row, ...] = ()
        self._row_of: dict[str, int] = {}
        self._cursor: int | None = None
        self._strips: LRUCache[tuple[int, bool, int, bool], Strip] = LRUCache(512)
        self._read: set[str] = set()
        self._new_since: datetime | None = None
        self._unread_by_year: Counter[int] = Counter()
        self._years: Mapping[int, YearCount] | None = None

    # -- read state -----------------------------------------------------------------------

    def set_read_state(self, read: set[str], new_since: datetime | None = None) -> None:
        """Which posts are read (shared with the caller: ``mark`` updates it) and the previous
        visit's time: posts first seen after it are marked new (None: none are)."""
        self._read = read
        self._new_since = new_since
        self._count_unread()

    def _count_unread(self) -> None:
        read, years = self._read, self._years
        self._unread_by_year = (
            Counter(post.published.year for post in self._posts if post.id not in read)
            if years is None
            else Counter({year: count.unread for year, count in years.items()})
        )
        self._strips.clear()
        self.refresh()

    def is_read(self, post_id: str) -> bool:
        """Whether ``post_id`` is marked read."""
        return post_id in self._read

    def is_new(self, post: PostSummary) -> bool:
        """Whether ``post`` arrived after the previous visit to the tag."""
        since = self._new_since
        return since is not None and post.first_seen is not None and post.first_seen > since

    def mark(self, post_id: str, read: bool) -> None:
        """Mark ``post_id`` read or unread, redrawing its row and its year's heading."""
        if (post_id in self._read) == read:
            return
        if read:
            self._read.add(post_id)
        else:
            self._read.discard(post_id)
        row = self._row_of.get(post_id)
        if row is not None:
            post = self._rows[row]
            assert isinstance(post, PostSummary)
            self._unread_by_year[post.published.year] += -1 if read else 1
        self._strips.clear()
        self.refresh()

    @property
    def unread_count(self) -> int:
        """Unread posts in the list."""
        return sum(self._unread_by_year.values())

    def unread_in(self, year: int) -> int:
        """Unread posts of ``year`` in the list."""
        return self._unread_by_year[year]

    # -- data -----------------------------------------------------------------------------

    @property
    def posts(self) -> tuple[PostSummary, ...]:
        """The posts shown, newest first."""
        return self._posts

    @property
    def rows(self) -> tuple[Row, ...]:
        """Year headings and posts, as drawn."""
        return self._rows

    @property
    def highlighted(self) -> int | None:
        """The row of the cursor (always a post row), or None when the list is empty."""
        return self._cursor

    @property
    def highlighted_post(self) -> PostSummary | None:
        """The post under the cursor, if any."""
        if self._cursor is None:
            return None
        row = self._rows[self._cursor]
        return row if isinstance(row, PostSummary) else None

    def row_of(self, post_id: str) -> int | None:
        """The row showing ``post_id``, if it is in the list."""
        return self._row_of.get(post_id)

    def set_posts(
        self, posts: Sequence[PostSummary], *, years: Mapping[int, YearCount] | None = None
    ) -> None:
        """Show ``posts``, keeping the cursor on the same post and that row where it was.

        ``years``: every year's counts, when ``posts`` is only the newest part of the list
        (the first screen, painted before the whole list is read); the headings show them.
        Nothing happens when the posts are unchanged.
        """
        new = tuple(posts)
        if new == self._posts and years == self._years:
            return
        current = self.highlighted_post
        row_on_screen = (
            self._cursor - self.scroll_offset.y
            if current is not None and self._cursor is not None
            else None
        )
        self._posts, self._years = new, years
        self._rows = grouped_rows(new, years)
        self._row_of = {
            row.id: index for index, row in enumerate(self._rows) if isinstance(row, PostSummary)
        }
        self._cursor = None
        self._count_unread()
        self.virtual_size = Size(self.size.width, self._height())
        kept = self.row_of(current.id) if current is not None else None
        if kept is not None:
            top = max(0, kept - (row_on_screen or 0))
            self.scroll_to(y=top, animate=False, immediate=True, force=True)
            self._move_to(kept)
        else:
            self.scroll_to(y=0, animate=False, immediate=True, force=True)
            self.action_first()
        self.refresh()

    def _height(self) -> int:
        """Rows of the whole list: its scrollbar is right even while only the newest posts
        are known (the rows after them draw blank until the rest arrives)."""
        if self._years is None:
            return len(self._rows)
        return sum(year.posts for year in self._years.values()) + len(self._years)

    def select_post(self, post_id: str) -> bool:
        """Move the cursor to ``post_id``; False if it is not in the list."""
        row = self.row_of(post_id)
        if row is None:
            return False
        self._move_to(row)
        return True

    # -- moving ---------------------------------------------------------------------------

    def _post_row(self, start: int, step: int) -> int | None:
        """The first post row from ``start`` going ``step`` (+1/-1), or None."""
        index = start
        while 0 <= index < len(self._rows):
            if isinstance(self._rows[index], PostSummary):
                return index
            index += step
        return None

    def _move_to(self, row: int | None) -> None:
        """Put the cursor on ``row`` (a post row), scroll it into view, and say so."""
        if row is None or row == self._cursor:
            if row is not None:
                self._scroll_to_row(row)
            return
        previous, self._cursor = self._cursor, row
        self._scroll_to_row(row)
        for index in (previous, row):
            if index is not None:
                self.refresh(Region(0, index - self.scroll_offset.y, self.size.width, 1))
        post = self._rows[row]
        assert isinstance(post, PostSummary)
        self.post_message(self.Highlighted(self, post))

    def _scroll_to_row(self, row: int) -> None:
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        # Show the year heading above the first post of the list.
        if row > 0 and self._post_row(0, 1) == row:
            self.scroll_to(y=0, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        """The next (older) post."""
        if self._cursor is None:
            self.action_first()
        else:
            self._move_to(self._post_row(self._cursor + 1, 1))

    def action_cursor_up(self) -> None:
        """The previous (newer) post."""
        if self._cursor is None:
            self.action_first()
        else:
            self._move_to(self._post_row(self._cursor - 1, -1))

    def action_first(self) -> None:
        """The newest post."""
        self._move_to(self._post_row(0, 1))

    def action_last(self) -> None:
        """The oldest post."""
        self._move_to(self._post_row(len(self._rows) - 1, -1))

    def action_page_down(self) -> None:
        """A screenful down, never stopping on a year heading."""
        if self._cursor is None:
            self.action_first()
            return
        target = min(len(self._rows) - 1, self._cursor + max(1, self.size.height - 1))
        self._move_to(self._post_row(target, 1) or self._post_row(target, -1))

    def action_page_up(self) -> None:
        """A screenful up, never stopping on a year heading."""
        if self._cursor is None:
            self.action_first()
            return
        target = max(0, self._cursor - max(1, self.size.height - 1))
        self._move_to(self._post_row(target, -1) or self._post_row(target, 1))

    def action_select(self) -> None:
        """Open the highlighted post."""
        post = self.highlighted_post
        if post is not None:
            self.post_message(self.Selected(self, post))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim "Read" when there is nothing to read."""
        if action == "select" and not self._posts:
            return None
        return True

    def on_click(self, event: events.Click) -> None:
        """A click on a post highlights and opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y + self.scroll_offset.y
        if 0 <= row < len(self._rows) and isinstance(self._rows[row], PostSummary):
            self._move_to(row)
            self.action_select()

    # -- drawing --------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, self._height())
        self._strips.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """One visible row, drawn from plain text."""
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.line_style
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, base)
        cursor = index == self._cursor
        key = (index, cursor, width, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._draw(self._rows[index], width, cursor, base)
            self._strips[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"post-list--{name}", partial=True)

    def _draw(self, row: Row, width: int, cursor: bool, base: Style) -> Strip:
        if isinstance(row, YearRow):
            label = row.label_with(self._unread_by_year[row.year])
            segments = [Segment(fit(" " * MARK_WIDTH + label, width), base + self._style("year"))]
        else:
            segments = list(self._post_segments(row, width, base))
        line_style = base
        if cursor:
            cursor_style = self._style("cursor")
            line_style = base + cursor_style
            segments = [Segment(s.text, (s.style or base) + cursor_style) for s in segments]
        return Strip(segments).crop_extend(0, width, line_style)

    def _post_segments(self, post: PostSummary, width: int, base: Style) -> Iterator[Segment]:
        """Mark, date, kind (or, in a list of several tags, the post's tags) and title; a
        narrow list drops the kind, then the date (:func:`row_columns`)."""
        if post.tags:  # the unread list of the followed tags: each row names its tags
            wanted = max(KIND_WIDTH, min(18, (width - MARK_WIDTH - DATE_WIDTH - 4) // 3))
        else:
            wanted = KIND_WIDTH
        date_width, second = row_columns(width, wanted)
        unread = post.id not in self._read
        mark = (NEW_MARK if self.is_new(post) else UNREAD_MARK) if unread else " "
        yield Segment(mark.ljust(MARK_WIDTH), base + self._style("mark"))
        used = MARK_WIDTH
        if date_width:
            yield Segment(row_date(post).rjust(date_width), base + self._style("date"))
            yield Segment("  ", base)
            used += date_width + 2
        if second:
            label = one_line(", ".join(post.tags)) if post.tags else post.kind.label
            yield Segment(fit(label, second).ljust(second), base + self._style("kind"))
            yield Segment("  ", base)
            used += second + 2
        title = one_line(post.title) or "(untitled)"
        title_style = self._style("unread" if unread else "title")
        length = long_length(post)
        if length and width - used - len(length) >= LENGTH_ROOM:  # right-aligned, muted
            room = width - used - len(length)
            yield Segment(set_cell_size(fit(title, room), room), base + title_style)
            yield Segment(length, base + self._style("date"))
            return
        yield Segment(fit(title, width - used), base + title_style)
