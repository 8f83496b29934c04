"""The on-disk cache: one SQLite database of posts, tag memberships and feed validators.

A merge adds and updates, never deletes, so a tag's history accumulates past the feed's
window. Every merge runs in one transaction: a failed fetch leaves the cache as it was, and
so does a failed save (disk full, read-only, another copy of the app busy writing), which is
reported as a :class:`CacheError` in words.

A damaged database file is renamed aside (never deleted) and a fresh one started, whether the
damage shows when the file is opened or later; a database written by a newer version of the
app is refused without writing to it.

:class:`Store` gathers the parts, each in its own module over the shared connection of
``database``: ``posts`` (posts, tag memberships, validators), ``reading`` (read marks, visits,
scroll positions), ``archive_progress``, ``search_index``, ``following`` (many tags at
once: the followed tags' overview and unread posts, related tags, fetch errors) and
``tag_facts`` (what the site says of each tag: its size and description); ``schema``
holds the tables and their migrations, ``columns`` how values are written to them.
"""

from __future__ import annotations

from .archive_progress import ArchiveProgress
from .columns import content_hash
from .following import FollowedTags
from .posts import PostsAndTags
from .reading import ReadingState
from .schema import SCHEMA_VERSION
from .search_index import SearchIndex

__all__ = ["SCHEMA_VERSION", "Store", "content_hash"]


class Store(PostsAndTags, ReadingState, ArchiveProgress, SearchIndex, FollowedTags):
    """The cache database. Safe to share between threads (calls are serialised).

    Several stores (in one process or several) may use the same file at once: a write waits
    up to ``busy_timeout`` seconds for another to finish, then fails with a :class:`CacheError`
    saying the cache is busy.
    """
