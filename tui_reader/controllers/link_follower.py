"""Following links and opening pages: a cached post of the site opens in the reader, a tag page
switches tag, any other http(s) address opens in the browser (said as it opens), anything else
never.

Posts reached this way make a history of their own (``alt+←`` / ``alt+→``).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from ..background import in_thread
from ..core.errors import ReaderError
from ..core.urls import is_web_url
from ..core.user.history import TagHistory
from ..messages import GoToTag, OpenPost
from .unit import Unit

if TYPE_CHECKING:
    from ..core.cache.store import Store
    from ..core.feed.postlinks import Link
    from ..core.models import Post, PostSummary


class _LinkedPostFound(Message, bubble=False):
    def __init__(self, post_id: str, url: str, cached: bool, came_from: str | None) -> None:
        super().__init__()
        self.post_id = post_id
        self.url = url
        self.cached = cached
        self.came_from = came_from


class LinkFollower(Unit):
    """Follows a post's links and keeps the history of the posts reached."""

    def __init__(self, store: Store, base_url: str) -> None:
        super().__init__()
        self._store = store
        self._base_url = base_url
        self._history = TagHistory()  # post ids, for going back and forward

    @property
    def history(self) -> TagHistory:
        """The posts reached by following links, for alt+←/alt+→."""
        return self._history

    def list_links(self, post: Post | None) -> None:
        """Show ``post``'s links, numbered; the chosen one is followed."""
        from ..core.feed.postlinks import post_links
        from ..screens.links import LinksScreen

        if post is None:
            self.notify("No post open.", markup=False)
            return
        links = post_links(post)
        if not links:
            self.notify("This post has no links.", markup=False)
            return
        self.app.push_screen(
            LinksScreen(post.title, links), partial(self.follow, came_from=post.id)
        )

    def follow(self, link: Link | None, *, came_from: str | None = None) -> None:
        """Follow ``link`` (from the post ``came_from``), wherever it leads."""
        from ..core.feed.postlinks import Target, classify

        if link is None:
            return
        target, value = classify(link.url, self._base_url)
        if target is Target.TAG:
            self.post_message(GoToTag(value))
        elif target is Target.POST:
            in_thread(
                self,
                partial(self._find_post, value, link.url, came_from),
                group="linked-post",
                description="Look for a linked post in the cache",
            )
        else:
            self.open_web(link.url)

    def _find_post(self, post_id: str, url: str, came_from: str | None) -> None:
        try:
            cached = self._store.get_post(post_id) is not None
        except ReaderError:
            cached = False
        self.post_message(_LinkedPostFound(post_id, url, cached, came_from))

    @on(_LinkedPostFound)
    def _found(self, event: _LinkedPostFound) -> None:
        if not event.cached:  # not in the cache: the site has it
            self.open_web(event.url)
            return
        if event.came_from is not None:
            self._history.visit(event.came_from)
        self._history.visit(event.post_id)
        self.post_message(OpenPost(event.post_id))

    def back(self) -> None:
        """Back to the post a link was followed from."""
        post_id = self._history.back()
        if post_id is not None:
            self.post_message(OpenPost(post_id))

    def forward(self) -> None:
        """Forward to the post of a followed link."""
        post_id = self._history.forward()
        if post_id is not None:
            self.post_message(OpenPost(post_id))

    def open_post_page(self, summary: PostSummary | None, shown: Post | None = None) -> None:
        """Open the post ``summary`` on the blog, or the page a link post links to when that
        post is ``shown`` (open in the reading pane)."""
        from ..core.feed.postlinks import linked_page

        if summary is None:
            self.notify("No post selected.", severity="warning", markup=False)
            return
        linked = linked_page(shown) if shown is not None and shown.id == summary.id else None
        self.open_web(linked.url if linked is not None else summary.url)

    def open_web(self, url: str) -> None:
        """Open ``url`` in the browser, saying which; only http(s) addresses are ever opened."""
        if not is_web_url(url):
            self.notify(
                f"Not opening {url}: only http and https addresses are opened.",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(url)
        self.notify(f"Opening {url}", markup=False)
