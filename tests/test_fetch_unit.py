"""Fetch hardening, on httpx.MockTransport (the loopback server covers the real socket path)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import httpx
import pytest

from tui_reader.core.errors import FetchError, NotAFeed, RateLimited, TagNotFound, TagRenamed
from tui_reader.core.models import Validators
from tui_reader.core.net.fetch import USER_AGENT, FetchLimits, fetch_feed, new_client

FEED = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
URL = "https://simonwillison.net/tags/llms.atom"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> httpx.Client:
    """The real client, its transport swapped for ``handler`` (bodies stay unread streams)."""

    def streaming(request: httpx.Request) -> httpx.Response:
        response = handler(request)
        body = b"".join(response.stream)  # type: ignore[arg-type]
        return httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(body)
        )

    client = new_client()
    client._transport = httpx.MockTransport(streaming)
    return client


def fetch(handler: Handler, **kwargs: object) -> object:
    with client_for(handler) as client:
        return fetch_feed(client, URL, tag="llms", **kwargs)  # type: ignore[arg-type]


def feed_response(**headers: str) -> httpx.Response:
    return httpx.Response(200, content=FEED, headers={"content-type": "application/xml", **headers})


def test_sends_user_agent_and_validators() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return feed_response(**{"last-modified": "Wed, 15 Nov 2023 21:31:00 GMT", "etag": '"v1"'})

    result = fetch(handler, validators=Validators('"v0"', "Tue, 14 Nov 2023 00:00:00 GMT"))
    assert result.body == FEED  # type: ignore[attr-defined]
    assert result.validators == Validators('"v1"', "Wed, 15 Nov 2023 21:31:00 GMT")  # type: ignore[attr-defined]
    request = seen[0]
    assert request.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("tui-reader/")
    assert request.headers["if-none-match"] == '"v0"'
    assert request.headers["if-modified-since"] == "Tue, 14 Nov 2023 00:00:00 GMT"
    assert request.headers["accept-encoding"] == "gzip"


def test_304_means_unchanged() -> None:
    result = fetch(lambda r: httpx.Response(304), validators=Validators(None, "x"))
    assert result.not_modified and result.body == b""  # type: ignore[attr-defined]


def test_404_is_no_such_tag() -> None:
    with pytest.raises(TagNotFound, match="no tag 'llms'"):
        fetch(lambda r: httpx.Response(404, text="<html>Not found</html>"))


def test_relative_link_next_is_resolved() -> None:
    result = fetch(lambda r: feed_response(link='</tags/llms.atom?page=2>; rel="next"'))
    assert result.next_url == "https://simonwillison.net/tags/llms.atom?page=2"  # type: ignore[attr-defined]


def test_gzip_is_decoded() -> None:
    body = gzip.compress(FEED)
    result = fetch(
        lambda r: httpx.Response(200, content=body, headers={"content-encoding": "gzip"})
    )
    assert result.body == FEED  # type: ignore[attr-defined]


def test_gzip_bomb_is_cut_off() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = compressor.compress(b"\0" * (8 * 1024 * 1024)) + compressor.flush()
    limits = FetchLimits(max_decoded_bytes=1024 * 1024)
    with pytest.raises(FetchError, match="larger than the reader accepts"):
        fetch(
            lambda r: httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}),
            limits=limits,
        )


def test_raw_size_cap() -> None:
    with pytest.raises(FetchError, match="larger"):
        fetch(
            lambda r: httpx.Response(200, content=b"x" * 5000), limits=FetchLimits(max_bytes=1000)
        )


def test_unsupported_encoding_refused() -> None:
    with pytest.raises(FetchError, match="unsupported encoding"):
        fetch(lambda r: httpx.Response(200, content=b"??", headers={"content-encoding": "br"}))


def test_redirects_same_host_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tags/llms.atom":
            return httpx.Response(301, headers={"location": "/tags/llms-new.atom"})
        return feed_response()

    assert fetch(handler).url == "https://simonwillison.net/tags/llms-new.atom"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("https://evil.example/tags/llms.atom", "another host"),
        ("file:///etc/passwd", "not http or https"),
        ("javascript:alert(1)", "http or https; refused"),
    ],
)
def test_dangerous_redirects_refused(location: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        fetch(lambda r: httpx.Response(302, headers={"location": location}))


def test_redirect_loop_and_limit() -> None:
    with pytest.raises(FetchError, match="loop"):
        fetch(lambda r: httpx.Response(302, headers={"location": URL}))
    counter = iter(range(100))
    with pytest.raises(FetchError, match="more than 5"):
        fetch(lambda r: httpx.Response(302, headers={"location": f"/r{next(counter)}"}))


def test_renamed_tag_chain() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/tags/llms.atom":
            return httpx.Response(301, headers={"location": "/tag/large-language-models/"})
        if path == "/tag/large-language-models/":
            return httpx.Response(301, headers={"location": "/tags/large-language-models/"})
        return httpx.Response(200, html="<!DOCTYPE html><html>tag page</html>")

    with pytest.raises(TagRenamed) as caught:
        fetch(handler)
    assert caught.value.new == "large-language-models"
    assert "renamed to 'large-language-models'" in caught.value.message


def test_html_200_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        fetch(lambda r: httpx.Response(200, html="<!doctype html><form>Log in</form>"))


def test_retry_after_is_honoured_once() -> None:
    answers = iter([httpx.Response(503, headers={"retry-after": "0"}), feed_response()])
    assert fetch(lambda r: next(answers)).body == FEED  # type: ignore[attr-defined]


def test_long_retry_after_is_reported() -> None:
    with pytest.raises(RateLimited) as caught:
        fetch(lambda r: httpx.Response(429, headers={"retry-after": "3600"}))
    assert caught.value.retry_after == 3600
    assert "3600 s" in caught.value.message


def test_server_error_in_words() -> None:
    with pytest.raises(FetchError, match=r"server error \(HTTP 502\)"):
        fetch(lambda r: httpx.Response(502))


def test_control_characters_in_validators_are_not_kept() -> None:
    result = fetch(lambda r: feed_response(etag="ok"))
    assert result.validators.etag == "ok"  # type: ignore[attr-defined]
