"""Which pictures may be fetched: only http and https, by default only from the site's own
hosts (a reader must not tell other sites what you read), and never SVG."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urljoin, urlsplit

from ..errors import ReaderError
from ..urls import WEB_SCHEMES

STATIC_HOST = "static.simonwillison.net"
"""The site's host for pictures and other static files."""
SITE_HOSTS = frozenset({"simonwillison.net", "www.simonwillison.net", STATIC_HOST})
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f]")
_SVG = re.compile(r"\.svgz?$", re.IGNORECASE)
# A picture in Markdown: ![alt](address "title"); alt may hold escaped brackets.
_PICTURE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\(\s*<?([^)\s>]+)>?")


class PictureError(ReaderError):
    """A picture could not be fetched or drawn. ``lasting``: it never will be as it is (refused
    for the reason given), rather than failing for now (network, server trouble)."""

    def __init__(self, message: str, *, lasting: bool, hint: str | None = None) -> None:
        super().__init__(message, hint=hint if hint is not None else "")
        self.lasting = lasting


class Access(Enum):
    """What may be done with a picture's address."""

    ALLOWED = "allowed"
    OTHER_HOST = "other host"  # another site's: only when asked for (a key, image_hosts="all")
    REFUSED = "refused"  # never fetched: see the verdict's reason


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's answer for one address: the absolute ``url`` to fetch, its ``host``."""

    url: str
    host: str
    access: Access
    reason: str = ""


class PicturePolicy:
    """Judges picture addresses for a site at ``base_url``; ``all_hosts``: any host may be
    fetched (``image_hosts = "all"``)."""

    def __init__(self, base_url: str, *, all_hosts: bool = False) -> None:
        self.base_url = base_url
        self.all_hosts = all_hosts
        base_host = (urlsplit(base_url).hostname or "").lower()
        self.site_hosts = SITE_HOSTS | {base_host} - {""}

    def judge(self, address: str) -> Verdict:
        """Whether (and as what address) the picture at ``address`` may be fetched."""
        if _UNSAFE.search(address.strip()):
            return Verdict(address, "", Access.REFUSED, "its address is not valid")
        try:
            url = urljoin(self.base_url + "/", address.strip())
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return Verdict(address, "", Access.REFUSED, "its address is not valid")
        if parts.scheme.lower() not in WEB_SCHEMES or not host:
            return Verdict(url, host, Access.REFUSED, "only http and https pictures are fetched")
        if _SVG.search(parts.path):
            return Verdict(url, host, Access.REFUSED, "SVG pictures are not drawn")
        if host in self.site_hosts or self.all_hosts:
            return Verdict(url, host, Access.ALLOWED)
        reason = f"a picture on {host} is fetched only on request"
        return Verdict(url, host, Access.OTHER_HOST, reason)

    def allows_host(self, url: str, *, other_hosts: bool = False) -> bool:
        """Whether a redirect to ``url`` may be followed (same rules as :meth:`judge`)."""
        access = self.judge(url).access
        return access is Access.ALLOWED or (other_hosts and access is Access.OTHER_HOST)


def picture_addresses(markdown: str) -> list[tuple[str, str]]:
    """The pictures of a post's Markdown, in order, once each: ``(alt text, address)``."""
    seen: dict[str, str] = {}
    for match in _PICTURE.finditer(markdown):
        seen.setdefault(match.group(2), re.sub(r"\\(.)", r"\1", match.group(1)))
    return [(alt, address) for address, alt in seen.items()]
