"""The user's settings file (``config.toml``): pinned tags for the ``1``…``9`` keys, the tags
followed, and how often the reader refreshes them.

The file is the user's: it is read with the standard library's ``tomllib`` (fast, at start-up)
and rewritten only to change the ``pins`` or ``follow`` list, through tomlkit so that the
user's comments and layout are kept. A file that is not valid TOML is never overwritten, nor is
a list the app could not fully read (an entry that is not a tag would be lost).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidTag, SettingsError
from ..feed.sanitize import one_line
from ..models import Record
from ..tags import validate_tag
from .atomic import write_atomically

MAX_PINS = 9
MAX_FOLLOWED = 200
DEFAULT_REFRESH_MINUTES = 30
MIN_REFRESH_MINUTES = 10
"""The site's CDN caches a feed for ten minutes: refreshing more often gains nothing."""
HEADER = """\
# tui-reader settings. `tui-reader paths` shows where this file lives.
# pins: tags for the keys 1…9, in order; a tag or up to three joined by + ("ai+copyright").
# follow: the tags kept fresh and read together (at most 200); pinned tags count as followed.
# refresh_minutes: how often the reader refreshes the followed tags (at least 10; default 30).
# images: "auto", "blocks", "kitty", "sixel" or "off"; image_hosts: "site" or "all";
# image_cache_mb: default 500.
"""
_WIDE = 88  # a list written on one line longer than this is written one tag a line


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Settings(Record):
    """What the settings file says, and what in it could not be used."""

    pins: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    refresh_minutes: int = DEFAULT_REFRESH_MINUTES
    problems: tuple[str, ...] = field(default=())
    images: str = "auto"  # "auto" | "blocks" | "kitty" | "sixel" | "off": how pictures are drawn
    image_hosts: str = "site"  # "site": pictures only from the site's hosts; "all": any host
    image_cache_mb: int = 500  # the bound of the picture store


def followed_tags(settings: Settings) -> tuple[str, ...]:
    """Every followed tag: the ``follow`` list, then the pins not already in it."""
    return tuple(dict.fromkeys((*settings.follow, *settings.pins)))


def _read_text(path: Path) -> str | None:
    """The file's text, or None when there is none. Raises :class:`SettingsError`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"The settings file {path} could not be read ({error}).") from error


def _parse(path: Path, text: str | None) -> dict[str, Any]:
    """The settings as a dict ({} when there is no file). Raises :class:`SettingsError`."""
    if text is None:
        return {}
    import tomllib  # only when there is a file: most starts have none

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"The settings file {path} is not valid TOML ({one_line(str(error), limit=80)}).",
            hint="Fix or remove the file; until then the defaults are used.",
        ) from error


def _tag_list(raw: object, key: str, cap: int, *, where: str) -> tuple[list[str], list[str]]:
    """The valid tags of the list ``raw`` (first ``cap``, no duplicates), and the problems."""
    noun = "pin" if key == "pins" else "followed tag"
    if not isinstance(raw, list):
        return [], [f"In {where}, {key} must be a list of tags."]
    tags: list[str] = []
    problems: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            problems.append(f"In {where}, a {noun} was skipped: {item!r} is not a tag name.")
            continue
        try:
            tag = validate_tag(item)
        except InvalidTag as error:
            problems.append(f"In {where}, a {noun} was skipped: {error}")
            continue
        if tag not in tags:
            tags.append(tag)
    if len(tags) > cap:
        kept = "have keys" if key == "pins" else "are followed"
        problems.append(f"In {where}, only the first {cap} {noun}s {kept}.")
    return tags[:cap], problems


def _refresh_minutes(raw: object, *, where: str) -> tuple[int, list[str]]:
    """``refresh_minutes`` as a whole number of at least 10 minutes, and the problems."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        return DEFAULT_REFRESH_MINUTES, [
            f"In {where}, refresh_minutes must be a whole number of minutes;"
            f" {DEFAULT_REFRESH_MINUTES} is used."
        ]
    if raw < MIN_REFRESH_MINUTES:
        return MIN_REFRESH_MINUTES, [
            f"In {where}, refresh_minutes = {raw} was raised to {MIN_REFRESH_MINUTES}"
            " (the site's feeds change at most every 10 minutes)."
        ]
    return raw, []


_LISTS = {"pins": MAX_PINS, "follow": MAX_FOLLOWED}
_CHOICES = {
    "images": ("auto", "blocks", "kitty", "sixel", "off"),
    "image_hosts": ("site", "all"),
}


def _picture_settings(document: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """``images``, ``image_hosts`` and ``image_cache_mb`` as given (when valid), and problems."""
    found: dict[str, Any] = {}
    problems: list[str] = []
    for key, choices in _CHOICES.items():
        if key in document:
            if document[key] in choices:
                found[key] = document[key]
            else:
                allowed = ", ".join(f'"{choice}"' for choice in choices)
                problems.append(f"In {where}, {key} must be one of {allowed}; the default is used.")
    if "image_cache_mb" in document:
        size = document["image_cache_mb"]
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            found["image_cache_mb"] = size
        else:
            problems.append(f"In {where}, image_cache_mb must be a whole number of megabytes.")
    return found, problems


def load_settings(path: Path) -> Settings:
    """Read the settings; a missing file means defaults, a broken one defaults plus a problem.

    Each ``pins`` and ``follow`` entry must be a tag (see :func:`validate_tag`): others are
    reported in ``problems`` and skipped, duplicates dropped, and the lists capped at
    :data:`MAX_PINS` and :data:`MAX_FOLLOWED`. ``refresh_minutes`` below 10 is raised to 10.
    """
    try:
        return read_settings(path)
    except SettingsError as error:
        return Settings(problems=(error.message,))


def read_settings(path: Path) -> Settings:
    """Like :func:`load_settings`, but a file that cannot be read or is not valid TOML raises
    :class:`SettingsError` (for the command line, which stops there)."""
    document = _parse(path, _read_text(path))
    problems: list[str] = []
    lists: dict[str, tuple[str, ...]] = {}
    for key, cap in _LISTS.items():
        tags, trouble = _tag_list(document.get(key, []), key, cap, where=path.name)
        lists[key] = tuple(tags)
        problems += trouble
    minutes = DEFAULT_REFRESH_MINUTES
    if "refresh_minutes" in document:
        minutes, trouble = _refresh_minutes(document["refresh_minutes"], where=path.name)
        problems += trouble
    pictures, trouble = _picture_settings(document, path.name)
    problems += trouble
    return Settings(
        pins=lists["pins"],
        follow=lists["follow"],
        refresh_minutes=minutes,
        problems=tuple(problems),
        **pictures,
    )


def _replace_list(document: Any, key: str, tags: list[str]) -> None:
    """Make the tomlkit ``document``'s ``key`` the list ``tags``, editing the existing array
    in place when the change is removals and additions at the end (its comments stay)."""
    import tomlkit
    from tomlkit.items import Array

    array = document.get(key)
    if isinstance(array, Array):
        wanted = set(tags)
        kept: list[str] = []
        drop: list[int] = []
        for index, item in enumerate(array):
            tag = validate_tag(str(item))  # the list was checked: every item is a tag
            if tag in wanted and tag not in kept:
                kept.append(tag)
            else:
                drop.append(index)
        if tags[: len(kept)] == kept:
            for index in reversed(drop):
                del array[index]
            array.extend(tags[len(kept) :])
            if "\n" not in array.as_string() and len(array.as_string()) > _WIDE:
                array.multiline(True)
            return
    array = tomlkit.array()
    array.extend(tags)
    array.multiline(len(array.as_string()) > _WIDE)
    document[key] = array


def _update_list(path: Path, key: str, change: Callable[[list[str]], list[str]]) -> tuple[str, ...]:
    """Rewrite the ``key`` list of the settings file as ``change`` makes it from the current
    one, keeping everything else in the file (comments too); returns the new list.

    Raises :class:`SettingsError`, leaving the file as it was, if the file is broken, the list
    has entries that are not tags (rewriting would lose them), or it cannot be written.
    """
    text = _read_text(path)
    current, problems = _tag_list(
        _parse(path, text).get(key, []), key, _LISTS[key], where=path.name
    )
    if problems:  # never rewrite a list the app could not fully read
        raise SettingsError(problems[0], hint=f"Fix {path.name} first; it was left as it was.")
    tags = [validate_tag(tag) for tag in change(list(current))]
    if tags == current:  # nothing to change: the file is not touched
        return tuple(tags)
    import tomlkit  # only when writing: keeps start-up light

    document = tomlkit.parse(text if text is not None else HEADER)
    _replace_list(document, key, tags)
    try:
        write_atomically(path, tomlkit.dumps(document))
    except OSError as error:
        raise SettingsError(f"The settings could not be saved to {path} ({error}).") from error
    return tuple(tags)


def save_pins(path: Path, pins: list[str]) -> None:
    """Replace the ``pins`` list, keeping everything else in the file (comments too).

    Raises :class:`SettingsError` if the file is broken or cannot be written; it is then
    left as it was.
    """
    _update_list(path, "pins", lambda _current: list(pins))


def toggle_pin(path: Path, tag: str) -> tuple[str, ...]:
    """Pin ``tag`` (at the end) or unpin it if pinned; the new pins. Raises SettingsError."""

    def change(current: list[str]) -> list[str]:
        if tag in current:
            return [pin for pin in current if pin != tag]
        if len(current) >= MAX_PINS:
            raise SettingsError(
                f"Already {MAX_PINS} pinned tags.", hint=f"Unpin one first, or edit {path.name}."
            )
        return [*current, tag]

    return _update_list(path, "pins", change)


def _with_followed(current: list[str], adding: list[str], path: Path) -> list[str]:
    """``current`` with ``adding`` at the end; raises :class:`SettingsError` past the cap."""
    merged = list(dict.fromkeys([*current, *adding]))
    if len(merged) > MAX_FOLLOWED:
        raise SettingsError(
            f"At most {MAX_FOLLOWED} tags can be followed; this would make {len(merged)}.",
            hint=f"Unfollow some first (tui-reader unfollow TAG), or edit {path.name}.",
        )
    return merged


def follow_tags(path: Path, tags: Iterable[str]) -> tuple[str, ...]:
    """Add ``tags`` to the end of the ``follow`` list (those already there stay where they
    are); returns the new list. Raises :class:`InvalidTag` for a tag that is not one, and
    :class:`SettingsError` past :data:`MAX_FOLLOWED` tags or when the file is broken or cannot
    be written (nothing is then changed)."""
    adding = [validate_tag(tag) for tag in tags]
    return _update_list(path, "follow", lambda current: _with_followed(current, adding, path))


def unfollow_tags(path: Path, tags: Iterable[str]) -> tuple[str, ...]:
    """Remove ``tags`` from the ``follow`` list; returns the new list. A pinned tag stays
    followed (see :func:`followed_tags`): unfollowing only removes it from ``follow``.
    Raises :class:`InvalidTag` or :class:`SettingsError` (the file is then unchanged)."""
    removing = {validate_tag(tag) for tag in tags}
    return _update_list(path, "follow", lambda current: [t for t in current if t not in removing])


def toggle_follow(path: Path, tag: str) -> tuple[bool, tuple[str, ...]]:
    """Follow ``tag``, or unfollow it if it is in the ``follow`` list: (whether it is in the
    list now, the new list). A pinned tag stays followed whatever the list says: unfollowing
    it only removes it from ``follow``. Raises :class:`InvalidTag` or :class:`SettingsError`."""
    tag = validate_tag(tag)

    def change(current: list[str]) -> list[str]:
        if tag in current:
            return [t for t in current if t != tag]
        return _with_followed(current, [tag], path)

    follow = _update_list(path, "follow", change)
    return tag in follow, follow
