"""The reading pane: one post's header and Markdown body, rendered off the UI thread.

The body is rendered with Rich to lines of segments in a thread worker,
chunk by chunk (see :mod:`.markdown_lines`), and shown through the line API, so only the
visible lines are painted. The first chunk is on screen a few tens of milliseconds after
:meth:`ReadingPane.show_post`; later chunks are appended as they are ready. A newer call
supersedes an older one: its worker is cancelled and its results are ignored. The header,
and the choice of one of the post's tags in it, are built by :mod:`.post_header`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, TypeAlias

from rich.style import Style
from textual import events, on
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme
from textual.worker import get_current_worker

from ..bindings import PANE_BINDINGS
from ..core.models import Post
from . import reading_pane_messages as messages
from .line_view import LineView
from .post_header import HEADER_PARTS, TAG_BINDINGS, TagChoice, header_lines

if TYPE_CHECKING:
    from ..core.feed.postlinks import Link
    from .markdown_lines import Line
    from .pictures import PictureLayer

_GROUP = "reading-pane-render"

_CacheKey = tuple[Post, int, str]


class ReadingPane(LineView, ScrollView, can_focus=True):
    """Shows one post: title, date, kind, tags and permalink, then the Markdown body."""

    BINDINGS: ClassVar[list[BindingType]] = [*PANE_BINDINGS, *TAG_BINDINGS]
    """Scrolling (``bindings.PANE_BINDINGS``); choosing a tag, only while choosing one."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"reading-pane--{part}" for part in HEADER_PARTS}

    DEFAULT_CSS = """
    ReadingPane {
        padding: 1 1 0 2;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        background: $surface;
        & > .reading-pane--title { color: $text; text-style: bold; }
        & > .reading-pane--meta { color: $text-muted; }
        & > .reading-pane--tags { color: $text-secondary; }
        & > .reading-pane--url { color: $text-primary; text-style: underline; }
        & > .reading-pane--rule { color: $foreground 30%; }
        & > .reading-pane--placeholder { color: $text-muted; text-style: italic; }
    }
    """

    MAX_TEXT_WIDTH: ClassVar[int] = 100
    """Lines are wrapped at this many cells at most, however wide the pane."""
    CACHE_SIZE: ClassVar[int] = 8
    """Rendered bodies kept, keyed by post, width and code theme."""
    CACHE_MAX_LINES: ClassVar[int] = 4_000
    """Longer bodies are not cached: they would slow every garbage collection."""
    PAINT_PAUSE: ClassVar[float] = 0.02
    """Seconds the render worker waits after the first chunk, so the UI can paint it."""
    PLACEHOLDER: ClassVar[str] = "Choose a post"
    WARM_UP_DELAY: ClassVar[float] = 0.3
    """Seconds after mounting before Rich's Markdown machinery is warmed up in a thread."""

    Rendered: TypeAlias = messages.Rendered
    TagChosen: TypeAlias = messages.TagChosen
    LinkClicked: TypeAlias = messages.LinkClicked

    class _Body(Message, bubble=False):
        """Lines of body from the render worker (internal); ``restart`` drops earlier ones."""

        def __init__(
            self, generation: int, lines: list[Line], complete: bool, restart: bool = False
        ) -> None:
            super().__init__()
            self.generation = generation
            self.lines = lines
            self.complete = complete
            self.restart = restart

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._post: Post | None = None
        self._generation = 0
        self._header: list[Line] = []
        self._body: list[Line] = []
        self._shown: list[Line] = []  # the body with its pictures drawn in
        self._pictures: PictureLayer | None = None  # made with the first post
        self._incoming: list[Line] = []
        self._replacing = False
        self._complete = False  # the whole body is rendered
        self._scroll_fraction = 0.0
        self._shown_first = False
        self._key: _CacheKey | None = None
        self._cache: LRUCache[_CacheKey, tuple[Line, ...]] = LRUCache(self.CACHE_SIZE)
        self._strips: LRUCache[tuple[int, Style, int], Strip] = LRUCache(256)
        self._tags = TagChoice()
        self._restore_line = 0

    @property
    def pictures(self) -> PictureLayer:
        """The pictures of the post shown (made when first asked for, after the first paint)."""
        if self._pictures is None:
            from .pictures import PictureLayer

            self._pictures = PictureLayer(self, self._pictures_changed)
        return self._pictures

    @property
    def post_id(self) -> str | None:
        """The id of the post shown (or being rendered), if any."""
        return None if self._post is None else self._post.id

    @property
    def line_count(self) -> int:
        """How many lines are ready to be shown (header and body)."""
        return len(self._header) + len(self._shown)

    @property
    def body_line_count(self) -> int:
        """How many lines of the body are ready (0 while the first chunk renders)."""
        return len(self._body)

    def clear_cache(self) -> None:
        """Forget rendered bodies (for benchmarks that reopen the same post)."""
        self._cache.clear()

    @property
    def plain_text(self) -> str:
        """The lines ready to be shown, as plain text without trailing spaces."""
        lines = [*self._header, *self._shown]
        return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)

    @property
    def post_tags(self) -> list[str]:
        """The shown post's tags that are valid tag names (the ones that can be chosen)."""
        return self._tags.tags

    @property
    def chosen_tag(self) -> str | None:
        """The tag highlighted in the header while choosing one, else None."""
        return self._tags.chosen

    def choose_tag(self) -> None:
        """Start choosing one of the post's tags (highlighted in the header)."""
        if self._tags.start():
            self.scroll_to(0, 0, animate=False, immediate=True)
            self._refresh_header()

    def _stop_choosing(self) -> None:
        if self._tags.stop():
            self._refresh_header()

    def _refresh_header(self) -> None:
        width = self._text_width()
        if width < 1:
            return
        self._header = self._render_header(self._post, width)
        self._strips.clear()
        self._update_size(width)
        self.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The tag keys work only while choosing a tag (else they fall through)."""
        if action.startswith("tag_"):
            return self._tags.active
        return True

    def action_tag_step(self, step: int) -> None:
        """Highlight the next (1) or previous (-1) tag."""
        if self._tags.step(step):
            self._refresh_header()

    def action_tag_go(self) -> None:
        """Go to the highlighted tag."""
        tag, post = self.chosen_tag, self._post
        self._stop_choosing()
        if tag is not None and post is not None:
            self.post_message(self.TagChosen(tag, post.id))

    def action_tag_cancel(self) -> None:
        """Stop choosing a tag."""
        self._stop_choosing()

    def on_blur(self) -> None:
        self._stop_choosing()

    def on_click(self, event: events.Click) -> None:
        """A click on a tag in the header goes to that tag; one on a link's address (drawn
        as ``text (address)``) follows the link."""
        post = self._post
        if post is None:
            return
        tag = event.style.meta.get("tag")
        if isinstance(tag, str) and tag in self.post_tags:
            event.stop()
            self.post_message(self.TagChosen(tag, post.id))
            return
        link = self.link_at(event.get_content_offset(self))
        if link is not None:
            event.stop()
            self.post_message(self.LinkClicked(link, post.id))

    def link_at(self, offset: Offset | None) -> Link | None:
        """The post's link whose address is drawn at ``offset`` (content coordinates).

        Only an address the post links to is returned: one cut by wrapping is matched to
        the single link it starts, never opened as drawn."""
        lines = [*self._header, *self._shown]
        index = -1 if offset is None else self.scroll_offset.y + offset.y
        if offset is None or self._post is None or not 0 <= index < len(lines):
            return None
        from .markdown_lines import link_drawn_at  # with the post's text: after the first paint

        return link_drawn_at(self._post, "".join(s.text for s in lines[index]), offset.x)

    def show_post(self, post: Post | None, *, line: int = 0) -> None:
        """Show ``post`` (``None``: a placeholder), superseding anything still rendering,
        scrolled to ``line`` once that much of it is rendered.

        Showing the post already shown (an equal ``Post``) changes nothing, not even the
        scroll position.
        """
        if post is not None and post == self._post and self._key is not None:
            return
        self._post = post
        self._tags.reset(post)
        self._restore_line = max(0, line) if post is not None else 0
        self._layout(new_post=True)
        key = self._key
        self._restore_position(complete=key is not None and key in self._cache)

    @property
    def position(self) -> int:
        """The line at the top of the pane (what is remembered of a post), counted in the
        post's text: a picture counts as the lines it replaces, so the place is the same
        whether its pictures are drawn, still loading or off."""
        if self._restore_line:  # not scrolled there yet: still the place to come back to
            return self._restore_line
        top, header = round(self.scroll_offset.y), len(self._header)
        if self._pictures is None or top <= header:
            return top
        return header + self._pictures.body_index(top - header)

    def _shown_line(self, line: int) -> int:
        """Where text line ``line`` (as :attr:`position` counts) is drawn now."""
        header = len(self._header)
        if self._pictures is None or line <= header:
            return line
        return header + self._pictures.shown_index(line - header)

    def _restore_position(self, *, complete: bool) -> None:
        """Scroll to the remembered line once enough of the body is there."""
        line = self._restore_line
        if not line or self._post is None:
            return
        y = self._shown_line(line)
        if complete or self.line_count >= y + self.size.height:
            self.scroll_to(y=y, animate=False, immediate=True, force=True)
            # Too few lines to get there while pictures are drawn: kept till they are.
            if round(self.scroll_offset.y) == y or not (self._pictures and self._pictures.loading):
                self._restore_line = 0

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Textual moves the scrollbar only while it is shown, so a scroll made while the
        # text was too short for one (or pictures were being drawn) left it stale.
        self.vertical_scrollbar.position = new_value

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        # Warm up after the first frames: a thread rendering now would slow the first paint
        # (it competes for the GIL with mounting and the list's first read).
        self.set_timer(self.WARM_UP_DELAY, self._warm_up)

    def on_unmount(self) -> None:
        self.release_pictures()

    def release_pictures(self) -> None:
        """Delete the pictures sent to the terminal there (if any were made)."""
        if self._pictures is not None:
            self._pictures.release()

    def _warm_up(self) -> None:
        if self._key is None:  # a post being rendered warms up Rich anyway
            from .markdown_lines import warm_up

            self.run_worker(warm_up, group="reading-pane-warm-up", thread=True, exit_on_error=False)

    def _theme_changed(self, theme: Theme) -> None:
        self._layout(new_post=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._text_width() != self.virtual_size.width:
            self._layout(new_post=False)

    def _text_width(self) -> int:
        """The width to wrap text at, or 0 before the pane has a size."""
        return min(self.scrollable_content_region.width, self.MAX_TEXT_WIDTH)

    def _code_theme(self) -> str:
        return "monokai" if self.app.current_theme.dark else "friendly"

    def _layout(self, *, new_post: bool) -> None:
        """Render the header now and the body from the cache or in a worker."""
        self._generation += 1
        width = self._text_width()
        if width < 1:
            return  # Not laid out yet: on_resize will call again.
        self.workers.cancel_group(self, _GROUP)
        post = self._post
        # The place, as a share of the text's lines (pictures count as the lines they replace).
        self._scroll_fraction = self.position / max(1, len(self._header) + len(self._body))
        self._header = self._render_header(post, width)
        self._incoming = []
        self._shown_first = False
        self._replacing = not new_post and bool(self._body)
        if not self._replacing:
            self._body = []
        self._complete = post is None
        if post is None:
            self._key = None
            self._body = []
            self._replacing = False
        else:
            self._key = (post, width, self._code_theme())
            cached = self._cache.get(self._key)
            if cached is not None:
                self._body = list(cached)
                if self._replacing:
                    self._restore_line = self._place()
                self._replacing, self._complete = False, True
                self.post_message(self.Rendered(self, post.id, complete=True))
            else:
                generation = self._generation
                code_theme = self._key[2]
                # A screenful of full lines of prose: more than enough for the first screen.
                first = max(1_200, min(4_000, width * self.size.height))
                self.run_worker(
                    lambda: self._render_body(generation, post, width, code_theme, first),
                    name=f"render {post.id}",
                    group=_GROUP,
                    description=f"Render {post.id} at width {width}",
                    exclusive=True,
                    thread=True,
                    exit_on_error=False,
                )
        self._strips.clear()
        self._update_size(width)
        if new_post:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()
        self._restore_position(complete=self._complete)

    def _update_size(self, width: int | None = None) -> None:
        width = self.virtual_size.width if width is None else width
        pictures, rows = self._pictures, max(4, self.size.height * 2 // 3)
        self._shown = self._body if pictures is None else pictures.splice(self._body, width, rows)
        self.virtual_size = Size(width, self.line_count)

    def _place(self) -> int:
        """The line (as :attr:`position` counts) at ``_scroll_fraction`` of the text."""
        return round(self._scroll_fraction * (len(self._header) + len(self._body)))

    def _pictures_changed(self) -> None:
        """A picture came, or pictures were turned on or off: redraw, keeping the place."""
        header, top = len(self._header), round(self.scroll_offset.y)
        line = self.pictures.body_index(top - header)
        self._strips.clear()
        self._update_size()
        if self._restore_line:
            self._restore_position(complete=self._complete)
        elif top > header:
            y = header + self.pictures.shown_index(line)
            self.scroll_to(y=y, animate=False, immediate=True, force=True)
        self.refresh()

    def _render_header(self, post: Post | None, width: int) -> list[Line]:
        """The header lines (or the placeholder), built from plain text, never markup."""
        return header_lines(
            post, width, self._part_style, placeholder=self.PLACEHOLDER, chosen=self.chosen_tag
        )

    def _part_style(self, part: str) -> Style:
        """The style of a part of the header (one of ``HEADER_PARTS``)."""
        return self.get_component_rich_style(f"reading-pane--{part}", partial=True)

    def _render_body(
        self, generation: int, post: Post, width: int, code_theme: str, first_chars: int
    ) -> None:
        """Thread worker: render the body chunk by chunk, posting each to the pane."""
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        first = True
        from .markdown_lines import render_body

        for lines, complete, restart in render_body(
            post.markdown, width, code_theme=code_theme, first_chars=first_chars
        ):
            if worker.is_cancelled:
                return
            self.post_message(self._Body(generation, lines, complete, restart))
            if first:
                first = False
                time.sleep(self.PAINT_PAUSE)  # Let the UI thread paint the first screen.

    @on(_Body)
    def _add_body(self, message: _Body) -> None:
        """Show lines from the worker, unless a newer request has superseded them."""
        message.stop()
        post = self._post
        if message.generation != self._generation or post is None or self._key is None:
            return
        if message.restart:
            self._incoming = []
            self._strips.clear()
        self._incoming.extend(message.lines)
        if not self._replacing:
            self._body = self._incoming
        elif message.complete:
            self._body = self._incoming
            self._strips.clear()
            self._restore_line = self._place()
        self._complete = message.complete
        self._update_size()
        self.refresh()
        self._restore_position(complete=message.complete)
        if message.complete:
            if len(self._body) <= self.CACHE_MAX_LINES:
                self._cache[self._key] = tuple(self._body)
            self.post_message(self.Rendered(self, post.id, complete=True))
        elif not self._shown_first and not self._replacing:
            self._shown_first = True
            self.post_message(self.Rendered(self, post.id, complete=False))

    def render_line(self, y: int) -> Strip:
        """One visible line: header, then body, then blank."""
        index = self.scroll_offset.y + y
        style = self.line_style
        width = self.scrollable_content_region.width
        key = (index, style, width)
        strip = self._strips.get(key)
        if strip is None:
            header = len(self._header)
            if index < header:
                line = self._header[index]
            elif index - header < len(self._shown):
                line = self._shown[index - header]
            else:
                return Strip.blank(width, style)
            strip = Strip(line).apply_style(style).crop_extend(0, width, style)
            self._strips[key] = strip
        return strip

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines Textual is about to write; Sixel pictures' rows among them are queued to
        be drawn over them once the frame is written (cached lines are written again too)."""
        strips = super().render_lines(crop)
        pictures = self._pictures
        if pictures is not None and pictures.has_overlays and self.screen.is_active:
            from .sixel_rows import queue_visible_rows

            queue_visible_rows(self, pictures, crop, len(self._header))
        return strips
