"""ReadMarks: marks show at once, and the user's last mark wins whatever order the writes run."""

from __future__ import annotations

import pytest

from tests.app_support import TAG, fixed_clock, seeded_store
from tui_reader.core.cache.read_marks import ReadMarks
from tui_reader.core.cache.store import Store


def first_post(store: Store) -> str:
    return store.list_posts(TAG)[0].id


def test_a_mark_shows_at_once_and_is_saved_only_when_its_write_runs() -> None:
    store = seeded_store()
    post_id = first_post(store)
    marks = ReadMarks(store, fixed_clock)
    write = marks.mark(post_id, True)
    assert post_id in marks.ids
    assert not store.is_read(post_id)  # nothing written yet
    write()
    assert store.is_read(post_id)
    unwrite = marks.mark(post_id, False)
    assert post_id not in marks.ids
    assert store.is_read(post_id)
    unwrite()
    assert not store.is_read(post_id)


@pytest.mark.parametrize("last", [False, True])
def test_writes_run_out_of_order_leave_the_last_mark(last: bool) -> None:
    store = seeded_store()
    post_id = first_post(store)
    marks = ReadMarks(store, fixed_clock)
    first = marks.mark(post_id, not last)
    second = marks.mark(post_id, last)
    second()
    first()  # late: a later mark was already saved, so it is skipped
    assert store.is_read(post_id) is last
    assert (post_id in marks.ids) is last


def test_a_late_write_for_one_post_does_not_hold_back_another() -> None:
    store = seeded_store()
    one, other = (post.id for post in store.list_posts(TAG)[:2])
    marks = ReadMarks(store, fixed_clock)
    first = marks.mark(one, True)
    marks.mark(other, True)()
    first()  # earlier than the other post's mark, but the only one for its own post
    assert store.read_ids() == {one, other}
