"""Back and forward through the tags visited, like a browser's history."""

from __future__ import annotations

MAX_HISTORY = 200


class TagHistory:
    """Tags visited, with a position: ``back``/``forward`` move it, ``visit`` cuts ahead."""

    def __init__(self, first: str | None = None) -> None:
        self._tags: list[str] = [first] if first else []
        self._index = len(self._tags) - 1

    @property
    def current(self) -> str | None:
        """The tag at the current position."""
        return self._tags[self._index] if self._tags else None

    @property
    def can_go_back(self) -> bool:
        """Whether :meth:`back` has somewhere to go."""
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        """Whether :meth:`forward` has somewhere to go."""
        return self._index < len(self._tags) - 1

    def visit(self, tag: str) -> None:
        """Go to ``tag``: forward entries are dropped; revisiting the current tag is a no-op."""
        if tag == self.current:
            return
        del self._tags[self._index + 1 :]
        self._tags.append(tag)
        if len(self._tags) > MAX_HISTORY:
            del self._tags[0]
        self._index = len(self._tags) - 1

    def back(self) -> str | None:
        """Step back; the tag now current, or None at the start."""
        if not self.can_go_back:
            return None
        self._index -= 1
        return self.current

    def forward(self) -> str | None:
        """Step forward; the tag now current, or None at the end."""
        if not self.can_go_forward:
            return None
        self._index += 1
        return self.current

    def previous(self) -> str | None:
        """The most recent other tag before the current one (what ``backspace`` flips to)."""
        for tag in reversed(self._tags[: self._index]):
            if tag != self.current:
                return tag
        return None

    def forget(self, tag: str) -> None:
        """Drop every visit of ``tag`` (a switch that failed); the position stays sensible."""
        kept: list[str] = []
        index = -1
        for position, visited in enumerate(self._tags):
            if visited == tag or (kept and kept[-1] == visited):
                continue
            kept.append(visited)
            if position <= self._index:
                index = len(kept) - 1
        self._tags = kept
        self._index = max(index, 0) if kept else -1
