"""Rewrite the README's keys tables from the app's bindings (the help screen's source).

Usage: ``uv run python scripts/readme_keys.py`` — ``tests/test_readme.py`` fails when the README
is out of step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.screens.help import keys_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"
BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)


def keys_block() -> str:
    """The generated tables, between their markers."""
    with Store(":memory:") as store:
        app = ReaderApp(store, "training-data", base_url="https://simonwillison.net")
        tables = keys_markdown(app.key_sections(), level=4)
    return f"{START}\n{tables.strip()}\n{END}"


def updated(text: str) -> str:
    """The README text with its keys block regenerated."""
    if not BLOCK.search(text):
        raise SystemExit(f"README.md has no {START} … {END} block")
    return BLOCK.sub(lambda _: keys_block(), text)


def main() -> int:
    """Rewrite README.md in place; print whether it changed."""
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md keys tables updated")
    else:
        print("README.md keys tables already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
