"""Synthetic data shaped like simonwillison.net, for the benchmarks.

``build_cache`` writes a cache of 20,000 posts across 30 tags through the real ``Store.merge``:
the largest tag holds 5,000 posts, bodies run from 1 KB to 200 KB (most are short, as on the
site), dates go back to 2002. ``site_posts`` makes feed items (``tests.sitefeeds.FakePost``) with
the site's HTML body shapes, for the loopback server. Everything is deterministic (seeded).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.sitefeeds import FakePost, wrap_body
from tui_reader.core.cache.store import SCHEMA_VERSION, Store
from tui_reader.core.models import Kind, Post

BIG_TAG = "llms"
SMALL_TAG = "datasette"
LONG_TAG = "long-reads"
POSTS = 20_000
TAGS = 30
BIG_SIZE = 5_000
LONG_SIZES = {"5 KB": 5_000, "50 KB": 50_000, "200 KB": 200_000}
NEWEST = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
FIRST_TITLE = "Newest synthetic post: benchmark marker"

WORDS = [
    "model",
    "prompt",
    "tokens",
    "context",
    "window",
    "training",
    "data",
    "dataset",
    "license",
    "embedding",
    "vector",
    "search",
    "sqlite",
    "python",
    "tool",
    "agent",
    "evaluation",
    "benchmark",
    "release",
    "plugin",
    "browser",
    "terminal",
    "latency",
    "cache",
    "feed",
    "archive",
    "notes",
    "weblog",
    "quote",
    "link",
    "research",
    "paper",
    "open",
    "source",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def html_body(rng: random.Random, size: int) -> Iterator[str]:
    """Blocks of site-shaped HTML (paragraphs with links, headings, code, lists, quotes)."""
    length, n = 0, 0
    while length < size:
        n += 1
        choice = n % 7
        if choice == 0:
            block = f'<h4 id="s{n}">Section {n}: {rng.choice(WORDS)}</h4>'
        elif choice == 3:
            code = f"for row in rows:\n    print(row[{n}], {rng.choice(WORDS)!r})"
            block = f"<pre><code>{code}</code></pre>"
        elif choice == 5:
            items = "".join(f"<li>{_sentence(rng)}</li>" for _ in range(3))
            block = f"<ul>{items}</ul>"
        elif choice == 6:
            block = f"<blockquote><p>{_sentence(rng)} {_sentence(rng)}</p></blockquote>"
        else:
            href = f"https://simonwillison.net/2024/Mar/{n % 28 + 1}/x/"
            link = f'<a href="{href}">{rng.choice(WORDS)}</a>'
            code = f"<code>{rng.choice(WORDS)}</code>"
            block = f"<p>{_sentence(rng)} {link} {_sentence(rng)} {code} {_sentence(rng)}</p>"
        length += len(block)
        yield block


def markdown_body(rng: random.Random, size: int) -> str:
    """Markdown of about ``size`` characters, as the converter would store it."""
    parts: list[str] = []
    length, n = 0, 0
    while length < size:
        n += 1
        if n % 7 == 0:
            part = f"#### Section {n}: {rng.choice(WORDS)}"
        elif n % 7 == 3:
            part = f"```\nfor row in rows:\n    print(row[{n}])\n```"
        elif n % 7 == 5:
            part = "\n".join(f"- {_sentence(rng)}" for _ in range(3))
        else:
            href = f"https://simonwillison.net/2024/Mar/{n % 28 + 1}/x/"
            part = f"{_sentence(rng)} [{rng.choice(WORDS)}]({href}) {_sentence(rng)}"
        parts.append(part)
        length += len(part) + 2
    return "\n\n".join(parts)


def body_size(rng: random.Random) -> int:
    """1 KB to 200 KB: mostly short posts, a few very long ones."""
    roll = rng.random()
    if roll < 0.95:
        return rng.randint(1_000, 5_000)
    if roll < 0.995:
        return rng.randint(5_000, 50_000)
    return rng.randint(50_000, 200_000)


def tag_names() -> list[str]:
    """30 tags: the big one, a small one, the long-reads one, and 27 more."""
    return [BIG_TAG, SMALL_TAG, LONG_TAG, *(f"topic-{i:02d}" for i in range(TAGS - 3))]


def cache_posts() -> Iterator[tuple[str, Post]]:
    """(tag fetched under, post) for the 20,000 posts, newest first."""
    rng = random.Random(20_000)
    tags = tag_names()
    others = tags[3:]
    long_sizes = list(LONG_SIZES.values())
    step = (NEWEST - datetime(2002, 6, 12, tzinfo=UTC)) / POSTS
    for n in range(POSTS):
        when = NEWEST - step * n - timedelta(minutes=n % 17)
        slug = f"post-{n}"
        url = f"https://simonwillison.net/{when:%Y/%b}/{when.day}/{slug}/"
        if n < len(long_sizes):
            own, size = LONG_TAG, long_sizes[n]
        else:
            own, size = (BIG_TAG if n % 4 == 0 else rng.choice(others)), body_size(rng)
        post_tags = {own, rng.choice(others)}
        if n % 4 == 0:
            post_tags.add(BIG_TAG)
        if n % 200 == 0:
            post_tags.add(SMALL_TAG)
        title = FIRST_TITLE if n == 0 else f"{_sentence(rng)[:60]} ({n})"
        markdown = markdown_body(rng, size)
        yield (
            own,
            Post(
                id=url,
                url=url,
                title=title,
                kind=list(Kind)[n % 6],
                published=when,
                tags=tuple(sorted(post_tags)),
                html=f"<p>{markdown}</p>",
                markdown=markdown,
            ),
        )


def build_cache(path: Path) -> None:
    """Write the 20,000-post cache at ``path`` through ``Store.merge`` (500 posts a merge)."""
    with Store(path) as store:
        batch: dict[str, list[Post]] = {}
        for count, (tag, post) in enumerate(cache_posts(), start=1):
            batch.setdefault(tag, []).append(post)
            if count % 500 == 0:
                for batch_tag, posts in batch.items():
                    store.merge(batch_tag, posts, fetched_at=NEWEST)
                batch = {}
        for batch_tag, posts in batch.items():
            store.merge(batch_tag, posts, fetched_at=NEWEST)


def shared_cache(rebuild: bool = False) -> Path:
    """The synthetic cache shared by the benchmarks, in the temp folder (built once per schema
    version): ``…/tui-reader-bench-v<N>/tui-reader/cache.sqlite3``."""
    folder = Path(tempfile.gettempdir()) / f"tui-reader-bench-v{SCHEMA_VERSION}"
    database = folder / "tui-reader" / "cache.sqlite3"
    if rebuild or not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        for stale in database.parent.glob("cache.sqlite3*"):
            stale.unlink()
        started = time.perf_counter()
        print(f"building the synthetic cache in {database} …", file=sys.stderr)
        build_cache(database)
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return database


def site_posts(tag: str, count: int, *, seed: int = 7) -> list[FakePost]:
    """Feed items for the loopback server: the site's HTML shapes, bodies 1-20 KB."""
    rng = random.Random(seed)
    posts = []
    for n in range(count):
        when = NEWEST - timedelta(hours=13 * n)
        body = "".join(html_body(rng, rng.randint(1_000, 20_000)))
        posts.append(
            FakePost(
                f"bench-{n}",
                f"{_sentence(rng)[:70]} ({n})",
                "entry",
                when,
                (tag, rng.choice(WORDS)),
                wrap_body(body, (tag,)),
            )
        )
    return posts
