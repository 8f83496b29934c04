"""Benchmark switching tags from the cache, at 5,000 posts.

Run with ``uv run python bench/tag_switch.py [--runs N] [--posts N]``. Builds a cache file
in a temporary folder (a tag of ``--posts`` posts, a small tag of 30, posts shared between
them as on the site), opens the real app headless at 120x36 on the small tag, and measures,
for each run, the milliseconds from ``MainScreen.switch_tag`` to the big list being painted
(the list widget drawing its bottom visible row with the new posts). It also times the two
parts on their own: the SQLite read (``Store.list_posts``) and ``PostList.set_posts``.
Prints medians (min-max). Budget (issue 4): 100 ms for 5,000 posts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.strip import Strip

from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Kind, Post
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.post_list import PostList

BIG, SMALL = "big-tag", "small-tag"
KINDS = list(Kind)


def make_posts(count: int) -> list[Post]:
    """``count`` posts over the years, newest first; every 100th also carries SMALL."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    posts = []
    for n in range(count):
        when = start - timedelta(hours=30 * n)
        url = f"https://simonwillison.net/{when:%Y/%b}/{when.day}/post-{n}/"
        tags = (BIG, SMALL) if n % 100 == 0 else (BIG, "other")
        body = f"Post {n} body. " * 40
        posts.append(
            Post(url, url, f"Post {n}: notes on a tool", KINDS[n % 6], when, tags, body, body)
        )
    return posts


def summary(label: str, values: list[float]) -> str:
    """``label: median (min-max) ms``."""
    return f"{label:<34} {statistics.median(values):7.1f} ms  ({min(values):.1f}-{max(values):.1f})"


def timed(func: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times


PAINTED: list[float] = []
"""When the post list last drew its bottom row while showing the big tag."""


def record_paints() -> None:
    """Wrap ``PostList.render_line`` to note when the big list's last visible row is drawn."""
    original = PostList.render_line

    def render_line(self: PostList, y: int) -> Strip:
        strip = original(self, y)
        if y == self.size.height - 1 and len(self.posts) > 1_000:
            PAINTED.append(time.perf_counter())
        return strip

    PostList.render_line = render_line  # type: ignore[method-assign]


async def until(pilot: Pilot[None], done: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the switch did not finish")
        await asyncio.sleep(0.001)


async def measure_switches(
    path: Path, big_count: int, runs: int, *, big: str = BIG, small: str = SMALL
) -> list[float]:
    """Milliseconds from ``switch_tag(big)`` to the list's bottom row painted, per run."""
    store = Store(path)
    app = ReaderApp(store, small, base_url="https://simonwillison.net", offline=True)
    results = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for _ in range(runs):
            PAINTED.clear()
            start = time.perf_counter()
            screen.switch_tag(big)
            await until(pilot, lambda: bool(PAINTED))
            results.append((PAINTED[0] - start) * 1000)
            assert len(screen.post_list.posts) == big_count
            screen.switch_tag(small)
            await until(pilot, lambda: screen.tag == small)
            await pilot.pause(0.1)
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--posts", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cache.sqlite3"
        posts = make_posts(args.posts)
        with Store(path) as store:
            store.merge(BIG, posts)
            store.merge(SMALL, [p for p in posts if SMALL in p.tags])
        with Store(path) as store:
            read = timed(lambda: store.list_posts(BIG), args.runs)
        record_paints()
        switches = asyncio.run(measure_switches(path, args.posts, args.runs))
    print(f"tag switch from the cache, {args.posts:,} posts, {args.runs} runs, headless 120x36")
    print(summary("Store.list_posts (SQLite read)", read))
    print(summary("switch_tag to repainted list", switches))
    print(f"budget 100 ms: {'met' if statistics.median(switches) <= 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
