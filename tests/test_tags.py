"""Tag validation: only site slugs (and up to three joined by +) get near a URL or a path."""

from __future__ import annotations

import pytest

from tui_reader.core.errors import InvalidTag
from tui_reader.core.tags import split_tag, validate_tag


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("training-data", "training-data"),
        ("ai_assisted", "ai_assisted"),
        ("LLMs", "llms"),
        ("a" * 50, "a" * 50),
        ("ai+copyright", "ai+copyright"),
        ("ai+llms+copyright", "ai+llms+copyright"),
        ("ai+AI", "ai"),
    ],
)
def test_valid_tags(raw: str, expected: str) -> None:
    assert validate_tag(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "a" * 51,
        "../etc",
        "a/b",
        "two words",
        "tr\u0430ining",  # Cyrillic a, a look-alike
        "café",
        "ai+",
        "+ai",
        "ai++llms",
        "a+b+c+d",
        "ai%2Fx",
        "ai\x1b[31m",
        "tag.atom",
    ],
)
def test_invalid_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidTag) as caught:
        validate_tag(raw)
    message = caught.value.message
    assert "not a valid tag" in message or "at most 3" in message
    assert "\x1b" not in message
    assert "letters, digits" in message


def test_split_tag() -> None:
    assert split_tag("ai+llms") == ["ai", "llms"]
    assert split_tag("llms") == ["llms"]
