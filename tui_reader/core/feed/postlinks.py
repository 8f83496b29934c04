"""The links of a post: a link post's target, every link in a body, and where each one leads.

Works on the post's HTML with forgiving regular expressions (any input is accepted, nothing
raises): relative and protocol-relative addresses are resolved against the post's URL.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from ..models import Kind, Post
from ..tags import is_slug
from ..urls import is_web_url, normalise_post_id
from .sanitize import one_line

_ANCHOR = re.compile(
    r"<a\s[^>]*?\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_LINK_HEAD = re.compile(r"\s*<p>\s*<strong>\s*(<a\s.*?</a\s*>)", re.IGNORECASE | re.DOTALL)
_BEAT_HEAD = re.compile(
    r"\s*<p>\s*<strong>\s*([A-Za-z][A-Za-z0-9]*(?:[ -][A-Za-z0-9]+){0,2})\s*:\s*</strong>",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<[^<>]*>")
_POST_PATH = re.compile(r"^/\d{4}/[A-Za-z]{3}/\d{1,2}/[^/]+/?$")
_GUIDE_PATH = re.compile(r"^/guides/[^/]+/[^/]+/?$")
_TAG_PATH = re.compile(r"^/tags?/([^/]+)/?$")
SITE_HOSTS = frozenset({"simonwillison.net", "www.simonwillison.net"})


@dataclass(frozen=True, slots=True)
class Link:
    """A link of a post: its text (plain, one line) and its absolute address."""

    text: str
    url: str


class Target(StrEnum):
    """Where a link leads, as far as the reader is concerned."""

    POST = "post"  # a post of the site: opens in the app when cached
    TAG = "tag"  # a tag page of the site: switches to the tag
    WEB = "web"  # any other http(s) address: the browser, after showing it
    REFUSED = "refused"  # anything else (javascript:, file:, mailto:…): never opened


def _plain(fragment: str) -> str:
    return one_line(html_lib.unescape(_TAGS.sub("", fragment)))


def _link(match: re.Match[str], base: str) -> Link:
    raw = next((group for group in match.groups()[:3] if group is not None), "")
    address = one_line(html_lib.unescape(raw))
    try:
        url = urljoin(base, address) if base else address
    except ValueError:
        url = address
    return Link(_plain(match.group(4)), url)


def post_links(post: Post) -> list[Link]:
    """Every link of the body in order, each address once (the first text wins)."""
    seen: set[str] = set()
    links: list[Link] = []
    try:
        for match in _ANCHOR.finditer(post.html):
            link = _link(match, post.url)
            if link.url and link.url not in seen:
                seen.add(link.url)
                links.append(link)
    except Exception:  # garbage in: fewer links out
        pass
    return links


def linked_page(post: Post) -> Link | None:
    """The page a link post (blogmark) points to: the link in its opening ``<strong>``."""
    if post.kind is not Kind.LINK:
        return None
    head = _LINK_HEAD.match(post.html)
    if head is None:
        return None
    anchor = _ANCHOR.match(head.group(1))
    if anchor is None:
        return None
    link = _link(anchor, post.url)
    return link if is_web_url(link.url) else None


def beat_label(post: Post) -> str | None:
    """A beat's label (``TIL``, ``Release``…), from its opening ``<strong>Label:</strong>``."""
    if post.kind is not Kind.BEAT:
        return None
    match = _BEAT_HEAD.match(post.html)
    return one_line(match.group(1)) if match else None


def classify(url: str, base_url: str = "") -> tuple[Target, str]:
    """Where ``url`` leads: ``(POST, post id)``, ``(TAG, tag)``, ``(WEB, url)`` or
    ``(REFUSED, url)``. Addresses on the site (or on ``base_url``'s host) count as the site."""
    if not is_web_url(url):
        return Target.REFUSED, url
    parts = urlsplit(url)
    hosts = set(SITE_HOSTS)
    if base_url:
        base_host = urlsplit(base_url).hostname
        if base_host:
            hosts.add(base_host.lower())
    host = (parts.hostname or "").lower()
    if host in hosts:
        tag = _TAG_PATH.match(parts.path)
        if tag is not None:
            names = tag.group(1).lower().split("+")
            if 0 < len(names) <= 3 and all(is_slug(name) for name in names):
                return Target.TAG, "+".join(names)
        if _POST_PATH.match(parts.path) or _GUIDE_PATH.match(parts.path):
            return Target.POST, normalise_post_id(url)
    return Target.WEB, url
