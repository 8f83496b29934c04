"""Converting post bodies (shaped like the site's, text invented) to safe Markdown."""

from __future__ import annotations

import time
import warnings

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tui_reader.core.feed import convert
from tui_reader.core.feed.convert import html_to_markdown
from tui_reader.core.feed.footer import strip_tags_footer
from tui_reader.core.feed.sanitize import has_unsafe

SITE = "https://simonwillison.net"
POST = f"{SITE}/2025/Apr/3/kite-strings/"
FOOTER = (
    f'<p>Tags: <a href="{SITE}/tags/kites">kites</a>, '
    f'<a href="{SITE}/tags/wind-power">wind-power</a></p>'
)


def md(html: str, base: str = POST) -> str:
    """Convert, and check what every conversion must guarantee."""
    out = html_to_markdown(html, base)
    assert not has_unsafe(out), repr(out)
    assert "\n\n\n" not in out
    return out


def tokens(markdown: str) -> list[Token]:
    """Every token, inline children included, as a CommonMark renderer sees them."""
    found: list[Token] = []
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        found.append(token)
        found.extend(token.children or [])
    return found


def links(markdown: str) -> list[str]:
    """The destination of every link and image the Markdown renders."""
    urls = []
    for token in tokens(markdown):
        for name in ("href", "src"):
            value = token.attrGet(name)
            if value is not None:
                urls.append(str(value))
    return urls


# -- each kind of post ---------------------------------------------------------------------


ENTRY = f"""
    <p>Some thoughts on <a href="/2024/Jan/2/earlier/">string</a> and <code>tension()</code>.</p>
<h4 id="materials">Materials &amp; methods</h4>
<p>First, a list:</p>
<ul>
<li>Nylon</li>
<li>Cotton, with <em>care</em></li>
</ul>
<div class="highlight highlight-source-python"><pre>
<span class="pl-k">def</span> <span class="pl-en">pull</span>(s):
    <span class="pl-k">return</span> s <span class="pl-c1">&gt;</span> <span class="pl-c1">3</span>

<span class="pl-en">pull</span>(<span class="pl-c1">4</span>)</pre></div>
<pre><code class="language-sql">select * from kites where tail_length &lt; 3;
</code></pre>
<p><img src="/static/2025/kite.jpg" alt="A red diamond kite against a grey sky, its tail
streaming to the left"></p>
<table>
<thead><tr><th>Kite</th><th>Strings</th></tr></thead>
<tbody><tr><td>Diamond</td><td>1</td></tr><tr><td>Stunt</td><td>2 | 4</td></tr></tbody>
</table>
<details><summary>The full <strong>transcript</strong></summary>
<p>Hidden but readable.</p>
</details>
<p><iframe src="https://www.youtube-nocookie.com/embed/AbCdEfGhIjK" title="Flying demo"
  allowfullscreen></iframe></p>
<lite-youtube videoid="ZyXwVuTsRqP" title="A second video"></lite-youtube>
<p><iframe src="https://maps.example.com/embed?x=1"></iframe></p>

    {FOOTER}

"""


def test_entry() -> None:
    out = md(strip_tags_footer(ENTRY))
    assert out.startswith(
        "Some thoughts on [string](https://simonwillison.net/2024/Jan/2/earlier/)"
    )
    assert "`tension()`" in out
    assert "\n\n#### Materials \\& methods\n\n" in out
    assert "- Nylon\n- Cotton, with *care*" in out
    assert "```python\ndef pull(s):\n    return s > 3\n\npull(4)\n```" in out, (
        "highlighted code keeps its lines, blank line and language, and is not escaped"
    )
    assert "```sql\nselect * from kites where tail_length < 3;\n```" in out
    assert (
        "![A red diamond kite against a grey sky, its tail streaming to the left]"
        "(https://simonwillison.net/static/2025/kite.jpg)" in out
    )
    assert "| Kite | Strings |\n| --- | --- |\n| Diamond | 1 |\n| Stunt | 2 \\| 4 |" in out
    assert "\n\n**The full transcript**\n\nHidden but readable." in out
    assert "Hidden but readable." in out
    assert "[Flying demo](https://www.youtube.com/watch?v=AbCdEfGhIjK)" in out
    assert "[A second video](https://www.youtube.com/watch?v=ZyXwVuTsRqP)" in out
    assert "[Embedded page: maps.example.com](https://maps.example.com/embed?x=1)" in out
    assert "Tags:" not in out
    kinds = [t.type for t in tokens(out)]
    assert kinds.count("fence") == 2
    assert "table_open" in kinds
    assert "heading_open" in kinds


BLOGMARK = f"""
    <p><strong><a href="https://kites.example/blog/strings">On kite strings</a></strong></p>
A useful piece about <a href="https://kites.example/">kites</a>, with a quote:</p>
<blockquote><p>Always check the string.</p></blockquote>
<p>And a second paragraph.</p>
<p><small></small>Via <a href="https://news.ycombinator.com/item?id=123">Hacker News</a></small></p>

    {FOOTER}
"""


def test_blogmark_quirks_repaired() -> None:
    out = md(strip_tags_footer(BLOGMARK))
    assert out == (
        "**[On kite strings](https://kites.example/blog/strings)**\n\n"
        "A useful piece about [kites](https://kites.example/), with a quote:\n\n"
        "> Always check the string.\n\n"
        "And a second paragraph.\n\n"
        "Via [Hacker News](https://news.ycombinator.com/item?id=123)"
    )
    paragraphs = [t for t in tokens(out) if t.type == "paragraph_open"]
    assert len(paragraphs) == 5  # the commentary is a paragraph of its own


def test_quotation_keeps_attribution() -> None:
    html = (
        '\n    <blockquote cite="https://ex.org/talk"><p>Wind is just air in a hurry.</p>'
        "<p>Second line &lt;b&gt;.</p></blockquote>\n"
        '<p class="cite">&mdash; <a href="https://ex.org/talk">A. Flyer</a>, at a conference'
        f"</p>\n\n    {FOOTER}\n"
    )
    out = md(strip_tags_footer(html))
    assert out == (
        "> Wind is just air in a hurry.\n>\n> Second line \\<b\\>.\n\n"
        "— [A. Flyer](https://ex.org/talk), at a conference"
    )


def test_note() -> None:
    html = (
        "\n    <p>The wind picked up at <em>exactly</em> noon, see "
        '<a href="https://weather.example/">the forecast</a>.</p>\n'
        f"<p>Another thought.</p>\n\n    {FOOTER}\n"
    )
    assert md(strip_tags_footer(html)) == (
        "The wind picked up at *exactly* noon, see [the forecast](https://weather.example/).\n\n"
        "Another thought."
    )


def test_beat() -> None:
    html = (
        '\n    <p><strong>TIL:</strong> <a href="https://til.example/knots">Tying a bowline</a>'
        f"</p>\n<p>A short note about it.</p>\n\n    {FOOTER}\n"
    )
    assert md(strip_tags_footer(html)) == (
        "**TIL:** [Tying a bowline](https://til.example/knots)\n\nA short note about it."
    )


def test_guide_chapter() -> None:
    html = (
        f'\n    <p><em><a href="{SITE}/guides/kites/">A guide to kites</a> &gt;</em></p>\n'
        "<h2>Choosing string</h2>\n<p>Pick a strong one.</p>\n"
    )
    out = md(html, f"{SITE}/guides/kites/string/")
    assert out == (
        f"*[A guide to kites]({SITE}/guides/kites/) \\>*\n\n## Choosing string\n\n"
        "Pick a strong one."
    )


# -- the tags footer -----------------------------------------------------------------------


def test_footer_stripped_when_last() -> None:
    html = f"\n    <p>Body.</p>\n\n    {FOOTER}\n\n"
    assert strip_tags_footer(html) == "<p>Body.</p>"
    assert strip_tags_footer("<p>Body.</p><p>Tags: </p>") == "<p>Body.</p>"


def test_footer_kept_when_not_last_or_not_a_footer() -> None:
    middle = f"<p>Body.</p>{FOOTER}<p>After.</p>"
    assert strip_tags_footer(middle) == middle
    prose = "<p>Tags: are a way to <em>group</em> posts.</p>"
    assert strip_tags_footer(prose) == prose
    assert strip_tags_footer("  <p>No footer</p>  ") == "<p>No footer</p>"
    assert strip_tags_footer("") == ""


# -- links -----------------------------------------------------------------------------------


def test_links_made_absolute() -> None:
    html = (
        '<p><a href="/2024/x/">root</a> <a href="sibling/">relative</a> '
        '<a href="//example.org/page">protocol-relative</a> <a href="#part-2">anchor</a> '
        '<a href="  https://ex.com/a b(c)  ">spaces</a> <img src="//img.example/k.png" alt="k">'
        "</p>"
    )
    out = md(html, "http://simonwillison.net/2003/Jan/5/post/")
    assert links(out) == [
        "http://simonwillison.net/2024/x/",
        "http://simonwillison.net/2003/Jan/5/post/sibling/",
        "http://example.org/page",
        "http://simonwillison.net/2003/Jan/5/post/#part-2",
        "https://ex.com/a%20b%28c%29",
        "http://img.example/k.png",
    ]


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        " \x01javascript:alert(1)",
        "java&#x09;script:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "mailto:someone@example.com",
    ],
)
def test_dangerous_schemes_lose_their_links(href: str) -> None:
    html = f'<p>Click <a href="{href}">here</a> or see <img src="{href}" alt="a picture">.</p>'
    out = md(html)
    assert out == "Click here or see a picture."
    assert links(out) == []


def test_markdown_in_text_stays_text() -> None:
    html = (
        "<p>[click](javascript:alert(1)) and ![x](https://evil.example/t.png) and "
        "&lt;details&gt; and &lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<p>1. not a list</p><p># not a heading</p><p>- not a bullet</p>"
    )
    out = md(html)
    assert links(out) == []
    assert "\\<details\\>" in out
    kinds = {t.type for t in tokens(out)}
    assert not kinds & {"html_inline", "html_block", "heading_open", "bullet_list_open"}
    assert "ordered_list_open" not in kinds


def test_alt_text_cannot_break_out() -> None:
    out = md('<p><img src="https://ex.com/a.png" alt="x](javascript:alert(1)) [y"></p>')
    assert links(out) == ["https://ex.com/a.png"]


# -- control characters, scripts -------------------------------------------------------------


def test_control_characters_removed_raw_and_as_references() -> None:
    html = (
        "<p>Red \x1b[31mtext\x07 and &#x1b;]0;title&#7; and &#27;[2J and &#x9b;31m "
        "and \u202egnp.exe and \x00nul</p>"
        "<pre><code>echo &#x1b;[1mbold\x1b[0m</code></pre>"
        '<p><a href="https://ex.com/&#x1b;x">link&#x1b;</a> <img src="https://ex.com/i.png" '
        'alt="alt&#x1b;[5m"></p>'
    )
    out = md(html)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\u202e" not in out and "\x00" not in out
    assert "Red [31mtext" in out.replace("\\[", "[")
    assert "echo [1mbold[0m" in out
    assert "(https://ex.com/x)" in out


def test_script_and_style_dropped() -> None:
    html = (
        "<p>Before</p><script>alert('secret-script')</script>"
        "<style>p { color: red } /* secret-style */</style>"
        "<p>After<script type='module'>import 'x'</script></p><noscript>secret-ns</noscript>"
    )
    out = md(html)
    assert out == "Before\n\nAfter"


def test_blank_lines_collapsed_outside_code_only() -> None:
    html = "<p>A</p><p></p><div><br><br><br></div><p>B</p><pre>x\n\n\n\ny</pre>"
    out = html_to_markdown(html, POST)
    assert "A\n\nB" in out.replace("  \n", "")
    assert "```\nx\n\n\n\ny\n```" in out


def test_code_containing_fences() -> None:
    out = md("<pre><code>```python\nprint(1)\n```</code></pre><p>After</p>")
    assert out.startswith("````\n```python\nprint(1)\n```\n````")
    fences = [t for t in tokens(out) if t.type == "fence"]
    assert len(fences) == 1 and "print(1)" in fences[0].content
    assert out.endswith("After")


# -- old posts -------------------------------------------------------------------------------


def test_old_style_post_without_paragraphs() -> None:
    html = (
        "\r\n    I\u2019ve been trying \u201ckites\u201d again \u2014 see "
        '<a href="/2002/Jun/1/earlier/">my earlier post</a>\r\nand '
        '<a href="//example.org/page">this page</a>.\r\n\r\n'
        "A second paragraph&hellip;<br>\r\nwith a break.\r\n\r\n"
        '<img src="http://images.dead-host.example/pic.gif">\r\nThe end.'
    )
    out = md(html, "http://simonwillison.net/2002/Jun/12/old/")
    assert "\r" not in out
    assert out.split("\n\n") == [
        "I\u2019ve been trying \u201ckites\u201d again \u2014 see "
        "[my earlier post](http://simonwillison.net/2002/Jun/1/earlier/)\nand "
        "[this page](http://example.org/page).",
        "A second paragraph\u2026  \nwith a break.",
        "![](http://images.dead-host.example/pic.gif)\nThe end.",
    ]


# -- robustness ------------------------------------------------------------------------------


def test_deep_nesting_falls_back_to_text() -> None:
    html = "<p>Start</p>" + "<div><span>" * 300 + "deep &lt;text&gt;" + "</span></div>" * 300
    started = time.monotonic()
    out = md(html)
    assert time.monotonic() - started < 2
    assert out == "Start\n\ndeep \\<text\\>"


def test_huge_body_falls_back_quickly() -> None:
    chunk = (
        '<p>Para with <a href="https://ex.com/">a link</a> and <b>bold</b> &amp; '
        "[not a link](javascript:x).</p>\n"
    )
    html = chunk * (2_000_000 // len(chunk) + 1)
    assert len(html) > 2_000_000
    started = time.monotonic()
    out = md(html)
    assert time.monotonic() - started < 5
    first = out.split("\n\n", 1)[0]
    assert first == "Para with a link and bold \\& \\[not a link\\](javascript:x)."
    assert out.count("\n\n") == html.count("<p>") - 1


@pytest.mark.parametrize(
    "html",
    [
        "<a" * 50_000,
        "</" * 100_000,
        "<?" * 100_000,
        "&" * 600_000,
        "<b>x</b>" * 50_000,
        "a" + " " * 300_000 + "b",
        "<p>Tags:" + " \t" * 150_000 + "x</p>",
    ],
    ids=["open-tags", "end-tags", "instructions", "ampersands", "inline-tags", "spaces", "tabs"],
)
def test_pathological_markup_is_fast(html: str) -> None:
    started = time.monotonic()
    out = md(html)
    assert time.monotonic() - started < 5
    assert isinstance(out, str)


def test_slow_conversion_falls_back_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "TIME_LIMIT", 0.2)
    html = "<ol>" + "<li>item</li>" * 10_000 + "</ol>"  # markdownify is quadratic on this
    started = time.monotonic()
    out = md(html)
    assert time.monotonic() - started < 3
    assert out.startswith("item\n\nitem\n\n")  # plain text: no list markers


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<",
        "</p></p></div>",
        "<table><tr><td colspan='x'>1<td>2</table>",
        "<ol start='-5'><li>a</ol><ul><li><ul><li>b</ul>",
        "<pre></pre><code></code><a></a><img><iframe></iframe><lite-youtube></lite-youtube>",
        "<a href='http://[::1'>bad ipv6</a>",
        "<p>\ud800 lone surrogate</p>",
        "<details><summary></summary></details>",
        "<!-- unclosed comment",
        "<![CDATA[ x ]]> <!DOCTYPE html> <?php echo 1 ?>",
    ],
)
def test_garbage_never_raises(html: str) -> None:
    assert isinstance(md(html), str)
    assert isinstance(html_to_markdown(html, ""), str)
    assert isinstance(html_to_markdown(html, "not a url"), str)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("https://example.com/page", "https://example.com/page"),
        ("notes.txt", "notes.txt"),
        ("<?xml version='1.0'?><p>x</p>", "x"),
    ],
)
def test_url_or_file_like_bodies(html: str, expected: str) -> None:
    # BeautifulSoup warns about such input by default: on stderr, under the app's screen.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert md(html) == expected
    assert [str(w.message) for w in caught] == []


def test_relative_links_without_a_base_are_dropped() -> None:
    out = md('<p><a href="/x/">relative</a> <a href="https://ok.example/">absolute</a></p>', "")
    assert out == "relative [absolute](https://ok.example/)"


def test_each_thread_keeps_one_converter_and_it_converts_as_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    bodies = [
        "<p>One <em>two</em> <code>x_y</code></p><pre><code class='language-py'>a</code></pre>",
        "<ul><li>a</li><li><a href='/b'>b</a></li></ul><blockquote><p>q</p></blockquote>",
        "<h2>H</h2><details><summary>S</summary><p>D</p></details><img src='/i.png' alt='i'>",
    ]
    kept = [html_to_markdown(body, POST) for body in bodies * 2]
    assert convert._converter() is convert._converter()
    there: list[object] = []
    thread = threading.Thread(target=lambda: there.append(convert._converter()))
    thread.start()
    thread.join()
    assert there[0] is not convert._converter()

    def fresh() -> object:
        return convert._Converter(heading_style=convert.ATX, escape_misc=True, bullets="-")

    monkeypatch.setattr(convert, "_converter", fresh)
    assert [html_to_markdown(body, POST) for body in bodies * 2] == kept
