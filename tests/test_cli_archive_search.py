"""``fetch --all`` and ``search`` on the command line, against the loopback site."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tui_reader.cli import main
from tui_reader.core.cache.store import Store
from tui_reader.core.user import paths

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fetch_all(site: SiteServer, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple:  # type: ignore[type-arg]
    return run(
        capsys,
        "--base-url",
        site.url,
        "fetch",
        "llms",
        "--all",
        "--page-size",
        "20",
        "--pause",
        "0",
        *extra,
    )


@pytest.fixture
def llms(site: SiteServer) -> SiteServer:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=45))
    return site


def test_fetch_all_prints_a_line_per_page_then_the_summary(
    llms: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = fetch_all(llms, capsys)
    assert code == 0
    assert err.splitlines() == [
        "llms: downloading the whole archive (45 posts)",
        "llms: page 1 · 20 of 45 posts",
        "llms: page 2 · 40 of 45 posts",
        "llms: page 3 · 45 of 45 posts",
        "converting new posts to Markdown for reading and search…",
    ]
    assert out == (
        "llms: archive complete · 45 posts in 3 pages; this run: 45 new, 0 updated, 0 unchanged\n"
    )
    _, out, _ = run(capsys, "tags")
    assert "45 posts" in out and "whole archive" in out

    code, out, err = fetch_all(llms, capsys)
    assert code == 0 and out.startswith("llms: archive up to date (0 new, 0 updated, 45 unchanged")
    assert err.splitlines()[0] == "llms: archive complete; fetching newer posts"


def test_fetch_all_failure_then_resume(
    llms: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llms.set_fault("/tags/llms.atom?size=20&page=2", Fault(status=500, times=1))
    code, out, err = fetch_all(llms, capsys)
    assert code == 1 and out == ""
    assert "tui-reader: llms: 127.0.0.1" in err and "HTTP 500" in err
    assert "1 pages (20 posts) downloaded so far are kept" in err
    _, out, _ = run(capsys, "tags")
    assert "20 posts" in out and "archive incomplete" in out

    code, out, err = fetch_all(llms, capsys)
    assert code == 0
    assert err.splitlines()[0] == "llms: resuming after page 1 · 20 of 45 posts"
    assert out.startswith("llms: archive complete · 45 posts in 3 pages; this run: 25 new")
    with Store(paths.database_path()) as store:
        assert len(store.list_posts("llms")) == 45


def test_fetch_all_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--page-size", "0"], ["--page-size", "1001"], ["--pause", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["fetch", "llms", "--all", *args])
        assert exit_info.value.code == 2
    code, _, err = run(capsys, "fetch", "llms", "--restart")
    assert code == 2 and "go with --all" in err


def test_ctrl_c_during_fetch_all_exits_130_and_the_next_run_resumes(
    llms: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    llms.set_fault("/tags/llms.atom?size=20&page=2", Fault(delay=30, times=1))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tui_reader", "--base-url", llms.url, "fetch", "llms"]
    command += ["--all", "--page-size", "20", "--pause", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 30
        while len(llms.requests_to("/tags/llms.atom")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the request for page 2 is waiting on the server
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert "llms: page 1 · 20 of 45 posts" in err
    assert err.strip().endswith("tui-reader: llms: interrupted; run again to resume")
    assert "Traceback" not in err and out == ""

    llms.clear_faults()
    code, out, err = fetch_all(llms, capsys)
    assert code == 0 and "resuming after page 1" in err
    assert "this run: 25 new" in out


@pytest.fixture
def cached(llms: SiteServer, capsys: pytest.CaptureFixture[str]) -> SiteServer:
    assert fetch_all(llms, capsys)[0] == 0
    return llms


def test_search_text_output(cached: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "counting tides", "--limit", "2")
    assert code == 0
    blocks = out.split("\n\n")
    assert len(blocks) == 3 and blocks[2] == ""
    first = blocks[0].splitlines()
    assert len(first) == 3
    date, kind, rest = first[0].split(maxsplit=2)
    assert len(date) == 10 and kind == "beat"
    assert rest.startswith("Counting tides, part") and rest.endswith("]")
    assert "«Counting tides»" in first[1] or "«Counting» «tides»" in first[1]
    assert first[2].strip().startswith("https://simonwillison.net/")
    assert err.startswith("1-2 of ") and err.endswith(" matching posts\n")


def test_search_jsonl_output(cached: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "search", '"northern harbour" -emoji', "--format", "jsonl", "--limit", "3"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {
        "id",
        "url",
        "title",
        "kind",
        "published",
        "tags",
        "score",
        "snippet",
        "matches",
    }
    for row in rows:
        assert row["kind"] == "entry" and row["published"].endswith("Z")
        assert isinstance(row["score"], float)
        spans = [row["snippet"][start:end].lower() for start, end in row["matches"]]
        assert spans and all(span == "northern harbour" for span in spans)


def test_search_tag_option_and_qualifiers(
    cached: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "search", "kind:quote", "--tag", "generative-ai", "--format", "jsonl"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["kind"] == "quotation" and "generative-ai" in r["tags"] for r in rows)
    dates = [r["published"] for r in rows]
    assert dates == sorted(dates, reverse=True)  # no words: newest first


def test_search_without_matches_or_words(
    cached: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "search", "zeppelin")
    assert (code, out) == (1, "") and "no cached post matches" in err
    code, _, err = run(capsys, "search", "kind:zebra")
    assert code == 1 and "kind:zebra is not a kind of post" in err
    code, _, err = run(capsys, "search", '"" *')
    assert code == 2 and "nothing to search for" in err
    code, _, err = run(capsys, "search", "x", "--tag", "not a tag")
    assert code == 1 and "not a valid tag" in err
