"""A big page parsed in two parts gives exactly the posts of parsing it whole (issue 14)."""

from __future__ import annotations

import pytest

from tests import sitefeeds
from tui_reader.core.feed.pagesplit import join_parsed, split_feed
from tui_reader.core.feed.parse import ParsedFeed, parse_checked, parse_feed, strip_controls

SOURCE = "https://simonwillison.net/tags/llms.atom"


def in_parts(data: bytes, share: float) -> ParsedFeed:
    parts = split_feed(strip_controls(data), share)
    assert parts is not None
    return join_parsed([parse_checked(part, source_url=SOURCE, convert=False) for part in parts])


@pytest.mark.parametrize("share", [0.01, 0.3, 0.5, 0.6, 0.99])
def test_the_parts_of_a_site_page_parse_to_the_whole_page(share: float) -> None:
    data = sitefeeds.build_feed("llms", sitefeeds.sample_posts("llms", n=60))
    whole = parse_feed(data, source_url=SOURCE, convert=False)
    parts = split_feed(data, share)
    assert parts is not None and all(b"<entry>" in part for part in parts)
    assert in_parts(data, share) == whole and len(whole.posts) == 60


def test_duplicates_and_skipped_entries_count_as_in_one_document() -> None:
    fakes = sitefeeds.sample_posts("llms", n=12)
    data = sitefeeds.build_feed("llms", [*fakes, *fakes[:3]])  # the first three again at the end
    no_date = b"<entry><id>https://simonwillison.net/2024/x/</id><title>x</title></entry>"
    data = data.replace(b"<entry>", no_date + b"<entry>", 1)  # a first entry without a date
    whole = parse_feed(data, source_url=SOURCE, convert=False)
    assert whole.skipped == 4
    for share in (0.1, 0.5, 0.9):
        assert in_parts(data, share) == whole


def test_base_language_and_control_characters_carry_into_each_part() -> None:
    entry = (
        "<entry><id>{id}</id><title>T{n}\x1b</title><published>2024-0{n}-01T00:00:00Z</published>"
        '<link href="{n}/" rel="alternate"/>'
        '<content type="html">&lt;p&gt;Text &lt;a href="#fn{n}"&gt;note&lt;/a&gt;&amp;#x7;'
        "</content>"
        "</entry>"
    )
    entries = "\n".join(entry.format(id=f"tag:x,2024:{n}", n=n) for n in range(1, 9))
    data = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"'
        ' xml:base="https://simonwillison.net/2024/" xml:lang="en"><title>Feed</title>\n'
        f"{entries}\n</feed>\n"
    ).encode()
    whole = parse_feed(data, source_url=SOURCE, convert=False)
    assert whole.title == "Feed" and len(whole.posts) == 8
    assert in_parts(data, 0.5) == whole


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title></item><item><title>b</title></item></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<entry><id>a</id></entry><entry><id>b</id></entry><updated>x</updated></feed>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id></entry>'
        b"<title>t</title><entry><id>b</id></entry></feed>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>a</id></entry></feed>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
        b"<feed><entry><id>a</id></entry><entry><id>b</id></entry></feed>",  # not Atom's
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id></entry>',  # cut short
    ],
    ids=["rss", "element-after", "element-among", "one-entry", "no-entry", "no-ns", "broken"],
)
def test_a_page_that_is_not_atom_entries_at_the_end_is_not_cut(data: bytes) -> None:
    assert split_feed(data, 0.5) is None
    assert split_feed(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', 0.5) is None
