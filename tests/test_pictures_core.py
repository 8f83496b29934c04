"""Pictures without the UI: the host policy, downloading from the loopback site, the bounded
store, safe decoding, and ``tui-reader fetch --images`` (resumed after an interruption)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.app_support import TAG
from tests.picture_support import (
    BLUE,
    RED,
    animated_gif,
    bomb_png,
    jpeg,
    picture_post,
    png,
    serve_pictures,
)
from tests.site_server import Fault, SiteServer
from tui_reader.cli import main
from tui_reader.core.cache.store import Store
from tui_reader.core.images import policy as policy_module
from tui_reader.core.images.decode import decode_picture
from tui_reader.core.images.download import PictureLimits, download_picture, new_picture_client
from tui_reader.core.images.policy import (
    Access,
    PictureError,
    PicturePolicy,
    picture_addresses,
)
from tui_reader.core.images.store import PictureStore
from tui_reader.core.net.fetch import USER_AGENT
from tui_reader.core.user import paths

REAL_SITE_HOSTS = policy_module.SITE_HOSTS


# -- policy ---------------------------------------------------------------------------------


def test_only_the_sites_hosts_and_the_base_url_host_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(policy_module, "SITE_HOSTS", REAL_SITE_HOSTS)
    policy = PicturePolicy("http://127.0.0.1:8000")
    judge = policy.judge
    assert judge("https://static.simonwillison.net/static/2024/a.jpg").access is Access.ALLOWED
    assert judge("https://simonwillison.net/a.png").access is Access.ALLOWED
    assert judge("http://127.0.0.1:9/a.png").access is Access.ALLOWED
    other = judge("https://tracker.example/pixel.gif")
    assert other.access is Access.OTHER_HOST and other.host == "tracker.example"
    assert (
        PicturePolicy("http://127.0.0.1:8000", all_hosts=True)
        .judge("https://tracker.example/pixel.gif")
        .access
        is Access.ALLOWED
    )


@pytest.mark.parametrize(
    "address",
    [
        "ftp://simonwillison.net/a.png",
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://simonwillison.net/chart.svg",
        "https://simonwillison.net/chart.SVGZ",
        "https://simonwillison.net/a\x1b[31m.png",
    ],
)
def test_refused_addresses(address: str) -> None:
    verdict = PicturePolicy("https://simonwillison.net").judge(address)
    assert verdict.access is Access.REFUSED and verdict.reason


def test_relative_and_protocol_relative_addresses_are_resolved() -> None:
    policy = PicturePolicy("https://simonwillison.net")
    assert policy.judge("/static/a.png").url == "https://simonwillison.net/static/a.png"
    assert policy.judge("//simonwillison.net/a.png").url == "https://simonwillison.net/a.png"


def test_picture_addresses_in_markdown() -> None:
    markdown = (
        "![A \\[cat\\]](https://a/x.png) text ![](https://a/y.png)\n![again](https://a/x.png)"
    )
    assert picture_addresses(markdown) == [("A [cat]", "https://a/x.png"), ("", "https://a/y.png")]


# -- download -------------------------------------------------------------------------------


def get(url: str, policy: PicturePolicy | None = None, **limits: int) -> bytes:
    allow = policy or PicturePolicy(url.rsplit("/static/", 1)[0])
    with new_picture_client() as client:
        return download_picture(
            client, url, may_follow=allow.allows_host, limits=PictureLimits(**limits)
        )


def test_a_png_and_a_jpeg_are_downloaded_with_our_user_agent_and_no_cookies(
    site: SiteServer,
) -> None:
    urls = serve_pictures(site)
    assert get(urls["png"]) == png()
    assert get(urls["jpeg"]) == jpeg()
    request = site.requests_to("/static/red.png")[0]
    assert request.header("User-Agent") == USER_AGENT
    assert request.header("Cookie") is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("missing", "missing"),
        ("html", "text/html, not a picture"),
        ("svg-typed", "SVG"),
    ],
)
def test_refusals_are_lasting_and_say_why(site: SiteServer, name: str, words: str) -> None:
    urls = serve_pictures(site)
    with pytest.raises(PictureError) as caught:
        get(urls[name])
    assert caught.value.lasting and words in caught.value.message


def test_a_picture_over_the_size_cap_is_refused(site: SiteServer) -> None:
    urls = serve_pictures(site)
    with pytest.raises(PictureError, match="larger than 0 MB") as caught:
        get(urls["jpeg"], max_bytes=100)
    assert caught.value.lasting


def test_a_redirect_to_another_host_is_not_followed(site: SiteServer) -> None:
    other = SiteServer().start()
    try:
        target = other.add_file("/x.png", png(), "image/png").replace("127.0.0.1", "localhost")
        site.set_fault("/static/moved.png", Fault(redirect=target))
        with pytest.raises(PictureError, match="not followed"):
            get(site.url_for("/static/moved.png"))
        assert other.requests == []
    finally:
        other.stop()


def test_a_server_error_is_not_lasting(site: SiteServer) -> None:
    site.set_fault("/static/red.png", Fault(status=503))
    serve_pictures(site)
    with pytest.raises(PictureError) as caught:
        get(site.url_for("/static/red.png"))
    assert not caught.value.lasting


# -- decode ---------------------------------------------------------------------------------


def test_decoding_keeps_a_small_rgb_copy_and_the_natural_size() -> None:
    decoded = decode_picture(jpeg(2000, 1000))
    assert (decoded.width, decoded.height) == (2000, 1000)
    assert max(decoded.image.size) <= 400 and decoded.image.mode == "RGB"


def test_a_png_declaring_60000_by_60000_pixels_is_refused() -> None:
    with pytest.raises(PictureError, match="too") as caught:
        decode_picture(bomb_png())
    assert caught.value.lasting


def test_an_animation_shows_its_first_frame() -> None:
    decoded = decode_picture(animated_gif())
    pixel = decoded.image.getpixel((5, 5))
    assert isinstance(pixel, tuple)
    assert abs(pixel[0] - RED[0]) < 30 and abs(pixel[2] - BLUE[2]) > 100


@pytest.mark.parametrize(
    "data", [png()[:60], b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%!PS-Adobe-3.0 EPSF"]
)
def test_corrupt_or_unknown_data_is_refused(data: bytes) -> None:
    with pytest.raises(PictureError) as caught:
        decode_picture(data)
    assert caught.value.lasting


# -- store ----------------------------------------------------------------------------------


def test_the_store_keeps_and_returns_pictures(tmp_path: Path) -> None:
    store = PictureStore(tmp_path / "pictures")
    assert store.get("https://a/x.png") is None
    store.put("https://a/x.png", b"abc")
    assert store.get("https://a/x.png") == b"abc"
    assert store.has("https://a/x.png") and not store.has("https://a/y.png")
    assert not any(p.name.startswith(".") for p in (tmp_path / "pictures").rglob("*"))


def test_the_store_evicts_the_least_recently_used(tmp_path: Path) -> None:
    store = PictureStore(tmp_path / "pictures", max_bytes=3_000)
    for age, name in enumerate(("old", "used", "newer")):
        store.put(name, b"x" * 1_000)
        os.utime(store.path_for(name), (1_000 + age, 1_000 + age))
    store.get("old")  # read just now: the most recently used
    store.put("fourth", b"y" * 1_000)  # over the bound: the least recently used goes
    assert [store.has(n) for n in ("old", "used", "newer", "fourth")] == [True, False, True, True]
    store.put("fifth", b"z" * 1_000)
    assert [store.has(n) for n in ("old", "newer", "fifth")] == [True, False, True]
    assert store.size() <= 3_000


# -- fetch --images -------------------------------------------------------------------------


def cache_posts(site: SiteServer) -> dict[str, str]:
    urls = serve_pictures(site)
    pictures = [(name, urls[name]) for name in ("png", "jpeg", "gif", "svg", "missing")]
    with Store(paths.database_path()) as store:
        store.merge(TAG, [picture_post(1, pictures[:3]), picture_post(2, pictures[2:])])
    return urls


def test_fetch_images_is_resumed_after_an_interruption(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = cache_posts(site)
    site.set_fault("/static/anim.gif", Fault(status=503))
    assert main(["fetch", TAG, "--images", "--base-url", site.url]) == 1
    out, err = capsys.readouterr()
    assert "5 pictures: 2 stored now, 0 already kept, 2 refused, 1 failed" in out
    assert "anim.gif" in err and "SVG" in err and "missing" in err
    site.clear_faults()
    site.clear_requests()
    assert main(["fetch", "--images", TAG, "--base-url", site.url]) == 0
    out, _ = capsys.readouterr()
    assert "1 stored now, 2 already kept, 2 refused, 0 failed" in out
    fetched = {request.path for request in site.requests}
    assert "/static/anim.gif" in fetched
    assert not fetched & {"/static/red.png", "/static/blue.jpg", "/static/chart.svg"}
    kept = PictureStore(paths.pictures_dir())
    assert all(kept.has(urls[name]) for name in ("png", "jpeg", "gif"))


def test_fetch_images_of_the_followed_tags_and_paths_shows_the_store(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_posts(site)
    assert main(["fetch", "--images", "--base-url", site.url]) == 1  # nothing followed
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text(f'follow = ["{TAG}"]\n', encoding="utf-8")
    assert main(["fetch", "--images", "--base-url", site.url]) == 0
    assert main(["paths"]) == 0
    out = capsys.readouterr().out
    assert f"pictures: {paths.pictures_dir()}" in out


def test_fetch_images_never_goes_to_another_host(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    other = SiteServer().start()
    try:
        far = other.add_file("/far.png", png(), "image/png").replace("127.0.0.1", "localhost")
        with Store(paths.database_path()) as store:
            store.merge(TAG, [picture_post(1, [("far", far)])])
        assert main(["fetch", TAG, "--images", "--base-url", site.url]) == 0
        assert "fetched only on request" in capsys.readouterr().err
        assert other.requests == []
    finally:
        other.stop()
