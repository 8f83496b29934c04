"""Reading like a native: read state shared across tags and restarts, unread counts, the
"new since your last visit" marker."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.app_support import FETCHED, NOW, TAG, make_app, make_post, record_browser, settle
from tests.test_app_tags import main_of, store_with_tags, tagged_posts
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.feed.convert import html_to_markdown
from tui_reader.core.feed.postlinks import (
    Link,
    Target,
    beat_label,
    classify,
    linked_page,
    post_links,
)
from tui_reader.core.models import Kind, Post
from tui_reader.core.user.reader_state import load_state
from tui_reader.screens.links import LinksScreen
from tui_reader.screens.tag_switcher import TagSwitcher
from tui_reader.widgets.post_list import NEW_MARK, UNREAD_MARK, PostList, YearRow
from tui_reader.widgets.reading_pane import ReadingPane

SIZE = (120, 36)


def list_lines(app: ReaderApp) -> list[str]:
    post_list = main_of(app).post_list
    return [post_list.render_line(y).text for y in range(post_list.size.height)]


def row_text(post_list: PostList, post_id: str) -> str:
    row = post_list.row_of(post_id)
    assert row is not None
    return post_list.render_line(row - post_list.scroll_offset.y).text


def file_store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "cache.sqlite3")
    posts = tagged_posts()
    store.merge(TAG, posts, fetched_at=FETCHED)
    store.merge("llms", [p for p in posts if "llms" in p.tags], fetched_at=FETCHED)
    return store


def test_store_read_state_is_per_post_across_tags(tmp_path: Path) -> None:
    with file_store(tmp_path) as store:
        first = store.list_posts("llms")[0]
        assert store.unread_count("llms") == 6
        store.set_read(first.id)
        assert store.is_read(first.id)
        assert store.unread_count("llms") == 5
        assert store.unread_count(TAG) == 11  # the same post, read under another tag
        assert sum(year.unread for year in store.year_counts(TAG).values()) == 11
        infos = {info.tag: info for info in store.known_tags()}
        assert infos["llms"].unread == 5 and infos["ai"].unread == 11
        store.set_read(first.id, False)
        assert not store.is_read(first.id)
        assert store.read_ids() == set()
    with Store(tmp_path / "cache.sqlite3") as again:
        assert again.unread_count("llms") == 6


def test_store_remembers_visits(tmp_path: Path) -> None:
    with Store(tmp_path / "c.sqlite3") as store:
        assert store.visit_tag("llms", when=NOW) is None
        assert store.visit_tag("llms", when=NOW + timedelta(hours=1)) == NOW
        assert store.last_visit("llms") == NOW + timedelta(hours=1)


async def test_opening_a_post_marks_it_read_under_every_tag_and_after_a_restart(
    tmp_path: Path,
) -> None:
    store = file_store(tmp_path)
    first = store.list_posts(TAG)[0]  # post 0: also tagged llms
    second = store.list_posts(TAG)[1]
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_of(app)
        assert screen.post_list.is_read(first.id)  # shown once the cursor rested
        assert not screen.post_list.is_read(second.id)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert screen.post_list.is_read(second.id)
        screen.switch_tag("llms")
        await settle(pilot)
        assert screen.tag == "llms"
        assert screen.post_list.is_read(first.id)
        assert row_text(screen.post_list, first.id).startswith("  ")
    store.close()
    with Store(tmp_path / "cache.sqlite3") as reopened:
        assert {first.id, second.id} <= reopened.read_ids()
        again = make_app(reopened, tag="ai")
        async with again.run_test(size=SIZE) as pilot:
            await settle(pilot)
            post_list = main_of(again).post_list
            assert post_list.is_read(second.id)
            assert not row_text(post_list, second.id).startswith(UNREAD_MARK)


async def test_m_toggles_read_and_year_headings_count_unread() -> None:
    store = store_with_tags()
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        post_list = main_of(app).post_list
        first = post_list.posts[0]
        year = first.published.year
        total = sum(1 for p in post_list.posts if p.published.year == year)
        heading = next(r for r in post_list.rows if isinstance(r, YearRow) and r.year == year)
        assert post_list.is_read(first.id)
        assert post_list.unread_in(year) == total - 1
        assert f"{heading.label} · {total - 1} unread" in "\n".join(list_lines(app))
        await pilot.press("m")
        await settle(pilot)
        assert not post_list.is_read(first.id)
        assert not store.is_read(first.id)
        assert row_text(post_list, first.id).startswith(UNREAD_MARK)
        assert f"{heading.label} · {total} unread" in "\n".join(list_lines(app))
        await pilot.press("m")
        await settle(pilot)
        assert post_list.is_read(first.id) and store.is_read(first.id)
        assert post_list.unread_count == len(post_list.posts) - 1


async def test_switcher_shows_unread_counts() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        assert "12 posts cached · 11 unread" in str(
            switcher.options.get_option(f"tag:{TAG}").prompt
        )


async def test_posts_that_arrived_since_the_last_visit_are_marked_new(tmp_path: Path) -> None:
    store = file_store(tmp_path)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:  # the first visit: nothing is "new"
        await settle(pilot)
        assert NEW_MARK not in "\n".join(list_lines(app))
        assert store.last_visit(TAG) == NOW  # recorded by a worker, not on the UI thread
    later = NOW + timedelta(hours=2)
    url = "https://simonwillison.net/2026/Feb/27/newcomer/"
    newcomer = replace(
        tagged_posts()[1], id=url, url=url, title="A newcomer", published=NOW - timedelta(days=2)
    )
    store.merge(TAG, [newcomer], fetched_at=later)
    again = make_app(store)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        post_list = main_of(again).post_list
        assert post_list.posts[1].id == newcomer.id  # the newest post is shown, so read
        assert post_list.is_new(post_list.posts[1])
        assert not post_list.is_new(post_list.posts[0])
        assert row_text(post_list, newcomer.id).startswith(NEW_MARK)
        assert row_text(post_list, post_list.posts[2].id).startswith(UNREAD_MARK)
    store.close()


# -- the kind filter ---------------------------------------------------------------------------


async def test_f_cycles_the_kind_filter_shown_in_the_title() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = main_of(app)

        def title() -> str:
            return str(screen.query_one("#list-pane").border_title)

        assert title() == f"12 posts tagged “{TAG}”"
        expected = [
            (Kind.ENTRY, "entries"),
            (Kind.LINK, "links"),
            (Kind.QUOTATION, "quotations"),
            (Kind.NOTE, "notes"),
        ]
        for kind, noun in expected:
            await pilot.press("f")
            await settle(pilot)
            assert screen.kind_filter is kind
            assert title() == f"2 {noun} tagged “{TAG}”"
            assert {post.kind for post in screen.post_list.posts} == {kind}
            shown = screen.reading_pane.post_id
            assert shown in {post.id for post in screen.post_list.posts}
        await pilot.press("f")
        await settle(pilot)
        assert screen.kind_filter is None
        assert title() == f"12 posts tagged “{TAG}”"
        await pilot.press("f", "f", "f")  # quotations, kept while switching tags
        screen.switch_tag("llms")
        await settle(pilot)
        assert title() == "2 quotations tagged “llms”"


async def test_a_kind_with_no_posts_says_so() -> None:
    posts = [replace(p, kind=Kind.ENTRY) for p in tagged_posts()]
    store = Store(":memory:")
    store.merge(TAG, posts, fetched_at=FETCHED)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", "f")
        await settle(pilot)
        screen = main_of(app)
        assert screen.has_class("-empty")
        message = str(screen.query_one("#empty", Static).render())
        assert "No links tagged" in message and "Press f" in message
        await pilot.press("f", "f", "f")
        await settle(pilot)
        assert not screen.has_class("-empty")
        assert len(screen.post_list.posts) == 12


# -- remembered position and theme -------------------------------------------------------------


def long_posts() -> list[Post]:
    """Three posts, the second one long enough to scroll a lot."""
    posts = tagged_posts()[:3]
    body = "\n\n".join(f"Paragraph {i} about the harbour lanterns." for i in range(300))
    posts[1] = replace(posts[1], markdown=body, html=f"<p>{body}</p>")
    return posts


async def test_the_scroll_position_of_a_post_is_remembered_across_restarts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    with Store(path) as store:
        store.merge(TAG, long_posts(), fetched_at=FETCHED)
        long_id = store.list_posts(TAG)[1].id
        app = make_app(store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("j", "enter")
            await settle(pilot)
            pane = main_of(app).reading_pane
            assert pane.post_id == long_id
            await pilot.press("space", "space", "space")
            await settle(pilot)
            line = round(pane.scroll_offset.y)
            assert line > 40
            await pilot.press("n")  # another post, then back: where it was left
            await settle(pilot)
            assert pane.post_id != long_id
            assert round(pane.scroll_offset.y) == 0
            await pilot.press("p")
            await settle(pilot)
            assert pane.post_id == long_id
            assert round(pane.scroll_offset.y) == line
            await pilot.press("space")
            await settle(pilot)
            line = round(pane.scroll_offset.y)
        assert store.position(long_id) == line  # saved when the app closed
    with Store(path) as store:
        again = make_app(store)
        async with again.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            pane = main_of(again).reading_pane
            assert pane.post_id == long_id
            assert round(pane.scroll_offset.y) == line


async def test_the_theme_is_remembered(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    app = make_app(store_with_tags(), state_path=state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme != "nord"
        app.theme = "nord"
        await settle(pilot)
    assert load_state(state).theme == "nord"
    again = make_app(store_with_tags(), state_path=state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_y_copies_the_post_url() -> None:
    app = make_app(store_with_tags())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j", "y")
        await settle(pilot)
        url = main_of(app).post_list.posts[1].url
        assert app.clipboard == url
        assert any(url in n.message for n in app._notifications)


# -- kinds of post -----------------------------------------------------------------------------

LINK_TARGET = "https://example.com/a-linked-article"


def kind_posts() -> list[Post]:
    """A link post, a quotation, a TIL beat, a note and a guide chapter, newest first."""
    bodies = [
        (
            Kind.LINK,
            "The lighthouse keepers",
            f'<p><strong><a href="{LINK_TARGET}">The lighthouse keepers</a></strong></p>\n'
            "Commentary on the linked page: it describes a lighthouse run by volunteers.</p>\n"
            '<p>See <a href="/2026/Feb/27/post-1/">an earlier post</a>, the '
            '<a href="https://simonwillison.net/tags/llms/">llms tag</a>, '
            '<a href="https://simonwillison.net/2020/Jan/1/not-cached/">an old post</a> and '
            '<a href="javascript:alert(1)">a trap</a>.</p>\n'
            '<p><small></small>Via <a href="https://news.ycombinator.com/item?id=1">'
            "Hacker News</a></small></p>",
        ),
        (
            Kind.QUOTATION,
            "Quoting A. Person",
            '<blockquote cite="https://example.com/post"><p>Some quoted words about tides.</p>'
            '</blockquote>\n<p class="cite">&mdash; <a href="https://example.com/post">'
            "A. Person</a>, on a topic</p>",
        ),
        (
            Kind.BEAT,
            "Counting lanterns",
            '<p><strong>TIL:</strong> <a href="https://til.example.com/x">'
            "Counting lanterns</a></p>",
        ),
        (Kind.NOTE, "Note on 5th February 2026", "<p>A short note about gulls.</p>"),
        (
            Kind.CHAPTER,
            "Harbours",
            '<p><em><a href="https://simonwillison.net/guides/sea/">Sea</a> &gt;</em></p>'
            "<p>The chapter.</p>",
        ),
    ]
    posts = []
    for n, (kind, title, body) in enumerate(bodies):
        post = make_post(n, NOW - timedelta(days=n + 1), title=title, kind=kind)
        posts.append(replace(post, html=body, markdown=html_to_markdown(body, post.url)))
    return posts


def kinds_store() -> Store:
    store = Store(":memory:")
    store.merge(TAG, kind_posts(), fetched_at=FETCHED)
    return store


def test_a_link_posts_target_and_links() -> None:
    link, quotation, beat, *_ = kind_posts()
    target = linked_page(link)
    assert target == Link("The lighthouse keepers", LINK_TARGET)
    assert linked_page(quotation) is None
    assert beat_label(beat) == "TIL"
    urls = [item.url for item in post_links(link)]
    assert urls[0] == LINK_TARGET
    assert urls[1] == "https://simonwillison.net/2026/Feb/27/post-1/"  # made absolute
    assert classify(urls[1]) == (Target.POST, urls[1])
    assert classify("https://simonwillison.net/tags/llms/") == (Target.TAG, "llms")
    assert classify("https://example.com/x")[0] is Target.WEB
    assert classify("javascript:alert(1)")[0] is Target.REFUSED


async def test_each_kind_reads_as_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(kinds_store())
    opened = record_browser(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = main_of(app).reading_pane
        lines = pane.plain_text.splitlines()
        assert lines[0] == "The lighthouse keepers"
        assert lines[1] == LINK_TARGET
        assert "link post" in lines[2] and "o opens it" in lines[2]
        await pilot.press("o")
        await pilot.press("O")
        assert opened == [LINK_TARGET, kind_posts()[0].url]
        expected = [
            ("quotation", "— A. Person (https://example.com/post), on a topic"),
            ("beat: TIL", "Counting lanterns"),
            ("note", "A short note about gulls."),
            ("guide chapter", "The chapter."),
        ]
        for kind, text in expected:
            await pilot.press("j")
            await settle(pilot)
            assert kind in pane.plain_text.splitlines()[1]
            assert text in pane.plain_text
        await pilot.press("o")  # not a link post: the post itself
        assert opened[-1] == kind_posts()[-1].url


# -- links in a post ---------------------------------------------------------------------------


async def test_links_are_listed_and_followed_with_history(monkeypatch: pytest.MonkeyPatch) -> None:
    store = kinds_store()
    store.merge("llms", [kind_posts()[3]], fetched_at=FETCHED)
    app = make_app(store)
    opened = record_browser(app, monkeypatch)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = main_of(app)
        link_post, quotation = kind_posts()[:2]
        assert screen.reading_pane.post_id == link_post.id
        await pilot.press("L")
        await settle(pilot)
        links_screen = app.screen
        assert isinstance(links_screen, LinksScreen)
        urls = [link.url for link in links_screen.links]
        assert urls[:3] == [LINK_TARGET, quotation.url, "https://simonwillison.net/tags/llms/"]
        await pilot.press("2")  # a cached post of the site: opens here
        await settle(pilot)
        assert screen.reading_pane.post_id == quotation.id
        assert screen.post_list.highlighted_post is not None
        assert screen.post_list.highlighted_post.id == quotation.id
        assert opened == []
        await pilot.press("alt+left")
        await settle(pilot)
        assert screen.reading_pane.post_id == link_post.id
        await pilot.press("alt+right")
        await settle(pilot)
        assert screen.reading_pane.post_id == quotation.id
        await pilot.press("alt+left")
        await settle(pilot)
        await pilot.press("L", "1")  # another site: the browser, saying which
        await settle(pilot)
        assert opened == [LINK_TARGET]
        assert any(LINK_TARGET in n.message for n in app._notifications)
        await pilot.press("L", "4")  # a post of the site that is not cached: the browser
        await settle(pilot)
        assert opened[-1] == "https://simonwillison.net/2020/Jan/1/not-cached/"
        await pilot.press("L", "5")  # javascript: is never opened
        await settle(pilot)
        assert len(opened) == 2
        assert any("only http and https" in n.message for n in app._notifications)
        await pilot.press("L")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # a tag page: switches tag
        await settle(pilot)
        assert screen.tag == "llms"


async def test_escape_closes_the_links_without_following() -> None:
    app = make_app(kinds_store())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert main_of(app).reading_pane.post_id == kind_posts()[0].id
        assert not main_of(app).post_history.can_go_back


async def test_clicking_a_link_address_in_the_body_follows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = kinds_store()
    app = make_app(store)
    opened = record_browser(app, monkeypatch)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = main_of(app)
        link_post, quotation = kind_posts()[:2]
        assert screen.reading_pane.post_id == link_post.id
        pane = screen.reading_pane
        header_lines = pane.line_count - pane.body_line_count

        def click_offset(url: str) -> tuple[int, int]:
            lines = pane.plain_text.splitlines()
            for row in range(header_lines, len(lines)):
                column = lines[row].find(url)
                if column >= 0:
                    region = pane.scrollable_content_region
                    return (
                        region.x - pane.region.x + column + 2,
                        region.y - pane.region.y + row - pane.scroll_offset.y,
                    )
            raise AssertionError(f"{url} is not drawn in the body")

        await pilot.click(ReadingPane, offset=click_offset(quotation.url))
        await settle(pilot)
        assert pane.post_id == quotation.id  # a cached post of the site opens here
        assert opened == []
        await pilot.press("alt+left")
        await settle(pilot)
        assert pane.post_id == link_post.id
        await pilot.click(ReadingPane, offset=click_offset(LINK_TARGET))
        await settle(pilot)
        assert opened == [LINK_TARGET]  # another site: the browser
        assert pane.link_at(None) is None
