"""Which picture graphics the terminal can show, decided from the environment alone.

Asking the terminal (a query written to it, an answer read back) would compete with Textual's
input thread and add a round trip to every start, so nothing is asked: the choice comes from
the variables terminals set, and from the ``images`` setting, which can force one. It is made
when the first picture is drawn, never before the first frame. No Textual or Rich here.

Which terminal gets what (each claim checked, sources in the comments below):

- Kitty graphics with Unicode placeholders: kitty (0.28 and later; an older one, as its
  installation tells, gets blocks), Ghostty. Not WezTerm nor Konsole, which speak the Kitty
  protocol but not its placeholders, so they get Sixel.
- Sixel: foot, WezTerm, iTerm2, Windows Terminal (1.22+), Konsole (22.04+), mlterm.
- Half-cell blocks: anything else, and always inside tmux or screen (in auto), without a
  terminal (tests, pipes), when 24-bit colour is not on (placeholders carry the picture's id
  in their colour), and for Sixel when the terminal does not tell its cells' pixel size
  (the rows would not line up with the text).
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass

KITTY, SIXEL, BLOCKS = "kitty", "sixel", "blocks"
DEFAULT_CELL = (10, 20)
"""A cell's pixels (width, height) when the terminal does not say."""
SIXEL_BUILT = True
"""Whether this build draws Sixel (``widgets/picture_sixel.py``)."""


@dataclass(frozen=True, slots=True)
class Graphics:
    """How pictures are drawn: ``kind`` is "kitty", "sixel" or "blocks"; ``tmux``: escape
    sequences are wrapped for tmux's passthrough (only when a protocol was forced in tmux)."""

    kind: str
    tmux: bool = False


def detect(environ: Mapping[str, str]) -> str:
    """The best graphics the terminal described by ``environ`` is known to show."""
    term = environ.get("TERM", "")
    program = environ.get("TERM_PROGRAM", "")
    if environ.get("TMUX") or term.startswith(("screen", "tmux")) or program == "tmux":
        return BLOCKS  # a multiplexer: what reaches the terminal is not known
    # kitty: the protocol's home (https://sw.kovidgoyal.net/kitty/graphics-protocol/); its
    # Unicode placeholders came with 0.28.0 (kovidgoyal/kitty#5664), after Debian 12's 0.26.5.
    if term == "xterm-kitty" or environ.get("KITTY_WINDOW_ID"):
        version = kitty_version(environ)
        return KITTY if version is None or version >= (0, 28, 0) else BLOCKS
    # Ghostty: placeholders since ghostty-org/ghostty#2015 (2024).
    if term == "xterm-ghostty" or program.lower() == "ghostty":
        return KITTY
    # WezTerm has no Unicode placeholders (kitty's author in junegunn/fzf#3486; also
    # yorukot/superfile#1546), but Sixel (wezterm/wezterm#1711).
    # foot: Sixel, TERM foot or foot-extra (atanunq/viuer#32, hpjansson/chafa#59).
    # iTerm2: Sixel since 3.3 (hackerb9/lsix#24). mlterm: Sixel (terminfo.dev sixel page).
    if term.startswith(("foot", "mlterm")) or program in ("WezTerm", "iTerm.app"):
        return SIXEL
    # Windows Terminal: Sixel on by default since 1.22 (smasher164/arewesixelyet#47).
    if environ.get("WT_SESSION"):
        return SIXEL
    # Konsole: Sixel since 22.04 (hackerb9/lsix#57; 22.03.70 per hpjansson/chafa#204); no
    # Unicode placeholders (3rd/image.nvim#74).
    if _number(environ.get("KONSOLE_VERSION", "")) >= 220370:
        return SIXEL
    return BLOCKS


def kitty_version(environ: Mapping[str, str]) -> tuple[int, ...] | None:
    """The version of the kitty running us, read from its installation (the folder kitty
    names in ``KITTY_INSTALLATION_DIR``; a file, not a question to the terminal), or None
    when it cannot be told (over ssh, a packed build)."""
    folder = environ.get("KITTY_INSTALLATION_DIR")
    if not folder:
        return None
    try:
        with open(os.path.join(folder, "kitty", "constants.py"), encoding="utf-8") as file:
            text = file.read(20_000)
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r"^version[^=\n]*=\s*Version\((\d+),\s*(\d+),\s*(\d+)\)", text, re.M)
    return tuple(int(part) for part in found.groups()) if found else None


def choose(
    setting: str,
    environ: Mapping[str, str] | None = None,
    *,
    terminal: bool,
    truecolor: bool,
    cell_known: bool = True,
    sixel_built: bool = SIXEL_BUILT,
) -> Graphics:
    """The graphics for ``images = setting`` ("auto", "blocks", "kitty" or "sixel").

    ``terminal``: the app draws on a real terminal (not headless, output a tty);
    ``truecolor``: the app writes 24-bit colours; ``cell_known``: the terminal told its cells'
    pixel size. A forced protocol is used as asked (in tmux, wrapped for its passthrough), but
    Sixel only when built and the cell size is known (else its rows would not line up with the
    text), Kitty only with 24-bit colour; "auto" is :func:`detect` on a terminal, else blocks.
    """
    environ = os.environ if environ is None else environ
    in_tmux = bool(environ.get("TMUX"))
    if setting == KITTY:
        return Graphics(KITTY, tmux=in_tmux) if truecolor else Graphics(BLOCKS)
    sixel = sixel_built and cell_known
    if setting == SIXEL:
        return Graphics(SIXEL, tmux=in_tmux) if sixel else Graphics(BLOCKS)
    if setting != "auto" or not terminal:
        return Graphics(BLOCKS)
    kind = detect(environ)
    if (kind == KITTY and not truecolor) or (kind == SIXEL and not sixel):
        return Graphics(BLOCKS)
    return Graphics(kind)


def cell_pixels(fds: tuple[int, ...] = (2, 1, 0)) -> tuple[int, int]:
    """A cell's size in pixels (width, height): :func:`terminal_cell`, else
    :data:`DEFAULT_CELL`."""
    return terminal_cell(fds) or DEFAULT_CELL


def terminal_cell(fds: tuple[int, ...] = (2, 1, 0)) -> tuple[int, int] | None:
    """A cell's size in pixels from the terminal's window size (``TIOCGWINSZ``: its pixels
    over its cells) on the first of ``fds`` that is a terminal; None when none says."""
    try:
        import fcntl
        import termios
    except ImportError:  # Windows: no ioctl
        return None
    for fd in fds:
        try:
            packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            continue
        return cell_from_winsize(packed)
    return None


def cell_from_winsize(packed: bytes) -> tuple[int, int] | None:
    """A cell's pixels from a packed ``struct winsize`` (rows, columns, x pixels, y pixels);
    None when the terminal leaves the pixels at 0 or gives nonsense."""
    rows, columns, width, height = struct.unpack("HHHH", packed[:8])
    if rows < 1 or columns < 1 or width < columns or height < rows:
        return None
    cell = (width // columns, height // rows)
    return cell if 2 <= cell[0] <= 200 and 2 <= cell[1] <= 400 else None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0
