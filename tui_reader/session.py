"""What a reading session works with: the cache, the site, the clock, the user's files.

The app makes one :class:`ReaderSession` and hands it to the reading screen, which builds its
units from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .core.user.reader_state import ReaderState
from .core.user.settings import Settings

if TYPE_CHECKING:
    import httpx

    from .core.cache.store import Store

ClientFactory = Callable[[], "httpx.Client"]
Clock = Callable[[], datetime]


def _nothing() -> None:
    """Saving nothing (the demo)."""


@dataclass
class ReaderSession:
    """The reader's surroundings; ``offline`` is also set for the demo (no request, ever)."""

    store: Store
    tag: str
    base_url: str
    clock: Clock
    offline: bool = False
    demo: bool = False
    client_factory: ClientFactory | None = None
    state: ReaderState = field(default_factory=ReaderState)
    settings: Settings = field(default_factory=Settings)
    config_path: Path | None = None  # None: settings are not saved (the demo)
    save_state: Callable[[], None] = _nothing
