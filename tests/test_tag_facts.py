"""What the site says of a tag (its lookup), kept in the cache; small tags fetched whole on
their first fetch; word counts made from the Markdown and kept by the cache."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.site_server import Fault, SiteServer
from tests.sitefeeds import sample_posts
from tests.test_store import make_post
from tui_reader.core.cache import schema
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import FetchError
from tui_reader.core.feed.wordcount import describe_length, short_length, word_count
from tui_reader.core.models import TagFacts
from tui_reader.core.net.autocomplete import lookup_tag, parse_facts
from tui_reader.core.net.fetch import new_client
from tui_reader.core.net.refresh import refresh_facts, refresh_tag

TAG = "training-data"
LOOKUP = "/tags-autocomplete/"
FEED = f"/tags/{TAG}.atom"


def lookup_answer(tag: str, count: object, **extra: object) -> bytes:
    """An autocomplete answer with one row for ``tag``."""
    row = {"tag": tag, "count": count, "is_exact_match": True, **extra}
    return json.dumps({"tags": [row]}).encode()


# -- the lookup -------------------------------------------------------------------------------


def test_the_lookup_gives_the_true_size_by_kind_and_the_description(site: SiteServer) -> None:
    description = "Data used to train LLMs and other machine learning models."
    site.add_tag(TAG, sample_posts(TAG, 45), description=description)
    site.add_tag("training-data-sets", sample_posts("training-data-sets", 50))
    with new_client() as client:
        facts = lookup_tag(client, site.url, TAG)
    assert facts is not None
    assert (facts.tag, facts.count, facts.description) == (TAG, 45, description)
    kinds = sample_posts(TAG, 45)
    assert facts.entries == sum(p.kind in ("entry", "old") for p in kinds)
    assert facts.links == sum(p.kind == "blogmark" for p in kinds)
    assert facts.entries + facts.links + facts.quotations + facts.notes + facts.beats <= 45
    assert [r.target for r in site.requests] == [f"{LOOKUP}?q={TAG}"]


def test_a_combination_is_not_looked_up(site: SiteServer) -> None:
    with new_client() as client:
        assert lookup_tag(client, site.url, "ai+llms") is None
    assert site.requests == []


@pytest.mark.parametrize(
    "document",
    [
        {"tags": []},  # the site does not know it
        {"tags": [{"tag": "training-data-sets", "count": 4}]},  # only other tags
        {"tags": [{"tag": TAG, "count": -3}]},
        {"tags": [{"tag": TAG, "count": True}]},
        {"tags": [{"tag": TAG, "count": "45"}]},
        {"tags": [{"tag": TAG}]},
    ],
)
def test_no_usable_row_reads_as_unknown(document: object) -> None:
    assert parse_facts(document, TAG) is None


@pytest.mark.parametrize("document", [[], "tags", {"tags": "x"}, None, {"rows": []}])
def test_an_answer_of_another_shape_is_refused(document: object) -> None:
    with pytest.raises(FetchError):
        parse_facts(document, TAG)


def test_hostile_kind_counts_and_descriptions_are_cleaned() -> None:
    document = json.loads(
        lookup_answer(
            "Training-Data",
            45,
            total_entry="3",
            total_blogmark=-1,
            total_quotation=10,
            total_note=None,
            description="\x1b]0;pwn\x07[bold]Data[/bold] for [models](https://x.test/m)\n"
            + "and more " * 100,
        )
    )
    facts = parse_facts(document, TAG)
    assert facts is not None
    assert (facts.entries, facts.links, facts.quotations, facts.notes) == (0, 0, 10, 0)
    assert facts.description.startswith("]0;pwn[bold]Data[/bold] for models and more")
    assert "\x1b" not in facts.description and "\n" not in facts.description
    assert len(facts.description) <= 300 and facts.description.endswith("…")
    assert facts.describe_kinds() == "10 quotations"


# -- kept in the cache ------------------------------------------------------------------------


def test_facts_are_kept_and_come_with_the_tag(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 12), description="About data")
    store = Store(":memory:")
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    facts = refresh_facts(store, TAG, base_url=site.url, now=when)
    assert facts is not None and facts.checked_at == when
    assert store.tag_facts(TAG) == facts
    assert store.tag_info(TAG) is None  # the posts are not fetched yet
    refresh_tag(store, TAG, base_url=site.url)  # a first fetch: asks the lookup again
    info = store.tag_info(TAG)
    assert info is not None and info.site is not None
    assert replace(info.site, checked_at=None) == replace(facts, checked_at=None)
    facts = info.site
    # a failed lookup keeps what was said before
    site.set_fault(LOOKUP, Fault(status=503))
    with pytest.raises(FetchError):
        refresh_facts(store, TAG, base_url=site.url)
    assert store.tag_facts(TAG) == facts
    assert refresh_facts(store, "ai+llms", base_url=site.url) is None


# -- small tags arrive whole ------------------------------------------------------------------


def test_a_first_fetch_of_a_small_tag_is_one_request_for_the_whole_tag(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45), description="About data")
    store = Store(":memory:")
    result = refresh_tag(store, TAG, base_url=site.url)
    assert result.whole and result.counts.new == 45
    assert [r.target for r in site.requests] == [f"{LOOKUP}?q={TAG}", f"{FEED}?size=1000"]
    assert len(store.list_posts(TAG)) == 45
    facts = store.tag_facts(TAG)
    assert facts is not None and facts.count == 45 and facts.description == "About data"
    # later refreshes: the first page, conditional, and no lookup
    site.clear_requests()
    again = refresh_tag(store, TAG, base_url=site.url)
    assert not again.whole and again.facts is None
    assert [r.target for r in site.requests] == [FEED]
    assert site.requests[0].header("if-modified-since")


def test_a_big_tag_gets_the_first_page_and_says_how_many_are_left(site: SiteServer) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    site.set_fault(LOOKUP, Fault(body=lookup_answer(TAG, 5000), content_type="application/json"))
    store = Store(":memory:")
    result = refresh_tag(store, TAG, base_url=site.url)
    assert not result.whole and result.counts.new == 30
    assert [r.target for r in site.requests_to(FEED)] == [FEED]
    assert result.describe().endswith("(4,970 older on the site: fetch --all)")


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=500),
        Fault(body=b"<html>not json</html>", content_type="text/html"),
        Fault(body=b'{"tags": 5}', content_type="application/json"),
        Fault(delay=8.0),  # much slower than the first lookup's 2 s deadline
    ],
    ids=["error", "html", "malformed", "slow"],
)
def test_a_failing_lookup_falls_back_to_the_first_page(site: SiteServer, fault: Fault) -> None:
    site.add_tag(TAG, sample_posts(TAG, 45))
    site.set_fault(LOOKUP, fault)
    store = Store(":memory:")
    started = datetime.now(UTC)
    result = refresh_tag(store, TAG, base_url=site.url)
    assert (datetime.now(UTC) - started).total_seconds() < 6.0  # given up on
    assert not result.whole and result.counts.new == 30
    assert [r.target for r in site.requests_to(FEED)] == [FEED]
    assert store.tag_facts(TAG) is None


def test_a_combination_is_never_looked_up_first(site: SiteServer) -> None:
    site.add_tag("ai", sample_posts("ai", 5))
    site.add_tag("llms", sample_posts("llms", 5))
    refresh_tag(Store(":memory:"), "ai+llms", base_url=site.url)
    assert site.requests_to(LOOKUP) == []


# -- word counts ------------------------------------------------------------------------------


def test_word_count_reads_the_text_not_the_markup() -> None:
    markdown = (
        '# A heading\n\nSome **bold** text with [a link](https://example.com/a_b "title")'
        " and ![an image](https://example.com/i.png).\n\n> It\u2019s quoted, e.g. well-known.\n\n"
        "```\ncode here\n```\n\n<br/> - item *one*\n"
    )
    assert word_count(markdown) == 19
    assert word_count("") == 0
    assert describe_length(1465) == "1,465 words · 7 min"
    assert describe_length(1) == "1 word · 1 min"
    assert (short_length(640), short_length(1465), short_length(2000)) == (
        "640 words",
        "1.5k words",
        "2k words",
    )


def test_word_counts_follow_the_markdown(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache.sqlite3")
    post = make_post(1)
    store.merge(TAG, [post])
    [summary] = store.list_posts(TAG)
    assert summary.words == word_count(post.markdown) > 0
    assert store.list_posts(TAG, limit=1)[0].words == summary.words
    longer = replace(
        post, html=post.html + "<p>one two three</p>", markdown=post.markdown + " one two three"
    )
    store.merge(TAG, [longer])
    assert store.list_posts(TAG)[0].words == summary.words + 3
    html_only = replace(make_post(2), markdown="")
    store.merge(TAG, [html_only])
    words = {p.id: p.words for p in store.list_posts(TAG)}
    assert words[html_only.id] is None  # not converted yet
    store.set_markdown([(html_only.id, html_only.html, "Five words in this one.")])
    assert {p.id: p.words for p in store.list_posts(TAG)}[html_only.id] == 5


def test_a_version_6_cache_gains_word_counts_and_facts(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with Store(path) as store:
        store.merge(TAG, [make_post(1), make_post(2)])
        expected = {p.id: p.words for p in store.list_posts(TAG)}
    conn = sqlite3.connect(path)  # back to version 6, as the app before this one left it
    conn.executescript(
        "DROP TRIGGER post_words_insert; DROP TRIGGER post_words_update;"
        " DROP TRIGGER post_words_delete; DROP TABLE post_words; DROP TABLE tag_facts;"
        " PRAGMA user_version=6;"
    )
    conn.close()
    with Store(path) as store:
        assert store._select("PRAGMA user_version")[0][0] == schema.SCHEMA_VERSION == 7
        assert {p.id: p.words for p in store.list_posts(TAG)} == expected
        assert all(expected.values())
        store.save_tag_facts(TagFacts(TAG, 45, links=30, description="About"))
        assert store.tag_facts(TAG) is not None
