"""Network faults, one test per case of issue 5, against the loopback site.

Each test refreshes a cache that a good fetch filled, while the server (or the network)
misbehaves, and checks three things: the refresh fails with a :class:`ReaderError` whose
message is plain words; the cache is exactly as it was (every row of every table); and the
memory allocated meanwhile stays small (tracemalloc), however much the server sends.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.fault_support import (
    FAST,
    FEED_PATH,
    MEMORY_LIMIT,
    MIB,
    TAG,
    Seeded,
    assert_plain_words,
    peak_memory,
    snapshot,
)
from tests.site_server import Fault
from tui_reader.core.errors import (
    FeedParseError,
    FetchError,
    NotAFeed,
    RateLimited,
    ReaderError,
    TagNotFound,
)
from tui_reader.core.net.fetch import USER_AGENT, FetchLimits, fetch_feed, new_client
from tui_reader.core.net.refresh import refresh_tag


def fails_within(
    seeded: Seeded,
    error_type: type[ReaderError],
    *,
    limits: FetchLimits | None = None,
    seconds: float,
    match: str,
) -> ReaderError:
    """The refresh fails in words within ``seconds``, memory bounded, cache unchanged."""
    started = time.monotonic()
    error, peak = peak_memory(lambda: seeded.refresh(limits))
    elapsed = time.monotonic() - started
    assert isinstance(error, error_type), repr(error)
    assert_plain_words(error)
    assert match in error.message, error.message
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < MEMORY_LIMIT, f"peak {peak / MIB:.1f} MiB"
    assert seeded.unchanged(), "the cache changed"
    return error


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- reaching the site ---------------------------------------------------------------------------


def test_name_resolution_failure(seeded: Seeded) -> None:
    """``.invalid`` never resolves (RFC 6761): the resolver says so, quickly."""
    started = time.monotonic()
    error, peak = peak_memory(
        lambda: refresh_tag(seeded.store, TAG, base_url="http://no-such-host.invalid", limits=FAST)
    )
    assert isinstance(error, FetchError) and type(error) is FetchError
    assert_plain_words(error)
    assert "Could not find the host no-such-host.invalid" in error.message
    assert time.monotonic() - started < 10
    assert peak < MEMORY_LIMIT
    assert seeded.unchanged()


def test_connection_refused(seeded: Seeded) -> None:
    port = unused_port()
    error, peak = peak_memory(
        lambda: refresh_tag(seeded.store, TAG, base_url=f"http://127.0.0.1:{port}", limits=FAST)
    )
    assert isinstance(error, FetchError)
    assert peak < MEMORY_LIMIT
    assert_plain_words(error)
    assert f"127.0.0.1:{port} refused the connection" in error.message
    assert seeded.unchanged()


def test_connect_timeout(seeded: Seeded) -> None:
    """A listening socket whose accept queue is full drops new SYNs: the connect hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        queued: list[socket.socket] = []
        try:
            for _ in range(8):  # fill the queue until a connect no longer completes
                filler = socket.socket()
                filler.settimeout(0.3)
                queued.append(filler)
                try:
                    filler.connect(("127.0.0.1", port))
                except TimeoutError:
                    break
            else:
                pytest.skip("this system never filled the accept queue")
            started = time.monotonic()
            error, peak = peak_memory(
                lambda: refresh_tag(
                    seeded.store, TAG, base_url=f"http://127.0.0.1:{port}", limits=FAST
                )
            )
            assert time.monotonic() - started < 3
        finally:
            for filler in queued:
                filler.close()
    assert isinstance(error, FetchError)
    assert_plain_words(error)
    assert f"Connecting to 127.0.0.1:{port} timed out" in error.message
    assert peak < MEMORY_LIMIT
    assert seeded.unchanged()


def test_server_that_accepts_and_never_answers(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(hang=True))
    fails_within(seeded, FetchError, limits=FAST, seconds=3, match="stopped answering")


def test_server_that_sends_headers_and_then_nothing(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(hang_after_headers=True))
    limits = FetchLimits(read_timeout=30, deadline=1.5)  # only the deadline can end it
    fails_within(seeded, FetchError, limits=limits, seconds=3, match="longer than 1.5 s")


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_drip_one_byte_a_second_is_ended_by_the_deadline(seeded: Seeded, headers_too: bool) -> None:
    """Each byte comes well within the read timeout; only the overall deadline ends it,
    including while the status line and headers are still arriving."""
    seeded.site.set_fault(FEED_PATH, Fault(drip_interval=1.0, drip_headers=headers_too))
    limits = FetchLimits(read_timeout=5, deadline=1.5)
    fails_within(seeded, FetchError, limits=limits, seconds=3, match="longer than 1.5 s")


def test_body_cut_short_under_content_length(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(truncate_at=2000))
    fails_within(seeded, FetchError, seconds=5, match="broke before the feed was complete")


def test_body_cut_short_without_content_length(seeded: Seeded) -> None:
    """With no length to check against, the cut shows as XML that never ends: refused whole
    (a forgiving parse would have merged entries with their bodies cut off)."""
    seeded.site.set_fault(FEED_PATH, Fault(truncate_at=5000, no_length=True))
    fails_within(seeded, FeedParseError, seconds=5, match="not well-formed")


# -- answers that are not the feed -------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors(seeded: Seeded, status: int) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(status=status))
    error = fails_within(seeded, FetchError, seconds=5, match=f"server error (HTTP {status})")
    assert "Try again later" in error.message


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limited_with_a_long_retry_after(seeded: Seeded, status: int) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(status=status, retry_after=3600))
    error = fails_within(seeded, RateLimited, seconds=5, match=f"HTTP {status}")
    assert "try again in 3600 s" in error.message
    assert len(seeded.site.requests_to(FEED_PATH)) == 1  # no retry


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limited_again_after_one_short_wait(seeded: Seeded, status: int) -> None:
    """A short Retry-After is honoured once; still limited after it, the refresh gives up."""
    seeded.site.set_fault(FEED_PATH, Fault(status=status, retry_after=1))
    fails_within(
        seeded, RateLimited, limits=FetchLimits(deadline=10), seconds=5, match=f"HTTP {status}"
    )
    assert len(seeded.site.requests_to(FEED_PATH)) == 2


def test_retry_after_as_an_http_date(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(status=503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT"))
    error = fails_within(seeded, RateLimited, seconds=5, match="HTTP 503")
    assert isinstance(error, RateLimited) and error.retry_after is not None
    assert error.retry_after > 3600


def test_404(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(status=404))
    fails_within(seeded, TagNotFound, seconds=5, match=f"There is no tag '{TAG}'")


def test_200_that_is_an_html_login_page(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(login_page=True))
    fails_within(seeded, NotAFeed, seconds=5, match="web page, not a feed")


def test_200_login_page_sent_as_xml(seeded: Seeded) -> None:
    page = b"<html><body><form action='/login'><input name='password'/></form></body></html>"
    seeded.site.set_fault(FEED_PATH, Fault(body=page, content_type="application/xml"))
    fails_within(seeded, NotAFeed, seconds=5, match="web page, not a feed")


# -- redirects -----------------------------------------------------------------------------------


def test_redirect_loop(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(redirect_loop=True))
    fails_within(seeded, FetchError, seconds=5, match="redirected in a loop")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_host(seeded: Seeded, status: int) -> None:
    target = f"http://localhost:{seeded.site.port}{FEED_PATH}"  # same server, other name
    seeded.site.set_fault(FEED_PATH, Fault(redirect=target, status=status))
    fails_within(seeded, FetchError, seconds=5, match="another host (localhost); refused")
    assert len(seeded.site.requests_to(FEED_PATH)) == 1  # never followed


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://127.0.0.1/feed", "data:text/plain,feed", "javascript:alert(1)"],
)
def test_redirect_to_a_file_or_other_scheme(seeded: Seeded, location: str) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(redirect=location))
    fails_within(seeded, FetchError, seconds=5, match="http or https; refused")


def test_redirect_to_an_impossible_address(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(redirect="http://[::1/tags/llms.atom"))
    fails_within(seeded, FetchError, seconds=5, match="refused")


@pytest.mark.parametrize(
    "link",
    [
        '<http://[::1/x>; rel="next"',  # urlsplit raised ValueError: a crash
        '<http://127.0.0.1:99999/x>; rel="next"',
        '<javascript:alert(1)>; rel="next"',
        '<https://evil.example/tags/llms.atom?page=2>; rel="next"',
    ],
)
def test_a_hostile_next_page_header_is_ignored(seeded: Seeded, link: str) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(headers={"link": link}))
    with new_client() as client:
        response = fetch_feed(client, seeded.site.feed_url(TAG), tag=TAG)
    assert response.next_url is None
    assert seeded.refresh().counts.unchanged == 12


# -- too much ------------------------------------------------------------------------------------


def test_gzip_bomb_of_hundreds_of_megabytes(seeded: Seeded) -> None:
    """300 MiB of zeros in ~300 KB of gzip: decoding stops at the cap, memory stays small."""
    seeded.site.set_fault(FEED_PATH, Fault(gzip_bomb_mb=300))
    fails_within(seeded, FetchError, seconds=10, match="larger than the reader accepts")


def test_brotli_bomb_is_refused_unread(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(brotli_bomb_mb=256))
    fails_within(seeded, FetchError, seconds=5, match="unsupported encoding (br)")


def test_50_mb_body_announced_by_content_length(seeded: Seeded) -> None:
    seeded.site.set_fault(FEED_PATH, Fault(huge_body_mb=50))
    fails_within(seeded, FetchError, seconds=5, match="larger than the reader accepts (16 MB)")


def test_50_mb_body_without_content_length(seeded: Seeded) -> None:
    """Nothing announces the size: reading stops at the 16 MiB cap."""
    seeded.site.set_fault(FEED_PATH, Fault(huge_body_mb=50, no_length=True))
    fails_within(seeded, FetchError, seconds=20, match="larger than the reader accepts (16 MB)")


def test_the_cache_keeps_working_after_every_fault(seeded: Seeded) -> None:
    """After a failure the same store refreshes normally once the site recovers."""
    seeded.site.set_fault(FEED_PATH, Fault(status=502, times=1))
    seeded.refresh_fails(FetchError)
    result = seeded.refresh()
    assert result.counts.unchanged == 12
    assert snapshot(seeded.path)["posts"] == seeded.before["posts"]


# -- privacy -------------------------------------------------------------------------------------


def test_only_the_feed_is_requested_with_our_user_agent_and_no_cookies(seeded: Seeded) -> None:
    """A server's cookies are never sent back, even by a client that makes several requests;
    the requests are for the tag's feed only, with the app's User-Agent."""
    seeded.site.set_fault(FEED_PATH, Fault(headers={"Set-Cookie": "tracker=1; Path=/"}))
    with new_client() as client:
        for _ in range(2):
            refresh_tag(seeded.store, TAG, base_url=seeded.site.url, client=client)
    requests = seeded.site.requests
    assert [request.target for request in requests] == [FEED_PATH, FEED_PATH]
    for request in requests:
        assert request.header("cookie") is None
        assert request.header("user-agent") == USER_AGENT
        assert request.header("authorization") is None
