"""The mock over real HTTP: `serve_in_thread` for tests and the plugin, and the uvicorn
set-up the command shares with it.

The socket is bound before the app is made, so the app knows its own origin (the token
issuer and the prefix of blob links) even on a port the OS chose.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .arrival import arrival_protocol
from .settings import MockSettings
from .state import MockState
from .target_file import render_target, write_target_file


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say so, and with Nagle on every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def origin_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host).is_unspecified:
        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def uvicorn_server(app: Starlette, read_timeout_seconds: int = MockSettings.read_timeout_seconds
                   ) -> uvicorn.Server:
    """No access log: blob URLs carry signatures and nothing secret may reach a log.
    Requests must arrive within `read_timeout_seconds` (arrival.py)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3,
                            http=arrival_protocol(read_timeout_seconds))
    return uvicorn.Server(config)


class RunningMock:
    """A mock serving on loopback in a daemon thread; stop it, or use it as a context."""

    def __init__(self, app: Starlette, origin: str, sock: socket.socket) -> None:
        self.app = app
        self.origin = origin
        self._sock = sock
        self._server = uvicorn_server(app, self.settings.read_timeout_seconds)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                         name=f"itwins-mock {origin}", daemon=True)

    @property
    def state(self) -> MockState:
        state: MockState = self.app.state.mock
        return state

    @property
    def settings(self) -> MockSettings:
        return self.state.settings

    @property
    def base_url(self) -> str:
        return f"{self.origin}/itwins"

    @property
    def control_url(self) -> str:
        return f"{self.origin}/__mock__"

    @property
    def control_secret(self) -> str:
        """What the control API wants in its X-Mock-Control-Secret header."""
        return self.state.control_secret

    def target_toml(self) -> str:
        return render_target(self.state, self.origin)

    def write_target(self, path: str | os.PathLike[str]) -> Path:
        return write_target_file(path, self.target_toml())

    def start(self, timeout: float = 10.0) -> RunningMock:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the mock did not start on {self.origin}")
            time.sleep(0.01)
        # trust_env=False: a proxy from the environment must not carry a loopback probe.
        httpx.get(f"{self.origin}/openapi.json", timeout=timeout, trust_env=False
                  ).raise_for_status()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> RunningMock:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def serve_in_thread(settings: MockSettings | None = None, host: str = "127.0.0.1",
                    port: int = 0) -> RunningMock:
    """Start a mock on host:port (default: a free loopback port) and wait until it answers."""
    sock = bind(host, port)
    origin = origin_of(sock)
    return RunningMock(create_app(settings, public_url=origin), origin, sock).start()
