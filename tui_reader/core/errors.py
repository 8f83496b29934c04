"""Errors raised by the core, each with a message a user can act on."""

from __future__ import annotations

from .feed.sanitize import one_line


class ReaderError(Exception):
    """Base class: ``str(error)`` says what failed, ``hint`` what to do about it.

    Messages often quote what a server sent (a host name, a header); they are cleaned to one
    line without control or bidi characters, so they are safe to print on a terminal.
    """

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(one_line(message))
        if hint is not None:
            self.hint = one_line(hint)

    @property
    def message(self) -> str:
        """The full sentence shown to the user: what failed, then what to do."""
        text = str(self)
        return f"{text} {self.hint}".strip() if self.hint else text


class InvalidTag(ReaderError):
    """A tag name that is not a site slug (or a combination of up to three)."""

    hint = "Tags use only letters, digits, '-' and '_' (at most 50), e.g. training-data or ai+llms."


class FetchError(ReaderError):
    """The feed could not be fetched: network failure, timeout, bad status or oversize body."""

    hint = "Check your connection and try again, or use --offline to read the cache."


class TagNotFound(FetchError):
    """The site has no feed for this tag (HTTP 404)."""

    hint = "Check the spelling; `tui-reader tags` lists the tags in your cache."


class TagRenamed(FetchError):
    """The tag's feed redirects to another tag's page."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"The tag '{old}' was renamed to '{new}'.", hint=f"Use '{new}' instead.")
        self.old = old
        self.new = new


class RateLimited(FetchError):
    """The server asked us to slow down (429/503 with Retry-After)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        wait = f" in {int(retry_after)} s" if retry_after is not None else " later"
        super().__init__(message, hint=f"The site asked to wait: try again{wait}.")
        self.retry_after = retry_after


class NotAFeed(FetchError):
    """The server answered 200 with something that is not an Atom/RSS feed."""

    hint = "The address may be wrong: check --base-url, or try again later."


class FeedParseError(ReaderError):
    """The feed's XML was refused (a DTD) or could not be read at all."""

    hint = "The cached posts are untouched; try again later."


class CacheError(ReaderError):
    """The on-disk cache could not be opened, read or written."""

    hint = "`tui-reader paths` shows where the cache lives."


class SettingsError(ReaderError):
    """The settings or the saved reading state could not be read or written."""

    hint = "`tui-reader paths` shows where the settings live."


class SearchError(ReaderError):
    """A search query that cannot be run as written (e.g. an unknown ``kind:``)."""

    hint = 'Search words, "a phrase", -word, tag:NAME, kind:KIND and year:YYYY combine freely.'
