"""Full-text search: ranking, the query language, snippets, and hostile or malformed input."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui_reader.core.cache.search import (
    SearchQuery,
    Segment,
    Term,
    YearRange,
    parse_query,
    search,
    segments,
)
from tui_reader.core.cache.store import Store
from tui_reader.core.errors import InvalidTag, ReaderError, SearchError
from tui_reader.core.models import Kind, Post


def post(
    slug: str,
    title: str,
    markdown: str,
    *,
    kind: Kind = Kind.ENTRY,
    year: int = 2024,
    day: int = 1,
    tags: tuple[str, ...] = ("llms",),
) -> Post:
    url = f"https://simonwillison.net/{year}/Jan/{day}/{slug}/"
    return Post(
        id=url,
        url=url,
        title=title,
        kind=kind,
        published=datetime(year, 1, day, 12, tzinfo=UTC),
        tags=tags,
        html=f"<p>{markdown}</p>",
        markdown=markdown,
    )


LIGHTHOUSE = post(
    "lighthouse",
    "The lighthouse keeper",
    "A story about the sea, and a keeper who counted ships.",
    year=2023,
    day=5,
    tags=("llms", "stories"),
)
BODY_ONLY = post(
    "body-only",
    "Harbour notes",
    "Somebody mentioned a lighthouse once, in passing, among many other words about boats.",
    year=2024,
    day=2,
)
QUOTE = post(
    "quote",
    "Quoting Ada",
    "> Prompt injection is the new SQL injection.\n\n— Ada",
    kind=Kind.QUOTATION,
    year=2023,
    day=9,
    tags=("llms", "security"),
)
LINK = post(
    "link",
    "A link about prompts",
    "**[Prompt engineering](https://example.com/prompts)** is an injection of hope.",
    kind=Kind.LINK,
    year=2022,
    day=3,
    tags=("ai",),
)
NOTE = post(
    "note",
    "Note on 4th January 2025",
    "The café served crème brûlée; prompt service. Contains «guillemets» and [bold]x[/bold].",
    kind=Kind.NOTE,
    year=2025,
    day=4,
    tags=("food",),
)
POSTS = [LIGHTHOUSE, BODY_ONLY, QUOTE, LINK, NOTE]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.sqlite3") as opened:
        for item in POSTS:
            opened.merge(item.tags[0], [item])
        yield opened


def ids(store: Store, query: str, **kwargs: object) -> list[str]:
    return [hit.id for hit in search(store, query, **kwargs).hits]  # type: ignore[arg-type]


# -- ranking and matching ----------------------------------------------------------------------


def test_a_title_match_ranks_above_a_body_match(store: Store) -> None:
    results = search(store, "lighthouse")
    assert [hit.id for hit in results.hits] == [LIGHTHOUSE.id, BODY_ONLY.id]
    assert results.total == 2 and results.ranked
    scores = [hit.score for hit in results.hits]
    assert scores[0] is not None and scores[1] is not None and scores[0] < scores[1]


def test_words_all_match_anywhere_ignoring_case_and_accents(store: Store) -> None:
    assert ids(store, "KEEPER ships") == [LIGHTHOUSE.id]
    assert ids(store, "keeper boats") == []
    assert ids(store, "cafe creme brulee") == [NOTE.id]


def test_a_phrase_needs_its_words_in_order(store: Store) -> None:
    assert set(ids(store, "injection prompt")) == {QUOTE.id, LINK.id}
    assert ids(store, '"prompt injection"') == [QUOTE.id]
    assert ids(store, '"injection prompt"') == []


def test_exclusions(store: Store) -> None:
    assert set(ids(store, "injection")) == {QUOTE.id, LINK.id}
    assert ids(store, "injection -hope") == [QUOTE.id]
    assert ids(store, 'injection -"new SQL"') == [LINK.id]
    # Only exclusions: every other post, newest first.
    results = search(store, "-lighthouse -injection")
    assert [hit.id for hit in results.hits] == [NOTE.id]
    assert not results.ranked and results.total == 1


def test_link_addresses_are_not_searched_but_link_text_is(store: Store) -> None:
    assert ids(store, "example") == []
    assert ids(store, "engineering") == [LINK.id]


def test_prefixes_explicit_and_as_you_type(store: Store) -> None:
    assert ids(store, "light") == []
    assert set(ids(store, "light*")) == {LIGHTHOUSE.id, BODY_ONLY.id}
    assert set(ids(store, "light", prefix_last=True)) == {LIGHTHOUSE.id, BODY_ONLY.id}
    assert ids(store, "light ", prefix_last=True) == []  # the word was finished
    assert ids(store, "li", prefix_last=True) == []  # too short to be a prefix
    assert parse_query("l*").terms == (Term(("l",)),)  # a* would match everything
    assert ids(store, '"light', prefix_last=True) == []  # phrases are never prefixes
    assert parse_query("keeper light", prefix_last=True).terms == (
        Term(("keeper",)),
        Term(("light",), prefix=True),
    )


# -- qualifiers ---------------------------------------------------------------------------------


def test_tag_qualifier_matches_membership(store: Store) -> None:
    assert set(ids(store, "tag:llms")) == {LIGHTHOUSE.id, BODY_ONLY.id, QUOTE.id}
    assert ids(store, "tag:llms tag:security") == [QUOTE.id]
    assert ids(store, "tag:llms+security") == [QUOTE.id]
    assert ids(store, "TAG:Security") == [QUOTE.id]
    assert set(ids(store, "lighthouse tag:stories")) == {LIGHTHOUSE.id}
    assert set(ids(store, "tag:llms -tag:stories")) == {BODY_ONLY.id, QUOTE.id}
    assert ids(store, "tag:nothing-here") == []
    with pytest.raises(SearchError, match="not a tag name"):
        parse_query("tag:../etc")


def test_tags_argument_adds_tag_filters(store: Store) -> None:
    assert ids(store, "injection", tags=["security"]) == [QUOTE.id]
    assert ids(store, "", tags=["ai"]) == [LINK.id]
    with pytest.raises(InvalidTag):
        search(store, "x", tags=["no spaces"])


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("quotation", Kind.QUOTATION),
        ("quote", Kind.QUOTATION),
        ("q", Kind.QUOTATION),
        ("link", Kind.LINK),
        ("blogmark", Kind.LINK),
        ("Note", Kind.NOTE),
        ("entry", Kind.ENTRY),
        ("article", Kind.ENTRY),
        ("guide", Kind.CHAPTER),
        ("til", None),
        ("b", None),
    ],
)
def test_kind_names(value: str, kind: Kind | None) -> None:
    if kind is None:
        with pytest.raises(SearchError, match=f"kind:{value}"):
            parse_query(f"kind:{value}")
    else:
        assert parse_query(f"kind:{value}").kinds == (kind,)


def test_kind_qualifier(store: Store) -> None:
    assert ids(store, "kind:quote") == [QUOTE.id]
    assert ids(store, "injection kind:link") == [LINK.id]
    assert set(ids(store, "kind:quote kind:link")) == {QUOTE.id, LINK.id}  # any of them
    assert set(ids(store, "injection -kind:quote")) == {LINK.id}
    with pytest.raises(SearchError, match="could be beat, link"):
        search(store, "kind:b")


def test_year_qualifier(store: Store) -> None:
    assert set(ids(store, "year:2023")) == {LIGHTHOUSE.id, QUOTE.id}
    assert set(ids(store, "year:2022..2023")) == {LIGHTHOUSE.id, QUOTE.id, LINK.id}
    assert set(ids(store, "year:2023-2022")) == {LIGHTHOUSE.id, QUOTE.id, LINK.id}
    assert set(ids(store, "year:2022 year:2025")) == {LINK.id, NOTE.id}
    assert set(ids(store, "lighthouse -year:2023")) == {BODY_ONLY.id}
    assert parse_query("year:2023").years == (YearRange(2023, 2023),)
    for bad in ("year:23", "year:twenty", "year:2023..", "year:2023.5"):
        with pytest.raises(SearchError, match="not a year"):
            parse_query(bad)


def test_everything_combines(store: Store) -> None:
    query = '"prompt injection" -hope tag:llms kind:quotation year:2023 -tag:ai'
    assert ids(store, query) == [QUOTE.id]
    parsed = parse_query(query)
    assert parsed.terms == (Term(("prompt", "injection"), phrase=True),)
    assert parsed.excluded == (Term(("hope",)),)
    assert (parsed.tags, parsed.not_tags) == (("llms",), ("ai",))
    assert parsed.kinds == (Kind.QUOTATION,)
    assert ids(store, query.replace("2023", "2024")) == []


def test_qualifiers_alone_list_newest_first(store: Store) -> None:
    results = search(store, "tag:llms")
    assert [hit.id for hit in results.hits] == [BODY_ONLY.id, QUOTE.id, LIGHTHOUSE.id]
    assert not results.ranked and all(hit.score is None for hit in results.hits)
    assert results.hits[0].snippet_text() == BODY_ONLY.markdown


def test_limit_offset_and_total(store: Store) -> None:
    everything = search(store, "-nothingatall", limit=100)
    assert everything.total == 5 and len(everything) == 5
    page = search(store, "-nothingatall", limit=2, offset=2)
    assert [h.id for h in page.hits] == [h.id for h in everything.hits[2:4]]
    assert page.total == 5 and page.offset == 2
    assert search(store, "-nothingatall", limit=2, offset=10).hits == ()
    assert search(store, "lighthouse", count=False).total is None
    assert search(store, "", limit=5).total == 0


# -- results ------------------------------------------------------------------------------------


def test_hit_fields_and_highlighted_title(store: Store) -> None:
    (hit,) = search(store, "keeper ships").hits
    assert (hit.id, hit.url, hit.title, hit.kind) == (
        LIGHTHOUSE.id,
        LIGHTHOUSE.url,
        LIGHTHOUSE.title,
        Kind.ENTRY,
    )
    assert hit.published == LIGHTHOUSE.published and hit.tags == ("llms", "stories")
    assert hit.title_segments == (Segment("The lighthouse ", False), Segment("keeper", True))
    assert hit.summary == LIGHTHOUSE.summary


def test_snippet_marks_the_matched_words(store: Store) -> None:
    (hit,) = search(store, '"prompt injection"').hits
    assert hit.snippet == (
        Segment("Prompt injection", True),
        Segment(" is the new SQL injection. — Ada", False),
    )
    assert hit.snippet_text() == "«Prompt injection» is the new SQL injection. — Ada"
    assert hit.snippet_text("[", "]") == "[Prompt injection] is the new SQL injection. — Ada"


def test_snippet_text_is_data_not_markup(store: Store) -> None:
    (hit,) = search(store, "guillemets").hits
    text = "".join(segment.text for segment in hit.snippet)
    assert "«guillemets»" in text and "[bold]x[/bold]" in text
    assert [s.text for s in hit.snippet if s.match] == ["guillemets"]


def test_long_bodies_are_cut_around_the_match(store: Store) -> None:
    words = " ".join(f"word{n}" for n in range(500))
    long_post = post("long", "Long", f"{words} needle {words}", day=20)
    store.merge("llms", [long_post])
    (hit,) = search(store, "needle", snippet_words=10).hits
    assert hit.snippet[0].text.startswith("…") and hit.snippet[-1].text.endswith("…")
    assert [s.text for s in hit.snippet if s.match] == ["needle"]
    assert len(hit.snippet_text().split()) <= 12


def test_segments_are_clean() -> None:
    assert segments("a\x02b\x03c\x1b[31m\x07 \n d\x02\x03") == (
        Segment("a", False),
        Segment("b", True),
        Segment("c[31m d", False),
    )


def test_index_follows_an_edited_post(store: Store) -> None:
    edited = replace(QUOTE, html="<p>changed</p>", markdown="Tides and moons.")
    store.merge("llms", [edited])
    assert ids(store, '"prompt injection"') == []
    assert ids(store, "moons") == [QUOTE.id]


# -- hostile and malformed input ---------------------------------------------------------------

MALFORMED = [
    '"',
    '""',
    '"unbalanced phrase',
    'un"balanced',
    "*",
    "**",
    "-",
    "--",
    "- -",
    ":",
    "(",
    ")",
    "a AND",
    "AND",
    "OR NOT",
    "NEAR(a b, 3)",
    "NEAR",
    "a OR b",
    "title:lighthouse",
    "body:ships",
    "^lighthouse",
    "lighthouse'",
    "x' OR 1=1 --",
    "'; DROP TABLE posts; --",
    "\\",
    "{a b}",
    "a + b",
    "\x00",
    "\x1b[31m",
    "🌊🏮",
    "tag:",
    "kind:",
    "year:",
    "-tag:",
    "a" * 5000,
    "word " * 64,
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_queries_never_raise(store: Store, text: str) -> None:
    for prefix_last in (False, True):
        results = search(store, text, prefix_last=prefix_last)
        assert results.total is not None and results.total >= 0


def test_fts_operators_typed_by_people_are_words(store: Store) -> None:
    assert parse_query("a AND b").match_expression() == '"a" AND "and" AND "b"'
    assert parse_query("NEAR(x y)").match_expression() == '"near x" AND "y"'
    assert parse_query("title:x").match_expression() == '"title x"'
    assert ids(store, "title:lighthouse") == []  # not the FTS column filter
    assert ids(store, "lighthouse OR injection") == []  # OR is a word here


def test_too_many_pieces_is_a_search_error(store: Store) -> None:
    with pytest.raises(SearchError, match="more than 64"):
        search(store, "word " * 65)


def test_random_queries_raise_nothing_but_search_errors(store: Store) -> None:
    rng = random.Random(7)
    alphabet = "ab \"-*:()^+.,;'\\/{}[]NEARORANDNOTtagkindyear0123 \t\n\x00é🌊"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        try:
            search(store, text, prefix_last=rng.random() < 0.5)
        except SearchError:
            pass
        except ReaderError as error:  # pragma: no cover - a failure message
            pytest.fail(f"{text!r}: {error!r}")


def test_empty_query() -> None:
    assert parse_query("   ").is_empty
    assert parse_query('- "" * :').is_empty
    assert SearchQuery().match_expression() is None
