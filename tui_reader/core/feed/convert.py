"""Turn a post's HTML body into safe, readable Markdown.

:func:`html_to_markdown` never raises. A body that is too large, too deeply nested or too
slow for markdownify falls back to its plain text (escaped so that it renders as text).
The output is always free of terminal control characters.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, MarkdownConverter

from .htmlprep import prepare, too_deep
from .htmltext import html_to_text, stray_brackets
from .sanitize import clean_text

MAX_HTML_CHARS = 1_000_000
"""Bodies longer than this are shown as plain text."""
MAX_TAGS = 30_000
"""Bodies with more ``<`` than this are shown as plain text (parsing takes ~35 µs a tag)."""
MAX_REFERENCES = 200_000
"""Bodies with more ``&`` than this are shown as plain text (parsing takes ~5 µs each)."""
MAX_STRAY = 500
"""Bodies with more ``<`` that open no tag are shown as plain text (the stdlib parser is
quadratic on such input)."""
MAX_DEPTH = 150
"""Deeper element nesting is shown as plain text (markdownify recurses ~3 frames a level)."""
TIME_LIMIT = 3.0
"""Seconds markdownify may spend on one body before the plain-text fallback takes over."""

_LANGUAGE = re.compile(r"^(?:language|lang|highlight-source|highlight)-([-+#\w.]{1,30})$")
_BACKTICKS = re.compile(r"`{3,}")
_PRE_START = re.compile(r"^[ \n]*\n")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PROCESSING_INSTRUCTION = re.compile(r"<\?[^<>]*>")
_ESCAPABLE = re.compile(r"[]\\&<`[>~=+|#*_-]|[0-9][.)]")
"""What markdownify's escapes (``escape_misc``, asterisks, underscores) can change."""


class _TooSlow(Exception):
    """markdownify ran past its deadline."""


def html_to_markdown(html: str, base_url: str) -> str:
    """Convert a post body to Markdown, with links made absolute against ``base_url``.

    ``base_url`` is the post's permalink. Links and images that are not http(s) lose their
    address (their text or alt text stays); scripts and styles disappear; embeds become
    links. Never raises: on any failure the body's plain text is returned instead.
    """
    try:
        html = html.replace("\r\n", "\n").replace("\r", "\n")
        markdown = None if _too_costly(html) else _convert(html, base_url)
        if markdown is None:
            markdown = _plain_markdown(html)
        return _tidy(clean_text(markdown))
    except Exception:  # includes RecursionError: the fallback of the fallback
        try:
            return _tidy(clean_text(_plain_markdown(html)))
        except Exception:
            return ""


def convert_batch(bodies: list[tuple[str, str]]) -> list[str]:
    """:func:`html_to_markdown` of each ``(html, base_url)``: a worker process's job."""
    return [html_to_markdown(html, base_url) for html, base_url in bodies]


def _too_costly(html: str) -> bool:
    """Whether ``html`` is too big or too malformed to give to BeautifulSoup at all."""
    return (
        len(html) > MAX_HTML_CHARS
        or html.count("<") > MAX_TAGS
        or html.count("&") > MAX_REFERENCES
        or stray_brackets(html, MAX_STRAY)
    )


def _convert(html: str, base_url: str) -> str | None:
    """markdownify's output, or None when the body is too deep, slow or broken for it."""
    deadline = time.monotonic() + TIME_LIMIT
    try:
        # Browsers hide <?…> (and without one BeautifulSoup cannot warn that the body looks
        # like XML); the newline stops its warning that a short body looks like a URL or a
        # file name. Warnings would print on stderr, under the app's screen.
        html = _PROCESSING_INSTRUCTION.sub("", html) + "\n"
        soup = BeautifulSoup(html, "html.parser", element_classes={Tag: _Tag})
        if too_deep(soup, MAX_DEPTH):
            return None
        prepare(soup, base_url)
        if time.monotonic() > deadline:
            return None
        converter = _converter()
        converter.deadline = deadline
        return str(converter.convert_soup(soup))
    except (_TooSlow, RecursionError, MemoryError):
        return None


def _plain_markdown(html: str) -> str:
    """The body's text, escaped so that no Markdown in it takes effect."""
    escaper: Any = MarkdownConverter(escape_misc=True)
    paragraphs = html_to_text(html).split("\n\n")
    return "\n\n".join(str(escaper.escape(paragraph, set())) for paragraph in paragraphs)


def _code_language(element: Tag) -> str:
    """The language of a ``<pre>`` from its (or its code's or wrapper's) class names."""
    candidates = [element, element.find("code"), element.parent]
    for candidate in candidates:
        if not isinstance(candidate, Tag):
            continue
        classes = candidate.get("class")
        for name in classes if isinstance(classes, list) else []:
            match = _LANGUAGE.match(name)
            if match:
                return match.group(1)
    return ""


class _Tag(Tag):
    """A tag whose ``find_parent(name)`` climbs the tree directly.

    markdownify asks every tag for ``find_parent("pre")``; bs4's general search machinery
    (filters built per call) made that a sixth of the conversion.
    """

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        if not isinstance(name, str) or attrs or kwargs:
            return super().find_parent(name, attrs, **kwargs)
        parent = self.parent
        while parent is not None:
            if parent.name == name:
                return parent
            parent = parent.parent
        return None


# markdownify's stub declares only convert() and convert_soup(), not the hooks overridden here.
_MarkdownifyBase: Any = MarkdownConverter


class _Converter(_MarkdownifyBase):  # type: ignore[misc]
    """markdownify with a deadline, robust code fences and readable ``<details>``."""

    deadline = float("inf")

    def process_tag(self, node: Any, parent_tags: Any = None) -> Any:
        if time.monotonic() > self.deadline:
            raise _TooSlow
        return super().process_tag(node, parent_tags=parent_tags)

    def escape(self, text: str, parent_tags: Any) -> str:
        # markdownify runs four regular expressions over every text; most have nothing any
        # of them (or its * and _ escapes) would change.
        if not _ESCAPABLE.search(text):
            return text
        return str(super().escape(text, parent_tags))

    def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
        text = _PRE_START.sub("", text).rstrip(" \n")
        if not text:
            return ""
        longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
        fence = "`" * max(3, longest + 1)  # longer than any backtick run in the code
        return f"\n\n{fence}{_code_language(el)}\n{text}\n{fence}\n\n"

    def convert_summary(self, el: Any, text: str, parent_tags: Any) -> str:
        text = " ".join(text.split())
        if "_inline" in parent_tags:
            return f" {text} "
        return f"\n\n**{text}**\n\n" if text else ""

    def convert_details(self, el: Any, text: str, parent_tags: Any) -> str:
        if "_inline" in parent_tags:
            return f" {text.strip()} "
        return f"\n\n{text.strip()}\n\n"

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        alt = re.sub(r"([\\\[\]])", r"\\\1", str(el.attrs.get("alt", "")))
        if "_inline" in parent_tags:
            return alt
        return f"![{alt}]({el.attrs.get('src', '')})"


_PER_THREAD = threading.local()


def _converter() -> _Converter:
    """This thread's converter, made once: nothing in it depends on the body but its
    deadline (set for each), and its lookups of each tag's method are kept."""
    converter: _Converter | None = getattr(_PER_THREAD, "converter", None)
    if converter is None:
        converter = _Converter(heading_style=ATX, escape_misc=True, bullets="-")
        _PER_THREAD.converter = converter
    return converter


def _tidy(markdown: str) -> str:
    """Collapse runs of blank lines outside code fences; trim the ends."""
    lines: list[str] = []
    fence = ""
    blank = False
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
        elif match:
            fence = match.group(1)
        elif not line.strip():
            if blank:
                continue
            blank = True
            lines.append("")
            continue
        blank = False
        lines.append(line)
    return "\n".join(lines).strip("\n")
