"""A hostile HTTP server on loopback, for the client's and the reports' tests.

What it does depends on the first segment of the path, so one server can stand in for
several targets (`base_url = http://127.0.0.1:PORT/<behaviour>/itwins`):

- `huge`: 200 with `Content-Length` of HUGE_BYTES, then that many bytes of JSON-ish
  padding, as fast as the client reads;
- `huge-chunked`: the same without a length (chunked), never ending;
- `sized/N`: 200 with exactly N bytes (a legitimate large blob, say);
- `gzip-bomb`: 200, `Content-Encoding: gzip`, 64 KiB on the wire that inflate to 64 MiB;
- `trickle-body`: 200 and its headers, then one byte of body every TRICKLE_SECONDS,
  never ending;
- `trickle-headers`: the status line, then one byte of a header every TRICKLE_SECONDS,
  never ending;
- `echo`: 200 with a small JSON body that echoes the request's bearer token in the forms
  a careless server might: JSON-escaped slashes (`\\/`), URL-encoded and base64;
- `token`: a token endpoint's answer, with the opaque RUNTIME_TOKEN (for a persona with
  client credentials, whose token only the run itself knows).

Whatever the behaviour, a `GET <behaviour>/itwins/<id>` without a token gets the API's
documented 401 (`HeaderNotFound`): the preflight (conformance.preflight) asks just that to
tell the API from something else, so the run goes on and the hostility meets the tests.

Every connection is served in a daemon thread and ends when the client goes away.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import re
import socket
import socketserver
import threading
import time
import zlib
from types import TracebackType
from urllib.parse import quote

from conformance.contract import error_body

HUGE_BYTES = 524 * 1024 * 1024
BOMB_INFLATED = 64 * 1024 * 1024
TRICKLE_SECONDS = 0.2
_BLOCK = b"[" + b" " * (64 * 1024 - 2) + b"]"


def echo_body(token: str) -> bytes:
    """The token as a careless server shows it back: JSON with `\\/`, URL-encoded, base64."""
    escaped = json.dumps(token)[1:-1].replace("/", "\\/")
    encoded = base64.b64encode(token.encode()).decode()
    return (f'{{"echo":"{escaped}","query":"token={quote(token, safe="")}",'
            f'"basic":"{encoded}"}}').encode()


class _Handler(socketserver.BaseRequestHandler):
    request: socket.socket

    def handle(self) -> None:
        head = self._read_head()
        if head is None:
            return
        line, _, rest = head.partition(b"\r\n")
        path = line.split(b" ")[1].decode("latin-1") if line.count(b" ") >= 2 else "/"
        headers = {k.strip().lower(): v.strip() for k, _, v in (
            h.decode("latin-1").partition(":") for h in rest.split(b"\r\n") if h)}
        self._skip_body(int(headers.get("content-length", "0") or 0))
        behaviour, _, self._rest = path.lstrip("/").partition("/")
        if (line.startswith(b"GET ") and "authorization" not in headers
                and re.fullmatch(r"itwins/[^/?]+", self._rest)):
            self._header_not_found()
            return
        with contextlib.suppress(OSError):  # the client went away: how endless answers end
            getattr(self, "_" + behaviour.replace("-", "_"), self._echo)(headers)

    def _read_head(self) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, self._extra = data.partition(b"\r\n\r\n")
        return head

    def _skip_body(self, length: int) -> None:
        left = length - len(self._extra)
        while left > 0:
            chunk = self.request.recv(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    def _send_head(self, extra: str) -> None:
        # One answer per connection: say so, or a client may send its next request on a
        # connection this server is closing.
        self.request.sendall(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                              f"connection: close\r\n{extra}\r\n").encode())

    def _header_not_found(self) -> None:
        body = json.dumps(error_body("HeaderNotFound")).encode()
        self.request.sendall(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
                             b"connection: close\r\n"
                             + f"content-length: {len(body)}\r\n\r\n".encode() + body)

    def _huge(self, headers: dict[str, str]) -> None:
        self._send_head(f"content-length: {HUGE_BYTES}\r\n")
        for _ in range(HUGE_BYTES // len(_BLOCK)):
            self.request.sendall(_BLOCK)

    def _huge_chunked(self, headers: dict[str, str]) -> None:
        self._send_head("transfer-encoding: chunked\r\n")
        chunk = f"{len(_BLOCK):x}\r\n".encode() + _BLOCK + b"\r\n"
        while True:
            self.request.sendall(chunk)

    def _sized(self, headers: dict[str, str]) -> None:
        size = int(self._rest.split("/", 1)[0])
        self._send_head(f"content-length: {size}\r\n")
        self.request.sendall(b"\0" * size)

    def _gzip_bomb(self, headers: dict[str, str]) -> None:
        body = _bomb()
        self._send_head(f"content-encoding: gzip\r\ncontent-length: {len(body)}\r\n")
        self.request.sendall(body)

    def _trickle_body(self, headers: dict[str, str]) -> None:
        self._send_head("content-length: 1000000\r\n")
        while True:
            self.request.sendall(b" ")
            time.sleep(TRICKLE_SECONDS)

    def _trickle_headers(self, headers: dict[str, str]) -> None:
        self.request.sendall(b"HTTP/1.1 200 OK\r\nx-slow: ")
        while True:
            self.request.sendall(b"a")
            time.sleep(TRICKLE_SECONDS)

    def _token(self, headers: dict[str, str]) -> None:
        body = json.dumps({"access_token": RUNTIME_TOKEN, "token_type": "Bearer",
                           "expires_in": 3600}).encode()
        self._send_head(f"content-length: {len(body)}\r\n")
        self.request.sendall(body)

    def _echo(self, headers: dict[str, str]) -> None:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        body = echo_body(token)
        self._send_head(f"content-length: {len(body)}\r\n")
        self.request.sendall(body)


@functools.cache
def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    block = bytes(1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(BOMB_INFLATED // len(block))
                    ) + packer.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HostileServer:
    """The server on a free loopback port, in a daemon thread; a context manager."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def base_url(self, behaviour: str) -> str:
        return f"{self.origin}/{behaviour}/itwins"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


# Opaque (not JWT) tokens with the characters that get escaped: '/', '+', '='. The first is
# org_admin's static token; the second member_modify gets from the `token` endpoint, with
# CLIENT_SECRET.
OPAQUE_TOKEN = "op4que/T0ken+with/slashes=and+plus/s1gns=="
RUNTIME_TOKEN = "runt1me/0paque+T0ken/from=the+endpoint"
CLIENT_SECRET = "cl1ent/S3cret+of=member+modify"
SHARED_ITWIN = "00000000-0000-4000-8000-000000000000"


def hostile_target(server: HostileServer, behaviour: str) -> str:
    """A target file for the server acting `behaviour`: destructive; org_admin with the
    static OPAQUE_TOKEN, member_modify with client credentials (RUNTIME_TOKEN), the others
    with static tokens of their own."""
    tokens = {name: f"{name}-{OPAQUE_TOKEN}" for name in (
        "member_read", "non_member", "other_org_admin")}
    personas = "\n".join(f'[personas.{name}]\ntoken = "{token}"'
                         for name, token in ({"org_admin": OPAQUE_TOKEN} | tokens).items())
    credentials = (f'[personas.member_modify]\nclient_id = "member-modify"\n'
                   f'client_secret = "{CLIENT_SECRET}"\n'
                   f'token_url = "{server.origin}/token/connect"\n')
    return (f'name = "hostile-{behaviour}"\nbase_url = "{server.base_url(behaviour)}"\n'
            f'destructive = true\n[itwins]\nshared = "{SHARED_ITWIN}"\n{personas}\n'
            f'{credentials}')
