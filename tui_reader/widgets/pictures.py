"""The pictures of the post in the reading pane: found in its rendered lines, loaded in the
background, and spliced in where each stands.

The Markdown renderer marks each picture's text (``Image: alt (address)``) with the style
meta ``picture``/``alt``. :meth:`PictureLayer.splice` finds those lines and, for a picture
that is ready, puts its half-cell drawing above them (replacing them with the alt text as a
caption when the picture stands alone); otherwise the text stays as the placeholder, with a
line saying why (loading, refused, another site's, not kept offline). Pictures are got in
daemon threads (store, else download; decode; draw), at most a few at once, after the text
is on screen; the pane is told when one is ready.

Kitty and Sixel are not used: textual-image detects them by querying the terminal through
stdin/stdout, which is only possible before Textual starts (and would slow start-up), and
their images are escape sequences the line-based pane cannot place or scroll. Every picture
is drawn with half-cell blocks, which any terminal shows.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
    from ..session import ReaderSession
    from .markdown_lines import Line

PICTURE_META = "picture"
ALT_META = "alt"
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
        self._slots = asyncio.Semaphore(self.CONCURRENT)

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
        if not self.enabled or width < 1:
            return body
        runs = _runs(body)
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
                shown += drawn
                origin += [run.start] * len(drawn)
                done = run.start if not run.alone else run.end
            else:
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
            self._pictures.popitem(last=False)
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
        store, client, policy = self._store, self._client, self._policy
        if store is None:
            return
        other = address in self._asked
        from ..core.images.prefetch import obtain_picture
        from .picture_blocks import draw_picture

        def work() -> tuple[DecodedPicture, list[Line]]:
            decoded = picture.decoded or obtain_picture(
                picture.verdict.url, store=store, policy=policy, client=client, other_hosts=other
            )
            return decoded, draw_picture(decoded, alt, *size)

        async with self._slots:
            try:
                picture.decoded, lines = await in_daemon_thread(work, name="picture")
            except PictureError as error:
                picture.state, picture.reason = _FAILED, error.message
                picture.drawn.clear()
            else:
                picture.state = _READY
                if size in picture.drawn:  # still the size wanted
                    picture.drawn[size] = lines
        if address in self._addresses:
            self._changed()


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
