"""Inferring the kind of a post from its title, body shape and permalink."""

from __future__ import annotations

from typing import Any

import pytest

from tui_reader.core.feed.kinds import infer_kind
from tui_reader.core.models import Kind

SITE = "https://simonwillison.net"
POST = f"{SITE}/2025/Apr/3/some-slug/"
FOOTER = f'\n\n    <p>Tags: <a href="{SITE}/tags/kites">kites</a></p>\n\n'


def body(inner: str) -> str:
    """A body as the feed carries it: leading whitespace, then the HTML, then the footer."""
    return "\n    " + inner + FOOTER


LONG_ARTICLE = body(
    "<p>An opening paragraph about kites.</p>\n"
    + '<h4 id="wind">Wind</h4>\n'
    + "<p>Lots of words about the wind and string. </p>\n" * 80
)

MORE_PROSE = "<p>More about kites and string.</p>" * 60


@pytest.mark.parametrize(
    ("title", "html", "url", "expected"),
    [
        ("Kite strings, revisited", LONG_ARTICLE, POST, Kind.ENTRY),
        # quotations: by title, by body shape, or both
        (
            "Quoting A. Flyer",
            body(
                '<blockquote cite="https://ex.org/k"><p>Kites are wind made visible.</p>'
                '</blockquote>\n<p class="cite">&mdash; <a href="https://ex.org/k">A. Flyer</a>'
                ", in a forum</p>"
            ),
            POST,
            Kind.QUOTATION,
        ),
        ("Quoting someone", body("<p>Odd body</p>"), POST, Kind.QUOTATION),
        (
            "Untitled",
            body('<blockquote><p>Words.</p></blockquote><p class="cite">&mdash; Someone</p>'),
            POST,
            Kind.QUOTATION,
        ),
        # a blogmark
        (
            "A kite shop",
            body(
                '<p><strong><a href="https://kites.example/">A kite shop</a></strong></p>\n'
                "I liked this.</p>"
            ),
            POST,
            Kind.LINK,
        ),
        # beats: the site's labels, and any short label followed by just one link
        (
            "Tying knots",
            body('<p><strong>TIL:</strong> <a href="https://til.example/k">Tying knots</a></p>'),
            POST,
            Kind.BEAT,
        ),
        (
            "kite-tool 1.2",
            body(
                '<p><strong>Release:</strong> <a href="https://gh.example/r">kite-tool 1.2</a>'
                "</p>\n<p>Now with tails.</p>"
            ),
            POST,
            Kind.BEAT,
        ),
        ("A museum", body("<p><strong>Museum:</strong> somewhere</p>"), POST, Kind.BEAT),
        (
            "Spotted",
            body('<p><strong>Field note:</strong> <a href="https://x.example/">a kite</a></p>'),
            POST,
            Kind.BEAT,
        ),
        # ...but an article that opens with a bold label and prose stays an entry
        (
            "Kites update",
            body(
                "<p><strong>Update:</strong> I changed my mind about "
                '<a href="https://x.example/">tails</a> entirely.</p>' + MORE_PROSE
            ),
            POST,
            Kind.ENTRY,
        ),
        # guide chapters: by URL, or by the breadcrumb
        (
            "Choosing string",
            body(f'<p><em><a href="{SITE}/guides/kites/">Kites</a> &gt;</em></p>\n<p>Hi.</p>'),
            f"{SITE}/guides/kites/string/",
            Kind.CHAPTER,
        ),
        (
            "Choosing string",
            body(f'<p><em><a href="{SITE}/guides/kites/">Kites</a> &gt;</em></p>\n<p>Hi.</p>'),
            "",
            Kind.CHAPTER,
        ),
        # notes: by title, or short and plain and recent
        ("Note on 5th March 2026", body("<p>Windy.</p>"), POST, Kind.NOTE),
        ("Note on March 5th, 2026", body("<p>Windy.</p>"), POST, Kind.NOTE),
        ("A windy day", body("<p>It was <em>very</em> windy today.</p>"), POST, Kind.NOTE),
        # a short old entry is not a note; nor is a short post with a heading or code
        (
            "A windy day",
            body("<p>It was windy today.</p>"),
            f"{SITE}/2003/Jan/5/windy/",
            Kind.ENTRY,
        ),
        ("Snippet", body("<h4>Code</h4><pre><code>x = 1</code></pre>"), POST, Kind.ENTRY),
        ("No url", body("<p>Short.</p>"), "", Kind.ENTRY),
        # old posts without <p>
        (
            "Old",
            "\r\nI\u2019ve been <a href='/2002/x/'>busy</a>.\r\n\r\nMore.",
            f"{SITE}/2002/Jun/12/old/",
            Kind.ENTRY,
        ),
    ],
    ids=lambda value: value.strip()[:24],
)
def test_infer_kind(title: str, html: str, url: str, expected: Kind) -> None:
    assert infer_kind(title, html, url) == expected


def test_case_and_whitespace_are_tolerated() -> None:
    assert infer_kind("x", "\n\t  <P><STRONG><A HREF='https://e.x/'>x</A></STRONG></P>", POST) == (
        Kind.LINK
    )
    assert infer_kind("QUOTING X", "", POST) == Kind.QUOTATION


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<",
        "<p><strong>",
        "<p><strong>TIL:" + "x" * 100_000,
        "<" * 100_000,
        "\x00\x1b[31m<p>\ud800</p>",
        "<blockquote" * 10_000,
        "<div>" * 5_000,
    ],
    ids=["empty", "lt", "open", "long-label", "many-lt", "controls", "blockquotes", "divs"],
)
@pytest.mark.parametrize("url", ["", "http://[::1", "javascript:alert(1)", POST, "\x00"])
def test_never_raises(html: str, url: str) -> None:
    assert isinstance(infer_kind("t", html, url), Kind)


def test_non_strings_give_entry() -> None:
    garbage: Any = None
    assert infer_kind(garbage, garbage, garbage) == Kind.ENTRY
