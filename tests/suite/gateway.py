"""A gateway in front of the mock that cuts the connection of a request whose declared body
is over a limit, without an answer, as a real gateway may do with an oversize upload.

A plain TCP relay on loopback: it reads each request's head on its way in, forwards what
fits and closes both sides on a body over `limit`; answers flow back untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit

CHUNK = 64 * 1024


class CuttingGateway:
    """Listens on a free loopback port and relays to `upstream` (an http://host:port)."""

    def __init__(self, upstream: str, limit: int) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.limit = limit
        self.cut = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> CuttingGateway:
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
            upstream = socket.create_connection(self.upstream, timeout=30)
            threading.Thread(target=self._requests, args=(client, upstream),
                             daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward request after request; cut at a head that declares too long a body."""
        buffered = b""
        with contextlib.suppress(OSError):
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = client.recv(CHUNK)
                    if not data:
                        return _close(client, upstream)
                    buffered += data
                head, _, rest = buffered.partition(b"\r\n\r\n")
                length = _content_length(head)
                if length > self.limit:
                    self.cut += 1
                    return _close(client, upstream)
                upstream.sendall(head + b"\r\n\r\n")
                buffered = rest
                while len(buffered) < length:
                    data = client.recv(CHUNK)
                    if not data:
                        return _close(client, upstream)
                    buffered += data
                upstream.sendall(buffered[:length])
                buffered = buffered[length:]


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip() or 0)
    return 0


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
