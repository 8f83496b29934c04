"""A fuzz run over the whole ingest path, with a fixed seed (issue 5).

Site-shaped feeds are mutated at random (hostile text, broken structure, DTDs, bad dates and
addresses, deep and odd HTML, wrong encodings, truncation, byte flips…) and pushed through
``parse_feed`` → ``Store.merge`` (and a tenth of them through the real fetch from the loopback
site, with ``refresh_tag``). The only exceptions allowed are :class:`ReaderError`s, whose
messages must be plain text; afterwards no text column of the cache may hold a control
character, an escape or a bidi override, and every post must read back and export.

To replay one feed: ``FuzzCase(SEED, number).feed()`` rebuilds it exactly.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

from tests import sitefeeds
from tests.fault_support import FORBIDDEN, assert_nothing_unsafe_stored
from tests.site_server import Fault, SiteServer
from tui_reader.core.cache.export import jsonl_lines
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import ReaderError
from tui_reader.core.feed.parse import parse_feed
from tui_reader.core.net.fetch import FetchLimits
from tui_reader.core.net.refresh import refresh_tag

SEED = 20260405
FEEDS = 1_100
OVER_LOOPBACK = 110  # of FEEDS, fetched through the loopback site instead of parsed directly
TAGS = ("llms", "ai", "ai+llms", "training-data")
SOURCE = "https://simonwillison.net/tags/llms.atom"

HOSTILE_TEXT = [
    "\x1b]0;PWNED\x07",
    "\x1b]52;c;UFdORUQ=\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[31mRED\x1b[0m",
    "\x1b[2J\x1b[H",
    "\x9b31m",
    "\x9d0;PWNED\x9c",
    "\x90qsixel\x9c",
    "\u202eevil\u202c",
    "\u2066isolate\u2069\u061c\u200f",
    "\x00\x01\x02\x7f",
    "\r\n\r",
    "[bold]x[/bold]",
    "[@click=app.quit]quit[/]",
    "[link=file:///etc/passwd]x[/link]",
    "[/]",
    "<script>alert(1)</script>",
    "emoji \U0001f30a and \u2011 hyphen",
    "\ufeff",
    "x" * 3000,
]
XML_REFERENCES = [
    "&#x1b;",
    "&#27;",
    "&#x9b;",
    "&#155;",
    "&#x202e;",
    "&#0;",
    "&#xD800;",
    "&#x110000;",
]
HTML_PAYLOADS = [
    "<p>&amp;#x1b;]0;PWNED&amp;#x7;</p>",
    "<p>&amp;#x9b;31m &amp;#155; &amp;#x202e;</p>",
    "<p>&amp;#xD800; &amp;#x110000; &amp;#0; &amp;#99999999999; &amp;#x1b</p>",
    '<a href="https://example.com/&amp;#x1b;]0;x&amp;#7;">ref in href</a>',
    "<script>alert('x')</script><style>p{}</style><p>after</p>",
    '<a href="javascript:alert(1)">js</a> <a href="java\tscript:x">tab</a>',
    '<a href="data:text/html,&lt;script&gt;">data</a> <img src="file:///etc/passwd" alt="f">',
    '<a href=" JAVASCRIPT:x">upper</a><a href="vbscript:x">vb</a><a href="//evil.example/">pr</a>',
    "<div>" * 250 + "deep" + "</div>" * 250,
    "<b>" * 700 + "deeper",
    "<a<a<a<a" * 200,
    "</</</" * 300,
    "<!-- unclosed comment",
    "<![CDATA[ cdata ]]>",
    "<p>" + "&amp;" * 500 + "</p>",
    '<iframe src="javascript:alert(1)"></iframe><lite-youtube videoid="x&quot;y">',
    "<pre>```\n```` code\n</pre>",
    "<table>" + "<tr><td>c" * 300,
    '<p title="' + "x" * 5000 + '">attr</p>',
    "<h1>[@click=app.quit]heading[/]</h1>",
]
DATES = [
    "yesterday",
    "",
    "2026-13-45T99:99:99Z",
    "10000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0005-06-07T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1969-12-31T23:59:59-12:00",
    "Wed, 15 Nov 2023 21:31:00 GMT",
    "2023-11-15",
    "\u0662\u0660\u0662\u0666-01-01",
]
IDS = [
    "javascript:alert(1)",
    "",
    " ",
    "tag:example.com,2024:\x1b]0;x\x07",
    "https://simonwillison.net/2024/Jan/1/same/",
    "http://simonwillison.net/2024/Jan/1/same/#atom-tag",
    "/relative/path/",
    "https://[::1/broken",
    "http://exa mple.com/space",
    "https://" + "a" * 2000 + ".example/",
    "data:text/plain,hi",
]
ENCODINGS = ["utf-16", "shift_jis", "latin-1", "bogus", "ascii", "utf-32"]
HEADERS = [
    {"link": '<http://[::1/x>; rel="next"'},
    {"link": '<javascript:alert(1)>; rel="next"'},
    {"link": '<http://127.0.0.1:99999/x>; rel="next", <x>; rel=next'},
    {"link": "<" * 500},
    {"etag": "\x1b]0;PWNED\x07"},
    {"etag": "W/" + "x" * 5000},
    {"last-modified": "\x9b31m yesterday"},
    {"last-modified": "Mon, 99 Foo 99999 99:99:99 GMT"},
    {"content-type": "text/html; charset=utf-8"},
    {"content-type": "application/xml; charset=shift_jis"},
    {"content-type": "application/xml; charset=\x1b"},
    {"retry-after": "\x1b[31m"},
    {"set-cookie": "a=\x1b]0;x\x07"},
    {"x-\x1b": "y"},
]


@dataclass(frozen=True)
class FuzzCase:
    """Feed number ``number`` of the run seeded ``seed``: rebuilt identically every time."""

    seed: int
    number: int

    def feed(self) -> bytes:
        rng = random.Random(f"{self.seed}:{self.number}")
        base = data = base_feed(rng)
        for _ in range(rng.randint(1, 4)):
            data = rng.choice(MUTATIONS)(rng, data)
        return data if data != base else insert_text(rng, data)  # never left unharmed


POSTS = sitefeeds.sample_posts("llms", n=8)


def base_feed(rng: random.Random) -> bytes:
    """A small site-shaped feed: 1-4 posts of any kind, often with hostile fields (written
    raw: the feed builder escapes only ``&``, ``<`` and ``>``)."""
    chosen = rng.sample(POSTS, rng.randint(1, 4))
    made = []
    for post in chosen:
        title, body = post.title, post.body_html
        if rng.random() < 0.5:
            title = rng.choice(HOSTILE_TEXT) + title + rng.choice(HOSTILE_TEXT)
        if rng.random() < 0.5:
            body = sitefeeds.wrap_body(rng.choice(HTML_PAYLOADS), post.tags)
        tags = post.tags
        if rng.random() < 0.3:
            tags = (*tags, rng.choice(HOSTILE_TEXT)[:60])
        slug = post.slug if rng.random() < 0.5 else f"{post.slug}-{rng.randrange(10**6)}"
        made.append(replace(post, slug=slug, title=title, body_html=body, tags=tags))
    return sitefeeds.build_feed("llms", made)


def _text_spans(data: bytes) -> list[tuple[int, int]]:
    spans = []
    start = data.find(b">")
    while start != -1:
        end = data.find(b"<", start + 1)
        if end == -1:
            break
        if end > start + 1:
            spans.append((start + 1, end))
        start = data.find(b">", end)
    return spans


def insert_text(rng: random.Random, data: bytes) -> bytes:
    """Hostile text (raw, as XML references, or both) inside a text node."""
    spans = _text_spans(data)
    if not spans:
        return data
    start, end = rng.choice(spans)
    at = rng.randint(start, end)
    piece = rng.choice(
        [
            rng.choice(HOSTILE_TEXT).encode(),
            rng.choice(XML_REFERENCES).encode(),
            "".join(f"&#x{ord(c):x};" for c in rng.choice(HOSTILE_TEXT)[:40]).encode(),
        ]
    )
    return data[:at] + piece + data[at:]


def insert_anywhere(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    piece = rng.choice([*HOSTILE_TEXT, *XML_REFERENCES, "<", "&", "]]>", "<entry>", "</feed>"])
    return data[:at] + piece.encode() + data[at:]


def delete_range(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + data[at + rng.randint(1, 400) :]


def duplicate_range(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    size = rng.randint(1, 2000)
    return data[: at + size] + data[at : at + size] + data[at + size :]


def duplicate_entry(rng: random.Random, data: bytes) -> bytes:
    start = data.find(b"<entry>")
    end = data.find(b"</entry>", start)
    if start < 0 or end < 0:
        return data
    entry = data[start : end + 8]
    return data[:start] + entry * rng.randint(2, 5) + data[start:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if buffer:
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def _replace_elements(rng: random.Random, data: bytes, name: bytes, values: list[str]) -> bytes:
    parts = data.split(b"<" + name + b">")
    out = parts[0]
    for part in parts[1:]:
        close = part.find(b"</" + name + b">")
        if close >= 0 and rng.random() < 0.7:
            value = rng.choice(values)
            value = (
                value.replace("&", "&amp;").replace("<", "&lt;") if rng.random() < 0.7 else value
            )
            part = value.encode() + part[close:]
        out += b"<" + name + b">" + part
    return out


def bad_dates(rng: random.Random, data: bytes) -> bytes:
    return _replace_elements(rng, data, rng.choice([b"published", b"updated"]), DATES)


def bad_ids(rng: random.Random, data: bytes) -> bytes:
    return _replace_elements(rng, data, b"id", IDS)


def bad_links(rng: random.Random, data: bytes) -> bytes:
    target = rng.choice(IDS).replace('"', "").encode()
    return data.replace(b'<link href="https://', b'<link href="' + target + b'" x="', 1)


def remove_elements(rng: random.Random, data: bytes) -> bytes:
    name = rng.choice([b"id", b"title", b"published", b"updated", b"summary", b"link"])
    out = data
    for _ in range(rng.randint(1, 3)):
        start = out.find(b"<" + name)
        if start < 0:
            break
        end = out.find(b"</" + name + b">", start)
        end = out.find(b">", start) + 1 if end < 0 or name == b"link" else end + len(name) + 3
        out = out[:start] + out[end:]
    return out


def add_dtd(rng: random.Random, data: bytes) -> bytes:
    doctype = rng.choice(
        [
            b'<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>',
            b'<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            b'<!DOCTYPE feed SYSTEM "http://127.0.0.1:9/x.dtd">',
            b"<!DOCTYPE html>",
        ]
    )
    at = data.find(b"<feed")
    return data[:at] + doctype + data[at:] if at >= 0 else doctype + data


def change_encoding(rng: random.Random, data: bytes) -> bytes:
    encoding = rng.choice(ENCODINGS)
    data = data.replace(b'encoding="utf-8"', f'encoding="{encoding}"'.encode(), 1)
    if rng.random() < 0.5 and encoding in ("utf-16", "utf-32", "latin-1"):
        try:
            return data.decode("utf-8").encode(encoding)
        except UnicodeError:
            return data
    return data


def change_root(rng: random.Random, data: bytes) -> bytes:
    name = rng.choice([b"rss", b"html", b"RDF", b"feeds", b"entry"])
    return data.replace(b"<feed ", b"<" + name + b" ", 1).replace(b"</feed>", b"</" + name + b">")


def strip_declaration(rng: random.Random, data: bytes) -> bytes:
    return data.split(b"?>", 1)[-1].lstrip() if rng.random() < 0.5 else b"\xef\xbb\xbf" + data


MUTATIONS = [
    insert_text,
    insert_text,
    insert_text,
    insert_anywhere,
    delete_range,
    duplicate_range,
    duplicate_entry,
    truncate,
    flip_bytes,
    bad_dates,
    bad_dates,
    bad_ids,
    bad_links,
    remove_elements,
    add_dtd,
    change_encoding,
    change_root,
    strip_declaration,
]


def test_fuzzed_feeds_never_crash_and_never_store_control_characters(tmp_path: Path) -> None:
    started = time.monotonic()
    path = tmp_path / "cache.sqlite3"
    crashes: list[str] = []
    refused = merged = 0
    slowest = 0.0
    store = Store(path)
    site = SiteServer().start()
    fast = FetchLimits(connect_timeout=2, read_timeout=2, deadline=5)
    loopback_every = FEEDS // OVER_LOOPBACK
    try:
        for number in range(FEEDS):
            case = FuzzCase(SEED, number)
            data = case.feed()
            headers = random.Random(f"{SEED}:{number}:headers").choice([{}, *HEADERS])
            tag = TAGS[number % len(TAGS)]
            began = time.monotonic()
            try:
                if number % loopback_every == 0:
                    gzipped = number % (2 * loopback_every) == 0
                    site.set_fault(
                        f"/tags/{tag}.atom",
                        Fault(
                            body=gzip.compress(data) if gzipped else data,
                            content_encoding="gzip" if gzipped else None,
                            headers=headers,
                        ),
                    )
                    refresh_tag(store, tag, base_url=site.url, limits=fast)
                else:
                    store.merge(tag, parse_feed(data, source_url=SOURCE).posts)
                merged += 1
                if merged % 10 == 0:  # later merges overwrite the shared posts: look often
                    assert_nothing_unsafe_stored(path)
            except ReaderError as error:
                refused += 1
                assert FORBIDDEN.search(error.message) is None, (case, ascii(error.message))
                assert "\n" not in error.message, case
            except Exception as error:  # any other exception is a crash
                crashes.append(f"{case}: {type(error).__name__}: {error}"[:300])
            slowest = max(slowest, time.monotonic() - began)
    finally:
        site.stop()
    assert not crashes, "\n".join(crashes[:10])
    assert site.errors == []
    # Read everything back the ways the app and the command line do.
    for tag in TAGS:
        for summary in store.list_posts(tag):
            assert store.get_post(summary.id) is not None
        for line in jsonl_lines(store.posts(tag)):
            exported = json.loads(line)
            for field in ("id", "url", "title", "markdown", *exported["tags"]):
                text = exported.get(field, field)
                assert FORBIDDEN.search(text) is None, ascii(text)[:200]
    store.close()
    assert_nothing_unsafe_stored(path)
    stored = len(Store(path).list_posts("llms"))
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz: {FEEDS} feeds ({OVER_LOOPBACK} over loopback) in {elapsed:.1f} s:"
        f" {merged} merged, {refused} refused, {stored} posts under llms,"
        f" slowest feed {slowest:.2f} s"
    )
    assert merged >= FEEDS * 0.2 and refused >= FEEDS * 0.2  # both paths well exercised
    assert stored >= 8
    assert slowest < 10
