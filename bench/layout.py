"""How the reading screen shares out a terminal's width: title room in the list, the pane's measure.

Run with ``uv run python bench/layout.py [--widths 80,100,120,160,200]``. Opens the real app
headless at each width (36 rows) on a tag whose posts have long titles and a long paragraph,
opens the first post, and prints, read back from what is drawn:

- ``list``: the post list's width inside its border (its scrollbar included: 60 posts scroll);
- ``title``: characters of a long title visible in its row (the ellipsis not counted);
- ``date``/``kind``: whether the row shows the date and the kind;
- ``text``: the longest body line in the reading pane, in cells (the measure);
- ``full width``: the same with the list hidden (``z``), when the key exists.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len

from tui_reader.app import ReaderApp
from tui_reader.core.cache.store import Store
from tui_reader.core.models import Kind, Post
from tui_reader.screens.main import MainScreen

TAG = "layout"
TITLE = "A long title about " + " ".join(f"lanterns{n}" for n in range(30))
BODY = " ".join(f"word{n}" for n in range(400))


def posts() -> list[Post]:
    """Sixty quotations with long titles and a long paragraph each, newest first."""
    start = datetime(2025, 11, 28, 12, tzinfo=UTC)
    made = []
    for n in range(60):
        when = start - timedelta(days=9 * n)
        url = f"https://simonwillison.net/{when:%Y/%b}/{when.day}/post-{n}/"
        made.append(Post(url, url, TITLE, Kind.QUOTATION, when, (TAG,), BODY, BODY))
    return made


def title_shown(line: str) -> int:
    """Characters of ``TITLE`` shown in a drawn row (0 if it is not there)."""
    start = line.find(TITLE[:4])
    if start < 0:
        return 0
    shown = 0
    for drawn, wanted in zip(line[start:], TITLE, strict=False):
        if drawn != wanted:
            break
        shown += 1
    return shown


def longest_line(text: str) -> int:
    return max((cell_len(line.rstrip()) for line in text.splitlines()), default=0)


async def measure(width: int) -> dict[str, object]:
    store = Store(":memory:")
    store.merge(TAG, posts())
    app = ReaderApp(store, TAG, base_url="https://simonwillison.net", offline=True)
    result: dict[str, object] = {"width": width}
    async with app.run_test(size=(width, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("enter")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        posts_list, pane = screen.post_list, screen.reading_pane
        row = posts_list.render_line(1).text  # row 0 is the year heading
        result["list"] = posts_list.size.width
        result["title"] = title_shown(row)
        result["date"] = "28th Nov" in row
        result["kind"] = Kind.QUOTATION.label in row
        result["text"] = longest_line(pane.plain_text)
        if any(getattr(binding, "key", "") == "z" for binding in screen.BINDINGS):
            await pilot.press("z")
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            result["full width"] = longest_line(pane.plain_text)
        else:
            result["full width"] = "-"
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="80,100,120,160,200")
    args = parser.parse_args()
    heads = ("columns", "list", "title", "date", "kind", "text")
    print(" ".join(f"{head:>{len(head) + 1}}" for head in heads), " full width")
    for width in (int(w) for w in args.widths.split(",")):
        r = asyncio.run(measure(width))
        date, kind = ("yes" if r[k] else "no" for k in ("date", "kind"))
        print(
            f"{width:>8} {r['list']:>5} {r['title']:>6} {date:>5} {kind:>5} {r['text']:>5}"
            f"  {r['full width']}"
        )


if __name__ == "__main__":
    main()
