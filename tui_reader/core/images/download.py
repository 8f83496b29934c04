"""Download one picture defensively: the feeds' User-Agent, no cookies, a size cap read as it
streams, an overall deadline (a server dripping bytes is cut), an ``image/*`` content type,
and redirects followed by hand only where the policy allows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import FetchError
from ..net.fetch import _REDIRECTS, _Deadline, _network_error, _Watchdog, guarded_client
from .policy import PictureError

_GONE = frozenset({404, 410, 451})


@dataclass(frozen=True, slots=True)
class PictureLimits:
    """How long and how much one picture may take."""

    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    deadline: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3


def new_picture_client(limits: PictureLimits | None = None) -> httpx.Client:
    """An httpx client for pictures: the feeds' User-Agent, cookies refused, no keep-alive
    (so the deadline's watchdog can always cut a connection), bodies not compressed."""
    limits = limits or PictureLimits()
    return guarded_client(
        {
            "Accept": "image/png, image/jpeg, image/gif, image/webp, image/*;q=0.8",
            "Accept-Encoding": "identity",
        },
        read_timeout=limits.read_timeout,
        connect_timeout=limits.connect_timeout,
    )


def download_picture(
    client: httpx.Client,
    url: str,
    *,
    may_follow: Callable[[str], bool],
    limits: PictureLimits | None = None,
) -> bytes:
    """GET the picture at ``url``; a redirect is followed only to an address ``may_follow``.

    Raises :class:`PictureError`: ``lasting`` for a refusal (missing, not a picture, SVG,
    too large, a redirect elsewhere), not for a network failure or a server error.
    """
    limits = limits or PictureLimits()
    deadline = _Deadline(limits.deadline)
    watchdog = _Watchdog(deadline)
    host = urlsplit(url).netloc
    try:
        current = url
        for _ in range(limits.max_redirects + 1):
            target = _get(client, current, limits, deadline, watchdog)
            if isinstance(target, bytes):
                return target
            if not may_follow(target):
                raise PictureError(
                    f"The picture at {host} redirects to {urlsplit(target).netloc or target};"
                    " not followed.",
                    lasting=True,
                )
            current = target
        raise PictureError(f"The picture at {host} redirects too often.", lasting=True)
    except FetchError as error:
        if watchdog.fired or time.monotonic() >= deadline.end:
            raise PictureError(
                f"{host} took longer than {limits.deadline:g} s to send a picture.", lasting=False
            ) from error
        raise PictureError(str(error), lasting=False) from error
    finally:
        watchdog.cancel()


def _get(
    client: httpx.Client, url: str, limits: PictureLimits, deadline: _Deadline, watchdog: _Watchdog
) -> bytes | str:
    """One GET: the body, or the address a redirect points to."""
    host = urlsplit(url).netloc
    left = deadline.remaining()
    timeout = httpx.Timeout(
        min(limits.read_timeout, left), connect=min(limits.connect_timeout, left)
    )
    try:
        request = client.build_request(
            "GET", url, timeout=timeout, extensions={"trace": watchdog.trace}
        )
    except (httpx.InvalidURL, ValueError) as error:
        raise PictureError("The picture's address is not valid.", lasting=True) from error
    try:
        response = client.send(request, stream=True)
    except httpx.HTTPError as error:
        raise _network_error(error, host) from error
    try:
        status = response.status_code
        if status in _REDIRECTS:
            return urljoin(url, str(response.headers.get("location", "")).strip())
        if status in _GONE:
            raise PictureError(f"The picture is missing at {host} (HTTP {status}).", lasting=True)
        if status != 200:
            raise PictureError(f"{host} answered HTTP {status} for a picture.", lasting=False)
        _check_headers(response, host, limits)
        return _read(response, host, limits, deadline)
    finally:
        response.close()


def _check_headers(response: httpx.Response, host: str, limits: PictureLimits) -> None:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        shown = kind[:40] or "no content type"
        raise PictureError(f"{host} sent {shown}, not a picture; refused.", lasting=True)
    if "svg" in kind:
        raise PictureError("SVG pictures are not drawn.", lasting=True)
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise PictureError(f"{host} sent a compressed picture; refused.", lasting=True)
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise _too_large(limits)


def _read(response: httpx.Response, host: str, limits: PictureLimits, deadline: _Deadline) -> bytes:
    chunks: list[bytes] = []
    received = 0
    try:
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limits.max_bytes:
                raise _too_large(limits)
            chunks.append(chunk)
            deadline.remaining()
    except httpx.HTTPError as error:
        raise _network_error(error, host) from error
    return b"".join(chunks)


def _too_large(limits: PictureLimits) -> PictureError:
    return PictureError(
        f"The picture is larger than {limits.max_bytes // (1024 * 1024)} MB; refused.",
        lasting=True,
    )
