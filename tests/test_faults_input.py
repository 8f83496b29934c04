"""Hostile tag names, from issue 5: refused in words before any request or file access, by
the core and by every command of the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import sitefeeds
from tests.fault_support import assert_plain_words
from tests.site_server import SiteServer
from tui_reader.cli import main
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import InvalidTag
from tui_reader.core.feed.sanitize import has_unsafe
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.core.user import paths

HOSTILE_TAGS = [
    "../../etc/passwd",
    "..",
    "llms/../ai",
    "a/b",
    "a\\b",
    "two words",
    " llms",
    "llms\n",
    "llms\x00",
    "tr\u0430ining-data",  # Cyrillic small a
    "\uff4c\uff4c\uff4d\uff53",  # fullwidth "llms"
    "llm\u0455",  # Cyrillic small dze, an s
    "ll\u217cms",  # ROMAN NUMERAL FIFTY, looks like l
    "llms\u200b",  # zero-width space
    "\u202ellms",  # bidi override
    "x" * 51,
    "ai+" + "x" * 51,
    "llms.atom",
    "llms?page=2",
    "llms#x",
    "%2e%2e",
    "",
    "a+b+c+d",
    "\x1b]0;PWNED\x07",
    "[@click=app.quit]x[/]",
]


@pytest.fixture
def llms_site(site: SiteServer) -> SiteServer:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=3))
    return site


@pytest.mark.parametrize("tag", HOSTILE_TAGS)
def test_refresh_refuses_before_any_request(
    llms_site: SiteServer, tmp_path: Path, tag: str
) -> None:
    with Store(tmp_path / "cache.sqlite3") as store:
        with pytest.raises(InvalidTag) as caught:
            refresh_tag(store, tag, base_url=llms_site.url)
        assert store.list_tags() == []
    assert_plain_words(caught.value)
    assert llms_site.requests == []


def cache_files() -> list[Path]:
    return [file for file in paths.cache_dir().parent.rglob("*") if file.is_file()]


@pytest.mark.parametrize("tag", HOSTILE_TAGS)
@pytest.mark.parametrize("command", ["fetch", "read", "export"])
def test_every_command_refuses_before_any_request_or_file(
    llms_site: SiteServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    tag: str,
) -> None:
    def no_reader(*args: object, **kwargs: object) -> int:
        raise AssertionError("the reader was started")

    monkeypatch.setattr("tui_reader.app.run_reader", no_reader)
    args = ["--base-url", llms_site.url, command, tag]
    if command == "read":
        args = ["--base-url", llms_site.url, "--", tag]
    assert main(args) in (1, 2)
    out, err = capsys.readouterr()
    assert out == ""
    assert "not a valid tag" in err or "at most 3" in err, err
    assert "Traceback" not in err and not has_unsafe(err)
    assert llms_site.requests == []
    assert cache_files() == []  # not even the cache was created


def test_a_valid_tag_among_hostile_ones_is_still_fetched(
    llms_site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--base-url", llms_site.url, "fetch", "../x", "llms", "a/b"]) == 1
    out, err = capsys.readouterr()
    assert out == "llms: 3 new, 0 updated, 0 unchanged\n"
    assert err.count("not a valid tag") == 2
    assert [request.target for request in llms_site.requests] == [
        "/tags-autocomplete/?q=llms",  # a first fetch: the lookup, then the whole tag
        "/tags/llms.atom?size=1000",
    ]
