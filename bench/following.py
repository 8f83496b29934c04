"""Benchmark the followed tags' core: the overview, the unread list, related tags, and a
refresh of 30 followed tags answering 304.

Run with ``uv run python bench/following.py [--runs N]``. Uses (building it once) the synthetic
cache of ``bench/synthetic.py`` (20,000 posts, 30 tags), copied to a temporary file because
the runs record visits and read marks. Follows 50 tags: the cache's 30 and 20 it does not
have. Prints medians (min-max) in ms. Budgets (issue 12): the overview and the unread list
100 ms each for 50 tags on 20,000 posts; 30 tags on 304 within 2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import synthetic  # noqa: E402

from tests.site_server import SiteServer  # noqa: E402
from tests.sitefeeds import entry_post  # noqa: E402
from tui_reader.core.cache.store import Store  # noqa: E402
from tui_reader.core.net.follow import refresh_tags  # noqa: E402

FOLLOWED = [*synthetic.tag_names(), *(f"not-cached-{n:02d}" for n in range(20))]


def timed(label: str, action: Callable[[], object], runs: int) -> None:
    values = []
    result: object = None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        values.append((time.perf_counter() - started) * 1000)
    size = f"  ({len(result)} rows)" if isinstance(result, list) else ""
    median = statistics.median(values)
    print(f"{label:<52} {median:7.1f} ({min(values):.1f}-{max(values):.1f}) ms{size}")


def bench_cache(store: Store, runs: int) -> None:
    timed("tag_overview, 50 tags, never visited", lambda: store.tag_overview(FOLLOWED), runs)
    timed("unread_posts, 50 tags, all 20,000 unread", lambda: store.unread_posts(FOLLOWED), runs)
    timed("unread_posts, limit=250", lambda: store.unread_posts(FOLLOWED, limit=250), runs)
    timed("related_tags('llms')", lambda: store.related_tags(synthetic.BIG_TAG), runs)
    long_ago = datetime(2002, 1, 1, tzinfo=UTC)
    for tag in FOLLOWED:  # every unread post is then new: the most work for `new`
        store.visit_tag(tag, when=long_ago)
    timed("tag_overview, 50 tags, all visited, all new", lambda: store.tag_overview(FOLLOWED), runs)
    ids = [row[0] for row in store._select_tuples("SELECT id FROM posts")]
    with store._transaction() as conn:  # nine in ten read, as after a while of reading
        conn.executemany(
            "INSERT OR IGNORE INTO read_posts (post_id, read_at)"
            " VALUES (?, '2026-01-01T00:00:00Z')",
            [(post_id,) for n, post_id in enumerate(ids) if n % 10],
        )
    timed("tag_overview, 50 tags, 9 in 10 read", lambda: store.tag_overview(FOLLOWED), runs)
    timed("unread_posts, 50 tags, 9 in 10 read", lambda: store.unread_posts(FOLLOWED), runs)


def bench_refresh(runs: int) -> None:
    tags = [f"tag-{n:02d}" for n in range(30)]
    newest = datetime(2026, 1, 10, tzinfo=UTC)
    with SiteServer(answer_304=True) as site, tempfile.TemporaryDirectory() as folder:
        for tag in tags:
            posts = [
                entry_post(f"{tag}-{k}", f"{tag} {k}", newest - timedelta(days=k), (tag,))
                for k in range(30)
            ]
            site.add_tag(tag, posts)
        with Store(Path(folder) / "cache.sqlite3") as store:
            timed(
                "refresh_tags, 30 tags, first fetch (200s)",
                lambda: refresh_tags(store, tags, base_url=site.url, min_age=timedelta(0)),
                1,
            )
            timed(
                "refresh_tags, 30 tags answering 304",
                lambda: refresh_tags(store, tags, base_url=site.url, min_age=timedelta(0)),
                runs,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic cache again")
    args = parser.parse_args()
    shared = synthetic.shared_cache(args.rebuild)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "cache.sqlite3"
        shutil.copyfile(shared, copy)
        with Store(copy) as store:
            bench_cache(store, args.runs)
    bench_refresh(args.runs)


if __name__ == "__main__":
    main()
