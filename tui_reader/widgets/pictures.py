"""The pictures of the post in the reading pane: found in its rendered lines, loaded in the
background, and spliced in where each stands.

The Markdown renderer marks each picture's text (``Image: alt (address)``) with the style
meta ``picture``/``alt``. :meth:`PictureLayer.splice` finds those lines and, for a picture
that is ready, puts its drawing above them (replacing them with the alt text as a
caption when the picture stands alone); otherwise the text stays as the placeholder, with a
line saying why (loading, refused, another site's, not kept offline). Pictures are got in
daemon threads (store, else download; decode; draw), at most a few at once, after the text
is on screen; the pane is told when one is ready.

How a picture is drawn is decided when the first one is (``graphics_support``: from the
``images`` setting and the environment, never by asking the terminal): half-cell blocks
(:mod:`.picture_blocks`, any terminal); Kitty graphics placeholders (:mod:`.picture_kitty`):
the picture is sent to the terminal once, through Textual's driver on the UI thread, and its
cells are text in the pane's lines like the blocks (a picture sent is deleted from the
terminal when the post showing it is left, and when the pane goes); or Sixel
(:mod:`.picture_sixel`): its rows are blank lines, each drawn over with its own small Sixel
image after every frame that paints it (:meth:`PictureLayer.queue_overlay`).
"""

from __future__ import annotations

import asyncio
import textwrap
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from rich.segment import Segment
from rich.style import Style

from ..background import in_daemon_thread
from ..core.feed.sanitize import one_line
from ..core.images.policy import Access, PictureError, PicturePolicy, Verdict

if TYPE_CHECKING:
    import httpx
    from textual.widget import Widget

    from ..core.images.decode import DecodedPicture
    from ..core.images.store import PictureStore
    from ..graphics_support import Graphics
    from ..session import ReaderSession
    from .markdown_lines import Line

PICTURE_META = "picture"
ALT_META = "alt"
_T = TypeVar("_T")
_STATUS = Style(italic=True, dim=True)
_LOADING, _READY, _FAILED, _ASK = "loading", "ready", "failed", "ask"


@dataclass
class _Picture:
    """One picture's state; ``drawn`` maps (width, max rows) to its lines."""

    verdict: Verdict
    state: str = _LOADING
    reason: str = ""
    decoded: DecodedPicture | None = None
    drawn: dict[tuple[int, int], list[Line]] = field(default_factory=dict)
    natural: tuple[int, int] | None = None  # its size in pixels, once known
    image_id: int = 0  # Kitty graphics: its id in the terminal (0: none yet)
    sent: bool = False  # Kitty graphics: the terminal holds it
    sent_pixels: tuple[int, int] = (0, 0)  # Kitty graphics: the size it was sent at
    placed: tuple[int, int] | None = None  # Kitty graphics: the cells of its placement
    rows: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # Sixel, by size


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive body lines ``start:end`` drawing one picture's text; ``alone``: nothing
    else is on them."""

    start: int
    end: int
    address: str
    alt: str
    alone: bool


class PictureLayer:
    """The pictures of a :class:`~.reading_pane.ReadingPane`; ``changed`` is called (on the
    UI thread) when one becomes ready or the pictures are turned on or off."""

    CONCURRENT = 4
    """Pictures got at once."""
    KEPT = 48
    """Decoded pictures kept in memory (each at most 400 x 400 pixels)."""

    def __init__(self, pane: Widget, changed: Callable[[], None]) -> None:
        self._pane = pane
        self._changed = changed
        self.enabled = False
        self._policy = PicturePolicy("https://simonwillison.net")
        self._store: PictureStore | None = None
        self._client: Callable[[], httpx.Client] | None = None
        self._pictures: OrderedDict[str, _Picture] = OrderedDict()
        self._asked: set[str] = set()  # pictures on other hosts the user asked for
        self._origin: list[int] | None = None
        self._addresses: list[str] = []
        self.loading = False  # some picture of the last splice is still being got or drawn
        self._slots = asyncio.Semaphore(self.CONCURRENT)
        self._setting = "auto"
        self._graphics: Graphics | None = None  # decided when the first picture is drawn
        self._next_id = 0
        self._overlays: dict[int, str] = {}  # Sixel: spliced line -> its row's image
        self._queued: dict[int, tuple[int, str]] = {}  # Sixel: screen line -> (x, row)
        self._hooked = False

    def configure(self, session: ReaderSession) -> None:
        """Take the settings, the site and the picture store from ``session`` (at mount: cheap,
        httpx and Pillow are imported only with the first picture)."""
        from ..core.images.store import PictureStore
        from ..core.user.paths import pictures_dir

        settings = session.settings
        self._policy = PicturePolicy(session.base_url, all_hosts=settings.image_hosts == "all")
        memory = str(getattr(session.store, "path", ":memory:")) == ":memory:"
        if not memory:
            folder = pictures_dir(session.store.path)
            self._store = PictureStore(folder, settings.image_cache_mb * 1024 * 1024)
        self._client = None if session.offline else _new_client
        self._setting = settings.images
        self.enabled = settings.images != "off" and self._store is not None
        if self.enabled:
            self._changed()  # a post shown before now gets its pictures

    def toggle(self) -> bool:
        """Turn pictures on or off for the session; whether they are on now."""
        self.enabled = not self.enabled and self._store is not None
        self._changed()
        return self.enabled

    def load_other_hosts(self) -> list[str]:
        """Fetch the shown post's pictures on other sites' hosts; the hosts asked."""
        hosts: list[str] = []
        for address in self._addresses:
            picture = self._pictures.get(address)
            if picture is not None and picture.state == _ASK:
                self._asked.add(address)
                picture.state, picture.reason = _LOADING, ""
                hosts.append(picture.verdict.host)
        if hosts:
            self._changed()
        return list(dict.fromkeys(hosts))

    # -- splicing ---------------------------------------------------------------------------

    def splice(self, body: list[Line], width: int, max_rows: int) -> list[Line]:
        """``body`` with the pictures drawn in (``body`` itself when pictures are off)."""
        self._origin = None
        self._addresses = []
        self._overlays = {}
        self.loading = False
        if not self.enabled or width < 1:
            self._forget_sent(set())
            return body
        runs = _runs(body)
        self._forget_sent({run.address for run in runs})
        if not runs:
            return body
        shown: list[Line] = []
        origin: list[int] = []
        done = 0
        for run in runs:
            shown += body[done : run.start]
            origin += range(done, run.start)
            self._addresses.append(run.address)
            picture = self._picture(run.address)
            drawn = self._drawn(run, picture, width, max_rows)
            if drawn is not None:
                for offset, row in enumerate(picture.rows.get((width, max_rows), ())):
                    self._overlays[len(shown) + offset] = row
                shown += drawn
                origin += [run.start] * len(drawn)
                done = run.start if not run.alone else run.end
            else:
                self.loading = self.loading or picture.state in (_LOADING, _READY)
                shown += body[run.start : run.end]
                origin += range(run.start, run.end)
                status = _status_lines(self._status(picture), width)
                shown += status
                origin += [run.end - 1] * len(status)
                done = run.end
        shown += body[done:]
        origin += range(done, len(body))
        self._origin = origin
        return shown

    def shown_index(self, body_index: int) -> int:
        """Where body line ``body_index`` is in the last spliced lines."""
        if self._origin is None:
            return body_index
        from bisect import bisect_left

        return bisect_left(self._origin, body_index)

    def body_index(self, shown_index: int) -> int:
        """The body line the spliced line ``shown_index`` comes from."""
        if self._origin is None or not 0 <= shown_index < len(self._origin):
            return shown_index
        return self._origin[shown_index]

    @property
    def has_overlays(self) -> bool:
        """Whether Sixel images are drawn over some spliced lines."""
        return bool(self._overlays)

    def overlay(self, shown_index: int) -> str | None:
        """The Sixel image drawn over spliced line ``shown_index``, if any."""
        return self._overlays.get(shown_index)

    def queue_overlay(self, row: str, x: int, y: int) -> None:
        """Draw Sixel ``row`` at screen cell (``x``, ``y``) once the frame being painted is
        written (after Textual's own output, so that its text does not cover it)."""
        if not self._hooked:
            self._hooked = True
            app = self._pane.app
            after = app.post_display_hook

            def post_display_hook() -> None:
                after()
                self._write_overlays()

            setattr(app, "post_display_hook", post_display_hook)  # noqa: B010
        self._queued[y] = (x, row)

    def _write_overlays(self) -> None:
        if self._queued:
            from .picture_sixel import overlay

            queued, self._queued = self._queued, {}
            self._write("".join(overlay(row, x, y) for y, (x, row) in sorted(queued.items())))

    def _drawn(self, run: _Run, picture: _Picture, width: int, max_rows: int) -> list[Line] | None:
        """The picture's lines at this size (caption included when it stands alone), or None
        (after asking for it to be got and drawn, if it may be)."""
        key = (width, max_rows)
        lines = picture.drawn.get(key)
        if lines:
            return lines
        if lines is None and picture.state in (_LOADING, _READY):
            picture.drawn.clear()
            picture.drawn[key] = []  # being got and drawn
            self._start(run.address, picture, run.alt if run.alone else "", key)
        return None

    def _picture(self, address: str) -> _Picture:
        picture = self._pictures.get(address)
        if picture is not None:
            self._pictures.move_to_end(address)
            return picture
        verdict = self._policy.judge(address)
        picture = _Picture(verdict)
        if verdict.access is Access.REFUSED:
            picture.state, picture.reason = _FAILED, verdict.reason
        elif verdict.access is Access.OTHER_HOST and address not in self._asked:
            picture.state = _ASK
        self._pictures[address] = picture
        while len(self._pictures) > self.KEPT:
            self._delete(self._pictures.popitem(last=False)[1])
        return picture

    def _status(self, picture: _Picture) -> str:
        if picture.state == _ASK:
            return f"Picture on {picture.verdict.host}, not fetched: press I to load it"
        if picture.state == _FAILED:
            return f"Picture not shown: {picture.reason}"
        return "Loading the picture…"

    # -- getting pictures -------------------------------------------------------------------

    def _start(self, address: str, picture: _Picture, alt: str, size: tuple[int, int]) -> None:
        self._pane.run_worker(
            self._get(address, picture, alt, size),
            group="pictures",
            description=f"Picture {picture.verdict.url}",
            exclusive=False,
            exit_on_error=False,
        )

    async def _get(self, address: str, picture: _Picture, alt: str, size: tuple[int, int]) -> None:
        """Get (store, else download; decode) and draw one picture in a daemon thread, then
        tell the pane."""
        if self._store is None:
            return
        graphics = self.graphics
        if graphics.kind == "kitty":
            await self._get_kitty(address, picture, alt, size, graphics)
        elif graphics.kind == "sixel":
            await self._get_sixel(address, picture, alt, size)
        else:
            await self._get_blocks(address, picture, alt, size)
        if address in self._addresses:
            self._changed()

    async def _work(self, picture: _Picture, work: Callable[[], _T]) -> _T | None:
        """``work`` run in a daemon thread (a few pictures at a time); None when the picture
        could not be had (then marked failed, with the reason)."""
        async with self._slots:
            try:
                result = await in_daemon_thread(work, name="picture")
            except PictureError as error:
                picture.state, picture.reason = _FAILED, error.message
                picture.drawn.clear()
                return None
        picture.state = _READY
        return result

    async def _get_blocks(
        self, address: str, picture: _Picture, alt: str, size: tuple[int, int]
    ) -> None:
        """Half-cell blocks: the picture decoded once, drawn at each size in the thread."""
        from ..core.images.decode import KEEP_SIZE
        from .picture_blocks import draw_picture

        fetch = self._fetcher(address, picture)

        def work() -> tuple[DecodedPicture, list[Line]]:
            decoded = picture.decoded or fetch(KEEP_SIZE)
            return decoded, draw_picture(decoded, alt, *size)

        result = await self._work(picture, work)
        if result is not None:
            picture.decoded, lines = result
            if size in picture.drawn:  # still the size wanted
                picture.drawn[size] = lines

    def _fetcher(
        self, address: str, picture: _Picture
    ) -> Callable[[tuple[int, int]], DecodedPicture]:
        """A function (for the worker thread) getting the picture from the store, else the
        network, decoded to fit in the given pixels."""
        store, client, policy = self._store, self._client, self._policy
        assert store is not None
        other = address in self._asked

        def fetch(keep: tuple[int, int]) -> DecodedPicture:
            from ..core.images.prefetch import obtain_picture

            return obtain_picture(
                picture.verdict.url,
                store=store,
                policy=policy,
                client=client,
                other_hosts=other,
                keep=keep,
            )

        return fetch

    async def _get_kitty(
        self, address: str, picture: _Picture, alt: str, size: tuple[int, int], graphics: Graphics
    ) -> None:
        """Kitty graphics: the picture is sent to the terminal once
        (here, on the UI thread), then placed at each size its placeholder cells are drawn."""
        from ..graphics_support import cell_pixels
        from . import picture_kitty as kitty
        from .picture_blocks import caption_lines, picture_size

        fetch = self._fetcher(address, picture)
        if not picture.image_id:
            picture.image_id = self._new_image_id()
        image_id, natural = picture.image_id, picture.natural
        sent = picture.sent_pixels if picture.sent else None
        cell = cell_pixels()
        width, max_rows = size
        box = (width * cell[0], max_rows * cell[1])

        def work() -> tuple[tuple[int, int], tuple[int, int], list[Line], str, tuple[int, int]]:
            known, data, decoded = natural, "", None
            if sent is None or known is None:
                decoded = fetch(box)
                known = (decoded.width, decoded.height)
            columns, rows = picture_size(known, width, max_rows, cell)
            columns, rows = min(columns, kitty.MAX_CELLS), min(rows, kitty.MAX_CELLS)
            pixels = kitty.sending_size(known, columns, rows, cell)
            if sent is None or kitty.needs_sending_again(sent, pixels):
                decoded = decoded or fetch(box)  # sent again when it would look enlarged
                pixels = kitty.sending_size(decoded.image.size, columns, rows, cell)
                image = kitty.fit_for_sending(decoded.image, pixels)
                data = kitty.transmit(image_id, image, tmux=graphics.tmux)
            lines = kitty.placeholder_lines(image_id, columns, rows, width)
            return known, (columns, rows), lines + caption_lines(alt, width), data, pixels

        result = await self._work(picture, work)
        if result is None:
            return
        picture.natural, cells, lines, data, pixels = result
        if data and picture.sent == (sent is not None) and picture.image_id == image_id:
            if picture.sent:  # the sharper copy replaces the one the terminal holds
                self._write(kitty.delete(image_id, tmux=graphics.tmux))
            self._write(data)
            picture.sent, picture.sent_pixels, picture.placed = True, pixels, None
        if size in picture.drawn and picture.sent:  # still the size wanted
            if picture.placed != cells:
                self._write(kitty.place(image_id, *cells, tmux=graphics.tmux))
                picture.placed = cells
            picture.drawn[size] = lines
        elif size in picture.drawn:
            del picture.drawn[size]  # deleted meanwhile: drawn again when shown

    async def _get_sixel(
        self, address: str, picture: _Picture, alt: str, size: tuple[int, int]
    ) -> None:
        """Sixel: the picture at this size is encoded (a Sixel image
        for each of its rows) in the thread; its lines are blank cells drawn over."""
        from ..graphics_support import cell_pixels
        from . import picture_sixel as sixel
        from .picture_blocks import caption_lines, picture_size

        fetch = self._fetcher(address, picture)
        cell = cell_pixels()
        width, max_rows = size

        def work() -> tuple[tuple[int, int], list[Line], list[str]]:
            decoded = fetch((width * cell[0], max_rows * cell[1]))
            natural = (decoded.width, decoded.height)
            columns, rows = picture_size(natural, width, max_rows, cell)
            image = sixel.scale_for_cells(decoded.image, columns, rows, cell)
            encoded = sixel.encode_rows(image, cell[1])
            lines = sixel.blank_lines(rows, width) + caption_lines(alt, width)
            return natural, lines, encoded

        result = await self._work(picture, work)
        if result is not None:
            picture.natural, lines, encoded = result
            if size in picture.drawn:  # still the size wanted
                picture.rows = {size: encoded}
                picture.drawn[size] = lines

    # -- the terminal -----------------------------------------------------------------------

    @property
    def graphics(self) -> Graphics:
        """How pictures are drawn (decided the first time this is asked, from the ``images``
        setting and the environment: see :mod:`tui_reader.graphics_support`)."""
        if self._graphics is None:
            import sys

            from ..graphics_support import choose, terminal_cell

            app = self._pane.app
            output = sys.__stderr__  # where Textual's driver writes
            terminal = not app.is_headless and output is not None and output.isatty()
            truecolor = app.console.color_system == "truecolor"
            known = not terminal or terminal_cell() is not None  # tests: the default cell
            self._graphics = choose(
                self._setting, terminal=terminal, truecolor=truecolor, cell_known=known
            )
        return self._graphics

    def release(self) -> None:
        """Delete every picture sent to the terminal (the pane is going)."""
        self._forget_sent(set())

    def _new_image_id(self) -> int:
        """A fresh Kitty image id: 24 bits (its placeholders' colour), never 0, starting at a
        random place so that two readers in one terminal do not collide."""
        if not self._next_id:
            import random

            self._next_id = random.randrange(1 << 16, 1 << 23)
        self._next_id = self._next_id % 0xFFFFFF + 1
        return self._next_id

    def _forget_sent(self, keep: set[str]) -> None:
        """Delete from the terminal the pictures sent that are not in ``keep``, and forget
        the Sixel data of those not in it (drawn again when shown)."""
        for address, picture in self._pictures.items():
            if address in keep:
                continue
            if picture.sent:
                self._delete(picture)
            if picture.rows:
                picture.rows.clear()
                picture.drawn.clear()

    def _delete(self, picture: _Picture) -> None:
        """Delete ``picture`` from the terminal if it was sent (drawn again when shown)."""
        if not picture.sent:
            return
        from .picture_kitty import delete

        self._write(delete(picture.image_id, tmux=self.graphics.tmux))
        picture.sent, picture.placed = False, None
        picture.drawn.clear()

    def _write(self, data: str) -> None:
        """Write escape sequences to the terminal through Textual's driver (UI thread)."""
        driver = getattr(self._pane.app, "_driver", None)
        if driver is not None:
            driver.write(data)


def _new_client() -> httpx.Client:
    """A client for pictures (httpx imported only now, in a worker thread)."""
    from ..core.images.download import new_picture_client

    return new_picture_client()


def _runs(body: list[Line]) -> list[_Run]:
    """The runs of lines drawing a picture's text, in order."""
    runs: list[_Run] = []
    start = -1
    current: tuple[str, str] | None = None
    alone = True
    for index, line in enumerate(body):
        mark: tuple[str, str] | None = None
        other = False
        for segment in line:
            style = segment.style
            meta = style.meta if style is not None and style._meta else None
            address = meta.get(PICTURE_META) if meta else None
            if isinstance(address, str):
                mark = mark or (address, str(meta.get(ALT_META, "")) if meta else "")
            elif segment.text.strip():
                other = True
        if mark != current and current is not None:
            runs.append(_Run(start, index, current[0], current[1], alone))
            current = None
        if mark is not None and current is None:
            current, start, alone = mark, index, True
        if current is not None:
            alone = alone and not other
    if current is not None:
        runs.append(_Run(start, len(body), current[0], current[1], alone))
    return runs


def _status_lines(text: str, width: int) -> list[Line]:
    """``text`` in the placeholder's style, wrapped, indented two cells."""
    wrapped = textwrap.wrap(one_line(text, limit=300), max(10, width - 2)) or [""]
    return [Segment.adjust_line_length([Segment("  " + part, _STATUS)], width) for part in wrapped]
