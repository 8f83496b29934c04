"""Fixture data and helpers for the app's tests: fixed posts, a fixed clock, settling waits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot

from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Kind, Post
from tui_reader.screens.main import MainScreen

TAG = "training-data"
BASE_URL = "https://simonwillison.net"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FETCHED = NOW - timedelta(hours=3)
KINDS = (Kind.ENTRY, Kind.LINK, Kind.QUOTATION, Kind.NOTE, Kind.BEAT, Kind.CHAPTER)
HOSTILE_TITLE = "[bold]x[/bold] and [@click=app.quit]click me[/] [/oops]"


def fixed_clock() -> datetime:
    """The tests' "now"."""
    return NOW


def make_post(
    n: int, published: datetime, *, title: str | None = None, kind: Kind | None = None
) -> Post:
    """A small post with a dated permalink."""
    slug = f"post-{n}"
    url = f"https://simonwillison.net/{published:%Y/%b}/{published.day}/{slug}/"
    body = f"Body of post {n}.\n\nA second paragraph about lanterns."
    return Post(
        id=url,
        url=url,
        title=title if title is not None else f"Post number {n} about tides",
        kind=kind if kind is not None else KINDS[n % len(KINDS)],
        published=published,
        tags=(TAG, "ai"),
        html=f"<p>{body}</p>",
        markdown=body,
    )


def year_posts(counts: dict[int, int], *, start: int = 0) -> list[Post]:
    """``counts[year]`` posts in each year, newest first, numbered from ``start``."""
    posts: list[Post] = []
    n = start
    for year in sorted(counts, reverse=True):
        step = timedelta(days=9) if counts[year] < 30 else timedelta(days=330) / counts[year]
        for i in range(counts[year]):
            when = datetime(year, 11, 28, 12, 0, tzinfo=UTC) - step * i
            posts.append(make_post(n, when))
            n += 1
    return posts


STANDARD_COUNTS = {2025: 4, 2024: 3, 2023: 5}


def seeded_store(posts: Iterable[Post] | None = None) -> Store:
    """An in-memory store holding ``posts`` (default: 12 over three years), fetched 3 h ago."""
    store = Store(":memory:")
    store.merge(TAG, year_posts(STANDARD_COUNTS) if posts is None else posts, fetched_at=FETCHED)
    return store


def record_browser(app: ReaderApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make ``app`` note the addresses it would open in the browser, instead of opening them."""
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    return opened


def failing_client() -> httpx.Client:
    """A client whose every request fails as if the network were down."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    return httpx.Client(transport=httpx.MockTransport(handler))


def make_app(
    store: Store,
    *,
    offline: bool = True,
    client_factory: Callable[[], httpx.Client] | None = None,
    base_url: str = BASE_URL,
    demo: bool = False,
    tag: str = TAG,
    state_path: Path | None = None,
    config_path: Path | None = None,
) -> ReaderApp:
    """The app on ``store`` with the fixed clock (offline unless told otherwise)."""
    return ReaderApp(
        store,
        tag,
        base_url=base_url,
        offline=offline,
        client_factory=client_factory,
        demo=demo,
        clock=fixed_clock,
        state_path=state_path,
        config_path=config_path,
    )


async def settle(pilot: Pilot[None]) -> None:
    """Let timers fire (the show-post debounce), workers finish and messages drain.

    On a loaded machine the debounce timer can fire late: while the highlighted post is not
    yet the one in the reading pane, wait another round (a few at most).
    """
    app = pilot.app
    for _ in range(6):
        await pilot.pause(MainScreen.SHOW_DELAY * 2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not _showing_other_post(app):
            break


def _showing_other_post(app: object) -> bool:
    """Whether the reading screen's pane lags behind its list's cursor."""
    screens = getattr(app, "screen_stack", [])
    main = next((screen for screen in screens if isinstance(screen, MainScreen)), None)
    if main is None or not main.is_mounted:
        return False
    try:
        highlighted = main.post_list.highlighted_post
        shown = main.reading_pane.post_id
    except Exception:  # not composed yet, or being torn down
        return False
    return highlighted is not None and shown is None
