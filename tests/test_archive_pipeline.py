"""``fetch --all`` converting each page while the next downloads (issue 14).

The workers start when a big walk begins, convert each committed page's posts and make
their search text and word count; the cache ends up exactly as the serial run (everything
downloaded, then converted here) leaves it: posts, Markdown, search index, word counts.
A pool that cannot start or breaks falls back to converting here with the same result;
ctrl+c keeps the committed pages, and the next run resumes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tui_reader.cli import main
from tui_reader.core.cache import page_backfill, parallel_backfill, searchtext
from tui_reader.core.cache.markdown_backfill import PARALLEL_MIN, to_markdown
from tui_reader.core.cache.page_backfill import PageBackfill
from tui_reader.core.cache.search import search
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import CacheError
from tui_reader.core.feed.parse import parse_feed
from tui_reader.core.models import Post
from tui_reader.core.net.archive import ArchiveProgress
from tui_reader.core.user.paths import database_path

ROOT = Path(__file__).resolve().parent.parent
POSTS = PARALLEL_MIN + 60
PAGE = 100
WORDS = ("lantern", "harbour", "ledger", "tides", "python", "example", "paragraph", "code")


@pytest.fixture
def archive(site: SiteServer) -> SiteServer:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=POSTS))
    return site


def fetch_all(site: SiteServer, *extra: str) -> int:
    args = ["--base-url", site.url, "fetch", "llms", "--all", "--pause", "0"]
    return main([*args, "--page-size", str(PAGE), *extra])


def cache_dump() -> dict[str, Any]:
    """Everything a fetch leaves that a reader sees (no timestamps): posts, memberships,
    the search index's text of each post, word counts, and some searches' hits."""
    with closing(sqlite3.connect(database_path())) as conn:
        posts = conn.execute(
            "SELECT p.id, p.url, p.title, p.kind, p.published, p.tags, p.html, p.markdown,"
            " p.content_hash, f.title, f.body, w.words FROM posts AS p"
            " JOIN posts_fts AS f ON f.rowid = p.rowid"
            " LEFT JOIN post_words AS w ON w.post_id = p.id ORDER BY p.id"
        ).fetchall()
        members = conn.execute("SELECT * FROM tag_posts ORDER BY tag, post_id").fetchall()
        archive = conn.execute(
            "SELECT tag, next_url, page_size, pages, posts, total, complete FROM archive_state"
        ).fetchall()
    with Store(database_path()) as store:
        hits = {
            word: [(hit.id, hit.snippet, hit.score) for hit in search(store, word, limit=50).hits]
            for word in WORDS
        }
    return {"posts": posts, "members": members, "archive": archive, "hits": hits}


def forget_cache() -> None:
    path = database_path()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture
def serial(archive: SiteServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The cache of the serial run: one core, so everything is converted here at the end."""
    with monkeypatch.context() as patch:
        patch.setattr(parallel_backfill, "available_cores", lambda: 1)
        assert fetch_all(archive) == 0
    dump = cache_dump()
    assert all(row[7] for row in dump["posts"]) and len(dump["posts"]) == POSTS
    assert sum(map(bool, dump["hits"].values())) >= 6
    forget_cache()
    return dump


def spy_pages(monkeypatch: pytest.MonkeyPatch, after: Callable[[PageBackfill], None]) -> None:
    """Call ``after`` with the backfill after each page it is given."""
    page_stored = PageBackfill.page_stored

    def spy(self: PageBackfill, posts: Sequence[Post]) -> None:
        page_stored(self, posts)
        after(self)

    monkeypatch.setattr(PageBackfill, "page_stored", spy)


def test_converting_while_downloading_leaves_the_cache_the_serial_run_leaves(
    archive: SiteServer, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 2)
    running: list[bool] = []
    spy_pages(monkeypatch, lambda backfill: running.append(backfill.running))
    assert fetch_all(archive) == 0
    assert running == [True] * -(-POSTS // PAGE)  # the workers had every page as it came
    assert cache_dump() == serial


def test_a_pool_that_cannot_start_converts_here_with_the_same_result(
    archive: SiteServer, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise OSError("no semaphores here")

    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 2)
    monkeypatch.setattr(parallel_backfill, "ProcessPoolExecutor", no_pool)
    assert fetch_all(archive) == 0
    assert cache_dump() == serial


def test_a_worker_killed_mid_walk_leaves_the_rest_to_be_converted_here(
    archive: SiteServer, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 2)
    failed: list[bool] = []

    def kill_a_worker(backfill: PageBackfill) -> None:
        pool = backfill._pool
        if pool is not None and not failed:
            workers = pool._pool._processes or {}  # the executor's own processes
            os.kill(next(iter(workers)), signal.SIGKILL)
        failed.append(backfill.failed)

    finish = PageBackfill.finish

    def finish_and_check(self: PageBackfill) -> int:
        done = finish(self)
        failed.append(self.failed)
        return done

    spy_pages(monkeypatch, kill_a_worker)
    monkeypatch.setattr(PageBackfill, "finish", finish_and_check)
    assert fetch_all(archive) == 0
    assert failed[0] is False and failed[-1] is True  # working, then given up
    assert cache_dump() == serial


def test_a_small_walk_stays_in_process(site: SiteServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("no workers for a small walk")

    site.add_tag("llms", sitefeeds.sample_posts("llms", n=45))
    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 4)
    monkeypatch.setattr(parallel_backfill, "ConversionPool", refuse)
    monkeypatch.setattr("tui_reader.core.cache.page_backfill.ConversionPool", refuse)
    assert fetch_all(site) == 0
    with Store(database_path()) as store:
        assert store.unconverted(10) == [] and len(store.list_posts("llms")) == 45


def parsed_posts(n: int) -> list[Post]:
    feed = sitefeeds.build_feed("llms", sitefeeds.sample_posts("llms", n=n))
    source = "https://simonwillison.net/tags/llms.atom"
    return parse_feed(feed, source_url=source, convert=False).posts


def test_workers_start_with_a_big_walk_or_once_pages_bring_enough() -> None:
    posts = parsed_posts(PARALLEL_MIN + 20)
    small, big = posts[:20], posts[20:]
    with Store(":memory:") as store, PageBackfill(store, 2) as backfill:
        backfill.expect(None)
        backfill.expect(PARALLEL_MIN - 1)
        store.merge("llms", small)
        backfill.page_stored(small)
        assert not backfill.running  # 20 posts: not worth the workers yet
        store.merge("llms", big)
        backfill.page_stored(big)
        assert backfill.running  # now enough, those of the first page too
        assert backfill.finish() == len(posts) and not backfill.running
        assert store.unconverted(10) == []
        stored = {post.id: post.markdown for post in store.posts("llms")}
    assert stored == {post.id: to_markdown(post.html, post.url) for post in posts}
    report = ArchiveProgress("llms", pages=2, posts=2000, total=2500)
    assert report.expected == 500
    assert ArchiveProgress("llms", 0, 0, None).expected is None
    assert ArchiveProgress("llms", 0, 0, 2500, catching_up=True).expected == 0


def test_ctrl_c_mid_walk_stops_the_workers_quietly_and_the_next_run_resumes(
    archive: SiteServer, serial: dict[str, Any]
) -> None:
    pages = len(archive.requests_to("/tags/llms.atom"))  # the serial run's
    archive.set_fault(f"/tags/llms.atom?size={PAGE}&page=2", Fault(delay=30, times=1))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tui_reader", "--base-url", archive.url, "fetch", "llms"]
    command += ["--all", "--page-size", str(PAGE), "--pause", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,  # its own process group, as a terminal's ctrl+c reaches
    )
    try:
        deadline = time.monotonic() + 30
        while len(archive.requests_to("/tags/llms.atom")) < pages + 2:
            assert time.monotonic() < deadline, "page 2 was never asked for"
            time.sleep(0.05)
        time.sleep(0.5)  # page 2 is held by the server; page 1 is with the workers
        os.killpg(process.pid, signal.SIGINT)  # the program and its workers, like ctrl+c
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130
    assert f"llms: page 1 · {PAGE} of {POSTS} posts" in err
    assert err.strip().endswith("tui-reader: llms: interrupted; run again to resume")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and out == ""
    with Store(database_path()) as store:
        assert len(store.list_posts("llms")) == PAGE

    archive.clear_faults()
    assert fetch_all(archive) == 0
    resumed = cache_dump()
    assert resumed["archive"] == serial["archive"]
    assert resumed == serial


def test_the_index_takes_given_facts_and_computes_the_rest() -> None:
    markdown = "Some *emphasis* and a [link](https://example.com/) here."
    facts = searchtext.index_facts(markdown)
    assert facts == ("Some emphasis and a link here.", 6)
    with Store(":memory:") as store:
        conn = store._conn
        with searchtext.given([(markdown, ("given text", 99))]):
            assert conn.execute("SELECT tui_search_body(?)", (markdown,)).fetchone() == (
                "given text",
            )
            assert conn.execute("SELECT tui_word_count(?)", (markdown,)).fetchone() == (99,)
        assert (
            conn.execute(
                "SELECT tui_search_body(?), tui_word_count(?)", (markdown, markdown)
            ).fetchone()
            == facts
        )
    assert searchtext._GIVEN == {}


def test_unconverted_among_names_only_those_still_waiting() -> None:
    posts = parsed_posts(12)
    with Store(":memory:") as store:
        store.merge("llms", posts)
        first, *rest = posts
        store.set_markdown([(first.id, first.html, "done")])
        ids = [post.id for post in posts] + ["https://example.com/unknown"]
        waiting = store.unconverted_among(ids)
        assert {post_id for post_id, _, _ in waiting} == {post.id for post in rest if post.html}
        assert waiting == [row for row in store.unconverted(100) if row[0] != first.id]


def test_pages_parsed_in_two_processes_and_sent_before_storing_leave_the_same_cache(
    archive: SiteServer, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 2)
    monkeypatch.setattr(page_backfill, "SPLIT_MIN", 0)  # every page the workers are idle for
    split: list[int] = []
    parse_later = parallel_backfill.ConversionPool.parse_later

    def spy(self: parallel_backfill.ConversionPool, data: bytes, url: str) -> Any:
        split.append(data.count(b"<entry>"))
        return parse_later(self, data, url)

    sent: list[int] = []
    page_parsed = PageBackfill.page_parsed

    def count_sent(self: PageBackfill, posts: Sequence[Post]) -> None:
        page_parsed(self, posts)
        sent.append(len(self._sent))

    monkeypatch.setattr(parallel_backfill.ConversionPool, "parse_later", spy)
    monkeypatch.setattr(PageBackfill, "page_parsed", count_sent)
    assert fetch_all(archive) == 0
    assert split and 0 < split[0] < PAGE  # the first page: part of it parsed by a worker
    assert sent[:2] == [PAGE, PAGE]  # each page's new posts went before it was stored
    assert cache_dump() == serial


def test_a_page_that_fails_to_store_after_its_posts_went_leaves_them_for_the_next_run(
    archive: SiteServer, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_backfill, "available_cores", lambda: 2)
    merge = Store.merge
    calls: list[int] = []

    def fail_the_second_page(self: Store, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise CacheError("The disk is full.")
        return merge(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Store, "merge", fail_the_second_page)
        assert fetch_all(archive) == 1  # page 2's posts were with the workers: saved nowhere
    with Store(database_path()) as store:
        assert len(store.list_posts("llms")) == PAGE and store.unconverted(10) == []
    assert fetch_all(archive) == 0  # resumes at page 2
    assert cache_dump() == serial


def test_a_program_with_one_thread_forks_its_workers_with_the_same_result(
    archive: SiteServer, serial: dict[str, Any]
) -> None:
    assert parallel_backfill._start_method() == "spawn"  # here: the test server's thread
    args = ["--base-url", archive.url, "fetch", "llms", "--all", "--page-size", str(PAGE)]
    run = (  # the command, saying how its workers started
        "import sys\n"
        "from tui_reader import cli\n"
        "from tui_reader.core.cache import parallel_backfill as p\n"
        "start = p._start_method\n"
        "def said():\n"
        "    method = start()\n"
        "    print('workers:', method, file=sys.stderr)\n"
        "    return method\n"
        "p._start_method = said\n"
        f"sys.exit(cli.main({[*args, '--pause', '0']!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    method = "fork" if sys.platform == "linux" else "spawn"
    assert f"workers: {method}" in done.stderr
    assert cache_dump() == serial
