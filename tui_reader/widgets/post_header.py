"""The reading pane's header: a post's title, date, kind, tags and permalink, as lines.

The header is built from plain text, never markup, and every part of the post passes
through :func:`~tui_reader.core.feed.sanitize.one_line`, so a title shows as written and
no escape sequence reaches the terminal. While the reader chooses one of the post's tags
(keys :data:`TAG_BINDINGS`), :class:`TagChoice` says which is highlighted.

Nothing here touches a running app: the pane passes in how each part is styled.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType

from ..core.errors import InvalidTag
from ..core.feed.dates import site_date
from ..core.feed.sanitize import one_line
from ..core.feed.wordcount import describe_length, word_count
from ..core.models import Kind, Post
from ..core.tags import validate_tag

if TYPE_CHECKING:
    from ..core.feed.postlinks import Link
    from .markdown_lines import Line

HEADER_PARTS = ("title", "meta", "tags", "url", "rule", "placeholder")
"""The parts of the header that are styled apart (the pane's ``reading-pane--<part>``)."""

StyleOf = Callable[[str], Style]
"""The style of a part of the header, by its name in :data:`HEADER_PARTS`."""

TAG_BINDINGS: list[BindingType] = [
    Binding(
        "right,T",
        "tag_step(1)",
        "Next tag",
        show=False,
        tooltip="Choosing a tag: the next tag",
        id="reading-pane.tag-next",
    ),
    Binding(
        "left",
        "tag_step(-1)",
        "Previous tag",
        show=False,
        tooltip="Choosing a tag: the previous tag",
        id="reading-pane.tag-previous",
    ),
    Binding(
        "enter",
        "tag_go",
        "Go to tag",
        tooltip="Choosing a tag: go to the chosen tag",
        id="reading-pane.tag-go",
    ),
    Binding(
        "escape",
        "tag_cancel",
        "Stop choosing",
        tooltip="Choosing a tag: stop choosing",
        id="reading-pane.tag-cancel",
    ),
]
"""The reading pane's keys while choosing a tag (the header's hint names them)."""

_TAG_HINT = "   ←/→ choose · enter go · esc stop"
_KIND_NAMES = {
    Kind.ENTRY: "entry",
    Kind.LINK: "link post",
    Kind.QUOTATION: "quotation",
    Kind.NOTE: "note",
    Kind.BEAT: "beat",
    Kind.CHAPTER: "guide chapter",
}


def header_kind(post: Post) -> str:
    """What the header calls the post: ``link post``, ``quotation``, ``beat: TIL``…"""
    from ..core.feed.postlinks import beat_label  # after the first paint, with the first post

    name = _KIND_NAMES.get(post.kind, str(post.kind))
    label = beat_label(post)
    return f"{name}: {label}" if label else name


@lru_cache(maxsize=8)
def _words(markdown: str) -> int:
    """``word_count``, kept for the few posts last shown (the header is drawn again on resize)."""
    return word_count(markdown)


def post_length(post: Post) -> str:
    """``1,465 words · 7 min``, counted in the post's Markdown; empty before it is made."""
    words = _words(post.markdown) if post.markdown else 0
    return describe_length(words) if words else ""


def choosable_tags(post: Post | None) -> list[str]:
    """``post``'s tags that are valid tag names, each once (the ones that can be chosen)."""
    if post is None:
        return []
    tags: list[str] = []
    for raw in post.tags:
        try:
            tag = validate_tag(raw)
        except InvalidTag:
            continue
        if tag not in tags:
            tags.append(tag)
    return tags


class TagChoice:
    """Which of a post's tags is highlighted while the reader chooses one."""

    def __init__(self) -> None:
        self._tags: tuple[str, ...] = ()
        self._index: int | None = None

    def reset(self, post: Post | None) -> None:
        """Offer ``post``'s tags, not choosing yet."""
        self._tags = tuple(choosable_tags(post))
        self._index = None

    @property
    def tags(self) -> list[str]:
        """The tags that can be chosen, in the post's order."""
        return list(self._tags)

    @property
    def active(self) -> bool:
        """Whether a tag is being chosen."""
        return self._index is not None

    @property
    def chosen(self) -> str | None:
        """The highlighted tag while choosing, else None."""
        if self._index is None or not self._tags:
            return None
        return self._tags[self._index % len(self._tags)]

    def start(self) -> bool:
        """Highlight the first tag; False (and not choosing) when there is none."""
        if not self._tags:
            return False
        self._index = 0
        return True

    def stop(self) -> bool:
        """Stop choosing; True if a tag was being chosen."""
        if self._index is None:
            return False
        self._index = None
        return True

    def step(self, step: int) -> bool:
        """Highlight the next (1) or previous (-1) tag; True if the highlight moved."""
        if self._index is None or not self._tags:
            return False
        self._index = (self._index + step) % len(self._tags)
        return True


def header_lines(
    post: Post | None,
    width: int,
    style: StyleOf,
    *,
    placeholder: str,
    chosen: str | None = None,
) -> list[Line]:
    """The header lines of ``post``, ``width`` cells wide (no post: ``placeholder``),
    with the ``chosen`` tag highlighted."""
    from .markdown_lines import make_console, render_text  # with the first post shown

    console = make_console(width)
    if post is None:
        empty = Text(placeholder, style=style("placeholder"), justify="center")
        return render_text([Text(""), empty], console)
    meta = style("meta")
    from ..core.feed.postlinks import linked_page

    title = one_line(post.title) or "(untitled)"
    linked = linked_page(post)
    texts = _title_texts(title, linked, style)
    kind = header_kind(post)
    line = Text.assemble((site_date(post.published), meta), ("  ·  ", meta), (kind, meta))
    if linked is not None:
        line.append("  ·  o opens it, O the post", meta)
    length = post_length(post)
    if length:
        line.append(f"  ·  {length}", meta)
    texts.append(line)
    tags = _tags_line(post, style, chosen)
    if tags is not None:
        texts.append(tags)
    texts.append(Text(one_line(post.url), style=style("url")))
    texts.append(Text("─" * width, style=style("rule"), no_wrap=True, overflow="crop"))
    texts.append(Text(""))
    return render_text(texts, console)


def _title_texts(title: str, linked: Link | None, style: StyleOf) -> list[Text]:
    """The title; for a link post, the linked page first: it is what the post is about."""
    if linked is None:
        return [Text(title, style=style("title"))]
    texts = [Text(linked.text or title, style=style("title")), Text(linked.url, style=style("url"))]
    if linked.text and linked.text != title:
        texts.append(Text(title, style=style("meta")))
    return texts


def _tags_line(post: Post, style: StyleOf, chosen: str | None) -> Text | None:
    """``Tags: a, b``, each valid tag clickable (``chosen`` highlighted); None without tags."""
    shown = [tag for tag in (one_line(raw) for raw in post.tags) if tag]
    if not shown:
        return None
    meta, tag_style, valid = style("meta"), style("tags"), set(choosable_tags(post))
    line = Text.assemble(("Tags: ", meta))
    for index, raw in enumerate(dict.fromkeys(shown)):
        if index:
            line.append(", ", meta)
        tag = raw.lower()
        if tag not in valid:  # not a tag name: shown as text, never chosen
            line.append(raw, tag_style)
            continue
        look = tag_style + Style(reverse=True, bold=True) if tag == chosen else tag_style
        line.append(raw, look + Style.from_meta({"tag": tag}))
    if chosen is not None:
        line.append(_TAG_HINT, meta)
    return line
