"""Rewrite the README's list of requests and opened addresses from ``tui_reader.core.egress``.

Usage: ``uv run python scripts/readme_egress.py`` — ``tests/test_egress.py`` fails when the
README is out of step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tui_reader.core.egress import egress_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- egress:start -->", "<!-- egress:end -->"
BLOCK = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)


def egress_block() -> str:
    """The generated tables, between their markers."""
    return f"{START}\n{egress_markdown().strip()}\n{END}"


def updated(text: str) -> str:
    """The README text with its egress block regenerated."""
    if not BLOCK.search(text):
        raise SystemExit(f"README.md has no {START} … {END} block")
    return BLOCK.sub(lambda _: egress_block(), text)


def main() -> int:
    """Rewrite README.md in place; print whether it changed."""
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md requests and opened addresses updated")
    else:
        print("README.md requests and opened addresses already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
