"""Rate limiting: a token bucket over the API, as a throttled staging host behaves.

Off by default (`rate_limit_per_second` 0). When on, every API request (under /itwins)
takes a token; with none left it gets the documented 429 with `Retry-After`, the whole
seconds until a token is back. Blob downloads, the token endpoint and the control API are
not counted: the real limit is on the iTwins API.
"""

from __future__ import annotations

import math
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from .faults import API_PREFIX, too_many_requests
from .settings import MockSettings


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> float:
        """0 if a token was taken, else the seconds until one is back."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate


class Throttle:
    """The bucket in front of the API, and the "endless-429" break (DELETE image is
    answered 429 for ever)."""

    def __init__(self, app: ASGIApp, settings: MockSettings) -> None:
        self.app = app
        self.bucket = (TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst)
                       if settings.rate_limit_per_second else None)
        self.endless = settings.broken("endless-429")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            wait = self._wait(scope)
            if wait:
                await too_many_requests(max(1, math.ceil(wait))).response()(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _wait(self, scope: Scope) -> float:
        if self.endless and scope["method"] == "DELETE" and scope["path"].endswith("/image"):
            return 1.0
        return self.bucket.take() if self.bucket else 0.0
