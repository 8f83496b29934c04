"""Downloading a tag's whole history: the walk, interruptions and resuming, politeness."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import FetchError, InvalidTag, RateLimited, TagNotFound
from tui_reader.core.feed.parse import ParsedFeed, parse_feed
from tui_reader.core.models import MergeCounts, Post
from tui_reader.core.net import archive as archive_module
from tui_reader.core.net.archive import ArchiveOptions, ArchiveProgress, archive_tag
from tui_reader.core.net.fetch import FetchLimits
from tui_reader.core.net.refresh import refresh_tag

SIZE = 20
N = 95  # five pages of 20: 20, 20, 20, 20, 15
FAST = ArchiveOptions(
    page_size=SIZE,
    pause=0,
    max_retry_wait=5,
    limits=FetchLimits(connect_timeout=2, read_timeout=2, deadline=5, max_retry_wait=0),
)


def page_target(page: int, size: int = SIZE, tag: str = "llms") -> str:
    return f"/tags/{tag}.atom?size={size}" + (f"&page={page}" if page > 1 else "")


def feed_targets(site: SiteServer, tag: str = "llms") -> list[str]:
    return [r.target for r in site.requests_to(f"/tags/{tag}.atom")]


@pytest.fixture
def llms(site: SiteServer) -> SiteServer:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=N))
    return site


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.sqlite3") as opened:
        yield opened


def walk(store: Store, site: SiteServer, **kwargs: Any) -> Any:
    kwargs.setdefault("options", FAST)
    return archive_tag(store, "llms", base_url=site.url, **kwargs)


def test_walk_follows_next_links_and_commits_every_page(llms: SiteServer, store: Store) -> None:
    reports: list[ArchiveProgress] = []
    result = walk(store, llms, on_progress=reports.append)

    assert feed_targets(llms) == [page_target(page) for page in range(1, 6)]
    assert len(store.list_posts("llms")) == N
    assert result.complete and not result.cancelled and not result.resumed
    assert (result.pages, result.posts, result.pages_fetched, result.total) == (5, N, 5, N)
    assert result.counts == MergeCounts(new=N)
    assert result.describe() == (
        "llms: archive complete · 95 posts in 5 pages; this run: 95 new, 0 updated, 0 unchanged"
    )
    # One report before the first request, then one per page; the last one is final.
    assert [(r.pages, r.posts, r.done) for r in reports] == [
        (0, 0, False),
        (1, 20, False),
        (2, 40, False),
        (3, 60, False),
        (4, 80, False),
        (5, 95, True),
    ]
    assert reports[0].describe() == "llms: downloading the whole archive (95 posts)"
    assert reports[3].describe() == "llms: page 3 · 60 of 95 posts"
    assert reports[3].fraction == pytest.approx(60 / 95)
    assert reports[-1].complete and reports[-1].fraction == 1.0
    assert reports[1].page == MergeCounts(new=20)
    state = store.archive_state("llms")
    assert state is not None and state.complete and state.next_url is None
    assert (state.pages, state.posts, state.total, state.page_size) == (5, N, N, SIZE)
    assert state.completed_at is not None
    assert [r.path for r in llms.requests].count("/tags-autocomplete/") == 1


def test_a_failing_page_keeps_what_arrived_and_the_next_run_resumes(
    llms: SiteServer, store: Store
) -> None:
    llms.set_fault(page_target(3), Fault(status=500))
    with pytest.raises(FetchError, match="HTTP 500") as failure:
        walk(store, llms)
    assert "2 pages (40 posts) downloaded so far are kept" in failure.value.message
    assert len(store.list_posts("llms")) == 40
    state = store.archive_state("llms")
    assert state is not None and not state.complete
    assert (state.pages, state.posts) == (2, 40)
    assert state.next_url == llms.url + page_target(3)

    llms.clear_faults()
    reports: list[ArchiveProgress] = []
    result = walk(store, llms, on_progress=reports.append)
    assert result.complete and result.resumed
    assert (result.pages, result.posts, result.pages_fetched) == (5, N, 3)
    assert result.counts == MergeCounts(new=N - 40)
    assert reports[0].describe() == "llms: resuming after page 2 · 40 of 95 posts"
    # Pages 1 and 2 were fetched once; page 3 twice (the failure, then the resume).
    assert feed_targets(llms) == [page_target(p) for p in (1, 2, 3, 3, 4, 5)]
    assert len(store.list_posts("llms")) == N


def test_a_connection_lost_mid_page_is_resumed(llms: SiteServer, store: Store) -> None:
    llms.set_fault(page_target(2), Fault(truncate_at=200, times=1))
    with pytest.raises(FetchError, match="broke before the feed was complete"):
        walk(store, llms)
    assert len(store.list_posts("llms")) == 20
    assert walk(store, llms).complete
    assert feed_targets(llms) == [page_target(p) for p in (1, 2, 2, 3, 4, 5)]


class _InterruptedPosts(list[Post]):
    """A page's posts that raise KeyboardInterrupt half-way through the merge."""

    def __iter__(self) -> Iterator[Post]:
        for index, post in enumerate(list.__iter__(self)):
            if index == len(self) // 2:
                raise KeyboardInterrupt
            yield post


def test_ctrl_c_during_a_page_rolls_that_page_back_only(
    llms: SiteServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    def parse_then_interrupt(data: bytes, *, source_url: str, convert: bool = True) -> ParsedFeed:
        nonlocal calls
        calls += 1
        feed = parse_feed(data, source_url=source_url, convert=convert)
        if calls == 3:
            return ParsedFeed(feed.title, _InterruptedPosts(feed.posts), feed.skipped)
        return feed

    monkeypatch.setattr(archive_module, "parse_feed", parse_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        walk(store, llms)
    assert len(store.list_posts("llms")) == 40  # none of page 3's posts
    state = store.archive_state("llms")
    assert state is not None and (state.pages, state.posts) == (2, 40)

    monkeypatch.undo()
    result = walk(store, llms)
    assert result.complete and result.pages_fetched == 3
    assert len(store.list_posts("llms")) == N


def test_cancel_event_stops_between_pages(llms: SiteServer, store: Store) -> None:
    stop = threading.Event()
    reports: list[ArchiveProgress] = []

    def on_progress(report: ArchiveProgress) -> None:
        reports.append(report)
        if report.pages == 2:
            stop.set()

    result = walk(store, llms, on_progress=on_progress, cancel=stop)
    assert result.cancelled and not result.complete
    assert (result.pages, result.posts) == (2, 40)
    assert result.describe().startswith("llms: stopped after page 2 · 40 posts so far")
    assert feed_targets(llms) == [page_target(1), page_target(2)]
    assert reports[-1].done and not reports[-1].complete

    assert walk(store, llms).complete
    assert feed_targets(llms)[2:] == [page_target(p) for p in (3, 4, 5)]


def test_cancel_callable_cuts_the_pause_short(llms: SiteServer, store: Store) -> None:
    stop = False

    def on_progress(report: ArchiveProgress) -> None:
        nonlocal stop
        stop = report.pages >= 1

    started = time.monotonic()
    options = ArchiveOptions(page_size=SIZE, pause=30, limits=FAST.limits)
    result = walk(store, llms, options=options, on_progress=on_progress, cancel=lambda: stop)
    assert result.cancelled and result.pages == 1
    assert time.monotonic() - started < 5


def test_pause_between_pages(llms: SiteServer, store: Store) -> None:
    llms.add_tag("llms", sitefeeds.sample_posts("llms", n=45))
    options = ArchiveOptions(page_size=SIZE, pause=0.3, limits=FAST.limits)
    started = time.monotonic()
    walk(store, llms, options=options)
    assert time.monotonic() - started >= 0.6  # three pages, two pauses


def test_retry_after_on_a_page_is_waited_out(llms: SiteServer, store: Store) -> None:
    llms.set_fault(page_target(2), Fault(status=429, retry_after=1, times=1))
    started = time.monotonic()
    result = walk(store, llms)
    assert result.complete and result.posts == N
    assert time.monotonic() - started >= 1.0
    assert feed_targets(llms) == [page_target(p) for p in (1, 2, 2, 3, 4, 5)]


def test_retry_after_longer_than_allowed_stops_with_progress_kept(
    llms: SiteServer, store: Store
) -> None:
    llms.set_fault(page_target(2), Fault(status=503, retry_after=3600))
    started = time.monotonic()
    with pytest.raises(RateLimited) as failure:
        walk(store, llms)
    assert time.monotonic() - started < 3
    assert failure.value.retry_after == 3600
    assert "downloaded so far are kept" in failure.value.message
    state = store.archive_state("llms")
    assert state is not None and state.pages == 1


def test_refresh_after_an_archive_still_fetches_only_the_first_page(
    llms: SiteServer, store: Store
) -> None:
    llms.answer_304 = True
    refresh_tag(store, "llms", base_url=llms.url)
    validators = store.validators("llms")
    assert validators.last_modified

    walk(store, llms)
    assert store.validators("llms") == validators  # archive pages never touch them

    llms.clear_requests()
    assert refresh_tag(store, "llms", base_url=llms.url).not_modified
    (request,) = llms.requests
    assert request.target == "/tags/llms.atom"
    assert request.header("if-modified-since") == validators.last_modified

    # A new post: the refresh gets the first page (30 posts), still nothing more.
    newest = sitefeeds.note_post("fresh", sitefeeds.utc(2026, 3, 9), ["llms"])
    llms.add_tag("llms", [newest, *llms.posts("llms")])
    llms.clear_requests()
    assert refresh_tag(store, "llms", base_url=llms.url).counts.new == 1
    assert [r.target for r in llms.requests] == ["/tags/llms.atom"]
    assert len(store.list_posts("llms")) == N + 1


def test_archive_without_a_refresh_leaves_no_validators(llms: SiteServer, store: Store) -> None:
    walk(store, llms)
    assert store.validators("llms").last_modified is None
    info = store.tag_info("llms")
    assert info is not None and info.count == N and info.fetched_at is not None


def test_a_complete_archive_catches_up_with_newer_posts_only(
    llms: SiteServer, store: Store
) -> None:
    walk(store, llms)
    fresh = [
        sitefeeds.note_post(f"fresh-{n}", sitefeeds.utc(2026, 3, 9, 10, n), ["llms"])
        for n in range(3)
    ]
    llms.add_tag("llms", [*reversed(fresh), *llms.posts("llms")])
    llms.clear_requests()
    options = ArchiveOptions(page_size=SIZE, catch_up_page_size=2, pause=0, limits=FAST.limits)
    result = walk(store, llms, options=options)
    assert result.caught_up and result.complete
    assert result.counts.new == 3
    # Pages of 2 until one brings nothing new: 2 new, 1 new + 1 known, 2 known.
    assert feed_targets(llms) == [page_target(p, size=2) for p in (1, 2, 3)]
    assert result.describe() == (
        "llms: archive up to date (3 new, 0 updated, 3 unchanged in 3 pages)"
    )
    assert len(store.list_posts("llms")) == N + 3

    llms.clear_requests()
    again = walk(store, llms, restart=True)
    assert again.complete and not again.caught_up and again.pages == 5
    assert again.counts == MergeCounts(unchanged=N + 3)


def test_progress_from_another_site_is_not_resumed(llms: SiteServer, store: Store) -> None:
    llms.set_fault(page_target(2), Fault(status=500))
    with pytest.raises(FetchError):
        walk(store, llms)
    with SiteServer() as other:
        other.add_tag("llms", sitefeeds.sample_posts("llms", n=N))
        result = walk(store, other)
        assert feed_targets(other)[0] == page_target(1)
    assert result.complete and not result.resumed and result.pages == 5


def test_a_page_gone_past_the_end_completes_the_archive(llms: SiteServer, store: Store) -> None:
    llms.set_fault(page_target(5), Fault(status=500))
    with pytest.raises(FetchError):
        walk(store, llms)
    llms.clear_faults()
    llms.add_tag("llms", llms.posts("llms")[:70])  # page 5 of 20 is now past the end: 404
    result = walk(store, llms)
    assert result.complete and result.pages == 4
    state = store.archive_state("llms")
    assert state is not None and state.complete and state.pages == 4


def test_an_unknown_tag_fails_before_anything_is_written(site: SiteServer, store: Store) -> None:
    with pytest.raises(TagNotFound):
        archive_tag(store, "nope", base_url=site.url, options=FAST)
    assert store.archive_state("nope") is None
    with pytest.raises(InvalidTag):
        archive_tag(store, "../etc", base_url=site.url, options=FAST)


def test_a_next_link_to_another_feed_is_refused(llms: SiteServer, store: Store) -> None:
    llms.set_fault(
        page_target(1),
        Fault(
            body=llms.feed_page("llms", 1, SIZE),
            headers={"link": '</tags/other.atom?size=20&page=2>; rel="next"'},
        ),
    )
    with pytest.raises(FetchError, match="another feed"):
        walk(store, llms)
    assert store.list_posts("llms") == []


def test_total_is_unknown_when_the_site_does_not_say(llms: SiteServer, store: Store) -> None:
    llms.set_fault("/tags-autocomplete/", Fault(status=500))
    reports: list[ArchiveProgress] = []
    result = walk(store, llms, on_progress=reports.append)
    assert result.complete and result.total is None
    assert reports[0].describe() == "llms: downloading the whole archive"
    assert reports[1].describe() == "llms: page 1 · 20 posts so far"
    assert reports[1].fraction is None


def test_combined_tags_are_archived_without_a_total(site: SiteServer, store: Store) -> None:
    posts = sitefeeds.sample_posts("llms", n=30)
    site.add_tag("llms", posts)
    site.add_tag("python", [p for p in posts if "python" in p.tags])
    result = archive_tag(store, "llms+python", base_url=site.url, options=FAST)
    assert result.complete and result.total is None
    assert len(store.list_posts("llms+python")) == len(site.posts("python"))
    assert not [r for r in site.requests if r.path == "/tags-autocomplete/"]


def test_options_are_checked() -> None:
    for bad in ({"page_size": 0}, {"page_size": 1001}, {"pause": -1}, {"retries": -1}):
        with pytest.raises(ValueError):
            ArchiveOptions(**bad)
