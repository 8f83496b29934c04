"""The fake site itself: it must behave like simonwillison.net (shared/SITE.md) before other
tests can trust it. Plain httpx, real sockets on 127.0.0.1; every wait is short and bounded."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from email.utils import format_datetime
from urllib.parse import urljoin

import feedparser
import httpx
import pytest

from tests import sitefeeds
from tests.site_server import (
    MIB,
    Fault,
    SiteServer,
    brotli_bomb,
    brotli_stored,
    gzip_bomb,
    http_date,
)

TAG = "training-data"
SHORT = httpx.Timeout(2.0)


@pytest.fixture
def posts() -> list[sitefeeds.FakePost]:
    return sitefeeds.sample_posts(TAG, 45)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=SHORT) as c:
        yield c


def ids_of(body: bytes) -> list[str]:
    return [e.id for e in feedparser.parse(body).entries]


# -- sitefeeds ----------------------------------------------------------------------------------

SITE_MD_EXAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<feed xml:lang="en-us" xmlns="http://www.w3.org/2005/Atom"><title>Simon Willison\'s Weblog: '
    'training-data</title><link href="http://simonwillison.net/" rel="alternate"/><link href="'
    'http://simonwillison.net/tags/training-data.atom" rel="self"/><id>http://simonwillison.net/'
    "</id><updated>2023-11-15T21:31:00+00:00</updated><author><name>Simon Willison</name>"
    '</author><entry><title>Quoting A. Person</title><link href="https://simonwillison.net/2023/'
    'Nov/15/a-person/#atom-tag" rel="alternate"/><published>2023-11-15T21:31:00+00:00'
    "</published><updated>2023-11-15T21:31:00+00:00</updated><id>https://simonwillison.net/2023/"
    'Nov/15/a-person/#atom-tag</id><summary type="html">\n'
    '    &lt;blockquote cite="https://example.com/post"&gt;&lt;p&gt;Some quoted words.&lt;/p&gt;'
    "&lt;/blockquote&gt;\n"
    '&lt;p class="cite"&gt;&amp;mdash; &lt;a href="https://example.com/post"&gt;A. Person&lt;/a'
    "&gt;, on a topic&lt;/p&gt;\n\n"
    '    &lt;p&gt;Tags: &lt;a href="https://simonwillison.net/tags/ai"&gt;ai&lt;/a&gt;, &lt;a href'
    '="https://simonwillison.net/tags/training-data"&gt;training-data&lt;/a&gt;&lt;/p&gt;\n\n'
    '</summary><category term="ai"/><category term="training-data"/></entry></feed>'
)


def test_build_feed_matches_the_site_md_example_byte_for_byte() -> None:
    post = sitefeeds.quotation_post(
        "a-person",
        "A. Person",
        sitefeeds.utc(2023, 11, 15, 21, 31),
        ("ai", "training-data"),
        quote="Some quoted words.",
    )
    assert sitefeeds.build_feed("training-data", [post]).decode() == SITE_MD_EXAMPLE


def test_sample_feed_parses_with_feedparser(posts: list[sitefeeds.FakePost]) -> None:
    parsed = feedparser.parse(sitefeeds.build_feed(TAG, posts))
    assert not parsed.bozo
    assert parsed.feed.title == "Simon Willison's Weblog: training-data"
    assert parsed.feed.id == "http://simonwillison.net/"
    assert len(parsed.entries) == 45
    for fake, entry in zip(posts, parsed.entries, strict=True):
        assert entry.title == fake.title
        assert entry.id == fake.permalink + "#atom-tag"
        assert entry.link == entry.id
        assert entry.published == sitefeeds.atom_date(fake.published)
        assert entry.updated == entry.published
        assert sorted(t.term for t in entry.tags) == sorted(fake.tags)
        assert "Tags: " in entry.summary
        assert "content" not in entry
    titles = {e.title for e in parsed.entries}
    assert set(sitefeeds.TRICKY_TITLES) <= titles  # &, <, quotes, U+2011, emoji survive
    kinds = {p.kind for p in posts}
    assert kinds == {"entry", "blogmark", "quotation", "note", "beat", "guide", "old"}
    assert {p.published.year for p in posts} >= {2002, 2019, 2023, 2024, 2025, 2026}
    assert [p.published for p in posts] == sorted((p.published for p in posts), reverse=True)
    assert len({p.permalink for p in posts}) == 45
    assert len({p.slug for p in posts}) < 45  # a slug repeats on another date


def test_sample_posts_is_deterministic() -> None:
    assert sitefeeds.sample_posts(TAG, 45) == sitefeeds.sample_posts(TAG, 45)
    assert len(sitefeeds.sample_posts("llms", 200)) == 200


def test_kind_quirks_and_old_style_ids() -> None:
    when = sitefeeds.utc(2026, 3, 5, 9, 0)
    blogmark = sitefeeds.blogmark_post("b", "A & B", when, ("ai",))
    assert "</strong></p>\nCommentary" in blogmark.body_html  # lost opening <p>
    assert "<p><small></small>Via <a" in blogmark.body_html
    assert blogmark.body_html.startswith("\n    ") and blogmark.body_html.endswith("</p>\n\n")
    assert sitefeeds.note_post("n", when, ("ai",)).title == "Note on 5th March 2026"
    beat = sitefeeds.beat_post("t", "Thing", when, ("ai",), external_url="https://x.example/")
    assert '<p><strong>TIL:</strong> <a href="https://x.example/">Thing</a></p>' in beat.body_html
    guide = sitefeeds.guide_chapter_post("g", "ch", "Chapter", when, ("ai",))
    assert guide.permalink == "https://simonwillison.net/guides/g/ch/"
    old = sitefeeds.entry_post("e", "E", sitefeeds.utc(2019, 1, 2), ("ai",), old_style_id=True)
    entry = feedparser.parse(sitefeeds.build_feed("ai", [old])).entries[0]
    assert entry.id == "http://simonwillison.net/2019/Jan/2/e/#atom-tag"
    assert "<h4" in old.body_html and "<details>" in old.body_html and "<table>" in old.body_html


# -- feeds, pagination, headers ------------------------------------------------------------------


def test_pages_follow_the_relative_link_header(
    site: SiteServer, client: httpx.Client, posts: list[sitefeeds.FakePost]
) -> None:
    site.add_tag(TAG, posts)
    first = client.get(site.feed_url(TAG))
    assert first.status_code == 200
    assert first.headers["link"] == '</tags/training-data.atom?page=2>; rel="next"'
    assert len(ids_of(first.content)) == 30
    second = client.get(urljoin(str(first.url), "/tags/training-data.atom?page=2"))
    assert "link" not in second.headers
    assert len(ids_of(second.content)) == 15
    # following links until they stop yields the whole history, newest first
    url: str | None = site.feed_url(TAG, size=10)
    seen: list[str] = []
    pages = 0
    while url and pages < 20:
        response = client.get(url)
        seen += ids_of(response.content)
        pages += 1
        url = response.links.get("next", {}).get("url")
        if url:
            assert url.startswith("/tags/training-data.atom?size=10&page=")
            url = urljoin(str(response.url), url)
    assert pages == 5
    assert seen == [p.permalink + "#atom-tag" for p in posts]
    assert client.get(site.feed_url(TAG, page="last")).content == second.content
    assert client.get(site.feed_url(TAG, page=3)).status_code == 404
    assert client.get(site.feed_url(TAG, page="zero")).status_code == 404
    assert len(ids_of(client.get(site.feed_url(TAG, size=5000)).content)) == 45


@pytest.mark.parametrize("size", ["0", "-3", "abc"])
def test_bad_size_is_a_server_error(site: SiteServer, client: httpx.Client, size: str) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    assert client.get(site.feed_url(TAG, size=size)).status_code == 500


def test_feed_headers(
    site: SiteServer, client: httpx.Client, posts: list[sitefeeds.FakePost]
) -> None:
    site.add_tag(TAG, posts)
    response = client.get(site.feed_url(TAG), headers={"User-Agent": "tui-reader-test/1"})
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.headers["cache-control"] == "s-maxage=600"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["last-modified"] == format_datetime(posts[0].published, usegmt=True)
    assert "etag" not in response.headers
    assert response.content == site.feed_page(TAG)
    assert site.requests[-1].header("User-Agent") == "tui-reader-test/1"
    assert site.requests[-1].path == "/tags/training-data.atom"
    head = client.head(site.feed_url(TAG))
    assert head.status_code == 200 and head.content == b""


def test_not_found_pages(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    for path in (
        "/tags/nope.atom",
        f"/tags/{TAG}/atom/",
        f"/tags/{TAG}.atom/",
        "/tags/a+b+c+d.atom",
        "/somewhere/",
    ):
        response = client.get(site.url + path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")


def test_combined_tags(site: SiteServer, client: httpx.Client) -> None:
    when = sitefeeds.utc(2025, 1, 1)
    both = sitefeeds.note_post("both", when, ("ai", "llms"))
    only = sitefeeds.note_post("only", when.replace(day=2), ("ai",))
    site.add_tag("ai", [both, only])
    site.add_tag("llms", [both])
    parsed = feedparser.parse(client.get(site.url + "/tags/ai+llms.atom").content)
    assert parsed.feed.title == "Simon Willison's Weblog: ai, llms"
    assert [e.id for e in parsed.entries] == [both.permalink + "#atom-tag"]
    # unknown tags in the list are dropped silently
    assert len(ids_of(client.get(site.url + "/tags/ai+unknown.atom").content)) == 2


def test_renamed_tag_redirect_chain(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag("new-name", sitefeeds.sample_posts("new-name", 3))
    site.rename("old-name", "new-name")
    first = client.get(site.feed_url("old-name"))
    assert (first.status_code, first.headers["location"]) == (301, "/tag/new-name/")
    second = client.get(site.url + "/tag/new-name/")
    assert (second.status_code, second.headers["location"]) == (301, "/tags/new-name/")
    followed = client.get(site.feed_url("old-name"), follow_redirects=True)
    assert followed.status_code == 200
    assert [r.status_code for r in followed.history] == [301, 301]
    assert followed.url.path == "/tags/new-name/"
    assert followed.headers["content-type"].startswith("text/html")
    assert "3 posts tagged \u201cnew-name\u201d" in followed.text


def test_tag_page_and_autocomplete(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 45), description="Data used to train models")
    site.add_tag("training", sitefeeds.sample_posts("training", 2))
    page = client.get(site.url + f"/tags/{TAG}/")
    assert "45 posts tagged" in page.text and "<h2>2026</h2>" in page.text
    data = client.get(site.url + "/tags-autocomplete/", params={"q": "training"}).json()
    rows = data["tags"]
    assert [r["tag"] for r in rows] == ["training", TAG]
    assert rows[0]["is_exact_match"] is True
    assert rows[1]["count"] == 45 and rows[1]["description"] == "Data used to train models"
    assert {"total_entry", "total_blogmark", "total_quotation", "total_note", "total_beat"} <= set(
        rows[1]
    )


def test_site_wide_feed(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 40))
    ids = ids_of(client.get(site.url + "/atom/everything/").content)
    assert len(ids) == 30 and all(i.endswith("#atom-everything") for i in ids)


# -- conditional requests -----------------------------------------------------------------------


def test_if_modified_since_is_ignored_by_default_and_honoured_by_the_switch(
    site: SiteServer, client: httpx.Client
) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 5))
    first = client.get(site.feed_url(TAG))
    validators = {"If-Modified-Since": first.headers["last-modified"]}
    assert client.get(site.feed_url(TAG), headers=validators).status_code == 200
    site.answer_304 = True
    not_modified = client.get(site.feed_url(TAG), headers=validators)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["last-modified"] == first.headers["last-modified"]
    older = {"If-Modified-Since": http_date(sitefeeds.utc(2020, 1, 1))}
    assert client.get(site.feed_url(TAG), headers=older).status_code == 200
    sent = [r.header("if-modified-since") for r in site.requests_to(f"/tags/{TAG}.atom")]
    assert sent[0] is None and sent[1] == first.headers["last-modified"]


def test_etag_switch(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 5))
    site.send_etag = True
    etag = client.get(site.feed_url(TAG)).headers["etag"]
    assert client.get(site.feed_url(TAG), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(site.feed_url(TAG), headers={"If-None-Match": '"x"'}).status_code == 200
    # an edited body (same dates) changes the ETag
    edited = [
        sitefeeds.FakePost(**{**p.__dict__, "body_html": p.body_html + "<p>edit</p>"})
        for p in sitefeeds.sample_posts(TAG, 5)
    ]
    site.add_tag(TAG, edited)
    assert client.get(site.feed_url(TAG), headers={"If-None-Match": etag}).status_code == 200


def test_gzip_switch(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 5))
    site.gzip = True
    response = client.get(site.feed_url(TAG))
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == site.feed_page(TAG)


# -- faults -------------------------------------------------------------------------------------


def test_status_faults_with_retry_after_and_times(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    path = f"/tags/{TAG}.atom"
    for status in (500, 502, 503, 429):
        site.set_fault(path, Fault(status=status, retry_after=2))
        response = client.get(site.url + path)
        assert response.status_code == status
        assert response.headers["retry-after"] == "2"
    site.set_fault(path, Fault(status=503, times=1))
    assert client.get(site.url + path).status_code == 503
    assert client.get(site.url + path).status_code == 200
    site.clear_faults()
    assert client.get(site.url + path).status_code == 200


def test_delay_then_normal_answer(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    site.set_fault(f"/tags/{TAG}.atom", Fault(delay=0.3))
    start = time.monotonic()
    assert client.get(site.feed_url(TAG)).status_code == 200
    assert time.monotonic() - start >= 0.25


def test_hang_and_hang_after_headers_time_out(site: SiteServer) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    site.set_fault("/hang", Fault(hang=True))
    site.set_fault(f"/tags/{TAG}.atom", Fault(hang_after_headers=True))
    with httpx.Client(timeout=httpx.Timeout(0.3)) as c:
        start = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get(site.url + "/hang")
        with c.stream("GET", site.feed_url(TAG)) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.ReadTimeout):
                response.read()
        assert time.monotonic() - start < 2


def test_drip_sends_one_byte_per_interval(site: SiteServer) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    site.set_fault(f"/tags/{TAG}.atom", Fault(drip_interval=0.05))
    received = b""
    start = time.monotonic()
    with (
        httpx.Client(timeout=httpx.Timeout(1.0)) as c,
        c.stream("GET", site.feed_url(TAG)) as response,
    ):
        for chunk in response.iter_raw():
            received += chunk
            if len(received) >= 6:
                break
    elapsed = time.monotonic() - start
    assert received.startswith(b"<?xml ")
    assert 0.2 <= elapsed < 1.5  # never a read timeout, yet slow
    assert int(response.headers["content-length"]) > 1000


def test_truncated_body(site: SiteServer, client: httpx.Client) -> None:
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, 3))
    site.set_fault(f"/tags/{TAG}.atom", Fault(truncate_at=100))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(site.feed_url(TAG))


def test_login_page_raw_bytes_and_br(site: SiteServer, client: httpx.Client) -> None:
    site.set_fault("/tags/login.atom", Fault(login_page=True))
    login = client.get(site.feed_url("login"))
    assert login.status_code == 200
    assert login.headers["content-type"].startswith("text/html") and "<form" in login.text
    site.set_fault("/tags/raw.atom", Fault(body=b"\x00\xff<feed", content_type="text/plain"))
    raw = client.get(site.feed_url("raw"))
    assert raw.content == b"\x00\xff<feed" and raw.headers["content-type"] == "text/plain"
    bomb = brotli_bomb(200)
    assert len(bomb) < 400
    site.set_fault("/tags/br.atom", Fault(brotli_bomb_mb=200))
    with client.stream("GET", site.feed_url("br")) as response:
        assert response.headers["content-encoding"] == "br"
        assert b"".join(response.iter_raw()) == bomb


@pytest.mark.skipif(shutil.which("node") is None, reason="node checks brotli streams")
def test_brotli_streams_are_valid() -> None:
    script = (
        "const z=require('zlib');let d=Buffer.alloc(0);process.stdin.on('data',c=>d=Buffer.concat"
        "([d,c]));process.stdin.on('end',()=>{const parts=d.toString('latin1').split('|');"
        "const a=z.brotliDecompressSync(Buffer.from(parts[0],'hex'));"
        "const b=z.brotliDecompressSync(Buffer.from(parts[1],'hex'),{maxOutputLength:2**31-1});"
        "console.log(a.toString(), b.length, b.every(x=>x===0))})"
    )
    data = brotli_stored(b"lanterns").hex() + "|" + brotli_bomb(32).hex()
    out = subprocess.run(
        ["node", "-e", script], input=data.encode(), capture_output=True, timeout=30, check=True
    )
    assert out.stdout.decode().split() == ["lanterns", str(32 * MIB), "true"]


def test_redirect_faults(site: SiteServer, client: httpx.Client) -> None:
    site.set_fault("/tags/loop.atom", Fault(redirect_loop=True))
    with pytest.raises(httpx.TooManyRedirects):
        client.get(site.feed_url("loop"), follow_redirects=True)
    other = f"http://127.0.0.2:{site.port}/tags/x.atom"
    site.set_fault("/tags/away.atom", Fault(redirect=other, status=301))
    away = client.get(site.feed_url("away"))
    assert (away.status_code, away.headers["location"]) == (301, other)
    site.set_fault("/tags/file.atom", Fault(redirect="file:///etc/passwd"))
    assert client.get(site.feed_url("file")).headers["location"] == "file:///etc/passwd"


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(
    site: SiteServer, client: httpx.Client
) -> None:
    site.set_fault("/tags/bomb.atom", Fault(gzip_bomb_mb=300))
    with client.stream("GET", site.feed_url("bomb")) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join(response.iter_raw())
    assert raw == gzip_bomb(300) and len(raw) < 1 * MIB
    inflater = zlib.decompressobj(31)
    total, pending, rounds = 0, raw, 0
    while pending and rounds < 10_000:
        total += len(inflater.decompress(pending, 8 * MIB))
        pending = inflater.unconsumed_tail
        rounds += 1
    total += len(inflater.flush())
    assert total == 300 * MIB and inflater.eof and not inflater.unused_data


def test_huge_body_is_streamed(site: SiteServer, client: httpx.Client) -> None:
    site.set_fault("/tags/huge.atom", Fault(huge_body_mb=50))
    with client.stream("GET", site.feed_url("huge")) as response:
        assert response.headers["content-length"] == str(50 * MIB)
        total = sum(len(chunk) for chunk in response.iter_raw())
    assert total == 50 * MIB


def test_stop_releases_held_sockets_quickly() -> None:
    server = SiteServer().start()
    server.set_fault("/hang", Fault(hang=True))
    server.set_fault("/drip", Fault(body=b"x" * 1000, drip_interval=1.0))
    outcomes: list[BaseException | int] = []

    def fetch(path: str) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(30.0)) as c:
                outcomes.append(c.get(server.url + path).status_code)
        except httpx.HTTPError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=fetch, args=(p,), daemon=True) for p in ("/hang", "/drip")]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2
    while len(server.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    server.stop()
    for thread in threads:
        thread.join(5)
    assert time.monotonic() - start < 3
    assert len(outcomes) == 2 and all(isinstance(o, httpx.HTTPError) for o in outcomes)
    assert not server.errors
