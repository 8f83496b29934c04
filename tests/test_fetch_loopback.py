"""Fetch hardening over real sockets: deadline, caps, redirects, 304 and 404 from 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tui_reader.core.errors import FetchError, NotAFeed, TagNotFound, TagRenamed
from tui_reader.core.models import Validators
from tui_reader.core.net.fetch import FetchLimits, fetch_feed, new_client

FAST = FetchLimits(connect_timeout=2, read_timeout=1.0, deadline=2.0, max_retry_wait=3)


def get(site: SiteServer, tag: str = "llms", limits: FetchLimits = FAST, **kwargs: object):  # type: ignore[no-untyped-def]
    with new_client(limits) as client:
        return fetch_feed(client, site.feed_url(tag), tag=tag, limits=limits, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def llms(site: SiteServer) -> SiteServer:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=40))
    return site


def test_feed_with_next_link_and_validators(llms: SiteServer) -> None:
    response = get(llms)
    assert response.body == llms.feed_page("llms")
    assert response.next_url == llms.url + "/tags/llms.atom?page=2"
    assert response.validators.last_modified


def test_304_from_a_cdn(llms: SiteServer) -> None:
    llms.answer_304 = True
    first = get(llms)
    again = get(llms, validators=first.validators)
    assert again.not_modified and again.body == b""


def test_gzip_transfer_is_decoded(llms: SiteServer) -> None:
    llms.gzip = True
    assert get(llms).body == llms.feed_page("llms")


def test_drip_feed_is_ended_by_the_overall_deadline(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(drip_interval=0.2))
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than 2 s"):
        get(llms)
    assert time.monotonic() - started < 4


def test_server_that_never_answers_times_out(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(hang=True))
    started = time.monotonic()
    with pytest.raises(FetchError, match="stopped answering"):
        get(llms)
    assert time.monotonic() - started < 3


def test_body_cut_short(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(truncate_at=100))
    with pytest.raises(FetchError, match="broke before the feed was complete"):
        get(llms)


def test_huge_body_is_refused_without_reading_it_all(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(huge_body_mb=50))
    with pytest.raises(FetchError, match="larger than the reader accepts"):
        get(llms, limits=FetchLimits(max_bytes=1024 * 1024, deadline=10))


def test_gzip_bomb_is_refused(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(gzip_bomb_mb=300))
    with pytest.raises(FetchError, match="larger than the reader accepts"):
        get(llms, limits=FetchLimits(deadline=20))


def test_404_and_renamed_tag(llms: SiteServer) -> None:
    with pytest.raises(TagNotFound):
        get(llms, tag="nothing-here")
    llms.rename("language-models", "llms")
    with pytest.raises(TagRenamed) as caught:
        get(llms, tag="language-models")
    assert caught.value.new == "llms"


def test_login_page_is_not_a_feed(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(login_page=True))
    with pytest.raises(NotAFeed):
        get(llms)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(redirect_loop=True),
        Fault(redirect="http://127.0.0.2:9/tags/llms.atom"),
        Fault(redirect="file:///etc/passwd"),
    ],
)
def test_bad_redirects(llms: SiteServer, fault: Fault) -> None:
    llms.set_fault("/tags/llms.atom", fault)
    with pytest.raises(FetchError, match=r"loop|another host|not http"):
        get(llms)


def test_retry_after_then_success(llms: SiteServer) -> None:
    llms.set_fault("/tags/llms.atom", Fault(status=503, retry_after=1, times=1))
    assert get(llms, limits=FetchLimits(deadline=10)).body
    assert len(llms.requests_to("/tags/llms.atom")) == 2


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with new_client(FAST) as client, pytest.raises(FetchError, match="refused the connection"):
        fetch_feed(client, f"http://127.0.0.1:{port}/tags/x.atom", tag="x", limits=FAST)


def test_name_resolution_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with new_client(FAST) as client, pytest.raises(FetchError, match="Could not find the host"):
        fetch_feed(
            client, "http://no-such-host.invalid/tags/x.atom", tag="x", validators=Validators()
        )
