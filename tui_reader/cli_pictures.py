"""``tui-reader fetch [TAG ...] --images``: download the pictures of the tags' cached posts
ahead of time, so they are there to read with no network.

Pictures already kept are skipped, so an interrupted run resumes where it stopped. The exit
status is 0 only when every picture was stored or refused for a reason given (missing on the
site, not a picture, SVG, too large, another site's host).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from .core.errors import CacheError, ReaderError
from .core.feed.sanitize import one_line
from .core.tags import validate_tag
from .core.user import paths

if TYPE_CHECKING:
    from .core.cache.store import Store
    from .core.user.settings import Settings


def fetch_pictures(
    raw_tags: Sequence[str],
    *,
    base_url: str,
    open_store: Callable[[], Store],
    settings: Callable[[], Settings],
) -> int:
    """Store the pictures of ``raw_tags``' cached posts (none: every followed tag)."""
    from .core.cache.markdown_backfill import convert_pending
    from .core.images.download import new_picture_client
    from .core.images.policy import PicturePolicy
    from .core.images.prefetch import post_pictures, prefetch_pictures
    from .core.images.store import PictureStore
    from .core.user.settings import followed_tags

    chosen = settings()
    tags = [validate_tag(tag) for tag in raw_tags] or list(followed_tags(chosen))
    if not tags:
        print("tui-reader: no tag given and no tag followed.", file=sys.stderr)
        return 1
    policy = PicturePolicy(base_url, all_hosts=chosen.image_hosts == "all")
    pictures = PictureStore(
        paths.pictures_dir(paths.database_path()), chosen.image_cache_mb * 1024 * 1024
    )
    ok = True
    with open_store() as store:
        with suppress(CacheError):  # posts fetched without Markdown: their pictures too
            convert_pending(store)
        for tag in tags:
            try:
                urls = post_pictures(store.posts(tag), policy)
            except ReaderError as error:
                print(f"tui-reader: {tag}: {error.message}", file=sys.stderr)
                ok = False
                continue
            report = prefetch_pictures(
                urls, store=pictures, policy=policy, client=new_picture_client, progress=_progress
            )
            _clear_progress()
            for url, reason in report.refused:
                print(f"tui-reader: {tag}: refused {one_line(url)}: {reason}", file=sys.stderr)
            for url, reason in report.failed:
                print(f"tui-reader: {tag}: failed {one_line(url)}: {reason}", file=sys.stderr)
            print(
                f"{tag}: {report.total} pictures: {report.stored} stored now,"
                f" {report.already} already kept, {len(report.refused)} refused,"
                f" {len(report.failed)} failed"
            )
            ok = ok and not report.failed
    print(f"pictures kept in {pictures.folder}")
    return 0 if ok else 1


def _progress(done: int, total: int, url: str) -> None:
    if sys.stderr.isatty():
        shown = one_line(url, limit=60)
        print(f"\r\x1b[Kpicture {done} of {total}: {shown}", end="", file=sys.stderr, flush=True)


def _clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
