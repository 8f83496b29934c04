"""The help screen: a Markdown table of every key, generated from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen

KeySection = tuple[str, Sequence[Binding]]

_KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "space": "Space",
    "question_mark": "?",
}


def key_name(key: str) -> str:
    """How a key is written in the help table: ``pageup`` → ``PgUp``, ``ctrl+p`` → ``Ctrl+P``."""
    key = key.strip()
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key.removeprefix("ctrl+").upper()
    return key


def class_bindings(node_class: type[DOMNode]) -> list[Binding]:
    """The bindings a widget class ends up with (its own and inherited), later ones winning."""
    chain: list[type[DOMNode]] = []
    for base in node_class.__mro__:
        if not (isinstance(base, type) and issubclass(base, DOMNode)):
            continue
        chain.append(base)
        if not base.__dict__.get("inherit_bindings", True):
            break
    declared = {base: list(_as_bindings(base.__dict__.get("BINDINGS", ()))) for base in chain}
    by_key: dict[str, Binding] = {}
    for base in reversed(chain):
        for binding in declared[base]:
            for key in binding.key.split(","):
                by_key[key.strip()] = binding
    winners = {id(binding) for binding in by_key.values()}
    ordered: dict[int, Binding] = {}  # the most derived class first, in declaration order
    for base in chain:
        for binding in declared[base]:
            if id(binding) in winners:
                ordered.setdefault(id(binding), binding)
    return list(ordered.values())


def _as_bindings(items: Iterable[BindingType]) -> Iterator[Binding]:
    for item in items:
        if isinstance(item, Binding):
            yield item
        else:
            yield Binding(*item)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def keys_markdown(sections: Sequence[KeySection], *, level: int = 2) -> str:
    """A Markdown table per section (headings at ``level``): keys and what they do.

    Only bindings with an ``id`` are listed: the reader's own keys, not the scrolling keys
    every Textual container inherits.
    """
    lines: list[str] = []
    for title, bindings in sections:
        rows: dict[str, list[str]] = {}  # bindings that say the same share a row
        for binding in bindings:
            if not binding.description or binding.system or binding.id is None:
                continue
            what = binding.tooltip or binding.description
            keys = rows.setdefault(what, [])
            shown = (
                binding.key_display.split(",") if binding.key_display else binding.key.split(",")
            )
            keys.extend(k for k in (key_name(key) for key in shown) if k not in keys)
        if not rows:
            continue
        lines += [f"{'#' * level} {title}", "", "| Key | Action |", "| --- | --- |"]
        for what, keys in rows.items():
            shown_keys = ", ".join(f"`{key}`" for key in keys)
            lines.append(f"| {_cell(shown_keys)} | {_cell(what)} |")
        lines.append("")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key of the reader, in tables generated from the bindings."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    #help-body {
        width: 84;
        max-width: 100%;
        height: 90%;
        border: round $border;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, sections: Sequence[KeySection], *, intro: str = "") -> None:
        super().__init__()
        self._markdown = f"# Keys\n\n{intro}\n\n{keys_markdown(sections)}".strip()

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # markdown-it: only once help is asked for

        with VerticalScroll(id="help-body"):
            yield Markdown(self._markdown, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
