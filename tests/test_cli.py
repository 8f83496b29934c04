"""The command line against a site-shaped server on 127.0.0.1 (the real httpx path)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests import sitefeeds
from tests.site_server import Fault, SiteServer
from tui_reader.cli import main
from tui_reader.core.cache.store import Store
from tui_reader.core.user import paths


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_fetch_tags_export_and_refetch(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes = sitefeeds.sample_posts(n=45)
    site.add_tag("training-data", fakes)
    code, out, err = run(capsys, "--base-url", site.url, "fetch", "training-data")
    assert (code, err) == (0, "")
    # a first fetch of a tag of at most 1,000 posts: the whole tag, in one request
    assert out == "training-data: 45 new, 0 updated, 0 unchanged\n"
    first = site.requests_to("/tags/training-data.atom")
    assert [r.target for r in first] == ["/tags/training-data.atom?size=1000"]

    code, out, _ = run(capsys, "tags")
    assert code == 0
    assert out.startswith("training-data") and "45 posts" in out and "just now" in out

    code, out, _ = run(capsys, "export", "training-data")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [f.permalink for f in fakes]
    assert set(rows[0]) == {"id", "url", "title", "kind", "published", "tags", "markdown"}
    assert rows[0]["published"].endswith("Z")

    code, out, _ = run(capsys, "--base-url", site.url, "fetch", "training-data")
    assert out == "training-data: 0 new, 0 updated, 30 unchanged\n"  # then the first page
    second = site.requests_to("/tags/training-data.atom")[-1]
    assert second.target == "/tags/training-data.atom"
    assert second.header("if-modified-since")
    assert (second.header("user-agent") or "").startswith("tui-reader/")


def test_refetch_with_304(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=5))
    site.answer_304 = True
    assert run(capsys, "--base-url", site.url, "fetch", "llms")[1].endswith(
        "5 new, 0 updated, 0 unchanged\n"
    )
    code, out, _ = run(capsys, "--base-url", site.url, "fetch", "llms")
    assert (code, out) == (0, "llms: not modified since the last fetch\n")


def test_history_accumulates_and_edits_update(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes = sitefeeds.sample_posts(n=40)
    site.add_tag("training-data", fakes[10:])
    run(capsys, "--base-url", site.url, "fetch", "training-data")
    edited = replace(
        fakes[10], body_html=sitefeeds.wrap_body("<p>An edited body.</p>", fakes[10].tags)
    )
    site.add_tag("training-data", [*fakes[:10], edited, *fakes[11:]])
    _, out, _ = run(capsys, "--base-url", site.url, "fetch", "training-data")
    assert out == "training-data: 10 new, 1 updated, 19 unchanged\n"
    with Store(paths.database_path()) as store:
        assert len(store.list_posts("training-data")) == 40
        post = store.get_post(edited.permalink)
        assert post is not None and "An edited body." in post.markdown


def test_old_style_then_new_style_ids_leave_one_row(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes = sitefeeds.sample_posts(n=8)
    site.add_tag("training-data", [replace(f, old_style_id=True) for f in fakes])
    run(capsys, "--base-url", site.url, "fetch", "training-data")
    site.add_tag("training-data", fakes)
    _, out, _ = run(capsys, "--base-url", site.url, "fetch", "training-data")
    assert out == "training-data: 0 new, 0 updated, 8 unchanged\n"
    with Store(paths.database_path()) as store:
        assert store._select("SELECT count(*) FROM posts")[0][0] == 8


def test_fetch_reports_each_tag_and_fails_if_any_failed(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=3))
    site.add_tag("new-name", sitefeeds.sample_posts("new-name", n=2))
    site.rename("old-name", "new-name")
    code, out, err = run(
        capsys, "--base-url", site.url, "fetch", "llms", "nope", "old-name", "bad/tag"
    )
    assert code == 1
    assert out == "llms: 3 new, 0 updated, 0 unchanged\n"
    lines = err.splitlines()
    assert "'bad/tag' is not a valid tag" in lines[0]  # refused before anything is fetched
    assert lines[1].startswith("tui-reader: nope: There is no tag 'nope'")
    assert "renamed to 'new-name'" in lines[2]
    assert "Traceback" not in err


def test_failed_fetch_keeps_the_cache(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=4))
    run(capsys, "--base-url", site.url, "fetch", "llms")
    site.set_fault("/tags/llms.atom", Fault(status=500))
    code, _, err = run(capsys, "--base-url", site.url, "fetch", "llms")
    assert code == 1 and "server error (HTTP 500)" in err
    code, out, _ = run(capsys, "export", "llms")
    assert code == 0 and len(out.splitlines()) == 4


def test_export_markdown_and_missing_tag(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=3))
    run(capsys, "--base-url", site.url, "fetch", "llms")
    code, out, _ = run(capsys, "export", "llms", "--format", "markdown")
    assert code == 0 and out.startswith("# Posts tagged “llms”") and out.count("\n## ") == 3
    code, _, err = run(capsys, "export", "python")
    assert code == 1 and "tui-reader fetch python" in err


def test_offline_fetch_and_bad_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--offline", "fetch", "llms")
    assert code == 2 and "--offline" in err
    code, _, err = run(capsys, "--base-url", "file:///etc", "fetch", "llms")
    assert code == 2 and "not an http" in err


def test_base_url_from_environment(
    site: SiteServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add_tag("llms", sitefeeds.sample_posts("llms", n=2))
    monkeypatch.setenv("TUI_READER_BASE_URL", site.url)
    assert run(capsys, "fetch", "llms")[0] == 0


def test_paths_follow_xdg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "paths")
    assert code == 0
    assert str(tmp_path) in out and "cache.sqlite3" in out and "config.toml" in out


def test_tags_when_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert "No tags cached yet" in run(capsys, "tags")[1]


def test_module_entry_point_version_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui_reader", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("tui-reader ")
    result = subprocess.run(
        [sys.executable, "-m", "tui_reader", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("fetch", "tags", "export", "paths", "--offline", "--base-url"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("argv", "tag"),
    [
        (["llms"], "llms"),
        (["AI+Copyright", "--offline"], "ai+copyright"),
        (["--offline", "llms"], "llms"),
        (["--base-url", "http://127.0.0.1:9", "llms"], "llms"),
        ([], None),
        (["--demo"], None),
        (["--offline", "--demo"], None),
    ],
)
def test_reader_takes_a_tag_or_a_combination(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], tag: str | None
) -> None:
    import tui_reader.app

    seen: list[tuple[str | None, dict[str, object]]] = []
    monkeypatch.setattr(tui_reader.app, "run_reader", lambda tag, **kw: seen.append((tag, kw)) or 0)
    assert main(argv) == 0
    assert [t for t, _ in seen] == [tag]
    options = seen[0][1]
    assert options["demo"] is ("--demo" in argv)
    assert options["offline"] is ("--offline" in argv)


def test_reader_refuses_a_bad_tag_before_anything(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui_reader.app

    monkeypatch.setattr(tui_reader.app, "run_reader", lambda *a, **k: pytest.fail("ran"))
    code, _, err = run(capsys, "../etc")
    assert code != 0
    assert "not a valid tag" in err
    assert not paths.database_path().exists()
