"""The reading pane widget, its Markdown rendering, and the site's date formats."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tui_reader.core.feed.dates import site_date, site_day
from tui_reader.core.models import Kind, Post
from tui_reader.widgets.markdown_lines import (
    make_console,
    render_chunks,
    render_markdown,
    split_chunks,
)
from tui_reader.widgets.reading_pane import ReadingPane

WHEN = datetime(2023, 11, 15, 21, 31, tzinfo=UTC)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

BODY = """\
#### A heading here

Some *prose* with `inline code` and [a link](https://example.com/page).

> A quoted line.

- first item
- second item

```python
def greet():
    return "hello"
```

| Name | Count |
| --- | --- |
| alpha | 1 |

![A diagram of the system](https://static.example.com/diagram.png)
"""


def make_post(number: int = 1, *, title: str = "", markdown: str = BODY, **fields: object) -> Post:
    url = f"https://simonwillison.net/2023/Nov/15/post-{number}/"
    values: dict[str, object] = {
        "id": url,
        "url": url,
        "title": title or f"Post number {number}",
        "kind": Kind.ENTRY,
        "published": WHEN,
        "tags": ("ai", "llms"),
        "html": "",
        "markdown": markdown,
    }
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


def long_markdown(target: int) -> str:
    parts: list[str] = []
    number = 0
    while sum(map(len, parts)) < target:
        number += 1
        parts.append(
            f"#### Part {number}\n\nParagraph {number} with **bold** text and "
            f"[a link](https://example.com/{number}) that goes on for a while.\n\n"
            "- one\n- two\n\n> quoted\n\n```\ncode line\n```\n\n"
        )
    parts.append("The very last paragraph.\n")
    return "".join(parts)


class Host(App[None]):
    """A tiny app holding only the pane; records every Rendered message."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered: list[tuple[str, bool]] = []
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield ReadingPane()

    def on_reading_pane_rendered(self, message: ReadingPane.Rendered) -> None:
        self.rendered.append((message.post_id, message.complete))


async def wait_rendered(pilot: Pilot[None], post_id: str, *, complete: bool = True) -> None:
    """Wait (briefly polling) for the pane's Rendered message for ``post_id``."""
    app = pilot.app
    assert isinstance(app, Host)
    for _ in range(1000):
        if any(pid == post_id and (done or not complete) for pid, done in app.rendered):
            await pilot.pause()
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no Rendered message for {post_id}")


def visible_text(pane: ReadingPane) -> list[str]:
    return [pane.render_line(y).text.rstrip() for y in range(pane.scrollable_content_region.height)]


async def test_placeholder_before_any_post() -> None:
    async with Host().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        await pilot.pause()
        assert pane.post_id is None
        assert "Choose a post" in pane.plain_text
        pane.show_post(make_post())
        pane.show_post(None)
        await pilot.pause()
        assert pane.post_id is None
        assert "Choose a post" in pane.plain_text


async def test_header_fields() -> None:
    async with Host().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        post = make_post(7, title="Ed Newton-Rex on training data", kind=Kind.QUOTATION)
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        assert pane.post_id == post.id
        shown = "\n".join(visible_text(pane))
        assert "Ed Newton-Rex on training data" in shown
        assert "15th November 2023, 9:31 pm" in shown
        assert "quote" in shown
        assert "ai, llms" in shown
        assert post.url in shown
        title = pane.render_line(0)
        assert any(seg.style and seg.style.bold for seg in title if seg.text.strip())


async def test_markdown_body_is_rendered() -> None:
    async with Host().run_test(size=(100, 40)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        post = make_post()
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        text = pane.plain_text
        assert "A heading here" in text and "####" not in text
        assert "inline code" in text and "`" not in text
        assert "▌ A quoted line." in text
        assert "• first item" in text and "• second item" in text
        assert 'return "hello"' in text
        assert "a link (https://example.com/page)" in text
        assert "alpha" in text and "Count" in text
        assert "A diagram of the system" in text
        assert "https://static.example.com/diagram.png" in text
        assert "prose" in "\n".join(visible_text(pane))


async def test_hostile_text_is_literal_and_inert() -> None:
    title = "[bold]x[/bold] [@click=app.quit]quit[/] \x1b]0;pwned\x07\x1b[31mred"
    body = (
        "Click [here](https://evil.example/\x1b]8;;x\x1b\\) or [@click=app.quit]me[/]\n\n"
        "\x1b[2J\x1b]8;;https://evil.example\x1b\\fake link\x1b]8;;\x1b\\ "
        "\u202eevil\u202c\x9b31m\n\n"
        "```\n\x1b[31mcode\x07\n```\n"
    )
    post = make_post(
        3,
        title=title,
        markdown=body,
        tags=("ok", "\x1b[31mbad"),
        url="https://simonwillison.net/\x1b[0m",
    )
    async with Host().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        text = pane.plain_text
        assert "[bold]x[/bold] [@click=app.quit]quit[/]" in text
        assert "[@click=app.quit]me[/]" in text
        assert "fake link" in text
        assert not CONTROL.search(text.replace("\n", ""))
        assert "\u202e" not in text
        strips = [pane.render_line(y) for y in range(pane.scrollable_content_region.height)]
        for strip in strips:
            for segment in strip:
                assert not CONTROL.search(segment.text)
                if segment.style is not None:
                    assert not segment.style.link
                    # The only metadata: a valid tag name, for clicking a tag in the header.
                    assert set(segment.style.meta) <= {"tag"}
                    assert segment.style.meta.get("tag") in (None, "ok")
        await pilot.click(ReadingPane, offset=(4, 1))
        await pilot.pause()
        assert pilot.app.is_running


async def test_rapid_calls_show_only_the_last_post() -> None:
    async with Host().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        assert isinstance(app, Host)
        pane = app.query_one(ReadingPane)
        await pilot.pause()
        posts = [
            make_post(n, markdown=long_markdown(20_000) + f"\n\nBody {n}.\n") for n in range(50)
        ]
        for post in posts:
            pane.show_post(post)
        last = posts[-1]
        await wait_rendered(pilot, last.id)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.post_id == last.id
        assert {post_id for post_id, _ in app.rendered} == {last.id}
        assert "Post number 49" in pane.plain_text
        assert "Body 49." in pane.plain_text
        assert "Body 48." not in pane.plain_text


async def test_long_post_shows_first_screen_then_scrolls_to_the_end() -> None:
    markdown = long_markdown(200_000)
    assert len(markdown) >= 200_000
    async with Host().run_test(size=(120, 40)) as pilot:
        app = pilot.app
        assert isinstance(app, Host)
        pane = app.query_one(ReadingPane)
        post = make_post(9, markdown=markdown)
        pane.show_post(post)
        await wait_rendered(pilot, post.id, complete=False)
        assert app.rendered[0] == (post.id, False)
        assert pane.line_count > pane.size.height
        assert "Part 1" in "\n".join(visible_text(pane))
        await wait_rendered(pilot, post.id)
        pane.focus()
        await pilot.press("G")
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y > 1000
        assert "The very last paragraph." in "\n".join(visible_text(pane))


async def test_reading_keys_scroll() -> None:
    async with Host().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        post = make_post(2, markdown=long_markdown(10_000))
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        pane.focus()

        async def press(key: str) -> float:
            await pilot.press(key)
            await pilot.pause()
            return pane.scroll_y

        assert await press("j") == 1
        assert await press("down") == 2
        assert await press("k") == 1
        assert await press("up") == 0
        page = await press("space")
        assert page > 10
        assert await press("pagedown") == 2 * page
        assert await press("b") == page
        assert await press("pageup") == 0
        assert await press("G") == pane.max_scroll_y
        assert await press("g") == 0
        assert await press("end") == pane.max_scroll_y
        assert await press("home") == 0


async def test_new_post_starts_at_the_top_and_width_changes_rewrap() -> None:
    async with Host().run_test(size=(100, 30)) as pilot:
        app = pilot.app
        assert isinstance(app, Host)
        pane = app.query_one(ReadingPane)
        first = make_post(1, markdown=long_markdown(8_000))
        pane.show_post(first)
        await wait_rendered(pilot, first.id)
        pane.scroll_end(animate=False)
        await pilot.pause()
        second = make_post(2, markdown=long_markdown(8_000))
        pane.show_post(second)
        await wait_rendered(pilot, second.id)
        assert pane.scroll_y == 0
        app.rendered.clear()
        await pilot.resize_terminal(50, 30)
        await wait_rendered(pilot, second.id)
        width = pane.scrollable_content_region.width
        assert all(len(line) <= width for line in pane.plain_text.splitlines())
        # Back at the old width the first post comes from the cache at once.
        await pilot.resize_terminal(100, 30)
        await wait_rendered(pilot, second.id)
        app.rendered.clear()
        pane.show_post(first)
        await pilot.pause()
        assert app.rendered == [(first.id, True)]


def test_chunks_render_exactly_like_the_whole_document() -> None:
    source = long_markdown(20_000) + "\n---\n\nAfter a rule.\n\n1. a\n\n2. b\n\n    indented code\n"
    assert len(split_chunks(source, first=500, size=1_000)) > 5
    console = make_console(70)
    whole = render_markdown(source, console)
    chunked = [line for lines, _ in render_chunks(source, 70) for line in lines]

    def text(lines: list[list[Segment]]) -> list[str]:
        return ["".join(segment.text for segment in line) for line in lines]

    assert text(chunked) == text(whole)


def test_split_keeps_fences_and_references_whole() -> None:
    fence = "```\n" + "\n\n".join(f"line {n}" for n in range(500)) + "\n```\n"
    assert split_chunks("intro\n\n" + fence, first=5, size=10) == ["intro\n", fence]
    refs = "x\n\n" * 2_000 + "[a][1]\n\n[1]: https://example.com\n"
    assert split_chunks(refs, first=10, size=10) == [refs]


@pytest.mark.parametrize(
    ("when", "long", "short"),
    [
        (
            datetime(2023, 11, 15, 21, 31, tzinfo=UTC),
            "15th November 2023, 9:31 pm",
            "15th Nov 2023",
        ),
        (datetime(2024, 1, 1, 0, 5, tzinfo=UTC), "1st January 2024, 12:05 am", "1st Jan 2024"),
        (datetime(2024, 3, 2, 12, 0, tzinfo=UTC), "2nd March 2024, 12:00 pm", "2nd Mar 2024"),
        (datetime(2024, 5, 3, 9, 0, tzinfo=UTC), "3rd May 2024, 9:00 am", "3rd May 2024"),
        (datetime(2024, 6, 4, 23, 59, tzinfo=UTC), "4th June 2024, 11:59 pm", "4th Jun 2024"),
        (datetime(2024, 7, 11, 13, 7, tzinfo=UTC), "11th July 2024, 1:07 pm", "11th Jul 2024"),
        (datetime(2024, 8, 12, 1, 0, tzinfo=UTC), "12th August 2024, 1:00 am", "12th Aug 2024"),
        (datetime(2024, 9, 13, 6, 0, tzinfo=UTC), "13th September 2024, 6:00 am", "13th Sep 2024"),
        (datetime(2024, 10, 21, 6, 0, tzinfo=UTC), "21st October 2024, 6:00 am", "21st Oct 2024"),
        (datetime(2024, 12, 22, 6, 0, tzinfo=UTC), "22nd December 2024, 6:00 am", "22nd Dec 2024"),
        (datetime(2024, 2, 23, 6, 0, tzinfo=UTC), "23rd February 2024, 6:00 am", "23rd Feb 2024"),
        (datetime(2024, 3, 31, 6, 0, tzinfo=UTC), "31st March 2024, 6:00 am", "31st Mar 2024"),
    ],
)
def test_site_dates(when: datetime, long: str, short: str) -> None:
    assert site_date(when) == long
    assert site_day(when) == short


def test_site_dates_are_in_utc() -> None:
    local = datetime(2024, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert site_date(local) == "31st December 2023, 11:30 pm"
    assert site_day(local) == "31st Dec 2023"
    assert site_date(datetime(2024, 1, 1, 12, 0)) == "1st January 2024, 12:00 pm"


async def test_showing_the_same_post_again_keeps_the_position() -> None:
    async with Host().run_test(size=(80, 24)) as pilot:
        pane = pilot.app.query_one(ReadingPane)
        post = make_post(4, markdown=long_markdown(6_000))
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        pane.scroll_to(y=10, animate=False)
        await pilot.pause()
        pane.show_post(make_post(4, markdown=long_markdown(6_000)))
        await pilot.pause()
        assert pane.scroll_y == 10


async def test_a_width_change_keeps_the_place_read() -> None:
    async with Host().run_test(size=(100, 30)) as pilot:
        app = pilot.app
        assert isinstance(app, Host)
        pane = app.query_one(ReadingPane)
        post = make_post(1, markdown=long_markdown(8_000))
        pane.show_post(post)
        await wait_rendered(pilot, post.id)
        lines = pane.plain_text.splitlines()
        pane.scroll_to(y=lines.index("Part 20"), animate=False, immediate=True)
        await pilot.pause()

        def part_at_top() -> int:
            before = pane.plain_text.splitlines()[: round(pane.scroll_offset.y) + 1]
            return max(int(line[5:]) for line in before if line.startswith("Part "))

        for size in [(60, 30), (100, 30)]:  # rendered anew, then from the cache
            app.rendered.clear()
            await pilot.resize_terminal(*size)
            await wait_rendered(pilot, post.id)
            await pilot.pause()
            assert part_at_top() in (19, 20)


async def test_the_scrollbar_follows_a_place_restored_after_a_short_post() -> None:
    # Textual moves the scrollbar only while it is shown: going back to a saved place in a
    # long post from a short one (no scrollbar) left it at the top.
    async with Host().run_test(size=(100, 30)) as pilot:
        app = pilot.app
        assert isinstance(app, Host)
        pane = app.query_one(ReadingPane)
        long, short = make_post(1, markdown=long_markdown(8_000)), make_post(2, markdown="Short.")
        for post in (long, short):
            pane.show_post(post)
            await wait_rendered(pilot, post.id)
        assert not pane.show_vertical_scrollbar
        pane.show_post(long, line=50)  # from the cache
        await pilot.pause()
        assert pane.scroll_y == 50
        assert pane.vertical_scrollbar.position == 50
