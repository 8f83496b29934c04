"""Markdown made after a fetch, not during it.

Converting a body (markdownify over BeautifulSoup) costs about three times feedparser's parse
of it, so refreshes and archive walks store posts with their HTML and an empty ``markdown``;
this module fills it in: a post being opened at once (:func:`ensure_markdown`), the rest in
the background or before a command that needs them (:func:`convert_pending`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # worker processes import this module (finish_markdown): no cache there
    from ..models import Post
    from .store import Store

BATCH = 40
"""Posts converted per transaction."""
PARALLEL_MIN = 200
"""Posts waiting for Markdown before other processes are asked to help (starting each costs
about 0.25 s, the conversion of some 150 posts)."""
NO_TEXT = "*(This post has no text to show.)*"
"""Stored when a body converts to nothing (e.g. only a script), so it is not converted again."""


def to_markdown(html: str, url: str) -> str:
    """The Markdown of a body (never empty for a non-empty body)."""
    from ..feed.convert import html_to_markdown  # BeautifulSoup: imported when first needed

    return finish_markdown(html_to_markdown(html, url))


def finish_markdown(markdown: str) -> str:
    """What is stored for a converter's output: :data:`NO_TEXT` instead of nothing."""
    return markdown or NO_TEXT


def needs_markdown(post: Post) -> bool:
    """Whether ``post`` still waits for its Markdown."""
    return not post.markdown and bool(post.html)


def ensure_markdown(store: Store, post: Post) -> Post:
    """``post`` with its Markdown, converting (and saving) it now if it is still missing.

    Raises :class:`~tui_reader.core.errors.CacheError` only if saving fails; the converted
    post can still be shown, so callers may catch it and go on.
    """
    if not needs_markdown(post):
        return post
    markdown = to_markdown(post.html, post.url)
    converted = replace(post, markdown=markdown)
    store.set_markdown([(post.id, post.html, markdown)])
    return converted


def convert_pending(
    store: Store, *, should_stop: Callable[[], bool] | None = None, processes: int = 1
) -> int:
    """Convert every post still without Markdown, newest first; returns how many were.

    Commits every ``BATCH`` posts, so stopping (``should_stop``, or the process ending) keeps
    what was done. With ``processes`` over 1 and an archive-size batch waiting, that many
    worker processes convert (:mod:`.parallel_backfill`); a command that waits for the
    conversion asks for it. The app's background conversion stays on one core (the default),
    leaving the others to the screen.
    """
    done = 0
    if processes > 1 and len(store.unconverted(PARALLEL_MIN)) >= PARALLEL_MIN:
        from .parallel_backfill import PoolFailed, convert_in_processes

        try:
            return convert_in_processes(
                store, processes, batch=BATCH, finish=finish_markdown, should_stop=should_stop
            )
        except PoolFailed as failure:
            done = failure.done  # saved; go on here with the rest
    while not (should_stop and should_stop()):
        batch = store.unconverted(BATCH)
        if not batch:
            break
        results = [(post_id, html, to_markdown(html, url)) for post_id, html, url in batch]
        if not store.set_markdown(results):
            break  # nothing could be saved (every one raced with a refresh): stop for now
        done += len(results)
    return done
