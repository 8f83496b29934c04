"""The command line's arguments: one parser per command, built only for the command given
(``read``, the default, when none is named)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from . import __version__
from .core.urls import DEFAULT_BASE_URL

COMMANDS = ("read", "fetch", "follow", "unfollow", "tags", "export", "search", "paths")
BASE_URL_ENV = "TUI_READER_BASE_URL"
EPILOG = """\
commands:
  [TAG]                 open the reader on TAG (default: the last tag read, else training-data)
  fetch TAG [TAG ...]   refresh the cache without the reader; one summary line per tag
  fetch TAG --all       download TAG's whole history (resumable; progress on stderr)
  fetch [--all]         the same for every followed tag
  fetch [TAG] --images  download the pictures of cached posts, to read offline (resumable)
  follow [TAG ...]      follow tags (kept in config.toml); alone: list the followed tags
  unfollow TAG ...      stop following tags
  tags                  cached tags with post counts and when each was last fetched
  export TAG            cached posts of TAG, newest first (--format jsonl|markdown)
  search QUERY          search every cached post (--tag TAG, --format text|jsonl, --limit N)
  paths                 where the cache and the settings live

TAG is a tag of simonwillison.net (e.g. llms) or up to three joined by + (ai+copyright).
QUERY: words, "a phrase", lant*, -word, tag:llms, kind:quote, year:2023 (quote it whole:
  tui-reader search '"prompt injection" -openai year:2024').
"""


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"the site to read (default: ${BASE_URL_ENV} or {DEFAULT_BASE_URL})",
    )
    common.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS,
        help="never touch the network; read the cache only",
    )
    return common


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (``read`` is the default command). With ``command``, only that
    command's options are built: all eight cost ~2 ms of every start of the reader."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="tui-reader",
        description="A terminal reader for the tagged archive of simonwillison.net.",
        usage="tui-reader [options] [TAG] | tui-reader [options] COMMAND ...",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"tui-reader {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_options) in _COMMAND_OPTIONS.items():
        if command in (None, name):
            add_options(commands.add_parser(name, parents=[common], help=help_text))
    return parser


def _read_options(read: argparse.ArgumentParser) -> None:
    read.add_argument("tag", nargs="?", help="the tag to open")
    read.add_argument("--demo", action="store_true", help="open a bundled sample feed, offline")


def _fetch_options(fetch: argparse.ArgumentParser) -> None:
    fetch.add_argument("tags", nargs="*", metavar="TAG", help="default: every followed tag")
    fetch.add_argument(
        "--all",
        action="store_true",
        help="download the whole history of each tag, resuming an interrupted download",
    )
    fetch.add_argument(
        "--page-size",
        type=_page_size,
        default=None,
        metavar="N",
        help="with --all: posts per page, 1-1000 (default 1000)",
    )
    fetch.add_argument(
        "--pause",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="with --all: pause between pages (default 1)",
    )
    fetch.add_argument(
        "--restart", action="store_true", help="with --all: start again from the newest page"
    )
    fetch.add_argument(
        "--images", action="store_true", help="download the pictures of the cached posts"
    )


def _follow_options(follow: argparse.ArgumentParser) -> None:
    follow.add_argument("tags", nargs="*", metavar="TAG")


def _unfollow_options(unfollow: argparse.ArgumentParser) -> None:
    unfollow.add_argument("tags", nargs="+", metavar="TAG")


def _export_options(export: argparse.ArgumentParser) -> None:
    export.add_argument("tag", metavar="TAG")
    export.add_argument("--format", choices=("jsonl", "markdown"), default="jsonl")


def _search_options(search: argparse.ArgumentParser) -> None:
    search.add_argument("query", nargs="*", metavar="QUERY")
    search.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="only posts tagged TAG"
    )
    search.add_argument("--format", choices=("text", "jsonl"), default="text")
    search.add_argument("--limit", type=_count, default=20, metavar="N", help="default 20")
    search.add_argument("--offset", type=_count, default=0, metavar="N", help="skip N results")


def _no_options(parser: argparse.ArgumentParser) -> None:
    """A command with only the common options."""


_COMMAND_OPTIONS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "read": ("open the reader", _read_options),
    "fetch": ("refresh tags without the UI", _fetch_options),
    "follow": ("follow tags, or list them", _follow_options),
    "unfollow": ("stop following tags", _unfollow_options),
    "tags": ("list cached tags", _no_options),
    "export": ("print a tag's cached posts", _export_options),
    "search": ("search cached posts", _search_options),
    "paths": ("show where files are kept", _no_options),
}


def _page_size(text: str) -> int:
    value = _count(text)
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("cannot be negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600")
    return value


def with_default_command(argv: Sequence[str]) -> list[str]:
    """Put ``read`` first unless a command is named (``read`` takes every global option)."""
    args = list(argv)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg == "--base-url":
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        if arg in COMMANDS:
            return args
        break
    if any(arg in ("-h", "--help", "--version") for arg in args[:index]):
        return args
    return ["read", *args]
