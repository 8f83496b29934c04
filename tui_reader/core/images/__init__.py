"""Pictures of posts, kept for offline reading: which may be fetched (``policy``), fetching
them defensively (``download``), the bounded folder they are kept in (``store``), decoding
them safely (``decode``), and fetching a tag's pictures ahead of time (``prefetch``).

Nothing here imports Textual or Rich; Pillow is imported only when a picture is decoded.
"""
