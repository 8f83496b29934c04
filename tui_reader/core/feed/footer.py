"""The site's tags footer, ``<p>Tags: <a …>…</a>, …</p>`` at the end of every body, which the
reader shows from the post's own tags instead (no BeautifulSoup here: parsing a feed without
converting it never imports the converter)."""

from __future__ import annotations

import re

# Written so that no run of spaces can be split two ways (no slow backtracking).
_FOOTER = re.compile(r"<p>\s*Tags:\s*(?:<a\s[^<>]*>[^<>]*</a>\s*(?:,\s*)?)*</p>\s*", re.IGNORECASE)


def strip_tags_footer(html: str) -> str:
    """``html`` without its final ``<p>Tags: <a …>…</a>, …</p>`` paragraph, trimmed.

    The footer is removed only when it is the last thing in the body; surrounding
    whitespace is stripped either way.
    """
    start = html.rfind("<p>Tags:")
    if start >= 0 and _FOOTER.fullmatch(html, start):
        html = html[:start]
    return html.strip()
