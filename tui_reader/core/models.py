"""Plain records passed between the core and its users."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from operator import attrgetter


class Record:
    """Equality, hashing and ``repr`` for the frozen dataclasses of the reader, written once.

    ``@dataclass`` compiles these three methods anew for every class it makes (``exec`` of
    generated source, ~0.4 ms a class): a record class says ``eq=False, repr=False`` and
    inherits them from here instead. They behave as the generated ones: equal when of the
    same class with equal compared fields, hashed on those fields, shown as
    ``Name(field=value, ...)`` with the fields shown in a ``repr``.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            key = _KEYS.get(self.__class__) or _key(self.__class__)
            return bool(key(self) == key(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((_KEYS.get(self.__class__) or _key(self.__class__))(self))

    def __repr__(self) -> str:
        shown = (f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{self.__class__.__qualname__}({', '.join(shown)})"


_KEYS: dict[type, Callable[[object], tuple[object, ...]]] = {}


def _key(cls: type) -> Callable[[object], tuple[object, ...]]:
    """The tuple of a record class's compared fields (made on its first comparison)."""
    names = [f.name for f in fields(cls) if f.compare]
    key = attrgetter(*names) if len(names) > 1 else lambda record: (getattr(record, names[0]),)
    _KEYS[cls] = key
    return key


class Kind(StrEnum):
    """The kinds of item the site publishes (see SITE.md)."""

    ENTRY = "entry"
    LINK = "link"
    QUOTATION = "quotation"
    NOTE = "note"
    BEAT = "beat"
    CHAPTER = "chapter"

    @property
    def label(self) -> str:
        """A short label for lists."""
        return _LABELS[self]


_LABELS = {
    Kind.ENTRY: "entry",
    Kind.LINK: "link",
    Kind.QUOTATION: "quote",
    Kind.NOTE: "note",
    Kind.BEAT: "beat",
    Kind.CHAPTER: "chapter",
}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PostSummary(Record):
    """What a list row needs: no body."""

    id: str
    url: str
    title: str
    kind: Kind
    published: datetime  # timezone-aware, UTC
    # When the cache first had it (None: not known); not part of equality.
    first_seen: datetime | None = field(default=None, compare=False)
    # Of the tags asked about, those it carries (``Store.unread_posts``); else empty.
    tags: tuple[str, ...] = field(default=(), compare=False)
    # Words in its Markdown text (None: not converted yet, or not read); not part of equality.
    words: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Post(Record):
    """One post, cleaned: ``id`` is the normalised permalink, ``html`` lacks the tags footer."""

    id: str
    url: str
    title: str
    kind: Kind
    published: datetime  # timezone-aware, UTC
    tags: tuple[str, ...]
    html: str
    markdown: str

    @property
    def summary(self) -> PostSummary:
        """The list-row view of this post."""
        return PostSummary(self.id, self.url, self.title, self.kind, self.published)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class YearCount(Record):
    """A year of a tag's posts: how many, and how many of them are unread."""

    year: int
    posts: int
    unread: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagOverview(Record):
    """A followed tag at a glance (``Store.tag_overview``). Times are UTC.

    ``new`` counts the unread posts first cached after the last visit to the tag (0 if it was
    never visited); ``fetched_at`` is the last successful fetch, ``error`` and ``error_at`` the
    last failed one since (None once a fetch succeeds); ``years`` only the years with posts,
    oldest first.
    """

    tag: str
    count: int
    unread: int
    new: int
    fetched_at: datetime | None
    error: str | None
    error_at: datetime | None
    years: tuple[YearCount, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Validators(Record):
    """HTTP cache validators remembered from the last successful fetch of a feed."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagInfo(Record):
    """A tag known to the cache."""

    tag: str
    count: int
    fetched_at: datetime | None  # last successful fetch (200 or 304), UTC
    validators: Validators = field(default_factory=Validators)
    unread: int | None = None  # cached posts not marked read (None: not counted)
    site: TagFacts | None = None  # what the site's tag lookup said last (None: not known)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagFacts(Record):
    """What the site says of a tag (its exact-match lookup): how many posts it has in all and
    of each kind, and its description (plain text, cleaned, at most a few hundred characters).

    ``checked_at``: when the site said so, UTC.
    """

    tag: str
    count: int
    entries: int = 0
    links: int = 0
    quotations: int = 0
    notes: int = 0
    beats: int = 0
    description: str = ""
    checked_at: datetime | None = None

    def describe_kinds(self) -> str:
        """``30 links · 10 quotations · 3 entries · 2 notes`` (most first; none: left out)."""
        pairs = [
            (self.entries, "entry", "entries"),
            (self.links, "link", "links"),
            (self.quotations, "quotation", "quotations"),
            (self.notes, "note", "notes"),
            (self.beats, "beat", "beats"),
        ]
        shown = sorted((pair for pair in pairs if pair[0] > 0), key=lambda pair: -pair[0])
        return " · ".join(f"{n:,} {one if n == 1 else many}" for n, one, many in shown)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MergeCounts(Record):
    """What a merge did to the cache."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: MergeCounts) -> MergeCounts:
        return MergeCounts(
            self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged
        )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagSuggestion(Record):
    """A tag the site suggests, with its post count and description (plain text, one line)."""

    tag: str
    count: int | None
    description: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ArchiveState(Record):
    """How far the download of a tag's whole history has got (see ``core.archive``).

    ``next_url`` is the page to fetch next (None once ``complete``). ``pages`` and ``posts``
    count what the walk has committed so far (entries received, duplicates included);
    ``total`` is the site's post count for the tag when it was known. Times are UTC.
    """

    tag: str
    next_url: str | None
    page_size: int
    pages: int
    posts: int
    total: int | None
    complete: bool
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ArchivePage(Record):
    """What the store records with one page of an archive walk, in the page's transaction.

    ``first`` starts the walk's counters again; ``next_url`` None marks the walk complete.
    """

    next_url: str | None
    page_size: int
    posts: int
    total: int | None = None
    first: bool = False
