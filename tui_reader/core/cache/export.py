"""Write cached posts out as JSON Lines or Markdown (used by ``tui-reader export``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..models import Post


def _iso(post: Post) -> str:
    return post.published.strftime("%Y-%m-%dT%H:%M:%SZ")


def jsonl_lines(posts: Iterable[Post]) -> Iterator[str]:
    """One JSON object per post: id, url, title, kind, published (UTC), tags, markdown."""
    for post in posts:
        yield json.dumps(
            {
                "id": post.id,
                "url": post.url,
                "title": post.title,
                "kind": str(post.kind),
                "published": _iso(post),
                "tags": list(post.tags),
                "markdown": post.markdown,
            },
            ensure_ascii=False,
        )


def markdown_document(tag: str, posts: Iterable[Post]) -> Iterator[str]:
    """A single Markdown document: a heading per post, its metadata, then its body."""
    yield f"# Posts tagged “{tag}”\n"
    for post in posts:
        yield f"\n## {post.title}\n"
        yield f"\n*{post.kind} · {_iso(post)} · {', '.join(post.tags)}*  \n<{post.url}>\n"
        yield f"\n{post.markdown.strip()}\n"
