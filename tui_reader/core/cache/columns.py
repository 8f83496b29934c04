"""How values are kept in the database's columns: timestamps as sortable text, a post's kind
and tags as text, and the digest that tells a changed post from an unchanged one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from ..models import Kind, Post

_KINDS = {kind.value: kind for kind in Kind}
_STAMP = re.compile(r"(\d{1,4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    """A sortable UTC timestamp (the year always has four digits, so that it sorts)."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def _unstamp(text: str) -> datetime:
    """The moment written by :func:`_stamp` (the epoch for anything unreadable)."""
    if len(text) == 20 and text.endswith("Z"):  # the usual form: ``fromisoformat`` is fastest
        try:
            return datetime.fromisoformat(text).astimezone(UTC)
        except ValueError:
            pass
    match = _STAMP.fullmatch(text or "")
    if match is None:
        return _EPOCH
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return _EPOCH


def _kind(text: str) -> Kind:
    """A stored kind (an unknown one reads as an entry)."""
    return _KINDS.get(text, Kind.ENTRY)


def _tags(text: str) -> tuple[str, ...]:
    try:
        tags = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(tag) for tag in tags) if isinstance(tags, list) else ()


def content_hash(post: Post) -> str:
    """A digest of everything a feed can change about a post."""
    import hashlib  # only when posts are written: not on the reader's way to its first paint

    payload = json.dumps(
        [post.url, post.title, str(post.kind), _stamp(post.published), list(post.tags), post.html],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
