"""What the site said of each tag (its tag lookup): post counts in all and by kind, and its
description, kept so that they show offline; replaced by each new answer."""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import TagFacts
from .columns import _stamp, _unstamp
from .database import Database

_COLUMNS = "tag, count, entries, links, quotations, notes, beats, description, checked_at"


class SiteTagFacts(Database):
    """The ``tag_facts`` table."""

    def save_tag_facts(self, facts: TagFacts) -> None:
        """Keep what the site said of ``facts.tag`` (replacing what it said before)."""
        checked = _stamp(facts.checked_at or datetime.now(UTC))
        with self._transaction() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO tag_facts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    facts.tag,
                    facts.count,
                    facts.entries,
                    facts.links,
                    facts.quotations,
                    facts.notes,
                    facts.beats,
                    facts.description,
                    checked,
                ),
            )

    def tag_facts(self, tag: str) -> TagFacts | None:
        """What the site last said of ``tag`` (None: never asked, or not a single tag)."""
        rows = self._select_tuples(f"SELECT {_COLUMNS} FROM tag_facts WHERE tag = ?", (tag,))
        if not rows:
            return None
        name, count, entries, links, quotations, notes, beats, description, checked = rows[0]
        return TagFacts(
            name,
            int(count),
            int(entries),
            int(links),
            int(quotations),
            int(notes),
            int(beats),
            str(description),
            _unstamp(checked),
        )
