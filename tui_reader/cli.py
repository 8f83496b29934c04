"""The ``tui-reader`` command line: open the reader, or fetch, follow, list, export and locate
the cache."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .cli_args import BASE_URL_ENV, COMMANDS, build_parser, with_default_command
from .core.cache.store import Store
from .core.errors import ReaderError
from .core.tags import validate_tag
from .core.urls import DEFAULT_BASE_URL, normalise_base_url
from .core.user import paths
from .startup import pause_collector, resume_collector

if TYPE_CHECKING:
    from .core.cache.search import SearchHit
    from .core.user.settings import Settings


class UsageError(Exception):
    """A mistake on the command line (exit status 2)."""


def _base_url(args: argparse.Namespace) -> str:
    raw = getattr(args, "base_url", None) or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        return normalise_base_url(raw)
    except ValueError as error:
        raise UsageError(f"--base-url: {error}") from error


def _ago(moment: datetime | None, now: datetime) -> str:
    from .core.feed.dates import ago

    return "never" if moment is None else ago(now - moment)


def _open_store() -> Store:
    store = Store(paths.database_path())
    if store.notice:
        print(f"tui-reader: {store.notice}", file=sys.stderr)
    return store


def cmd_read(args: argparse.Namespace) -> int:
    """Open the reader."""
    pause_collector()  # the reader resumes it once its first screen is painted
    try:
        from .app import run_reader

        tag = validate_tag(args.tag) if args.tag is not None else None
        return run_reader(
            tag, base_url=_base_url(args), offline=getattr(args, "offline", False), demo=args.demo
        )
    finally:
        resume_collector()  # in case the reader ended before painting


def cmd_fetch(args: argparse.Namespace) -> int:
    """Refresh each tag (none: every followed tag); exit 0 only if every one succeeded."""
    if getattr(args, "offline", False):
        raise UsageError("fetch needs the network, and --offline was given")
    if not args.all and (args.page_size is not None or args.pause is not None or args.restart):
        raise UsageError("--page-size, --pause and --restart go with --all")
    if args.images:
        if args.all:
            raise UsageError("--images downloads the pictures of cached posts: fetch --all first")
        from .cli_pictures import fetch_pictures

        return fetch_pictures(
            args.tags, base_url=_base_url(args), open_store=_open_store, settings=_settings
        )
    if not args.tags:
        return _fetch_followed(args)
    if args.all:
        return _fetch_all(args)
    from .core.net.fetch import new_client
    from .core.net.refresh import refresh_facts, refresh_tag

    base_url = _base_url(args)
    failures = 0
    tags: list[str] = []
    for raw in args.tags:  # refused before any request or file access
        try:
            tags.append(validate_tag(raw))
        except ReaderError as error:
            failures += 1
            print(f"tui-reader: {error.message}", file=sys.stderr)
    if not tags:
        return 1
    with _open_store() as store, new_client() as client:
        for tag in tags:
            try:
                result = refresh_tag(store, tag, base_url=base_url, client=client)
            except ReaderError as error:
                failures += 1
                print(f"tui-reader: {tag}: {error.message}", file=sys.stderr)
                continue
            print(result.describe())
            if result.facts is None:  # the tag's size and description, kept for the reader
                with suppress(ReaderError):
                    refresh_facts(store, tag, base_url=base_url, client=client)
        _convert_pending(store)
    return 1 if failures else 0


def _convert_pending(store: Store, processes: int | None = None) -> None:
    """Make the Markdown of posts fetched without it, so export and search see them (on
    every core unless ``processes`` says how many).

    A cache that cannot be written (read-only, full) is left as it is: reading goes on.
    """
    from .core.cache.markdown_backfill import convert_pending
    from .core.cache.parallel_backfill import available_cores
    from .core.errors import CacheError

    with suppress(CacheError):
        convert_pending(store, processes=processes or available_cores())


def _fetch_all(args: argparse.Namespace) -> int:
    """Download each tag's whole history, a progress line per page on stderr."""
    from .core.cache.page_backfill import PageBackfill
    from .core.cache.parallel_backfill import available_cores
    from .core.net.archive import ArchiveOptions, ArchiveProgress, archive_tag
    from .core.net.fetch import new_client

    defaults = ArchiveOptions()
    options = ArchiveOptions(
        page_size=defaults.page_size if args.page_size is None else args.page_size,
        pause=defaults.pause if args.pause is None else args.pause,
    )

    def progress(report: ArchiveProgress) -> None:
        if report.fetched == 0 and not report.done:  # a walk begins: big ones convert as they go
            backfill.expect(report.expected)
        if not report.done or report.complete:
            print(report.describe(), file=sys.stderr, flush=True)

    base_url = _base_url(args)
    failures = 0
    current = ""
    try:
        with (
            _open_store() as store,
            new_client(options.limits) as client,
            PageBackfill(store, available_cores()) as backfill,
        ):
            for raw in args.tags:
                current = raw
                try:
                    result = archive_tag(
                        store,
                        raw,
                        base_url=base_url,
                        client=client,
                        options=options,
                        on_progress=progress,
                        on_stored=backfill.page_stored,
                        on_parsed=backfill.page_parsed,
                        parse_page=backfill.parse_page,
                        restart=args.restart,
                    )
                except ReaderError as error:
                    failures += 1
                    print(f"tui-reader: {raw}: {error.message}", file=sys.stderr)
                    continue
                print(result.describe(), flush=True)
            print("converting new posts to Markdown for reading and search…", file=sys.stderr)
            backfill.finish()
            _convert_pending(store, processes=1 if backfill.failed else None)
    except KeyboardInterrupt:
        print(f"tui-reader: {current}: interrupted; run again to resume", file=sys.stderr)
        return 130
    return 1 if failures else 0


# -- the followed tags --------------------------------------------------------------------

NOTHING_FOLLOWED = "Not following any tag. Follow some with: tui-reader follow llms training-data"


def _settings() -> Settings:
    """The settings, their problems said on stderr; a broken file raises SettingsError."""
    from .core.user.settings import read_settings

    settings = read_settings(paths.config_path())
    for problem in settings.problems:
        print(f"tui-reader: {problem}", file=sys.stderr)
    return settings


def _print_followed() -> int:
    """Print every followed tag, one a line, pinned ones marked."""
    from .core.user.settings import followed_tags

    settings = _settings()
    tags = followed_tags(settings)
    if not tags:
        print(NOTHING_FOLLOWED)
    for tag in tags:
        print(f"{tag}  (pinned)" if tag in settings.pins else tag)
    return 0


def cmd_follow(args: argparse.Namespace) -> int:
    """Follow the tags given (none: list the followed tags)."""
    from .core.user.settings import follow_tags

    if args.tags:
        follow_tags(paths.config_path(), [validate_tag(tag) for tag in args.tags])
    return _print_followed()


def cmd_unfollow(args: argparse.Namespace) -> int:
    """Stop following the tags given; a pinned tag stays followed (a note says so)."""
    from .core.user.settings import read_settings, unfollow_tags

    tags = [validate_tag(tag) for tag in args.tags]
    before = read_settings(paths.config_path())
    unfollow_tags(paths.config_path(), tags)
    for tag in tags:
        if tag in before.pins:
            print(
                f"tui-reader: {tag} is pinned, so it stays followed; unpin it (P in the reader)"
                " or remove it from pins in config.toml",
                file=sys.stderr,
            )
        elif tag not in before.follow:
            print(f"tui-reader: {tag} was not followed", file=sys.stderr)
    return _print_followed()


def _fetch_followed(args: argparse.Namespace) -> int:
    """``fetch`` with no tag: every followed tag, a line each; exit 0 only if all succeeded."""
    from .core.net.follow import refresh_tags
    from .core.user.settings import followed_tags

    tags = followed_tags(_settings())
    if not tags:
        print(f"tui-reader: nothing to fetch. {NOTHING_FOLLOWED}", file=sys.stderr)
        return 1
    if args.all:
        args.tags = list(tags)
        return _fetch_all(args)

    def progress(done: int, total: int, tag: str) -> None:
        if sys.stderr.isatty():
            print(f"\r\x1b[Kfetching {done + 1} of {total}: {tag}", end="", file=sys.stderr)

    base_url = _base_url(args)
    with _open_store() as store:
        # The command line always asks: the ten-minute politeness is for the reader's timer.
        outcomes = refresh_tags(
            store, tags, base_url=base_url, min_age=timedelta(0), on_progress=progress
        )
        if sys.stderr.isatty():
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)
        for outcome in outcomes:
            if outcome.ok:
                print(outcome.describe())
            else:
                print(f"tui-reader: {outcome.describe()}", file=sys.stderr)
        _convert_pending(store)
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def cmd_tags(args: argparse.Namespace) -> int:
    """List the cached tags."""
    now = datetime.now(UTC)
    with _open_store() as store:
        infos = store.list_tags()
        archives = {info.tag: store.archive_state(info.tag) for info in infos}
    if not infos:
        print("No tags cached yet. Fetch one with: tui-reader fetch training-data")
        return 0
    width = max(len(info.tag) for info in infos)
    for info in infos:
        fetched = info.fetched_at.strftime("%Y-%m-%d %H:%M UTC") if info.fetched_at else "-"
        ago = _ago(info.fetched_at, now)
        archive = archives.get(info.tag)
        note = ""
        if archive is not None:
            note = ", whole archive" if archive.complete else ", archive incomplete (fetch --all)"
        print(f"{info.tag:<{width}}  {info.count:>6} posts  fetched {fetched} ({ago}){note}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Print a tag's cached posts."""
    from .core.cache.export import jsonl_lines, markdown_document

    tag = validate_tag(args.tag)
    from .core.cache.markdown_backfill import needs_markdown, to_markdown

    with _open_store() as store:
        _convert_pending(store)
        posts = [
            replace(post, markdown=to_markdown(post.html, post.url))
            if needs_markdown(post)  # the cache could not be written: convert for this export
            else post
            for post in store.posts(tag)
        ]
    if not posts:
        print(
            f"tui-reader: no cached posts tagged '{tag}'. Fetch them with: tui-reader fetch {tag}",
            file=sys.stderr,
        )
        return 1
    if args.format == "jsonl":
        for line in jsonl_lines(posts):
            print(line)
    else:
        sys.stdout.write("".join(markdown_document(tag, posts)))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search every cached post; exit 1 when nothing matches."""
    from .core.cache.search import parse_query, search

    text = " ".join(args.query)
    query = parse_query(text).with_tags(args.tag)
    if query.is_empty:
        raise UsageError('nothing to search for: give words, a "phrase" or a qualifier')
    with _open_store() as store:
        _convert_pending(store)  # bodies fetched by the app but not yet converted
        results = search(store, query, limit=args.limit, offset=args.offset)
    if not results.hits:
        more = " on that page" if results.total else ""
        print(
            f"tui-reader: no cached post matches{more}. Download more with:"
            " tui-reader fetch TAG --all",
            file=sys.stderr,
        )
        return 1
    for hit in results.hits:
        if args.format == "jsonl":
            print(json.dumps(_hit_object(hit), ensure_ascii=False))
            continue
        tags = ", ".join(hit.tags)
        print(f"{hit.published:%Y-%m-%d}  {hit.kind.label:<7}  {hit.title}  [{tags}]")
        print(f"    {hit.snippet_text()}")
        print(f"    {hit.url}\n")
    if args.format == "text":
        shown = f"{results.offset + 1}-{results.offset + len(results.hits)}"
        print(f"{shown} of {results.total:,} matching posts", file=sys.stderr)
    return 0


def _hit_object(hit: SearchHit) -> dict[str, object]:
    """One search result as JSON: the post's fields, its score, the snippet and match spans."""
    snippet = ""
    matches: list[list[int]] = []
    for segment in hit.snippet:
        if segment.match:
            matches.append([len(snippet), len(snippet) + len(segment.text)])
        snippet += segment.text
    return {
        "id": hit.id,
        "url": hit.url,
        "title": hit.title,
        "kind": str(hit.kind),
        "published": hit.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tags": list(hit.tags),
        "score": hit.score,
        "snippet": snippet,
        "matches": matches,
    }


def cmd_paths(args: argparse.Namespace) -> int:
    """Show where files are kept."""
    print(f"cache:    {paths.database_path()}")
    print(f"settings: {paths.config_path()}")
    print(f"state:    {paths.state_path()}")
    print(f"pictures: {paths.pictures_dir()}")
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "read": cmd_read,
    "fetch": cmd_fetch,
    "follow": cmd_follow,
    "unfollow": cmd_unfollow,
    "tags": cmd_tags,
    "export": cmd_export,
    "search": cmd_search,
    "paths": cmd_paths,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = with_default_command(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments and arguments[0] in COMMANDS else None)
    args = parser.parse_args(arguments)
    if args.command != "read":
        resume_collector()  # paused by ``tui_reader.__main__``: only the reader's start waits
    try:
        return HANDLERS[args.command](args)
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"tui-reader: error: {error}", file=sys.stderr)
        return 2
    except ReaderError as error:
        print(f"tui-reader: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); silence the flush at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: one line, not a traceback (TUI_READER_DEBUG=1 shows it)
        if os.environ.get("TUI_READER_DEBUG"):
            raise
        print(
            f"tui-reader: unexpected error ({type(error).__name__}: {error})."
            " Run again with TUI_READER_DEBUG=1 for details, and please report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
