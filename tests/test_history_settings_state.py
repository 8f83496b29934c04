"""Tag history, the settings file (pins) and the saved reading state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_reader.core.errors import SettingsError
from tui_reader.core.user.history import TagHistory
from tui_reader.core.user.reader_state import ReaderState, load_state, save_state
from tui_reader.core.user.settings import MAX_PINS, load_settings, save_pins, toggle_pin


def test_history_back_forward_and_cut() -> None:
    history = TagHistory("a")
    history.visit("b")
    history.visit("c")
    assert history.back() == "b"
    assert history.back() == "a"
    assert history.back() is None
    assert history.forward() == "b"
    history.visit("d")  # drops "c"
    assert history.forward() is None
    assert history.back() == "b"
    assert history.current == "b"


def test_history_previous_flips_between_two_tags() -> None:
    history = TagHistory("a")
    assert history.previous() is None
    history.visit("b")
    flip = history.previous()
    assert flip == "a"
    history.visit(flip)
    assert history.previous() == "b"


def test_history_revisiting_the_current_tag_is_a_no_op() -> None:
    history = TagHistory("a")
    history.visit("a")
    assert not history.can_go_back


def test_history_forget_a_failed_tag() -> None:
    history = TagHistory("a")
    history.visit("b")
    history.visit("nope")
    history.forget("nope")
    assert history.current == "b"
    assert history.back() == "a"
    history = TagHistory("a")
    history.visit("x")
    history.visit("a")
    history.forget("x")  # [a, a] collapses to [a]
    assert history.current == "a"
    assert not history.can_go_back


def test_settings_missing_file_is_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "config.toml").pins == ()


def test_pins_are_validated_and_problems_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\npins = ["LLMs", "../etc", "ai+copyright", 3, "llms"]\n')
    settings = load_settings(path)
    assert settings.pins == ("llms", "ai+copyright")
    assert len(settings.problems) == 2


def test_broken_settings_file_is_reported_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("pins = [unclosed\n")
    settings = load_settings(path)
    assert settings.pins == ()
    assert "not valid TOML" in settings.problems[0]
    with pytest.raises(SettingsError):
        toggle_pin(path, "llms")
    assert path.read_text() == "pins = [unclosed\n"


def test_toggle_pin_keeps_the_users_comments(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    assert toggle_pin(path, "llms") == ("llms",)
    text = path.read_text()
    assert text.startswith("# tui-reader settings")
    path.write_text(text + "# my own note\n")
    assert toggle_pin(path, "ai") == ("llms", "ai")
    assert toggle_pin(path, "llms") == ("ai",)
    assert "# my own note" in path.read_text()
    assert load_settings(path).pins == ("ai",)


def test_at_most_nine_pins(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_pins(path, [f"t{i}" for i in range(MAX_PINS)])
    with pytest.raises(SettingsError, match="Already 9"):
        toggle_pin(path, "one-more")


def test_state_round_trip_and_hostile_file(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    assert load_state(path) == ReaderState()
    state = ReaderState(last_tag="llms")
    state.remember("llms", "https://simonwillison.net/2024/Jan/1/x/")
    save_state(path, state)
    assert load_state(path) == state
    path.write_text(json.dumps({"last_tag": "../../x", "cursors": {"a b": "x", "ai": 5}}))
    assert load_state(path) == ReaderState()
    path.write_text("{not json")
    assert load_state(path) == ReaderState()


def test_state_that_cannot_be_saved_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="could not be saved"):
        save_state(blocker / "state.json", ReaderState(last_tag="ai"))
