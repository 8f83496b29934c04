"""Parsing site-shaped feeds into clean Post records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import sitefeeds
from tui_reader.core.errors import FeedParseError, NotAFeed
from tui_reader.core.feed.parse import parse_feed
from tui_reader.core.models import Kind

SOURCE = "http://127.0.0.1:1/tags/training-data.atom"
EXPECTED_KIND = {
    "entry": Kind.ENTRY,
    "blogmark": Kind.LINK,
    "quotation": Kind.QUOTATION,
    "note": Kind.NOTE,
    "beat": Kind.BEAT,
    "guide": Kind.CHAPTER,
}


def test_sample_feed_round_trip() -> None:
    fakes = sitefeeds.sample_posts(n=45)
    feed = parse_feed(sitefeeds.build_feed("training-data", fakes), source_url=SOURCE)
    assert feed.title == "Simon Willison's Weblog: training-data"
    assert feed.skipped == 0
    assert [p.id for p in feed.posts] == [f.permalink for f in fakes]
    for fake, post in zip(fakes, feed.posts, strict=True):
        assert post.title == fake.title
        assert post.published == fake.published.astimezone(UTC)
        assert post.tags == fake.tags
        assert post.url == fake.permalink
        assert "Tags:" not in post.html[-400:]
        assert post.markdown.strip()
        if fake.kind in EXPECTED_KIND:
            assert post.kind == EXPECTED_KIND[fake.kind], fake.title


def test_old_and_new_id_forms_are_the_same_post() -> None:
    when = sitefeeds.utc(2023, 11, 15, 21, 31)
    old = sitefeeds.quotation_post("a-person", "A. Person", when, ("ai",))
    new_form = sitefeeds.FakePost(**{**old.__dict__, "old_style_id": False})
    old_form = sitefeeds.FakePost(**{**old.__dict__, "old_style_id": True})
    a = parse_feed(sitefeeds.build_feed("ai", [old_form]), source_url=SOURCE).posts[0]
    b = parse_feed(sitefeeds.build_feed("ai", [new_form], id_suffix=""), source_url=SOURCE).posts[0]
    assert a.id == b.id == "https://simonwillison.net/2023/Nov/15/a-person/"


def test_hostile_title_is_one_clean_line() -> None:
    when = sitefeeds.utc(2024, 1, 1)
    post = sitefeeds.FakePost(
        "x",
        "Line one\nline two \x1b]0;pwned\x07 [bold]x[/bold] \u202eevil",
        "note",
        when,
        ("ai",),
        sitefeeds.wrap_body("<p>hi</p>", ("ai",)),
    )
    # \x1b and \x07 are not allowed in XML 1.0; send them as character references instead.
    data = sitefeeds.build_feed("ai", [post]).replace(b"\x1b", b"&#x1b;").replace(b"\x07", b"&#7;")
    parsed = parse_feed(data, source_url=SOURCE).posts[0]
    assert parsed.title == "Line one line two ]0;pwned [bold]x[/bold] evil"


def test_entries_without_identity_or_date_are_skipped() -> None:
    data = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>t</title>"
        b"<entry><title>no id</title><published>2023-01-01T00:00:00+00:00</published></entry>"
        b"<entry><id>https://simonwillison.net/2023/Jan/1/nodate/</id>"
        b"<title>no date</title></entry>"
        b"<entry><id>https://simonwillison.net/2023/Jan/1/bad/</id>"
        b"<published>yesterday-ish</published></entry>"
        b"<entry><id>https://simonwillison.net/2023/Jan/2/ok/</id>"
        b"<published>2023-01-02T00:00:00+00:00</published></entry>"
        b"<entry><id>https://simonwillison.net/2023/Jan/2/ok/#atom-tag</id>"
        b"<published>2023-01-02T00:00:00+00:00</published></entry>"
        b"</feed>"
    )
    feed = parse_feed(data, source_url=SOURCE)
    assert [p.id for p in feed.posts] == ["https://simonwillison.net/2023/Jan/2/ok/"]
    assert feed.posts[0].title == "(untitled)"
    assert feed.skipped == 4


def test_empty_feed_is_not_an_error() -> None:
    feed = parse_feed(sitefeeds.build_feed("ai", []), source_url=SOURCE)
    assert feed.posts == []


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>',
        b'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "http://example.invalid/x.dtd">'
        b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>',
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>',
    ],
)
def test_documents_with_a_dtd_are_refused(data: bytes) -> None:
    with pytest.raises(FeedParseError, match="DTD"):
        parse_feed(data, source_url=SOURCE)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><form>Log in</form></body></html>",
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>',
        b"",
        b"   ",
    ],
)
def test_non_feeds_are_refused(data: bytes) -> None:
    with pytest.raises((NotAFeed, FeedParseError)):
        parse_feed(data, source_url=SOURCE)


def test_malformed_xml_before_the_root_is_refused() -> None:
    with pytest.raises(FeedParseError, match="not readable XML"):
        parse_feed(b"<?xml version='1.0'?><<feed>", source_url=SOURCE)


def test_malformed_xml_inside_a_feed_is_refused_whole() -> None:
    """A forgiving parse of a damaged feed yields mangled entries; none of it is used."""
    when = sitefeeds.utc(2023, 5, 6)
    post = sitefeeds.note_post("n", when, ("ai",), title="A note")
    data = sitefeeds.build_feed("ai", [post]).replace(b"</feed>", b"<entry><title>broken")
    with pytest.raises(FeedParseError, match="not well-formed"):
        parse_feed(data, source_url=SOURCE)
    assert parse_feed(sitefeeds.build_feed("ai", [post]), source_url=SOURCE).posts[0].published == (
        datetime(2023, 5, 6, 12, tzinfo=UTC)
    )


def test_embeds_survive_and_scripts_do_not() -> None:
    """feedparser's own sanitiser would delete embeds; the converter cleans instead."""
    inner = (
        '<p>Watch this.</p><lite-youtube videoid="abc123" title="The talk"></lite-youtube>'
        "<details><summary>Transcript</summary><p>Words.</p></details>"
        '<script>alert(1)</script><p><a href="javascript:alert(1)">bad link</a></p>'
    )
    post = sitefeeds.FakePost(
        "embed",
        "An entry with a video",
        "entry",
        sitefeeds.utc(2024, 2, 1),
        ("ai",),
        sitefeeds.wrap_body(inner, ("ai",)),
    )
    parsed = parse_feed(sitefeeds.build_feed("ai", [post]), source_url=SOURCE).posts[0]
    assert "[The talk](https://www.youtube.com/watch?v=abc123)" in parsed.markdown
    assert "Transcript" in parsed.markdown
    assert "alert" not in parsed.markdown
    assert "javascript:" not in parsed.markdown
    assert "bad link" in parsed.markdown
