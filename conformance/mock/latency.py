"""A fixed delay before every answer, as a distant target adds a round trip to each.

Off by default (`latency_ms` 0). It applies to the API, the blob links and the token
endpoint (all of which a real client reaches across a network), never to the control API,
which only tests use to steer the mock.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from .faults import CONTROL_PREFIX


class Latency:
    """Waits `milliseconds` before handing a request on (without holding the event loop)."""

    def __init__(self, app: ASGIApp, milliseconds: int) -> None:
        self.app = app
        self.seconds = milliseconds / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX):
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)
