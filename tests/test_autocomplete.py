"""Tag suggestions from the site's autocomplete endpoint, and the tags the cache knows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import FetchError
from tui_reader.core.models import Kind, Post
from tui_reader.core.net.autocomplete import autocomplete_url, parse_suggestions, suggest_tags
from tui_reader.core.net.fetch import new_client


def test_suggestions_from_the_loopback_site(site: SiteServer) -> None:
    site.add_tag("prompt-injection", sample_posts("prompt-injection", 4), description="Attacks")
    site.add_tag("prompts", sample_posts("prompts", 2))
    with new_client() as client:
        found = suggest_tags(client, site.url, "prompt")
    assert [s.tag for s in found] == ["prompt-injection", "prompts"]
    assert found[0].count == 4
    assert found[0].description == "Attacks"
    request = site.requests_to("/tags-autocomplete/")[0]
    assert request.header(
        "user-agent",
    ).startswith("tui-reader/")  # type: ignore[union-attr]


def test_empty_query_makes_no_request(site: SiteServer) -> None:
    with new_client() as client:
        assert suggest_tags(client, site.url, "  ") == []
    assert site.requests == []


def test_query_is_encoded_and_trimmed() -> None:
    url = autocomplete_url("https://simonwillison.net/", "a b&c" * 30)
    assert url.startswith("https://simonwillison.net/tags-autocomplete/?q=a+b%26c")
    assert len(url) < 200


def test_hostile_answers_are_cleaned_or_refused() -> None:
    document = json.loads(
        json.dumps(
            {
                "tags": [
                    {"tag": "../etc", "count": 3},
                    {"tag": "ok", "count": -1, "description": "\x1b]0;pwn\x07[bold]x[/bold]\nnext"},
                    {"tag": "OK", "count": 9},
                    "not a dict",
                    {"tag": 5},
                ]
            }
        )
    )
    found = parse_suggestions(document)
    assert len(found) == 1
    assert found[0].tag == "ok"
    assert found[0].count is None
    assert found[0].description == "]0;pwn[bold]x[/bold] next"
    for bad in ([], {"tags": 3}, "text"):
        with pytest.raises(FetchError):
            parse_suggestions(bad)


@pytest.mark.parametrize("body", [b"<html>", b"[" * 100_000, b"\xff\xfe"])
def test_answers_that_are_not_json_are_fetch_errors(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(body))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, pytest.raises(FetchError):
        suggest_tags(client, "https://simonwillison.net", "ai")


def test_server_errors_are_fetch_errors(site: SiteServer) -> None:
    site.set_fault("/tags-autocomplete/", Fault(status=500))
    with new_client() as client, pytest.raises(FetchError, match="HTTP 500"):
        suggest_tags(client, site.url, "ai")


def test_redirects_are_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://elsewhere.example/"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(FetchError, match="HTTP 302"),
    ):
        suggest_tags(client, "https://simonwillison.net", "ai")


def test_known_tags_include_tags_only_seen_on_posts() -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    post = Post(
        id="https://simonwillison.net/2024/Jan/1/x/",
        url="https://simonwillison.net/2024/Jan/1/x/",
        title="x",
        kind=Kind.ENTRY,
        published=when,
        tags=("ai", "copyright"),
        html="<p>x</p>",
        markdown="x",
    )
    with Store(":memory:") as store:
        store.merge("ai", [post], fetched_at=when)
        known = {info.tag: info for info in store.known_tags()}
    assert set(known) == {"ai", "copyright"}
    assert known["ai"].fetched_at == when
    assert known["copyright"].fetched_at is None
    assert known["copyright"].count == 1
