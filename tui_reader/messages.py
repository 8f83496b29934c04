"""Messages the reading screen's units send up to it: what happened, for the screen to route.

Each unit (``controllers/`` and the archive bar) does its work off the UI thread and reports
here; the screen only decides which widget shows the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from .core.errors import ReaderError, TagRenamed
from .core.models import Post, PostSummary, TagInfo

if TYPE_CHECKING:
    from .core.net.archive import ArchiveProgress
    from .widgets.status_bar import Status


@dataclass
class TagEntered(Message):
    """The screen now shows ``tag``: its posts, read from the cache or just fetched."""

    tag: str
    posts: Sequence[PostSummary]
    info: TagInfo | None
    cursor: str | None
    record: bool
    since: datetime | None = None


@dataclass
class TagRefreshed(Message):
    """The tag on screen was refreshed (or re-read): its posts as the cache now holds them."""

    tag: str
    posts: Sequence[PostSummary]


@dataclass
class TagRenamedOnSite(Message):
    """The site renamed a tag: the user is offered the new name."""

    error: TagRenamed


@dataclass
class StatusChanged(Message):
    """What the status line says has changed."""

    status: Status


@dataclass
class GoToTag(Message):
    """The user asked for ``tag`` (history, pins, the switcher, a link to a tag page)."""

    tag: str
    highlight: str | None = None
    record: bool = True


@dataclass
class PostLoaded(Message):
    """A post read from the cache for the reading pane (None: it is not cached)."""

    post_id: str
    post: Post | None
    line: int = 0


@dataclass
class OpenPost(Message):
    """A post reached by following a link (or going back and forth): open it."""

    post_id: str


@dataclass
class ArchiveProgressed(Message):
    """A page of an archive download has been saved."""

    progress: ArchiveProgress


@dataclass
class ArchiveEnded(Message):
    """An archive download finished, was stopped, or failed (``error``)."""

    tag: str
    summary: str
    error: ReaderError | None = None
