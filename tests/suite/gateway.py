"""A relay in front of the mock that sees each request's head on its way in: it can count
requests (the read-only proof) or cut the connection of one whose declared body is over a
limit, without an answer, as a real gateway may do with an oversize upload.

A plain TCP relay on loopback: answers flow back untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

CHUNK = 64 * 1024
# Called with a request's method, path and declared body length; False cuts the connection.
Inspect = Callable[[str, str, int], bool]


class Relay:
    """Listens on a free loopback port and relays to 127.0.0.1:`upstream_port`."""

    def __init__(self, upstream_port: int, inspect: Inspect) -> None:
        self.upstream_port = upstream_port
        self.inspect = inspect
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Relay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._server.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
            for sock in (client, upstream):  # a head and its body go out in separate sends:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stall
            threading.Thread(target=self._requests, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward request after request; cut where `inspect` says so."""
        buffered = b""
        with contextlib.suppress(OSError):
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = client.recv(CHUNK)
                    if not data:
                        return _close(client, upstream)
                    buffered += data
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                method, path, length = parse_head(head)
                if not self.inspect(method, path, length):
                    return _close(client, upstream)
                upstream.sendall(head + b"\r\n\r\n")
                while len(buffered) < length:
                    data = client.recv(CHUNK)
                    if not data:
                        return _close(client, upstream)
                    buffered += data
                upstream.sendall(buffered[:length])
                buffered = buffered[length:]


class CuttingGateway(Relay):
    """Cuts the connection of a request that declares a body over `limit` bytes."""

    def __init__(self, upstream_port: int, limit: int) -> None:
        super().__init__(upstream_port, self._passes)
        self.limit = limit
        self.cut = 0

    def _passes(self, method: str, path: str, length: int) -> bool:
        if length > self.limit:
            self.cut += 1
            return False
        return True


def parse_head(head: bytes) -> tuple[str, str, int]:
    """A request head's method, path and declared body length (0 without one)."""
    lines = head.split(b"\r\n")
    method, path, _ = lines[0].decode("latin-1").split(" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    return method, path, length


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(CHUNK):
            sink.sendall(data)
    _close(source, sink)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
