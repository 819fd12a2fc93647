"""How long a request may take to arrive, and what happens to one that takes longer.

A client sending a byte a second holds a connection, and once its headers are in, a handler,
for as long as it likes; enough of them would hold every upload slot. So every part of a
request must arrive within `read_timeout_seconds`:

- its request line and headers, counted from its first byte (for a connection's first
  request, from the connection's opening, so one that sends nothing is let go too):
  `ArrivalProtocol`, a uvicorn protocol, since no handler exists yet;
- its body, counted from the moment the handler starts (after any injected latency):
  `BodyDeadline`, which makes reading the body raise `RequestTimedOut` (answered 408);
- a body still coming after the answer was sent (a refused upload sent on slowly),
  counted from the answer: `ArrivalProtocol` again.

The answer is 408 `RequestTimeout` in the error model when nothing was answered yet, and
the connection is closed either way.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import choices

_DEADLINE = "conformance.mock.body_deadline"  # scope key: loop time the body is due by


class RequestTimedOut(Exception):
    """The request's body did not arrive within the read timeout."""


def timeout_answer(seconds: int) -> bytes:
    """408 in the error model, as raw HTTP/1.1, for a request no handler has seen."""
    body = json.dumps(choices.REQUEST_TIMEOUT.body(seconds=str(seconds)),
                      separators=(",", ":")).encode()
    head = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


class ArrivalProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a clock on the parts of a request no handler watches:
    the headers, and a body still arriving after the answer."""

    read_timeout = 60  # seconds; `arrival_protocol` makes a class with the mock's own

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._timer: asyncio.TimerHandle | None = None
        self._phase: str | None = None
        super().connection_made(transport)
        self._arm("headers")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Counting while headers arrive (or none yet on a new connection), or while a body
        arrives after its answer; not while a handler has the request, nor between
        requests (uvicorn's keep-alive timeout covers that)."""
        theirs, ours = self.conn.their_state, self.conn.our_state
        if theirs is h11.IDLE and (self.conn.trailing_data[0] or self._phase == "headers"):
            self._arm("headers")
        elif theirs is h11.SEND_BODY and ours in (h11.DONE, h11.MUST_CLOSE):
            self._arm("drain")
        else:
            self._disarm()

    def _arm(self, phase: str) -> None:
        if self._phase == phase:
            return  # already counting from this phase's start
        self._disarm()
        self._phase = phase
        self._timer = self.loop.call_later(self.read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._phase = None, None

    def _expired(self) -> None:
        self._timer, self._phase = None, None
        if self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE:  # nothing answered: say why before closing
            self.transport.write(timeout_answer(self.read_timeout))
        self.transport.close()


def arrival_protocol(read_timeout: int) -> type[ArrivalProtocol]:
    """The protocol class for a server whose requests must arrive within `read_timeout`."""
    return type("ArrivalProtocol", (ArrivalProtocol,), {"read_timeout": read_timeout})


class BodyDeadline:
    """Reading the body raises RequestTimedOut once `seconds` have passed since the
    handler started; the deadline is in the scope for other waits of the body's reader."""

    def __init__(self, app: ASGIApp, seconds: int) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = scope[_DEADLINE] = loop.time() + self.seconds
        arrived = False

        async def timed_receive() -> Message:
            nonlocal arrived
            if arrived:  # the whole body is in: what follows is a wait for disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), deadline - loop.time())
            except TimeoutError:
                raise RequestTimedOut from None
            arrived = not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)


def deadline_of(request: Request) -> float | None:
    """The loop time by which the body of `request` must be in (None outside
    `BodyDeadline`)."""
    deadline: Any = request.scope.get(_DEADLINE)
    return None if deadline is None else float(deadline)
