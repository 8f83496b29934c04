"""The user's settings file (``config.toml``): pinned tags for the ``1``…``9`` keys.

The file is the user's: it is read with the standard library's ``tomllib`` (fast, at start-up)
and rewritten only to change the ``pins`` list, through tomlkit so that the user's comments and
layout are kept. A file that is not valid TOML is never overwritten.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidTag, SettingsError
from ..feed.sanitize import one_line
from ..tags import validate_tag
from .atomic import write_atomically

MAX_PINS = 9
HEADER = """\
# tui-reader settings. `tui-reader paths` shows where this file lives.
# pins: tags for the keys 1…9, in order; a tag or up to three joined by + ("ai+copyright").
"""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the settings file says, and what in it could not be used."""

    pins: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())


def _read_text(path: Path) -> str | None:
    """The file's text, or None when there is none. Raises :class:`SettingsError`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"The settings file {path} could not be read ({error}).") from error


def _read(path: Path) -> dict[str, Any] | None:
    """The settings as a dict, or None when there is no file. Raises :class:`SettingsError`."""
    text = _read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"The settings file {path} is not valid TOML ({one_line(str(error), limit=80)}).",
            hint="Fix or remove the file; until then the defaults are used.",
        ) from error


def load_settings(path: Path) -> Settings:
    """Read the settings; a missing file means defaults, a broken one defaults plus a problem."""
    try:
        document = _read(path)
    except SettingsError as error:
        return Settings(problems=(error.message,))
    if document is None:
        return Settings()
    raw = document.get("pins", [])
    if not isinstance(raw, list):
        return Settings(problems=(f"In {path.name}, pins must be a list of tags.",))
    pins: list[str] = []
    problems: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            problems.append(f"In {path.name}, a pin was skipped: {item!r} is not a tag name.")
            continue
        try:
            tag = validate_tag(item)
        except InvalidTag as error:
            problems.append(f"In {path.name}, a pin was skipped: {error}")
            continue
        if tag not in pins:
            pins.append(tag)
    if len(pins) > MAX_PINS:
        problems.append(f"In {path.name}, only the first {MAX_PINS} pins have keys.")
    return Settings(pins=tuple(pins[:MAX_PINS]), problems=tuple(problems))


def save_pins(path: Path, pins: list[str]) -> None:
    """Replace the ``pins`` list, keeping everything else in the file (comments too).

    Raises :class:`SettingsError` if the file is broken or cannot be written; it is then
    left as it was.
    """
    import tomlkit  # only when writing: keeps start-up light

    _read(path)  # refuses a file that is not valid TOML
    document = tomlkit.parse(_read_text(path) or HEADER)
    array = tomlkit.array()
    array.extend(validate_tag(tag) for tag in pins)
    document["pins"] = array
    try:
        write_atomically(path, tomlkit.dumps(document))
    except OSError as error:
        raise SettingsError(f"The settings could not be saved to {path} ({error}).") from error


def toggle_pin(path: Path, tag: str) -> tuple[str, ...]:
    """Pin ``tag`` (at the end) or unpin it if pinned; the new pins. Raises SettingsError."""
    settings = load_settings(path)
    if settings.problems:  # never rewrite a file the app could not fully read
        raise SettingsError(
            settings.problems[0], hint=f"Fix {path.name} before pinning from the app."
        )
    current = list(settings.pins)
    if tag in current:
        current.remove(tag)
    elif len(current) >= MAX_PINS:
        raise SettingsError(
            f"Already {MAX_PINS} pinned tags.", hint=f"Unpin one first, or edit {path.name}."
        )
    else:
        current.append(tag)
    save_pins(path, current)
    return tuple(current)
