"""Everything the reader and the command line send, and every address they hand to the browser.

One list, read three ways: the README's "Security and privacy" section is generated from it
(``uv run python scripts/readme_egress.py``), ``tests/test_egress.py`` drives the app and the
command line through a scripted session and holds every request and opened address to it
(:func:`check_request`, :func:`check_opened`), and reviewers read it here.

Adding a kind of request (pictures, a tag lookup…) is one :class:`RequestKind` row in
``REQUESTS`` — with a new :class:`Trigger` if it has a new occasion, and a new
:class:`HostRule` if it goes to a new host — then the README regenerated and one step added to
the egress test's session that causes it (the test fails until every kind is seen). A new way
of opening an address is one :class:`OpenerKind` row in ``OPENERS``, the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from .. import __version__
from .feed.postlinks import linked_page, post_links
from .images.policy import picture_addresses
from .models import Post
from .net.fetch import ACCEPT, USER_AGENT
from .urls import is_web_url, normalise_base_url


class Trigger(StrEnum):
    """What makes the reader send a request: a key, the schedule, or a command."""

    START = "start"
    REFRESH_KEY = "r"
    OPEN_TAG = "open-tag"
    SWITCHER_TYPING = "switcher-typing"
    ARCHIVE_KEY = "A"
    FOLLOWED_KEY = "R"
    AUTO_REFRESH = "timer"
    CLI_FETCH = "fetch"
    CLI_FETCH_ALL = "fetch-all"
    POST_SHOWN = "post-shown"
    OTHER_PICTURES_KEY = "I"
    CLI_FETCH_IMAGES = "fetch-images"
    ALL_PICTURE_HOSTS = "image-hosts-all"


TRIGGER_WORDS: Mapping[Trigger, str] = {
    Trigger.START: "the reader starts (for the tag it opens)",
    Trigger.REFRESH_KEY: "`r`",
    Trigger.OPEN_TAG: (
        "you go to a tag (`t` then `enter`, `T`, a tag link, `[` `]` `backspace`, `1`…`9`, "
        "the palette, `enter` in `F`, `U` again back to the tag)"
    ),
    Trigger.SWITCHER_TYPING: (
        "you type in the tag switcher (`t`), once typing pauses for 0.3 s, only for text that "
        "is a valid tag"
    ),
    Trigger.ARCHIVE_KEY: "`A`",
    Trigger.FOLLOWED_KEY: "`R` (every followed tag), `ctrl+r` in `F` (one)",
    Trigger.AUTO_REFRESH: "every `refresh_minutes` (default 30) while the reader is open",
    Trigger.CLI_FETCH: "`tui-reader fetch [TAG…]`",
    Trigger.CLI_FETCH_ALL: "`tui-reader fetch [TAG…] --all`",
    Trigger.POST_SHOWN: (
        'a post is shown with pictures on (`images` not `"off"`, `i` turns them on and off): '
        "its pictures download in the background once its text is on screen, each once (then "
        "kept in the picture store)"
    ),
    Trigger.OTHER_PICTURES_KEY: "`I`, for the pictures of the open post on other sites' hosts",
    Trigger.CLI_FETCH_IMAGES: "`tui-reader fetch [TAG…] --images` (the cached posts' pictures)",
    Trigger.ALL_PICTURE_HOSTS: (
        'with `image_hosts = "all"` in config.toml: a post shown with pictures on, `fetch --images`'
    ),
}


def _same_host(url: str, base_url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname == urlsplit(base_url).hostname


@dataclass(frozen=True, slots=True)
class HostRule:
    """Which hosts a kind of request may go to: ``allows(url, base_url)``."""

    name: str
    words: str
    allows: Callable[[str, str], bool] = field(repr=False)


SITE = HostRule(
    "the site",
    "the base URL's host (`simonwillison.net` unless `--base-url` or `TUI_READER_BASE_URL` "
    "names another), over http or https",
    _same_host,
)


COMMON_HEADERS: Mapping[str, str | None] = {
    "host": None,  # the host the request goes to (checked by the kind's host rule)
    "connection": "keep-alive",  # httpx's default; connections are not kept, all the same
    "user-agent": USER_AGENT,
    "accept-encoding": "gzip",
}
"""Sent with every request: header name → the only value allowed (None: see the comment)."""

FEED_HEADERS: Mapping[str, str | None] = {**COMMON_HEADERS, "accept": ACCEPT}
CONDITIONAL_HEADERS: Mapping[str, str | None] = {
    **FEED_HEADERS,
    "if-none-match": None,  # the ETag the site sent with this tag's last feed
    "if-modified-since": None,  # the Last-Modified the site sent with it
}
JSON_HEADERS: Mapping[str, str | None] = {**COMMON_HEADERS, "accept": "application/json"}
PICTURE_HEADERS: Mapping[str, str | None] = {
    **COMMON_HEADERS,
    "accept": "image/png, image/jpeg, image/gif, image/webp, image/*;q=0.8",
    "accept-encoding": "identity",  # a picture is read as sent, its size capped as it streams
}
NEVER_SENT = ("cookie", "cookie2", "authorization", "proxy-authorization", "referer")
"""Headers no request ever carries (cookies the site sets are dropped)."""

_TAGS = r"[-a-z0-9_]{1,50}(?:\+[-a-z0-9_]{1,50}){0,2}"


PICTURE_SITE_HOSTS = ("simonwillison.net", "www.simonwillison.net", "static.simonwillison.net")
"""Where the site's own pictures are (kept apart from core/images/policy.py on purpose: the
list checks that code, it does not repeat it)."""


def _site_picture_host(url: str, base_url: str) -> bool:
    parts = urlsplit(url)
    hosts = {*PICTURE_SITE_HOSTS, urlsplit(base_url).hostname}
    return parts.scheme in ("http", "https") and parts.hostname in hosts


def _other_picture_host(url: str, base_url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and not _site_picture_host(url, base_url)


PICTURE_HOSTS = HostRule(
    "static.simonwillison.net and the site",
    "the site's host, `static.simonwillison.net` (where the site keeps its pictures) and "
    "`www.simonwillison.net`, over http or https",
    _site_picture_host,
)
OTHER_HOSTS = HostRule(
    "another site's host",
    "any other http or https host a post's picture names: only after `I` for that post, or "
    'with `image_hosts = "all"`',
    _other_picture_host,
)


def _post_pictures(post: Post, base_url: str) -> list[str]:
    """The absolute addresses of the pictures in ``post``'s Markdown."""
    return [
        urljoin(base_url + "/", address.strip())
        for _alt, address in picture_addresses(post.markdown)
    ]


@dataclass(frozen=True, slots=True)
class RequestKind:
    """One kind of outgoing request: what, to where, when, and with which headers."""

    name: str
    what: str
    address: str
    path: re.Pattern[str]
    """Matches the path and query (``/tags/llms.atom?size=1000``) below the base URL's path."""
    triggers: tuple[Trigger, ...]
    headers: Mapping[str, str | None]
    """Every header it may carry: name (lower case) → the only value allowed, or None."""
    code: str
    host: HostRule = SITE
    method: str = "GET"
    when: str = ""
    """The README's words for the triggers, when listing them would say less."""
    addresses: Callable[[Post, str], Iterable[str]] | None = field(default=None, repr=False)
    """When set, only these absolute addresses of the posts concerned (``(post, base_url)``)
    may be asked: a picture request is for a picture of a post shown or named. (A picture's
    redirect target is not one: the checker refuses it; the test site serves none.)"""


_FEED_TRIGGERS = (
    Trigger.START,
    Trigger.REFRESH_KEY,
    Trigger.OPEN_TAG,
    Trigger.FOLLOWED_KEY,
    Trigger.AUTO_REFRESH,
    Trigger.CLI_FETCH,
)
"""What asks for a tag's feed (and so for where the site redirects it)."""
_ARCHIVE_TRIGGERS = (Trigger.ARCHIVE_KEY, Trigger.CLI_FETCH_ALL)
"""What downloads a tag's whole history."""

REQUESTS: tuple[RequestKind, ...] = (
    RequestKind(
        name="feed",
        what="a tag's feed, first page (the newest 30 posts)",
        address="`/tags/<tag>.atom` (`a+b+c` for combined tags)",
        path=re.compile(rf"/tags/{_TAGS}\.atom"),
        triggers=_FEED_TRIGGERS,
        headers=CONDITIONAL_HEADERS,
        code="core/net/refresh.py refresh_tag (one tag), core/net/follow.py refresh_tags (many)",
    ),
    RequestKind(
        name="archive-page",
        what=(
            "a page of a tag's whole history: the first with `?size=1000` (`--page-size`), then "
            "each page the site's `Link: rel=next` names on the same host and feed, one at a "
            "time with a pause between (`--pause`); once complete, only the newest pages"
        ),
        address="`/tags/<tag>.atom?size=N`, `…?size=N&page=K`",
        path=re.compile(rf"/tags/{_TAGS}\.atom\?[^#]+"),
        triggers=_ARCHIVE_TRIGGERS,
        headers=FEED_HEADERS,
        code="core/net/archive.py archive_tag",
    ),
    RequestKind(
        name="tag-count",
        what="the site's post count for the tag being downloaded (for the progress line)",
        address="`/tags-autocomplete/?q=<tag>`",
        path=re.compile(r"/tags-autocomplete/\?q=[-a-z0-9_]{1,50}"),
        triggers=_ARCHIVE_TRIGGERS,
        headers=JSON_HEADERS,
        code="core/net/archive.py fetch_total",
    ),
    RequestKind(
        name="tag-lookup",
        what=(
            "the site's facts about a tag (its post count, by kind, and its description): "
            "before the first fetch of a tag (to fetch a small one whole), and after a "
            "refresh of the tag shown when the facts kept are missing or 10 minutes old"
        ),
        address="`/tags-autocomplete/?q=<tag>`",
        path=re.compile(r"/tags-autocomplete/\?q=[-a-z0-9_]{1,50}"),
        triggers=(Trigger.START, Trigger.REFRESH_KEY, Trigger.OPEN_TAG, Trigger.CLI_FETCH),
        headers=JSON_HEADERS,
        code="core/net/autocomplete.py lookup_tag (from core/net/refresh.py)",
        # Listed before tag-suggestions: the same address, told apart by when it is sent.
    ),
    RequestKind(
        name="tag-suggestions",
        what="the site's suggestions for what you typed",
        address="`/tags-autocomplete/?q=<what you typed>`",
        path=re.compile(r"/tags-autocomplete/\?q=(?:[-a-z0-9_]|%2B){1,150}"),
        triggers=(Trigger.SWITCHER_TYPING, Trigger.OPEN_TAG),
        headers=JSON_HEADERS,
        code="core/net/autocomplete.py suggest_tags",
        when=(
            "you type in the tag switcher (`t`), once typing pauses for 0.3 s, only for text "
            "that is a valid tag; and when the switcher opens by itself on a renamed tag's new "
            "name"
        ),
    ),
    RequestKind(
        name="redirect",
        what=(
            "where the site redirects a feed request: same host, http or https, at most five "
            "in a row (on the site: a renamed tag's `/tag/<new>/` then `/tags/<new>/`)"
        ),
        address="`/tag/<new>/`, `/tags/<new>/`",
        path=re.compile(r"/tags?/[-a-z0-9_]{1,50}/"),
        triggers=_FEED_TRIGGERS + _ARCHIVE_TRIGGERS,
        headers=CONDITIONAL_HEADERS,
        code="core/net/fetch.py fetch_feed",
        when="whenever a feed or an archive page is asked for (above)",
    ),
    RequestKind(
        name="picture",
        what=(
            "a picture of a post (not SVG; at most 10 MB, `image/*` only, no cookies kept), "
            "and where it redirects on these hosts, at most three in a row"
        ),
        address="the address the post's picture names",
        path=re.compile(r"/[^#]*"),
        triggers=(Trigger.POST_SHOWN, Trigger.CLI_FETCH_IMAGES),
        headers=PICTURE_HEADERS,
        code="core/images/download.py download_picture (from core/images/prefetch.py)",
        host=PICTURE_HOSTS,
        addresses=_post_pictures,
    ),
    RequestKind(
        name="picture-elsewhere",
        what="a picture of a post on another site's host (as above; shown as `press I` until then)",
        address="the address the post's picture names",
        path=re.compile(r"/[^#]*"),
        triggers=(Trigger.OTHER_PICTURES_KEY, Trigger.ALL_PICTURE_HOSTS),
        headers=PICTURE_HEADERS,
        code="core/images/download.py download_picture (from widgets/pictures.py)",
        host=OTHER_HOSTS,
        addresses=_post_pictures,
    ),
    RequestKind(
        name="feed-whole",
        what=(
            "a tag's whole feed in one page, on its first fetch, when the tag lookup says "
            "the site has at most 1,000 posts"
        ),
        address="`/tags/<tag>.atom?size=1000`",
        path=re.compile(rf"/tags/{_TAGS}\.atom\?size=\d{{1,4}}"),
        triggers=(Trigger.START, Trigger.OPEN_TAG, Trigger.CLI_FETCH),
        headers=FEED_HEADERS,
        code="core/net/refresh.py refresh_tag (first fetch)",
    ),
)


def request_kind(name: str) -> RequestKind:
    """The kind called ``name``."""
    return next(kind for kind in REQUESTS if kind.name == name)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What :func:`check_request` found: the kind the request is (None: none), and every way
    it breaks the list, in words."""

    kind: RequestKind | None
    problems: tuple[str, ...] = ()


def _header_problems(kind: RequestKind, url: str, headers: Mapping[str, str]) -> list[str]:
    problems = []
    netloc = urlsplit(url).netloc
    for raw_name, value in headers.items():
        name, raw_name = raw_name.lower(), raw_name.title()
        if name in NEVER_SENT:
            problems.append(f"it carries a {raw_name} header")
        elif name not in kind.headers:
            problems.append(f"it carries an unexpected header {raw_name}: {value!r}")
        elif name == "host" and value != netloc:
            problems.append(f"its Host header {value!r} is not {netloc!r}")
        elif (wanted := kind.headers[name]) is not None and value != wanted:
            problems.append(f"its {raw_name} is {value!r}, not {wanted!r}")
    return problems


def check_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    base_url: str,
    trigger: Trigger | tuple[Trigger, ...] | None,
    posts: Iterable[Post] = (),
) -> Verdict:
    """Hold one request (as the server saw it, with its absolute ``url``) to the list.

    ``trigger`` is what the user (or the schedule) did at the time (several: any of them);
    None means nothing that may send a request. ``posts``: those shown or named then (a
    picture request must be for one of their pictures).
    """
    base = normalise_base_url(base_url)
    prefix = urlsplit(base).path
    parts = urlsplit(url)
    target = parts.path.removeprefix(prefix) + (f"?{parts.query}" if parts.query else "")
    what = f"{method} {url}"
    concerned = list(posts)
    candidates = [
        kind
        for kind in REQUESTS
        if kind.method == method
        and kind.path.fullmatch(target)
        and kind.host.allows(url, base)
        and (kind.addresses is None or any(url in kind.addresses(post, base) for post in concerned))
    ]
    if not candidates:
        return Verdict(None, (f"{what}: not a kind of request the list names",))
    if trigger is None:
        return Verdict(candidates[0], (f"{what}: sent when nothing that may send was done",))
    triggers = trigger if isinstance(trigger, tuple) else (trigger,)
    timely = [kind for kind in candidates if set(triggers) & set(kind.triggers)]
    if not timely:
        names = ", ".join(kind.name for kind in candidates)
        said = " or ".join(triggers)
        return Verdict(candidates[0], (f"{what}: a {names} request is not sent on {said}",))
    best: Verdict | None = None
    for kind in timely:
        problems = tuple(f"{what}: {p}" for p in _header_problems(kind, url, headers))
        if not problems:
            return Verdict(kind)
        best = best or Verdict(kind, problems)
    assert best is not None
    return best


@dataclass(frozen=True, slots=True)
class OpenerKind:
    """One way an address reaches the browser."""

    name: str
    how: str
    opens: str
    addresses: Callable[[Post], Iterable[str]] = field(repr=False)
    """The addresses this way may open for a post (only the http(s) ones are ever opened)."""


def _linked_or_post(post: Post) -> list[str]:
    linked = linked_page(post)
    return [linked.url if linked is not None else post.url]


def _post_only(post: Post) -> list[str]:
    return [post.url]


def _links_of(post: Post) -> list[str]:
    return [link.url for link in post_links(post)]


OPENERS: tuple[OpenerKind, ...] = (
    OpenerKind("o", "`o`", "the page a link post links to, else the post", _linked_or_post),
    OpenerKind("O", "`O`", "the post itself on the blog", _post_only),
    OpenerKind(
        "L",
        "`L`, then `enter` or `1`…`9`",
        "the chosen link of the open post, when it leads off the site or to a post not cached",
        _links_of,
    ),
    OpenerKind(
        "click",
        "a click on a link's address in the open post",
        "that link, as with `L` (only an address the post links to)",
        _links_of,
    ),
)

QUIET = (
    "Nothing else is sent. With `--offline` or `--demo` the reader sends nothing at all; "
    "`tui-reader tags`, `export`, `search`, `follow`, `unfollow` and `paths` send nothing. "
    "Reading a post fetches only its pictures on the site's hosts (above; with `--offline` "
    "they come from the picture store or not at all): never its links, nor a picture on "
    'another site\'s host before `I` (or `image_hosts = "all"`), nor any picture while '
    'pictures are off (`i`, `images = "off"`). Searching, `L`, `F`, `U`, `+`, `P` and '
    "quitting fetch nothing."
)
"""What sends nothing (the egress test's quiet steps)."""

REFUSED = (
    "Only http and https addresses with a host are ever opened: `javascript:`, `file:`, "
    "`data:`, `mailto:` and the rest are refused with a message. A link to a post of the blog "
    "that is cached opens in the reader, and a tag page switches to the tag (fetching its feed, "
    "as going to a tag does); neither reaches the browser. Nothing is opened at start-up or in "
    "the background, only on a key or a click, and each address is shown as it opens. Links "
    "are drawn as `text (address)`, never as terminal hyperlinks (OSC 8)."
)


def opener_kind(name: str) -> OpenerKind:
    """The way of opening called ``name``."""
    return next(kind for kind in OPENERS if kind.name == name)


def check_opened(url: str, opener: OpenerKind | None, posts: Iterable[Post]) -> tuple[str, ...]:
    """Hold one address handed to the browser to the list: ``opener`` is the way the user
    asked (None: none), ``posts`` those it may have been asked for."""
    if opener is None:
        return (f"opened {url} when nothing that opens was done",)
    if not is_web_url(url):
        return (f"opened {url}: not an http or https address",)
    if not any(url in opener.addresses(post) for post in posts):
        return (f"opened {url}: not an address {opener.name} opens for these posts",)
    return ()


def egress_markdown() -> str:
    """The README's tables: every kind of request, then every way of opening an address."""
    lines = [
        "| Request | To | Sent when | Headers |",
        "| --- | --- | --- | --- |",
    ]
    fixed: dict[str, list[str]] = {}
    for kind in REQUESTS:
        when = kind.when or "; ".join(TRIGGER_WORDS[trigger] for trigger in kind.triggers)
        to = f"{kind.host.name}: {kind.address}"
        names = ", ".join(f"`{name}`" for name in kind.headers)
        lines.append(f"| **{kind.name}**: {kind.what} | {to} | {when} | {names} |")
        for name, value in kind.headers.items():
            shown = value.replace(__version__, "<version>") if value is not None else None
            if shown is not None and shown not in fixed.setdefault(name, []):
                fixed[name].append(shown)
    hosts = dict.fromkeys(kind.host for kind in REQUESTS)
    lines.append("")
    lines += [f"- **{rule.name}**: {rule.words}." for rule in hosts]
    lines += [
        f"- `{name}` is always " + " or ".join(f"`{value}`" for value in values) + "."
        for name, values in fixed.items()
    ]
    lines += [
        "- `host` names the host the request goes to; `if-none-match` and `if-modified-since` "
        "carry the `ETag` and `Last-Modified` the site sent with the tag's last feed.",
        "- Never sent: " + ", ".join(f"`{name}`" for name in NEVER_SENT) + ".",
        "",
        QUIET,
        "",
        "| Opens in the browser | What |",
        "| --- | --- |",
    ]
    lines += [f"| {kind.how} | {kind.opens} |" for kind in OPENERS]
    lines += ["", REFUSED]
    return "\n".join(lines)
