"""The tag's true size and description in the list's title, small tags opened whole, word
counts in the header and the list, and a switcher that opens what was meant."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from tests.app_support import NOW, TAG, make_app, make_post, seeded_store, settle, year_posts
from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tests.test_app_tags import list_title, main_of, messages
from tui_reader.core.cache.store import Store
from tui_reader.core.models import TagFacts, TagSuggestion
from tui_reader.core.net.refresh import refresh_tag
from tui_reader.screens.tag_switcher import TagOption, TagSwitcher

SIZE = (120, 36)
LOOKUP = "/tags-autocomplete/"
DESCRIPTION = "Data used to train LLMs and other machine learning models."


def first_page_cached(site: SiteServer) -> Store:
    """A cache holding the first page (30) of the site's tag, as a refresh leaves it."""
    store = Store(":memory:")
    refresh_tag(store, TAG, base_url=site.url, lookup_first=False)
    return store


def about(app: App[None]) -> Static:
    return main_of(app).query_one("#tag-about", Static)  # type: ignore[arg-type]


def json_fault(document: object) -> Fault:
    return Fault(body=json.dumps(document).encode(), content_type="application/json")


# -- the title ---------------------------------------------------------------------------------


async def test_the_title_says_how_many_the_site_has_and_A_fetches_the_rest(
    site: SiteServer,
) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45), description=DESCRIPTION)
    app = make_app(first_page_cached(site), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert list_title(app) == ("30 of 45 posts tagged “training-data” · A fetches the other 15")
        shown = about(app)
        assert shown.display and str(shown.render()) == DESCRIPTION
        assert "On the site: 45 posts (" in str(shown.tooltip)
        await pilot.press("A")
        await main_of(app).workers.wait_for_complete()
        await settle(pilot)
        assert len(main_of(app).post_list.posts) == 45
        assert list_title(app) == "45 posts tagged “training-data”"


async def test_the_site_figure_and_description_show_offline() -> None:
    store = seeded_store()  # 12 posts
    store.save_tag_facts(
        TagFacts(
            TAG, 20, entries=5, links=15, description="[bold]Data[/bold] \x1b[31m", checked_at=NOW
        )
    )
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert list_title(app) == "12 of 20 posts tagged “training-data” · A fetches the other 8"
        assert str(about(app).render()) == "[bold]Data[/bold] [31m"  # never markup, no escape
        assert about(app).tooltip == (
            "[bold]Data[/bold] [31m\n\nOn the site: 20 posts (15 links · 5 entries)"
        )
        await pilot.press("f")  # entries only: the site's count of entries
        await settle(pilot)
        assert list_title(app).startswith("2 of 5 entries tagged “training-data”")


async def test_a_contradicting_lookup_leaves_the_cached_title(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    store = first_page_cached(site)
    site.set_fault(LOOKUP, json_fault({"tags": [{"tag": TAG, "count": 10, "description": "x"}]}))
    app = make_app(store, offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert site.requests_to(LOOKUP)
        assert list_title(app) == "30 posts tagged “training-data”"  # never "30 of 10"


async def test_a_missing_malformed_or_failing_lookup_never_breaks_the_list(
    site: SiteServer,
) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    store = first_page_cached(site)
    store.save_tag_facts(
        TagFacts(TAG, 40, description="Kept from before", checked_at=NOW - timedelta(days=1))
    )
    for fault in (
        Fault(status=500),
        json_fault({"tags": "nope"}),
        json_fault({"tags": []}),
        Fault(body=b"\xff\xfe not json", content_type="application/json"),
    ):
        site.set_fault(LOOKUP, fault)
        app = make_app(store, offline=False, base_url=site.url)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert len(main_of(app).post_list.posts) == 30
            assert list_title(app).startswith("30 of 40 posts tagged")  # what was kept
            assert str(about(app).render()) == "Kept from before"
            assert not [m for m in messages(app) if "fail" in m.lower()]


async def test_a_slow_lookup_does_not_hold_the_list(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    gate = threading.Event()
    site.set_fault(LOOKUP, Fault(gate=gate))
    app = make_app(first_page_cached(site), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert len(main_of(app).post_list.posts) == 30
        assert list_title(app) == "30 posts tagged “training-data”"
        assert "up to date" in str(main_of(app).query_one("#status").render())
        gate.set()
        await settle(pilot)
        assert list_title(app).startswith("30 of 45 posts")


# -- small tags arrive whole -------------------------------------------------------------------


async def test_a_small_tag_opens_whole_in_one_request(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    site.add_tag("copyright", sample_posts("copyright", 40), description="Who owns what.")
    app = make_app(first_page_cached(site), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        site.clear_requests()
        main_of(app).switch_tag("copyright")
        await settle(pilot)
        assert main_of(app).tag == "copyright"
        assert len(main_of(app).post_list.posts) == 40
        feeds = site.requests_to("/tags/copyright.atom")
        assert [r.target for r in feeds] == ["/tags/copyright.atom?size=1000"]
        assert [r.target for r in site.requests_to(LOOKUP)] == [f"{LOOKUP}?q=copyright"]
        assert list_title(app) == "40 posts tagged “copyright”"
        assert str(about(app).render()) == "Who owns what."


async def test_a_big_tag_opens_on_its_first_page_with_n_of_m(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    site.add_tag("big-tag", sample_posts("big-tag", 40))
    app = make_app(first_page_cached(site), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        site.set_fault(LOOKUP, json_fault({"tags": [{"tag": "big-tag", "count": 4321}]}))
        main_of(app).switch_tag("big-tag")
        await settle(pilot)
        feeds = site.requests_to("/tags/big-tag.atom")
        assert [r.target for r in feeds] == ["/tags/big-tag.atom"]
        assert list_title(app) == ("30 of 4,321 posts tagged “big-tag” · A fetches the other 4,291")


# -- length --------------------------------------------------------------------------------------


async def test_long_posts_show_their_length_in_the_list_and_the_header() -> None:
    posts = year_posts({2025: 3})
    long_body = "word " * 1465
    posts[0] = make_post(0, posts[0].published, title="A long one")
    posts[0] = replace(posts[0], html=f"<p>{long_body}</p>", markdown=long_body)
    app = make_app(seeded_store(posts))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        post_list = main_of(app).post_list
        rows = [post_list.render_line(y).text for y in range(4)]
        assert rows[1].rstrip().endswith("1.5k words") and "A long one" in rows[1]
        assert "words" not in rows[2]  # a short post: no length in the row
        await pilot.press("enter")
        await settle(pilot)
        pane = main_of(app).reading_pane
        header = "\n".join(pane.render_line(y).text for y in range(6))
        assert "1,465 words · 7 min" in header


# -- the switcher --------------------------------------------------------------------------------


async def test_pyth_and_enter_opens_python(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 5))
    site.add_tag("python", sample_posts("python", 12))
    site.add_tag("pytest", sample_posts("pytest", 3))
    app = make_app(first_page_cached(site), offline=False, base_url=site.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t", *"pyth", "enter")  # faster than the suggestions arrive
        await settle(pilot)
        assert main_of(app).tag == "python"
        assert not any("no tag" in m for m in messages(app))


class SwitcherApp(App[None]):
    """Just the switcher, with suggestions the test hands out when it likes."""

    def __init__(self, answers: dict[str, tuple[threading.Event, list[TagSuggestion]]]) -> None:
        super().__init__()
        self.answers = answers
        self.asked: list[str] = []
        self.chosen: list[str | None] = []

    def suggest(self, query: str) -> list[TagSuggestion]:
        self.asked.append(query)
        if query not in self.answers:  # text passed through on a slow machine ("p", "pyt")
            return []
        gate, found = self.answers[query]
        gate.wait(5)
        return found

    def compose(self) -> ComposeResult:
        yield Static("behind")

    def on_mount(self) -> None:
        switcher = TagSwitcher([], now=NOW, suggest=self.suggest)
        self.push_screen(switcher, self.chosen.append)


def suggestion(tag: str, count: int) -> TagSuggestion:
    return TagSuggestion(tag, count, "")


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Wait (up to 5 s) for ``condition``: a loaded machine may be slow to run a worker."""
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never held")


async def test_a_late_answer_for_older_text_never_moves_enter() -> None:
    py_gate, pyth_gate = threading.Event(), threading.Event()
    app = SwitcherApp(
        {
            "py": (py_gate, [suggestion("pypi", 50), suggestion("pyodide", 9)]),
            "pyth": (pyth_gate, [suggestion("python", 120), suggestion("pytest", 8)]),
        }
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "y")
        await until(pilot, lambda: "py" in app.asked)  # and its answer is held back
        await pilot.press("t", "h")
        py_gate.set()  # the answer for "py" arrives after "pyth" was typed
        await pilot.pause(0.1)
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        tags = [o.tag for o in switcher.options.options if isinstance(o, TagOption)]
        assert "pypi" not in tags and "pyodide" not in tags  # never listed for "pyth"
        await pilot.press("enter")  # before the answer for "pyth": enter waits for it
        await until(pilot, lambda: app.asked[-1] == "pyth")
        assert app.chosen == []
        pyth_gate.set()
        await until(pilot, lambda: bool(app.chosen))
        assert app.chosen == ["python"]


async def test_the_typed_text_is_chosen_when_it_is_the_exact_match_or_nothing_else() -> None:
    ready = threading.Event()
    ready.set()
    app = SwitcherApp(
        {
            "llm": (ready, [suggestion("llms", 900), suggestion("llm", 300)]),
            "zzz": (ready, []),
        }
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"llm")
        switcher = app.screen
        assert isinstance(switcher, TagSwitcher)
        await until(pilot, lambda: switcher.options.option_count > 1)
        option = switcher.options.highlighted_option
        assert isinstance(option, TagOption) and option.tag == "llm"  # exact on the site
        await pilot.press("backspace", "backspace", "backspace", *"zzz")
        await until(pilot, lambda: "zzz" in app.asked)
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.chosen))
        assert app.chosen == ["zzz"]  # nothing else matches: the typed text
