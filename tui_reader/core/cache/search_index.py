"""The full-text search index of post titles and bodies (kept in step by triggers; see
``schema``)."""

from __future__ import annotations

from .database import Database


class SearchIndex(Database):
    """Rebuilding the full-text index."""

    def rebuild_search_index(self) -> None:
        """Rebuild the full-text index from the posts (one transaction).

        Never needed in normal use (triggers keep it in step); useful after a ``VACUUM``,
        which may renumber the posts' rowids that the index shares.
        """
        with self._transaction() as conn:
            conn.execute("DELETE FROM posts_fts")
            conn.execute(
                "INSERT INTO posts_fts (rowid, title, body) SELECT rowid,"
                " tui_search_title(title), tui_search_body(markdown) FROM posts"
            )
