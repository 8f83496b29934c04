"""The reading screen's units: non-visual widgets that each own one concern.

Each does its blocking work (the network, the cache) in a worker off the UI thread and reports
with a message from ``tui_reader.messages``; the screen composes them and routes the messages.

- ``tag_loader``: which tag is shown and how fresh it is — painting from the cache, refreshing in
  the background, opening a tag not cached yet, unknown and renamed tags, the status line.
- ``tag_navigator``: where to go next — tag history, pins, the tag switcher.
- ``reading_tracker``: read marks, scroll positions and visits, saved off the UI thread.
- ``post_loader``: the post for the reading pane, read once the cursor rests.
- ``link_follower``: links in a post, the post history they make, the browser.
"""
