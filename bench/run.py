"""The benchmark suite: the real code paths on a 20,000-post cache, against floors measured here.

Run with ``uv run python bench/run.py [--runs N]``. It builds (once, then reuses) a synthetic
cache shaped like the site (``bench/synthetic.py``: 20,000 posts, 30 tags, the largest 5,000,
bodies 1-200 KB), then prints one table of medians (min-max) over ``--runs`` runs:

- cold start: ``python -m tui_reader llms --offline`` in a real pseudo-terminal, from spawn to
  the first post title appearing in the bytes written to the terminal; the floor is a bare
  Textual app painting one label (``bench/bare_app.py``), spawned the same way in the same run.
  Both run from compiled bytecode (one untimed start each first; ``PYTHONDONTWRITEBYTECODE`` is
  dropped for them), as every start after the first does on a user's machine.
- switch to the 5,000-post tag, to the list's bottom row repainted (headless app).
- open a post of 5 / 50 / 200 KB to its first screen: from choosing it in the list to the
  reading pane painting body lines (headless app; the post is read from SQLite each time).
- one ``j`` at 5,000 rows: from the cursor move to the new cursor row repainted.
- refresh of a 30-post page from a loopback server (``tests/site_server.py``) into a fresh
  cache: ``refresh_tag`` end to end; the floor is ``feedparser.parse`` of the same bytes.
- ingest of a 1,000-post page (``?size=1000``): fetch + parse + store as an archive page is
  ingested, ms per post; the floor is feedparser's parse of the same bytes. The Markdown
  conversion that follows in the background (``convert_pending``) is reported on its own row.
- peak memory (VmHWM) of the cold-start processes: the app with the 5,000-post tag open, and
  the bare app.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import platform
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import feedparser  # noqa: E402
import httpx  # noqa: E402
import synthetic  # noqa: E402
from tag_switch import measure_switches, record_paints, until  # noqa: E402
from textual.strip import Strip  # noqa: E402

from tests.site_server import SiteServer  # noqa: E402
from tui_reader.app import ReaderApp  # noqa: E402
from tui_reader.core.cache.markdown_backfill import convert_pending  # noqa: E402
from tui_reader.core.cache.store import SCHEMA_VERSION, Store  # noqa: E402
from tui_reader.core.feed.parse import parse_feed  # noqa: E402
from tui_reader.core.net.fetch import fetch_feed, new_client  # noqa: E402
from tui_reader.core.net.refresh import refresh_tag  # noqa: E402
from tui_reader.screens.main import MainScreen  # noqa: E402
from tui_reader.widgets.post_list import PostList  # noqa: E402
from tui_reader.widgets.reading_pane import ReadingPane  # noqa: E402

SIZE = (120, 36)
Row = tuple[str, list[float], str, str]  # measure, values, unit, budget text


# -- helpers ----------------------------------------------------------------------------------


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def cache_folder(rebuild: bool) -> Path:
    """A folder holding ``tui-reader/cache.sqlite3`` with the synthetic cache (built once)."""
    folder = Path(tempfile.gettempdir()) / f"tui-reader-bench-v{SCHEMA_VERSION}"
    database = folder / "tui-reader" / "cache.sqlite3"
    if rebuild or not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        for stale in database.parent.glob("cache.sqlite3*"):
            stale.unlink()
        started = time.perf_counter()
        print(f"building the synthetic cache in {database} …", file=sys.stderr)
        synthetic.build_cache(database)
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder


def run_in_pty(
    argv: list[str], env: dict[str, str], marker: bytes, quit_key: bytes
) -> tuple[float, int]:
    """Spawn ``argv`` in a 120x36 pseudo-terminal: ms until ``marker`` is written, peak RSS KB."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    seen = b""
    elapsed: float | None = None
    deadline = started + 60
    try:
        while elapsed is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{argv} never painted {marker!r}")
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"{argv} exited early: {seen[-500:]!r}")
                seen += chunk
                if marker in seen:
                    elapsed = (time.perf_counter() - started) * 1000
        _drain(fd, 1.0)  # let start-up work (the first post's rendering) finish
        peak = _peak_rss(pid)
        os.write(fd, quit_key)
        _drain(fd, 3.0, pid=pid)
    finally:
        _stop(pid)
        os.close(fd)
    return elapsed, peak


def _drain(fd: int, seconds: float, *, pid: int | None = None) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if pid is not None and os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                if not os.read(fd, 1 << 16):
                    return
            except OSError:
                return


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _stop(pid: int) -> None:
    try:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- measures ---------------------------------------------------------------------------------


def cold_starts(folder: Path, runs: int) -> tuple[list[float], list[float], list[int], list[int]]:
    """App and bare-app start-up (ms) and peak memory (KB), interleaved run by run."""
    empty = Path(tempfile.mkdtemp())
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": str(folder),
        "XDG_CONFIG_HOME": str(empty / "config"),
        "XDG_STATE_HOME": str(empty / "state"),
    }
    app_argv = [sys.executable, "-m", "tui_reader", synthetic.BIG_TAG, "--offline"]
    bare_argv = [sys.executable, str(HERE / "bare_app.py")]
    app_ms, bare_ms, app_kb, bare_kb = [], [], [], []
    marker = synthetic.FIRST_TITLE.split(":")[0].encode()
    # One untimed start of each first, so both run from compiled bytecode (as a user's second
    # start does) rather than compiling every module from source.
    run_in_pty(bare_argv, env, b"BARE-APP-READY", b"\x11")
    run_in_pty(app_argv, env, marker, b"q")
    for _ in range(runs):
        ms, kb = run_in_pty(bare_argv, env, b"BARE-APP-READY", b"\x11")
        bare_ms.append(ms)
        bare_kb.append(kb)
        ms, kb = run_in_pty(app_argv, env, marker, b"q")
        app_ms.append(ms)
        app_kb.append(kb)
    return app_ms, bare_ms, app_kb, bare_kb


async def open_posts(database: Path, runs: int) -> dict[str, list[float]]:
    """Choose each long post in the list; ms until the pane paints its body."""
    store = Store(database)
    app = ReaderApp(store, synthetic.LONG_TAG, base_url="https://simonwillison.net", offline=True)
    painted: list[float] = []
    original = ReadingPane.render_line

    def render_line(self: ReadingPane, y: int) -> Strip:
        strip = original(self, y)
        if self.body_line_count and not painted:
            painted.append(time.perf_counter())
        return strip

    ReadingPane.render_line = render_line  # type: ignore[method-assign]
    results: dict[str, list[float]] = {label: [] for label in synthetic.LONG_SIZES}
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            ids = {p.id: p for p in screen.post_list.posts}
            by_size = {}
            for post_id in ids:
                post = store.get_post(post_id)
                assert post is not None
                for label, size in synthetic.LONG_SIZES.items():
                    if abs(len(post.markdown) - size) < size * 0.1:
                        by_size[label] = post_id
            pane = screen.reading_pane
            for _ in range(runs):
                for label, post_id in by_size.items():
                    pane.clear_cache()
                    await pilot.pause(0.2)
                    painted.clear()
                    start = time.perf_counter()
                    screen.post_list.select_post(post_id)
                    screen.post_list.action_select()
                    await until(pilot, lambda: bool(painted))
                    results[label].append((painted[0] - start) * 1000)
                    await app.workers.wait_for_complete()
    finally:
        ReadingPane.render_line = original  # type: ignore[method-assign]
        store.close()
    return results


async def j_presses(database: Path, presses: int) -> list[float]:
    """``j`` in the 5,000-post list: ms from the cursor move to the new row repainted."""
    store = Store(database)
    app = ReaderApp(store, synthetic.BIG_TAG, base_url="https://simonwillison.net", offline=True)
    painted: list[float] = []
    original = PostList.render_line

    def render_line(self: PostList, y: int) -> Strip:
        strip = original(self, y)
        if self.scroll_offset.y + y == self.highlighted and not painted:
            painted.append(time.perf_counter())
        return strip

    PostList.render_line = render_line  # type: ignore[method-assign]
    results = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            assert len(screen.post_list.posts) == synthetic.BIG_SIZE
            for _ in range(presses):
                painted.clear()
                start = time.perf_counter()
                screen.post_list.action_cursor_down()
                await until(pilot, lambda: bool(painted))
                results.append((painted[0] - start) * 1000)
                await pilot.pause(0.01)
    finally:
        PostList.render_line = original  # type: ignore[method-assign]
        store.close()
    return results


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def refreshes(
    runs: int,
) -> tuple[list[float], list[float], list[float], list[float], list[float], int]:
    """30-post refresh vs feedparser; 1,000-post ingest vs feedparser, and the background
    Markdown conversion of those posts (ms per post)."""
    refresh_ms, floor_ms, ingest_ms, ingest_floor, convert_ms = [], [], [], [], []
    with SiteServer() as site, tempfile.TemporaryDirectory() as folder, new_client() as client:
        site.add_tag("bench", synthetic.site_posts("bench", 30))
        site.add_tag("big-feed", synthetic.site_posts("big-feed", 1_000, seed=11))
        page = httpx.get(site.feed_url("bench")).content
        big_url = site.feed_url("big-feed", size=1_000)
        big_page = httpx.get(big_url).content
        for run in range(runs):
            floor_ms.append(timed(lambda: feedparser.parse(page)))
            with Store(Path(folder) / f"refresh-{run}.sqlite3") as store:
                refresh_ms.append(
                    timed(lambda: refresh_tag(store, "bench", base_url=site.url, client=client))
                )
                assert len(store.list_posts("bench")) == 30
            ingest_floor.append(timed(lambda: feedparser.parse(big_page)) / 1_000)
            with Store(Path(folder) / f"ingest-{run}.sqlite3") as store:

                def ingest() -> None:  # as an archive page is ingested
                    response = fetch_feed(client, big_url, tag="big-feed")
                    parsed = parse_feed(response.body, source_url=big_url, convert=False)
                    store.merge("big-feed", parsed.posts)

                ingest_ms.append(timed(ingest) / 1_000)
                assert len(store.list_posts("big-feed")) == 1_000
                convert_ms.append(timed(lambda: convert_pending(store)) / 1_000)
    return refresh_ms, floor_ms, ingest_ms, ingest_floor, convert_ms, len(page)


# -- the table --------------------------------------------------------------------------------


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the synthetic cache")
    args = parser.parse_args()
    runs = args.runs
    folder = cache_folder(args.rebuild)
    database = folder / "tui-reader" / "cache.sqlite3"

    app_ms, bare_ms, app_kb, bare_kb = cold_starts(folder, runs)
    record_paints()
    switch_ms = asyncio.run(
        measure_switches(
            database, synthetic.BIG_SIZE, runs, big=synthetic.BIG_TAG, small=synthetic.SMALL_TAG
        )
    )
    open_ms = asyncio.run(open_posts(database, runs))
    j_ms = asyncio.run(j_presses(database, 60))
    refresh_ms, floor_ms, ingest_ms, ingest_floor, convert_ms, page_bytes = refreshes(runs)

    start_ratio = statistics.median(app_ms) / statistics.median(bare_ms)
    refresh_ratio = statistics.median(refresh_ms) / statistics.median(floor_ms)
    ingest_ratio = statistics.median(ingest_ms) / statistics.median(ingest_floor)
    memory_ratio = statistics.median(app_kb) / statistics.median(bare_kb)
    print()
    print(
        f"tui-reader benchmarks · {platform.node()} · {platform.processor() or platform.machine()}"
        f" · {os.cpu_count()} CPUs · Python {platform.python_version()} · {runs} runs"
    )
    print("| measure | median (min-max) | budget | result |")
    print("| --- | --- | --- | --- |")
    rows = [
        (
            "cold start to first painted list, 20,000 cached (pty)",
            app_ms,
            "ms",
            f"≤ 1.3 x bare ({start_ratio:.2f} x)",
            verdict(start_ratio, 1.3),
        ),
        ("  bare Textual app, one label (pty)", bare_ms, "ms", "floor", ""),
        (
            "switch to the 5,000-post tag, to repaint",
            switch_ms,
            "ms",
            "≤ 100 ms",
            verdict(statistics.median(switch_ms), 100),
        ),
        *(
            (
                f"open a {label} post to its first screen",
                values,
                "ms",
                "≤ 100 ms",
                verdict(statistics.median(values), 100),
            )
            for label, values in open_ms.items()
        ),
        (
            "one j at 5,000 rows, to repaint",
            j_ms,
            "ms",
            "≤ 16 ms",
            verdict(statistics.median(j_ms), 16),
        ),
        (
            f"refresh of a 30-post page ({page_bytes // 1024} KB) from loopback",
            refresh_ms,
            "ms",
            f"≤ 1.5 x feedparser ({refresh_ratio:.2f} x)",
            verdict(refresh_ratio, 1.5),
        ),
        ("  feedparser.parse of the same bytes", floor_ms, "ms", "floor", ""),
        (
            "ingest of a 1,000-post page",
            ingest_ms,
            "ms/post",
            f"report ({ingest_ratio:.2f} x feedparser)",
            "",
        ),
        ("  feedparser.parse of the same bytes", ingest_floor, "ms/post", "floor", ""),
        (
            "  then Markdown conversion, in the background",
            convert_ms,
            "ms/post",
            "report (after the ingest)",
            "",
        ),
        (
            "peak memory, 20,000 cached, 5,000-post tag open",
            [k / 1024 for k in app_kb],
            "MB",
            f"report ({memory_ratio:.2f} x bare)",
            "",
        ),
        ("  bare Textual app", [k / 1024 for k in bare_kb], "MB", "floor", ""),
    ]
    for name, values, unit, budget, result in rows:
        print(f"| {name} | {stats(values)} {unit} | {budget} | {result} |")


if __name__ == "__main__":
    main()
