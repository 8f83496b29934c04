"""Recording everything the app and the command line send and open, step by step, and holding
it to the list in ``tui_reader.core.egress``.

Three recorders, installed with pytest's monkeypatch for one test:

- the loopback site's own log (``SiteServer.requests``): every request as it arrived, headers
  included — what is held to the list's kinds, triggers and headers;
- httpx's transport and the socket layer: every request or connection the process attempts,
  wherever it was going — one to any host but the loopback site is refused (it never leaves
  the machine) and reported;
- the browser: ``webbrowser.open`` (what Textual's ``App.open_url`` calls) records instead of
  opening.

A session is a list of :class:`Step`: what the user does, what that may send (a
:class:`~tui_reader.core.egress.Trigger`, or None: nothing) and open (an opener's name), and
which kinds it must send (so the session really shows each kind). :meth:`Egress.step` runs
one and returns its problems in words.
"""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.site_server import RecordedRequest, SiteServer
from tui_reader.core.egress import (
    Trigger,
    check_opened,
    check_request,
    opener_kind,
)
from tui_reader.core.models import Post

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass
class Step:
    """One thing the user does, and what it may send and open."""

    name: str
    act: Callable[[], Awaitable[object] | object]
    trigger: Trigger | tuple[Trigger, ...] | None = None
    opens: str | None = None
    expect: Mapping[str, int | None] = field(default_factory=dict)
    """Kinds this step must send: name → how many (None: at least one)."""


@dataclass
class Seen:
    """What a whole session sent and opened, by kind."""

    requests: dict[str, int] = field(default_factory=dict)
    openers: dict[str, int] = field(default_factory=dict)


class Egress:
    """The recorders of one test (see the module docstring)."""

    def __init__(
        self,
        site: SiteServer,
        monkeypatch: pytest.MonkeyPatch,
        others: Mapping[str, SiteServer] | None = None,
    ) -> None:
        self.site = site
        self.others = dict(others or {})
        """More loopback servers (another site's host), by the base URL they are reached at."""
        self._seen_of = {self.site.url: 0, **dict.fromkeys(self.others, 0)}
        self.attempted: list[str] = []  # every URL httpx was asked to send, any host
        self.refused: list[str] = []  # what was stopped from leaving the machine
        self.connections = 0  # sockets connected (or looked up) for any host
        self.opened: list[str] = []
        self.seen = Seen()
        self._marks = (0, 0, 0)
        self._install(monkeypatch)

    # -- recording ------------------------------------------------------------------------

    def _install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        send = httpx.HTTPTransport.handle_request
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        getaddrinfo = socket.getaddrinfo

        def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> Any:
            self.attempted.append(str(request.url))
            if request.url.host not in LOOPBACK:
                self.refused.append(f"a request to another host: {request.method} {request.url}")
                raise httpx.ConnectError("refused by the egress test", request=request)
            return send(transport, request)

        def guard(address: object) -> None:
            self.connections += 1
            host = address[0] if isinstance(address, tuple) else None
            if host is not None and host not in LOOPBACK:
                self.refused.append(f"a connection to another host: {address}")
                raise ConnectionRefusedError("refused by the egress test")

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard(address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard(address)
            return connect_ex(sock, address)

        def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is not None and name not in LOOPBACK:
                self.refused.append(f"a name looked up: {name}")
                raise socket.gaierror(socket.EAI_NONAME, "refused by the egress test")
            return getaddrinfo(host, *args, **kwargs)

        def record_open(url: str, *args: Any, **kwargs: Any) -> bool:
            self.opened.append(url)
            return True

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
        monkeypatch.setattr(socket.socket, "connect", guarded_connect)
        monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
        for name in ("open", "open_new", "open_new_tab"):
            monkeypatch.setattr(webbrowser, name, record_open)

    @property
    def total(self) -> int:
        """Requests and connections of any kind so far (0 for a session that sends nothing)."""
        served = sum(len(server.requests) for server in self.others.values())
        return len(self.site.requests) + served + len(self.attempted) + self.connections

    # -- checking -------------------------------------------------------------------------

    def _servers(self) -> list[tuple[str, SiteServer]]:
        return [(self.site.url, self.site), *self.others.items()]

    def _new(self, base: str, server: SiteServer) -> list[RecordedRequest]:
        """The requests ``server`` saw since the last check."""
        done = self._seen_of[base]
        new = server.requests[done:]
        self._seen_of[base] = done + len(new)
        return new

    async def step(self, step: Step, posts: Callable[[], Iterable[Post]]) -> list[str]:
        """Run ``step``, let what it started finish, and return its problems in words."""
        result = step.act()
        if isinstance(result, Awaitable):
            await result
        return self.check(step, posts)

    def check(self, step: Step, posts: Callable[[], Iterable[Post]]) -> list[str]:
        """The problems of what was sent and opened since the last check, for ``step``."""
        _attempted, refused, opened = self._marks
        new_requests = [
            (base, request)
            for base, server in self._servers()
            for request in self._new(base, server)
        ]
        new_refused = self.refused[refused:]
        new_opened = self.opened[opened:]
        self._marks = (
            len(self.attempted),
            refused + len(new_refused),
            opened + len(new_opened),
        )
        problems = [f"{step.name}: {what} (refused, never left)" for what in new_refused]
        counts: dict[str, int] = {}
        known = list(posts()) if new_requests or new_opened else []
        for base, request in new_requests:
            url = base + request.target
            verdict = check_request(
                request.method,
                url,
                request.headers,
                base_url=self.site.url,
                trigger=step.trigger,
                posts=known,
            )
            problems += [f"{step.name}: {problem}" for problem in verdict.problems]
            if verdict.kind is not None and not verdict.problems:
                counts[verdict.kind.name] = counts.get(verdict.kind.name, 0) + 1
        for name, wanted in step.expect.items():
            got = counts.get(name, 0)
            if (wanted is None and got == 0) or (wanted is not None and got != wanted):
                many = "at least one" if wanted is None else str(wanted)
                problems.append(f"{step.name}: expected {many} {name} request(s), saw {got}")
        opener = opener_kind(step.opens) if step.opens is not None else None
        for url in new_opened:
            problems += [f"{step.name}: {p}" for p in check_opened(url, opener, known)]
        if opener is not None and not new_opened:
            problems.append(f"{step.name}: expected {opener.name} to open an address, none was")
        for name, count in counts.items():
            self.seen.requests[name] = self.seen.requests.get(name, 0) + count
        if opener is not None and new_opened:
            self.seen.openers[opener.name] = self.seen.openers.get(opener.name, 0) + 1
        return problems
