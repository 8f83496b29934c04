"""Benchmark the reading pane against Textual's own Markdown widget.

Run with ``uv run python bench/reading_pane.py [--runs N]``. Prints, for Markdown bodies of
about 5 KB, 50 KB and 200 KB, the median (min-max) milliseconds from ``show_post`` to the
first screen and to the whole post being shown and scrollable, in a headless 120x40 app.
"First screen" is the first ``ReadingPane.Rendered`` message; "painted" is when the
compositor first paints the screen's last row with text (the whole first screen is drawn).
The ``Markdown`` widget baseline is measured in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import count

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.strip import Strip
from textual.widgets import Markdown

from tui_reader.core.models import Kind, Post
from tui_reader.widgets.reading_pane import ReadingPane

SIZES = {"5 KB": 5_000, "50 KB": 50_000, "200 KB": 200_000}
BASELINE_SIZES = ("5 KB", "50 KB")
SIZE = (120, 40)


def realistic_markdown(target: int) -> str:
    """About ``target`` characters of Markdown like the blog's long entries."""
    parts: list[str] = []
    length = 0
    for i in count(1):
        if length >= target:
            break
        blocks = [
            f"#### Section {i}: what the [model](https://example.com/models/{i}) did",
            f"Paragraph {i} has **bold**, *italic* and `inline code`. It links to "
            f"[an earlier post](https://simonwillison.net/2024/Mar/{i % 28 + 1}/thing/) and "
            "goes on long enough to wrap over several lines in the reading pane, as prose "
            "does when the author writes at length about language models and their tools.",
            "- a first item with [a link](https://example.org/docs)\n- a second item\n"
            "- a third item, whose text is long enough that it wraps at narrow widths",
            "> A quoted passage from somebody else, with *emphasis*,\n"
            "> running over more than one line of the source.",
            "```python\ndef handler(event):\n    for n in range(10):\n"
            "        print(n, event)\n    return event * 2\n```",
            f"1. one\n2. two\n3. three ({i})",
        ]
        if i % 4 == 0:
            blocks.append(
                "| Model | Score | Notes |\n| --- | ---: | --- |\n| a | 1 | ok |\n| b | 2 | - |"
            )
            blocks.append(f"![A screenshot of result {i}](https://static.example.com/{i}.jpg)")
        part = "\n\n".join(blocks) + "\n\n"
        parts.append(part)
        length += len(part)
    return "".join(parts)


class TimedPane(ReadingPane):
    """A ReadingPane that notes when the last row of the screen is first painted with text."""

    def __init__(self) -> None:
        super().__init__()
        self.painted: dict[str, float] = {}

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        post_id = self.post_id
        if (
            post_id is not None
            and post_id not in self.painted
            and y == self.scrollable_content_region.height - 1
            and self.line_count > y
        ):
            self.painted[post_id] = time.perf_counter()
        return strip


class PaneApp(App[None]):
    """Hosts a ReadingPane and timestamps its Rendered messages."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, float] = {}
        self.done: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        yield TimedPane()

    def on_reading_pane_rendered(self, message: ReadingPane.Rendered) -> None:
        now = time.perf_counter()
        self.first.setdefault(message.post_id, now)
        if message.complete:
            self.done.setdefault(message.post_id, now)


class MarkdownApp(App[None]):
    """Hosts Textual's Markdown widget in a scroll container (as Frogmouth does)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown()


def make_post(number: int, markdown: str) -> Post:
    url = f"https://simonwillison.net/2024/Jan/1/post-{number}/"
    published = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    return Post(url, url, f"Post {number}", Kind.ENTRY, published, ("llms",), "", markdown)


async def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.001)


async def bench_pane(bodies: dict[str, str], runs: int) -> dict[str, list[list[float]]]:
    """Per size: [first screen, first painted, fully rendered] in ms for each run."""
    results: dict[str, list[list[float]]] = {label: [] for label in bodies}
    numbers = count()
    app = PaneApp()
    async with app.run_test(size=SIZE):
        pane = app.query_one(TimedPane)
        await app.workers.wait_for_complete()
        cold = make_post(next(numbers), bodies["5 KB"])
        start = time.perf_counter()
        pane.show_post(cold)
        await wait_for(lambda: cold.id in app.done)
        print(f"cold start (first post ever, 5 KB): first screen {ms(app.first[cold.id], start)}")
        for _ in range(runs):
            for label, body in bodies.items():
                post = make_post(next(numbers), body)
                start = time.perf_counter()
                pane.show_post(post)
                await wait_for(lambda p=post: p.id in pane.painted)  # type: ignore[misc]
                await wait_for(lambda p=post: p.id in app.done)  # type: ignore[misc]
                painted = pane.painted[post.id]
                assert pane.max_scroll_y > 0
                results[label].append(
                    [
                        (app.first[post.id] - start) * 1000,
                        (painted - start) * 1000,
                        (app.done[post.id] - start) * 1000,
                    ]
                )
    return results


async def bench_markdown(body: str, runs: int) -> list[list[float]]:
    """Textual's Markdown widget: [first blocks painted, all painted] in ms for each run."""
    results: list[list[float]] = []
    app = MarkdownApp()
    async with app.run_test(size=SIZE) as pilot:
        markdown = app.query_one(Markdown)
        for _ in range(runs):
            await markdown.update("")
            await pilot.pause()
            start = time.perf_counter()
            update = asyncio.ensure_future(markdown.update(body)())

            def started(update: asyncio.Future[object] = update) -> bool:
                return len(markdown.children) > 0 or update.done()

            await wait_for(started)
            await pilot.pause()
            first = time.perf_counter()
            await update
            await pilot.pause()
            results.append([(first - start) * 1000, (time.perf_counter() - start) * 1000])
    return results


def ms(value: float, start: float) -> str:
    return f"{(value - start) * 1000:.0f} ms"


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.0f} ({min(values):.0f}-{max(values):.0f})"


def columns(rows: list[list[float]]) -> Iterator[list[float]]:
    return (list(column) for column in zip(*rows, strict=True))


async def main(runs: int) -> None:
    bodies = {label: realistic_markdown(size) for label, size in SIZES.items()}
    pane = await bench_pane(bodies, runs)
    print(f"\nReadingPane, {SIZE[0]}x{SIZE[1]}, {runs} runs, ms: median (min-max)")
    head = f"{'body':>8} {'chars':>7} | {'first screen':>16} | {'painted':>16}"
    print(f"{head} | {'all scrollable':>16}")
    for label, rows in pane.items():
        first, painted, done = columns(rows)
        print(
            f"{label:>8} {len(bodies[label]):>7} | {summary(first):>16} | {summary(painted):>16}"
            f" | {summary(done):>16}"
        )
    print(f"\nTextual Markdown widget (baseline), {runs} runs, ms: median (min-max)")
    print(f"{'body':>8} {'chars':>7} | {'first painted':>16} | {'all painted':>16}")
    for label in BASELINE_SIZES:
        first, done = columns(await bench_markdown(bodies[label], runs))
        print(f"{label:>8} {len(bodies[label]):>7} | {summary(first):>16} | {summary(done):>16}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    asyncio.run(main(parser.parse_args().runs))
