"""A small sample feed bundled with the package, so the reader can be tried without a network.

``sample.atom`` was written for this project (every name, quote and link in it is invented);
only its shape follows simonwillison.net's tag feeds: the compact one-line Atom, ``#atom-tag``
ids (some in the old ``http://`` form), and every kind of post with its HTML quirks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

from ..core.cache.store import Store

DEMO_TAG = "training-data"
DEMO_SOURCE = "http://simonwillison.net/tags/training-data.atom"
DEMO_FETCHED_AT = datetime(2026, 2, 15, 9, 0, tzinfo=UTC)


def sample_feed() -> bytes:
    """The bundled feed document."""
    return files(__package__).joinpath("sample.atom").read_bytes()


def load_demo(store: Store) -> str:
    """Parse the sample feed, merge it into ``store`` and return its tag."""
    from ..core.feed.parse import parse_feed

    feed = parse_feed(sample_feed(), source_url=DEMO_SOURCE)
    store.merge(DEMO_TAG, feed.posts, fetched_at=DEMO_FETCHED_AT)
    return DEMO_TAG
