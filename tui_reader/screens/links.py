"""The links of the open post (``L``), numbered: choose one with the cursor and enter, or
its number. The chosen link is returned; the reading screen decides where it leads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core.feed.postlinks import Link


class LinkOption(Option):
    """One numbered link; the option carries it."""

    def __init__(self, number: int, link: Link) -> None:
        text = link.text or link.url
        prompt = Content.assemble(
            (f"{number:>2}. ", "$text-muted"), text, "\n    ", (link.url, "$text-primary")
        )
        super().__init__(prompt, id=f"link:{number}")
        self.link = link


class LinksScreen(ModalScreen[Link | None]):
    """Choose one of a post's links: returns it, or None if dismissed."""

    DEFAULT_CSS = """
    LinksScreen { align: center top; }
    #links {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        margin-top: 3;
        border: round $border;
        background: $surface;
        padding: 0 1;
    }
    #links-options { height: auto; max-height: 30; border: none; padding: 0; }
    #links-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "dismiss(None)",
            "Close",
            tooltip="Close the list of links",
            id="links.close",
        ),
        *(
            Binding(
                str(number),
                f"choose({number})",
                f"Link {number}",
                show=False,
                tooltip="Follow the link with this number",
                id=f"links.choose-{number}",
            )
            for number in range(1, 10)
        ),
    ]

    def __init__(self, title: str, links: Sequence[Link]) -> None:
        super().__init__()
        self._title = title
        self._links = list(links)

    def compose(self) -> ComposeResult:
        with Vertical(id="links"):
            yield OptionList(
                *(LinkOption(n, link) for n, link in enumerate(self._links, 1)),
                id="links-options",
                markup=False,
            )
            yield Static(
                Content(
                    "enter or 1…9: follow · posts of the blog open here (alt+←/→: back/forward),"
                    " tag pages switch tag, other http(s) links open in the browser · esc: close"
                ),
                id="links-hint",
            )

    def on_mount(self) -> None:
        box = self.query_one("#links", Vertical)
        box.border_title = Content(f"Links in “{self._title}”")
        self.options.focus()

    @property
    def options(self) -> OptionList:
        """The numbered links."""
        return self.query_one("#links-options", OptionList)

    @property
    def links(self) -> list[Link]:
        """The links listed, in order."""
        return list(self._links)

    def action_choose(self, number: int) -> None:
        """Follow link ``number`` (1-based)."""
        if 1 <= number <= len(self._links):
            self.dismiss(self._links[number - 1])

    @on(OptionList.OptionSelected, "#links-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        option = event.option
        if isinstance(option, LinkOption):
            self.dismiss(option.link)
