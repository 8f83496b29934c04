"""Blocking work off the UI thread, in daemon threads so that quitting never waits for it.

Textual's thread workers run in the event loop's default executor, whose threads Python joins
at exit: a refresh stuck on a slow network would keep the process alive for up to its deadline
after the user pressed q. A daemon thread is simply abandoned at exit instead. (The cache is
SQLite: a merge cut short is rolled back, never half-written.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from textual.dom import DOMNode

T = TypeVar("T")


async def in_daemon_thread(func: Callable[[], T], *, name: str) -> T:
    """Run ``func`` in a new daemon thread and await its result (or its exception).

    Cancelling the awaiting task abandons the thread: its result is dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle_result(value: T) -> None:
        if not future.done():
            future.set_result(value)

    def settle_error(error: BaseException) -> None:
        if not future.done():
            future.set_exception(error)

    def target() -> None:
        try:
            value = func()
        except BaseException as error:
            _deliver(loop, settle_error, error)
        else:
            _deliver(loop, settle_result, value)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future


def _deliver(loop: asyncio.AbstractEventLoop, callback: Callable[[T], None], value: T) -> None:
    with suppress(RuntimeError):  # the loop has closed: the app is gone, nobody is waiting
        loop.call_soon_threadsafe(callback, value)


def in_thread(
    node: DOMNode,
    work: Callable[[], object],
    *,
    group: str,
    description: str,
    exclusive: bool = True,
) -> None:
    """Run ``work`` (a cache read or write) in a thread worker of ``node``: a newer one of the
    same ``group`` replaces it (unless not ``exclusive``), and a failure never stops the app."""
    node.run_worker(
        work,
        thread=True,
        exclusive=exclusive,
        exit_on_error=False,
        group=group,
        description=description,
    )
