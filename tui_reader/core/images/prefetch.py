"""Getting pictures: from the store, else downloaded, checked and stored (the reader's workers
and ``tui-reader fetch --images`` both come here), and a tag's pictures ahead of time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import CacheError
from .decode import KEEP_SIZE, DecodedPicture, decode_picture
from .download import download_picture
from .policy import Access, PictureError, PicturePolicy, picture_addresses
from .store import PictureStore

if TYPE_CHECKING:
    import httpx

    from ..models import Post


def obtain_picture(
    url: str,
    *,
    store: PictureStore,
    policy: PicturePolicy,
    client: Callable[[], httpx.Client] | None,
    other_hosts: bool = False,
    keep: tuple[int, int] = KEEP_SIZE,
) -> DecodedPicture:
    """The picture at ``url`` (an address the policy allowed), decoded: from the store, else
    downloaded with a client from ``client`` (None: offline), checked and stored. The copy
    decoded fits in ``keep`` pixels.

    Raises :class:`PictureError` (``lasting`` when it will never be drawn as it is).
    """
    data = store.get(url)
    if data is not None:
        return decode_picture(data, keep)
    if client is None:
        raise PictureError("The picture is not kept for offline reading.", lasting=False)
    with client() as http:
        data = download_picture(
            http, url, may_follow=lambda target: policy.allows_host(target, other_hosts=other_hosts)
        )
    image = decode_picture(data, keep)  # a picture that cannot be drawn is not kept
    with suppress(CacheError):  # drawn this time, fetched again next time
        store.put(url, data)
    return image


@dataclass
class PrefetchReport:
    """What ``fetch --images`` did: counts, and each picture not stored with the reason."""

    stored: int = 0
    already: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # lasting: a stated reason
    failed: list[tuple[str, str]] = field(default_factory=list)  # try again later

    @property
    def total(self) -> int:
        """Pictures seen."""
        return self.stored + self.already + len(self.refused) + len(self.failed)


def post_pictures(posts: Iterable[Post], policy: PicturePolicy) -> list[str]:
    """The absolute addresses of the pictures of ``posts``, in order, once each."""
    found: dict[str, None] = {}
    for post in posts:
        for _alt, address in picture_addresses(post.markdown):
            found.setdefault(policy.judge(address).url, None)
    return list(found)


def prefetch_pictures(
    urls: list[str],
    *,
    store: PictureStore,
    policy: PicturePolicy,
    client: Callable[[], httpx.Client],
    progress: Callable[[int, int, str], None] | None = None,
) -> PrefetchReport:
    """Store each picture of ``urls`` not stored yet; pictures already stored are skipped
    (so an interrupted run resumes where it stopped). ``progress(done, total, url)``."""
    report = PrefetchReport()
    for done, url in enumerate(urls, start=1):
        if progress is not None:
            progress(done, len(urls), url)
        verdict = policy.judge(url)
        if verdict.access is not Access.ALLOWED:
            report.refused.append((url, verdict.reason))
            continue
        if store.has(url):
            report.already += 1
            continue
        try:
            obtain_picture(url, store=store, policy=policy, client=client)
        except PictureError as error:
            (report.refused if error.lasting else report.failed).append((url, error.message))
            continue
        if store.has(url):
            report.stored += 1
        else:
            report.failed.append((url, f"it could not be written to {store.folder}"))
    return report
