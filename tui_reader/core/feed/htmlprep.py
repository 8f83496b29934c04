"""Prepare a parsed post body for Markdown conversion.

Everything here works on a BeautifulSoup tree in place and iteratively (no recursion), so
it is safe on any tree :func:`too_deep` accepts: it drops scripts and styles, makes links
and images absolute (or removes them when they are not http/https), turns embeds into
plain links, and repairs the site's blogmark quirks and old posts without ``<p>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString, PageElement

from ..urls import is_web_url
from .sanitize import one_line

DROPPED = ("script", "style", "noscript", "template", "object", "head", "title", "meta", "link")

# Elements that start a new block: loose text next to them is wrapped in its own <p>.
_BLOCK_NAMES = """address article aside blockquote dd details dialog div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody
td tfoot th thead tr ul"""
BLOCKS = frozenset(_BLOCK_NAMES.split())

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_URL_EDGES = "".join(map(chr, range(0x21)))
_URL_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_MARKDOWN_BREAKERS = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})
_YOUTUBE_ID = re.compile(r"[-_A-Za-z0-9]{6,20}")
_SPACE_RUN = re.compile(r"[ \t\f\v]{2,}")


def too_deep(root: Tag, limit: int) -> bool:
    """Whether any element of ``root`` is nested more than ``limit`` levels deep."""
    stack: list[tuple[Tag, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))
    return False


def web_url(raw: object, base_url: str) -> str | None:
    """``raw`` made absolute against ``base_url`` if it is an http(s) address, else None.

    Surrounding whitespace and all control characters are dropped first (browsers ignore
    them too, which is how ``java\\tscript:`` tricks work), and characters that would end
    a Markdown link destination (spaces, brackets) are percent-encoded.
    """
    if not isinstance(raw, str):
        return None
    value = _URL_CONTROLS.sub("", raw).strip(_URL_EDGES)
    if not value:
        return None
    try:
        url = urljoin(base_url, value)
    except ValueError:
        return None
    if not is_web_url(url):
        return None
    return url.translate(_MARKDOWN_BREAKERS)


@dataclass(slots=True)
class _Found:
    """The elements and texts :func:`prepare` rewrites, gathered in one walk of the tree."""

    dropped: list[Tag] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    texts: list[NavigableString] = field(default_factory=list)  # runs of spaces, not in <pre>
    links: list[Tag] = field(default_factory=list)
    images: list[Tag] = field(default_factory=list)
    embeds: list[Tag] = field(default_factory=list)
    smalls: list[Tag] = field(default_factory=list)
    summary_bold: list[Tag] = field(default_factory=list)
    blockquotes: list[Tag] = field(default_factory=list)


_EMBEDS = frozenset({"iframe", "embed", "video", "audio", "lite-youtube"})
_DROPPED = frozenset(DROPPED)


def _walk(soup: BeautifulSoup) -> _Found:
    """Everything :func:`prepare` rewrites, in document order, in one walk (the contents of
    dropped elements are not visited: they go with them)."""
    found = _Found()
    # (node, inside <pre>, inside <summary>), children pushed in reverse: document order.
    stack: list[tuple[PageElement, bool, bool]] = [(soup, False, False)]
    while stack:
        node, in_pre, in_summary = stack.pop()
        if isinstance(node, Tag):
            name = node.name
            if name in _DROPPED:
                found.dropped.append(node)
                continue
            if name == "a":
                found.links.append(node)
            elif name == "img":
                found.images.append(node)
            elif name in _EMBEDS:
                found.embeds.append(node)
            elif name == "small":
                found.smalls.append(node)
            elif name == "blockquote":
                found.blockquotes.append(node)
            elif in_summary and name in ("strong", "b"):
                found.summary_bold.append(node)
            in_pre = in_pre or name == "pre"
            in_summary = in_summary or name == "summary"
            stack.extend((child, in_pre, in_summary) for child in reversed(node.contents))
        elif isinstance(node, Comment):
            found.comments.append(node)
        elif isinstance(node, NavigableString) and not in_pre and _SPACE_RUN.search(node):
            found.texts.append(node)
    return found


def prepare(soup: BeautifulSoup, base_url: str) -> None:
    """Rewrite ``soup`` in place so that markdownify produces safe, readable Markdown."""
    found = _walk(soup)
    for element in found.dropped:
        element.decompose()
    for comment in found.comments:
        comment.extract()
    # Runs of spaces outside <pre> become one (HTML shows one anyway; markdownify's whitespace
    # regex takes quadratic time on a long run without a newline).
    for text in found.texts:
        text.replace_with(_SPACE_RUN.sub(" ", str(text)))
    _fix_links(found.links, base_url)
    _fix_images(soup, found.images, base_url)
    _unlink_images(found.links)
    _replace_embeds(soup, found.embeds, base_url)
    # Elements taken out of the tree above were extracted, not destroyed: rewriting one of
    # them (or what is inside) below changes nothing shown, and needs no check.
    _fix_via_lines(found.smalls)
    for bold in found.summary_bold:  # the summary is shown in bold
        bold.unwrap()
    for container in [soup, *found.blockquotes]:
        _paragraphise(soup, container)


def _fix_links(links: list[Tag], base_url: str) -> None:
    for link in links:
        href = web_url(link.get("href"), base_url)
        if href is None:
            link.unwrap()
        else:
            link.attrs = {"href": href}


def _fix_images(soup: BeautifulSoup, images: list[Tag], base_url: str) -> None:
    for image in images:
        src = web_url(image.get("src"), base_url)
        alt = image.get("alt")
        alt_text = one_line(alt) if isinstance(alt, str) else ""
        if src is None:
            image.replace_with(soup.new_string(alt_text))
        else:
            image.attrs = {"src": src, "alt": alt_text}


def _unlink_images(links: list[Tag]) -> None:
    """A link around nothing but an image of the same address is just the image: shown as a
    link too, its address would appear twice."""
    for link in links:
        if link.parent is None:
            continue  # unwrapped: not a link any more
        href = link.get("href")
        inside = [n for n in link.contents if isinstance(n, Tag) or n.get_text().strip()]
        if (
            len(inside) == 1
            and isinstance(inside[0], Tag)
            and inside[0].name == "img"
            and inside[0].get("src") == href
        ):
            link.unwrap()


def _replace_embeds(soup: BeautifulSoup, embeds: list[Tag], base_url: str) -> None:
    """``<iframe>``, ``<embed>``, ``<video>`` and ``<lite-youtube>`` become a plain link."""
    for embed in embeds:
        href, label = _embed_target(embed, base_url)
        if href is None:
            embed.extract()
            continue
        paragraph = soup.new_tag("p")
        link = soup.new_tag("a", href=href)
        link.string = label
        paragraph.append(link)
        embed.replace_with(paragraph)


def _embed_target(embed: Tag, base_url: str) -> tuple[str | None, str]:
    title = embed.get("title") or embed.get("playlabel")
    label = one_line(title, limit=120) if isinstance(title, str) and title.strip() else ""
    if embed.name == "lite-youtube":
        video_id = embed.get("videoid")
        if isinstance(video_id, str) and _YOUTUBE_ID.fullmatch(video_id):
            return f"https://www.youtube.com/watch?v={video_id}", label or "YouTube video"
        return None, ""
    src = embed.get("src")
    if src is None and embed.name in ("video", "audio"):
        source = embed.find("source", src=True)
        src = source.get("src") if isinstance(source, Tag) else None
    href = web_url(src, base_url)
    if href is None:
        return None, ""
    youtube = _youtube_watch_url(href)
    if youtube:
        return youtube, label or "YouTube video"
    noun = embed.name if embed.name in ("video", "audio") else "embedded page"
    return href, label or f"{noun.capitalize()}: {urlsplit(href).hostname}"


def _youtube_watch_url(url: str) -> str | None:
    """The watch page of a YouTube embed address, or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host in ("youtube.com", "youtube-nocookie.com") and parts.path.startswith("/embed/"):
        video_id = parts.path.removeprefix("/embed/").strip("/")
        if _YOUTUBE_ID.fullmatch(video_id):
            start = parse_qs(parts.query).get("start", [""])[0]
            suffix = f"&t={start}" if start.isdigit() else ""
            return f"https://www.youtube.com/watch?v={video_id}{suffix}"
    return None


def _fix_via_lines(smalls: list[Tag]) -> None:
    """``<p><small></small>Via …</small></p>``: drop the empty ``<small>``, keep the text."""
    for small in smalls:
        if not small.contents:
            small.decompose()
        elif small.get_text().strip().startswith("Via "):
            small.unwrap()


def _paragraphise(soup: BeautifulSoup, container: Tag) -> None:
    """Wrap loose text and inline elements between blocks in ``<p>`` elements.

    Repairs the blogmark paragraph that lost its ``<p>``, and splits old posts (no ``<p>``
    at all) into paragraphs at their blank lines.
    """
    runs: list[list[PageElement]] = [[]]
    for child in list(container.contents):
        if isinstance(child, Tag) and child.name in BLOCKS:
            runs.append([])
        else:
            runs[-1].append(child)
    for run in runs:
        if any(isinstance(n, Tag) or n.get_text().strip() for n in run):
            _wrap_run(soup, run)


def _wrap_run(soup: BeautifulSoup, run: list[PageElement]) -> None:
    paragraph = soup.new_tag("p")
    run[0].insert_before(paragraph)
    for node in run:
        if isinstance(node, NavigableString) and _BLANK_LINE.search(node):
            first, *rest = _BLANK_LINE.split(str(node))
            node.extract()
            paragraph.append(soup.new_string(first))
            for part in rest:
                new = soup.new_tag("p")
                paragraph.insert_after(new)
                paragraph = new
                paragraph.append(soup.new_string(part))
        else:
            paragraph.append(node)
