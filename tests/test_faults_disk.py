"""Disk faults, one test per case of issue 5: a damaged, truncated or newer cache file, a full
or read-only disk, a process killed in the middle of a write, and two copies of the app
writing at once. Real SQLite files throughout; the loopback site for the refreshes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import sitefeeds
from tests.fault_support import TAG, Seeded, assert_plain_words, integrity, snapshot
from tests.site_server import SiteServer
from tui_reader.app import ReaderApp
from tui_reader.cli import main
from tui_reader.core.cache.store import SCHEMA_VERSION, Store, content_hash
from tui_reader.core.errors import CacheError
from tui_reader.core.models import Kind, Post
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.core.user import paths

ROOT = Path(__file__).resolve().parents[1]


def filled_cache(site: SiteServer, path: Path, posts: int = 40) -> None:
    """A real cache at ``path``, filled from the loopback site and closed."""
    site.add_tag(TAG, sitefeeds.sample_posts(TAG, n=posts))
    with Store(path) as store:
        refresh_tag(store, TAG, base_url=site.url)


def aside_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


# -- damaged files -----------------------------------------------------------------------------


def test_corrupted_file_is_moved_aside_with_a_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.database_path()
    path.parent.mkdir(parents=True)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 40
    path.write_bytes(garbage)
    assert main(["tags"]) == 0
    err = capsys.readouterr().err
    assert "The cache file was damaged, so it was moved aside to" in err
    (aside,) = aside_files(path)
    assert aside.read_bytes() == garbage  # kept, never deleted
    assert integrity(path) == "ok"  # and a fresh cache in its place


def test_truncated_file_is_moved_aside_and_the_app_says_so(
    site: SiteServer, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    filled_cache(site, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    store = Store(path)
    assert store.notice is not None and "moved aside" in store.notice
    assert aside_files(path)[0].read_bytes() == data[: len(data) // 2]
    assert store.list_posts(TAG) == []
    refresh_tag(store, TAG, base_url=site.url)  # starts fresh (a first fetch: the whole tag)
    assert len(store.list_posts(TAG)) == 40
    store.close()


async def test_the_reader_tells_the_user_about_a_damaged_cache(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"not a database at all " * 200)
    store = Store(path)
    app = ReaderApp(store, TAG, base_url="http://127.0.0.1:9", offline=True)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("damaged, so it was moved aside" in m for m in messages), messages
        assert app.is_running
    store.close()


def test_damage_found_while_reading_is_moved_aside_and_reported(
    site: SiteServer, tmp_path: Path
) -> None:
    """The schema's pages intact (the file opens), every later page garbage: the first read
    finds it."""
    path = tmp_path / "cache.sqlite3"
    filled_cache(site, path)
    with sqlite3.connect(path) as conn:
        last = conn.execute("SELECT max(pageno) FROM dbstat WHERE name = 'sqlite_schema'")
        keep = 4096 * int(last.fetchone()[0])
    conn.close()
    data = bytearray(path.read_bytes())
    rng = random.Random(5)
    data[keep:] = bytes(rng.getrandbits(8) for _ in range(len(data) - keep))
    path.write_bytes(bytes(data))
    store = Store(path)
    with pytest.raises(CacheError) as caught:
        store.list_posts(TAG)
    assert_plain_words(caught.value)
    assert "damaged" in caught.value.message and "moved aside" in caught.value.message
    assert aside_files(path)[0].read_bytes() == bytes(data)
    assert store.list_posts(TAG) == []  # fresh, and working
    refresh_tag(store, TAG, base_url=site.url)
    assert len(store.list_posts(TAG)) == 40  # a first fetch: the whole tag
    store.close()


@pytest.mark.parametrize("pending_wal", [False, True])
def test_a_cache_from_a_newer_version_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pending_wal: bool
) -> None:
    """Even a newer app's write-ahead log is left alone (a read-write open would have
    checkpointed it into the database file and deleted it)."""
    path = paths.database_path()
    path.parent.mkdir(parents=True)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE future (x)")
    writer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    if pending_wal:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO future VALUES ('from the future')")
        frozen = tmp_path / "frozen"  # the files as a crashed newer app would leave them
        frozen.mkdir()
        for file in path.parent.iterdir():
            (frozen / file.name).write_bytes(file.read_bytes())
        writer.close()
        for file in frozen.iterdir():
            (path.parent / file.name).write_bytes(file.read_bytes())
        assert path.with_name(path.name + "-wal").stat().st_size > 0
    else:
        writer.close()
    before = {file.name: file.read_bytes() for file in path.parent.iterdir()}
    assert main(["tags"]) == 1
    err = capsys.readouterr().err
    assert "written by a newer tui-reader" in err and "left untouched" in err
    with pytest.raises(CacheError, match="newer tui-reader"):
        Store(path)
    after = {file.name: file.read_bytes() for file in path.parent.iterdir()}
    assert {k: v for k, v in after.items() if not k.endswith("-shm")} == {
        k: v for k, v in before.items() if not k.endswith("-shm")
    }


# -- a full or read-only disk ------------------------------------------------------------------


def grow_the_feed(site: SiteServer) -> None:
    """Ten newer posts with big bodies appear on the site: saving them needs new pages."""
    newer = [
        sitefeeds.entry_post(f"new-{n}", f"New {n}", sitefeeds.utc(2026, 4, n + 1), (TAG,))
        for n in range(10)
    ]
    site.add_tag(TAG, [*reversed(newer), *site.posts(TAG)])


def fill_the_disk(store: Store) -> None:
    """SQLite's page limit makes the database file exactly as full as it is."""
    conn = store._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")


def test_disk_full_keeps_the_cache_and_says_it_was_not_saved(seeded: Seeded) -> None:
    grow_the_feed(seeded.site)
    fill_the_disk(seeded.store)
    error = seeded.refresh_fails(CacheError)
    assert "could not be saved (the disk is full" in error.message
    assert "nothing was changed" in error.message
    assert integrity(seeded.path) == "ok"
    assert len(seeded.store.list_posts(TAG)) == 12  # still readable
    seeded.store._conn.execute("PRAGMA max_page_count=1073741823")  # space freed
    assert seeded.refresh().counts.new == 10


def test_read_only_cache_keeps_the_cache_and_says_it_was_not_saved(seeded: Seeded) -> None:
    grow_the_feed(seeded.site)
    seeded.store._conn.execute("PRAGMA query_only=1")  # every write refused, as on a ro disk
    error = seeded.refresh_fails(CacheError)
    assert "could not be saved (it is read-only" in error.message
    assert len(seeded.store.list_posts(TAG)) == 12


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` and its files read-only for real: permissions, or for root (whom
    permissions do not stop) the immutable attribute, which stops root too."""
    files = [folder, *folder.iterdir()]
    if os.geteuid() != 0:
        for file in files:
            file.chmod(0o555 if file.is_dir() else 0o444)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    made = subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True, check=False)
    try:
        if made.returncode != 0:
            pytest.skip(f"cannot make files immutable here: {made.stderr.decode().strip()}")
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], capture_output=True, check=False)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_read_only_cache_is_read_and_says_it_was_not_saved(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cache folder and file cannot be written at all (no -shm can be created either):
    the cache still opens, to be read, and every command says why nothing was saved."""
    path = paths.database_path()
    filled_cache(site, path, posts=12)
    grow_the_feed(site)
    before = snapshot(path)
    with read_only(path.parent):
        assert sorted(file.name for file in path.parent.iterdir()) == ["cache.sqlite3"]
        with Store(path) as store:
            assert store.read_only and store.notice is not None
            assert "is read-only: its posts can be read" in store.notice
            assert len(store.list_posts(TAG)) == 12
            with pytest.raises(CacheError) as caught:
                refresh_tag(store, TAG, base_url=site.url)
            assert_plain_words(caught.value)
            assert "could not be saved (it is read-only" in caught.value.message
        assert main(["--base-url", site.url, "fetch", TAG]) == 1
        err = capsys.readouterr().err
        assert "is read-only: its posts can be read" in err
        assert "could not be saved (it is read-only" in err
        assert main(["export", TAG]) == 0
        assert len(capsys.readouterr().out.splitlines()) == 12
        assert sorted(file.name for file in path.parent.iterdir()) == ["cache.sqlite3"]
    assert snapshot(path) == before


async def test_the_reader_keeps_running_on_a_full_disk(seeded: Seeded) -> None:
    grow_the_feed(seeded.site)
    fill_the_disk(seeded.store)
    app = ReaderApp(seeded.store, TAG, base_url=seeded.site.url, offline=False)
    async with app.run_test(size=(140, 36), notifications=True) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if any(n.severity == "error" for n in app._notifications):
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and "could not be saved (the disk is full" in errors[0]
        await pilot.press("j", "enter")
        await pilot.pause(0.2)
        assert app.is_running
    assert seeded.unchanged()


# -- killed in the middle of a write -----------------------------------------------------------

WRITER = """
import sys
from dataclasses import replace
from datetime import UTC, datetime
from tui_reader.core.models import Kind, Post
from tui_reader.core.cache.store import Store

def post(n, version):
    url = f"https://simonwillison.net/2024/Jan/1/killed-{n}/"
    body = f"post {n} version {version} " + "x" * 20000
    return Post(url, url, f"Post {n} v{version}", Kind.ENTRY,
                datetime(2024, 1, 1, tzinfo=UTC), ("killed",), f"<p>{body}</p>", body)

store = Store(sys.argv[1])
version = int(sys.argv[2])
print("ready", flush=True)
while True:
    version += 1
    store.merge("killed", [post(n, version) for n in range(200)])
    print("committed", flush=True)
"""


def expected_post(n: int, version: int) -> Post:
    url = f"https://simonwillison.net/2024/Jan/1/killed-{n}/"
    body = f"post {n} version {version} " + "x" * 20000
    return Post(
        url,
        url,
        f"Post {n} v{version}",
        Kind.ENTRY,
        datetime(2024, 1, 1, tzinfo=UTC),
        ("killed",),
        f"<p>{body}</p>",
        body,
    )


def test_killed_mid_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    """A writer merging 200 posts (4 MB) per transaction, over and over, is killed with
    SIGKILL at random moments. Each time the file opens, passes integrity_check, and holds
    either none of the 200 posts or all of them, all at one version, each row whole."""
    path = tmp_path / "cache.sqlite3"
    rng = random.Random(20260405)
    versions_seen: set[int] = set()
    for round_number in range(5):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(round_number * 10_000)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline() == b"ready\n"
            if round_number == 0:  # on a slow machine, make sure something is committed
                assert writer.stdout.readline() == b"committed\n"
            time.sleep(rng.uniform(0.05, 0.8))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(10)
        assert integrity(path) == "ok"
        with Store(path) as store:
            assert store.moved_aside is None
            posts = list(store.posts("killed"))
            assert len(posts) in (0, 200)
            versions = {int(post.title.rsplit(" v", 1)[1]) for post in posts}
            assert len(versions) <= 1, versions
            for post in posts:
                n = int(post.title.split()[1])
                expected = expected_post(n, next(iter(versions)))
                assert post == expected
                assert content_hash(post) == content_hash(expected)
            rows = store._select("SELECT count(*) FROM tag_posts WHERE tag = 'killed'")
            assert rows[0][0] == len(posts)
            versions_seen |= versions
    assert versions_seen, "the writer never committed anything: nothing was tested"


# -- two copies at once --------------------------------------------------------------------------


def overlapping_tags(site: SiteServer) -> set[str]:
    """Two tags sharing some posts; returns every permalink."""
    alpha = sitefeeds.sample_posts("alpha", n=30)
    beta = (
        [  # other posts (sample_posts gives every tag the same permalinks), then ten shared
            replace(post, slug=f"b-{post.slug}", url=post.url and post.url.replace("/ch", "/b-ch"))
            for post in sitefeeds.sample_posts("beta", n=30)[10:]
        ]
        + alpha[:10]
    )
    beta.sort(key=lambda post: post.published, reverse=True)
    site.add_tag("alpha", alpha)
    site.add_tag("beta", beta)
    return {post.permalink for post in alpha + beta}


def test_two_stores_refreshing_at_once_lose_nothing(site: SiteServer, tmp_path: Path) -> None:
    """Four threads, each with its own Store on the same new file, refresh two tags at
    once, three times each: every refresh succeeds or says the cache is busy."""
    permalinks = overlapping_tags(site)
    path = tmp_path / "cache.sqlite3"
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def copy_of_the_app(tag: str) -> None:
        barrier.wait()
        with Store(path) as store:
            for _ in range(3):
                try:
                    refresh_tag(store, tag, base_url=site.url)
                    outcomes.append("ok")
                except CacheError as error:
                    assert "busy" in error.message
                    outcomes.append("busy")

    threads = [
        threading.Thread(target=copy_of_the_app, args=(tag,)) for tag in ["alpha", "beta"] * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 12 and "ok" in outcomes
    with Store(path) as store:
        assert {post.id for post in store.posts("alpha")} | {
            post.id for post in store.posts("beta")
        } == permalinks
        assert len(store.list_posts("alpha+beta")) == 10
    assert integrity(path) == "ok"


def test_two_processes_fetching_at_once_lose_nothing(site: SiteServer, tmp_path: Path) -> None:
    """Two real ``tui-reader fetch`` processes on one new cache, started together."""
    permalinks = overlapping_tags(site)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "tui_reader", "--base-url", site.url, "fetch"]
    runs = [
        subprocess.Popen(
            [*command, tag], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for tag in ("alpha", "beta", "alpha", "beta")
    ]
    results = [run.communicate(timeout=60) for run in runs]
    for run, (_out, err) in zip(runs, results, strict=True):
        assert b"Traceback" not in err
        assert run.returncode == 0 or b"busy" in err, err
    assert sum(run.returncode == 0 for run in runs) >= 2
    path = tmp_path / "cache" / "tui-reader" / "cache.sqlite3"
    with Store(path) as store:
        found = {post.id for post in store.posts("alpha")} | {
            post.id for post in store.posts("beta")
        }
        assert found == permalinks
    assert integrity(path) == "ok"


def test_busy_cache_is_reported_in_words_and_unchanged(seeded: Seeded) -> None:
    """Another writer holds the cache longer than a store waits: it says so, in words."""
    grow_the_feed(seeded.site)
    other = sqlite3.connect(seeded.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Store(seeded.path, busy_timeout=0.2) as impatient:
            started = time.monotonic()
            with pytest.raises(CacheError) as caught:
                refresh_tag(impatient, TAG, base_url=seeded.site.url)
            assert time.monotonic() - started < 3
            assert_plain_words(caught.value)
            assert "The cache is busy: another tui-reader is saving to it." in (
                caught.value.message
            )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert seeded.unchanged()
    assert seeded.refresh().counts.new == 10  # and fine once the other is done
