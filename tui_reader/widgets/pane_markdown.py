"""Rich's Markdown as the reading pane draws it: plain links, images as text, headings left.

Kept apart from :mod:`.markdown_lines` so that ``rich.markdown`` (with markdown-it and Pygments)
is imported only when the first post is rendered, not before the app's first frame.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Heading, ImageItem, Markdown, MarkdownElement
from rich.style import Style
from rich.text import Text


class _Heading(Heading):
    """A heading aligned left, like the rest of the text."""

    LEVEL_ALIGN: ClassVar = dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "left")


class _Image(ImageItem):
    """An image as its alt text and address, marked for the pane to draw the picture."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        alt = self.text.plain.strip() if isinstance(self.text, Text) else ""
        # Marked so that the reading pane can draw the picture here (see .pictures).
        mark = Style(meta={"picture": self.destination, "alt": alt})
        yield Text.assemble(
            ("Image: ", console.get_style("markdown.image", default="none") + mark),
            (alt or "(no description)", console.get_style("markdown.link", default="none") + mark),
            (" (", mark),
            (self.destination, console.get_style("markdown.link_url", default="none") + mark),
            (") ", mark),
            end="",
        )


class PaneMarkdown(Markdown):
    """Rich Markdown with links as ``text (url)`` (no OSC 8), images as text, headings left."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "heading_open": _Heading,
        "image": _Image,
    }

    def __init__(self, source: str, *, code_theme: str = "monokai") -> None:
        super().__init__(source, code_theme=code_theme, hyperlinks=False)
