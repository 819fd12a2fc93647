"""Everything one mock holds, in one object hung on `app.state.mock`.

Keys (token and SAS) live as long as the mock; a reset puts the world, the blobs and the
faults back to the start and keeps the keys, so tokens and target files stay valid.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from starlette.requests import Request

from .blobs import BlobStore, SasSigner
from .breaks import SHORT_LINK_SECONDS
from .faults import FaultBook
from .settings import MockSettings
from .tokens import TokenIssuer
from .world import Seed, World

T = TypeVar("T")
Take = Callable[[int], Awaitable[None]]  # take(n): hold n more bytes of the budget

# Names a request may use to reach a mock on this machine, whatever its public URL.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class PerLoop(Generic[T]):
    """One `make()` per running loop (asyncio primitives belong to one loop), so one app can
    serve loops in turn (tests)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T]
        self._by_loop = weakref.WeakKeyDictionary()

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is None:
            found = self._by_loop[loop] = self._make()
        return found


class ByteBudget:
    """Bytes that uploads in progress may hold in memory, all together.

    An upload takes bytes as they arrive and gives them all back when it ends, so a slow
    upload holds only what it has sent. A take that does not fit waits, at most until
    `deadline` (loop time), then raises TimeoutError: it never holds what it has while
    waiting for ever.
    """

    def __init__(self, total: int) -> None:
        self.available = total
        self._given_back = asyncio.Event()

    @contextlib.asynccontextmanager
    async def holding(self, deadline: float | None) -> AsyncIterator[Take]:
        held = 0
        loop = asyncio.get_running_loop()

        async def take(count: int) -> None:
            nonlocal held
            while self.available < count:
                self._given_back.clear()
                timeout = None if deadline is None else deadline - loop.time()
                await asyncio.wait_for(self._given_back.wait(), timeout)
            self.available -= count
            held += count

        try:
            yield take
        finally:
            self.available += held
            self._given_back.set()


class MockState:
    def __init__(self, settings: MockSettings, public_url: str | None) -> None:
        self.settings = settings
        self.public_url = public_url.rstrip("/") if public_url else None
        self.tokens = TokenIssuer()
        self.sas = SasSigner(SHORT_LINK_SECONDS if settings.broken("short-lived-links")
                             else settings.sas_ttl_seconds)
        self.world = World(Seed.generate())
        self.blobs = BlobStore(settings.max_stored_bytes)
        self.faults = FaultBook(settings.max_faults)
        self.upload_gate = PerLoop(lambda: asyncio.Semaphore(settings.max_concurrent_uploads))
        self.upload_buffer = PerLoop(lambda: ByteBudget(settings.max_buffered_upload_bytes))
        # Kept across resets, like the keys: the target file written at start stays valid.
        self.control_secret = secrets.token_urlsafe(32)
        self._executor: ThreadPoolExecutor | None = None

    def own_names(self) -> frozenset[str]:
        """Host names that address this mock: loopback, and its public URL's host."""
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return LOOPBACK_NAMES | ({public} if public else set())

    def reset(self) -> None:
        self.world.reset()
        self.blobs.clear()
        self.faults.clear()

    def origin(self, request: Request | None = None) -> str:
        """Scheme, host and port that clients use: the public URL, else the request's."""
        if self.public_url:
            return self.public_url
        if request is None:
            raise RuntimeError("the mock's public URL is unknown outside a request")
        return str(request.base_url).rstrip("/")

    async def off_loop(self, work: Callable[..., T], *args: object) -> T:
        """Run CPU work (Pillow) on the bounded decode pool, never on the event loop."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.settings.decode_workers,
                                                thread_name_prefix="mock-decode")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def state_of(request: Request) -> MockState:
    """The mock that serves `request`."""
    state: MockState = request.app.state.mock
    return state
