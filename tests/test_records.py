"""The records' equality, hashing and repr (``core.models.Record``) are those ``@dataclass``
would have generated."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from tui_reader.core.models import Kind, PostSummary, Record, TagInfo, Validators, YearCount

WHEN = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class GeneratedSummary:
    """PostSummary's fields, with the methods @dataclass generates."""

    id: str
    url: str
    title: str
    kind: Kind
    published: datetime
    first_seen: datetime | None = dataclasses.field(default=None, compare=False)
    tags: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    words: int | None = dataclasses.field(default=None, compare=False)


def summary(**changes: object) -> PostSummary:
    base = PostSummary("a", "https://x/a/", "A", Kind.NOTE, WHEN, WHEN, ("ai",), 12)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_equal_when_the_compared_fields_are() -> None:
    assert summary() == summary(first_seen=None, tags=(), words=None)
    assert summary() != summary(title="B")
    assert hash(summary()) == hash(summary(words=3))
    assert len({summary(), summary(tags=("x",)), summary(id="b")}) == 2


def test_never_equal_to_another_class_with_the_same_values() -> None:
    generated = GeneratedSummary("a", "https://x/a/", "A", Kind.NOTE, WHEN)
    assert summary() != generated
    assert generated != summary()
    assert YearCount(2024, 3, 1) != (2024, 3, 1)
    assert summary().__eq__(generated) is NotImplemented


def test_hash_and_repr_match_the_generated_ones() -> None:
    ours = summary()
    generated = GeneratedSummary(*(getattr(ours, f.name) for f in dataclasses.fields(ours)))
    assert hash(ours) == hash(generated)
    assert repr(ours) == repr(generated).replace("GeneratedSummary", "PostSummary")
    assert repr(Validators()) == "Validators(etag=None, last_modified=None)"


def test_records_stay_frozen_dataclasses() -> None:
    info = TagInfo("llms", 3, None)
    assert isinstance(info, Record) and dataclasses.is_dataclass(info)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.count = 4  # type: ignore[misc]
    assert dataclasses.replace(info, count=4).count == 4
