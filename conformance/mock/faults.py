"""Injected faults: the next N matching requests get a 429, a 503 and/or added latency.

A fault names the method and path prefix it is meant for, because tests run in parallel
against one mock and a fault must hit only its own test's requests. With no prefix it
matches API requests only (under /itwins), never a token request or a blob download.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from . import choices
from .errors import ApiError, documented, mock_error

API_PREFIX = "/itwins"
CONTROL_PREFIX = "/__mock__"


@dataclass
class Fault:
    id: str
    status: int | None
    remaining: int
    retry_after: int
    latency_ms: int
    method: str | None
    path_prefix: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return path.startswith(self.path_prefix or API_PREFIX)

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            return too_many_requests(self.retry_after)
        return mock_error(choices.SERVICE_UNAVAILABLE,
                          headers={"Retry-After": str(self.retry_after)})


def too_many_requests(retry_after: int) -> ApiError:
    """The documented 429, with the seconds to wait as the real service says them."""
    seconds = str(retry_after)
    return documented("RateLimitExceeded", headers={
        "Retry-After": seconds, "iTwinPlatform-RateLimit-Retry-After-Seconds": seconds})


class FaultBook:
    """Pending faults in the order they were added; the first match is used up first."""

    def __init__(self, max_faults: int) -> None:
        self.max_faults = max_faults
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, *, status: int | None, count: int, retry_after: int, latency_ms: int,
            method: str | None, path_prefix: str | None) -> Fault | None:
        """The new fault, or None if the book is full."""
        if len(self._faults) >= self.max_faults:
            return None
        fault = Fault(f"fault-{next(self._ids)}", status, count, retry_after, latency_ms,
                      method, path_prefix)
        self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counted as used."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def remove(self, fault_id: str) -> bool:
        before = len(self._faults)
        self._faults = [fault for fault in self._faults if fault.id != fault_id]
        return len(self._faults) != before

    def clear(self) -> None:
        self._faults.clear()


class FaultMiddleware:
    """Applies a matching fault before routing, auth or reading any body."""

    def __init__(self, app: ASGIApp, book: FaultBook) -> None:
        self.app = app
        self.book = book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX):
            fault = self.book.take(scope["method"], scope["path"])
            if fault is not None:
                if fault.latency_ms:
                    await asyncio.sleep(fault.latency_ms / 1000)
                error = fault.error()
                if error is not None:
                    await error.response()(scope, receive, send)
                    return
        await self.app(scope, receive, send)
