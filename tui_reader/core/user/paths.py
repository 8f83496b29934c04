"""Where the app keeps its files (platformdirs, so XDG_* variables relocate them)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_state_path

APP_NAME = "tui-reader"


def cache_dir() -> Path:
    """The folder of the post cache."""
    return user_cache_path(APP_NAME, appauthor=False)


def database_path() -> Path:
    """The SQLite cache of posts, tags and feed validators."""
    return cache_dir() / "cache.sqlite3"


def config_dir() -> Path:
    """The folder of the user's settings."""
    return user_config_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    """The settings file (TOML)."""
    return config_dir() / "config.toml"


def state_path() -> Path:
    """What the reader remembers between runs: last tag, cursors (JSON)."""
    return user_state_path(APP_NAME, appauthor=False) / "state.json"


def pictures_dir(database: Path | None = None) -> Path:
    """The folder of pictures kept for offline reading, beside the cache ``database``."""
    return (database or database_path()).parent / "pictures"
