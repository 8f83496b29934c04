"""The reader's start-up pauses the cyclic garbage collector until the first paint."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.app_support import make_app, seeded_store, settle
from tui_reader import startup


@pytest.fixture
def collector() -> Iterator[None]:
    """Leave the collector as it was found: enabled, nothing frozen by the test."""
    yield
    startup.resume_collector()
    gc.unfreeze()
    gc.enable()


def test_resume_without_a_pause_changes_nothing(collector: None) -> None:
    frozen = gc.get_freeze_count()
    startup.resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_pause_then_resume_freezes_the_start_up_objects(collector: None) -> None:
    startup.pause_collector()
    assert not gc.isenabled()
    startup.resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_collector_disabled_by_someone_else_stays_disabled(collector: None) -> None:
    gc.disable()
    startup.pause_collector()
    startup.resume_collector()
    assert not gc.isenabled()


async def test_the_reader_collects_again_once_its_first_screen_is_painted(
    collector: None,
) -> None:
    startup.pause_collector()
    app = make_app(seeded_store())
    async with app.run_test() as pilot:
        await settle(pilot)
        assert gc.isenabled()


def test_the_reader_command_pauses_the_collector_while_it_starts(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui_reader.app
    from tui_reader.cli import main

    enabled: list[bool] = []
    monkeypatch.setattr(
        tui_reader.app, "run_reader", lambda *a, **k: enabled.append(gc.isenabled()) or 0
    )
    assert main(["--offline", "llms"]) == 0
    assert enabled == [False]
    assert gc.isenabled()  # and it is running again afterwards


def test_the_reader_starts_without_modules_its_first_frame_does_not_need() -> None:
    """Each of these is imported where it is first used, after the first paint (importing
    them at start made the list appear later)."""
    later = ("textual.widgets._footer",)
    code = (
        "import sys, tui_reader.cli, tui_reader.app\n"
        f"print([m for m in {later!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_the_first_screen_is_styled_as_a_full_restyle_would_style_it() -> None:
    """Textual restyles every widget when a screen is first shown; the reading screen skips
    that (each widget was styled as it mounted): nothing may be left with stale styles."""
    app = make_app(seeded_store())
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = app.screen
        nodes = list(screen.walk_children(with_self=True))
        before = [dict(node.styles.base.get_rules()) for node in nodes]
        app.stylesheet.update(screen)
        assert [dict(node.styles.base.get_rules()) for node in nodes] == before


@pytest.mark.parametrize(
    ("argv", "collecting"), [(["llms", "--offline"], False), (["paths"], True)]
)
def test_the_command_pauses_the_collector_before_its_imports_and_only_the_reader_keeps_it(
    collector: None, monkeypatch: pytest.MonkeyPatch, argv: list[str], collecting: bool
) -> None:
    """``tui-reader`` (``tui_reader.__main__``) pauses the collector before importing the
    command line; a command other than the reader collects again once its arguments are read."""
    import tui_reader.app
    from tui_reader import __main__ as entry
    from tui_reader import cli

    seen: list[bool] = []
    monkeypatch.setattr(
        tui_reader.app, "run_reader", lambda *a, **k: seen.append(gc.isenabled()) or 0
    )
    monkeypatch.setitem(cli.HANDLERS, "paths", lambda args: seen.append(gc.isenabled()) or 0)
    monkeypatch.setattr(sys, "argv", ["tui-reader", *argv])
    assert entry.main() == 0
    assert seen == [collecting]
    assert gc.isenabled()
