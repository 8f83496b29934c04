"""The README stays true: generated keys tables, quick start, screenshots that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_keys_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("readme_keys", ROOT / "scripts/readme_keys.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keys_tables_match_the_bindings() -> None:
    module = _readme_keys_module()
    assert module.updated(README) == README, "run: uv run python scripts/readme_keys.py"


def test_quick_start_is_the_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "uv run tui-reader" in quick
    assert "uv run pytest" in quick


def test_screenshots_shown_in_the_readme_exist() -> None:
    shown = re.findall(r"!\[[^\]]*\]\((screenshots/[^)]+)\)", README)
    assert {"screenshots/main.svg", "screenshots/post.svg", "screenshots/help.svg"} <= set(shown)
    for path in shown:
        assert (ROOT / path).is_file(), path


def test_ci_runs_the_readme_test_command() -> None:
    assert "uv run pytest" in (ROOT / ".ci/run").read_text(encoding="utf-8")


def test_security_section_states_the_real_limits() -> None:
    from tui_reader.core.net.fetch import PROJECT_URL, FetchLimits

    section = README.split("## Security and privacy", 1)[1].split("\n## ", 1)[0]
    limits = FetchLimits()
    mib = 1024 * 1024
    assert f"after {limits.deadline:g} seconds in all" in section
    assert f"sent {limits.max_bytes // mib} MB, or {limits.max_decoded_bytes // mib} MB" in section
    words = {5: "five"}
    assert f"at most {words[limits.max_redirects]}." in section
    assert f"(+{PROJECT_URL})" in " ".join(section.split())


def test_architecture_tree_names_every_module_and_only_real_ones() -> None:
    block = README.split("<!-- tree:start -->", 1)[1].split("<!-- tree:end -->", 1)[0]
    named = set(re.findall(r"[\w]+\.(?:py|tcss)", block))
    package = ROOT / "tui_reader"
    real = {
        path.name
        for path in [*package.rglob("*.py"), *package.rglob("*.tcss")]
        if path.name != "__init__.py"
    }
    assert real - named == set(), "modules missing from the README's tree"
    assert named - real == set(), "the README's tree names modules that do not exist"
    folders = {path.parent.name for path in package.rglob("__init__.py")} - {"tui_reader"}
    assert {folder for folder in folders if f"{folder}/" not in block} == set()
