"""Check that a change to the HTML-to-Markdown converter keeps its output byte-identical.

``record`` runs the tests that convert bodies (and converts the benchmarks' synthetic bodies),
writing every body given to the converter with the Markdown it made to a JSON-lines file.
``compare`` converts every recorded body again with the current code (optionally with another
BeautifulSoup tree builder) and lists the bodies whose Markdown differs::

    uv run python scripts/conversion_corpus.py record /tmp/corpus.jsonl   # before a change
    uv run python scripts/conversion_corpus.py compare /tmp/corpus.jsonl  # after it
    uv run python scripts/conversion_corpus.py compare /tmp/corpus.jsonl --builder lxml
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from tui_reader.core.feed import convert  # noqa: E402

TESTS = [
    "tests/test_convert.py",
    "tests/test_parse.py",
    "tests/test_kinds.py",
    "tests/test_fuzz_ingest.py",
    "tests/test_faults_content.py",
    "tests/test_faults_input.py",
    "tests/test_faults_xml.py",
    "tests/test_terminal_escapes.py",
    "tests/test_markdown_backfill.py",
    "tests/test_archive.py",
    "tests/test_search.py",
]


def synthetic_bodies() -> Iterator[tuple[str, str]]:
    """The benchmarks' bodies: the loopback archive's posts and a page of long ones."""
    import archive_peer
    import synthetic

    from tests.sitefeeds import build_feed
    from tui_reader.core.feed.parse import parse_feed

    for tag, posts in (
        ("python", archive_peer.archive_posts(600)),
        ("bench", synthetic.site_posts("bench", 150)),
    ):
        feed = parse_feed(build_feed(tag, posts), source_url="https://x.test/tags/a.atom")
        yield from ((post.html, post.url) for post in feed.posts)


def record(path: Path) -> None:
    import pytest

    seen: dict[tuple[str, str], str] = {}
    original = convert.html_to_markdown

    def recording(html: str, base_url: str) -> str:
        markdown = original(html, base_url)
        seen.setdefault((html, base_url), markdown)
        return markdown

    class Plugin:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_setup(self, item: Any) -> None:
            for module in list(sys.modules.values()):
                if getattr(module, "html_to_markdown", None) is original:
                    module.html_to_markdown = recording  # type: ignore[attr-defined]

    pytest.main(["-q", "-p", "no:randomly", "-x", *TESTS], plugins=[Plugin()])
    for html, url in synthetic_bodies():
        recording(html, url)
    with path.open("w", encoding="utf-8") as out:
        for (html, base_url), markdown in seen.items():
            out.write(json.dumps({"html": html, "base_url": base_url, "markdown": markdown}))
            out.write("\n")
    print(f"{len(seen):,} bodies recorded in {path}")


def compare(path: Path, builder: str | None) -> int:
    if builder:
        from bs4 import BeautifulSoup

        def soup(markup: str, _features: str) -> BeautifulSoup:
            return BeautifulSoup(markup, builder)

        convert.BeautifulSoup = soup  # type: ignore[assignment,misc]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    differ = 0
    start = time.perf_counter()
    for row in rows:
        markdown = convert.html_to_markdown(row["html"], row["base_url"])
        if markdown != row["markdown"]:
            differ += 1
            if differ <= 10:
                print(f"--- differs: {row['html'][:160]!r}")
                print(f"    was {row['markdown'][:300]!r}")
                print(f"    now {markdown[:300]!r}")
    seconds = time.perf_counter() - start
    print(f"{len(rows):,} bodies, {differ:,} differ ({seconds:.1f} s)")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["record", "compare"])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--builder", help="compare with this BeautifulSoup tree builder")
    args = parser.parse_args()
    if args.command == "record":
        record(args.corpus)
        return 0
    return compare(args.corpus, args.builder)


if __name__ == "__main__":
    sys.exit(main())
