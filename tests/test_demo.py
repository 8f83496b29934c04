"""The bundled demo feed and the launcher the CLI calls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_support import settle
from tui_reader import app as app_module
from tui_reader.app import ReaderApp, run_reader
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Kind
from tui_reader.demo import DEMO_TAG, load_demo, sample_feed
from tui_reader.screens.main import MainScreen
from tui_reader.widgets.status_bar import StatusBar


def test_demo_feed_has_every_kind_over_several_years() -> None:
    store = Store(":memory:")
    assert load_demo(store) == DEMO_TAG == "training-data"
    posts = store.list_posts(DEMO_TAG)
    assert 20 <= len(posts) <= 30
    assert {p.kind for p in posts} == set(Kind)
    assert len({p.published.year for p in posts}) >= 4
    assert any("[bold]" in p.title and "[@click=" in p.title for p in posts)
    for tag in ("llms", "ai"):
        assert store.list_posts(tag)
    longest = max((store.get_post(p.id) for p in posts), key=lambda p: len(p.markdown) if p else 0)
    assert longest is not None and "|" in longest.markdown and "```" in longest.markdown


def test_demo_feed_has_the_sites_shape() -> None:
    data = sample_feed()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<feed xml:lang="en-us"')
    assert b"</entry>\n" not in data and b"</title>\n" not in data  # compact, like the site
    assert b"#atom-tag</id>" in data and b"<id>http://simonwillison.net/</id>" in data
    assert b"&lt;p&gt;Tags: " in data


async def test_demo_app_never_refreshes() -> None:
    store = Store(":memory:")
    tag = load_demo(store)

    def no_network() -> object:
        raise AssertionError("the demo must not touch the network")

    app = ReaderApp(
        store,
        tag,
        base_url="https://simonwillison.net",
        demo=True,
        client_factory=no_network,  # type: ignore[arg-type]
    )
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert str(app.screen.query_one(StatusBar).render()).startswith("training-data · demo")
        await pilot.press("r")
        await settle(pilot)
        assert "nothing to refresh" in [n.message for n in app._notifications][-1]


def test_run_reader_demo_uses_memory_and_the_demo_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[ReaderApp] = []
    monkeypatch.setattr(ReaderApp, "run", lambda self, *a, **k: seen.append(self))
    assert run_reader(None, base_url="https://simonwillison.net", offline=False, demo=True) == 0
    (app,) = seen
    assert app.tag == "training-data" and app.demo and app.offline
    assert str(app.store.path) == ":memory:"


def test_run_reader_opens_the_cache_and_picks_the_last_tag(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "cache.sqlite3"
    monkeypatch.setattr("tui_reader.core.user.paths.database_path", lambda: database)
    with Store(database) as store:
        store.merge("llms", [])
    seen: list[ReaderApp] = []
    monkeypatch.setattr(ReaderApp, "run", lambda self, *a, **k: seen.append(self))
    run_reader(None, base_url="https://simonwillison.net", offline=True, demo=False)
    run_reader("ai", base_url="https://simonwillison.net", offline=True, demo=False)
    assert [a.tag for a in seen] == ["llms", "ai"]
    assert all(a.offline and not a.demo for a in seen)
    assert app_module is not None


def test_importing_the_app_does_not_import_the_network_stack() -> None:
    code = (
        "import sys, tui_reader.app\n"
        "heavy = [m for m in ('httpx', 'feedparser', 'markdownify', 'bs4', 'PIL',"
        " 'textual_image') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
