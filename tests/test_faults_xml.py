"""XML faults, one test per case of issue 5, served by the loopback site to a seeded cache.

A document that cannot be trusted as a whole (not well-formed, or declaring a DTD) is
refused whole and the cache stays exactly as it was. A well-formed feed with odd entries is
used for what it holds: entries without an identity or a date are skipped, and nothing
already cached is lost ("as it was, or better").
"""

from __future__ import annotations

import time
from xml.sax.saxutils import escape, quoteattr

import pytest

from tests import sitefeeds
from tests.fault_support import (
    FEED_PATH,
    MEMORY_LIMIT,
    TAG,
    Seeded,
    peak_memory,
    snapshot,
)
from tests.site_server import Fault
from tui_reader.core.errors import FeedParseError, NotAFeed
from tui_reader.core.net.refresh import RefreshResult

PROLOG = b'<?xml version="1.0" encoding="utf-8"?>\n'
ATOM = '<feed xmlns="http://www.w3.org/2005/Atom"><title>Simon Willison\'s Weblog: llms</title>'
NEW_ID = "https://simonwillison.net/2026/Apr/1/new-post/"


def serve(seeded: Seeded, body: bytes) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(body=body))


def entry(
    *,
    id: str | None = NEW_ID,
    title: str | None = "A new post",
    link: str | None = NEW_ID,
    published: str | None = "2026-04-01T10:00:00+00:00",
    body: str = "<p>Words.</p>",
) -> str:
    """One Atom entry; ``None`` leaves that element out."""
    parts = ["<entry>"]
    if title is not None:
        parts.append(f"<title>{escape(title)}</title>")
    if link is not None:
        parts.append(f'<link href={quoteattr(link)} rel="alternate"/>')
    if published is not None:
        parts.append(f"<published>{escape(published)}</published>")
    if id is not None:
        parts.append(f"<id>{escape(id)}</id>")
    parts.append(f'<summary type="html">{escape(body)}</summary><category term="llms"/></entry>')
    return "".join(parts)


def feed(*entries: str) -> bytes:
    return PROLOG + (ATOM + "".join(entries) + "</feed>").encode()


def cached_posts_kept(seeded: Seeded) -> None:
    """Every row cached before is still there, unchanged; no membership was lost."""
    after = snapshot(seeded.path)
    assert set(seeded.before["posts"]) <= set(after["posts"])
    assert set(seeded.before["tag_posts"]) <= set(after["tag_posts"])


def new_rows(seeded: Seeded) -> list[tuple[object, ...]]:
    before = set(seeded.before["posts"])
    return [row for row in snapshot(seeded.path)["posts"] if row not in before]


def refused_quickly(seeded: Seeded, match: str) -> None:
    started = time.monotonic()
    error, peak = peak_memory(seeded.refresh)
    assert isinstance(error, FeedParseError), repr(error)
    assert match in error.message, error.message
    assert "The cached posts are untouched" in error.message
    assert time.monotonic() - started < 5
    assert peak < MEMORY_LIMIT
    assert seeded.unchanged()


# -- refused whole ------------------------------------------------------------------------------


def good_page(seeded: Seeded) -> bytes:
    return seeded.site.feed_page(TAG)


@pytest.mark.parametrize(
    "damage",
    ["cut in an entry", "cut in a tag", "mismatched tags", "junk after", "bad utf-8", "nbsp"],
)
def test_not_well_formed_is_refused_whole(seeded: Seeded, damage: str) -> None:
    page = good_page(seeded)
    third = page.index(b"<entry>", page.index(b"<entry>", page.index(b"<entry>") + 1) + 1)
    body = {
        "cut in an entry": page[: page.index(b"<summary", third) + 400],
        "cut in a tag": page[: page.index(b"<published", third) + 5],
        "mismatched tags": page.replace(b"</title>", b"</titel>", 3),
        "junk after": page + b"<feed></feed>",
        "bad utf-8": page.replace(b"Long read", b"Long \xff\xfe read", 1),
        "nbsp": page.replace(b"</title>", b"&nbsp;</title>", 2),
    }[damage]
    serve(seeded, body)
    refused_quickly(seeded, "not well-formed")


def test_garbage_is_refused(seeded: Seeded) -> None:
    serve(seeded, b"\x00\x01garbage<<<>>>\xff" * 100)
    refused_quickly(seeded, "not readable XML")


def test_an_encoding_expat_cannot_read_is_refused_not_a_crash(seeded: Seeded) -> None:
    body = good_page(seeded).replace(b'encoding="utf-8"', b'encoding="shift_jis"', 1)
    serve(seeded, body)
    refused_quickly(seeded, "not readable XML")


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        PROLOG
        + f"<!DOCTYPE feed [{''.join(entities)}]>".encode()
        + feed(entry(title="&lol9;")).removeprefix(PROLOG).replace(b"&amp;lol9;", b"&lol9;")
    )


def quadratic_blowup() -> bytes:
    """One 50 KB entity referenced 50,000 times: 2.5 GB if expanded, no nesting needed."""
    refs = "&big;" * 50_000
    return (
        PROLOG
        + f'<!DOCTYPE feed [<!ENTITY big "{"x" * 50_000}">]>'.encode()
        + f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{refs}</title></feed>'.encode()
    )


@pytest.mark.parametrize("make", [billion_laughs, quadratic_blowup])
def test_entity_expansion_is_refused_before_expanding(seeded: Seeded, make: object) -> None:
    assert callable(make)
    serve(seeded, make())
    refused_quickly(seeded, "declares a DTD")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE feed [<!ENTITY ext SYSTEM "{url}/secret">]>',
        '<!DOCTYPE feed [<!ENTITY % ext SYSTEM "{url}/secret"> %ext;]>',
        '<!DOCTYPE feed SYSTEM "{url}/secret">',
        '<!DOCTYPE feed [<!ENTITY ext SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["general", "parameter", "external subset", "file"],
)
def test_external_entities_are_refused_and_never_fetched(seeded: Seeded, doctype: str) -> None:
    body = (
        PROLOG
        + doctype.format(url=seeded.site.url).encode()
        + feed(entry(title="&ext;")).removeprefix(PROLOG).replace(b"&amp;ext;", b"&ext;")
    )
    serve(seeded, body)
    refused_quickly(seeded, "declares a DTD")
    assert not seeded.site.requests_to("/secret")


def test_a_document_that_is_not_a_feed_is_refused(seeded: Seeded) -> None:
    serve(seeded, PROLOG + b"<rss-ish><item><title>x</title></item></rss-ish>")
    error, _ = peak_memory(seeded.refresh)
    assert isinstance(error, NotAFeed) and "root element is <rss-ish>" in error.message
    assert seeded.unchanged()


# -- used for what it holds ---------------------------------------------------------------------


def refreshed(seeded: Seeded) -> RefreshResult:
    result = seeded.refresh()
    cached_posts_kept(seeded)
    return result


def test_valid_feed_with_no_entries_does_not_wipe_the_tag(seeded: Seeded) -> None:
    serve(seeded, sitefeeds.build_feed(TAG, []))
    result = refreshed(seeded)
    assert (result.counts.new, result.counts.updated, result.counts.unchanged) == (0, 0, 0)
    after = snapshot(seeded.path)
    assert after["posts"] == seeded.before["posts"]
    assert after["tag_posts"] == seeded.before["tag_posts"]
    assert len(seeded.store.list_posts(TAG)) == 12


def test_entry_missing_its_id_uses_its_link(seeded: Seeded) -> None:
    serve(seeded, feed(entry(id=None)))
    assert refreshed(seeded).counts.new == 1
    assert [row[0] for row in new_rows(seeded)] == [NEW_ID]


def test_entry_missing_its_title_is_untitled(seeded: Seeded) -> None:
    serve(seeded, feed(entry(title=None)))
    assert refreshed(seeded).counts.new == 1
    post = seeded.store.get_post(NEW_ID)
    assert post is not None and post.title == "(untitled)"


def test_entry_missing_its_link_uses_its_id(seeded: Seeded) -> None:
    serve(seeded, feed(entry(link=None)))
    assert refreshed(seeded).counts.new == 1
    post = seeded.store.get_post(NEW_ID)
    assert post is not None and post.url == NEW_ID


def test_entry_missing_its_date_is_skipped(seeded: Seeded) -> None:
    serve(seeded, feed(entry(published=None), entry(id=None, link=None)))
    result = refreshed(seeded)
    assert result.skipped == 2 and result.counts.new == 0
    assert "2 malformed entries skipped" in result.describe()
    assert snapshot(seeded.path)["posts"] == seeded.before["posts"]


def test_duplicate_ids_keep_the_first(seeded: Seeded) -> None:
    old_form = NEW_ID.replace("https://", "http://") + "#atom-tag"
    serve(
        seeded,
        feed(entry(title="First"), entry(title="Second"), entry(id=old_form, title="Third")),
    )
    result = refreshed(seeded)
    assert (result.counts.new, result.skipped) == (1, 2)
    post = seeded.store.get_post(NEW_ID)
    assert post is not None and post.title == "First"


@pytest.mark.parametrize(
    "date",
    ["yesterday", "2026-13-45T99:99:99Z", "", "10000-01-01T00:00:00Z", "\u0662\u0660\u0662\u0666"],
)
def test_unparseable_dates_skip_the_entry_and_leave_the_cached_post(
    seeded: Seeded, date: str
) -> None:
    cached = seeded.store.list_posts(TAG)[0]
    serve(seeded, feed(entry(id=cached.id, title="Replaced?", published=date), entry()))
    result = refreshed(seeded)
    assert result.skipped == 1 and result.counts.new == 1
    post = seeded.store.get_post(cached.id)
    assert post is not None and post.title == cached.title


def test_ancient_dates_are_stored_and_read_back(seeded: Seeded) -> None:
    """A year below 1000 used to be written unpadded, and every later read crashed."""
    serve(seeded, feed(entry(published="0005-01-01T00:00:00Z")))
    assert refreshed(seeded).counts.new == 1
    posts = seeded.store.list_posts(TAG)
    assert posts[-1].id == NEW_ID and posts[-1].published.year == 5
