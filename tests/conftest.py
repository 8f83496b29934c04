"""Shared fixtures: a local fake of the site, and no test ever touching the user's real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fault_support import Seeded, seed
from tests.site_server import SiteServer


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point platformdirs (XDG on Linux) at tmp folders and forget any base-URL override."""
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        folder = tmp_path / "xdg" / name.removeprefix("XDG_").removesuffix("_HOME").lower()
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("TUI_READER_BASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _no_real_picture_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pictures come only from the --base-url host (the loopback site), never the real one."""
    from tui_reader.core.images import policy

    monkeypatch.setattr(policy, "SITE_HOSTS", frozenset())


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A running fake of simonwillison.net on 127.0.0.1 with nothing registered."""
    server = SiteServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def seeded(site: SiteServer, tmp_path: Path) -> Iterator[Seeded]:
    """A cache filled by one good fetch of the loopback site (the fault suites' start)."""
    seeded = seed(site, tmp_path)
    try:
        yield seeded
    finally:
        seeded.store.close()
