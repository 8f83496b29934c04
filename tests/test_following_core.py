"""Following many tags, in the core: the settings (follow, refresh_minutes), the cache's view
of many tags at once (overview, unread posts, related tags, fetch errors, schema 6) and
refreshing them all against the loopback site."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tests.test_store import make_post
from tui_reader.core.cache.store import SCHEMA_VERSION, Store
from tui_reader.core.errors import InvalidTag, SettingsError, TagRenamed
from tui_reader.core.models import Post, PostSummary, YearCount
from tui_reader.core.net.fetch import new_client
from tui_reader.core.net.follow import TagRefreshOutcome, refresh_tags
from tui_reader.core.net.refresh import RefreshResult
from tui_reader.core.user.settings import (
    HEADER,
    MAX_FOLLOWED,
    Settings,
    follow_tags,
    followed_tags,
    load_settings,
    read_settings,
    toggle_follow,
    toggle_pin,
    unfollow_tags,
)

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

# -- settings --------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"


def test_follow_and_refresh_minutes_default_when_absent(config: Path) -> None:
    assert load_settings(config) == Settings()
    config.parent.mkdir()
    config.write_text('pins = ["llms"]\n')
    settings = load_settings(config)
    assert (settings.follow, settings.refresh_minutes, settings.problems) == ((), 30, ())


def test_follow_entries_are_validated_deduplicated_and_reported(config: Path) -> None:
    config.parent.mkdir()
    config.write_text(
        'follow = ["llms", "LLMs", "../etc", 7, "ai+copyright", "sqlite", "llms"]\n'
        "refresh_minutes = 45\n"
    )
    settings = load_settings(config)
    assert settings.follow == ("llms", "ai+copyright", "sqlite")
    assert settings.refresh_minutes == 45
    assert len(settings.problems) == 2
    assert all("followed tag was skipped" in problem for problem in settings.problems)


@pytest.mark.parametrize(
    ("value", "minutes", "problem"),
    [
        ("5", 10, "raised to 10"),
        ("0", 10, "raised to 10"),
        ("-3", 10, "raised to 10"),
        ("10", 10, None),
        ("720", 720, None),
        ('"30"', 30, "whole number"),
        ("12.5", 30, "whole number"),
        ("true", 30, "whole number"),
    ],
)
def test_refresh_minutes_at_least_ten(
    config: Path, value: str, minutes: int, problem: str | None
) -> None:
    config.parent.mkdir()
    config.write_text(f"refresh_minutes = {value}\n")
    settings = load_settings(config)
    assert settings.refresh_minutes == minutes
    if problem is None:
        assert settings.problems == ()
    else:
        assert len(settings.problems) == 1 and problem in settings.problems[0]


def test_follow_must_be_a_list(config: Path) -> None:
    config.parent.mkdir()
    config.write_text('follow = "llms"\npins = ["ai"]\n')
    settings = load_settings(config)
    assert (settings.follow, settings.pins) == ((), ("ai",))
    assert settings.problems == ("In config.toml, follow must be a list of tags.",)


def test_the_follow_list_is_capped_at_200(config: Path) -> None:
    config.parent.mkdir()
    tags = [f"tag-{n}" for n in range(MAX_FOLLOWED + 5)]
    config.write_text(f"follow = {tags!r}\n".replace("'", '"'))
    settings = load_settings(config)
    assert settings.follow == tuple(tags[:MAX_FOLLOWED])
    assert settings.problems == ("In config.toml, only the first 200 followed tags are followed.",)


def test_followed_tags_are_the_list_then_the_pins() -> None:
    settings = Settings(pins=("ai", "llms", "sqlite"), follow=("llms", "datasette"))
    assert followed_tags(settings) == ("llms", "datasette", "ai", "sqlite")
    assert followed_tags(Settings()) == ()


def test_follow_unfollow_and_toggle_write_the_list_in_order(config: Path) -> None:
    assert follow_tags(config, ["llms", "SQLite"]) == ("llms", "sqlite")
    assert config.read_text().startswith(HEADER)
    assert follow_tags(config, ["ai", "llms", "ai+copyright"]) == (
        "llms",
        "sqlite",
        "ai",
        "ai+copyright",
    )
    assert unfollow_tags(config, ["sqlite", "never-followed"]) == ("llms", "ai", "ai+copyright")
    assert toggle_follow(config, "llms") == (False, ("ai", "ai+copyright"))
    assert toggle_follow(config, "llms") == (True, ("ai", "ai+copyright", "llms"))
    assert load_settings(config).follow == ("ai", "ai+copyright", "llms")


def test_unfollowing_a_pinned_tag_only_removes_it_from_follow(config: Path) -> None:
    toggle_pin(config, "llms")
    follow_tags(config, ["llms", "ai"])
    assert toggle_follow(config, "llms") == (False, ("ai",))
    settings = load_settings(config)
    assert settings.pins == ("llms",)
    assert followed_tags(settings) == ("ai", "llms")  # the pin still counts


def test_writing_keeps_the_users_comments(config: Path) -> None:
    config.parent.mkdir()
    config.write_text(
        "# my settings\n"
        'pins = ["ai"]  # keys\n'
        "follow = [\n"
        '    "llms",  # the big one\n'
        "    # a note inside the list\n"
        '    "sqlite",\n'
        "]\n"
        "refresh_minutes = 20  # twice an hour-ish\n"
    )
    assert follow_tags(config, ["datasette"]) == ("llms", "sqlite", "datasette")
    assert unfollow_tags(config, ["sqlite"]) == ("llms", "datasette")
    text = config.read_text()
    for kept in ("# my settings", "# keys", "# the big one", "# a note inside", "# twice an"):
        assert kept in text
    assert "sqlite" not in text
    settings = load_settings(config)
    assert (settings.follow, settings.pins, settings.refresh_minutes) == (
        ("llms", "datasette"),
        ("ai",),
        20,
    )


def test_a_long_list_is_written_one_tag_a_line(config: Path) -> None:
    follow_tags(config, [f"a-rather-long-tag-name-{n}" for n in range(6)])
    lines = config.read_text().splitlines()
    assert '    "a-rather-long-tag-name-0",' in lines
    assert len(load_settings(config).follow) == 6


def test_following_past_200_is_refused_and_nothing_written(config: Path) -> None:
    follow_tags(config, [f"tag-{n}" for n in range(MAX_FOLLOWED - 1)])
    before = config.read_text()
    with pytest.raises(SettingsError, match="At most 200 tags can be followed"):
        follow_tags(config, ["one", "two"])
    assert config.read_text() == before
    assert follow_tags(config, ["one"])[-1] == "one"
    with pytest.raises(SettingsError, match="At most 200"):
        toggle_follow(config, "two")


def test_an_invalid_tag_is_refused_before_writing(config: Path) -> None:
    follow_tags(config, ["llms"])
    before = config.read_text()
    with pytest.raises(InvalidTag):
        follow_tags(config, ["sqlite", "a b"])
    with pytest.raises(InvalidTag):
        toggle_follow(config, "../x")
    assert config.read_text() == before


def test_a_broken_file_is_never_rewritten(config: Path) -> None:
    config.parent.mkdir()
    config.write_text('follow = ["llms"\n')
    settings = load_settings(config)
    assert settings.follow == () and "not valid TOML" in settings.problems[0]
    with pytest.raises(SettingsError, match="not valid TOML"):
        read_settings(config)
    for write in (
        lambda: follow_tags(config, ["ai"]),
        lambda: unfollow_tags(config, ["llms"]),
        lambda: toggle_follow(config, "ai"),
        lambda: toggle_pin(config, "ai"),
    ):
        with pytest.raises(SettingsError):
            write()
    assert config.read_text() == 'follow = ["llms"\n'


def test_a_list_with_unusable_entries_is_not_rewritten(config: Path) -> None:
    config.parent.mkdir()
    original = 'follow = ["llms", "not a tag"]\nrefresh_minutes = 3\n'
    config.write_text(original)
    with pytest.raises(SettingsError, match="skipped"):
        follow_tags(config, ["ai"])
    assert config.read_text() == original
    # Another list's problem does not stop pinning, which leaves the follow list as it is.
    assert toggle_pin(config, "ai") == ("ai",)
    assert 'follow = ["llms", "not a tag"]' in config.read_text()


def test_a_change_that_changes_nothing_writes_nothing(config: Path) -> None:
    assert unfollow_tags(config, ["llms"]) == ()
    assert not config.exists()
    follow_tags(config, ["llms"])
    config.write_text(config.read_text() + "# mine\n")
    stamp = config.stat().st_mtime_ns
    assert follow_tags(config, ["llms"]) == ("llms",)
    assert config.stat().st_mtime_ns == stamp


# -- the cache: fetch errors, schema 6 --------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "cache.sqlite3")


def test_a_fetch_error_is_kept_until_a_fetch_succeeds(store: Store) -> None:
    assert store.fetch_error("llms") is None
    store.record_fetch_error("llms", "The site\x1b[31m answered 500.\n", when=T0)
    store.record_fetch_error("ai", "No network.", when=T0)
    assert store.fetch_error("llms") == ("The site[31m answered 500.", T0)
    store.merge("llms", [make_post(1, tags=("llms",))])
    assert store.fetch_error("llms") is None
    assert store.fetch_error("ai") == ("No network.", T0)
    store.record_unchanged("ai")
    assert store.fetch_error("ai") is None


def test_a_version_5_cache_migrates_to_6(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with Store(path) as store:  # a cache as version 5 left it: the same without fetch_errors
        store.merge("llms", [make_post(n, tags=("llms", "ai")) for n in range(3)], fetched_at=T0)
        store.set_read(make_post(0).id)
        store._conn.execute("DROP TABLE fetch_errors")
        for name in ("insert", "update", "delete"):  # and without version 7's tables
            store._conn.execute(f"DROP TRIGGER post_words_{name}")
        store._conn.execute("DROP TABLE post_words")
        store._conn.execute("DROP TABLE tag_facts")
        store._conn.execute("PRAGMA user_version=5")
    with Store(path) as store:
        assert store._select("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 7
        assert [p.id for p in store.list_posts("llms")] == [make_post(n).id for n in (2, 1, 0)]
        assert store.unread_count("llms") == 2
        store.record_fetch_error("llms", "Gone.", when=T0)
        [overview] = store.tag_overview(["llms"])
        assert (overview.count, overview.unread, overview.error) == (3, 2, "Gone.")
        assert overview.fetched_at == T0


# -- the cache: many tags at once -------------------------------------------------------------


def post(n: int, year: int, tags: tuple[str, ...]) -> Post:
    return make_post(n, year=year, tags=tags)


@pytest.fixture
def seeded(store: Store) -> Store:
    """llms: 5 posts over 2023-2024; sqlite: 3 (one shared with llms); ai: 2, both on llms
    posts; datasette: 1 on the sqlite posts. Fetched at T0, so first seen at T0."""
    store.merge(
        "llms",
        [
            post(1, 2023, ("llms", "ai")),
            post(2, 2023, ("llms",)),
            post(3, 2024, ("llms", "ai", "sqlite")),
            post(4, 2024, ("llms",)),
            post(5, 2024, ("llms", "openai")),
        ],
        fetched_at=T0,
    )
    store.merge(
        "sqlite",
        [post(3, 2024, ("llms", "ai", "sqlite")), post(6, 2021, ("sqlite", "datasette"))],
        fetched_at=T0,
    )
    store.merge("sqlite", [post(7, 2025, ("sqlite", "datasette"))], fetched_at=T0)
    return store


def test_tag_overview_counts_each_tag_in_the_order_given(seeded: Store) -> None:
    seeded.set_read(post(1, 2023, ()).id)
    seeded.set_read(post(3, 2024, ()).id)
    seeded.record_fetch_error("sqlite", "The site answered 503.", when=T0 + timedelta(hours=1))
    overview = seeded.tag_overview(["sqlite", "llms", "never-seen", "llms"])
    assert [item.tag for item in overview] == ["sqlite", "llms", "never-seen"]
    sqlite, llms, unknown = overview
    assert (llms.count, llms.unread, llms.new) == (5, 3, 0)  # never visited: nothing is new
    assert llms.years == (YearCount(2023, 2, 1), YearCount(2024, 3, 2))
    assert llms.fetched_at == T0 and llms.error is None and llms.error_at is None
    assert (sqlite.count, sqlite.unread) == (3, 2)
    assert [year.year for year in sqlite.years] == [2021, 2024, 2025]  # only years with posts
    assert sqlite.error == "The site answered 503."
    assert sqlite.error_at == T0 + timedelta(hours=1)
    assert unknown == replace(unknown, count=0, unread=0, new=0, fetched_at=None, years=())
    assert seeded.tag_overview([]) == []


def test_tag_overview_new_counts_unread_posts_first_seen_after_the_last_visit(
    seeded: Store,
) -> None:
    seeded.visit_tag("llms", when=T0 + timedelta(minutes=5))
    later = T0 + timedelta(hours=2)
    seeded.merge("llms", [post(8, 2025, ("llms",)), post(9, 2025, ("llms",))], fetched_at=later)
    seeded.set_read(post(9, 2025, ()).id)
    [llms] = seeded.tag_overview(["llms"])
    assert (llms.count, llms.unread, llms.new, llms.fetched_at) == (7, 6, 1, later)
    [quiet] = seeded.tag_overview(["llms"], since_visits=False)
    assert quiet.new == 0 and quiet.unread == 6


def test_tag_overview_of_a_combination(seeded: Store) -> None:
    [both] = seeded.tag_overview(["llms+sqlite"])
    assert (both.count, both.unread, both.years) == (1, 1, (YearCount(2024, 1, 1),))


def test_unread_posts_across_tags_newest_first_once_each(seeded: Store) -> None:
    seeded.set_read(post(4, 2024, ()).id)
    posts = seeded.unread_posts(["sqlite", "llms", "ai"])
    assert [(p.id, p.tags) for p in posts] == [
        (post(7, 2025, ()).id, ("sqlite",)),
        (post(5, 2024, ()).id, ("llms",)),
        (post(3, 2024, ()).id, ("sqlite", "llms", "ai")),  # the order the tags were given
        (post(2, 2023, ()).id, ("llms",)),
        (post(1, 2023, ()).id, ("llms", "ai")),
        (post(6, 2021, ()).id, ("sqlite",)),
    ]
    assert posts == sorted(posts, key=lambda p: p.published, reverse=True)
    assert all(p.first_seen == T0 for p in posts)
    assert [p.id for p in seeded.unread_posts(["sqlite", "llms"], limit=2)] == [
        p.id for p in posts[:2]
    ]
    assert seeded.unread_posts([]) == []
    assert seeded.unread_posts(["nothing-here"]) == []
    both = seeded.unread_posts(["llms+sqlite", "datasette"])
    assert [p.tags for p in both] == [("datasette",), ("llms+sqlite",), ("datasette",)]


def test_post_summary_tags_do_not_change_equality() -> None:
    plain = PostSummary("x", "x", "t", make_post(1).kind, T0)
    assert replace(plain, tags=("llms",)) == plain
    assert plain.tags == ()


def test_related_tags_most_shared_first(seeded: Store) -> None:
    assert seeded.related_tags("llms") == [("ai", 2), ("openai", 1), ("sqlite", 1)]
    assert seeded.related_tags("llms", limit=1) == [("ai", 2)]
    assert seeded.related_tags("sqlite") == [("datasette", 2), ("ai", 1), ("llms", 1)]
    assert seeded.related_tags("llms+ai") == [("sqlite", 1)]  # not the parts
    assert seeded.related_tags("nothing-here") == []


# -- refreshing many tags ---------------------------------------------------------------------


def feed_posts(tag: str, n: int) -> list[sitefeeds.FakePost]:
    """``n`` posts of ``tag`` alone (no post shared with another tag's feed)."""
    return [
        sitefeeds.entry_post(f"{tag}-{k}", f"{tag} post {k}", T0 - timedelta(days=k), (tag,))
        for k in range(n)
    ]


@pytest.fixture
def three(site: SiteServer) -> SiteServer:
    for tag in ("llms", "sqlite", "datasette"):
        site.add_tag(tag, feed_posts(tag, 4))
    return site


def refresh(store: Store, site: SiteServer, tags: list[str], **options: object) -> list[str]:
    options.setdefault("min_age", timedelta(0))
    outcomes = refresh_tags(store, tags, base_url=site.url, **options)  # type: ignore[arg-type]
    return [outcome.describe() for outcome in outcomes]


def test_every_tag_in_order_then_304s(store: Store, three: SiteServer) -> None:
    three.answer_304 = True
    tags = ["sqlite", "llms", "datasette"]
    assert refresh(store, three, tags) == [f"{tag}: 4 new, 0 updated, 0 unchanged" for tag in tags]
    assert [r.path for r in three.requests] == [f"/tags/{tag}.atom" for tag in tags]
    assert refresh(store, three, tags) == [
        f"{tag}: not modified since the last fetch" for tag in tags
    ]
    assert all(r.header("if-modified-since") for r in three.requests[3:])


def test_a_failure_is_reported_recorded_and_cleared_by_a_later_success(
    store: Store, three: SiteServer
) -> None:
    three.set_fault("/tags/sqlite.atom", Fault(status=500))
    outcomes = refresh_tags(
        store, ["llms", "sqlite", "datasette"], base_url=three.url, min_age=timedelta(0)
    )
    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    failed = outcomes[1]
    assert failed.result is None and failed.error is not None and not failed.skipped
    assert failed.describe().startswith("sqlite: ") and "500" in failed.describe()
    recorded = store.fetch_error("sqlite")
    assert recorded is not None and recorded[0] == failed.error.message
    assert store.tag_overview(["sqlite"])[0].error == failed.error.message
    three.clear_faults()
    assert refresh(store, three, ["sqlite"]) == ["sqlite: 4 new, 0 updated, 0 unchanged"]
    assert store.fetch_error("sqlite") is None


def test_a_renamed_tag_among_the_followed(store: Store, three: SiteServer) -> None:
    three.add_tag("new-tag", feed_posts("new-tag", 2))
    three.rename("old-tag", "new-tag")
    outcomes = refresh_tags(store, ["llms", "old-tag", "sqlite"], base_url=three.url)
    assert [outcome.describe() for outcome in outcomes] == [
        "llms: 4 new, 0 updated, 0 unchanged",
        "old-tag: renamed to new-tag on the site; follow new-tag instead",
        "sqlite: 4 new, 0 updated, 0 unchanged",
    ]
    assert isinstance(outcomes[1].error, TagRenamed) and outcomes[1].error.new == "new-tag"
    recorded = store.fetch_error("old-tag")
    assert recorded is not None and "renamed to 'new-tag'" in recorded[0]


def test_a_recent_tag_is_skipped_unless_forced(store: Store, three: SiteServer) -> None:
    refresh(store, three, ["llms", "sqlite"])
    three.clear_requests()
    info = store.tag_info("llms")
    assert info is not None and info.fetched_at is not None
    fetched_at = info.fetched_at
    outcomes = refresh_tags(
        store,
        ["llms", "sqlite", "datasette"],
        base_url=three.url,
        force=["sqlite", "not a tag"],
        now=fetched_at + timedelta(minutes=4, seconds=10),
    )
    assert [outcome.describe() for outcome in outcomes] == [
        "llms: skipped, fetched 4 min ago",
        "sqlite: 0 new, 0 updated, 4 unchanged",
        "datasette: 4 new, 0 updated, 0 unchanged",  # never fetched: never skipped
    ]
    assert outcomes[0] == TagRefreshOutcome("llms", skipped=True, age=outcomes[0].age)
    assert outcomes[0].ok
    assert [r.path for r in three.requests] == ["/tags/sqlite.atom", "/tags/datasette.atom"]
    later = refresh_tags(
        store, ["llms"], base_url=three.url, now=fetched_at + timedelta(minutes=11)
    )
    assert later[0].result is not None  # ten minutes on, it is asked again


def test_progress_cancel_invalid_tags_and_the_client(store: Store, three: SiteServer) -> None:
    seen: list[tuple[int, int, str]] = []
    stop = threading.Event()
    clients: list[httpx.Client] = []

    def report(done: int, total: int, tag: str) -> None:
        seen.append((done, total, tag))
        if done == 2:
            stop.set()

    def factory() -> httpx.Client:
        clients.append(new_client())
        return clients[-1]

    outcomes = refresh_tags(
        store,
        ["a b", "llms", "llms", "sqlite", "datasette"],
        base_url=three.url,
        client_factory=factory,
        on_progress=report,
        cancel=stop,
    )
    assert seen == [(0, 4, "a b"), (1, 4, "llms"), (2, 4, "sqlite")]
    assert [outcome.tag for outcome in outcomes] == ["a b", "llms", "sqlite"]  # then stopped
    assert isinstance(outcomes[0].error, InvalidTag)
    assert store.fetch_error("a b") is None  # refused before any request, nothing recorded
    assert [r.path for r in three.requests] == ["/tags/llms.atom", "/tags/sqlite.atom"]
    assert len(clients) == 1 and clients[0].is_closed


def test_describe_a_result() -> None:
    outcome = TagRefreshOutcome("llms", RefreshResult("llms"))
    assert outcome.describe() == "llms: 0 new, 0 updated, 0 unchanged"
    assert TagRefreshOutcome("x", skipped=True, age=timedelta(seconds=20)).describe() == (
        "x: skipped, fetched just now"
    )


def test_thirty_followed_tags_answering_304_take_under_two_seconds(
    store: Store, site: SiteServer
) -> None:
    tags = [f"tag-{n:02d}" for n in range(30)]
    for tag in tags:
        site.add_tag(tag, feed_posts(tag, 3))
    site.answer_304 = True
    refresh(store, site, tags)
    started = time.perf_counter()
    lines = refresh(store, site, tags)
    elapsed = time.perf_counter() - started
    assert lines == [f"{tag}: not modified since the last fetch" for tag in tags]
    assert elapsed < 2.0, f"{elapsed:.2f} s"
