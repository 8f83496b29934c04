"""The reading screen's keys: each binding names the action the screen routes it to.

To add a key: add a ``Binding`` here (with a ``tooltip``: it is the help screen's and the
README's description, and an ``id``), then an ``action_…`` method on ``MainScreen`` that
hands the work to the unit that owns it. ``scripts/readme_keys.py`` regenerates the README's
tables; ``tests/test_readme.py`` fails until it has been run.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from .core.user.settings import MAX_PINS

MAIN_BINDINGS: list[BindingType] = [
    Binding(
        "h,escape",
        "focus_list",
        "Back to list",
        tooltip="Return to the post list",
        id="main.back",
    ),
    Binding(
        "tab",
        "switch_pane",
        "Switch pane",
        show=False,
        tooltip="Move between the list and the reading pane",
        id="main.switch",
    ),
    Binding("n", "next_post", "Next post", tooltip="Read the next (older) post", id="main.next"),
    Binding(
        "p",
        "previous_post",
        "Previous post",
        show=False,
        tooltip="Read the previous (newer) post",
        id="main.previous",
    ),
    Binding(
        "o",
        "open_in_browser",
        "Open in browser",
        tooltip="Open the linked page of a link post, else the post (http/https only)",
        id="main.browser",
    ),
    Binding(
        "O",
        "open_post_in_browser",
        "Open post",
        show=False,
        tooltip="Open the post itself on the blog",
        id="main.browser-post",
    ),
    Binding(
        "m",
        "toggle_read",
        "Read/unread",
        show=False,
        tooltip="Mark the post read or unread (opening a post marks it read)",
        id="main.toggle-read",
    ),
    Binding(
        "L",
        "links",
        "Links",
        tooltip="List the open post's links, numbered, to follow one",
        id="main.links",
    ),
    Binding(
        "i",
        "toggle_pictures",
        "Pictures",
        show=False,
        tooltip="Turn the pictures in posts on or off (images in config.toml sets the start)",
        id="main.pictures",
    ),
    Binding(
        "I",
        "load_other_pictures",
        "Other sites' pictures",
        show=False,
        tooltip="Fetch the open post's pictures from other sites (not fetched unless asked)",
        id="main.other-pictures",
    ),
    Binding(
        "alt+left",
        "post_back",
        "Post back",
        show=False,
        tooltip="Back to the post you followed a link from",
        id="main.post-back",
    ),
    Binding(
        "alt+right",
        "post_forward",
        "Post forward",
        show=False,
        tooltip="Forward again to the post of the followed link",
        id="main.post-forward",
    ),
    Binding(
        "y",
        "copy_url",
        "Copy URL",
        show=False,
        tooltip="Copy the post's address (works over SSH too: OSC 52)",
        id="main.copy-url",
    ),
    Binding(
        "f",
        "cycle_kind",
        "Kinds",
        show=False,
        tooltip="Show only one kind: all → entries → links → quotations → notes → all",
        id="main.kind-filter",
    ),
    Binding(
        "r",
        "refresh_feed",
        "Refresh",
        tooltip="Fetch new posts for this tag",
        id="main.refresh",
    ),
    Binding("t", "switch_tag", "Tags", tooltip="Go to another tag", id="main.tags"),
    Binding(
        "slash",
        "search",
        "Search",
        key_display="/",
        tooltip="Search every cached post",
        id="main.search",
    ),
    Binding(
        "A",
        "archive",
        "Archive",
        show=False,
        tooltip="Download this tag's whole history (again: stop)",
        id="main.archive",
    ),
    Binding(
        "T",
        "choose_post_tag",
        "Post's tags",
        show=False,
        tooltip="Choose one of the open post's tags (←/→ move, enter go)",
        id="main.post-tags",
    ),
    Binding(
        "left_square_bracket",
        "tag_back",
        "Back",
        key_display="[",
        show=False,
        tooltip="Back to the previous tag in the history",
        id="main.tag-back",
    ),
    Binding(
        "right_square_bracket",
        "tag_forward",
        "Forward",
        key_display="]",
        show=False,
        tooltip="Forward in the tag history",
        id="main.tag-forward",
    ),
    Binding(
        "backspace",
        "tag_flip",
        "Flip tag",
        show=False,
        tooltip="Flip to the tag read before this one",
        id="main.tag-flip",
    ),
    Binding(
        "plus",
        "toggle_follow",
        "Follow",
        key_display="+",
        show=False,
        tooltip="Follow or unfollow this tag (R refreshes every followed tag)",
        id="main.follow",
    ),
    Binding(
        "R",
        "refresh_followed",
        "Refresh all",
        show=False,
        tooltip="Fetch new posts for every followed tag",
        id="main.refresh-followed",
    ),
    Binding(
        "F",
        "followed",
        "Followed",
        show=False,
        tooltip="The followed tags: unread counts, freshness, errors, related tags",
        id="main.followed",
    ),
    Binding(
        "U",
        "unread",
        "Unread",
        show=False,
        tooltip="Every unread post of the followed tags in one list (again: back to the tag)",
        id="main.unread",
    ),
    Binding(
        "P",
        "toggle_pin",
        "Pin tag",
        show=False,
        tooltip="Pin or unpin this tag (keys 1…9, saved in config.toml)",
        id="main.pin",
    ),
    *(
        Binding(
            str(number),
            f"go_pin({number})",
            f"Pinned tag {number}",
            show=False,
            tooltip="Go to a pinned tag",
            id=f"main.pin-{number}",
        )
        for number in range(1, MAX_PINS + 1)
    ),
]
