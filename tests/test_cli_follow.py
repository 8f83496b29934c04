"""``follow``, ``unfollow`` and ``fetch`` with no tag on the command line, against the loopback
site."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.site_server import Fault, SiteServer
from tests.sitefeeds import FakePost, entry_post, utc
from tests.test_cli import run
from tui_reader.cli import COMMANDS, main
from tui_reader.core.cache.store import Store
from tui_reader.core.user import paths
from tui_reader.core.user.settings import load_settings, toggle_pin


def feed_posts(tag: str, n: int) -> list[FakePost]:
    when = utc(2026, 1, 10)
    return [
        entry_post(f"{tag}-{k}", f"Post {k}", when - timedelta(days=k), (tag,)) for k in range(n)
    ]


@pytest.fixture
def followed(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> SiteServer:
    """The site has llms, sqlite and datasette; all three are followed (datasette by a pin)."""
    for tag, n in (("llms", 5), ("sqlite", 3), ("datasette", 45)):
        site.add_tag(tag, feed_posts(tag, n))
    run(capsys, "follow", "llms", "sqlite")
    toggle_pin(paths.config_path(), "datasette")
    return site


def test_the_commands_are_listed() -> None:
    assert {"follow", "unfollow"} <= set(COMMANDS)


def test_follow_adds_and_prints_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "follow")
    assert (code, err) == (0, "")
    assert out.startswith("Not following any tag.")
    assert run(capsys, "follow", "llms", "SQLite") == (0, "llms\nsqlite\n", "")
    assert run(capsys, "follow", "ai+copyright", "llms") == (0, "llms\nsqlite\nai+copyright\n", "")
    assert load_settings(paths.config_path()).follow == ("llms", "sqlite", "ai+copyright")


def test_follow_alone_marks_pinned_tags(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "follow", "llms", "sqlite")
    toggle_pin(paths.config_path(), "sqlite")
    toggle_pin(paths.config_path(), "datasette")
    assert run(capsys, "follow") == (0, "llms\nsqlite  (pinned)\ndatasette  (pinned)\n", "")


def test_unfollow(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "follow", "llms", "sqlite", "ai")
    toggle_pin(paths.config_path(), "ai")
    code, out, err = run(capsys, "unfollow", "sqlite", "ai", "never")
    assert (code, out) == (0, "llms\nai  (pinned)\n")
    assert err.splitlines() == [
        "tui-reader: ai is pinned, so it stays followed; unpin it (P in the reader) or remove"
        " it from pins in config.toml",
        "tui-reader: never was not followed",
    ]
    assert load_settings(paths.config_path()).follow == ("llms",)


def test_invalid_tags_are_refused_and_nothing_written(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "follow", "llms")
    before = paths.config_path().read_text()
    code, out, err = run(capsys, "follow", "sqlite", "../etc")
    assert (code, out) == (1, "")
    assert "'../etc' is not a valid tag" in err
    code, _, err = run(capsys, "unfollow", "a b")
    assert code == 1 and "not a valid tag" in err
    assert paths.config_path().read_text() == before
    with pytest.raises(SystemExit) as exit_info:
        main(["unfollow"])
    assert exit_info.value.code == 2


def test_a_broken_config_is_reported_and_never_rewritten(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = paths.config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('follow = ["llms"\n')
    for args in (
        ("follow", "sqlite"),
        ("unfollow", "llms"),
        ("follow",),
        ("--base-url", site.url, "fetch"),
    ):
        code, out, err = run(capsys, *args)
        assert (code, out) == (1, ""), args
        assert "is not valid TOML" in err, args
    assert config.read_text() == 'follow = ["llms"\n'
    assert site.requests == []


def test_problems_in_the_config_are_said_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    config = paths.config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('follow = ["llms", "no way"]\nrefresh_minutes = 2\n')
    code, out, err = run(capsys, "follow")
    assert (code, out) == (0, "llms\n")
    assert "a followed tag was skipped" in err and "raised to 10" in err


def test_fetch_with_no_tag_fetches_every_followed_tag(
    followed: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--base-url", followed.url, "fetch")
    assert (code, err) == (0, "")
    assert out == (
        "llms: 5 new, 0 updated, 0 unchanged\n"
        "sqlite: 3 new, 0 updated, 0 unchanged\n"
        "datasette: 30 new, 0 updated, 0 unchanged\n"
    )
    # The command line always asks again, however recent the last fetch.
    code, out, _ = run(capsys, "--base-url", followed.url, "fetch")
    assert code == 0 and out.startswith("llms: 0 new, 0 updated, 5 unchanged\n")
    assert len(followed.requests) == 6
    with Store(paths.database_path()) as store:
        post = store.get_post(store.list_posts("llms")[0].id)
        assert post is not None and post.markdown  # converted before the command ended


def test_fetch_with_no_tag_one_failing(
    followed: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    followed.set_fault("/tags/sqlite.atom", Fault(status=500))
    code, out, err = run(capsys, "--base-url", followed.url, "fetch")
    assert code == 1
    assert out.splitlines() == [
        "llms: 5 new, 0 updated, 0 unchanged",
        "datasette: 30 new, 0 updated, 0 unchanged",
    ]
    [line] = err.splitlines()
    assert line.startswith("tui-reader: sqlite: ") and "500" in line
    with Store(paths.database_path()) as store:
        assert store.fetch_error("sqlite") is not None


def test_fetch_with_no_tag_a_renamed_tag(
    followed: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    followed.add_tag("sqlite-db", feed_posts("sqlite-db", 2))
    followed.rename("sqlite", "sqlite-db")
    code, out, err = run(capsys, "--base-url", followed.url, "fetch")
    assert code == 1 and len(out.splitlines()) == 2
    assert err == "tui-reader: sqlite: renamed to sqlite-db on the site; follow sqlite-db instead\n"


def test_fetch_with_nothing_followed(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--base-url", site.url, "fetch")
    assert (code, out) == (1, "")
    assert err.startswith("tui-reader: nothing to fetch. Not following any tag.")
    code, _, err = run(capsys, "--base-url", site.url, "fetch", "--all")
    assert code == 1 and "nothing to fetch" in err
    assert site.requests == []
    code, _, err = run(capsys, "fetch", "--pause", "0")
    assert code == 2 and "go with --all" in err


def test_fetch_all_with_no_tag_downloads_every_followed_history(
    followed: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--base-url", followed.url, "fetch", "--all", "--page-size", "20", "--pause", "0")
    code, out, err = run(capsys, *args)
    assert code == 0
    assert out.splitlines() == [
        "llms: archive complete · 5 posts in 1 page; this run: 5 new, 0 updated, 0 unchanged",
        "sqlite: archive complete · 3 posts in 1 page; this run: 3 new, 0 updated, 0 unchanged",
        "datasette: archive complete · 45 posts in 3 pages; this run: 45 new, 0 updated,"
        " 0 unchanged",
    ]
    assert "datasette: page 3 · 45 of 45 posts" in err
    with Store(paths.database_path()) as store:
        assert len(store.list_posts("datasette")) == 45
        state = store.archive_state("sqlite")
        assert state is not None and state.complete
