"""An httpx client for the iTwins image API that checks every response against the contract.

All traffic of the suite goes through `ApiClient.send`, which validates the response for
its operation (`conformance.contract.validate`). A contract error raises
`ContractViolation` there, so a test fails wherever a bad response appears, and tests
never call the validator themselves. A 429 is waited out after `Retry-After` a bounded
number of times and counted; a 5xx is a finding and is never retried.

No target can hang the run or fill its memory: every request, its answer's headers and its
whole body included, finishes within the client's `timeout`, and an answer's body is read
as a stream up to a cap (API answers and blob downloads each have their own). Past either,
`RequestTooSlow` or `ResponseTooLarge` fails the test at hand, and the run goes on.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import hashlib
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from .contract import (
    ACCEPT_V1,
    CREATE_ITWIN,
    DELETE_IMAGE,
    DELETE_ITWIN,
    ERROR,
    GET_IMAGE,
    GET_ITWIN,
    UPLOAD_IMAGE,
    Violation,
    operation,
    validate,
)
from .tls import tls_context

# Seconds one request may take in all: sending it, and its answer's headers and body. A
# 5 MB upload passes at 350 kbit/s.
DEFAULT_TIMEOUT = 120.0
# The largest answer read: an API answer is JSON (a page of 1000 iTwins is ~1.3 MB); a
# blob is an image (the large one is the upload, at most 5 MiB).
MAX_API_ANSWER_BYTES = 4 * 1024 * 1024
MAX_BLOB_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_RETRY_WAIT = 60.0
BODY_EXCERPT = 400
# The pseudo-operation of blob downloads, as observers see them.
DOWNLOAD = "download"

TokenSource = Callable[[], str]
HeaderValues = Mapping[str, str | None]


class ContractViolation(AssertionError):
    """A response that breaks the contract; the message lists each violation with its path."""

    def __init__(self, exchange: Exchange, violations: list[Violation]) -> None:
        self.exchange = exchange
        self.violations = violations
        lines = [f"{exchange.describe()} breaks the contract:"]
        lines += [f"  - {v.path}: {v.message}" for v in violations]
        if exchange.response_excerpt:
            lines.append(f"  body: {exchange.response_excerpt}")
        super().__init__("\n".join(lines))


class ContractWarning(UserWarning):
    """Allowed but notable: an extra property, a 4xx the operation does not document."""


class RateLimited(Exception):
    """The target kept answering 429 after every allowed retry: not a contract failure."""


class ResponseTooLarge(AssertionError):
    """An answer whose body passed the cap: the test fails, nothing more is read."""


class RequestTooSlow(AssertionError):
    """A request whose answer was not complete within the client's timeout."""


class TransportFailure(Exception):
    """No HTTP answer: the request failed below HTTP. Two kinds, told apart by whether a
    connection was made (a gateway that cuts an oversize upload is the second kind)."""


class TargetUnreachable(TransportFailure):
    """No connection could be made (refused, DNS, TLS, connect timeout, proxy)."""


class RequestFailed(TransportFailure):
    """The connection was made, then this request failed (reset, read or write timeout, a
    broken HTTP answer): it fails the test that sent it, not the run."""


# httpx's errors that happen before a connection exists; every other transport error
# (read/write errors and timeouts, remote protocol errors, pool timeouts) comes after.
_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError,
                   httpx.UnsupportedProtocol)


def transport_failure(exc: httpx.TransportError, what: str) -> TransportFailure:
    """`exc` as the project's transport failure of `what` (the request, described)."""
    if isinstance(exc, _CONNECT_ERRORS):
        return TargetUnreachable(f"{what}: no connection: {type(exc).__name__}: {exc}")
    return RequestFailed(f"{what}: the connection was made but the request failed: "
                         f"{type(exc).__name__}: {exc}")


class RequestNotSendable(Exception):
    """httpx refused to send the request (e.g. a header HTTP cannot carry): a bug in the
    test or its generated data, not a sign that the target is unreachable."""


@dataclass
class Exchange:
    """One request and its response, without secrets (no Authorization, no body bytes)."""

    operation: str | None
    method: str
    path: str
    request_headers: dict[str, str]
    request_size: int
    request_sha256: str | None
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    persona: str | None
    retries: int = 0
    elapsed: float = 0.0
    preparation: str | None = None  # why, when sent inside `preparation(...)`

    @property
    def response_excerpt(self) -> str:
        return self.response_body[:BODY_EXCERPT].decode("utf-8", "replace")

    def describe(self) -> str:
        who = f" as {self.persona}" if self.persona else ""
        op = f" ({self.operation})" if self.operation else ""
        return f"{self.method} {self.path}{op}{who} -> {self.status}"


SAFE_REQUEST_HEADERS = ("accept", "content-type", "content-length")
_PREPARATION: ContextVar[str | None] = ContextVar("preparation", default=None)
# Exchanges of a request sent by `concurrently`, held for observers until all are done.
_HELD: ContextVar[list[Exchange] | None] = ContextVar("held", default=None)


@contextlib.contextmanager
def preparation(why: str) -> Iterator[None]:
    """Mark the requests sent inside as preparation or read-back whose exact sequence depends
    on what earlier tests left behind (not the scenario a test is about). Every check still
    applies; recorders leave these exchanges out so recordings do not depend on test order.
    """
    token = _PREPARATION.set(why)
    try:
        yield
    finally:
        _PREPARATION.reset(token)


def _exchange(op_id: str | None, response: httpx.Response, persona: str | None,
              retries: int, elapsed: float) -> Exchange:
    request = response.request
    return Exchange(
        operation=op_id, method=request.method, path=request.url.path,
        request_headers={k: v for k, v in request.headers.items()
                         if k.lower() in SAFE_REQUEST_HEADERS},
        request_size=len(request.content),
        request_sha256=hashlib.sha256(request.content).hexdigest() if request.content else None,
        status=response.status_code,
        response_headers=dict(response.headers.items()),
        response_body=response.content, persona=persona, retries=retries, elapsed=elapsed,
        preparation=_PREPARATION.get())


def retry_after_seconds(response: httpx.Response, default: float = 1.0) -> float:
    """Seconds to wait from `Retry-After` (delta seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class _Deadline(threading.local):
    """When the request in flight on this thread must be done (monotonic), if any."""

    at: float | None = None

    def left(self, timeout: float | None, expired: type[Exception]) -> float | None:
        """`timeout` cut to the time left; `expired` raised once none is."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("the request's time is up")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the request has left,
    so an answer trickling a byte at a time, headers included, cannot outlast it."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, self._deadline.left(timeout, httpcore.ConnectTimeout)),
            self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend, deadline: _Deadline) -> None:
        self._backend = backend
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, self._deadline.left(timeout, httpcore.ConnectTimeout), local_address,
            socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, self._deadline.left(timeout, httpcore.ConnectTimeout), socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _deadline_transport(deadline: _Deadline) -> httpx.HTTPTransport:
    """httpx's own transport, its connections made by a backend that keeps `deadline`.

    httpx has no public way to choose the network backend of its pool, so it is swapped in
    place (httpx 0.28, httpcore 1.0). Should that attribute move, the deadline still holds
    between the chunks of a body, and tests/tooling/test_client_limits.py says so.
    """
    transport = httpx.HTTPTransport(verify=tls_context())
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _DeadlineBackend(backend, deadline)  # type: ignore[union-attr]
    return transport


class BoundedHttp:
    """An httpx client whose requests each finish, answer included, within `seconds`, and
    whose answers are read up to a cap; `ApiClient` sends every request through one."""

    def __init__(self, seconds: float, transport: httpx.BaseTransport | None = None) -> None:
        self.seconds = seconds
        self._deadline = _Deadline()
        self.http = httpx.Client(timeout=seconds, follow_redirects=False,
                                 transport=transport or _deadline_transport(self._deadline))

    def close(self) -> None:
        self.http.close()

    def send(self, request: httpx.Request, max_bytes: int, label: str) -> httpx.Response:
        """The response, its body read; RequestTooSlow, ResponseTooLarge, or httpx's own
        errors (no connection, a reset). `label` names the request in messages."""
        deadline = self._deadline.at = time.monotonic() + self.seconds
        response: httpx.Response | None = None
        try:
            response = self.http.send(request, stream=True)
            _read_body(response, max_bytes, label, self._deadline)
            return response
        except (httpx.ReadTimeout, httpx.WriteTimeout):
            if time.monotonic() < deadline:
                raise  # not the request's own limit (cannot be, as the clock runs)
            raise self._too_slow(label, response) from None
        finally:
            self._deadline.at = None
            if response is not None:
                response.close()

    def _too_slow(self, label: str, response: httpx.Response | None) -> RequestTooSlow:
        seen = ("no answer had arrived" if response is None else
                f"status {response.status_code} had arrived, not the whole body")
        return RequestTooSlow(f"{label}: no complete answer within {self.seconds:g} s, the "
                              f"limit for one request (--request-timeout); {seen}")


def _read_body(response: httpx.Response, max_bytes: int, label: str,
               deadline: _Deadline) -> None:
    """Read the body (decoded) into the response, never past `max_bytes` or the deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(label, response, max_bytes, f"Content-Length: {declared}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(label, response, max_bytes, f"{size} bytes read, and more coming")
        deadline.left(None, httpx.ReadTimeout)
        chunks.append(chunk)
    # What `Response.read()` would have stored, had it been allowed to read unbounded.
    response._content = b"".join(chunks)


def _too_large(label: str, response: httpx.Response, max_bytes: int,
               seen: str) -> ResponseTooLarge:
    return ResponseTooLarge(f"{label} -> {response.status_code}: the answer's body is larger "
                            f"than {max_bytes} bytes, the most this client reads ({seen})")


@dataclass
class ClientStats:
    """What a client spent: requests sent (retries and downloads included), bytes of
    request bodies, 429 retries and the seconds waited before them."""

    requests: int = 0
    bytes_sent: int = 0
    retries: int = 0
    retry_wait: float = 0.0
    pace_wait: float = 0.0  # seconds spent waiting for a slot of the target's rate
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **spent: float) -> None:
        """Count what one request spent (requests may be sent from several threads)."""
        with self._lock:
            for name, value in spent.items():
                setattr(self, name, getattr(self, name) + value)


@dataclass
class ApiClient:
    """The API as one persona sees it. `token` None sends no Authorization header."""

    base_url: str
    token: TokenSource | None = None
    persona: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    accept: str | None = ACCEPT_V1
    observers: list[Callable[[Exchange], None]] = field(default_factory=list)
    stats: ClientStats = field(default_factory=ClientStats)
    transport: httpx.BaseTransport | None = None  # tests of the tooling inject one
    max_answer_bytes: int = MAX_API_ANSWER_BYTES
    max_blob_bytes: int = MAX_BLOB_BYTES
    # Called before each API request (not blob downloads): blocks until the request may go
    # (conformance.pacing) and returns the seconds it waited.
    pace: Callable[[], float] | None = None

    def __post_init__(self) -> None:
        self._bounded = BoundedHttp(self.timeout, self.transport)
        self._http = self._bounded.http
        # Every bearer token sent, so that reports can redact it in every encoding (an
        # opaque token has no shape to be found by).
        self.tokens_sent: set[str] = set()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The documented operations -------------------------------------------------------

    def upload_image(self, itwin_id: str, body: bytes, content_type: str | None = "image/png",
                     *, headers: HeaderValues | None = None) -> httpx.Response:
        """PUT the raw bytes; `content_type` None sends no Content-Type header."""
        sent: dict[str, str | None] = {"content-type": content_type}
        sent.update(headers or {})
        return self.call(UPLOAD_IMAGE, {"iTwinId": itwin_id}, headers=sent, content=body)

    def get_image(self, itwin_id: str, *, headers: HeaderValues | None = None) -> httpx.Response:
        return self.call(GET_IMAGE, {"iTwinId": itwin_id}, headers=headers)

    def delete_image(self, itwin_id: str, *,
                     headers: HeaderValues | None = None) -> httpx.Response:
        return self.call(DELETE_IMAGE, {"iTwinId": itwin_id}, headers=headers)

    def get_itwin(self, itwin_id: str, *, headers: HeaderValues | None = None) -> httpx.Response:
        return self.call(GET_ITWIN, {"iTwinId": itwin_id}, headers=headers)

    def create_itwin(self, display_name: str, *, number: str | None = None,
                     **properties: Any) -> httpx.Response:
        body: dict[str, Any] = {"displayName": display_name, "class": "Endeavor",
                                "subClass": "Project", **properties}
        if number is not None:
            body["number"] = number
        return self.call(CREATE_ITWIN, {}, json=body)

    def delete_itwin(self, itwin_id: str) -> httpx.Response:
        return self.call(DELETE_ITWIN, {"iTwinId": itwin_id})

    def call(self, operation_id: str, params: Mapping[str, str], *,
             headers: HeaderValues | None = None, content: bytes | None = None,
             json: Any = None, auth: bool = True) -> httpx.Response:
        """Send the documented operation `operation_id` with its path `params`."""
        op = operation(operation_id)
        path = op.url_path(**params)
        return self.send(op.method, path, operation_id=operation_id, headers=headers,
                         content=content, json=json, auth=auth)

    # Anything else: deliberately malformed calls, blob downloads --------------------

    def raw(self, method: str, path: str, *, headers: HeaderValues | None = None,
            content: bytes | None = None, auth: bool = True,
            operation_id: str | None = None) -> httpx.Response:
        """A request outside the typed helpers (odd schemes, wrong methods, wrong routes).

        It is still validated: against `operation_id` when given, else the error model.
        """
        return self.send(method, path, operation_id=operation_id, headers=headers,
                         content=content, auth=auth)

    def download(self, url: str) -> httpx.Response:
        """GET a blob URL as a browser would: no bearer token, no Accept version.

        Observers see it as operation "download"; it is not an API operation, so the
        contract does not apply (tests assert what they expect of a blob).
        """
        started = time.perf_counter()
        self.stats.add(requests=1)
        request = self._http.build_request("GET", url)
        label = f"GET {request.url.path} (download){self._as_persona()}"  # no query: a SAS
        try:
            response = self._bounded.send(request, self.max_blob_bytes, label)
        except httpx.TransportError as exc:
            raise transport_failure(exc, "download of a blob") from None
        exchange = _exchange(DOWNLOAD, response, self.persona, 0,
                             time.perf_counter() - started)
        self._notify(exchange)
        return response

    # Independent requests at once ---------------------------------------------------

    def concurrently(self, *calls: Callable[[], Any]) -> list[Any]:
        """The results of `calls`, sent at once: requests that do not depend on each other
        cost one round trip instead of several against a distant target. Observers see their
        exchanges in the order of `calls`, as if they had been sent one after another, so
        recordings and reports do not depend on which answer came first. The first call
        that raised (in that order) raises here, after every exchange was seen."""
        if len(calls) < 2:
            return [call() for call in calls]
        held: list[list[Exchange]] = [[] for _ in calls]

        def run(index: int) -> Any:
            _HELD.set(held[index])
            return calls[index]()

        with ThreadPoolExecutor(len(calls), thread_name_prefix="api-client") as pool:
            futures = [pool.submit(contextvars.copy_context().run, run, index)
                       for index in range(len(calls))]
            wait(futures)
        for exchanges in held:
            for exchange in exchanges:
                self._notify(exchange)
        return [future.result() for future in futures]

    def _notify(self, exchange: Exchange) -> None:
        held = _HELD.get()
        if held is not None:
            held.append(exchange)
            return
        for observer in self.observers:
            observer(exchange)

    # The one place every response passes ---------------------------------------------

    def send(self, method: str, path: str, *, operation_id: str | None,
             headers: HeaderValues | None = None, content: bytes | None = None,
             json: Any = None, auth: bool = True) -> httpx.Response:
        retries = 0
        first = time.monotonic()
        op = f" ({operation_id})" if operation_id else ""
        while True:
            started = time.perf_counter()
            response = self._send_once(method, path, headers, content, json, auth, op)
            exchange = _exchange(operation_id, response, self.persona, retries,
                                 time.perf_counter() - started)
            self._check(operation_id, response, exchange)
            if response.status_code != 429:
                return response
            if retries >= self.max_retries:
                raise RateLimited(f"{retries + 1} answers 429 in {time.monotonic() - first:.1f} s"
                                  f" ({exchange.describe()})")
            retries += 1
            wait = min(retry_after_seconds(response), self.max_retry_wait)
            self.stats.add(retries=1, retry_wait=wait)
            time.sleep(wait)

    def _as_persona(self) -> str:
        return f" as {self.persona}" if self.persona else ""

    def _send_once(self, method: str, path: str, headers: HeaderValues | None,
                   content: bytes | None, json: Any, auth: bool, op: str) -> httpx.Response:
        if self.pace is not None:
            self.stats.add(pace_wait=self.pace())
        request = self._http.build_request(method, self.base_url + path, content=content,
                                           json=json)
        self._set_headers(request, headers, auth)
        self.stats.add(requests=1, bytes_sent=len(request.content))
        label = f"{method} {request.url.path}{op}{self._as_persona()}"
        try:
            return self._bounded.send(request, self.max_answer_bytes, label)
        except httpx.LocalProtocolError as exc:
            raise RequestNotSendable(f"{method} {path}: {exc}") from None
        except httpx.TransportError as exc:
            raise transport_failure(exc, f"{method} {self.base_url}{path}"
                                         f"{self._as_persona()}") from None

    def _set_headers(self, request: httpx.Request, headers: HeaderValues | None,
                     auth: bool) -> None:
        wanted: dict[str, str | None] = {"accept": self.accept}
        if auth and self.token is not None:
            token = self.token()
            self.tokens_sent.add(token)
            wanted["authorization"] = f"Bearer {token}"
        wanted.update({k.lower(): v for k, v in (headers or {}).items()})
        for name, value in wanted.items():
            if value is None:
                request.headers.pop(name, None)
            else:
                request.headers[name] = value

    def _check(self, operation_id: str | None, response: httpx.Response,
               exchange: Exchange) -> None:
        self._notify(exchange)
        violations = validate(operation_id, response)
        errors = [v for v in violations if v.severity == ERROR]
        for v in violations:
            if v.severity != ERROR:
                warnings.warn(ContractWarning(f"{exchange.describe()}: {v.path}: {v.message}"),
                              stacklevel=4)
        if errors:
            raise ContractViolation(exchange, errors)
