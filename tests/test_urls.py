"""Post identity: one row per post whichever URL form the feed used."""

from __future__ import annotations

import pytest

from tui_reader.core.urls import feed_url, is_web_url, normalise_base_url, normalise_post_id

NEW = "https://simonwillison.net/2023/Nov/15/a-person/"


@pytest.mark.parametrize(
    "raw",
    [
        "https://simonwillison.net/2023/Nov/15/a-person/",
        "https://simonwillison.net/2023/Nov/15/a-person/#atom-tag",
        "http://simonwillison.net/2023/Nov/15/a-person/#atom-tag",
        "http://simonwillison.net/2023/Nov/15/a-person/#atom-everything",
        "HTTPS://SimonWillison.NET/2023/Nov/15/a-person/",
        "  https://simonwillison.net/2023/Nov/15/a-person/#atom-tag\n",
        "https://simonwillison.net:443/2023/Nov/15/a-person/",
    ],
)
def test_every_form_of_a_permalink_is_one_id(raw: str) -> None:
    assert normalise_post_id(raw) == NEW


def test_the_date_stays_part_of_the_identity() -> None:
    assert normalise_post_id("https://simonwillison.net/2023/Nov/15/x/") != normalise_post_id(
        "https://simonwillison.net/2024/Nov/15/x/"
    )


def test_relative_and_non_web_ids() -> None:
    base = "http://127.0.0.1:8000/tags/x.atom"
    assert (
        normalise_post_id("/2023/Nov/15/x/#atom-tag", base)
        == "https://127.0.0.1:8000/2023/Nov/15/x/"
    )
    assert normalise_post_id("tag:example.com,2002:1#x") == "tag:example.com,2002:1"
    assert normalise_post_id("tag:x\x1b]0;pwned\x07") == "tag:x]0;pwned"


def test_feed_url() -> None:
    assert (
        feed_url("https://simonwillison.net/", "llms") == "https://simonwillison.net/tags/llms.atom"
    )
    assert feed_url("http://127.0.0.1:9/", "ai+llms") == "http://127.0.0.1:9/tags/ai+llms.atom"


@pytest.mark.parametrize("bad", ["ftp://x", "file:///etc", "simonwillison.net", "javascript:x"])
def test_base_url_must_be_http(bad: str) -> None:
    with pytest.raises(ValueError):
        normalise_base_url(bad)


def test_is_web_url() -> None:
    assert is_web_url("https://a.example/x")
    assert not is_web_url("javascript:alert(1)")
    assert not is_web_url("data:text/html,x")
    assert not is_web_url("file:///etc/passwd")
    assert not is_web_url("//host/x")
