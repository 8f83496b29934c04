"""Pictures on the egress list: the checker catches a picture fetched from a host it may not
come from, before its trigger, or that is no picture of a post shown; ``image_hosts = "all"``
fetches other sites' pictures with the post. (The scripted session in ``test_egress.py``
fetches pictures on the site, on another host after ``I``, and with ``fetch --images``.)"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.app_support import TAG
from tests.egress_support import Egress, Step
from tests.picture_support import png
from tests.site_server import SiteServer
from tests.sitefeeds import utc
from tests.test_egress import (
    HARBOUR,
    LAMP,
    SIZE,
    Clock,
    elsewhere,
    on_screen,
    pictures,
    stock,
)
from tui_reader.app import ReaderApp
from tui_reader.core import egress
from tui_reader.core.cache.store import Store
from tui_reader.core.egress import Trigger, check_request
from tui_reader.core.models import Kind, Post
from tui_reader.widgets.reading_pane import ReadingPane


async def test_a_stray_picture_fails_the_session(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Three picture bugs slipped into the app: another site's host taken for the site's (its
    picture fetched as the post is shown, before `I`), `i` that says off and still fetches,
    and a picture of a post not shown fetched ahead. Each is reported in words."""
    from tui_reader.core.images import policy
    from tui_reader.widgets.pictures import PictureLayer

    far = SiteServer().start()
    try:
        stock(site, far)
        unlisted = site.add_file("/static/2026/ahead.png", png(), "image/png")
        far_url = elsewhere(far)
        recorder = Egress(site, monkeypatch, {far_url: far})
        monkeypatch.setattr(policy, "SITE_HOSTS", frozenset({"localhost"}))
        monkeypatch.setattr(PictureLayer, "toggle", lambda layer: True)
        show_post = ReadingPane.show_post

        def ahead(pane: ReadingPane, post: Post | None, **kwargs: object) -> None:
            show_post(pane, post, **kwargs)  # type: ignore[arg-type]
            if post is not None and post.title == "A harbour":
                httpx.get(unlisted, headers={"Accept": "image/*"})

        monkeypatch.setattr(ReadingPane, "show_post", ahead)
        store = Store(tmp_path / "cache.sqlite3")
        config = tmp_path / "config.toml"
        config.write_text("", encoding="utf-8")
        app = ReaderApp(store, TAG, base_url=site.url, clock=Clock(), config_path=config)
        async with app.run_test(size=SIZE) as pilot:
            steps = [
                Step(
                    "start",
                    pictures(pilot),
                    (Trigger.START, Trigger.POST_SHOWN),
                    expect={"feed": 1},
                ),
                Step("i: off, j", pictures(pilot, "i", "j")),
            ]
            problems = [p for step in steps for p in await recorder.step(step, on_screen(app))]
        store.close()
    finally:
        far.stop()
    text = "\n".join(problems)
    lamp = f"start: GET {far_url}{LAMP}"
    assert f"{lamp}: a picture-elsewhere request is not sent on start or post-shown" in text
    harbour = f"i: off, j: GET {site.url}{HARBOUR}"
    assert f"{harbour}: sent when nothing that may send was done" in text
    assert f"i: off, j: GET {unlisted}: not a kind of request the list names" in text
    assert recorder.refused == []


async def test_with_image_hosts_all_other_hosts_pictures_come_with_the_post(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    far = SiteServer().start()
    try:
        stock(site, far)
        recorder = Egress(site, monkeypatch, {elsewhere(far): far})
        config = tmp_path / "config.toml"
        config.write_text('image_hosts = "all"\n', encoding="utf-8")
        store = Store(tmp_path / "cache.sqlite3")
        app = ReaderApp(store, TAG, base_url=site.url, clock=Clock(), config_path=config)
        async with app.run_test(size=SIZE) as pilot:
            step = Step(
                "start: the newest post, both its pictures",
                pictures(pilot, until="▀"),
                (Trigger.START, Trigger.POST_SHOWN, Trigger.ALL_PICTURE_HOSTS),
                expect={"tag-lookup": 1, "feed-whole": 1, "picture": 1, "picture-elsewhere": 1},
            )
            problems = await recorder.step(step, on_screen(app))
        store.close()
    finally:
        far.stop()
    assert problems == [], "\n".join(problems)
    assert recorder.refused == []


def test_the_checker_names_each_way_a_picture_request_breaks_the_list() -> None:
    base = "https://simonwillison.net"
    shown = Post(
        id=f"{base}/2026/Mar/1/p/", url=f"{base}/2026/Mar/1/p/", title="p", kind=Kind.ENTRY,
        published=utc(2026, 3, 1), tags=(TAG,), html="",
        markdown="![a](https://static.simonwillison.net/a.png) ![b](/b.jpg) ![c](https://c.example/c.gif)",
    )  # fmt: skip
    picture = {name: value or "" for name, value in egress.PICTURE_HEADERS.items()}

    def picture_problems(
        url: str, trigger: Trigger | tuple[Trigger, ...] | None, **headers: str
    ) -> str:
        sent = {**picture, "host": urlsplit(url).netloc, **headers}
        verdict = check_request("GET", url, sent, base_url=base, trigger=trigger, posts=[shown])
        return " | ".join(verdict.problems)

    static, local, far = (
        "https://static.simonwillison.net/a.png",
        f"{base}/b.jpg",
        "https://c.example/c.gif",
    )
    assert picture_problems(static, Trigger.POST_SHOWN) == ""
    assert picture_problems(local, Trigger.CLI_FETCH_IMAGES) == ""
    assert picture_problems(far, Trigger.OTHER_PICTURES_KEY) == ""
    assert picture_problems(far, (Trigger.POST_SHOWN, Trigger.ALL_PICTURE_HOSTS)) == ""
    assert "picture-elsewhere request is not sent on post-shown" in picture_problems(
        far, Trigger.POST_SHOWN
    )
    assert "picture request is not sent on I" in picture_problems(
        static, Trigger.OTHER_PICTURES_KEY
    )
    assert "nothing that may send" in picture_problems(static, None)
    assert "not a kind" in picture_problems(f"{base}/other.png", Trigger.POST_SHOWN)
    assert "Accept-Encoding is 'gzip'" in picture_problems(
        static, Trigger.POST_SHOWN, **{"accept-encoding": "gzip"}
    )
    assert "carries a Cookie" in picture_problems(static, Trigger.POST_SHOWN, cookie="a=1")
