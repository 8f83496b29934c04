"""Build feed URLs and normalise post identities."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .feed.sanitize import one_line

DEFAULT_BASE_URL = "https://simonwillison.net"
WEB_SCHEMES = frozenset({"http", "https"})


def normalise_base_url(base_url: str) -> str:
    """Check that ``base_url`` is an http(s) origin and drop any trailing slash."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in WEB_SCHEMES or not parts.hostname:
        raise ValueError(f"'{base_url}' is not an http:// or https:// address")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def feed_url(base_url: str, tag: str) -> str:
    """The Atom feed address of a validated tag (or ``a+b`` combination)."""
    return f"{normalise_base_url(base_url)}/tags/{quote(tag, safe='+-_')}.atom"


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address (the only kind the app ever opens)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def normalise_post_id(raw: str, base: str = "") -> str:
    """One identity per post, whatever form the feed used.

    ``http://simonwillison.net/2023/Nov/15/x/#atom-tag`` and
    ``https://simonwillison.net/2023/Nov/15/x/`` both become the latter: https, lower-case
    host, no fragment. Relative ids are resolved against ``base``. Non-web ids (``tag:``
    URIs) are kept as they are, cleaned of control characters.
    """
    raw = one_line(raw)
    try:
        if base:
            raw = urljoin(base, raw)
        parts = urlsplit(raw)
    except ValueError:  # e.g. a broken IPv6 host: not a web address
        return raw
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return raw.split("#", 1)[0]
    netloc = parts.hostname.lower()
    if parts.port and parts.port not in (80, 443):
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit(("https", netloc, parts.path or "/", parts.query, ""))
