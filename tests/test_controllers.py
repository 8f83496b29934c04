"""The reading screen's units, each alone in a tiny host app that records what it reports.

Each unit sits inside a :class:`Recorder`, which keeps every message that bubbles up out of
it (what the reading screen would route), and the host keeps every notification and every
address it was asked to open in the browser. Nothing here touches the internet: online units
talk to the loopback ``site``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Label

from tests.app_support import BASE_URL, FETCHED, NOW, TAG, fixed_clock, make_post, seeded_store
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tui_reader.controllers.link_follower import LinkFollower
from tui_reader.controllers.post_loader import PostLoader
from tui_reader.controllers.reading_tracker import ReadingTracker
from tui_reader.controllers.tag_loader import TagLoader
from tui_reader.controllers.tag_navigator import TagNavigator
from tui_reader.core.cache.store import Store
from tui_reader.core.feed.postlinks import Link
from tui_reader.core.models import Kind
from tui_reader.core.net.fetch import new_client
from tui_reader.core.user.settings import Settings, load_settings, save_pins
from tui_reader.messages import (
    ArchiveEnded,
    ArchiveProgressed,
    GoToTag,
    OpenPost,
    PostLoaded,
    StatusChanged,
    TagEntered,
    TagRefreshed,
    TagRenamedOnSite,
)
from tui_reader.session import ReaderSession
from tui_reader.widgets.archive_bar import ArchiveBar
from tui_reader.widgets.list_pane import ListPane
from tui_reader.widgets.status_bar import Status

M = TypeVar("M", bound=Message)


def session(
    store: Store,
    *,
    base_url: str | None = None,
    settings: Settings | None = None,
    config_path: Path | None = None,
) -> ReaderSession:
    """A session on TAG: offline unless given the (loopback) site's ``base_url``."""
    return ReaderSession(
        store,
        TAG,
        base_url=base_url or BASE_URL,
        clock=fixed_clock,
        offline=base_url is None,
        client_factory=new_client,
        settings=settings or Settings(),
        config_path=config_path,
    )


ROUNDS = 200  # waits for an outcome: each round lets workers finish and messages drain


class Recorder(Widget):
    """Wraps the unit under test; keeps every message that reaches it, in order."""

    def __init__(self, unit: Widget) -> None:
        super().__init__()
        self.unit = unit
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.unit

    async def _on_message(self, message: Message) -> None:
        self.messages.append(message)
        await super()._on_message(message)


class Host(App[None]):
    """The unit's app: notes notifications (expiry never loses one) and browser openings."""

    def __init__(self, unit: Widget) -> None:
        super().__init__()
        self.recorder = Recorder(unit)
        self.notified: list[Notification] = []
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.recorder

    def on_notify(self, event: Notify) -> None:
        self.notified.append(event.notification)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.opened.append(url)


@dataclass
class Hosted:
    """A running host: what the unit reported, and ways to wait for it."""

    app: Host
    pilot: Pilot[None]

    def sequence(self, *kinds: type[Message]) -> list[Message]:
        """The messages of these kinds that bubbled up from the unit, in order."""
        return [message for message in self.app.recorder.messages if isinstance(message, kinds)]

    def sent(self, kind: type[M]) -> list[M]:
        """Every message of ``kind`` that bubbled up from the unit, in order."""
        return [message for message in self.app.recorder.messages if isinstance(message, kind)]

    @property
    def notes(self) -> list[str]:
        """The notifications' texts, in order."""
        return [notification.message for notification in self.app.notified]

    def noted(self, text: str) -> bool:
        return any(text in note for note in self.notes)

    async def round(self) -> None:
        """Wait for the workers running now (cancelled or failed ones too), then for idle."""
        workers = list(self.app.workers)
        await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)
        await self.pilot.pause()

    async def settle(self) -> None:
        """Let every worker finish (and the ones their outcomes start) and messages drain."""
        for _ in range(ROUNDS):
            await self.round()
            if all(worker.is_finished for worker in self.app.workers):
                await self.pilot.pause()
                return

    async def until(self, condition: Callable[[], object]) -> None:
        """Wait (a bounded number of rounds) for ``condition``; fail if it never holds."""
        for _ in range(ROUNDS):
            if condition():
                return
            await self.round()
        assert condition()

    async def first(self, kind: type[M], where: Callable[[M], bool] = lambda _: True) -> M:
        """Wait for the first message of ``kind`` (matching ``where``) to bubble up."""
        await self.until(lambda: [m for m in self.sent(kind) if where(m)])
        return next(m for m in self.sent(kind) if where(m))


@asynccontextmanager
async def hosted(unit: Widget) -> AsyncIterator[Hosted]:
    """Run ``unit`` mounted in a host app."""
    app = Host(unit)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        yield Hosted(app, pilot)


def post_ids(store: Store, tag: str = TAG) -> list[str]:
    return [post.id for post in store.list_posts(tag)]


# -- TagLoader --------------------------------------------------------------------------------


def tag_loader(store: Store, *, base_url: str | None = None) -> TagLoader:
    """A loader on TAG: offline unless given the (loopback) site's ``base_url``."""
    return TagLoader(session(store, base_url=base_url))


async def test_first_screen_reads_the_newest_posts_and_the_fetch_time() -> None:
    store = seeded_store()
    loader = tag_loader(store)
    async with hosted(loader) as host:
        first = loader.first_screen(None, rows=50)
        assert first.years is None
        published = [post.published for post in first.posts]
        assert len(published) == 12 and published == sorted(published, reverse=True)
        newest = loader.first_screen(None, rows=5)  # a long list: the newest, and every year
        assert [post.id for post in newest.posts] == [post.id for post in first.posts[:5]]
        assert newest.years is not None and sum(y.posts for y in newest.years.values()) == 12
        assert loader.status.fetched_at == FETCHED
        await host.settle()
        assert host.sent(StatusChanged)[-1].status.fetched_at == FETCHED
        assert store.last_visit(TAG) == NOW  # recorded off the UI thread


async def test_switching_to_a_cached_tag_changes_the_status_then_enters_it() -> None:
    store = seeded_store()
    lanterns = [
        replace(make_post(n, NOW - timedelta(days=n)), tags=("lanterns",)) for n in (40, 41, 42)
    ]
    store.merge("lanterns", lanterns, fetched_at=FETCHED)
    loader = tag_loader(store)
    async with hosted(loader) as host:
        loader.switch("lanterns", None, True)
        entered = await host.first(TagEntered)
        assert [post.id for post in entered.posts] == [post.id for post in lanterns]
        assert (entered.tag, entered.record) == ("lanterns", True)
        changed, last = host.sequence(StatusChanged, TagEntered)[-2:]
        assert isinstance(changed, StatusChanged) and last is entered
        assert changed.status.tag == loader.tag == "lanterns"


async def test_switching_offline_to_an_uncached_tag_stays_and_says_why() -> None:
    loader = tag_loader(seeded_store())
    async with hosted(loader) as host:
        loader.switch("nowhere", None, True)
        await host.until(lambda: host.notes)
        await host.settle()
        assert not host.sent(TagEntered)
        assert host.notes == [
            "Nothing is cached for “nowhere”, and the reader is offline: "
            "staying on “training-data”."
        ]
        assert loader.tag == TAG


async def test_a_refresh_merges_the_sites_posts(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 12))
    store = Store(":memory:")
    loader = tag_loader(store, base_url=site.url)
    async with hosted(loader) as host:
        loader.start_refresh()
        assert loader.status.refreshing
        refreshed = await host.first(TagRefreshed)
        assert refreshed.tag == TAG and len(refreshed.posts) == 12
        assert post_ids(store) == [post.id for post in refreshed.posts]
        assert loader.status.fresh and not loader.status.refreshing
        await host.until(lambda: host.notes)
        assert host.notes == ["12 new posts tagged training-data"]


async def test_an_unknown_tag_is_not_entered_and_the_error_is_said(site: SiteServer) -> None:
    loader = tag_loader(Store(":memory:"), base_url=site.url)
    async with hosted(loader) as host:
        loader.switch("no-such-tag", None, True)
        await host.until(lambda: host.noted("Still showing “training-data”."))
        await host.settle()
        assert not host.sent(TagEntered)
        [error] = host.app.notified
        assert (error.title, error.severity) == ("No such tag", "error")
        openings = [changed.status.opening for changed in host.sent(StatusChanged)]
        assert openings == ["no-such-tag", None]
        assert loader.tag == TAG


async def test_a_tag_renamed_on_the_site_reports_the_new_name(site: SiteServer) -> None:
    site.add_tag("new-name", sample_posts("new-name", 6))
    site.rename("old-name", "new-name")
    loader = tag_loader(Store(":memory:"), base_url=site.url)
    async with hosted(loader) as host:
        loader.switch("old-name", None, True)
        renamed = await host.first(TagRenamedOnSite)
        assert (renamed.error.old, renamed.error.new) == ("old-name", "new-name")
        await host.settle()
        assert not host.sent(TagEntered)
        assert loader.tag == TAG and loader.status.opening is None


# -- TagNavigator -----------------------------------------------------------------------------


def navigator(*, pins: tuple[str, ...] = (), config_path: Path | None = None) -> TagNavigator:
    settings = Settings(pins=pins)
    return TagNavigator(session(Store(":memory:"), settings=settings, config_path=config_path))


async def test_back_and_forward_go_through_the_tags_visited_without_recording() -> None:
    nav = navigator()
    async with hosted(nav) as host:
        nav.visited("a")
        nav.visited("b")
        nav.back()
        nav.forward()
        await host.until(lambda: len(host.sent(GoToTag)) == 2)
        assert [(m.tag, m.highlight, m.record) for m in host.sent(GoToTag)] == [
            ("a", None, False),
            ("b", None, False),
        ]


async def test_flipping_with_no_other_tag_visited_says_so() -> None:
    nav = navigator()
    async with hosted(nav) as host:
        nav.flip()
        await host.until(lambda: host.notes)
        assert host.notes == ["No other tag visited yet: press t to go to one."]
        assert not host.sent(GoToTag)


async def test_a_pin_number_goes_to_its_tag_or_says_none_is_pinned() -> None:
    nav = navigator(pins=("llms",))
    async with hosted(nav) as host:
        nav.go_pin(1, TAG)
        nav.go_pin(5, TAG)
        await host.until(lambda: host.notes and host.sent(GoToTag))
        assert [(m.tag, m.record) for m in host.sent(GoToTag)] == [("llms", True)]
        assert host.notes == ["No tag is pinned to 5. Press P to pin “training-data”."]


async def test_pinning_saves_the_pins_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    nav = navigator(config_path=config)
    async with hosted(nav) as host:
        nav.toggle_pin("llms")
        assert (load_settings(config).pins, nav.pins) == (("llms",), ("llms",))
        nav.toggle_pin("llms")
        assert (load_settings(config).pins, nav.pins) == ((), ())
        await host.until(lambda: len(host.notes) == 2)
        assert host.notes == ["Pinned “llms”: press 1 to come back to it.", "Unpinned “llms”."]


async def test_pins_are_not_saved_in_the_demo() -> None:
    nav = navigator(config_path=None)
    async with hosted(nav) as host:
        nav.toggle_pin("llms")
        await host.until(lambda: host.notes)
        assert host.notes == ["Pins are not saved in the demo."]
        assert nav.pins == ()


# -- ReadingTracker ---------------------------------------------------------------------------


async def test_read_marks_show_at_once_and_the_last_one_is_saved() -> None:
    store = seeded_store()
    post_id = post_ids(store)[0]
    tracker = ReadingTracker(store, fixed_clock)
    async with hosted(tracker) as host:
        shown = store.read_ids()
        tracker.start(shown)
        tracker.set_read(post_id, True)
        assert post_id in shown  # the very set the list draws from
        tracker.set_read(post_id, False)
        assert post_id not in shown
        await host.settle()
        assert not store.is_read(post_id)
        assert tracker.read_ids is shown and post_id not in tracker.read_ids


async def test_a_position_is_saved_once_per_line() -> None:
    store = seeded_store()
    post_id, other = post_ids(store)[:2]
    tracker = ReadingTracker(store, fixed_clock)
    async with hosted(tracker) as host:
        tracker.remember_position(post_id, 12)
        await host.settle()
        assert store.position(post_id) == 12
        store.set_position(post_id, 3)  # changed behind the tracker's back
        tracker.remember_position(post_id, 12)  # the line it saved last: nothing is written
        tracker.position_known(other, 5)
        tracker.remember_position(other, 5)  # where the cache says it was left: nothing either
        await host.settle()
        assert (store.position(post_id), store.position(other)) == (3, 0)
        tracker.remember_position(post_id, 20, now=True)
        assert store.position(post_id) == 20  # saved before returning


# -- PostLoader -------------------------------------------------------------------------------


async def test_the_post_asked_for_last_is_loaded_with_its_line() -> None:
    store = seeded_store()
    first, last = post_ids(store)[:2]
    store.set_position(last, 7)
    loader = PostLoader(store)
    async with hosted(loader) as host:
        loader.request(first)
        loader.request(last)
        assert loader.wanted == last
        loaded = await host.first(PostLoaded, lambda message: message.post_id == last)
        assert loaded.post is not None and loaded.post.id == last
        assert loaded.line == 7


async def test_a_rested_request_names_the_post_of_the_moment_it_fires() -> None:
    store = seeded_store()
    first, last = post_ids(store)[:2]
    current = [first]
    asked: list[str] = []

    def which() -> str:
        asked.append(current[0])
        return current[0]

    loader = PostLoader(store)
    async with hosted(loader) as host:
        loader.request_when_rested(0.05, which)
        loader.request_when_rested(0.05, which)  # the wait starts again: still one request
        current[0] = last  # the cursor moved on before it rested
        loaded = await host.first(PostLoaded)
        await host.pilot.pause(0.1)  # past both delays: a second timer would have fired
        await host.settle()
        assert asked == [last]
        assert [message.post_id for message in host.sent(PostLoaded)] == [last]
        assert loaded.post is not None and loaded.post.id == last


async def test_an_unknown_post_loads_as_none() -> None:
    loader = PostLoader(seeded_store())
    async with hosted(loader) as host:
        missing = "https://simonwillison.net/2020/Jan/1/missing/"
        loader.request(missing)
        loaded = await host.first(PostLoaded)
        assert (loaded.post_id, loaded.post, loaded.line) == (missing, None, 0)


async def test_a_post_without_markdown_is_loaded_with_it_made() -> None:
    post = replace(make_post(1, NOW - timedelta(days=1)), markdown="")
    store = seeded_store([post])
    loader = PostLoader(store)
    async with hosted(loader) as host:
        loader.request(post.id)
        loaded = await host.first(PostLoaded)
        assert loaded.post is not None and "lanterns" in loaded.post.markdown
        stored = store.get_post(post.id)
        assert stored is not None and stored.markdown == loaded.post.markdown


# -- LinkFollower -----------------------------------------------------------------------------


async def test_a_tag_page_link_goes_to_the_tag() -> None:
    links = LinkFollower(Store(":memory:"), BASE_URL)
    async with hosted(links) as host:
        links.follow(Link("llms", "https://simonwillison.net/tags/llms/"))
        went = await host.first(GoToTag)
        assert (went.tag, went.highlight, went.record) == ("llms", None, True)
        assert not host.app.opened


async def test_a_cached_post_opens_in_the_reader_and_history_goes_back_to_its_origin() -> None:
    store = seeded_store()
    here, there = post_ids(store)[:2]
    links = LinkFollower(store, BASE_URL)
    async with hosted(links) as host:
        as_linked = there.replace("https://", "http://") + "#atom-tag"
        links.follow(Link("there", as_linked), came_from=here)
        assert (await host.first(OpenPost)).post_id == there
        links.back()
        links.forward()
        await host.until(lambda: len(host.sent(OpenPost)) == 3)
        assert [m.post_id for m in host.sent(OpenPost)] == [there, here, there]
        assert not host.app.opened


@pytest.mark.parametrize(
    "url",
    [
        "https://simonwillison.net/2020/Jan/1/not-cached/",  # the site has it: the browser
        "https://example.com/a-page",
    ],
)
async def test_an_uncached_post_or_a_web_link_opens_in_the_browser(url: str) -> None:
    links = LinkFollower(seeded_store(), BASE_URL)
    async with hosted(links) as host:
        links.follow(Link("page", url))
        await host.until(lambda: host.notes)
        assert host.app.opened == [url]
        assert host.notes == [f"Opening {url}"]
        assert not host.sent(OpenPost)


async def test_a_javascript_link_is_never_opened() -> None:
    links = LinkFollower(seeded_store(), BASE_URL)
    async with hosted(links) as host:
        links.follow(Link("click me", "javascript:alert(1)"))
        await host.until(lambda: host.notes)
        await host.settle()
        assert not host.app.opened
        assert host.noted("only http and https")


# -- ListPane ---------------------------------------------------------------------------------


async def test_the_list_pane_titles_the_list_and_narrows_it_by_kind() -> None:
    posts = seeded_store().list_posts(TAG)
    pane = ListPane()
    async with hosted(pane):
        pane.show(TAG, posts)
        assert str(pane.border_title) == "12 posts tagged “training-data”"
        pane.cycle_kind()
        entries = [post.id for post in posts if post.kind is Kind.ENTRY]
        assert pane.kind_filter is Kind.ENTRY
        assert [post.id for post in pane.post_list.posts] == entries
        assert str(pane.border_title) == f"{len(entries)} entries tagged “training-data”"


async def test_a_kind_with_no_posts_says_so_and_how_to_change_it() -> None:
    posts = [post for post in seeded_store().list_posts(TAG) if post.kind is not Kind.LINK]
    pane = ListPane()
    async with hosted(pane):
        pane.show(TAG, posts)
        pane.cycle_kind()
        pane.cycle_kind()
        assert pane.kind_filter is Kind.LINK and not pane.post_list.posts
        said = pane.empty_message(Status(tag=TAG)).plain
        assert "No links tagged “training-data” in the cache." in said
        assert "Press f" in said


# -- ArchiveBar -------------------------------------------------------------------------------


def archive_label(bar: ArchiveBar) -> str:
    return str(bar.query_one("#archive-label", Label).render())


async def test_the_archive_bar_downloads_the_whole_tag_with_progress(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    store = Store(":memory:")
    bar = ArchiveBar(session(store, base_url=site.url))
    async with hosted(bar) as host:
        bar.start(TAG)
        assert bar.running
        ended = await host.first(ArchiveEnded)
        assert (ended.tag, ended.error) == (TAG, None)
        reports = host.sequence(ArchiveProgressed, ArchiveEnded)
        assert reports[-1] is ended and len(reports) > 1  # every page's progress came first
        assert host.sent(ArchiveProgressed)[-1].progress.posts == 45
        assert len(store.list_posts(TAG)) == 45
        assert not bar.running


async def test_stopping_before_any_download_does_nothing() -> None:
    bar = ArchiveBar(session(Store(":memory:")))
    async with hosted(bar) as host:
        before = archive_label(bar)
        bar.stop(TAG)
        await host.settle()
        assert archive_label(bar) == before
        assert not bar.running and not host.sent(ArchiveEnded)


async def test_a_failed_archive_says_how_to_resume(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    site.set_fault(f"/tags/{TAG}.atom", Fault(status=500))
    store = Store(":memory:")
    bar = ArchiveBar(session(store, base_url=site.url))
    async with hosted(bar) as host:
        bar.start(TAG)
        ended = await host.first(ArchiveEnded)
        assert ended.error is not None
        assert "Press A to resume" in archive_label(bar)
        assert not bar.running
        assert store.list_posts(TAG) == []


# -- fixed after the split: a stale pin list, a crashed opening, positions out of order ------


async def test_pinning_follows_what_the_file_says_when_another_copy_changed_it(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    nav = navigator(config_path=config)  # started with no pins
    async with hosted(nav) as host:
        save_pins(config, ["llms"])  # another copy of the app pinned llms meanwhile
        nav.toggle_pin("llms")
        await host.settle()
        assert nav.pins == () == load_settings(config).pins
        assert any("Unpinned “llms”" in note for note in host.notes)


async def test_a_crashed_opening_is_reported_and_the_status_recovers() -> None:
    def broken() -> httpx.Client:
        raise RuntimeError("boom")

    loader = TagLoader(
        replace(session(Store(":memory:"), base_url=BASE_URL), client_factory=broken)
    )
    async with hosted(loader) as host:
        loader.switch("other", None, True)
        await host.settle()
        assert loader.status.opening is None
        assert any("Refresh failed unexpectedly" in note for note in host.notes)
        assert not host.sent(TagEntered)


class GatedStore(Store):
    """A store whose first position write is held until the second has been saved."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.gate = threading.Event()

    def set_position(self, post_id: str, line: int, *, when: datetime | None = None) -> None:
        if line == 10:
            self.gate.wait(5)
        super().set_position(post_id, line, when=when)
        if line == 20:
            self.gate.set()


async def test_positions_saved_out_of_order_keep_the_last_one() -> None:
    store = GatedStore()
    store.merge(TAG, list(seeded_store().posts(TAG)))
    post_id = store.list_posts(TAG)[0].id
    tracker = ReadingTracker(store, fixed_clock)
    async with hosted(tracker) as host:
        tracker.remember_position(post_id, 10)
        tracker.remember_position(post_id, 20)
        await host.settle()
        assert store.position(post_id) == 20
