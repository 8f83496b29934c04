"""The whole-archive download (``A``) and the one-line bar that reports it.

The bar owns the download: it walks the tag's pages in a daemon thread (each page saved as it
arrives), shows what is happening and how far, and reports each saved page and the end with
:class:`~tui_reader.messages.ArchiveProgressed` and :class:`~tui_reader.messages.ArchiveEnded`.
It is mounted the first time a download starts, not at start-up.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, ProgressBar

from ..background import in_daemon_thread
from ..core.errors import ReaderError
from ..messages import ArchiveEnded, ArchiveProgressed

if TYPE_CHECKING:
    from ..core.net.archive import ArchiveProgress, ArchiveResult
    from ..session import ReaderSession


class ArchiveBar(Horizontal):
    """A label and a progress bar, and the download they report."""

    DEFAULT_CSS = """
    ArchiveBar {
        display: none;
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    #archive-label {
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #archive-progress {
        width: 40;
    }
    """

    def __init__(self, session: ReaderSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._store = session.store
        self._base_url = session.base_url
        self._client_factory = session.client_factory
        self._stop: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="archive-label")
        yield ProgressBar(id="archive-progress", show_eta=False)

    @property
    def running(self) -> bool:
        """Whether a download is under way."""
        return self._stop is not None

    def say(self, text: str) -> None:
        """Show ``text`` (plain text, never markup)."""
        self.query_one("#archive-label", Label).update(Content(text))

    def show_progress(self, done: int, total: int | None) -> None:
        """``done`` of ``total`` (None: not known yet, the bar pulses)."""
        bar = self.query_one("#archive-progress", ProgressBar)
        bar.update(total=total or None, progress=min(done, total) if total else done)

    def start(self, tag: str) -> None:
        """Download ``tag``'s whole history in the background."""
        stop = threading.Event()
        self._stop = stop
        self.say(f"{tag}: asking the site how many posts there are…")
        self.show_progress(0, None)
        self.run_worker(
            self._download(tag, stop),
            exit_on_error=False,
            group="archive",
            description=f"Download the whole archive of {tag}",
        )

    def stop(self, tag: str | None = None) -> None:
        """Stop after the page being fetched (saying so when ``tag`` is given)."""
        if self._stop is None:
            return
        self._stop.set()
        if tag is not None:
            self.say(f"Stopping the download of “{tag}” after this page…")

    async def _download(self, tag: str, stop: threading.Event) -> None:
        try:
            result = await in_daemon_thread(partial(self._walk, tag, stop), name="archive")
        except ReaderError as error:
            self.post_message(ArchiveEnded(tag, error.message, error))
            return
        self.post_message(ArchiveEnded(tag, result.describe()))

    def _walk(self, tag: str, stop: threading.Event) -> ArchiveResult:
        """Thread: walk the tag's pages, saving each; reports come back as messages."""
        from ..core.net.archive import archive_tag

        def report(progress: ArchiveProgress) -> None:
            self.post_message(ArchiveProgressed(progress))

        client = self._client_factory() if self._client_factory is not None else None
        try:
            return archive_tag(
                self._store,
                tag,
                base_url=self._base_url,
                client=client,
                on_progress=report,
                cancel=stop,
            )
        finally:
            if client is not None:
                client.close()

    @on(ArchiveProgressed)
    def _progressed(self, event: ArchiveProgressed) -> None:
        self.say(event.progress.describe())
        self.show_progress(event.progress.posts, event.progress.total)

    @on(ArchiveEnded)
    def _ended(self, event: ArchiveEnded) -> None:
        self._stop = None
        if event.error is not None:  # stays on screen until the next download (A) succeeds
            self.say(f"⚠ {event.summary} Press A to resume.")
            self.show_progress(0, 1)
