"""A local stand-in for simonwillison.net's tag feeds, on 127.0.0.1 (see shared/SITE.md).

A real threaded HTTP/1.1 server, so the app's real httpx code path is exercised::

    with SiteServer() as server:                       # or the ``site`` pytest fixture
        server.add_tag("training-data", sample_posts())
        server.rename("old-name", "training-data")
        server.set_fault("/tags/broken.atom", Fault(status=503, retry_after=2))
        httpx.get(server.url + "/tags/training-data.atom?size=10&page=2")
        assert server.requests[-1].header("user-agent")

It serves what the site serves (feeds 30 a page with a relative ``link: <…>; rel="next"``
header, ``?size=``/``?page=``, 404 pages, the renamed-tag redirect chain, HTML tag pages, the
autocomplete JSON, the site-wide feed) and, per path, the faults a reader must survive (see
``Fault``). Every wait is bounded and interrupted by ``stop()``, which also closes held sockets.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import re
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sitefeeds import FakePost, build_feed

PAGE_SIZE = 30
MAX_SIZE = 1000
MAX_COMBINED_TAGS = 3
HOLD_LIMIT = 120.0  # the longest any handler holds a socket, even if stop() is never called
CHUNK = 64 * 1024
MIB = 1024 * 1024
FEED_CONTENT_TYPE = "application/xml; charset=utf-8"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"
TAG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")
FEED_PATH_RE = re.compile(r"/tags/([-a-zA-Z0-9_+]{1,160})\.atom")
TAG_PAGE_RE = re.compile(r"/tags/([-a-zA-Z0-9_]{1,50})/")
OLD_TAG_PAGE_RE = re.compile(r"/tag/([-a-zA-Z0-9_]{1,50})/")
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


# ---------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it. ``headers`` has lower-case names."""

    method: str
    target: str  # path and query, as sent
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Fault:
    """What a path should do instead of (or on top of) its normal answer.

    Replacing the answer (the first that is set wins, in this order):
      ``redirect_loop`` (P → P?loop=1 → P …), ``redirect`` (``Location``; status 302 unless
      ``status`` says otherwise), ``login_page`` (200 HTML sign-in form), ``gzip_bomb_mb``
      (gzip body inflating to that many MiB of zeros), ``brotli_bomb_mb`` (a tiny ``br`` body
      inflating to that many MiB, rounded up to 16 MiB), ``huge_body_mb`` (a plain body of that
      many MiB, streamed), ``body`` (raw bytes, with ``content_type``/``content_encoding``; status
      200 unless ``status``), ``status`` alone (a small HTML error page).
    Modifying delivery (combine freely with the above or with the normal answer):
      ``delay`` seconds before answering; ``gate`` holds the answer until that event is set
      (so a test can look at the in-between state without racing a clock); ``hang`` never
      answers (socket held until stop());
      ``hang_after_headers`` sends the headers then holds; ``drip_interval`` sends the body one
      byte per interval (``drip_headers``: the status line and headers too); ``truncate_at``
      sends that many body bytes under a larger ``Content-Length``, then closes;
      ``no_length`` sends no ``Content-Length`` and ends the body by closing the connection.
    Always: ``retry_after`` becomes a ``Retry-After`` header, ``headers`` are added.
    ``times``: apply to that many requests, then answer normally (None: every request).
    """

    status: int | None = None
    retry_after: int | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    content_encoding: str | None = None
    delay: float = 0.0
    gate: threading.Event | None = None
    hang: bool = False
    hang_after_headers: bool = False
    drip_interval: float | None = None
    drip_headers: bool = False
    truncate_at: int | None = None
    no_length: bool = False
    login_page: bool = False
    redirect: str | None = None
    redirect_loop: bool = False
    gzip_bomb_mb: int | None = None
    brotli_bomb_mb: int | None = None
    huge_body_mb: int | None = None
    times: int | None = None


# ---------------------------------------------------------------------------------------------
# Bodies that are built once: compression bombs and brotli without the brotli module


@functools.lru_cache(maxsize=8)
def gzip_bomb(mib: int) -> bytes:
    """A gzip member that inflates to ``mib`` MiB of zeros, built without holding them.

    After a full flush deflate forgets its history, so each MiB compresses to the same bytes:
    compress one MiB once and repeat it. A few hundred KB for hundreds of MiB.
    """
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, (mib * MIB) & 0xFFFFFFFF)
    return header + piece * mib + tail + trailer


class _BitWriter:
    """Little-endian bit packing, as brotli reads it."""

    def __init__(self) -> None:
        self._acc = 0
        self._bits = 0
        self._out = bytearray()

    def write(self, value: int, bits: int) -> None:
        self._acc |= value << self._bits
        self._bits += bits
        while self._bits >= 8:
            self._out.append(self._acc & 0xFF)
            self._acc >>= 8
            self._bits -= 8

    def align(self) -> None:
        if self._bits:
            self.write(0, 8 - self._bits)

    def raw(self, data: bytes) -> None:
        self.align()
        self._out += data

    def finish(self) -> bytes:
        self.align()
        return bytes(self._out)


def _mlen_header(writer: _BitWriter, length: int) -> None:
    nibbles = max(4, -(-(length - 1).bit_length() // 4))
    writer.write(nibbles - 4, 2)
    writer.write(length - 1, nibbles * 4)


@functools.lru_cache(maxsize=8)
def brotli_bomb(mib: int) -> bytes:
    """A brotli stream (RFC 7932) inflating to ``mib`` MiB of zeros (rounded up to 16 MiB):
    ~10 bytes per 16 MiB. Each meta-block is one command: insert 4 zero literals, then copy
    16 MiB - 4 bytes from distance 4, with one-symbol prefix codes (so 0 bits per symbol)."""
    writer = _BitWriter()
    writer.write(0, 1)  # WBITS = 16
    mlen = 1 << 24
    for _ in range(max(1, -(-mib // 16))):
        writer.write(0, 1)  # ISLAST = 0
        _mlen_header(writer, mlen)
        writer.write(0, 1)  # ISUNCOMPRESSED = 0
        writer.write(0, 3)  # one block type each for literals, commands, distances
        writer.write(0, 6)  # NPOSTFIX = 0, NDIRECT = 0
        writer.write(0, 2)  # context mode of the literal block type
        writer.write(0, 2)  # one literal tree, one distance tree
        for symbol, bits in ((0, 8), (423, 10), (0, 6)):  # literal 0x00; insert 4 + copy code 23
            writer.write(1, 2)  # simple prefix code
            writer.write(0, 2)  # one symbol
            writer.write(symbol, bits)
        writer.write(mlen - 4 - 2118, 24)  # copy length code 23: base 2118 + 24 extra bits
    writer.write(1, 1)  # ISLAST
    writer.write(1, 1)  # ISLASTEMPTY
    return writer.finish()


def brotli_stored(data: bytes) -> bytes:
    """``data`` as a valid brotli stream of uncompressed meta-blocks (no brotli module needed),
    for serving a legitimate ``Content-Encoding: br`` body."""
    writer = _BitWriter()
    writer.write(0, 1)  # WBITS = 16
    for start in range(0, len(data), 1 << 24):
        block = data[start : start + (1 << 24)]
        writer.write(0, 1)  # ISLAST = 0
        _mlen_header(writer, len(block))
        writer.write(1, 1)  # ISUNCOMPRESSED
        writer.raw(block)
    writer.write(1, 1)
    writer.write(1, 1)
    return writer.finish()


def _huge_chunks(mib: int) -> Iterator[bytes]:
    head = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    pad = (b"<!-- padding -->\n" * (CHUNK // 17 + 1))[:CHUNK]
    remaining = mib * MIB
    first = head + pad[: CHUNK - len(head)]
    yield first[:remaining]
    remaining -= len(first)
    while remaining > 0:  # bounded: mib * 16 iterations
        yield pad[:remaining]
        remaining -= CHUNK


def http_date(when: datetime) -> str:
    """``Wed, 15 Nov 2023 21:31:00 GMT``."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


# ---------------------------------------------------------------------------------------------
# Responses


@dataclass
class _Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunks: Iterable[bytes] | None = None  # streamed instead of body; length must be set
    length: int | None = None

    @property
    def size(self) -> int:
        return self.length if self.length is not None else len(self.body)

    def iter_body(self) -> Iterator[bytes]:
        if self.chunks is not None:
            yield from self.chunks
        else:
            for start in range(0, len(self.body), CHUNK):
                yield self.body[start : start + CHUNK]


def _html_page(status: int, title: str, content: str) -> _Response:
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{html.escape(title)}</title></head>"
        f"<body>{content}</body></html>\n"
    ).encode()
    return _Response(status, [("Content-Type", HTML_CONTENT_TYPE)], page)


def _not_found() -> _Response:
    return _html_page(404, "Page not found", "<h1>Page not found</h1><p>Nothing here.</p>")


def _server_error() -> _Response:
    return _html_page(500, "Server Error (500)", "<h1>Server Error (500)</h1>")


def _redirect(status: int, location: str) -> _Response:
    return _Response(status, [("Location", location), ("Content-Type", HTML_CONTENT_TYPE)])


LOGIN_PAGE = (
    "<h1>Sign in to continue</h1>"
    '<form method="post" action="/login/"><input name="username"><input type="password" '
    'name="password"><button>Sign in</button></form>'
)

STATUS_TEXT = {
    429: "Too Many Requests",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


# ---------------------------------------------------------------------------------------------
# The server


class SiteServer:
    """See the module docstring. ``answer_304``: answer 304 when ``If-Modified-Since`` is at or
    after ``Last-Modified`` (as the CDN may). ``send_etag``: send an ``ETag`` and answer 304 to a
    matching ``If-None-Match``. ``gzip``: gzip feeds for clients that accept it (as the CDN
    does). All three can be changed while running."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        answer_304: bool = False,
        send_etag: bool = False,
        gzip: bool = False,
    ) -> None:
        self.host = host
        self.answer_304 = answer_304
        self.send_etag = send_etag
        self.gzip = gzip
        self.errors: list[BaseException] = []  # unexpected handler exceptions
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._tags: dict[str, list[FakePost]] = {}
        self._descriptions: dict[str, str] = {}
        self._renames: dict[str, str] = {}
        self._faults: dict[str, Fault] = {}
        self._fault_uses: dict[str, int] = {}
        self._requests: list[RecordedRequest] = []
        self._files: dict[str, tuple[str, bytes]] = {}  # path -> (content type, body)
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SiteServer:
        if self._httpd is not None:
            return self
        self._stop.clear()
        self._httpd = _HTTPServer((self.host, 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="site-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, release every held socket, and wait (bounded) for handler threads."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stop.set()
        httpd.shutdown()
        with self._lock:
            held = list(self._connections.items())
        for sock, _ in held:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        for _, thread in held:
            thread.join(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str) -> str:
        return self.url + path

    def feed_url(self, tag: str, **params: int | str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.url}/tags/{tag}.atom" + (f"?{query}" if query else "")

    # -- content --------------------------------------------------------------------------------

    def add_tag(self, tag: str, posts: Sequence[FakePost], *, description: str = "") -> None:
        """Register (or replace) a tag's items; they are served newest first."""
        if not TAG_RE.fullmatch(tag):
            raise ValueError(f"not a tag slug: {tag!r}")
        ordered = sorted(posts, key=lambda p: p.published, reverse=True)
        with self._lock:
            self._tags[tag] = ordered
            self._descriptions[tag] = description

    def add_file(self, path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``path`` (e.g. a picture made by a test); returns its URL."""
        with self._lock:
            self._files[path] = (content_type, body)
        return self.url_for(path)

    def remove_tag(self, tag: str) -> None:
        with self._lock:
            self._tags.pop(tag, None)

    def posts(self, tag: str) -> list[FakePost]:
        with self._lock:
            return list(self._tags.get(tag, []))

    def rename(self, old: str, new: str) -> None:
        """``/tags/<old>.atom`` → 301 ``/tag/<new>/`` → 301 ``/tags/<new>/`` (HTML)."""
        with self._lock:
            self._renames[old] = new
            self._tags.pop(old, None)

    def feed_page(self, tag: str, page: int = 1, size: int = PAGE_SIZE) -> bytes:
        """The bytes the server sends for one page of a registered tag's feed."""
        items = self.posts(tag)[(page - 1) * size : page * size]
        return build_feed(tag, items)

    # -- faults ---------------------------------------------------------------------------------

    def set_fault(self, path: str, fault: Fault) -> None:
        """Apply ``fault`` to requests for ``path`` (exact path+query first, then path alone)."""
        with self._lock:
            self._faults[path] = fault
            self._fault_uses[path] = 0

    def clear_fault(self, path: str) -> None:
        with self._lock:
            self._faults.pop(path, None)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _wait_for_gate(self, gate: threading.Event) -> bool:
        """Hold a handler until ``gate`` is set; False if the server stops first."""
        deadline = time.monotonic() + HOLD_LIMIT
        while not gate.wait(0.02):
            if self._stop.is_set() or time.monotonic() > deadline:
                return False
        return True

    def _take_fault(self, target: str, path: str) -> Fault | None:
        with self._lock:
            for key in (target, path):
                fault = self._faults.get(key)
                if fault is None:
                    continue
                uses = self._fault_uses.get(key, 0)
                if fault.times is not None and uses >= fault.times:
                    return None
                self._fault_uses[key] = uses + 1
                return fault
        return None

    # -- request log ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests whose path (without the query) is ``path``."""
        return [r for r in self.requests if r.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # -- routing --------------------------------------------------------------------------------

    def _route(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> _Response:
        if match := FEED_PATH_RE.fullmatch(path):
            return self._feed(match.group(1), query, headers)
        if match := TAG_PAGE_RE.fullmatch(path):
            return self._tag_page(match.group(1), query)
        if match := OLD_TAG_PAGE_RE.fullmatch(path):
            with self._lock:
                tag = self._renames.get(match.group(1), match.group(1))
            return _redirect(301, f"/tags/{tag}/")
        if path == "/tags-autocomplete/":
            return self._autocomplete(query.get("q", [""])[0])
        if path == "/atom/everything/":
            return self._everything(headers)
        with self._lock:
            served = self._files.get(path)
        if served is not None:
            return _Response(200, [("Content-Type", served[0])], served[1])
        return _not_found()

    def _feed(self, spec: str, query: dict[str, list[str]], headers: dict[str, str]) -> _Response:
        with self._lock:
            if spec in self._renames:
                return _redirect(301, f"/tag/{self._renames[spec]}/")
            wanted = spec.split("+")
            if len(wanted) > MAX_COMBINED_TAGS or not all(TAG_RE.fullmatch(t) for t in wanted):
                return _not_found()
            known = [t for t in wanted if t in self._tags]
            if len(known) == 1:
                items = list(self._tags[known[0]])
            else:
                seen: dict[str, FakePost] = {}
                for posts in self._tags.values():
                    for post in posts:
                        if all(t in post.tags for t in known):
                            seen.setdefault(post.permalink, post)
                items = sorted(seen.values(), key=lambda p: p.published, reverse=True)
        if not known or not items:
            return _not_found()
        size = PAGE_SIZE
        size_given = "size" in query
        if size_given:
            try:
                size = int(query["size"][0])
            except ValueError:
                return _server_error()
            if size <= 0:
                return _server_error()
            size = min(size, MAX_SIZE)
        pages = -(-len(items) // size)
        raw_page = query.get("page", ["1"])[0]
        if raw_page == "last":
            page = pages
        else:
            try:
                page = int(raw_page)
            except ValueError:
                return _not_found()
        if not 1 <= page <= pages:
            return _not_found()
        chunk = items[(page - 1) * size : page * size]
        response = self._feed_response(build_feed(spec, chunk), chunk, headers)
        if page < pages and response.status == 200:
            params = (f"size={query['size'][0]}&" if size_given else "") + f"page={page + 1}"
            response.headers.append(("link", f'</tags/{spec}.atom?{params}>; rel="next"'))
        return response

    def _feed_response(
        self, body: bytes, items: Sequence[FakePost], headers: dict[str, str]
    ) -> _Response:
        newest = max(p.published for p in items)
        last_modified = http_date(newest)
        out = [
            ("Content-Type", FEED_CONTENT_TYPE),
            ("Last-Modified", last_modified),
            ("Cache-Control", "s-maxage=600"),
            ("Access-Control-Allow-Origin", "*"),
            ("Vary", "Accept-Encoding"),
        ]
        etag = None
        if self.send_etag:
            etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
            out.append(("ETag", etag))
        if self._not_modified(headers, etag, newest):
            return _Response(304, [h for h in out if h[0] != "Content-Type"])
        if self.gzip and "gzip" in headers.get("accept-encoding", ""):
            body = _gzip(body)
            out.append(("Content-Encoding", "gzip"))
        return _Response(200, out, body)

    def _not_modified(self, headers: dict[str, str], etag: str | None, newest: datetime) -> bool:
        if etag is not None and "if-none-match" in headers:
            tags = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
            return "*" in tags or etag in tags
        if self.answer_304 and "if-modified-since" in headers:
            try:
                since = parsedate_to_datetime(headers["if-modified-since"])
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return newest.replace(microsecond=0) <= since
        return False

    def _everything(self, headers: dict[str, str]) -> _Response:
        with self._lock:
            seen: dict[str, FakePost] = {}
            for posts in self._tags.values():
                for post in posts:
                    seen.setdefault(post.permalink, post)
        items = sorted(seen.values(), key=lambda p: p.published, reverse=True)[:PAGE_SIZE]
        if not items:
            return _not_found()
        body = build_feed(
            "",
            items,
            id_suffix="#atom-everything",
            self_path="/atom/everything/",
            title="Simon Willison's Weblog",
        )
        return self._feed_response(body, items, headers)

    def _tag_page(self, tag: str, query: dict[str, list[str]]) -> _Response:
        with self._lock:
            if tag in self._renames:
                return _redirect(301, f"/tag/{self._renames[tag]}/")
            posts = list(self._tags.get(tag, []))
        if not posts:
            return _not_found()
        try:
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            return _not_found()
        chunk = posts[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if not chunk:
            return _not_found()
        parts = [f"<h1>{len(posts)} posts tagged \u201c{html.escape(tag)}\u201d</h1>"]
        year = None
        for post in chunk:
            if post.published.year != year:
                year = post.published.year
                parts.append(f"<h2>{year}</h2>")
            parts.append(
                f'<div class="{post.kind}"><a href="{html.escape(post.permalink)}">'
                f"{html.escape(post.title)}</a></div>"
            )
        return _html_page(200, f"Simon Willison on {tag}", "\n".join(parts))

    def _autocomplete(self, q: str) -> _Response:
        needle = q.strip().lower()
        with self._lock:
            found = [(t, list(p)) for t, p in self._tags.items() if needle in t.lower()]
            descriptions = dict(self._descriptions)
        found.sort(key=lambda tp: (tp[0] != needle, -len(tp[1]), tp[0]))
        rows: list[dict[str, Any]] = []
        for tag, posts in found[:5]:
            kinds = [p.kind for p in posts]
            rows.append(
                {
                    "tag": tag,
                    "description": descriptions.get(tag, ""),
                    "count": len(posts),
                    "total_entry": sum(k in ("entry", "old") for k in kinds),
                    "total_blogmark": kinds.count("blogmark"),
                    "total_quotation": kinds.count("quotation"),
                    "total_note": kinds.count("note"),
                    "total_beat": kinds.count("beat"),
                    "is_exact_match": tag == needle,
                }
            )
        body = json.dumps({"tags": rows}).encode()
        return _Response(200, [("Content-Type", "application/json")], body)

    def _fault_response(
        self, fault: Fault, path: str, query: dict[str, list[str]]
    ) -> _Response | None:
        """The answer that replaces the normal one, or None to keep the normal one."""
        if fault.redirect_loop:
            location = path if "loop" in query else path + "?loop=1"
            return _redirect(fault.status or 302, location)
        if fault.redirect is not None:
            return _redirect(fault.status or 302, fault.redirect)
        if fault.login_page:
            return _html_page(fault.status or 200, "Sign in", LOGIN_PAGE)
        if fault.gzip_bomb_mb is not None:
            body = gzip_bomb(fault.gzip_bomb_mb)
            return _Response(
                fault.status or 200,
                [("Content-Type", FEED_CONTENT_TYPE), ("Content-Encoding", "gzip")],
                body,
            )
        if fault.brotli_bomb_mb is not None:
            body = brotli_bomb(fault.brotli_bomb_mb)
            return _Response(
                fault.status or 200,
                [("Content-Type", FEED_CONTENT_TYPE), ("Content-Encoding", "br")],
                body,
            )
        if fault.huge_body_mb is not None:
            return _Response(
                fault.status or 200,
                [("Content-Type", FEED_CONTENT_TYPE)],
                chunks=_huge_chunks(fault.huge_body_mb),
                length=fault.huge_body_mb * MIB,
            )
        if fault.body is not None:
            out = [("Content-Type", fault.content_type or FEED_CONTENT_TYPE)]
            if fault.content_encoding:
                out.append(("Content-Encoding", fault.content_encoding))
            return _Response(fault.status or 200, out, fault.body)
        if fault.status is not None:
            text = STATUS_TEXT.get(fault.status, "Error")
            return _html_page(fault.status, text, f"<h1>{fault.status} {text}</h1>")
        return None


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], site: SiteServer
    ) -> None:
        self.site = site
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):
            self.site.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-simonwillison/1.0"
    sys_version = ""
    timeout = 10.0  # idle keep-alive connections end on their own
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        site = self.server.site
        with site._lock:
            site._connections[self.connection] = threading.current_thread()

    def finish(self) -> None:
        site = self.server.site
        with site._lock:
            site._connections.pop(self.connection, None)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _handle(self, *, head: bool) -> None:
        site = self.server.site
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        site._record(RecordedRequest(self.command, self.path, path, query, headers))
        fault = site._take_fault(self.path, path)
        if fault is not None:
            if fault.delay and site._stop.wait(fault.delay):
                self.close_connection = True
                return
            if fault.gate is not None and not site._wait_for_gate(fault.gate):
                self.close_connection = True
                return
            if fault.hang:
                site._stop.wait(HOLD_LIMIT)
                self.close_connection = True
                return
        response = None
        if fault is not None:
            response = site._fault_response(fault, path, query)
        if response is None:
            try:
                response = site._route(path, query, headers)
            except Exception as exc:  # a bug in the fake: make it visible to the test
                site.errors.append(exc)
                response = _server_error()
        if fault is not None:
            if fault.retry_after is not None:
                response.headers.append(("Retry-After", str(fault.retry_after)))
            response.headers.extend(fault.headers.items())
        try:
            self._send(response, fault, head=head)
        except DISCONNECTS:
            self.close_connection = True

    def _send(self, response: _Response, fault: Fault | None, *, head: bool) -> None:
        site = self.server.site
        truncate_at = fault.truncate_at if fault is not None else None
        no_length = fault is not None and fault.no_length
        length = response.size
        if truncate_at is not None:
            length = max(length, truncate_at + 1)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if no_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        elif response.status != 304:
            self.send_header("Content-Length", str(length))
        drip = fault.drip_interval if fault is not None else None
        if fault is not None and fault.drip_headers and drip is not None:
            if not self._drip_headers(drip):
                self.close_connection = True
                return
        else:
            self.end_headers()
            self.wfile.flush()
        if head or response.status == 304:
            return
        if fault is not None and fault.hang_after_headers:
            site._stop.wait(HOLD_LIMIT)
            self.close_connection = True
            return
        deadline = time.monotonic() + HOLD_LIMIT
        sent = 0
        for chunk in response.iter_body():
            if site._stop.is_set():
                self.close_connection = True
                return
            if truncate_at is not None:
                chunk = chunk[: max(0, truncate_at - sent)]
            if drip is not None:
                for index in range(len(chunk)):
                    self.wfile.write(chunk[index : index + 1])
                    self.wfile.flush()
                    if site._stop.wait(drip) or time.monotonic() > deadline:
                        self.close_connection = True
                        return
            else:
                self.wfile.write(chunk)
            sent += len(chunk)
            if truncate_at is not None and sent >= truncate_at:
                break
        self.wfile.flush()
        if truncate_at is not None:
            self.close_connection = True

    def _drip_headers(self, interval: float) -> bool:
        """Send the buffered status line and headers one byte per ``interval``; False if
        stopped (or past the hold limit) before the end."""
        site = self.server.site
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        data = b"".join(self._headers_buffer)  # type: ignore[attr-defined]
        self._headers_buffer = []
        deadline = time.monotonic() + HOLD_LIMIT
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            if site._stop.wait(interval) or time.monotonic() > deadline:
                return False
        return True
