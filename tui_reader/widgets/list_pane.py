"""The left pane: the tag's posts under a title that says how many (of how many the site has),
the tag's description from the site, filtered by kind with ``f``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ..core.feed.sanitize import one_line
from ..core.models import Kind, PostSummary, TagFacts, YearCount
from ..core.tags import split_tag
from .post_list import PostList
from .status_bar import Status

KIND_FILTERS: tuple[Kind | None, ...] = (None, Kind.ENTRY, Kind.LINK, Kind.QUOTATION, Kind.NOTE)
"""What ``f`` cycles through: every kind, then entries, links, quotations and notes."""

_KIND_NOUNS = {
    None: ("post", "posts"),
    Kind.ENTRY: ("entry", "entries"),
    Kind.LINK: ("link", "links"),
    Kind.QUOTATION: ("quotation", "quotations"),
    Kind.NOTE: ("note", "notes"),
    Kind.BEAT: ("beat", "beats"),
    Kind.CHAPTER: ("chapter", "chapters"),
}


def posts_title(count: int, tag: str, kind: Kind | None = None) -> Content:
    """The list pane's title, like the site's tag page: ``12 posts tagged “llms”``.

    A combination reads ``3 posts tagged “ai” and “copyright”`` (posts carrying all of them);
    with a kind filter, ``5 links tagged “llms”``.
    """
    singular, plural = _KIND_NOUNS[kind]
    noun = singular if count == 1 else plural
    names = [f"“{part}”" for part in split_tag(tag)]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Content(f"{count:,} {noun} tagged {joined}")


def _site_count(facts: TagFacts, kind: Kind | None) -> int | None:
    """How many posts (of ``kind``) the site says the tag has; None where it does not say."""
    by_kind = {
        None: facts.count,
        Kind.ENTRY: facts.entries,
        Kind.LINK: facts.links,
        Kind.QUOTATION: facts.quotations,
        Kind.NOTE: facts.notes,
    }
    return by_kind.get(kind)


def sized_title(count: int, tag: str, kind: Kind | None, facts: TagFacts | None) -> Content:
    """The title with the site's figure: ``30 of 45 posts tagged “training-data” · A fetches
    the other 15`` while the cache has fewer than the site; else :func:`posts_title`.

    A site figure that is missing, for another tag, or smaller than what is cached (the
    lookup contradicts the feed) is ignored: the cached count is never shown as less than
    the truth, nor the site's as more.
    """
    site = _site_count(facts, kind) if facts is not None and facts.tag == tag else None
    if site is None or site <= count:
        return posts_title(count, tag, kind)
    singular, plural = _KIND_NOUNS[kind]
    noun = singular if site == 1 else plural
    rest = site - count
    return Content(f"{count:,} of {site:,} {noun} tagged “{tag}” · A fetches the other {rest:,}")


def about_tooltip(facts: TagFacts) -> str:
    """The description's tooltip: the whole description and the site's counts by kind."""
    noun = "post" if facts.count == 1 else "posts"
    kinds = facts.describe_kinds()
    line = f"On the site: {facts.count:,} {noun}" + (f" ({kinds})" if kinds else "")
    description = one_line(facts.description)
    return f"{description}\n\n{line}" if description else line


def empty_message(status: Status) -> Content:
    """What the empty list says: what happened, and what to do about it."""
    tag = status.tag
    if status.refreshing:
        return Content(f"Downloading the posts tagged “{tag}”…")
    if status.error:
        return Content.assemble(
            (f"Could not download “{tag}”.\n\n", "bold"),
            (f"{status.error}\n\n", "$text-error"),
            "Nothing is cached for this tag yet, so there is nothing to read.\n\n"
            "Press r to try again, or run `tui-reader --demo` to try the reader with "
            "bundled sample posts. Press q to quit.",
        )
    if status.offline:
        return Content.assemble(
            (f"Nothing cached for “{tag}”.\n\n", "bold"),
            "You are offline (--offline), so nothing was downloaded, and the cache holds no "
            "posts for this tag.\n\n"
            f"Run `tui-reader {tag}` without --offline to download them, or "
            "`tui-reader --demo` to try the reader with bundled sample posts. Press q to quit.",
        )
    return Content.assemble(
        (f"No posts tagged “{tag}”.\n\n", "bold"),
        "The site has nothing under this tag yet. Press r to check again, or q to quit.",
    )


class ListPane(Vertical):
    """The post list and its title; owns the tag's whole list and the kind filter."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tag = ""
        self._all_posts: tuple[PostSummary, ...] = ()
        self._years: dict[int, YearCount] | None = None
        self._kind: Kind | None = None
        self._read: set[str] = set()
        self._new_since: datetime | None = None
        self._followed = False
        self._unread_in: int | None = None  # the unread list: how many followed tags
        self._count = 0  # posts listed (of every year, while only the newest are read)
        self._unread_newest = False
        self._facts: TagFacts | None = None  # what the site says of a tag (maybe another)

    def compose(self) -> ComposeResult:
        yield PostList(id="posts")  # the description goes above it when there is one

    @property
    def post_list(self) -> PostList:
        """The list of posts."""
        return self.query_one(PostList)

    @property
    def kind_filter(self) -> Kind | None:
        """The only kind of post listed (None: every kind)."""
        return self._kind

    def set_read_state(self, read: set[str], new_since: datetime | None) -> None:
        """The read posts (this very set is marked as they change) and the previous visit."""
        self._read, self._new_since = read, new_since

    def show(
        self,
        tag: str,
        posts: Sequence[PostSummary],
        *,
        cursor: str | None = None,
        years: dict[int, YearCount] | None = None,
    ) -> None:
        """List ``tag``'s ``posts``; ``years``: every year's counts when ``posts`` is only
        the newest part of the list."""
        self._tag = tag
        self._unread_in = None
        self._all_posts = tuple(posts)
        self._years = years
        self.refilter(cursor)

    @property
    def showing_unread(self) -> bool:
        """Whether the list is the unread posts of the followed tags (``U``), not a tag."""
        return self._unread_in is not None

    def show_unread(
        self,
        posts: Sequence[PostSummary],
        tag_count: int,
        *,
        cursor: str | None = None,
        newest: bool = False,
    ) -> None:
        """List the unread ``posts`` of ``tag_count`` followed tags (each row names its tags);
        ``newest``: only the newest so far, the rest being read."""
        self._unread_in = tag_count
        self._unread_newest = newest
        self._all_posts = tuple(posts)
        self._years = None
        self.refilter(cursor)

    def set_facts(self, facts: TagFacts | None) -> None:
        """What the site says of a tag: its size (the title) and description (under it); used
        while that tag is listed."""
        self._facts = facts
        self._retitle()

    def set_followed(self, followed: bool) -> None:
        """Whether the tag shown is followed (the title says so)."""
        if followed != self._followed:
            self._followed = followed
            self._retitle()

    def cycle_kind(self) -> None:
        """List only the next kind of post (all → entries → links → quotations → notes)."""
        index = KIND_FILTERS.index(self._kind) if self._kind in KIND_FILTERS else 0
        self._kind = KIND_FILTERS[(index + 1) % len(KIND_FILTERS)]
        highlighted = self.post_list.highlighted_post
        self.refilter(highlighted.id if highlighted else None)

    def refilter(self, cursor: str | None = None) -> None:
        """Show the posts of the chosen kind, the cursor on ``cursor`` if it is listed."""
        kind = self._kind
        years = self._years if kind is None else None
        posts = (
            self._all_posts
            if kind is None
            else tuple(post for post in self._all_posts if post.kind is kind)
        )
        post_list = self.post_list
        post_list.set_read_state(self._read, self._new_since)
        post_list.set_posts(posts, years=years)
        if cursor is not None:
            post_list.select_post(cursor)
        self._count = len(posts) if years is None else sum(year.posts for year in years.values())
        self._retitle()

    def _retitle(self) -> None:
        count = self._count
        facts = self._facts if self._facts and self._facts.tag == self._tag else None
        self._describe(None if self._unread_in is not None else facts)
        if self._unread_in is not None:
            tags = "tag" if self._unread_in == 1 else "tags"
            shown = f"the newest {count:,}…" if self._unread_newest else f"{count:,}"
            self.border_title = Content(f"Unread in {self._unread_in} followed {tags} · {shown}")
            return
        title = sized_title(count, self._tag, self._kind, facts)
        self.border_title = title + " · followed" if self._followed else title

    def _describe(self, facts: TagFacts | None) -> None:
        """The tag's description at the top of the list (none: hidden)."""
        description = one_line(facts.description) if facts is not None else ""
        found = self.query("#tag-about").results(Static)
        about = next(found, None)
        if about is None:
            if not description:
                return
            about = Static(id="tag-about", markup=False)
            self.mount(about, before=0)
        about.display = bool(description)
        about.update(Content(description))
        about.tooltip = about_tooltip(facts) if facts is not None else None

    def empty_message(self, status: Status) -> Content:
        """What to say when nothing is listed."""
        if self._unread_in is not None:
            return Content.assemble(
                ("Nothing unread in the followed tags.\n\n", "bold"),
                f"Press U to go back to “{self._tag}”, or R to fetch new posts.",
            )
        if self._all_posts and self._kind is not None:
            noun = _KIND_NOUNS[self._kind][1]
            return Content.assemble(
                (f"No {noun} tagged “{self._tag}” in the cache.\n\n", "bold"),
                "Press f to show another kind of post.",
            )
        return empty_message(status)
