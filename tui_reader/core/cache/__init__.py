"""The on-disk cache (SQLite): posts, tags, reading state, archive progress and the search index,
with what is built on it (search, Markdown backfill, export)."""
