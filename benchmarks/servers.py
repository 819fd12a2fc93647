"""Servers for the benchmarks: the mock with a timing middleware, and the bare floor.

Server time is measured inside the server by an ASGI middleware around the whole app, from
the moment uvicorn calls the app (request headers parsed) to the moment the last byte of
the answer is handed back to uvicorn. It includes receiving the body, since the app reads
it from the socket as it arrives; that is why the floor is a second app in the same stack
(same socket set-up, same uvicorn configuration, same middleware) that reads the body and
throws it away: the difference between the two is what the mock's own work costs.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.mock import MockSettings, RunningMock, create_app
from conformance.mock.server import bind, origin_of, uvicorn_server


class ServerTiming:
    """ASGI middleware appending each HTTP request's server seconds to `samples`.

    The time is taken just before the final body message is sent, so it is recorded
    before the client can possibly have the answer: a client that reads `samples[-1]`
    right after its request returns always sees its own request's figure.
    """

    def __init__(self, app: ASGIApp, samples: list[float]) -> None:
        self.app = app
        self.samples = samples

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.samples.append(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed_send)


def timed_mock(settings: MockSettings | None = None) -> tuple[RunningMock, list[float]]:
    """A running mock (as `serve_in_thread` makes it) with `ServerTiming` outermost."""
    samples: list[float] = []
    sock = bind("127.0.0.1", 0)
    origin = origin_of(sock)
    app = create_app(settings, public_url=origin)
    app.add_middleware(ServerTiming, samples=samples)
    return RunningMock(app, origin, sock).start(), samples


async def discard_body(request: Request) -> Response:
    """The floor's only endpoint: read the whole body as a stream, keep none of it."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
    return JSONResponse({"received": received}, status_code=201)


def floor_app(samples: list[float]) -> Starlette:
    app = Starlette(routes=[Route("/{path:path}", discard_body, methods=["PUT", "POST"])])
    app.add_middleware(ServerTiming, samples=samples)
    return app


class FloorServer:
    """The bare endpoint on a free loopback port, served by the mock's uvicorn set-up."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._sock = bind("127.0.0.1", 0)
        self.origin = origin_of(self._sock)
        self._server = uvicorn_server(floor_app(self.samples))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]}, daemon=True,
                                        name=f"bench-floor {self.origin}")

    def start(self, timeout: float = 10.0) -> FloorServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the floor server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(10)
        self._sock.close()

    def __enter__(self) -> FloorServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
