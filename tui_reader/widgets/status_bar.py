"""One line saying which tag is shown, how fresh it is, and the last refresh error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ..core.feed.dates import ago
from ..core.feed.sanitize import one_line
from ..core.models import Record

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def describe_age(then: datetime, now: datetime) -> str:
    """``just now``, ``12 min ago``, ``3 h ago``, ``4 d ago``."""
    return ago(now - then)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Status(Record):
    """What the status bar shows."""

    tag: str
    fetched_at: datetime | None = None  # the cache's last successful fetch of the tag
    refreshing: bool = False
    offline: bool = False  # --offline, or the last refresh could not reach the site
    fresh: bool = False  # refreshed successfully during this session
    error: str | None = None  # the last refresh's failure, until the next success
    demo: bool = False
    opening: str | None = None  # a tag not cached yet, being fetched before switching to it


def status_text(status: Status, now: datetime, activity: str = "") -> Content:
    """The status line for ``status`` at ``now`` (``activity``: background work on other tags,
    such as ``refreshing 3 of 12 · llms``)."""
    age = describe_age(status.fetched_at, now) if status.fetched_at else None
    if status.demo:
        state = "demo · bundled sample feed"
    elif status.refreshing:
        state = f"refreshing… · cached {age}" if age else "refreshing…"
    elif status.offline:
        state = f"offline · cached {age}" if age else "offline · nothing cached"
    elif status.fresh:
        state = f"up to date · fetched {age}" if age else "up to date"
    else:
        state = f"cached {age}" if age else "not fetched yet"
    parts: list[str | tuple[str, str]] = [(status.tag, "bold"), " · ", state]
    if status.opening:
        parts += ["  ", (f"⟳ opening “{status.opening}”…", "$text-accent")]
    if activity:
        parts += ["  ", (f"⟳ {one_line(activity)}", "$text-accent")]
    if status.error:
        parts += ["  ", (f"⚠ {one_line(status.error)}", "$text-error")]
    return Content.assemble(*parts)


class StatusBar(Widget):
    """The status line; ``status`` is replaced whole by the screen."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    status: reactive[Status] = reactive(Status(tag=""))
    activity: reactive[str] = reactive("")

    def __init__(self, *, clock: Clock = utc_now, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock

    def on_mount(self) -> None:
        """Keep "3 min ago" current."""
        self.set_interval(30, self.refresh)

    def render(self) -> Content:
        """The line for the current status."""
        return status_text(self.status, self._clock(), self.activity)
