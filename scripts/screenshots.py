"""Drive the reader on the bundled demo feed and write the README's SVG screenshots.

Usage: ``uv run python scripts/screenshots.py [OUTPUT_DIR]`` (default: ``screenshots/``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from textual.pilot import Pilot

from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.demo import load_demo
from tui_reader.screens.main import MainScreen

SIZE = (120, 36)


async def settle(pilot: Pilot[None]) -> None:
    """Let the show-post debounce fire and every worker finish."""
    for _ in range(3):  # showing a post marks it read in a worker, which redraws the list
        await pilot.pause(MainScreen.SHOW_DELAY * 2)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def take(folder: Path) -> list[Path]:
    """Open the demo, and save the main screen, a post, and the help screen."""
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(":memory:")
    tag = load_demo(store)
    app = ReaderApp(store, tag, base_url="https://simonwillison.net", demo=True)
    written: list[Path] = []

    def save(name: str) -> None:
        app.save_screenshot(filename=name, path=str(folder))
        written.append(folder / name)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        save("main.svg")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        save("post.svg")
        await pilot.press("h", "question_mark")
        await settle(pilot)
        save("help.svg")
    store.close()
    return written


def main() -> int:
    """Write the screenshots and list them."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots")
    for path in asyncio.run(take(folder)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
