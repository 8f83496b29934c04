"""Benchmark a post with pictures in the reading pane (issue 13).

Run with ``uv run python bench/pictures.py [--runs N]``. A loopback server
(``tests/site_server.py``) serves 20 photos (1200x800 JPEG, ~250 KB each); the app (headless,
120x36, ``images = "blocks"``) runs on a fresh cache in a temporary folder. Prints medians
(min-max) over ``--runs`` runs of:

- first screen of a post with 10 pictures: from ``show_post`` to the pane holding the first
  lines of its body (the text; pictures follow), with the pictures downloaded (cold) and from the
  store (warm, decoded again);
- all 10 pictures drawn: from ``show_post`` until no placeholder says "Loading";
- scrolling it with every picture drawn: ms from a one-line scroll to the pane's bottom row
  repainted (40 lines per run from the top, through the pictures), and the
  same with pictures off (the text alone: the floor); both include Textual's wait for its
  next frame (it repaints at most 60 times a second), so the time spent in the pane's
  ``render_line`` for the step is shown too;
- peak memory: the process's peak RSS (VmHWM) before and after opening a post with 20 pictures
  and waiting for all of them (drawn at the pane's width).
Budgets (from the issue): first screen <= 100 ms, scrolling <= 16 ms a line.

``--images kitty`` or ``--images sixel`` draws them with that terminal graphics instead (forced:
the app is headless; what would be written to the terminal goes to the headless driver), and
also prints the bytes written to the terminal for the post's pictures and for each scroll step.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from PIL import Image, ImageDraw  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.strip import Strip  # noqa: E402

from tests.app_support import NOW, make_app, make_post  # noqa: E402
from tests.site_server import SiteServer  # noqa: E402
from tui_reader.core.cache.store import Store  # noqa: E402
from tui_reader.core.models import Post  # noqa: E402
from tui_reader.screens.main import MainScreen  # noqa: E402
from tui_reader.widgets.pictures import PictureLayer  # noqa: E402
from tui_reader.widgets.reading_pane import ReadingPane  # noqa: E402

SIZE = (120, 36)
TAG = "photos"


def photo(number: int) -> bytes:
    """A 1200x800 JPEG with gradients, shapes and noise (compresses like a photo)."""
    base = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    noise = Image.effect_noise((1200, 800), 40).convert("RGB")
    image = Image.blend(base, noise, 0.35)
    draw = ImageDraw.Draw(image)
    for k in range(12):
        x, y = (number * 97 + k * 151) % 1100, (number * 53 + k * 89) % 700
        draw.ellipse((x, y, x + 100, y + 100), fill=((k * 40) % 256, (number * 30) % 256, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def picture_post(number: int, urls: list[str]) -> Post:
    parts = ["An introduction paragraph that runs long enough to wrap in the pane. " * 3]
    for index, url in enumerate(urls):
        parts.append(f"![Photo {index}: a description of what it shows]({url})")
        parts.append(f"Paragraph {index} after the picture, about what it shows. " * 4)
    post = make_post(number, NOW)
    return replace(post, markdown="\n\n".join(parts), tags=(TAG,))


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.001)


def all_drawn(pane: ReadingPane) -> bool:
    return "Loading the picture" not in pane.plain_text and pane.body_line_count > 0


Results = dict[str, list[float]]


IMAGES = "blocks"  # --images


async def one_run(site: SiteServer, urls: list[str], results: Results, folder: Path) -> None:
    """One run in a fresh cache in ``folder``; appends to each list of ``results``."""
    store = Store(folder / "cache.sqlite3")
    ten = picture_post(1, urls[:10])
    twenty = picture_post(2, urls)
    store.merge(TAG, [ten, twenty])
    store.merge("other", [make_post(3, NOW)])
    config = folder / "config.toml"
    config.write_text(f'images = "{IMAGES}"\n', encoding="utf-8")
    # The app opens another tag, so that only the bench shows picture posts in the pane.
    app = make_app(store, offline=False, base_url=site.url, tag="other", config_path=config)
    painted: list[float] = []
    spent: list[float] = []  # seconds in the pane's render_line since the scroll
    original = ReadingPane.render_line

    def render_line(self: ReadingPane, y: int) -> Strip:
        begin = time.perf_counter()
        strip = original(self, y)
        spent.append(time.perf_counter() - begin)
        if y == self.scrollable_content_region.height - 1:
            painted.append(time.perf_counter())
        return strip

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        written: list[int] = []  # bytes written to the terminal, each write
        driver = app._driver
        assert driver is not None
        write = driver.write

        def counting_write(data: str) -> None:
            written.append(len(data.encode()))
            write(data)

        driver.write = counting_write  # type: ignore[method-assign]
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.reading_pane
        layer: PictureLayer = pane.pictures
        for label in ("downloaded", "from the store"):
            if label == "from the store":  # forget the decoded pictures: read them again
                pane.show_post(None)
                pane.clear_cache()
                layer._pictures.clear()
                await pilot.pause(0.3)
                gc.collect()
            start = time.perf_counter()
            pane.show_post(ten)
            await until(pilot, lambda: pane.body_line_count > 0)
            results[f"first {label}"].append((time.perf_counter() - start) * 1000)
            await until(pilot, lambda: all_drawn(pane))
            results[f"drawn {label}"].append((time.perf_counter() - start) * 1000)
        results["terminal bytes, 10 pictures"].append(sum(written) / 1e6)
        if IMAGES == "blocks":
            assert pane.plain_text.count("▀") > 1000, "pictures were not drawn"
        else:
            assert layer.graphics.kind == IMAGES, "pictures were not drawn as asked"
        ReadingPane.render_line = render_line  # type: ignore[method-assign]
        try:
            for label in ("scroll", "scroll text"):
                if label == "scroll text":  # the same post as text: the floor
                    layer.toggle()
                    await pilot.pause(0.05)
                pane.scroll_to(y=0, animate=False, immediate=True)
                await pilot.pause(0.05)
                for _ in range(min(40, round(pane.max_scroll_y))):
                    painted.clear()
                    spent.clear()
                    written.clear()
                    start = time.perf_counter()
                    pane.scroll_to(y=pane.scroll_offset.y + 1, animate=False)
                    await until(pilot, lambda: bool(painted))
                    results[label].append((painted[0] - start) * 1000)
                    results[f"{label} lines"].append(sum(spent) * 1000)
                    await pilot.pause(0.005)
                    results[f"{label} bytes"].append(sum(written) / 1e6)
            layer.toggle()
        finally:
            ReadingPane.render_line = original  # type: ignore[method-assign]
        results["rss before"].append(peak_rss_mb())
        pane.show_post(twenty)

        def twenty_drawn() -> bool:
            ready = sum(p.state == "ready" for p in layer._pictures.values())
            return ready >= 20 and all_drawn(pane)

        await until(pilot, twenty_drawn)
        results["rss after"].append(peak_rss_mb())
    store.close()


async def measure(runs: int) -> None:
    site = SiteServer().start()
    urls = [site.add_file(f"/static/photo-{n}.jpg", photo(n), "image/jpeg") for n in range(20)]
    size_kb = sum(len(photo(n)) for n in range(3)) / 3 / 1024
    results: Results = defaultdict(list)
    for run in range(runs):
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
            await one_run(site, urls, results, Path(folder))
        print(f"run {run + 1} of {runs} done", file=sys.stderr)
    site.stop()
    print(f"\nA post with pictures in the reading pane, {SIZE[0]}x{SIZE[1]}, {runs} runs,")
    print(f"drawn with {IMAGES}")
    print(f"(20 photos of 1200x800 px, ~{size_kb:.0f} KB each, from a loopback server)")
    print("ms: median (min-max)")
    rows = [
        ("first screen, 10 pictures, downloaded", "first downloaded", "<= 100"),
        ("first screen, 10 pictures, from the store", "first from the store", "<= 100"),
        ("all 10 pictures drawn, downloaded", "drawn downloaded", ""),
        ("all 10 pictures drawn, from the store", "drawn from the store", ""),
        ("scroll one line, pictures drawn", "scroll", "<= 16"),
        ("scroll one line, the same post as text", "scroll text", "(floor)"),
        ("  of which the pane's lines, pictures", "scroll lines", ""),
        ("  of which the pane's lines, text", "scroll text lines", ""),
    ]
    if IMAGES != "blocks":
        rows += [
            ("MB written to the terminal, 10 pictures", "terminal bytes, 10 pictures", ""),
            ("MB written for a one-line scroll", "scroll bytes", ""),
        ]
    for name, key, budget in rows:
        values = results[key]
        spread = f"{statistics.median(values):7.1f} ({min(values):.1f}-{max(values):.1f})"
        print(f"{name:<44} {spread:>22}  {budget}")
    before = statistics.median(results["rss before"])
    after = statistics.median(results["rss after"])
    print(f"{'peak RSS before the 20-picture post, MB':<44} {before:7.0f}")
    print(f"{'peak RSS with 20 pictures loaded, MB':<44} {after:7.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs (default 5)")
    parser.add_argument("--images", choices=("blocks", "kitty", "sixel"), default="blocks")
    arguments = parser.parse_args()
    IMAGES = arguments.images
    if IMAGES == "kitty":
        import os

        os.environ["COLORTERM"] = "truecolor"  # Kitty graphics need 24-bit colour
    asyncio.run(measure(arguments.runs))
