"""Screenshots of the main states, compared with accepted SVGs (``--snapshot-update`` to accept).

Everything is fixed: the posts, the clock ("cached 3 h ago"), and no network (offline, or a
client that always fails). Toasts are cleared before the screenshot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.app_support import (
    FETCHED,
    HOSTILE_TITLE,
    failing_client,
    make_app,
    make_post,
    seeded_store,
    settle,
    year_posts,
)
from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def keys_then_settle(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A ``run_before`` that lets the app settle, presses ``keys``, and settles again."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def snapshot_store() -> Store:
    posts = year_posts({2025: 4, 2024: 3, 2023: 5})
    when = posts[1].published
    posts[1] = make_post(99, when, title=HOSTILE_TITLE)
    return seeded_store(posts)


def test_main_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(
        make_app(snapshot_store()), terminal_size=SIZE, run_before=keys_then_settle()
    )


def test_post_open(snap_compare: SnapCompare) -> None:
    app = make_app(snapshot_store())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("j", "j", "enter"))


def test_help_screen(snap_compare: SnapCompare) -> None:
    app = make_app(snapshot_store())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("question_mark"))


def test_empty_offline_state(snap_compare: SnapCompare) -> None:
    app = make_app(Store(":memory:"), offline=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle())


def test_network_failure_over_the_cache(snap_compare: SnapCompare) -> None:
    app = make_app(snapshot_store(), offline=False, client_factory=failing_client)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle())


def test_tag_switcher(snap_compare: SnapCompare) -> None:
    store = snapshot_store()
    store.merge("ai", list(store.posts("training-data")), fetched_at=FETCHED)
    app = make_app(store)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("t", "a"))


def test_choosing_a_tag_of_the_open_post(snap_compare: SnapCompare) -> None:
    app = make_app(snapshot_store())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("enter", "T", "right"))


def test_link_post_open(snap_compare: SnapCompare) -> None:
    from tests.test_app_reading import kinds_store

    app = make_app(kinds_store())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("enter"))


def test_quotation_open(snap_compare: SnapCompare) -> None:
    from tests.test_app_reading import kinds_store

    app = make_app(kinds_store())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("j", "enter"))


def followed_app(tmp_path: Path) -> ReaderApp:
    """Two followed tags, one with a failed last refresh, and a tag seen with them."""
    store = snapshot_store()
    store.merge("llms", list(store.posts("training-data"))[:5], fetched_at=FETCHED)
    store.record_fetch_error("llms", "The site answered 503 Service Unavailable.", when=FETCHED)
    config = tmp_path / "config.toml"
    config.write_text('follow = ["training-data", "llms"]\n', encoding="utf-8")
    return make_app(store, config_path=config)


def test_followed_tags_overview(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = followed_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("F"))


def test_unread_across_followed_tags(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = followed_app(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("U"))


def test_narrow_terminal(snap_compare: SnapCompare) -> None:
    """80 columns: the list drops the date and the kind so that titles stay readable."""
    app = make_app(snapshot_store())
    assert snap_compare(app, terminal_size=(80, 30), run_before=keys_then_settle("j", "enter"))


def test_list_hidden(snap_compare: SnapCompare) -> None:
    """``z``: the pane at full width, its lines stopping at the measure (100 cells)."""
    posts = year_posts({2025: 4, 2024: 3, 2023: 5})
    paragraph = (
        "The lighthouse keepers of the northern coast kept a log of every lantern they lit, "
        "every ship they saw and every storm that passed. "
    ) * 4
    posts[0] = replace(posts[0], markdown=f"{paragraph}\n\n{paragraph}")
    app = make_app(seeded_store(posts))
    assert snap_compare(app, terminal_size=(140, 30), run_before=keys_then_settle("enter", "z"))


def test_post_with_pictures_in_blocks(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Two pictures kept in the store, drawn offline as half-cell blocks with captions."""
    from tests.picture_support import card_png, jpeg, picture_post
    from tui_reader.core.images.store import PictureStore
    from tui_reader.core.user.paths import pictures_dir

    database = tmp_path / "cache.sqlite3"
    chart = "https://simonwillison.net/static/2025/chart.png"
    photo = "https://simonwillison.net/static/2025/photo.jpg"
    pictures = PictureStore(pictures_dir(database))
    pictures.put(chart, card_png())
    pictures.put(photo, jpeg(240, 120))
    store = Store(database)
    posts = [picture_post(1, [("A chart", chart), ("A photo", photo)])]
    store.merge("training-data", posts, fetched_at=FETCHED)
    config = tmp_path / "config.toml"
    config.write_text('images = "blocks"\n', encoding="utf-8")
    app = make_app(store, config_path=config)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("enter"))


def test_list_with_the_tag_size_and_description(snap_compare: SnapCompare) -> None:
    from dataclasses import replace

    from tui_reader.core.models import TagFacts

    store = snapshot_store()
    newest = year_posts({2025: 1}, start=50)[0]
    body = "lanterns " * 1465
    store.merge("training-data", [replace(newest, title="A long essay", markdown=body)])
    store.save_tag_facts(
        TagFacts(
            "training-data",
            20,
            entries=4,
            links=10,
            quotations=3,
            notes=3,
            description="Data used to train LLMs and other machine learning models, and the"
            " arguments over who may use what: [bold]never markup[/bold].",
            checked_at=FETCHED,
        )
    )
    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=keys_then_settle())
