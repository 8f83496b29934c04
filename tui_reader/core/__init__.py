"""The reader's core: tags, fetching, parsing, converting and caching.

Nothing in this package imports Textual or Rich, so it can be used from scripts and tested
on its own (``tests/test_boundary.py`` enforces this).
"""
