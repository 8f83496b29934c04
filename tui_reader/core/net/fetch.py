"""Fetch one feed document over HTTP, defensively.

httpx does the transport; this module adds what a reader of hostile servers needs: an overall
deadline (httpx's timeouts are per operation, so a watchdog cuts the connection when it
passes, even in the middle of a read), caps on raw and decompressed bytes (memory stays
bounded by them), redirects followed by hand (few, http/https, same host), conditional
requests, and ``Retry-After``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

from ... import __version__
from ..errors import FetchError, NotAFeed, RateLimited, TagNotFound, TagRenamed
from ..models import Validators
from ..tags import is_slug
from ..urls import WEB_SCHEMES

PROJECT_URL = "https://github.com/tui-reader/tui-reader"
USER_AGENT = f"tui-reader/{__version__} (+{PROJECT_URL})"
ACCEPT = "application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TAG_PAGE = re.compile(r"^/tags?/([-a-zA-Z0-9_]{1,50})/?$")
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{1,200}")
_DECODE_STEP = 1024 * 1024  # decompress at most this much at a time
_CONNECTED = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much a fetch may take."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_bytes: int = 16 * 1024 * 1024
    max_decoded_bytes: int = 24 * 1024 * 1024
    max_redirects: int = 5
    max_retry_wait: float = 10.0


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """A fetched feed: ``body`` is empty when the server said 304 Not Modified."""

    url: str
    not_modified: bool
    body: bytes
    validators: Validators
    next_url: str | None


def new_client(limits: FetchLimits | None = None) -> httpx.Client:
    """An httpx client configured for feed fetching.

    Connections are not kept alive between requests, so that every request opens its own
    and the deadline's watchdog can always cut it. Cookies are refused: nothing a server
    sets is ever sent back.
    """
    limits = limits or FetchLimits()
    return guarded_client(
        {"Accept": ACCEPT, "Accept-Encoding": "gzip"},
        read_timeout=limits.read_timeout,
        connect_timeout=limits.connect_timeout,
    )


def guarded_client(
    headers: dict[str, str], *, read_timeout: float, connect_timeout: float
) -> httpx.Client:
    """An httpx client sending our User-Agent and ``headers``, following no redirect by
    itself, keeping no connection between requests and refusing every cookie."""
    return httpx.Client(
        headers={"User-Agent": USER_AGENT, **headers},
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


class _Deadline:
    """The overall time budget of one fetch."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def error(self) -> FetchError:
        return FetchError(f"The site took longer than {self.seconds:g} s to send the feed.")


class _Watchdog:
    """Shuts the fetch's connection down when the deadline passes.

    httpx applies its timeouts to each read, so a server that sends a byte now and then (in
    the headers as well as the body) would otherwise never time out. The socket is learnt
    from httpcore's ``trace`` extension as each connection opens; shutting it down wakes a
    read blocked in another thread.
    """

    def __init__(self, deadline: _Deadline) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer = threading.Timer(max(0.0, deadline.end - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, object]) -> None:
        """httpcore's trace callback: remember each newly opened connection's socket."""
        if event not in _CONNECTED:
            return
        stream = info.get("return_value")
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if callable(get_extra_info) else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._socket = sock
                if self.fired:
                    self._cut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._socket is not None:
            with suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        """The fetch is over: stand down (the timer's thread is gone when this returns, so a
        program left with one thread may fork: ``parallel_backfill``)."""
        self._timer.cancel()
        self._timer.join()


def fetch_feed(
    client: httpx.Client,
    url: str,
    *,
    tag: str,
    validators: Validators | None = None,
    limits: FetchLimits | None = None,
) -> FeedResponse:
    """GET a feed, following at most ``max_redirects`` same-host redirects.

    Raises :class:`TagNotFound` (404), :class:`TagRenamed` (redirect to another tag's page),
    :class:`NotAFeed` (a web page), :class:`RateLimited`, or :class:`FetchError`.
    """
    limits = limits or FetchLimits()
    deadline = _Deadline(limits.deadline)
    watchdog = _Watchdog(deadline)
    try:
        return _fetch(client, url, tag, validators, limits, deadline, watchdog)
    except FetchError as error:
        if watchdog.fired and type(error) is FetchError:  # cut by the watchdog
            raise deadline.error() from error
        raise
    finally:
        watchdog.cancel()


def _fetch(
    client: httpx.Client,
    url: str,
    tag: str,
    validators: Validators | None,
    limits: FetchLimits,
    deadline: _Deadline,
    watchdog: _Watchdog,
) -> FeedResponse:
    headers = _conditional_headers(validators)
    host = (urlsplit(url).hostname or "").lower()
    visited: list[str] = []
    retried = False
    current = url
    while True:
        if current in visited:
            raise FetchError("The site redirected in a loop.", hint="Try again later.")
        visited.append(current)
        with _Send(client, current, headers, limits, deadline, watchdog) as response:
            status = response.status_code
            if status in _REDIRECTS:
                if len(visited) > limits.max_redirects:
                    raise FetchError(f"The site redirected more than {limits.max_redirects} times.")
                current = _redirect_target(response, current, host)
                continue
            if status in (429, 503) and not retried:
                wait = _retry_after(response)
                if wait is not None and wait <= min(limits.max_retry_wait, deadline.remaining()):
                    retried = True
                    visited.pop()
                    time.sleep(wait)
                    continue
            if status == 304:
                return FeedResponse(current, True, b"", validators or Validators(), None)
            _check_status(response, tag, host)
            body = _read_body(response, limits, deadline)
            _check_is_feed(response, body, tag, redirected=len(visited) > 1)
            return FeedResponse(
                url=current,
                not_modified=False,
                body=body,
                validators=Validators(
                    etag=_header(response, "etag"),
                    last_modified=_header(response, "last-modified"),
                ),
                next_url=_next_url(response, current, host),
            )


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


class _Send:
    """Context manager: one streamed GET whose timeouts never exceed the deadline."""

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        headers: dict[str, str],
        limits: FetchLimits,
        deadline: _Deadline,
        watchdog: _Watchdog,
    ) -> None:
        left = deadline.remaining()
        timeout = httpx.Timeout(
            min(limits.read_timeout, left), connect=min(limits.connect_timeout, left)
        )
        self._request = client.build_request(
            "GET", url, headers=headers, timeout=timeout, extensions={"trace": watchdog.trace}
        )
        self._client = client
        self._host = urlsplit(url).netloc
        self._response: httpx.Response | None = None

    def __enter__(self) -> httpx.Response:
        try:
            self._response = self._client.send(self._request, stream=True)
        except httpx.HTTPError as error:
            raise _network_error(error, self._host) from error
        except httpx.InvalidURL as error:  # httpx reading a redirect to e.g. "javascript:…"
            raise FetchError(
                f"{self._host} redirected to an address that is not valid http or https; refused.",
                hint="Try again later.",
            ) from error
        return self._response

    def __exit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()


def _network_error(error: httpx.HTTPError, host: str) -> FetchError:
    """Say in words what a transport failure means."""
    text = str(error)
    if isinstance(error, httpx.ConnectTimeout):
        return FetchError(f"Connecting to {host} timed out.")
    if isinstance(error, httpx.TimeoutException):
        return FetchError(f"{host} stopped answering.")
    if isinstance(error, httpx.ConnectError):
        if (
            "Name or service not known" in text
            or "nodename nor servname" in text
            or ("Temporary failure in name resolution" in text)
        ):
            return FetchError(f"Could not find the host {host}.")
        if "refused" in text.lower():
            return FetchError(f"{host} refused the connection.")
        return FetchError(f"Could not connect to {host}.")
    if isinstance(error, httpx.RemoteProtocolError) and "location header" in text.lower():
        return FetchError(f"{host} redirected to an address that is not valid; refused.")
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return FetchError(f"The connection to {host} broke before the feed was complete.")
    return FetchError(f"Fetching from {host} failed ({type(error).__name__}).")


def _redirect_target(response: httpx.Response, current: str, host: str) -> str:
    location = str(response.headers.get("location", ""))
    try:
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
    except ValueError as error:  # e.g. "http://[::1"
        raise FetchError("The site redirected to an address that is not valid; refused.") from error
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise FetchError("The site redirected to an address that is not http or https; refused.")
    if (parts.hostname or "").lower() != host:
        raise FetchError(f"The site redirected to another host ({parts.hostname}); refused.")
    return target


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _check_status(response: httpx.Response, tag: str, host: str) -> None:
    status = response.status_code
    if status == 200:
        return
    if status in (404, 410):
        raise TagNotFound(f"There is no tag '{tag}' on {host}.")
    if status in (429, 503):
        wait = _retry_after(response)
        raise RateLimited(f"{host} is busy or limiting requests (HTTP {status}).", wait)
    if status >= 500:
        raise FetchError(f"{host} had a server error (HTTP {status}).", hint="Try again later.")
    raise FetchError(f"{host} answered HTTP {status} instead of the feed.")


def _decoder(response: httpx.Response) -> zlib._Decompress | None:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise FetchError(f"The site sent the feed in an unsupported encoding ({encoding[:20]}).")


def _read_body(response: httpx.Response, limits: FetchLimits, deadline: _Deadline) -> bytes:
    """Read the body, stopping at the byte caps and the deadline."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise _too_large(limits.max_bytes)
    decoder = _decoder(response)
    received = 0
    chunks: list[bytes] = []
    decoded = 0
    try:
        for raw in response.iter_raw():
            received += len(raw)
            if received > limits.max_bytes:
                raise _too_large(limits.max_bytes)
            for piece in _decode(decoder, raw, limits.max_decoded_bytes - decoded):
                decoded += len(piece)
                chunks.append(piece)
            deadline.remaining()
        if decoder is not None:
            tail = decoder.flush()
            decoded += len(tail)
            if decoded > limits.max_decoded_bytes:
                raise _too_large(limits.max_decoded_bytes)
            chunks.append(tail)
    except httpx.HTTPError as error:
        raise _network_error(error, urlsplit(str(response.url)).netloc) from error
    except zlib.error as error:
        raise FetchError("The site sent a corrupt compressed feed.") from error
    return b"".join(chunks)


def _decode(decoder: zlib._Decompress | None, raw: bytes, allowance: int) -> Iterator[bytes]:
    """Yield decoded pieces of ``raw``, raising once more than ``allowance`` bytes come out."""
    if decoder is None:
        if len(raw) > allowance:
            raise _too_large(None)
        yield raw
        return
    data = raw
    while data:
        piece = decoder.decompress(data, min(allowance + 1, _DECODE_STEP))
        if len(piece) > allowance:
            raise _too_large(None)
        allowance -= len(piece)
        yield piece
        data = decoder.unconsumed_tail


def _too_large(limit: int | None) -> FetchError:
    size = f" ({limit // (1024 * 1024)} MB)" if limit else ""
    return FetchError(
        f"The feed is larger than the reader accepts{size}; refused.",
        hint="The site does not normally send this much: check --base-url, or try again later.",
    )


def _check_is_feed(response: httpx.Response, body: bytes, tag: str, *, redirected: bool) -> None:
    """A 200 that is a web page is a renamed tag (after redirects) or an error."""
    content_type = response.headers.get("content-type", "").lower()
    head = body[:512].lstrip().lower()
    is_html = "html" in content_type or head.startswith((b"<!doctype html", b"<html"))
    if not is_html:
        return
    match = _TAG_PAGE.match(urlsplit(str(response.url)).path)
    if redirected and match and is_slug(match.group(1)) and match.group(1).lower() != tag:
        raise TagRenamed(tag, match.group(1).lower())
    raise NotAFeed("The site answered with a web page, not a feed.")


def _header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value if value and _HEADER_VALUE.fullmatch(value) else None


def _next_url(response: httpx.Response, current: str, host: str) -> str | None:
    try:
        link = str(response.links.get("next", {}).get("url") or "")
        if not link:
            return None
        target = urljoin(current, link)
        parts = urlsplit(target)
        if parts.scheme.lower() not in WEB_SCHEMES or (parts.hostname or "").lower() != host:
            return None
        _ = parts.port  # raises ValueError for an impossible port
    except ValueError:  # a header no browser could follow either: there is no next page
        return None
    return target


def fetch_json(
    client: httpx.Client, url: str, *, limits: FetchLimits | None = None, max_bytes: int = 1 << 20
) -> object:
    """GET a small JSON document (redirects are not followed) with the same deadline and caps.

    Raises :class:`FetchError` for any failure: network, a status other than 200, a body
    over ``max_bytes``, or text that is not JSON.
    """
    limits = limits or FetchLimits()
    small = replace(
        limits,
        max_bytes=min(limits.max_bytes, max_bytes),
        max_decoded_bytes=min(limits.max_decoded_bytes, max_bytes),
    )
    deadline = _Deadline(small.deadline)
    watchdog = _Watchdog(deadline)
    host = urlsplit(url).netloc
    try:
        with _Send(
            client, url, {"Accept": "application/json"}, small, deadline, watchdog
        ) as response:
            if response.status_code != 200:
                raise FetchError(f"{host} answered HTTP {response.status_code}.")
            body = _read_body(response, small, deadline)
    except FetchError as error:
        if watchdog.fired and type(error) is FetchError:  # cut by the watchdog
            raise deadline.error() from error
        raise
    finally:
        watchdog.cancel()
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise FetchError(f"{host} did not answer with JSON.") from error
