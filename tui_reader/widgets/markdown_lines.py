"""Render untrusted post text to lines of Rich segments, in chunks.

Rich's Markdown renders a whole document in one go, several times faster than Textual's
``Markdown`` widget but still ~7 ms per KB. To show the first screen of a long post quickly,
:func:`split_chunks` cuts the source at blank lines where a new top-level block starts, so
each chunk renders exactly as it would inside the whole document, and the caller renders
the chunks one after another.

Nothing here touches a running app, so it is safe to call from a thread worker.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme

from ..core.feed.sanitize import clean_text

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from ..core.feed.postlinks import Link
    from ..core.models import Post

Line = list[Segment]
"""One rendered line: Rich segments filling the width exactly.

Lines are kept as plain segment lists rather than Textual ``Strip`` objects: a long post has
thousands of lines and a ``Strip`` carries seven caches, which slows rendering and makes
every full garbage collection pause the app for longer.
"""

FIRST_CHUNK_CHARS = 3_000
"""Source characters in the first chunk: comfortably more than one screen."""
CHUNK_CHARS = 12_000
"""Source characters in each later chunk (~80 ms of rendering)."""

# Anything Rich or Pygments might pass through that a terminal would act on.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_OPEN_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CLOSE_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# A reference definition anywhere may be used anywhere, so such documents are not split.
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)
# After a blank line these may continue the block before (a list item, an indented part).
_CONTINUES = re.compile(r"[ \t]|[-*+](?:[ \t]|$)|\d{1,9}[.)]|<")
# A thematic break: Rich follows it with no blank line, so never cut just after one.
_RULE = re.compile(r" {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}")
# Rendered before a later chunk so that it starts with the blank line it would have had
# inside the whole document; its one line is then dropped.
_LEAD = "x\n\n"
# A web address as drawn: links show as ``text (address)``, so it stops at a parenthesis.
_URL = re.compile(r"https?://[^\s()<>]+")

THEME = Theme(
    {
        "markdown.h1": "bold underline",
        "markdown.h2": "bold underline",
        "markdown.h3": "bold magenta",
        "markdown.h4": "bold magenta",
        "markdown.h5": "bold",
        "markdown.h6": "italic",
        "markdown.link": "bright_blue",
        "markdown.link_url": "blue underline",
        "markdown.image": "dim",
        "markdown.code": "bold cyan",
    }
)


def make_console(width: int) -> Console:
    """A private console that renders ``width`` cells wide and writes nowhere."""
    return Console(
        width=width,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        theme=THEME,
    )


def split_chunks(source: str, first: int = FIRST_CHUNK_CHARS, size: int = CHUNK_CHARS) -> list[str]:
    """Cut Markdown into chunks of about ``first``, then ``size``, characters.

    Cuts are made only before a line that starts a new top-level block after a blank line,
    outside fenced code, so a chunk renders as it would inside the whole document.
    """
    if len(source) <= first or _REFERENCE.search(source):
        return [source]
    lines = source.split("\n")
    chunks: list[str] = []
    start = 0
    chars = 0
    limit = first
    fence = ""
    previous_blank = False
    previous_rule = False
    for index, line in enumerate(lines):
        if fence:
            closing = _CLOSE_FENCE.fullmatch(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = ""
        else:
            if (
                previous_blank
                and not previous_rule
                and chars >= limit
                and line.strip()
                and not _CONTINUES.match(line)
            ):
                chunks.append("\n".join(lines[start:index]))
                start, chars, limit = index, 0, size
            opening = _OPEN_FENCE.match(line)
            if opening:
                fence = opening.group(1)
        previous_blank = not line.strip()
        if not previous_blank:
            previous_rule = _RULE.fullmatch(line) is not None
        chars += len(line) + 1
    chunks.append("\n".join(lines[start:]))
    return chunks


def _safe(lines: list[Line]) -> list[Line]:
    """``lines`` with anything a terminal would act on removed (normally there is none)."""
    if not _UNSAFE.search("".join([segment.text for line in lines for segment in line])):
        return lines
    width = max((Segment.get_line_length(line) for line in lines), default=0)
    return [
        Segment.adjust_line_length(
            [Segment(_UNSAFE.sub("", text), style) for text, style, control in line if not control],
            width,
        )
        for line in lines
    ]


def render_markdown(source: str, console: Console, *, code_theme: str = "monokai") -> list[Line]:
    """Render (already cleaned) Markdown to lines exactly as wide as ``console``."""
    from .pane_markdown import PaneMarkdown  # rich.markdown: loaded after the first paint

    options = console.options.update(width=console.width, height=None)
    markdown = PaneMarkdown(source, code_theme=code_theme)
    return _safe(console.render_lines(markdown, options, pad=True))


def render_text(texts: Sequence[Text], console: Console) -> list[Line]:
    """Render ``Text`` objects (wrapped) to lines exactly as wide as ``console``."""
    options = console.options.update(width=console.width, height=None)
    lines: list[Line] = []
    for text in texts:
        lines.extend(_safe(console.render_lines(text, options, pad=True)))
    return lines


def render_chunks(
    markdown: str,
    width: int,
    *,
    code_theme: str = "monokai",
    first_chars: int = FIRST_CHUNK_CHARS,
) -> Iterator[tuple[list[Line], bool]]:
    """Clean ``markdown`` and render it chunk by chunk: ``(lines, is_last_chunk)``.

    The first chunk holds about ``first_chars`` characters of source (enough for a screen).
    The chunks' lines together are the whole document's. Each chunk is rendered only when
    the next item is asked for, so a caller may stop at any point to abandon the rest.
    """
    from . import render_pool

    console = make_console(width)
    chunks = split_chunks(clean_text(markdown), first=first_chars)
    last = len(chunks) - 1

    def here(number: int) -> list[Line]:
        return _render_chunk(chunks[number], number > 0, console, code_theme)

    def helper(pool: Executor, number: int) -> Future[Packed]:
        return pool.submit(render_packed, chunks[number], number > 0, width, code_theme)

    parallel = len(markdown) >= render_pool.PARALLEL_CHARS
    rendered = render_pool.in_order(len(chunks), here, helper if parallel else None, unpack)
    for number, lines in enumerate(rendered):
        yield lines, number == last


Packed = tuple[list[str], list[list[tuple[str, int]]]]
"""Lines as plain data: style names, and each line's ``(text, style number)`` segments.

A pickled Rich ``Style`` keeps its cached hash, which another process computed with another
string-hash seed: such styles compare unequal to their twins. Names travel safely."""


def render_packed(chunk: str, later: bool, width: int, code_theme: str) -> Packed:
    """One chunk's lines, packed (run by a helper process)."""
    lines = _render_chunk(chunk, later, make_console(width), code_theme)
    names: dict[str, int] = {}
    packed = [
        [
            (text, names.setdefault("" if style is None else str(style), len(names)))
            for text, style, _ in line
        ]
        for line in lines
    ]
    return list(names), packed


def unpack(packed: Packed) -> list[Line]:
    """The lines of :func:`render_packed`, with this process's styles."""
    names, lines = packed
    styles = [None if name == "" else Style.parse(name) for name in names]
    return [[Segment(text, styles[number]) for text, number in line] for line in lines]


def _render_chunk(chunk: str, later: bool, console: Console, code_theme: str) -> list[Line]:
    if later:  # rendered after a paragraph, then that paragraph's line is dropped
        return render_markdown(_LEAD + chunk, console, code_theme=code_theme)[1:]
    return render_markdown(chunk, console, code_theme=code_theme)


def render_body(
    markdown: str, width: int, *, code_theme: str, first_chars: int
) -> Iterator[tuple[list[Line], bool, bool]]:
    """Render a post's body as :func:`render_chunks` does: ``(lines, complete, restart)``.

    Should Rich fail on odd input, the text is shown as it is instead: one last item with
    ``restart`` set, whose lines replace any yielded before.
    """
    try:
        for lines, last in render_chunks(
            markdown, width, code_theme=code_theme, first_chars=first_chars
        ):
            yield lines, last, False
    except Exception:  # Rich failing on odd input: show the text as it is.
        yield render_text([Text(clean_text(markdown))], make_console(width)), True, True


def link_drawn_at(post: Post, text: str, column: int) -> Link | None:
    """The link of ``post`` whose address is drawn at ``column`` of the line ``text``.

    Only an address the post links to is returned: one cut by wrapping is matched to
    the single link it starts, never opened as drawn."""
    for match in _URL.finditer(text):
        if match.start() <= column < match.end():
            from ..core.feed.postlinks import post_links

            shown = match.group(0)
            links = post_links(post)
            exact = [link for link in links if link.url == shown]
            begun = [link for link in links if link.url.startswith(shown)]
            chosen = exact or (begun if len(begun) == 1 else [])
            return chosen[0] if chosen else None
    return None


def warm_up() -> None:
    """Render a little of everything once, so the lazy imports are done before a post. (The
    helper processes start with the first long post, not here: most starts never need them.)"""
    sample = "# a\n\n*b* `c` [d](https://e)\n\n> f\n\n- g\n\n| h |\n| - |\n| i |\n\n"
    for lexer in ("python", "bash", "javascript", "json", "text"):
        sample += f"```{lexer}\nj = 1\n```\n\n"
    for _ in render_chunks(sample, 40):
        pass
