"""Whole-archive ingest against a peer: ``tui-reader fetch python --all`` and newsboat.

Both read the same loopback pages (``tests/site_server.py``): the ``python`` tag's whole
history, 1,872 site-shaped posts (:func:`archive_posts`) in two pages of 1,000, each run
into an empty cache. tui-reader runs as a user runs it (its command line, ``--pause 0``), up
to its end: fetched, parsed, stored, converted to Markdown and indexed for search. newsboat
(Debian's package) runs ``newsboat -x reload`` with a temporary configuration, URL list (the
two page addresses, as it does not follow ``Link`` headers) and cache; each run checks that
its ``cache.db`` holds every entry. Run alone with ``uv run python bench/archive_peer.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import random  # noqa: E402
from datetime import timedelta  # noqa: E402

import synthetic  # noqa: E402

from tests.site_server import SiteServer  # noqa: E402
from tests.sitefeeds import (  # noqa: E402
    FakePost,
    beat_post,
    blogmark_post,
    note_post,
    old_post,
    quotation_post,
    wrap_body,
)

TAG = "python"
POSTS = 1_872
PAGE = 1_000
BUDGET = 3.0
"""tui-reader's whole-archive ingest may take up to this many times newsboat's."""


def archive_posts(count: int = POSTS, *, seed: int = 14) -> list[FakePost]:
    """A tag's history as the site serves it, newest first: of every ten posts four entries
    (bodies mostly 1-5 KB, a few up to 200 KB: ``synthetic.body_size``), two link posts, a
    quotation, a note, a beat and a 2002-style post (no ``<p>``, relative links)."""
    rng = random.Random(seed)
    posts: list[FakePost] = []
    for n in range(count):
        when = synthetic.NEWEST - timedelta(hours=97 * n + n % 13)
        slug, title = f"{TAG}-{n}", f"{synthetic._sentence(rng)[:70]} ({n})"
        tags = (TAG, rng.choice(synthetic.WORDS))
        shape = n % 10
        if shape in (1, 5):
            posts.append(blogmark_post(slug, title, when, tags))
        elif shape == 2:
            posts.append(quotation_post(slug, f"Person {n}", when, tags))
        elif shape == 3:
            posts.append(note_post(slug, when, tags, title=title))
        elif shape == 7:
            posts.append(beat_post(slug, title, when, tags))
        elif shape == 9:
            posts.append(old_post(slug, title, when, tags))
        else:
            body = "".join(synthetic.html_body(rng, synthetic.body_size(rng)))
            posts.append(FakePost(slug, title, "entry", when, tags, wrap_body(body, tags)))
    return posts


def newsboat() -> str | None:
    """The ``newsboat`` program, or None when it is not installed."""
    return shutil.which("newsboat")


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv``: wall-clock ms, and CPU ms (user + system, its own children included)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({done.returncode}): {done.stderr[-800:]}")
    return elapsed, _children_cpu() - cpu


def run_reader(site: SiteServer) -> tuple[float, float]:
    """ms for ``tui-reader fetch python --all --pause 0`` into an empty cache."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        argv = [sys.executable, "-m", "tui_reader", "fetch", TAG, "--all", "--pause", "0"]
        argv += ["--base-url", site.url]
        times = _timed(argv, _env(home))
        database = home / "cache" / "tui-reader" / "cache.sqlite3"
        with closing(sqlite3.connect(database)) as conn:
            stored, empty = conn.execute(
                "SELECT count(*), sum(markdown = '') FROM posts"
            ).fetchone()
        assert (stored, empty) == (POSTS, 0), (stored, empty)
    return times


def run_newsboat(site: SiteServer, program: str) -> tuple[float, float]:
    """ms for ``newsboat -x reload`` of the two pages into an empty cache."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        urls = home / "urls"
        pages = -(-POSTS // PAGE)
        urls.write_text(
            "".join(
                f"{site.feed_url(TAG, size=PAGE)}\n"
                if page == 1
                else f"{site.feed_url(TAG, size=PAGE, page=page)}\n"
                for page in range(1, pages + 1)
            )
        )
        config = home / "config"
        config.write_text("max-items 0\nsuppress-first-reload yes\n")
        cache = home / "cache.db"
        argv = [program, "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"]
        times = _timed(argv, _env(home))
        with closing(sqlite3.connect(cache)) as conn:
            (stored,) = conn.execute("SELECT count(*) FROM rss_item").fetchone()
        assert stored == POSTS, stored
    return times


@dataclass
class PeerResult:
    """Wall-clock and CPU ms of each run; newsboat's are None when it is not installed."""

    reader_ms: list[float] = field(default_factory=list)
    reader_cpu: list[float] = field(default_factory=list)
    peer_ms: list[float] | None = None
    peer_cpu: list[float] | None = None

    @property
    def ratio(self) -> float | None:
        """tui-reader's median over newsboat's (wall clock)."""
        if not self.peer_ms:
            return None
        return statistics.median(self.reader_ms) / statistics.median(self.peer_ms)


def archive_peer(runs: int) -> PeerResult:
    """Both programs' runs, interleaved run by run, after one untimed run of each."""
    program = newsboat()
    result = PeerResult(peer_ms=[] if program else None, peer_cpu=[] if program else None)
    with SiteServer() as site:
        site.add_tag(TAG, archive_posts())
        run_reader(site)
        if program:
            run_newsboat(site, program)
        for _ in range(runs):
            ms, cpu = run_reader(site)
            result.reader_ms.append(ms)
            result.reader_cpu.append(cpu)
            if program and result.peer_ms is not None and result.peer_cpu is not None:
                ms, cpu = run_newsboat(site, program)
                result.peer_ms.append(ms)
                result.peer_cpu.append(cpu)
    return result


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}-{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = archive_peer(args.runs)
    print(
        f"tui-reader fetch {TAG} --all: {_stats(result.reader_ms)}, CPU {_stats(result.reader_cpu)}"
    )
    if result.peer_ms is None or result.peer_cpu is None:
        print("newsboat: not installed (skipped)")
        return
    print(f"newsboat -x reload: {_stats(result.peer_ms)}, CPU {_stats(result.peer_cpu)}")
    cpu_ratio = statistics.median(result.reader_cpu) / statistics.median(result.peer_cpu)
    print(f"ratio: {result.ratio:.2f} x (budget {BUDGET:.0f} x); CPU {cpu_ratio:.2f} x")


if __name__ == "__main__":
    main()
