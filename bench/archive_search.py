"""Benchmark the archive download and full-text search.

Run with ``uv run python bench/archive_search.py`` from the repository root (add ``--help``
for the sizes). It prints numbers; it is not a test.

1. **Archive**: ``archive_tag`` downloads a tag of 3,000 posts (``tests/sitefeeds.py``'s
   ``sample_posts``, every kind of post) from ``tests/site_server.py``'s site-shaped server on
   127.0.0.1, with pages of 1,000 and of 100 and no pause, into a fresh cache: the time per
   page and in all (fetch, parse, HTML→Markdown, merge and index), and the cache's size.
   The two test modules are imported from the repository (this script puts its root on
   ``sys.path``), so the benchmark exercises the same fake of the site as the tests.
2. **Search**: a cache of 20,000 posts with synthetic bodies of 1-20 KB (uniformly) of real
   English prose (windows of the Python documentation's text, so words have their natural
   frequencies), with Markdown links, emphasis and code, and topical words (llm, prompt,
   sqlite…) matching each post's tags, over 25 years and every kind. It is built through
   ``Store.merge`` (so through the index triggers) and kept in ``--db`` for later runs. Then
   ``search()`` is timed for varied queries exactly as the app calls it (20 results, with
   snippets and the match count): median and 90th percentile per query, and the median over
   all runs against the 50 ms budget.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import sitefeeds  # noqa: E402
from tests.site_server import SiteServer  # noqa: E402
from tui_reader.core.cache.search import search  # noqa: E402
from tui_reader.core.cache.store import Store  # noqa: E402
from tui_reader.core.models import Kind, Post  # noqa: E402
from tui_reader.core.net.archive import ArchiveOptions, ArchiveProgress, archive_tag  # noqa: E402

BUDGET_MS = 50.0
TOPICS = {
    "llms": "llm llms model models prompt prompts tokens claude gpt gemini context inference",
    "ai": "ai artificial intelligence training agents agent benchmark alignment",
    "sqlite": "sqlite database query queries fts5 index table datasette schema",
    "python": "python pip uv pytest asyncio package wheel venv decorator",
    "security": "injection exfiltration attack attacker sandbox vulnerability prompt",
    "javascript": "javascript browser node npm react dom fetch wasm",
    "embeddings": "embeddings vector vectors similarity cosine clustering semantic",
    "datasette": "datasette plugin plugins sqlite-utils csv json publish",
    "open-source": "license github repository contributors maintainer release",
    "photography": "camera lens photo photos exposure aperture pelican",
}
QUERIES: list[tuple[str, bool]] = [  # (query, prefix_last as the app's search-as-you-type)
    ("datasette", False),
    ("prompt injection", False),
    ('"prompt injection"', False),
    ("exfiltration sandbox", False),
    ("embed", True),
    ("sqlite -python", False),
    ("model tag:llms year:2024", False),
    ("kind:quote claude", False),
    ("tag:ai year:2023", False),
    ("interpreter", False),
    ("the", False),
]


def corpus_words() -> list[str]:
    """Real English prose: the words of Python's bundled documentation topics, in order."""
    from pydoc_data.topics import topics

    text = " ".join(topics.values())
    return re.findall(r"[A-Za-z][A-Za-z']+|\d+", text)


def synthetic_posts(count: int, seed: int = 7) -> list[Post]:
    """``count`` posts, bodies 1-20 KB of Markdown, spread over 2002-2026 and every kind."""
    rng = random.Random(seed)
    words = corpus_words()
    kinds = [Kind.ENTRY, Kind.LINK, Kind.QUOTATION, Kind.NOTE, Kind.BEAT, Kind.CHAPTER]
    weights = [3, 5, 2, 2, 1, 0.2]
    tags = list(TOPICS)
    start = datetime(2002, 6, 1, tzinfo=UTC)
    span = (datetime(2026, 3, 1, tzinfo=UTC) - start).total_seconds()
    posts = []
    for n in range(count):
        post_tags = rng.sample(tags, rng.randint(1, 3))
        topical = [w for tag in post_tags for w in TOPICS[tag].split()]
        target = rng.randint(1_000, 20_000)
        position = rng.randrange(len(words))
        paragraphs: list[str] = []
        size = 0
        while size < target:
            length = rng.randint(30, 120)
            if position + length >= len(words):
                position = rng.randrange(len(words) - 200)
            chunk = words[position : position + length]
            position += length
            chunk = [rng.choice(topical) if rng.random() < 0.02 else w for w in chunk]
            for _ in range(rng.randint(0, 2)):
                at = rng.randrange(len(chunk))
                style = rng.randrange(3)
                if style == 0:
                    chunk[at] = f"[{chunk[at]}](https://example.com/{n}/{chunk[at].lower()})"
                elif style == 1:
                    chunk[at] = f"**{chunk[at]}**"
                else:
                    chunk[at] = f"`{chunk[at]}`"
            paragraph = " ".join(chunk) + "."
            if rng.random() < 0.08:
                paragraph = "#### " + " ".join(chunk[:6])
            elif rng.random() < 0.05:
                paragraph = "> " + paragraph
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        markdown = "\n\n".join(paragraphs)
        title_words = words[rng.randrange(len(words) - 10) :][: rng.randint(3, 9)]
        title = " ".join([rng.choice(topical), *title_words]).capitalize()
        published = start + timedelta(seconds=span * (n / count) ** 0.6)
        url = f"https://simonwillison.net/{published:%Y/%b/%d}/post-{n}/"
        posts.append(
            Post(
                id=url,
                url=url,
                title=title,
                kind=rng.choices(kinds, weights)[0],
                published=published.replace(microsecond=0, second=0),
                tags=tuple(post_tags),
                html="<p>" + markdown.replace("\n\n", "</p>\n<p>") + "</p>",
                markdown=markdown,
            )
        )
    return posts


def bench_archive(posts: int) -> None:
    print(f"Archive: a tag of {posts:,} posts from tests/site_server.py on 127.0.0.1, no pause")
    fakes = sitefeeds.sample_posts("llms", n=posts)
    with SiteServer() as site, tempfile.TemporaryDirectory() as folder:
        site.add_tag("llms", fakes)
        for size in (1000, 100):
            path = Path(folder) / f"archive-{size}.sqlite3"
            marks: list[float] = []
            started = time.perf_counter()

            def on_progress(report: ArchiveProgress, marks: list[float] = marks) -> None:
                if report.fetched:
                    marks.append(time.perf_counter())

            with Store(path) as store:
                result = archive_tag(
                    store,
                    "llms",
                    base_url=site.url,
                    options=ArchiveOptions(page_size=size, pause=0),
                    on_progress=on_progress,
                )
            took = time.perf_counter() - started
            pages = [b - a for a, b in zip([started, *marks], marks, strict=False)]
            per_page = statistics.median(pages)
            print(
                f"  pages of {size:>4}: {result.pages:>2} pages, {result.posts:,} posts in"
                f" {took:5.1f} s ({result.posts / took:,.0f} posts/s;"
                f" median page {per_page:.2f} s); cache {path.stat().st_size / 1e6:.1f} MB"
            )
            # sample_posts repeats one slug on two dates; at this size both fall on one day,
            # so one entry is a duplicate id, which the parser skips (and counts).
            assert result.complete and result.posts + result.skipped == posts


def build_search_cache(path: Path, count: int, *, rebuild: bool) -> None:
    if path.exists() and not rebuild:
        with Store(path) as store:
            cached = int(store._select("SELECT count(*) FROM posts")[0][0])
        if cached == count:
            print(f"  reusing {path} ({count:,} posts; --rebuild to make it again)")
            return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    posts = synthetic_posts(count)
    generated = time.perf_counter()
    with Store(path) as store:
        for begin in range(0, count, 1000):
            batch = posts[begin : begin + 1000]
            for tag in TOPICS:  # like archives of each tag: memberships for every tag
                members = [p for p in batch if p.tags[0] == tag]
                if members:
                    store.merge(tag, members)
        store._select("PRAGMA wal_checkpoint(TRUNCATE)")
    built = time.perf_counter()
    sizes = [len(p.markdown) for p in posts]
    print(
        f"  {count:,} posts, bodies {min(sizes) / 1000:.1f}-{max(sizes) / 1000:.1f} KB"
        f" (mean {statistics.mean(sizes) / 1000:.1f} KB): generated in"
        f" {generated - started:.0f} s, merged and indexed in {built - generated:.0f} s"
    )


def bench_search(path: Path, count: int, runs: int, *, rebuild: bool) -> None:
    print(f"Search: {count:,} cached posts, {runs} runs per query, 20 results with snippets")
    build_search_cache(path, count, rebuild=rebuild)
    size = sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )
    print(f"  cache {size / 1e6:.0f} MB")
    every: list[float] = []
    medians: list[float] = []
    with Store(path) as store:
        print(f"  {'query':<30} {'median':>8} {'p90':>8} {'matches':>8}")
        for query, prefix_last in QUERIES:
            search(store, query, prefix_last=prefix_last)  # warm the page cache
            times = []
            total = 0
            for _ in range(runs):
                started = time.perf_counter()
                results = search(store, query, prefix_last=prefix_last)
                times.append((time.perf_counter() - started) * 1000)
                total = results.total or 0
            every += times
            median = statistics.median(times)
            medians.append(median)
            p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
            shown = query + (" (typing)" if prefix_last else "")
            print(f"  {shown:<30} {median:6.1f}ms {p90:6.1f}ms {total:>8,}")
    overall = statistics.median(every)
    verdict = "within" if overall <= BUDGET_MS else "OVER"
    print(
        f"  median over all {len(every)} searches: {overall:.1f} ms ({verdict} the"
        f" {BUDGET_MS:.0f} ms budget); slowest query median {max(medians):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive-posts", type=int, default=3000)
    parser.add_argument("--search-posts", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per query (default 15)")
    default_db = Path(tempfile.gettempdir()) / "tui-reader-bench-search.sqlite3"
    parser.add_argument(
        "--db", type=Path, default=default_db, help=f"the search cache (default {default_db})"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the search cache again")
    parser.add_argument("--skip-archive", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, SQLite {__import__('sqlite3').sqlite_version},"
        f" {os.cpu_count()} CPUs"
    )
    if not args.skip_archive:
        bench_archive(args.archive_posts)
    if not args.skip_search:
        bench_search(args.db, args.search_posts, args.runs, rebuild=args.rebuild)


if __name__ == "__main__":
    main()
