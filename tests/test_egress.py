"""Everything the reader sends and opens is on the list (``tui_reader.core.egress``), and the
README says what the list says.

The app (through Pilot) and the command line go through a scripted session against the
loopback site; every request the site sees and every address handed to the browser is held to
the list (kind, host, headers, and the step's trigger), nothing may leave the machine, and
every kind on the list must be seen. Adding a kind = one row in ``REQUESTS`` + one step here.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot

from tests.app_support import TAG, settle
from tests.egress_support import Egress, Step
from tests.picture_support import BLUE, png
from tests.site_server import SiteServer
from tests.sitefeeds import FakePost, sample_posts, utc, wrap_body
from tui_reader import cli
from tui_reader.app import ReaderApp
from tui_reader.controllers.following import Following
from tui_reader.core import egress
from tui_reader.core.cache.store import Store
from tui_reader.core.egress import REQUESTS, Trigger, check_opened, check_request, opener_kind
from tui_reader.core.models import Kind, Post
from tui_reader.core.user import paths
from tui_reader.screens.main import MainScreen
from tui_reader.screens.search import SearchScreen
from tui_reader.screens.tag_switcher import TagSwitcher
from tui_reader.widgets.reading_pane import ReadingPane

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 40)
LINKED = "https://example.com/linked-article"
OUTSIDE = "https://example.com/outside"
NOT_CACHED = "https://simonwillison.net/2001/Jan/1/not-cached/"
LANTERN = "/static/2026/lantern.png"  # on the site (the loopback server)
HARBOUR = "/static/2026/harbour.png"  # the next post's, on the site
LAMP = "/far/lamp.png"  # on another site's host (a second loopback server, as "localhost")


# -- the site ------------------------------------------------------------------------------


def elsewhere(server: SiteServer) -> str:
    """``server``'s base URL under another host name (still loopback)."""
    return server.url.replace("127.0.0.1", "localhost")


def links_post(cached: FakePost, picture: str, far: str) -> FakePost:
    """The newest post: a link post with two pictures (on the site, and on another site's
    host) and every sort of link in its body."""
    tags = (TAG, "datasets")
    inner = (
        f'<p><strong><a href="{LINKED}">A page worth reading</a></strong></p>\n'
        f'Commentary with <a href="{OUTSIDE}">an outside page</a>, '
        '<a href="javascript:alert(1)">a script</a>, '
        f'<a href="{NOT_CACHED}">an old post</a>, '
        f'<a href="{cached.permalink}">a cached post</a> and '
        '<a href="https://simonwillison.net/tags/llms/">the llms tag</a>.</p>\n'
        f'<p><img src="{picture}" alt="A lantern"></p>\n'
        f'<p><img src="{far}" alt="A lamp elsewhere"></p>'
    )
    return FakePost(
        "links-everywhere", "Links everywhere", "blogmark", utc(2026, 3, 20), tags,
        wrap_body(inner, tags),
    )  # fmt: skip


def picture_post(picture: str) -> FakePost:
    """The second newest post: one picture, on the site."""
    inner = f'<p>The harbour at dusk.</p>\n<p><img src="{picture}" alt="A harbour"></p>'
    return FakePost(
        "harbour", "A harbour", "entry", utc(2026, 3, 19), (TAG,), wrap_body(inner, (TAG,))
    )


def stock(site: SiteServer, far: SiteServer | None = None) -> list[FakePost]:
    """The site of the session: a tag with the links post, the picture post and the rest, three
    more tags, a renamed tag. The pictures are served by ``site`` and ``far`` (None: the lamp
    is not served, and must never be asked for)."""
    posts = sample_posts(TAG, 45)
    lantern = site.add_file(LANTERN, png(), "image/png")
    harbour = site.add_file(HARBOUR, png(color=BLUE), "image/png")
    if far is not None:
        far.add_file(LAMP, png(), "image/png")
    lamp = elsewhere(far or site) + LAMP
    site.add_tag(TAG, [links_post(posts[0], lantern, lamp), picture_post(harbour), *posts])
    for tag in ("llms", "datasets", "sqlite"):
        site.add_tag(tag, [replace(p, slug=f"{tag}-{p.slug}") for p in sample_posts(tag, 4)])
    site.rename("old-name", "llms")
    site.send_etag = True  # so that refreshes are conditional, as through the site's CDN
    return posts


def on_screen(app: ReaderApp) -> Callable[[], list[Post]]:
    """The posts a key may act on: the one in the reading pane and the highlighted one."""

    def posts() -> list[Post]:
        main = main_of(app)
        highlighted = main.post_list.highlighted_post
        found = app.store.get_post(highlighted.id) if highlighted is not None else None
        return [post for post in (main.shown_post, found) if post is not None]

    return posts


# -- driving the app -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def main_of(app: ReaderApp) -> MainScreen:
    return next(screen for screen in app.screen_stack if isinstance(screen, MainScreen))


def keys(pilot: Pilot[None], *pressed: str, pause: float = 0.0) -> Callable[[], object]:
    async def act() -> None:
        await pilot.press(*pressed)
        if pause:
            await pilot.pause(pause)
        await settle(pilot)

    return act


def typing(pilot: Pilot[None], *chunks: str) -> Callable[[], object]:
    """Type ``chunks``, pausing after each long enough for the site to be asked."""

    async def act() -> None:
        for chunk in chunks:
            await pilot.press(*chunk)
            await pilot.pause(TagSwitcher.SUGGEST_DELAY + 0.15)
            await settle(pilot)

    return act


def click_address(pilot: Pilot[None], url: str) -> Callable[[], object]:
    async def act() -> None:
        pane = main_of(pilot.app).reading_pane  # type: ignore[arg-type]
        lines = pane.plain_text.splitlines()  # the header, the body with its pictures
        row = next(r for r in range(len(lines)) if url in lines[r])
        region = pane.scrollable_content_region
        offset = (
            region.x - pane.region.x + lines[row].index(url) + 2,
            region.y - pane.region.y + row - pane.scroll_offset.y,
        )
        await pilot.click(ReadingPane, offset=offset)
        await settle(pilot)

    return act


async def pictures_settled(pilot: Pilot[None], *, until: str = "", gone: str = "") -> None:
    """Wait until no picture is loading (and the pane shows ``until``, not ``gone``)."""
    for _ in range(100):
        await settle(pilot)
        text = main_of(pilot.app).reading_pane.plain_text  # type: ignore[arg-type]
        busy = any(w.group == "pictures" and not w.is_finished for w in pilot.app.workers)
        loading = busy or "Loading the picture" in text
        if not loading and until in text and not (gone and gone in text):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the pictures never settled")


def pictures(
    pilot: Pilot[None], *pressed: str, until: str = "", gone: str = ""
) -> Callable[[], object]:
    """Press ``pressed``, then wait for the pictures it starts."""

    async def act() -> None:
        await pilot.press(*pressed)
        await pictures_settled(pilot, until=until, gone=gone)

    return act


def app_session(app: ReaderApp, pilot: Pilot[None], clock: Clock) -> list[Step]:
    """The scripted session: everything a reader does, each with what it may send."""
    main = lambda: main_of(app)  # noqa: E731

    def shown(title: str) -> Callable[[], object]:
        async def act() -> None:
            await settle(pilot)
            assert main().shown_post is not None and main().shown_post.title == title

        return act

    def tick(minutes: int) -> Callable[[], object]:
        async def act() -> None:
            clock.now += timedelta(minutes=minutes)
            main().query_one(Following).tick()
            await settle(pilot)

        return act

    feed = {"feed": 1}
    first = {"tag-lookup": 1, "feed-whole": 1}  # a tag's first fetch: small tags come whole
    ask = "press I to load it"
    return [
        Step(
            "start: the newest post and its picture on the site, not the one elsewhere",
            pictures(pilot, until=ask),
            (Trigger.START, Trigger.POST_SHOWN),
            expect={**first, "picture": 1},
        ),
        Step("the newest post shown (links, two pictures)", shown("Links everywhere")),
        Step(
            "I: the picture on another site's host",
            pictures(pilot, "I", gone=ask),
            Trigger.OTHER_PICTURES_KEY,
            expect={"picture-elsewhere": 1},
        ),
        Step("i: pictures off", pictures(pilot, "i")),
        Step("j: a post with a picture, pictures off", pictures(pilot, "j")),
        Step("the picture post shown", shown("A harbour")),
        Step(
            "i: pictures on, its picture",
            pictures(pilot, "i", until="▀"),
            Trigger.POST_SHOWN,
            expect={"picture": 1},
        ),
        Step("k: back, its pictures kept", pictures(pilot, "k")),
        Step("reading: j, k, enter", keys(pilot, "j", "k", "enter")),
        Step("idle", keys(pilot, pause=0.5)),
        Step("r", keys(pilot, "r"), Trigger.REFRESH_KEY, expect=feed),
        Step("t", keys(pilot, "t")),
        Step(
            "typing “llms” in the switcher",
            typing(pilot, "ll", "ms"),
            Trigger.SWITCHER_TYPING,
            expect={"tag-suggestions": None},
        ),
        Step("enter: llms", keys(pilot, "enter"), Trigger.OPEN_TAG, expect=first),
        Step("[: back", keys(pilot, "left_square_bracket"), Trigger.OPEN_TAG, expect=feed),
        Step("the post again", shown("Links everywhere")),
        Step(
            "T, →, enter: the post's tag datasets",
            keys(pilot, "T", "right", "enter"),
            Trigger.OPEN_TAG,
            expect=first,
        ),
        Step("[: back", keys(pilot, "left_square_bracket"), Trigger.OPEN_TAG, expect=feed),
        Step("the post again", shown("Links everywhere")),
        Step("o: the linked page", keys(pilot, "o"), opens="o"),
        Step("O: the post", keys(pilot, "O"), opens="O"),
        Step("L: the links", keys(pilot, "L")),
        Step("2: an outside page", keys(pilot, "2"), opens="L"),
        Step("L, 3: javascript: refused", keys(pilot, "L", "3")),
        Step("L, 4: a post not cached", keys(pilot, "L", "4"), opens="L"),
        Step("L, 5: a cached post, in the reader", keys(pilot, "L", "5")),
        Step("alt+←: back to the post", keys(pilot, "alt+left")),
        Step("a click on an address", click_address(pilot, OUTSIDE), opens="click"),
        Step("L, 6: the llms tag page", keys(pilot, "L", "6"), Trigger.OPEN_TAG, expect=feed),
        Step("[: back", keys(pilot, "left_square_bracket"), Trigger.OPEN_TAG, expect=feed),
        Step(
            "/ and typing a search",
            keys(pilot, "slash", *"lantern ledger", pause=SearchScreen.DELAY + 0.2),
        ),
        Step("enter: the result", keys(pilot, "enter")),
        Step(
            "A: the whole archive",
            keys(pilot, "A"),
            Trigger.ARCHIVE_KEY,
            expect={"tag-count": 1, "archive-page": 1},
        ),
        Step("+: follow", keys(pilot, "plus")),
        Step("R: the followed tags", keys(pilot, "R"), Trigger.FOLLOWED_KEY, expect=feed),
        Step("F", keys(pilot, "F")),
        Step("ctrl+r in F", keys(pilot, "ctrl+r"), Trigger.FOLLOWED_KEY, expect=feed),
        Step("esc, U", keys(pilot, "escape", "U")),
        Step("U again: back to the tag", keys(pilot, "U"), Trigger.OPEN_TAG, expect=feed),
        Step("the timer, not yet due", tick(5)),
        Step("the timer, due", tick(30), Trigger.AUTO_REFRESH, expect={"feed": 2}),
        Step("typing a renamed tag", typing(pilot, "t", "old-name"), Trigger.SWITCHER_TYPING),
        Step(
            "enter: the renamed tag (the switcher reopens on its new name)",
            keys(pilot, "enter", pause=TagSwitcher.SUGGEST_DELAY + 0.15),
            Trigger.OPEN_TAG,
            expect={"feed": 1, "redirect": 2},
        ),
        Step("esc, q", keys(pilot, "escape", "q")),
    ]


def cached_posts() -> list[Post]:
    """The posts the command line's cache holds for TAG (those ``fetch --images`` reads)."""
    with Store(paths.database_path()) as store:
        return list(store.posts(TAG))


def cli_session(url: str) -> list[Step]:
    def run(*args: str, status: int = 0) -> Callable[[], object]:
        def act() -> None:
            assert cli.main(["--base-url", url, *args]) == status, args

        return act

    return [
        Step(
            "fetch TAG",
            run("fetch", TAG),
            Trigger.CLI_FETCH,
            expect={"tag-lookup": 1, "feed-whole": 1},
        ),
        Step(
            "fetch TAG --images: the site's pictures, not the one elsewhere",
            run("fetch", TAG, "--images"),
            Trigger.CLI_FETCH_IMAGES,
            expect={"picture": 2},
        ),
        Step("fetch TAG --images again: all kept", run("fetch", TAG, "--images")),
        Step(
            "fetch TAG --all",
            run("fetch", TAG, "--all", "--page-size", "20", "--pause", "0"),
            Trigger.CLI_FETCH_ALL,
            expect={"tag-count": 1, "archive-page": 3},
        ),
        Step("follow", run("follow", "llms", "sqlite")),
        Step("fetch (followed)", run("fetch"), Trigger.CLI_FETCH, expect={"feed": 2}),
        Step(
            "fetch --all (followed)", run("fetch", "--all", "--pause", "0"), Trigger.CLI_FETCH_ALL
        ),
        Step("fetch a renamed tag", run("fetch", "old-name", status=1), Trigger.CLI_FETCH),
        Step("tags", run("tags")),
        Step("export", run("export", TAG)),
        Step("search", run("search", "lantern")),
        Step("paths", run("paths")),
        Step("unfollow", run("unfollow", "sqlite")),
        Step("--offline fetch", run("--offline", "fetch", TAG, status=2)),
    ]


# -- the session ---------------------------------------------------------------------------


async def test_every_request_and_opened_address_is_on_the_list(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    far = SiteServer().start()
    try:
        stock(site, far)
        config = tmp_path / "config.toml"
        config.write_text('follow = ["sqlite"]\nrefresh_minutes = 10\n', encoding="utf-8")
        recorder = Egress(site, monkeypatch, {elsewhere(far): far})
        clock = Clock()
        store = Store(tmp_path / "session" / "cache.sqlite3")  # on disk: pictures are on
        app = ReaderApp(store, TAG, base_url=site.url, clock=clock, config_path=config)
        problems: list[str] = []
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            for step in app_session(app, pilot, clock):
                problems += await recorder.step(step, on_screen(app))
        store.close()
        for step in cli_session(site.url):
            problems += await recorder.step(step, cached_posts)
    finally:
        far.stop()
    assert problems == [], "\n".join(problems)
    assert recorder.refused == []
    never_seen = {kind.name for kind in REQUESTS} - set(recorder.seen.requests)
    assert never_seen == set(), f"no step of the session sends {never_seen}: add one"
    unused = {kind.name for kind in egress.OPENERS} - set(recorder.seen.openers)
    assert unused == set(), f"no step of the session opens with {unused}: add one"


def drive(steps: Callable[[ReaderApp, Pilot[None]], Iterable[Step]], recorder: Egress):
    """A stand-in for ``ReaderApp.run``: the app goes through ``steps`` under Pilot."""
    problems: list[str] = []

    def run(app: ReaderApp, *args: object, **kwargs: object) -> None:
        async def session() -> None:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await settle(pilot)
                for step in steps(app, pilot):
                    problems.extend(await recorder.step(step, on_screen(app)))

        asyncio.run(session())

    return run, problems


def quiet_session(app: ReaderApp, pilot: Pilot[None]) -> list[Step]:
    """What would send requests online; offline, each must send nothing."""
    return [
        Step("start, r", keys(pilot, "r")),
        Step("t, typing", typing(pilot, "t", "llm")),
        Step("enter", keys(pilot, "enter")),
        Step("A, R, F, ctrl+r, esc", keys(pilot, "A", "R", "F", "ctrl+r", "escape")),
        Step("the timer", lambda: main_of(app).query_one(Following).tick()),
        Step("I, i, i: the pictures, kept or not", keys(pilot, "I", "i", "i", pause=0.3)),
        Step("o: opening still works", keys(pilot, "o"), opens="o"),
        Step("q", keys(pilot, "q")),
    ]


@pytest.mark.parametrize("flag", ["--offline", "--demo"])
def test_offline_and_demo_send_nothing_at_all(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    stock(site)
    assert cli.main(["--base-url", site.url, "fetch", TAG, "llms"]) == 0  # something cached
    site.clear_requests()
    recorder = Egress(site, monkeypatch)
    run, problems = drive(quiet_session, recorder)
    monkeypatch.setattr(ReaderApp, "run", run)
    assert cli.main([flag, "--base-url", site.url]) == 0
    assert problems == [], "\n".join(problems)
    assert recorder.total == 0, (site.requests, recorder.attempted, recorder.refused)
    assert recorder.opened  # the session really ran


# -- the checker catches what is not on the list -------------------------------------------


async def test_a_stray_request_fails_the_session(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undeclared requests slipped into a refresh (to the site, with a cookie, and to another
    host) and into showing a post (a feed, and a page elsewhere): each is reported in words,
    and those to other hosts never leave the machine."""
    from tui_reader.core.net import refresh

    stock(site)
    recorder = Egress(site, monkeypatch)
    real = refresh.refresh_tag

    def leaky(store: Store, tag: str, **kwargs: object) -> object:
        result = real(store, tag, **kwargs)  # type: ignore[arg-type]
        base = str(kwargs["base_url"])
        httpx.get(f"{base}/stats/?read={tag}", headers={"Cookie": "reader=1"})
        httpx.get(f"{base}/tags/{tag}.atom", headers={"Cookie": "reader=1"})
        with pytest.raises(httpx.ConnectError):
            httpx.get("https://tracker.example/pixel.gif")
        return result

    show_post = ReadingPane.show_post

    def prefetching(pane: ReadingPane, post: Post | None, **kwargs: object) -> None:
        """Showing any post but the newest also asks for a feed, and for a page elsewhere."""
        show_post(pane, post, **kwargs)  # type: ignore[arg-type]
        if post is not None and post.title != "Links everywhere":
            httpx.get(f"{site.url}/tags/datasets.atom")
            with pytest.raises(httpx.ConnectError):
                httpx.get(OUTSIDE)

    monkeypatch.setattr(refresh, "refresh_tag", leaky)
    monkeypatch.setattr(ReadingPane, "show_post", prefetching)
    store = Store(":memory:")
    app = ReaderApp(store, TAG, base_url=site.url, clock=Clock())
    async with app.run_test(size=SIZE) as pilot:
        steps = [
            Step("start", keys(pilot), Trigger.START, expect={"feed": 1}),
            Step("reading: j", keys(pilot, "j")),
        ]
        problems = [p for step in steps for p in await recorder.step(step, on_screen(app))]
    text = "\n".join(problems)
    assert f"start: GET {site.url}/stats/?read={TAG}: not a kind of request the list names" in text
    assert "it carries a Cookie header" in text
    assert "start: a request to another host: GET https://tracker.example/pixel.gif" in text
    feed = f"reading: j: GET {site.url}/tags/datasets.atom"
    assert f"{feed}: sent when nothing that may send was done" in text
    assert f"reading: j: a request to another host: GET {OUTSIDE}" in text
    assert len(recorder.refused) == 2


def test_the_checker_names_each_way_a_request_breaks_the_list() -> None:
    base = "https://simonwillison.net"
    good = dict(egress.FEED_HEADERS, host="simonwillison.net")
    feed = f"{base}/tags/llms.atom"

    def problems(url: str, headers: dict[str, str], trigger: Trigger | None) -> str:
        verdict = check_request("GET", url, headers, base_url=base, trigger=trigger)
        return " | ".join(verdict.problems)

    assert problems(feed, good, Trigger.REFRESH_KEY) == ""
    assert "not sent on switcher-typing" in problems(feed, good, Trigger.SWITCHER_TYPING)
    assert "nothing that may send" in problems(feed, good, None)
    assert "not a kind" in problems("https://evil.example/tags/llms.atom", good, Trigger.START)
    assert "not a kind" in problems(f"{base}/tags/../etc.atom", good, Trigger.START)
    assert "unexpected header X-Tracking" in problems(
        feed, {**good, "x-tracking": "1"}, Trigger.START
    )
    assert "User-Agent is 'curl/8'" in problems(
        feed, {**good, "user-agent": "curl/8"}, Trigger.REFRESH_KEY
    )
    assert "Host header" in problems(feed, {**good, "host": "elsewhere"}, Trigger.START)
    archive = egress.request_kind("archive-page")
    assert check_request(
        "GET", f"{base}/tags/llms.atom?size=1000", dict(archive.headers, host="simonwillison.net"),
        base_url=base, trigger=Trigger.ARCHIVE_KEY,
    ).kind is archive  # fmt: skip


def test_the_checker_names_each_way_an_opened_address_breaks_the_list() -> None:
    post = Post(
        id="https://simonwillison.net/2026/Mar/1/x/",
        url="https://simonwillison.net/2026/Mar/1/x/",
        title="x",
        kind=Kind.ENTRY,
        published=utc(2026, 3, 1),
        tags=(TAG,),
        html=f'<p><a href="{OUTSIDE}">out</a> <a href="javascript:alert(1)">js</a></p>',
        markdown="",
    )
    assert check_opened(OUTSIDE, opener_kind("L"), [post]) == ()
    assert "nothing that opens" in check_opened(OUTSIDE, None, [post])[0]
    assert (
        "not an http or https" in check_opened("javascript:alert(1)", opener_kind("L"), [post])[0]
    )
    assert "not an address O opens" in check_opened(OUTSIDE, opener_kind("O"), [post])[0]
    assert "not an address L opens" in check_opened(LINKED, opener_kind("L"), [post])[0]


# -- the README says what the list says ----------------------------------------------------


def _readme_egress_module():  # type: ignore[no-untyped-def]
    path = ROOT / "scripts/readme_egress.py"
    spec = importlib.util.spec_from_file_location("readme_egress", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_privacy_section_is_the_list() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    module = _readme_egress_module()
    assert module.updated(readme) == readme, "run: uv run python scripts/readme_egress.py"
    section = readme.split("## Security and privacy", 1)[1].split("\n## ", 1)[0]
    assert module.START in section
    for kind in REQUESTS:
        assert f"**{kind.name}**" in section
    for opener in egress.OPENERS:
        assert opener.how in section
