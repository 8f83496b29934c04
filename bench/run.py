"""The benchmark suite: the real code paths on a 20,000-post cache, against floors measured here.

Run with ``uv run python bench/run.py [--runs N]``. It builds (once, then reuses) a synthetic
cache shaped like the site (``bench/synthetic.py``: 20,000 posts, 30 tags, the largest 5,000,
bodies 1-200 KB), then prints one table of medians (min-max) over ``--runs`` runs:

- cold start: ``python -m tui_reader llms --offline`` in a real pseudo-terminal, from spawn to
  the list's title appearing in the bytes written to the terminal; the floor is a bare
  Textual app painting one label (``bench/bare_app.py``), spawned the same way in the same run.
  Both run from compiled bytecode (one untimed start each first; ``PYTHONDONTWRITEBYTECODE`` is
  dropped for them), as every start after the first does on a user's machine.
- switch to the 5,000-post tag, to the list's bottom row repainted (headless app).
- open a post of 5 / 50 / 200 KB to its first screen: from choosing it in the list to the
  reading pane painting body lines (headless app; the post is read from SQLite each time);
  and the 200 KB post whole: to its last lines in the pane (scrollable to its end).
- one ``j`` at 5,000 rows: from the cursor move to the new cursor row repainted.
- following many tags (issue 12): 50 followed tags (the cache's 30 and 20 not cached, from a
  ``config.toml``) in a headless app on a copy of the cache with every post unread.
  ``F``: from the key to the overview's option list drawing its last visible line with the 50
  rows in it; again once every tag was visited long ago (every post new: the most counting).
  ``U``: from the key to the post list's bottom row painted with the unread posts (the newest
  250 come first); reported, to the whole list painted.
- ``R`` over 30 followed tags answering 304 from a loopback server, on a fresh cache filled by
  one fetch of each and marked fetched an hour ago before each run: ``refresh_tags`` end to
  end (the thread's work), and ``R`` in a headless app from the key to ``FollowRefreshEnded``
  handled. Each run checks 30 conditional requests, each answered not modified.
- refresh of a 30-post page from a loopback server (``tests/site_server.py``) into a fresh
  cache: ``refresh_tag`` end to end; the floor is ``feedparser.parse`` of the same bytes.
- ingest of a 1,000-post page (``?size=1000``): fetch + parse + store as an archive page is
  ingested, ms per post; the floor is feedparser's parse of the same bytes. The Markdown
  conversion that follows in the background (``convert_pending``) is reported on its own row.
- whole-archive ingest against newsboat (``bench/archive_peer.py``): ``tui-reader fetch python
  --all`` (fetch, parse, store, convert to Markdown, index) of 1,872 site-shaped posts in two
  loopback pages of 1,000, and ``newsboat -x reload`` of the same pages into an empty cache
  (its ``cache.db`` checked to hold every entry), interleaved; the budget is 3 x newsboat.
  Without newsboat installed (Debian: ``apt-get install newsboat``) the row says skipped.
- peak memory (VmHWM) of the cold-start processes: the app with the 5,000-post tag open, and
  the bare app.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import platform
import pty
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

LIST_MARKER = b"posts tagged"
"""Written with the list's first frame: its title (a long first title may be cut short)."""
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import feedparser  # noqa: E402
import httpx  # noqa: E402
import synthetic  # noqa: E402
from archive_peer import BUDGET as ARCHIVE_BUDGET  # noqa: E402
from archive_peer import POSTS as ARCHIVE_POSTS  # noqa: E402
from archive_peer import TAG as ARCHIVE_TAG  # noqa: E402
from archive_peer import PeerResult, archive_peer  # noqa: E402
from tag_switch import measure_switches, record_paints, until  # noqa: E402
from textual.strip import Strip  # noqa: E402
from textual.widgets import OptionList  # noqa: E402

from tests.site_server import SiteServer  # noqa: E402
from tests.sitefeeds import entry_post  # noqa: E402
from tui_reader.app import ReaderApp  # noqa: E402
from tui_reader.controllers.following import FIRST_UNREAD, Following  # noqa: E402
from tui_reader.core.cache.markdown_backfill import convert_pending  # noqa: E402
from tui_reader.core.cache.store import Store  # noqa: E402
from tui_reader.core.feed.parse import parse_feed  # noqa: E402
from tui_reader.core.net import follow  # noqa: E402
from tui_reader.core.net.fetch import fetch_feed, new_client  # noqa: E402
from tui_reader.core.net.follow import TagRefreshOutcome, refresh_tags  # noqa: E402
from tui_reader.core.net.refresh import refresh_tag  # noqa: E402
from tui_reader.screens.followed import FollowedScreen, TagRow  # noqa: E402
from tui_reader.screens.main import MainScreen  # noqa: E402
from tui_reader.widgets.list_pane import ListPane  # noqa: E402
from tui_reader.widgets.post_list import PostList  # noqa: E402
from tui_reader.widgets.reading_pane import ReadingPane  # noqa: E402
from tui_reader.widgets.status_bar import StatusBar  # noqa: E402

SIZE = (120, 36)
Row = tuple[str, list[float], str, str]  # measure, values, unit, budget text


# -- helpers ----------------------------------------------------------------------------------


def stats(values: list[float]) -> str:
    if not values:
        return "skipped"
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def cache_folder(rebuild: bool) -> Path:
    """A folder holding ``tui-reader/cache.sqlite3`` with the synthetic cache (built once)."""
    return synthetic.shared_cache(rebuild).parent.parent


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
    marker = LIST_MARKER
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


async def open_posts(
    database: Path, runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Choose each long post in the list; ms until the pane paints its body, and until the
    whole body is there (scrollable to its end)."""
    store = Store(database)
    app = ReaderApp(store, synthetic.LONG_TAG, base_url="https://simonwillison.net", offline=True)
    painted: list[float] = []
    completed: list[float] = []
    original = ReadingPane.render_line
    original_restore = ReadingPane._restore_position

    def render_line(self: ReadingPane, y: int) -> Strip:
        strip = original(self, y)
        if self.body_line_count and not painted:
            painted.append(time.perf_counter())
        return strip

    def restore_position(self: ReadingPane, *, complete: bool) -> None:
        if complete and not completed:  # the whole body is there
            completed.append(time.perf_counter())
        original_restore(self, complete=complete)

    ReadingPane.render_line = render_line  # type: ignore[method-assign]
    ReadingPane._restore_position = restore_position  # type: ignore[method-assign]
    results: dict[str, list[float]] = {label: [] for label in synthetic.LONG_SIZES}
    whole: dict[str, list[float]] = {label: [] for label in synthetic.LONG_SIZES}
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
                    if pane.post_id == post_id:  # open another first: this one is opened anew
                        completed.clear()
                        other = next(i for i in by_size.values() if i != post_id)
                        screen.post_list.select_post(other)
                        screen.post_list.action_select()
                        await until(pilot, lambda: bool(completed))
                    pane.clear_cache()
                    await pilot.pause(0.2)
                    painted.clear()
                    completed.clear()
                    start = time.perf_counter()
                    screen.post_list.select_post(post_id)
                    screen.post_list.action_select()
                    await until(pilot, lambda: bool(painted))
                    results[label].append((painted[0] - start) * 1000)
                    await until(pilot, lambda: bool(completed))
                    whole[label].append((completed[0] - start) * 1000)
                    await app.workers.wait_for_complete()
    finally:
        ReadingPane.render_line = original  # type: ignore[method-assign]
        ReadingPane._restore_position = original_restore  # type: ignore[method-assign]
        store.close()
    return results, whole


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


# -- following many tags ----------------------------------------------------------------------

FOLLOWED = [*synthetic.tag_names(), *(f"not-cached-{n:02d}" for n in range(20))]
"""50 followed tags: the cache's 30 and 20 it does not have (as ``bench/following.py``)."""

REFRESHED = [f"tag-{n:02d}" for n in range(30)]
"""The 30 followed tags of the refresh answering 304, 30 posts each on the loopback server."""


def write_config(folder: Path, tags: list[str]) -> Path:
    """A ``config.toml`` in ``folder`` following ``tags``."""
    config = folder / "config.toml"
    config.write_text(f"follow = {json.dumps(tags)}\n", encoding="utf-8")
    return config


def last_line(paints: list[tuple[float, int]]) -> float:
    """When the first paint drew its last line: the box clips the option list (its bottom
    lines are never drawn), and the lines of one paint are drawn in one go, top to bottom."""
    end = paints[0]
    for paint in paints[1:]:
        if paint[1] <= end[1]:
            break
        end = paint
    return end[0]


async def followed_views(
    database: Path, runs: int
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """F and U with 50 followed tags, in a headless app on a copy of the 20,000-post cache
    (its read marks and visits dropped: every post unread). Milliseconds per run:

    - ``overview``: from pressing F to the overview's option list painting its bottom row with
      the 50 followed tags' rows in it; ``overview new``: the same once every followed tag was
      visited long ago (every post is then new, the most work for the counts);
    - ``unread``: from pressing U to the post list painting its bottom row with the unread
      posts (the newest 250 come first); ``unread all``: to the first paint of the whole list.

    Also what was listed (``facts``), to check the numbers are real.
    """
    results: dict[str, list[float]] = {
        label: [] for label in ("overview", "overview new", "unread", "unread all")
    }
    facts: dict[str, int] = {}
    overview_paints: list[tuple[float, int]] = []  # (when, line), the rows listed
    list_paints: list[tuple[float, int]] = []  # (when, posts listed), the unread list only
    original_option, original_list = OptionList.render_line, PostList.render_line

    def option_line(self: OptionList, y: int) -> Strip:
        strip = original_option(self, y)
        if self.id == "followed-options" and self.option_count > len(FOLLOWED):
            overview_paints.append((time.perf_counter(), y))
        return strip

    def list_line(self: PostList, y: int) -> Strip:
        strip = original_list(self, y)
        posts = self.posts
        if y == self.size.height - 1 and posts and posts[0].tags:  # rows naming their tags
            list_paints.append((time.perf_counter(), len(posts)))
        return strip

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "cache.sqlite3"
        shutil.copyfile(database, copy)
        with closing(sqlite3.connect(copy)) as conn, conn:
            conn.execute("DELETE FROM read_posts")
            conn.execute("DELETE FROM tag_visits")
        store = Store(copy)
        app = ReaderApp(
            store,
            synthetic.BIG_TAG,
            base_url="https://simonwillison.net",
            offline=True,
            config_path=write_config(Path(folder), FOLLOWED),
        )
        OptionList.render_line = option_line  # type: ignore[method-assign]
        PostList.render_line = list_line  # type: ignore[method-assign]
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause(0.5)
                screen = app.screen
                assert isinstance(screen, MainScreen)
                await until(pilot, lambda: len(screen.post_list.posts) == synthetic.BIG_SIZE)
                await app.workers.wait_for_complete()
                for label in ("overview", "overview new"):
                    if label == "overview new":
                        long_ago = datetime(2002, 1, 1, tzinfo=UTC)
                        for tag in FOLLOWED:
                            store.visit_tag(tag, when=long_ago)
                        overview = store.tag_overview(FOLLOWED)
                        assert all(item.new == item.unread for item in overview), [
                            (item.tag, item.new, item.unread, item.count) for item in overview
                        ]
                    for _ in range(runs):
                        await pilot.pause(0.2)
                        overview_paints.clear()
                        start = time.perf_counter()
                        await pilot.press("F")
                        await until(pilot, lambda: bool(overview_paints))
                        results[label].append((last_line(overview_paints) - start) * 1000)
                        shown = app.screen
                        assert isinstance(shown, FollowedScreen)
                        options = shown.options.options
                        followed = [o for o in options if isinstance(o, TagRow) and o.followed]
                        assert len(followed) == len(FOLLOWED), len(followed)
                        facts["overview rows"] = len(followed)
                        facts["related rows"] = sum(
                            isinstance(o, TagRow) and not o.followed for o in options
                        )
                        await pilot.press("escape")
                        await until(pilot, lambda: app.screen is screen)
                list_pane = screen.query_one(ListPane)
                for _ in range(runs):
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.3)
                    unread_before = len(store.unread_posts(FOLLOWED))
                    list_paints.clear()
                    start = time.perf_counter()
                    await pilot.press("U")
                    await until(pilot, lambda: bool(list_paints))
                    await until(pilot, lambda: any(n > FIRST_UNREAD for _, n in list_paints))
                    first, first_count = list_paints[0]
                    whole, whole_count = next((t, n) for t, n in list_paints if n > FIRST_UNREAD)
                    results["unread"].append((first - start) * 1000)
                    results["unread all"].append((whole - start) * 1000)
                    assert first_count == FIRST_UNREAD, first_count
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.3)
                    listed = len(screen.post_list.posts)
                    unread_after = len(store.unread_posts(FOLLOWED))
                    # The post under the cursor opens (and so is marked read) while the whole
                    # list is read: it may or may not be in it.
                    assert whole_count == listed and unread_after <= listed <= unread_before, (
                        whole_count,
                        listed,
                        unread_before,
                        unread_after,
                    )
                    facts["unread first"] = first_count
                    facts["unread listed"] = listed
                    facts["unread in store"] = unread_before
                    await pilot.press("U")  # back to the tag
                    await until(
                        pilot,
                        lambda: (
                            not list_pane.showing_unread
                            and len(screen.post_list.posts) == synthetic.BIG_SIZE
                        ),
                    )
        finally:
            OptionList.render_line = original_option  # type: ignore[method-assign]
            PostList.render_line = original_list  # type: ignore[method-assign]
            store.close()
    return results, facts


def check_304(
    site: SiteServer, store: Store, outcomes: list[TagRefreshOutcome], since: datetime
) -> None:
    """Each of the 30 tags was asked once, conditionally, was answered 304 (the fetch said
    not modified), and its fetch time moved on with no post added."""
    assert [o.tag for o in outcomes] == REFRESHED, [o.describe() for o in outcomes]
    assert all(o.result is not None and o.result.not_modified for o in outcomes), [
        o.describe() for o in outcomes
    ]
    requests = site.requests
    assert sorted(r.path for r in requests) == [f"/tags/{tag}.atom" for tag in REFRESHED]
    assert all(r.header("if-modified-since") for r in requests)
    for tag in REFRESHED:
        info = store.tag_info(tag)
        assert info is not None and info.fetched_at is not None and info.fetched_at >= since
        assert info.count == 30


def backdate(site: SiteServer, store: Store) -> datetime:
    """Mark every tag fetched an hour ago (past the 10 minutes R waits), forget the requests;
    the second the refresh starts."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for tag in REFRESHED:
        store.record_unchanged(tag, fetched_at=hour_ago)
    site.clear_requests()
    return datetime.now(UTC).replace(microsecond=0)


async def refresh_in_app(database: Path, site: SiteServer, runs: int) -> list[float]:
    """R in a headless app following the 30 tags: ms from the key to the end of the refresh
    handled (``FollowRefreshEnded``: the status line's progress cleared)."""
    outcomes: list[TagRefreshOutcome] = []
    original = follow.refresh_tags

    def recording(*args: object, **kwargs: object) -> list[TagRefreshOutcome]:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        outcomes.extend(result)
        return result

    results = []
    with tempfile.TemporaryDirectory() as folder, Store(database) as store:
        app = ReaderApp(
            store,
            REFRESHED[0],
            base_url=site.url,
            client_factory=new_client,
            config_path=write_config(Path(folder), REFRESHED),
        )
        follow.refresh_tags = recording
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause(0.5)
                screen = app.screen
                assert isinstance(screen, MainScreen)
                following = screen.query_one(Following)
                status = screen.query_one(StatusBar)
                for _ in range(runs):
                    await app.workers.wait_for_complete()  # the start-up refresh, the reload
                    await pilot.pause(0.2)
                    since = backdate(site, store)
                    outcomes.clear()
                    start = time.perf_counter()
                    await pilot.press("R")
                    await until(pilot, lambda: not following.refreshing and not status.activity)
                    results.append((time.perf_counter() - start) * 1000)
                    check_304(site, store, outcomes, since)
        finally:
            follow.refresh_tags = original
    return results


def refreshes_304(runs: int) -> tuple[list[float], list[float]]:
    """``refresh_tags`` of 30 tags answering 304 (ms, end to end, its own client as R's
    thread makes), then R in the app on the same cache."""
    newest = datetime(2026, 1, 10, tzinfo=UTC)
    direct = []
    with SiteServer(answer_304=True) as site, tempfile.TemporaryDirectory() as folder:
        for tag in REFRESHED:
            site.add_tag(
                tag,
                [
                    entry_post(f"{tag}-{k}", f"{tag} {k}", newest - timedelta(days=k), (tag,))
                    for k in range(30)
                ],
            )
        database = Path(folder) / "cache.sqlite3"
        with Store(database) as store:
            filled = refresh_tags(store, REFRESHED, base_url=site.url, min_age=timedelta(0))
            assert all(o.result is not None and o.result.counts.new == 30 for o in filled)
            for _ in range(runs):
                since = backdate(site, store)
                start = time.perf_counter()
                outcomes = refresh_tags(store, REFRESHED, base_url=site.url, min_age=timedelta(0))
                direct.append((time.perf_counter() - start) * 1000)
                check_304(site, store, outcomes, since)
        in_app = asyncio.run(refresh_in_app(database, site, runs))
    return direct, in_app


# -- the table --------------------------------------------------------------------------------


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "MISSED"


def archive_rows(archive: PeerResult) -> list[tuple[str, list[float], str, str, str]]:
    """The whole-archive row and newsboat's, or a row saying newsboat was not installed."""
    name = (
        f"whole archive: fetch {ARCHIVE_TAG} --all, {ARCHIVE_POSTS:,} posts in 2 pages"
        " (loopback; fetch, parse, convert, index)"
    )
    budget = f"≤ {ARCHIVE_BUDGET:.0f} x newsboat"
    if archive.ratio is None or archive.peer_ms is None:
        return [
            (name, archive.reader_ms, "ms", f"{budget} (newsboat not installed)", "skipped"),
            ("  newsboat -x reload of the same pages", [], "", "not installed", "skipped"),
        ]
    return [
        (
            name,
            archive.reader_ms,
            "ms",
            f"{budget} ({archive.ratio:.2f} x)",
            verdict(archive.ratio, ARCHIVE_BUDGET),
        ),
        ("  newsboat -x reload of the same pages", archive.peer_ms, "ms", "peer", ""),
    ]


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
    open_ms, whole_ms = asyncio.run(open_posts(database, runs))
    j_ms = asyncio.run(j_presses(database, 60))
    follow_ms, facts = asyncio.run(followed_views(database, runs))
    refresh_ms, floor_ms, ingest_ms, ingest_floor, convert_ms, page_bytes = refreshes(runs)
    refresh_304_ms, refresh_304_app_ms = refreshes_304(runs)
    archive = archive_peer(runs)

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
            f"≤ 1.15 x bare ({start_ratio:.2f} x)",
            verdict(start_ratio, 1.15),
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
            "  the 200 KB post whole, scrollable to its end",
            whole_ms["200 KB"],
            "ms",
            "≤ 1,000 ms",
            verdict(statistics.median(whole_ms["200 KB"]), 1000),
        ),
        (
            "one j at 5,000 rows, to repaint",
            j_ms,
            "ms",
            "≤ 16 ms",
            verdict(statistics.median(j_ms), 16),
        ),
        (
            f"F: followed tags overview, {facts['overview rows']} followed"
            f" (+{facts['related rows']} related), to its rows painted",
            follow_ms["overview"],
            "ms",
            "≤ 100 ms",
            verdict(statistics.median(follow_ms["overview"]), 100),
        ),
        (
            "  the same, every tag visited long ago (every post new)",
            follow_ms["overview new"],
            "ms",
            "≤ 100 ms",
            verdict(statistics.median(follow_ms["overview new"]), 100),
        ),
        (
            f"U: unread in {len(FOLLOWED)} followed tags ({facts['unread in store']:,} unread),"
            f" first {facts['unread first']} painted",
            follow_ms["unread"],
            "ms",
            "≤ 100 ms",
            verdict(statistics.median(follow_ms["unread"]), 100),
        ),
        (
            f"  then the whole list ({facts['unread listed']:,} posts) painted",
            follow_ms["unread all"],
            "ms",
            "report",
            "",
        ),
        (
            f"R: refresh_tags of {len(REFRESHED)} followed tags answering 304 (loopback)",
            refresh_304_ms,
            "ms",
            "≤ 2,000 ms",
            verdict(statistics.median(refresh_304_ms), 2_000),
        ),
        (
            "  R in the app, from the key to the refresh's end handled",
            refresh_304_app_ms,
            "ms",
            "≤ 2,000 ms",
            verdict(statistics.median(refresh_304_app_ms), 2_000),
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
        *archive_rows(archive),
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
