"""Messages the reading screen's units send up to it: what happened, for the screen to route.

Each unit (``controllers/`` and the archive bar) does its work off the UI thread and reports
here; the screen only decides which widget shows the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from .core.errors import ReaderError, TagRenamed
from .core.models import Post, PostSummary, TagFacts, TagInfo

if TYPE_CHECKING:
    from .core.net.archive import ArchiveProgress
    from .core.net.follow import TagRefreshOutcome
    from .widgets.status_bar import Status


class TagEntered(Message):
    """The screen now shows ``tag``: its posts, read from the cache or just fetched."""

    def __init__(
        self,
        tag: str,
        posts: Sequence[PostSummary],
        info: TagInfo | None,
        cursor: str | None,
        record: bool,
        since: datetime | None = None,
    ) -> None:
        super().__init__()
        self.tag = tag
        self.posts = posts
        self.info = info
        self.cursor = cursor
        self.record = record
        self.since = since


class TagRefreshed(Message):
    """The tag on screen was refreshed (or re-read): its posts as the cache now holds them."""

    def __init__(self, tag: str, posts: Sequence[PostSummary]) -> None:
        super().__init__()
        self.tag = tag
        self.posts = posts


class TagFactsChanged(Message):
    """What the site says of ``tag`` (its size by kind, its description) is known or new."""

    def __init__(self, tag: str, facts: TagFacts) -> None:
        super().__init__()
        self.tag = tag
        self.facts = facts


class TagRenamedOnSite(Message):
    """The site renamed a tag: the user is offered the new name."""

    def __init__(self, error: TagRenamed) -> None:
        super().__init__()
        self.error = error


class StatusChanged(Message):
    """What the status line says has changed."""

    def __init__(self, status: Status) -> None:
        super().__init__()
        self.status = status


class GoToTag(Message):
    """The user asked for ``tag`` (history, pins, the switcher, a link to a tag page)."""

    def __init__(self, tag: str, highlight: str | None = None, record: bool = True) -> None:
        super().__init__()
        self.tag = tag
        self.highlight = highlight
        self.record = record


class PostLoaded(Message):
    """A post read from the cache for the reading pane (None: it is not cached)."""

    def __init__(self, post_id: str, post: Post | None, line: int = 0) -> None:
        super().__init__()
        self.post_id = post_id
        self.post = post
        self.line = line


class OpenPost(Message):
    """A post reached by following a link (or going back and forth): open it."""

    def __init__(self, post_id: str) -> None:
        super().__init__()
        self.post_id = post_id


class ArchiveProgressed(Message):
    """A page of an archive download has been saved."""

    def __init__(self, progress: ArchiveProgress) -> None:
        super().__init__()
        self.progress = progress


class ArchiveEnded(Message):
    """An archive download finished, was stopped, or failed (``error``)."""

    def __init__(self, tag: str, summary: str, error: ReaderError | None = None) -> None:
        super().__init__()
        self.tag = tag
        self.summary = summary
        self.error = error


class FollowChanged(Message):
    """The followed tags changed (followed, unfollowed, pinned)."""

    def __init__(self, tags: tuple[str, ...]) -> None:
        super().__init__()
        self.tags = tags


class FollowRefreshProgressed(Message):
    """A refresh of the followed tags is about to fetch ``tag`` (``done`` of ``total`` so far)."""

    def __init__(self, done: int, total: int, tag: str) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.tag = tag


class FollowRefreshEnded(Message):
    """A refresh of the followed tags ended: each tag's outcome (``quiet``: the timer's)."""

    def __init__(self, outcomes: tuple[TagRefreshOutcome, ...], quiet: bool = False) -> None:
        super().__init__()
        self.outcomes = outcomes
        self.quiet = quiet


class UnreadLoaded(Message):
    """Unread posts of the followed ``tags``, newest first: the newest first, then (``rest``)
    the whole list; ``error``: they could not be read."""

    def __init__(
        self,
        tags: tuple[str, ...],
        posts: Sequence[PostSummary],
        rest: bool = False,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.tags = tags
        self.posts = posts
        self.rest = rest
        self.error = error
