"""Slow clients: a request must arrive within the read timeout, and slow uploads never
starve the others.

Each slow client here is a raw socket on loopback that sends its request line and headers
(or part of them) and then one byte a second. Time bounds are generous: only a starved
upload, or a connection the mock never lets go, can exceed them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from conformance.mock import RunningMock, choices
from tests.mock.mock_testkit import StartMock, padded_png, png

pytest_plugins = ["tests.mock.mock_fixtures"]

# More slow uploads than the mock handles at once (max_concurrent_uploads, 16).
SLOW_UPLOADS = 20
# Far above a loopback upload's milliseconds, far below "starved until the slow ones end".
PROMPTLY = 15.0
# A read timeout of one second, and this long for the mock to act on it.
SHORT_TIMEOUT = 1
ACTED_WITHIN = 15.0


class Trickle:
    """A client that sends `head` at once and then `rest` one byte a second, in a thread,
    until it is done, stopped, or the mock closes the connection."""

    def __init__(self, mock: RunningMock, head: bytes, rest: bytes = b"") -> None:
        host, port = mock.origin.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.head, self.rest = head, rest
        self.stopped = threading.Event()
        self.closed_by_mock = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Trickle:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.sock.sendall(self.head)
            for i in range(len(self.rest)):
                if self.stopped.wait(1.0):
                    return
                self.sock.sendall(self.rest[i:i + 1])
        except OSError:
            self.closed_by_mock.set()

    def answer(self, within: float) -> bytes:
        """What the mock sent before closing the connection (b"" if it sent nothing), or
        AssertionError if it kept it open `within` seconds."""
        self.sock.settimeout(within)
        received = b""
        try:
            while chunk := self.sock.recv(65536):
                received += chunk
        except TimeoutError:
            raise AssertionError(f"the mock kept a slow connection open for {within} s "
                                 f"(answered so far: {received[:200]!r})") from None
        except ConnectionResetError:
            pass
        return received

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()
        self.thread.join(5)


def upload_head(mock: RunningMock, token: str, length: int) -> bytes:
    return (f"PUT /itwins/{mock.state.world.seed.shared_itwin_id}/image HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: image/png\r\nContent-Length: {length}\r\n\r\n").encode()


def token_of(mock: RunningMock) -> str:
    user = mock.state.world.seed.users["org_admin"]
    reply = httpx.post(f"{mock.origin}/connect/token", data={
        "grant_type": "client_credentials", "client_id": user.client_id,
        "client_secret": user.client_secret})
    return str(reply.raise_for_status().json()["access_token"])


@pytest.fixture
def trickles() -> Iterator[list[Trickle]]:
    started: list[Trickle] = []
    yield started
    for trickle in started:
        trickle.stop()


class TestSlowUploadsDoNotStarveOthers:
    def test_a_normal_upload_passes_twenty_slow_ones(self, start_mock: StartMock,
                                                     trickles: list[Trickle]) -> None:
        mock = start_mock()  # default settings: 16 uploads at once, 60 s to arrive
        token = token_of(mock)
        body = png()
        for _ in range(SLOW_UPLOADS):
            trickles.append(Trickle(mock, upload_head(mock, token, len(body)) + body[:1],
                                    body[1:]).start())
        time.sleep(1.5)  # every slow upload is in the mock's hands, a byte or two in
        started = time.monotonic()
        reply = httpx.put(f"{mock.base_url}/{mock.state.world.seed.shared_itwin_id}/image",
                          content=png(80, 60), timeout=PROMPTLY * 2, headers={
                              "Authorization": f"Bearer {token}", "Content-Type": "image/png"})
        waited = time.monotonic() - started
        assert reply.status_code == 201, reply.text
        assert waited < PROMPTLY, f"a normal upload waited {waited:.1f} s behind slow ones"
        assert not any(t.closed_by_mock.is_set() for t in trickles)  # they were still going


class TestTheUploadBuffer:
    def test_a_stalled_upload_holds_its_bytes_only_until_its_deadline(
            self, start_mock: StartMock, trickles: list[Trickle]) -> None:
        """Room for one upload's bytes only: an upload that sends 200 KB and stalls keeps a
        250 KB one waiting, until the stalled one's body is due; then it goes through."""
        mock = start_mock(max_image_bytes=300_000, max_buffered_upload_bytes=300_000,
                          read_timeout_seconds=3)
        token = token_of(mock)
        stalled = Trickle(mock, upload_head(mock, token, 290_000) + padded_png(290_000)[:200_000],
                          b"\0" * 1000).start()
        trickles.append(stalled)
        time.sleep(1.5)  # the stalled upload's 200 KB are in the mock's hands
        started = time.monotonic()
        reply = httpx.put(f"{mock.base_url}/{mock.state.world.seed.shared_itwin_id}/image",
                          content=padded_png(250_000), timeout=ACTED_WITHIN, headers={
                              "Authorization": f"Bearer {token}", "Content-Type": "image/png"})
        waited = time.monotonic() - started
        assert reply.status_code == 201, reply.text
        assert waited >= 0.5, f"it did not wait for the budget ({waited:.2f} s)"
        assert stalled.answer(ACTED_WITHIN).startswith(b"HTTP/1.1 408 ")


class TestARequestMustArriveInTime:
    """With `read_timeout_seconds=1`: whatever part of a request is slow, the mock answers
    408 in its error model when it can, and closes the connection."""

    @pytest.fixture
    def mock(self, start_mock: StartMock) -> RunningMock:
        return start_mock(read_timeout_seconds=SHORT_TIMEOUT)

    def assert_timed_out(self, answer: bytes) -> None:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), answer[:300]
        assert json.loads(body) == choices.REQUEST_TIMEOUT.body(seconds=str(SHORT_TIMEOUT))

    def test_a_slow_body(self, mock: RunningMock, trickles: list[Trickle]) -> None:
        body = png()
        trickles.append(Trickle(mock, upload_head(mock, token_of(mock), len(body)) + body[:1],
                                body[1:]).start())
        self.assert_timed_out(trickles[-1].answer(ACTED_WITHIN))

    def test_slow_headers(self, mock: RunningMock, trickles: list[Trickle]) -> None:
        head = upload_head(mock, "x" * 40, 10)
        trickles.append(Trickle(mock, head[:5], head[5:]).start())
        self.assert_timed_out(trickles[-1].answer(ACTED_WITHIN))

    def test_a_connection_that_sends_nothing(self, mock: RunningMock,
                                             trickles: list[Trickle]) -> None:
        trickles.append(Trickle(mock, b"").start())
        self.assert_timed_out(trickles[-1].answer(ACTED_WITHIN))

    def test_a_body_still_trickling_after_the_answer(self, mock: RunningMock,
                                                     trickles: list[Trickle]) -> None:
        """Refused at once for its declared length, then sent on slowly: let go, too."""
        head = upload_head(mock, token_of(mock), 10 * 1024 * 1024)
        trickles.append(Trickle(mock, head, b"\0" * 1000).start())
        answer = trickles[-1].answer(ACTED_WITHIN)
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:300]

    def test_the_mock_still_serves(self, mock: RunningMock, trickles: list[Trickle]) -> None:
        trickles.append(Trickle(mock, b"GET /open").start())
        trickles[-1].answer(ACTED_WITHIN)
        assert httpx.get(f"{mock.origin}/openapi.json").status_code == 200

    def test_a_prompt_request_on_a_kept_alive_connection_is_not_cut(
            self, mock: RunningMock) -> None:
        """The clock starts with each request's first byte, not with the connection."""
        with httpx.Client() as client:
            for _ in range(3):
                assert client.get(f"{mock.origin}/openapi.json").status_code == 200
                time.sleep(SHORT_TIMEOUT * 0.7)
