"""The real app in a real pseudo-terminal, on a feed full of terminal escape sequences.

``python -m tui_reader`` runs in a pty (120x40, ``TERM=xterm-256color``) against the loopback
site, whose feed carries escape sequences raw in titles and tags, and as character references
(``&#x1b;``, ``&#x9b;``) and raw C1 characters in bodies: window-title changes, OSC 52
clipboard writes, OSC 8 hyperlinks, colours, screen clears, bidi overrides. The test waits for
the list, opens a post (Enter), waits for its body, quits (q), and then searches every byte
the app wrote to the terminal: none of the feed's sequences may be there, while the harmless
words around them must be.
"""

from __future__ import annotations

import base64
import os
import select
import signal
import struct
import sys
import time
from pathlib import Path

import pytest

from tests.site_server import SiteServer
from tests.sitefeeds import FakePost, utc, wrap_body

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "forkpty"), reason="needs a POSIX pseudo-terminal"
)

ROOT = Path(__file__).resolve().parents[1]
TAG = "escapes"
CLIPBOARD = base64.b64encode(b"PWNED-CLIPBOARD").decode()
ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"

# Sequences a terminal would act on, each with a unique payload to look for in the output.
TITLE_SEQUENCES = [
    f"{ESC}]0;PWNED-WINDOW-TITLE{BEL}",
    f"{ESC}]52;c;{CLIPBOARD}{BEL}",
    f"{ESC}]8;;https://evil.example/PWNED-LINK{ST}",
    f"{ESC}[31mPWN-RED{ESC}[0m",
    "\u202ePWN-REVERSED\u202c",
]
BODY_SEQUENCES = [
    f"{ESC}]2;PWNED-BODY-TITLE{BEL}",
    f"{ESC}]52;c;{CLIPBOARD}{ST}",
    f"{ESC}[2J{ESC}[HPWN-CLEARED",
    "\x9b32mPWN-C1-CSI",
    "\x9d0;PWNED-C1-OSC\x9c",
    "\u2066PWN-ISOLATE\u2069",
]
# What must never appear in the bytes written to the terminal.
FORBIDDEN = [
    b"\x1b]0;PWNED",
    b"\x1b]2;PWNED",
    b"\x1b]52;c;" + CLIPBOARD.encode(),
    b"\x1b]8;;https://evil.example",
    b"\x1b[31mPWN",
    b"\x1b[2J\x1b[HPWN",
    "\x9b".encode(),  # C1 CSI as a character (UTF-8 C2 9B)
    "\x9d".encode(),  # C1 OSC
    "\x9c".encode(),  # C1 ST
    "\u202e".encode(),
    "\u2066".encode(),
    b"PWNED-WINDOW-TITLE\x07",
]


def as_references(text: str) -> str:
    """``text`` with every non-printable character as an HTML character reference."""
    return "".join(f"&#x{ord(c):x};" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text)


def hostile_posts() -> list[FakePost]:
    inner = (
        "<p>BODYVISIBLE words before "
        + " ".join(as_references(sequence) for sequence in BODY_SEQUENCES)
        + "</p><p>Raw C1 in text: "
        + " ".join(s for s in BODY_SEQUENCES if s[0] in "\x9b\x9d\u2066")
        + f'</p><p><a href="javascript:alert(1)">a link</a> and <a href="https://evil.example/x">'
        f"another</a> and {as_references(TITLE_SEQUENCES[2])}fake link{as_references(ST)}</p>"
    )
    tags = (TAG, f"tag{ESC}]0;PWNED-WINDOW-TITLE{BEL}")
    return [
        FakePost(
            f"escape-{n}",
            f"HARMLESSTITLE{n} {sequence} end",
            "entry",
            utc(2026, 4, 10 - n),
            tags,
            wrap_body(inner, tags),
        )
        for n, sequence in enumerate(TITLE_SEQUENCES)
    ]


class Terminal:
    """A child process on the slave side of a pty, and everything it has written."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int) -> None:
        import fcntl
        import termios

        pid, fd = os.forkpty()
        if pid == 0:  # the child: size the terminal, then become the app
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.chdir(ROOT)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.closed = False

    def read_until(self, needle: bytes, timeout: float) -> bool:
        """Collect output until ``needle`` appears (True), the child closes it, or timeout."""
        deadline = time.monotonic() + timeout
        while needle not in self.output and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: the child has gone
                    chunk = b""
                if not chunk:
                    self.closed = True
                self.output += chunk
        return needle in self.output

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def finish(self, timeout: float) -> int | None:
        """Read until the child exits; its exit status (None if it had to be killed)."""
        self.read_until(b"\x00never\x00", timeout)
        for _ in range(50):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.1)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return None


def test_no_escape_sequence_from_the_feed_reaches_the_terminal(
    site: SiteServer, tmp_path: Path
) -> None:
    site.add_tag(TAG, hostile_posts())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEXTUAL", "XDG_", "TUI_READER"))
    }
    env.update(
        TERM="xterm-256color",
        COLUMNS="160",
        LINES="40",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    argv = [sys.executable, "-m", "tui_reader", TAG, "--base-url", site.url]
    terminal = Terminal(argv, env, cols=160, rows=40)
    try:
        assert terminal.read_until(b"HARMLESSTITLE0", 60), bytes(terminal.output[-2000:])
        assert terminal.read_until(b"BODYVISIBLE", 30), bytes(terminal.output[-2000:])
        terminal.send(b"\r")  # open the highlighted post in the reading pane
        time.sleep(1.0)
        terminal.read_until(b"\x00never\x00", 1.0)
        terminal.send(b"q")
        status = terminal.finish(30)
    except BaseException:
        os.kill(terminal.pid, signal.SIGKILL)
        raise
    output = bytes(terminal.output)
    assert status == 0, output[-2000:]
    assert site.requests_to(f"/tags/{TAG}.atom"), "the app never fetched the feed"
    for needle in FORBIDDEN:
        at = output.find(needle)
        assert at < 0, f"{needle!r} reached the terminal: {output[max(0, at - 80) : at + 80]!r}"
    # The harmless words around the sequences were shown, defanged.
    for visible in (
        b"HARMLESSTITLE0",
        b"HARMLESSTITLE4",
        b"BODYVISIBLE",
        b"PWN-RED",
        b"PWN-C1-CSI",
    ):
        assert visible in output, visible
