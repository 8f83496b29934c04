"""Long posts rendered with helper processes: the same lines as in-process, in order, and
every failure of a helper made good in-process."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import pytest

from tui_reader.widgets import markdown_lines, render_pool
from tui_reader.widgets.markdown_lines import Line, render_chunks, render_packed, unpack


def long_markdown(paragraphs: int) -> str:
    parts = []
    for n in range(paragraphs):
        parts.append(f"## Part {n}\n\nSome *emphasis* and `code` in paragraph {n}, " * 3)
        parts.append(f"> A quotation, number {n}, with a [link](https://example.com/{n}).")
        parts.append(f"```python\ndef f{n}(x):\n    return x * {n}\n```")
        parts.append(f"- one item {n}\n- another item with **bold** text")
    return "\n\n".join(parts)


def all_lines(source: str, width: int = 80) -> list[Line]:
    return [line for lines, _ in render_chunks(source, width) for line in lines]


def test_helpers_render_exactly_what_this_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    source = long_markdown(250)
    assert len(source) > render_pool.PARALLEL_CHARS
    monkeypatch.setattr(render_pool, "PARALLEL_CHARS", 10**9)
    alone = all_lines(source)
    monkeypatch.setattr(render_pool, "PARALLEL_CHARS", 1_000)
    if render_pool.start() is None:
        pytest.skip("no helper processes on this machine")
    assert render_pool.ready() is not None
    helped = all_lines(source)
    assert helped == alone
    assert [str(s.style) for line in helped for s in line] == [
        str(s.style) for line in alone for s in line
    ]


def test_packed_lines_come_back_equal_with_this_process_styles() -> None:
    chunk = "Plain, *italic*, **bold**, `code`.\n\n> quoted\n\n```python\nx = 1\n```"
    direct = markdown_lines._render_chunk(chunk, False, markdown_lines.make_console(60), "monokai")
    assert unpack(render_packed(chunk, False, 60, "monokai")) == direct


def threads(count: int) -> Callable[[Executor, int], Future[int]]:
    def submit(pool: Executor, index: int) -> Future[int]:
        return pool.submit(lambda: index * 10)

    return submit


def test_items_come_in_order_whoever_makes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    made_here: list[int] = []

    def local(index: int) -> int:
        made_here.append(index)
        return index * 10

    with ThreadPoolExecutor(1) as pool:
        monkeypatch.setattr(render_pool, "ready", lambda: pool)
        got = list(render_pool.in_order(8, local, threads(8), lambda value: value))
    assert got == [n * 10 for n in range(8)]
    assert made_here[:2] == [0, 1]  # the first items are never waited for


def test_a_failing_helper_is_made_good_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(pool: Executor, index: int) -> Future[int]:
        future: Future[int] = Future()
        future.set_running_or_notify_cancel()
        future.set_exception(OSError("helper died"))
        return future

    with ThreadPoolExecutor(1) as pool:
        monkeypatch.setattr(render_pool, "ready", lambda: pool)
        got = list(render_pool.in_order(5, lambda n: n, broken, lambda value: value))
    assert got == [0, 1, 2, 3, 4]


def test_a_pool_that_refuses_work_means_all_is_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(pool: Executor, index: int) -> Future[int]:
        raise RuntimeError("cannot schedule new futures after shutdown")

    with ThreadPoolExecutor(1) as pool:
        monkeypatch.setattr(render_pool, "ready", lambda: pool)
        assert list(render_pool.in_order(4, lambda n: n, refused, lambda v: v)) == [0, 1, 2, 3]


def test_leaving_early_withdraws_the_helpers_unstarted_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    futures: list[Future[int]] = []

    def pending(pool: Executor, index: int) -> Future[int]:
        future: Future[int] = Future()  # never started
        futures.append(future)
        return future

    with ThreadPoolExecutor(1) as pool:
        monkeypatch.setattr(render_pool, "ready", lambda: pool)
        items = render_pool.in_order(6, lambda n: n, pending, lambda v: v)
        assert next(items) == 0
        items.close()
    assert futures and all(future.cancelled() for future in futures)


def test_short_posts_never_use_the_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool() -> None:  # ready() is what rendering asks
        raise AssertionError("a short post asked for the helpers")

    monkeypatch.setattr(render_pool, "ready", no_pool)
    assert all_lines(long_markdown(3))


async def test_helpers_start_inside_a_running_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual replaces sys.stderr with a stream without a descriptor, which multiprocessing
    would hand to its resource tracker ("bad value(s) in fds_to_keep")."""
    import asyncio

    from textual.app import App

    monkeypatch.setattr(render_pool, "_pool", None)
    monkeypatch.setattr(render_pool, "_failed", False)
    monkeypatch.setattr(render_pool, "helper_count", lambda: 1)
    async with App[None]().run_test():
        pool = await asyncio.to_thread(render_pool.start)
        assert pool is not None and not render_pool._failed
        assert pool.submit(len, "four").result(timeout=60) == 4
    pool.shutdown(wait=True)


def test_the_first_long_post_does_not_wait_for_the_helpers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """They start in the background; meanwhile the post is rendered in-process."""
    import threading

    started = threading.Event()
    release = threading.Event()

    def slow_start() -> None:
        started.set()
        release.wait(10)

    monkeypatch.setattr(render_pool, "_pool", None)
    monkeypatch.setattr(render_pool, "_failed", False)
    monkeypatch.setattr(render_pool, "_starting", False)
    monkeypatch.setattr(render_pool, "start", slow_start)
    monkeypatch.setattr(render_pool, "PARALLEL_CHARS", 1_000)
    try:
        assert all_lines(long_markdown(250))  # rendered while the helpers are still starting
        assert started.wait(5)
    finally:
        release.set()
