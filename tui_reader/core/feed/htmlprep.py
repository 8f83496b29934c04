"""Prepare a parsed post body for Markdown conversion.

Everything here works on a BeautifulSoup tree in place and iteratively (no recursion), so
it is safe on any tree :func:`too_deep` accepts: it drops scripts and styles, makes links
and images absolute (or removes them when they are not http/https), turns embeds into
plain links, and repairs the site's blogmark quirks and old posts without ``<p>``.
"""

from __future__ import annotations

import re
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
_MARKDOWN_BREAKERS = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}
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
    return "".join(_MARKDOWN_BREAKERS.get(char, char) for char in url)


def prepare(soup: BeautifulSoup, base_url: str) -> None:
    """Rewrite ``soup`` in place so that markdownify produces safe, readable Markdown."""
    for element in soup.find_all(DROPPED):
        element.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    _collapse_spaces(soup)
    _fix_links(soup, base_url)
    _fix_images(soup, base_url)
    _replace_embeds(soup, base_url)
    _fix_via_lines(soup)
    for bold in soup.select("summary strong, summary b"):  # the summary is shown in bold
        bold.unwrap()
    for container in [soup, *soup.find_all("blockquote")]:
        _paragraphise(soup, container)


def _collapse_spaces(soup: BeautifulSoup) -> None:
    """Fold runs of spaces outside ``<pre>`` (HTML shows one anyway; markdownify's whitespace
    regex takes quadratic time on a long run without a newline)."""
    for text in soup.find_all(string=True):
        if _SPACE_RUN.search(text) and text.find_parent("pre") is None:
            text.replace_with(_SPACE_RUN.sub(" ", str(text)))


def _fix_links(soup: BeautifulSoup, base_url: str) -> None:
    for link in soup.find_all("a"):
        href = web_url(link.get("href"), base_url)
        if href is None:
            link.unwrap()
        else:
            link.attrs = {"href": href}


def _fix_images(soup: BeautifulSoup, base_url: str) -> None:
    for image in soup.find_all("img"):
        src = web_url(image.get("src"), base_url)
        alt = image.get("alt")
        alt_text = one_line(alt) if isinstance(alt, str) else ""
        if src is None:
            image.replace_with(soup.new_string(alt_text))
        else:
            image.attrs = {"src": src, "alt": alt_text}


def _replace_embeds(soup: BeautifulSoup, base_url: str) -> None:
    """``<iframe>``, ``<embed>``, ``<video>`` and ``<lite-youtube>`` become a plain link."""
    for embed in soup.find_all(["iframe", "embed", "video", "audio", "lite-youtube"]):
        href, label = _embed_target(embed, base_url)
        if href is None:
            embed.decompose()
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


def _fix_via_lines(soup: BeautifulSoup) -> None:
    """``<p><small></small>Via …</small></p>``: drop the empty ``<small>``, keep the text."""
    for small in soup.find_all("small"):
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
