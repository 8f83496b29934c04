"""Links that point where the author meant (issue 14), and the Markdown backfill on every core.

A body's relative links are resolved against the post's permalink, not the feed's address
(a footnote ``#fn1`` stays on the post; with ``--base-url`` a ``/2024/…`` link still leads to
the site); an image wrapped in a link to itself is shown once; converting in worker
processes stores exactly what converting here does.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import pytest

from tests.site_server import SiteServer
from tests.sitefeeds import FakePost, build_feed, entry_post, utc, wrap_body
from tui_reader.cli import main
from tui_reader.core.cache import parallel_backfill
from tui_reader.core.cache.markdown_backfill import PARALLEL_MIN, convert_pending
from tui_reader.core.cache.store import Store
from tui_reader.core.feed.convert import html_to_markdown
from tui_reader.core.feed.parse import parse_feed
from tui_reader.core.feed.postlinks import post_links
from tui_reader.core.models import Post
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.core.user.paths import database_path

PERMALINK = "https://simonwillison.net/2024/Mar/5/footnotes/"
RELATIVE_BODY = (
    '<p>A claim.<sup><a href="#fn1" id="r1">1</a></sup> See <a href="/2024/Mar/1/x/">x</a>'
    ' and <a href="notes/">notes</a>.</p>\n<ol><li id="fn1">The footnote.'
    ' <a href="#r1">↩</a></li></ol>'
)
EXPECTED_LINKS = [
    f"{PERMALINK}#fn1",
    "https://simonwillison.net/2024/Mar/1/x/",
    f"{PERMALINK}notes/",
    f"{PERMALINK}#r1",
]


def footnote_post() -> FakePost:
    return FakePost(
        "footnotes",
        "Footnotes",
        "entry",
        utc(2024, 3, 5),
        ("llms",),
        wrap_body(RELATIVE_BODY, ("llms",)),
    )


def link_targets(markdown: str) -> list[str]:
    """Every ``](target)`` of the Markdown, in order."""
    return [part.split(")", 1)[0] for part in markdown.split("](")[1:]]


def test_relative_links_resolve_against_the_permalink_not_the_feed() -> None:
    feed_url = "http://127.0.0.1:8123/tags/llms.atom?size=1000"
    data = build_feed("llms", [footnote_post()])
    (post,) = parse_feed(data, source_url=feed_url).posts
    assert post.url == PERMALINK
    assert link_targets(post.markdown) == EXPECTED_LINKS
    assert "llms.atom" not in post.markdown and "127.0.0.1" not in post.markdown
    assert [link.url for link in post_links(post)] == EXPECTED_LINKS


def test_with_a_base_url_links_still_lead_to_the_site(site: SiteServer) -> None:
    site.add_tag("llms", [footnote_post()])
    store = Store(":memory:")
    refresh_tag(store, "llms", base_url=site.url)
    assert convert_pending(store) == 1
    stored = store.get_post(PERMALINK)
    assert stored is not None
    assert link_targets(stored.markdown) == EXPECTED_LINKS


LINKED_IMAGE = "https://static.simonwillison.net/static/2024/kite.jpg"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            f'<p><a href="{LINKED_IMAGE}"><img src="{LINKED_IMAGE}" alt="A kite"></a></p>',
            f"![A kite]({LINKED_IMAGE})",
        ),
        (  # relative on both sides, whitespace around the image
            '<p><a href="/static/2024/kite.jpg">\n <img src="/static/2024/kite.jpg" alt="">'
            " </a></p>",
            "![](https://simonwillison.net/static/2024/kite.jpg)",
        ),
        (  # a link elsewhere (a bigger picture) is kept
            f'<p><a href="{LINKED_IMAGE}?full"><img src="{LINKED_IMAGE}" alt="A kite"></a></p>',
            f"[![A kite]({LINKED_IMAGE})]({LINKED_IMAGE}?full)",
        ),
        (  # a link around an image and text is kept
            f'<p><a href="{LINKED_IMAGE}"><img src="{LINKED_IMAGE}" alt="A kite"> photo</a></p>',
            f"[![A kite]({LINKED_IMAGE}) photo]({LINKED_IMAGE})",
        ),
    ],
)
def test_an_image_linked_to_itself_shows_its_address_once(html: str, expected: str) -> None:
    assert html_to_markdown(html, PERMALINK) == expected


# -- the backfill in worker processes ----------------------------------------------------------


def many_posts(n: int) -> list[Post]:
    feed = build_feed(
        "llms",
        [
            entry_post(f"post-{k}", f"Post {k}", utc(2025, 1, 1 + k % 28, k % 24), ("llms",))
            for k in range(n)
        ],
    )
    return parse_feed(feed, source_url="https://simonwillison.net/tags/llms.atom").posts


def test_worker_processes_store_what_converting_here_stores() -> None:
    posts = many_posts(PARALLEL_MIN + 10)
    expected = {post.id: post.markdown for post in posts}
    store = Store(":memory:")
    store.merge("llms", [replace(post, markdown="") for post in posts])
    assert convert_pending(store, processes=2) == len(posts)
    assert {post.id: post.markdown for post in store.posts("llms")} == expected


def test_a_small_batch_stays_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("no pool for a small batch")

    monkeypatch.setattr(parallel_backfill, "convert_in_processes", refuse)
    store = Store(":memory:")
    store.merge("llms", [replace(post, markdown="") for post in many_posts(30)])
    assert convert_pending(store, processes=4) == 30


def test_a_pool_that_cannot_start_falls_back_to_converting_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class NoPool(ProcessPoolExecutor):
        def __init__(self, *_args: object, **_kwargs: object) -> None:
            raise OSError("no semaphores here")

    monkeypatch.setattr(parallel_backfill, "ProcessPoolExecutor", NoPool)
    posts = many_posts(PARALLEL_MIN)
    store = Store(":memory:")
    store.merge("llms", [replace(post, markdown="") for post in posts])
    assert convert_pending(store, processes=2) == len(posts)
    assert store.unconverted(10) == []


def test_stopping_keeps_what_was_saved() -> None:
    posts = many_posts(PARALLEL_MIN + 100)
    store = Store(":memory:")
    store.merge("llms", [replace(post, markdown="") for post in posts])
    done = convert_pending(store, processes=2, should_stop=lambda: True)
    assert done == 0 and len(store.unconverted(1000)) == len(posts)


def test_fetch_all_converts_an_archive_in_worker_processes(site: SiteServer) -> None:
    site.add_tag(
        "llms",
        [
            replace(footnote_post(), slug=f"footnotes-{k}", published=utc(2024, 3, 5, k % 24))
            for k in range(PARALLEL_MIN + 50)
        ],
    )
    args = ["fetch", "llms", "--all", "--pause", "0", "--page-size", "100"]
    assert main([*args, "--base-url", site.url]) == 0
    with Store(database_path()) as store:
        assert store.unconverted(10) == []
        posts = list(store.posts("llms"))
    assert len(posts) == PARALLEL_MIN + 50
    assert all(link_targets(p.markdown)[0] == f"{p.url}#fn1" for p in posts)


def test_the_buffered_sax_driver_reads_what_the_standard_one_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import feedparser.api

    from tui_reader.core.feed import saxdriver

    title = "E &amp; <e>"
    feed = build_feed("llms", [footnote_post(), entry_post("e", title, utc(2025, 1, 1), ())])
    assert feedparser.api.PREFERRED_XML_PARSERS[0] == saxdriver.__name__
    buffered = feedparser.parse(feed, sanitize_html=False, resolve_relative_uris=False)
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", ["xml.sax.expatreader"])
    standard = feedparser.parse(feed, sanitize_html=False, resolve_relative_uris=False)
    assert not buffered.bozo and buffered.entries == standard.entries
