"""The core never imports Textual or Rich: it must be usable from a plain script."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "tui_reader.core.feed.convert",
    "tui_reader.core.cache.export",
    "tui_reader.core.net.fetch",
    "tui_reader.core.feed.kinds",
    "tui_reader.core.feed.parse",
    "tui_reader.core.user.paths",
    "tui_reader.core.net.refresh",
    "tui_reader.core.cache.store",
    "tui_reader.core.tags",
    "tui_reader.core.urls",
    "tui_reader.cli",
]


def test_core_does_not_import_textual_or_rich() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import tui_reader.core as core\n"
        "for info in pkgutil.walk_packages(core.__path__, 'tui_reader.core.'):\n"
        "    importlib.import_module(info.name)\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
