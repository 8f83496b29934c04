"""Hostile content, one test per case of issue 5: ingested for real (loopback site →
``refresh_tag`` → SQLite), then, where it matters, shown by the real app under Pilot.

Feed text is data: markup is shown literally and does nothing; terminal control sequences
and bidi overrides are removed before anything is stored; huge or deep bodies degrade to
text instead of hanging; only http(s) addresses are ever opened, and only on a key press
after the address is on screen. (``test_terminal_escapes.py`` checks the bytes the real
app writes to a real pseudo-terminal.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_support import fixed_clock, record_browser, settle
from tests.fault_support import TAG, Seeded, assert_nothing_unsafe_stored, seed
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import FakePost, build_feed, utc, wrap_body
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Post
from tui_reader.core.net.refresh import RefreshResult
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.post_list import PostList
from tui_reader.widgets.reading_pane import ReadingPane

SLUG_DATE = utc(2026, 4, 1, 10)
MARKUP_TITLE = "[bold]x[/bold] [link=file:///etc/passwd]click[/link] [@click=app.quit]quit[/] [/x]"
MARKUP_TAG = "[@click=app.quit]tag[/]"


@pytest.fixture
def seeded(site: SiteServer, tmp_path: Path) -> Iterator[Seeded]:
    seeded = seed(site, tmp_path, posts=3)
    try:
        yield seeded
    finally:
        seeded.store.close()


def hostile_post(
    slug: str, title: str, inner_html: str, *, tags: tuple[str, ...] = (TAG,)
) -> FakePost:
    return FakePost(slug, title, "entry", SLUG_DATE, tags, wrap_body(inner_html, tags))


def serve_and_refresh(
    seeded: Seeded, posts: list[FakePost], *, patch: dict[bytes, bytes] | None = None
) -> RefreshResult:
    """Serve ``posts`` as the tag's feed (``patch``: raw byte replacements in the XML, for
    what the feed builder would escape) and refresh the seeded cache from it."""
    body = build_feed(TAG, posts)
    for old, new in (patch or {}).items():
        assert old in body, old
        body = body.replace(old, new)
    seeded.site.set_fault(f"/tags/{TAG}.atom", Fault(body=body))
    return seeded.refresh()


def reader(seeded: Seeded) -> ReaderApp:
    """The app on the seeded cache's tag, offline (the cache was filled by the refresh)."""
    return ReaderApp(seeded.store, TAG, base_url=seeded.site.url, offline=True, clock=fixed_clock)


def stored(seeded: Seeded, slug: str) -> Post:
    post = seeded.store.get_post(f"https://simonwillison.net/2026/Apr/1/{slug}/")
    assert post is not None
    return post


# -- markup ------------------------------------------------------------------------------------


def test_markup_in_titles_bodies_and_tags_is_stored_literally(seeded: Seeded) -> None:
    post = hostile_post(
        "markup",
        MARKUP_TITLE,
        "<p>[@click=app.quit]body[/] and [link=https://evil.example]here[/link] [/oops]</p>",
        tags=(TAG, MARKUP_TAG),
    )
    serve_and_refresh(seeded, [post])
    got = stored(seeded, "markup")
    assert got.title == MARKUP_TITLE
    assert MARKUP_TAG in got.tags
    text = got.markdown.replace("\\", "")  # Markdown escapes "[" so that it stays text
    assert "[@click=app.quit]body[/]" in text and "[/oops]" in text
    assert_nothing_unsafe_stored(seeded.path)


async def test_markup_is_shown_literally_and_is_inert_in_the_app(
    seeded: Seeded,
) -> None:
    post = hostile_post(
        "markup",
        MARKUP_TITLE,
        "<p>[@click=app.quit]body[/] and [link=https://evil.example]here[/link]</p>",
        tags=(TAG, MARKUP_TAG),
    )
    serve_and_refresh(seeded, [post])
    app = reader(seeded)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(ReadingPane)
        assert pane.post_id == stored(seeded, "markup").id
        text = " ".join(pane.plain_text.split())  # unwrapped
        assert MARKUP_TITLE in text
        assert f"Tags: {TAG}, {MARKUP_TAG}" in text
        assert "[@click=app.quit]body[/]" in text
        for y in range(4):  # click over the title, date and tags lines, and the list row
            await pilot.click(ReadingPane, offset=(10, y + 1))
        await pilot.click(PostList, offset=(40, 1))
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)


# -- terminal escapes and bidi ----------------------------------------------------------------

ESCAPES = {
    "osc-title": "\x1b]0;PWNED\x07",
    "osc-52": "\x1b]52;c;UFdORUQ=\x07",
    "osc-8": "\x1b]8;;https://evil.example\x1b\\",
    "csi": "\x1b[31m",
    "c1-csi": "\x9b2J",
    "c1-osc": "\x9d0;PWNED\x9c",
    "bel-bs": "\x07\x08",
    "bidi": "\u202e\u2066\u061c",
}


def test_terminal_escapes_raw_and_as_references_are_never_stored(seeded: Seeded) -> None:
    """Raw bytes (XML forbids C0 ones, so a hostile server sends them anyway), XML character
    references in titles (``&#x1b;``) and HTML character references in bodies
    (``&amp;#x1b;``), in every field: all removed before storing; the words stay."""
    posts = []
    for number, (name, sequence) in enumerate(ESCAPES.items()):
        refs = "".join(f"&#x{ord(char):x};" for char in sequence)
        body = f"<p>Body {name} RAW{sequence}END and REF{refs}END</p><pre>{sequence}code</pre>"
        post = hostile_post(f"escape-{number}", f"Title {name} TITLEMARK{number}", body)
        posts.append(post)
    patch = {}
    for number, sequence in enumerate(ESCAPES.values()):
        refs = "".join(f"&#x{ord(char):x};" for char in sequence)
        patch[f"TITLEMARK{number}<".encode()] = f"{sequence}{refs}<".encode()
    every = "".join(ESCAPES.values())
    refs = "".join(f"&#x{ord(char):x};" for char in every)
    patch[f'<category term="{TAG}"/></entry>'.encode()] = (
        f'<category term="{TAG}"/><category term="x{every}{refs}y"/></entry>'.encode()
    )
    raw = build_feed(TAG, posts)
    for old, new in patch.items():
        raw = raw.replace(old, new)
    assert b"\x1b]0;PWNED" in raw and b"&#x1b;" in raw and b"&amp;#x1b;" in raw
    seeded.site.set_fault(f"/tags/{TAG}.atom", Fault(body=raw))
    result = seeded.refresh()
    assert result.counts.new == len(ESCAPES) and result.skipped == 0
    assert_nothing_unsafe_stored(seeded.path)
    for number, name in enumerate(ESCAPES):
        got = stored(seeded, f"escape-{number}")
        assert got.title.startswith(f"Title {name}")
        assert f"Body {name}" in got.markdown.replace("\\", "")
        assert any(tag.startswith("x]0;PWNED]52;c;") for tag in got.tags)


# -- size and shape ----------------------------------------------------------------------------


def test_a_5000_character_title_is_cut_to_one_line(seeded: Seeded) -> None:
    serve_and_refresh(seeded, [hostile_post("long", "word " * 1000, "<p>x</p>")])
    title = stored(seeded, "long").title
    assert len(title) <= 1000 and title.endswith("…") and "\n" not in title


def test_newlines_in_titles_become_spaces(seeded: Seeded) -> None:
    title = "Line one\nline two\r\nline three\rfour\u2028five\tsix"
    serve_and_refresh(seeded, [hostile_post("lines", title, "<p>x</p>")])
    assert stored(seeded, "lines").title == "Line one line two line three four five six"


def test_html_nested_600_deep_is_shown_as_text(seeded: Seeded) -> None:
    deep = "<div><span>" * 300 + "the deep words" + "</span></div>" * 300
    started = time.monotonic()
    serve_and_refresh(seeded, [hostile_post("deep", "Deep", f"<p>Start.</p>{deep}")])
    assert time.monotonic() - started < 10
    markdown = stored(seeded, "deep").markdown
    assert "Start." in markdown and "the deep words" in markdown


def test_a_2_mb_body_is_kept_and_converted_in_bounded_time(seeded: Seeded) -> None:
    paragraph = "<p>" + "Lanterns and tides, <em>over and over</em>. " * 20 + "</p>\n"
    body = paragraph * (2 * 1024 * 1024 // len(paragraph)) + "<p>THE END</p>"
    assert len(body) > 2_000_000
    started = time.monotonic()
    serve_and_refresh(seeded, [hostile_post("big", "Big", body)])
    assert time.monotonic() - started < 20
    post = stored(seeded, "big")
    assert len(post.html) > 2_000_000
    assert "THE END" in post.markdown


def test_script_and_style_never_reach_the_text(seeded: Seeded) -> None:
    body = (
        "<script>alert('PWN-script')</script><style>body { color: PWN-style }</style>"
        "<noscript>PWN-noscript</noscript><template>PWN-template</template>"
        "<p onclick=\"alert('PWN-attr')\">Visible words.</p>"
        "<SCRIPT type=module>PWN-upper</SCRIPT><script>unclosed PWN-open"
    )
    serve_and_refresh(seeded, [hostile_post("script", "Scripts", body)])
    markdown = stored(seeded, "script").markdown
    assert "Visible words." in markdown
    assert "PWN" not in markdown and "alert" not in markdown


# -- links -------------------------------------------------------------------------------------

BAD_SCHEMES = (
    "javascript:alert(1)",
    "JavaScript:alert(2)",
    "java\tscript:alert(3)",
    " javascript:alert(4)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(5)",
)


def test_links_that_are_not_http_lose_their_address(seeded: Seeded) -> None:
    links = "".join(
        f'<p><a href="{href}">link {n}</a> <img src="{href}" alt="image {n}"></p>'
        for n, href in enumerate(BAD_SCHEMES)
    )
    serve_and_refresh(seeded, [hostile_post("links", "Links", links)])
    markdown = stored(seeded, "links").markdown.lower()
    for n in range(len(BAD_SCHEMES)):
        assert f"link {n}" in markdown and f"image {n}" in markdown
    for scheme in ("javascript", "script:", "file:", "data:", "vbscript"):
        assert scheme not in markdown


async def test_only_http_addresses_are_opened_and_only_after_they_are_shown(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry whose id and link are ``javascript:`` keeps no address: ``o`` refuses. A
    normal post's address is on screen before ``o`` opens exactly that address."""
    good = hostile_post("good", "A good post", "<p>fine</p>")
    bad = FakePost(
        "bad", "A bad post", "entry", utc(2026, 4, 2), (TAG,), wrap_body("<p>x</p>", (TAG,))
    )
    serve_and_refresh(
        seeded,
        [bad, good],
        patch={
            b"https://simonwillison.net/2026/Apr/2/bad/#atom-tag": b"javascript:alert(1)",
        },
    )
    assert all(post.url.startswith("https://") or post.url == "" for post in _all(seeded.store))
    app = reader(seeded)
    opened = record_browser(app, monkeypatch)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        assert _highlighted_title(app) == "A bad post"
        await pilot.press("o")
        await settle(pilot)
        assert opened == []
        assert any("only http and https" in n.message for n in app._notifications)
        await pilot.press("j", "enter")
        await settle(pilot)
        pane = app.screen.query_one(ReadingPane)
        good_url = stored(seeded, "good").url
        assert good_url in pane.plain_text  # shown first
        await pilot.press("o")
        await settle(pilot)
        assert opened == [good_url]


def _all(store: Store) -> list[Post]:
    return list(store.posts(TAG))


def _highlighted_title(app: ReaderApp) -> str | None:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    post = screen.post_list.highlighted_post
    return post.title if post else None


async def test_the_reader_shows_long_deep_and_huge_posts(seeded: Seeded) -> None:
    """The app keeps running and shows each of them: the first screen of a 2 MB body long
    before the rest, a 5,000-character title cut to one list row."""
    paragraph = "<p>" + "Lanterns and tides, <em>over and over</em>. " * 20 + "</p>\n"
    posts = [
        FakePost("long", "word " * 1000, "entry", utc(2026, 4, 3), (TAG,), "<p>LONGBODY</p>"),
        FakePost(
            "deep",
            "Deep",
            "entry",
            utc(2026, 4, 2),
            (TAG,),
            "<div>" * 600 + "DEEPBODY" + "</div>" * 600,
        ),
        FakePost(
            "big",
            "Big",
            "entry",
            utc(2026, 4, 1),
            (TAG,),
            paragraph * (2 * 1024 * 1024 // len(paragraph)) + "<p>THE END</p>",
        ),
    ]
    serve_and_refresh(seeded, posts)
    app = reader(seeded)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        rows = [screen.post_list.render_line(y).text for y in range(screen.post_list.size.height)]
        long_rows = [row for row in rows if "word word" in row]
        assert len(long_rows) == 1 and long_rows[0].rstrip().endswith("…"), rows
        pane = screen.query_one(ReadingPane)
        await pilot.press("enter")
        for marker in ("LONGBODY", "DEEPBODY", "Lanterns and tides"):
            started = time.monotonic()
            while marker not in pane.plain_text and time.monotonic() - started < 15:
                await pilot.pause(0.05)
            assert marker in pane.plain_text, marker
            await pilot.press("n")
        assert app.is_running
