"""The messages the reading pane posts (``ReadingPane.Rendered`` and so on; handlers keep
their ``on_reading_pane_…`` names)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..core.feed.postlinks import Link
    from .reading_pane import ReadingPane


class Rendered(Message, namespace="reading_pane"):
    """Posted when a post's first screen is shown, and again once it is all shown.

    ``complete=False`` comes only when more of the body is still being rendered;
    exactly one ``complete=True`` message follows each :meth:`ReadingPane.show_post`
    (and each re-render after a change of width) unless a newer call supersedes it.
    """

    def __init__(self, pane: ReadingPane, post_id: str, complete: bool) -> None:
        super().__init__()
        self.pane = pane
        self.post_id = post_id
        self.complete = complete

    @property
    def control(self) -> ReadingPane:
        """The pane that rendered the post."""
        return self.pane


class TagChosen(Message, namespace="reading_pane"):
    """One of the post's tags was chosen (keyboard or click)."""

    def __init__(self, tag: str, post_id: str) -> None:
        super().__init__()
        self.tag = tag
        self.post_id = post_id


class LinkClicked(Message, namespace="reading_pane"):
    """A link of the post was clicked (only addresses the post itself links to)."""

    def __init__(self, link: Link, post_id: str) -> None:
        super().__init__()
        self.link = link
        self.post_id = post_id
