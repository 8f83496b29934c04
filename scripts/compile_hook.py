"""Hatchling build hook: compile the package to bytecode when it is installed.

``[tool.uv] compile-bytecode`` compiles what uv puts in ``site-packages``, but the project
itself is installed editable (its modules are imported from the checkout), so where Python
never writes bytecode (``PYTHONDONTWRITEBYTECODE=1``) every start would compile every module.
Compiling the package while the editable wheel (or a regular one) is built fixes that.
"""

from __future__ import annotations

import compileall
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileBytecode(BuildHookInterface):
    """Write ``__pycache__`` for ``tui_reader`` beside its sources."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile quietly; a failure only means a slower first start."""
        compileall.compile_dir(Path(self.root) / "tui_reader", quiet=1, workers=0)
