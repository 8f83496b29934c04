"""Build Atom feeds shaped like simonwillison.net's tag feeds (see shared/SITE.md).

All the text here is invented; only the *structure* follows the site: the compact one-line XML,
the shared feed ``<id>``, ``#atom-tag`` permalinks, ``<summary type="html">`` holding the whole
XML-escaped body with leading/trailing whitespace and a ``Tags:`` footer, one ``<category>`` per
tag, and each kind of post's HTML quirks.

``FakePost.body_html`` is what ends up (escaped) inside ``<summary>``, verbatim: the factory
helpers below add the whitespace and the footer; ``wrap_body`` does it for hand-made bodies.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr

SITE = "https://simonwillison.net"
FEED_SITE = "http://simonwillison.net"

Kind = Literal["entry", "blogmark", "quotation", "note", "beat", "guide", "old"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A timezone-aware UTC datetime (the site's timestamps have whole minutes)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def atom_date(when: datetime) -> str:
    """``2023-11-15T21:31:00+00:00``: the site's ``<published>``/``<updated>`` format."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def date_path(when: datetime) -> str:
    """``2023/Nov/15``: the date part of a permalink (UTC, day without a leading zero)."""
    when = when.astimezone(UTC)
    return f"{when.year}/{MONTHS[when.month - 1]}/{when.day}"


def permalink(slug: str, when: datetime) -> str:
    """``https://simonwillison.net/2023/Nov/15/slug/``."""
    return f"{SITE}/{date_path(when)}/{slug}/"


def ordinal(day: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``…"""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{({1: 'st', 2: 'nd', 3: 'rd'}).get(day % 10, 'th')}"


def note_title(when: datetime) -> str:
    """``Note on 5th March 2026``: the title of an untitled note."""
    when = when.astimezone(UTC)
    return f"Note on {ordinal(when.day)} {MONTH_NAMES[when.month - 1]} {when.year}"


def tags_footer(tags: Iterable[str]) -> str:
    """``<p>Tags: <a href="https://simonwillison.net/tags/ai">ai</a>, …</p>``."""
    links = ", ".join(f'<a href="{SITE}/tags/{tag}">{tag}</a>' for tag in tags)
    return f"<p>Tags: {links}</p>"


def wrap_body(inner_html: str, tags: Iterable[str]) -> str:
    """The stored body as the feed carries it: whitespace, content, ``Tags:`` footer, whitespace."""
    return f"\n    {inner_html}\n\n    {tags_footer(tags)}\n\n"


@dataclass(frozen=True)
class FakePost:
    """One item of a tag feed.

    ``body_html`` is put in ``<summary>`` verbatim (escaped). ``url`` overrides the dated
    permalink (guide chapters have undated URLs); ``old_style_id`` makes the feed use the
    pre-December-2023 ``http://…#atom-tag`` form of the link and id.
    """

    slug: str
    title: str
    kind: Kind
    published: datetime
    tags: tuple[str, ...]
    body_html: str
    old_style_id: bool = False
    url: str | None = None

    def __post_init__(self) -> None:
        if self.published.tzinfo is None:
            object.__setattr__(self, "published", self.published.replace(tzinfo=UTC))
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def permalink(self) -> str:
        """The normalised identity: https, no fragment."""
        return self.url or permalink(self.slug, self.published)

    def atom_id(self, suffix: str = "#atom-tag") -> str:
        """The link/id as a feed carries it (``suffix`` is ``#atom-everything`` site-wide)."""
        url = self.permalink
        if self.old_style_id and url.startswith("https://"):
            url = "http://" + url.removeprefix("https://")
        return url + suffix


# ---------------------------------------------------------------------------------------------
# One factory per kind of item.


def entry_post(
    slug: str,
    title: str,
    published: datetime,
    tags: Sequence[str],
    *,
    paragraphs: int = 4,
    old_style_id: bool = False,
) -> FakePost:
    """A long-form article: paragraphs, an ``<h4 id>``, ``<pre><code>``, an image with long alt
    text, a table, a ``<details>`` element and a ``<lite-youtube>`` embed."""
    filler = (
        "<p>The lantern keepers of the northern harbour wrote every tide into a ledger, and "
        "this paragraph is about as interesting as one of their entries, number {n}.</p>"
    )
    parts = [f"<p>This is the opening of <em>{html.escape(title)}</em>, invented for tests.</p>"]
    parts += [filler.format(n=n) for n in range(1, paragraphs + 1)]
    parts.append('<h4 id="a-heading">A heading with an anchor</h4>')
    parts.append(
        "<pre><code>def count_lanterns(harbour):\n    return sum(1 for l in harbour if l &gt; 0)\n"
        "</code></pre>"
    )
    parts.append(
        '<div class="highlight highlight-source-python"><pre><span class="pl-k">import</span> '
        '<span class="pl-s1">tides</span></pre></div>'
    )
    parts.append(
        '<p><img src="https://static.simonwillison.net/static/2024/lantern.jpg" alt="A '
        "photograph of seven brass lanterns arranged on a wooden shelf, the third one dented, "
        "with a handwritten label reading &quot;do not polish&quot; taped underneath and a cat "
        'asleep in the corner of the frame" style="max-width: 100%;" /></p>'
    )
    parts.append(
        "<table><thead><tr><th>Harbour</th><th>Lanterns</th></tr></thead><tbody>"
        "<tr><td>North</td><td>7</td></tr><tr><td>South &amp; East</td><td>12</td></tr>"
        "</tbody></table>"
    )
    parts.append(
        "<details><summary>Full ledger</summary><p>Tuesday: three lanterns, one gull.</p></details>"
    )
    parts.append('<p><lite-youtube videoid="abc123XYZ" title="A talk"></lite-youtube></p>')
    return FakePost(
        slug,
        title,
        "entry",
        published,
        tuple(tags),
        wrap_body("\n".join(parts), tags),
        old_style_id=old_style_id,
    )


def blogmark_post(
    slug: str,
    title: str,
    published: datetime,
    tags: Sequence[str],
    *,
    link_url: str = "https://example.com/a-linked-article",
    via_url: str = "https://news.ycombinator.com/item?id=1",
    old_style_id: bool = False,
) -> FakePost:
    """A link post, with the site's quirks: the first commentary paragraph lost its opening
    ``<p>`` but kept ``</p>``, and the via line is ``<p><small></small>Via …</small></p>``."""
    inner = (
        f'<p><strong><a href="{html.escape(link_url)}">{html.escape(title)}</a></strong></p>\n'
        "Commentary on the linked page: it describes a lighthouse run entirely by volunteers.</p>\n"
        "<p>A second paragraph of commentary, with <code>inline code</code>.</p>\n"
        f'<p><small></small>Via <a href="{html.escape(via_url)}">Hacker News</a></small></p>'
    )
    return FakePost(
        slug,
        title,
        "blogmark",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        old_style_id=old_style_id,
    )


def quotation_post(
    slug: str,
    source: str,
    published: datetime,
    tags: Sequence[str],
    *,
    quote: str = "Some quoted words about tides and lanterns.",
    source_url: str = "https://example.com/post",
    context: str = "on a topic",
    old_style_id: bool = False,
) -> FakePost:
    """``Quoting <source>``: a blockquote with ``cite`` and a ``<p class="cite">&mdash; …</p>``."""
    url = html.escape(source_url)
    inner = (
        f'<blockquote cite="{url}"><p>{html.escape(quote)}</p></blockquote>\n'
        f'<p class="cite">&mdash; <a href="{url}">{html.escape(source)}</a>, '
        f"{html.escape(context)}</p>"
    )
    return FakePost(
        slug,
        f"Quoting {source}",
        "quotation",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        old_style_id=old_style_id,
    )


def note_post(
    slug: str,
    published: datetime,
    tags: Sequence[str],
    *,
    title: str | None = None,
    text: str = "A short note: the tide came in *twice* today, which seems excessive.",
    old_style_id: bool = False,
) -> FakePost:
    """A note; untitled notes are called ``Note on 5th March 2026``."""
    inner = f"<p>{html.escape(text)}</p>"
    return FakePost(
        slug,
        title or note_title(published),
        "note",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        old_style_id=old_style_id,
    )


def beat_post(
    slug: str,
    title: str,
    published: datetime,
    tags: Sequence[str],
    *,
    beat: str = "TIL",
    external_url: str = "https://til.example.org/tides/counting",
    note: str | None = "A short note about it.",
    old_style_id: bool = False,
) -> FakePost:
    """A beat (TIL, release, tool…): ``<p><strong>TIL:</strong> <a href="EXTERNAL">…</a></p>``
    plus an optional note; the entry's own link is the blog page."""
    inner = (
        f"<p><strong>{html.escape(beat)}:</strong> "
        f'<a href="{html.escape(external_url)}">{html.escape(title)}</a></p>'
    )
    if note:
        inner += f"\n<p>{html.escape(note)}</p>"
    return FakePost(
        slug,
        title,
        "beat",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        old_style_id=old_style_id,
    )


def guide_chapter_post(
    guide: str,
    chapter: str,
    title: str,
    published: datetime,
    tags: Sequence[str],
    *,
    guide_title: str = "A Guide to Lanterns",
    old_style_id: bool = False,
) -> FakePost:
    """A guide chapter: undated URL ``/guides/<guide>/<chapter>/`` and a breadcrumb paragraph."""
    inner = (
        f'<p><em><a href="{SITE}/guides/{guide}/">{html.escape(guide_title)}</a> &gt;</em></p>\n'
        f"<p>This chapter, {html.escape(title)}, explains how to trim a wick.</p>"
    )
    return FakePost(
        chapter,
        title,
        "guide",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        url=f"{SITE}/guides/{guide}/{chapter}/",
        old_style_id=old_style_id,
    )


def old_post(
    slug: str,
    title: str,
    published: datetime,
    tags: Sequence[str],
    old_style_id: bool = False,
) -> FakePost:
    """A 2002-style entry: no ``<p>``, ``\\r\\n`` line breaks, curly quotes and dashes, a dead
    image host, relative and protocol-relative links."""
    inner = (
        "I\u2019ve been playing with \u201cweblogs\u201d again \u2014 see "
        '<a href="/2002/Jun/1/earlier/">my earlier post</a>\r\n'
        'and <a href="//example.org/page">this page</a>.\r\n<br>\r\n'
        '<img src="http://images.dead-host.example/pic.gif">\r\nMore text&hellip;'
    )
    return FakePost(
        slug,
        title,
        "old",
        published,
        tuple(tags),
        wrap_body(inner, tags),
        old_style_id=old_style_id,
    )


# ---------------------------------------------------------------------------------------------
# The feed.


def _text(value: str) -> str:
    return _xml_escape(value)


def feed_title(tag: str) -> str:
    """``Simon Willison's Weblog: <tag>``; ``a+b`` becomes ``a, b``."""
    return "Simon Willison's Weblog: " + ", ".join(tag.split("+"))


def build_feed(
    tag: str,
    posts: Sequence[FakePost],
    *,
    site: str = FEED_SITE,
    id_suffix: str = "#atom-tag",
    self_path: str | None = None,
    title: str | None = None,
) -> bytes:
    """One page of a tag feed, exactly in the site's compact one-line shape, as UTF-8 bytes.

    Posts are written in the order given (the site's is newest first). ``<updated>`` is the
    newest ``published`` among them. ``id_suffix`` is ``#atom-tag`` (``#atom-everything`` for
    the site-wide feed; ``""`` for the post-August-2026 form).
    """
    site = site.rstrip("/")
    newest = max((p.published for p in posts), default=utc(2002, 6, 12))
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    out.append('<feed xml:lang="en-us" xmlns="http://www.w3.org/2005/Atom">')
    out.append(f"<title>{_text(title if title is not None else feed_title(tag))}</title>")
    out.append(f'<link href={quoteattr(site + "/")} rel="alternate"/>')
    self_href = site + (self_path if self_path is not None else f"/tags/{tag}.atom")
    out.append(f'<link href={quoteattr(self_href)} rel="self"/>')
    out.append(f"<id>{_text(site)}/</id>")
    out.append(f"<updated>{atom_date(newest)}</updated>")
    out.append("<author><name>Simon Willison</name></author>")
    for post in posts:
        ident = post.atom_id(id_suffix)
        when = atom_date(post.published)
        out.append("<entry>")
        out.append(f"<title>{_text(post.title)}</title>")
        out.append(f'<link href={quoteattr(ident)} rel="alternate"/>')
        out.append(f"<published>{when}</published><updated>{when}</updated>")
        out.append(f"<id>{_text(ident)}</id>")
        out.append(f'<summary type="html">{_text(post.body_html)}</summary>')
        out.extend(f"<category term={quoteattr(t)}/>" for t in post.tags)
        out.append("</entry>")
    out.append("</feed>")
    return "".join(out).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# A deterministic sample tag.

TRICKY_TITLES = (
    "Lanterns & tides: <notes> on \u201ccounting\u201d",
    'Don\'t say "never" \u2014 a non\u2011breaking hyphen',
    "Tide tables \U0001f30a and \U0001f3ee emoji",
)

OTHER_TAGS = ("ai", "llms", "generative-ai", "ethics", "python", "datasets")


def sample_posts(tag: str = "training-data", n: int = 45) -> list[FakePost]:
    """``n`` posts carrying ``tag``, newest first, a fixed mix of every kind, spread over 2026,
    2025, 2024, 2023, 2019 and 2002. Includes tricky titles (``&``, ``<``, quotes, U+2011,
    emoji), an untitled note, a guide chapter, a 2002-style post and a slug that repeats on
    two different dates. Deterministic: the same arguments give the same posts."""
    years = (2026, 2025, 2024, 2023, 2019, 2002)
    # Spread n posts across the years: most in recent years, a couple in the old ones.
    weights = (6, 6, 5, 5, 2, 1)
    total = sum(weights)
    counts = [n * w // total for w in weights]
    i = 0
    while sum(counts) < n:
        counts[i % len(counts)] += 1
        i += 1
    dates: list[datetime] = []
    for year, count in zip(years, counts, strict=True):
        start = utc(year, 12, 20, 21, 31) if year != 2026 else utc(2026, 3, 5, 21, 31)
        span = timedelta(days=60 if year == 2026 else 330)  # stays inside the year
        step = timedelta(minutes=int(span.total_seconds()) // 60 // max(count, 1))
        for k in range(count):
            dates.append(start - step * k - timedelta(minutes=k % 7))
    kinds: tuple[Kind, ...] = ("entry", "blogmark", "quotation", "note", "beat", "blogmark")
    posts: list[FakePost] = []
    for index, when in enumerate(dates):
        extra = OTHER_TAGS[index % len(OTHER_TAGS)]
        tags = (extra, tag) if index % 3 else (tag, "ai", extra) if extra != "ai" else (tag, "ai")
        slug = f"lantern-{index + 1}"
        if index == 1:
            slug = "lantern-repeat"
        elif index == 7:
            slug = "lantern-repeat"  # same slug, different date: a different post
        if when.year == 2002:
            posts.append(old_post(slug, f"Weblog musings {index + 1}", when, tags))
            continue
        if index == 5:
            posts.append(
                guide_chapter_post("lanterns", f"chapter-{index}", "Trimming wicks", when, tags)
            )
            continue
        if index < len(TRICKY_TITLES) * 4 and index % 4 == 2:
            posts.append(entry_post(slug, TRICKY_TITLES[index // 4], when, tags))
            continue
        kind = kinds[index % len(kinds)]
        if kind == "entry":
            posts.append(entry_post(slug, f"Long read number {index + 1}", when, tags))
        elif kind == "blogmark":
            posts.append(
                blogmark_post(
                    slug,
                    f"A linked page, number {index + 1}",
                    when,
                    tags,
                    link_url=f"https://example.com/linked/{index + 1}",
                )
            )
        elif kind == "quotation":
            posts.append(quotation_post(slug, f"Person Number {index + 1}", when, tags))
        elif kind == "note":
            title = None if index % 2 else f"A titled note {index + 1}"
            posts.append(note_post(slug, when, tags, title=title))
        else:
            posts.append(
                beat_post(
                    slug,
                    f"Counting tides, part {index + 1}",
                    when,
                    tags,
                    external_url=f"https://til.example.org/tides/{index + 1}",
                )
            )
    posts.sort(key=lambda p: p.published, reverse=True)
    return posts
