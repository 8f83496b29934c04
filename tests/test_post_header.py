"""The reading pane's header, built apart from the pane: lines, kinds, tags and their choice."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.style import Style

from tui_reader.core.feed.dates import site_date
from tui_reader.core.models import Kind, Post
from tui_reader.widgets.markdown_lines import Line
from tui_reader.widgets.post_header import (
    HEADER_PARTS,
    TagChoice,
    choosable_tags,
    header_kind,
    header_lines,
)

WHEN = datetime(2023, 11, 15, 21, 31, tzinfo=UTC)
URL = "https://simonwillison.net/2023/Nov/15/a-post/"
STYLES = {part: Style(color=f"color({number})") for number, part in enumerate(HEADER_PARTS)}


def make_post(
    *, title: str = "A post", kind: Kind = Kind.ENTRY, html: str = "", tags: tuple[str, ...] = ()
) -> Post:
    return Post(URL, URL, title, kind, WHEN, tags, html, "Body.")


def header(post: Post | None, *, width: int = 80, chosen: str | None = None) -> list[Line]:
    return header_lines(post, width, STYLES.__getitem__, placeholder="Choose one", chosen=chosen)


def texts(lines: list[Line]) -> list[str]:
    return ["".join(segment.text for segment in line).rstrip() for line in lines]


def test_an_entry_shows_title_date_kind_tags_permalink_and_a_rule() -> None:
    lines = header(make_post(tags=("ai", "llms")), width=60)
    assert texts(lines) == [
        "A post",
        f"{site_date(WHEN)}  ·  entry  ·  1 word · 1 min",
        "Tags: ai, llms",
        URL,
        "─" * 60,
        "",
    ]
    assert all(len("".join(segment.text for segment in line)) == 60 for line in lines)
    assert lines[0][0].style == STYLES["title"]


def test_the_header_of_a_link_post_leads_with_the_linked_page() -> None:
    html = '<p><strong><a href="https://example.com/page">The page</a></strong> is good.</p>'
    post = make_post(title="Notes on the page", kind=Kind.LINK, html=html)
    assert texts(header(post, width=100))[:4] == [
        "The page",
        "https://example.com/page",
        "Notes on the page",
        f"{site_date(WHEN)}  ·  link post  ·  o opens it, O the post  ·  1 word · 1 min",
    ]


def test_a_link_post_titled_as_its_page_shows_the_title_once() -> None:
    html = '<p><strong><a href="https://example.com/page">The page</a></strong></p>'
    shown = texts(header(make_post(title="The page", kind=Kind.LINK, html=html)))
    assert shown[:2] == ["The page", "https://example.com/page"]
    assert shown.count("The page") == 1


def test_a_beat_shows_its_label_with_its_kind() -> None:
    post = make_post(kind=Kind.BEAT, html="<p><strong>TIL:</strong> lanterns</p>")
    assert header_kind(post) == "beat: TIL"
    assert f"{site_date(WHEN)}  ·  beat: TIL  ·  1 word · 1 min" in texts(header(post))
    assert header_kind(make_post(kind=Kind.BEAT, html="<p>No label.</p>")) == "beat"
    assert header_kind(make_post(kind=Kind.CHAPTER)) == "guide chapter"


def test_markup_in_a_title_is_shown_as_written_and_escapes_are_dropped() -> None:
    post = make_post(title="[bold]x[/bold] \x1b]0;owned\x07and\x1b[2J\nmore", tags=("a\x1b[31mb",))
    lines = header(post)
    assert texts(lines)[0] == "[bold]x[/bold] ]0;ownedand[2J more"
    assert "Tags: a[31mb" in texts(lines)
    assert all(
        not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in segment.text)
        for line in lines
        for segment in line
    )
    assert not any(segment.style and segment.style.bold for segment in lines[0])


def test_an_untitled_post_says_so() -> None:
    assert texts(header(make_post(title=" \x1b ")))[0] == "(untitled)"


def test_no_post_shows_the_placeholder_centred() -> None:
    lines = header(None, width=20)
    assert texts(lines) == ["", "     Choose one"]
    assert lines[1][0].style == STYLES["placeholder"]


def test_only_valid_tags_can_be_chosen_each_once() -> None:
    post = make_post(tags=("ai", "AI", "not a tag", "llms", "", "ai+llms"))
    assert choosable_tags(post) == ["ai", "llms", "ai+llms"]
    assert choosable_tags(None) == []


def test_a_tag_choice_starts_steps_round_and_stops() -> None:
    choice = TagChoice()
    assert not choice.start()  # no post: nothing to choose
    choice.reset(make_post(tags=("ai", "llms", "python")))
    assert choice.tags == ["ai", "llms", "python"]
    assert (choice.active, choice.chosen) == (False, None)
    assert not choice.step(1)
    assert choice.start()
    assert (choice.active, choice.chosen) == (True, "ai")
    assert choice.step(-1)
    assert choice.chosen == "python"
    assert choice.step(1) and choice.step(1)
    assert choice.chosen == "llms"
    assert choice.stop()
    assert not choice.stop()
    assert choice.chosen is None
    choice.start()
    choice.reset(make_post(tags=("rust",)))  # another post: not choosing any more
    assert (choice.active, choice.tags) == (False, ["rust"])


def test_the_chosen_tag_is_highlighted_and_the_keys_are_shown() -> None:
    post = make_post(tags=("ai", "not a tag", "llms"))
    assert texts(header(post))[2] == "Tags: ai, not a tag, llms"
    lines = header(post, chosen="llms")
    assert texts(lines)[2] == "Tags: ai, not a tag, llms   ←/→ choose · enter go · esc stop"
    styles = {segment.text: segment.style for segment in lines[2] if segment.style}
    assert styles["ai"].meta == {"tag": "ai"} and not styles["ai"].reverse
    assert styles["llms"].meta == {"tag": "llms"} and styles["llms"].reverse
    assert styles["not a tag"].meta == {}  # shown, but never chosen
