"""An httpx client for the iTwins image API that checks every response against the contract.

All traffic of the suite goes through `ApiClient._send`, which validates the response for
its operation (`conformance.contract.validate`). A contract error raises
`ContractViolation` there, so a test fails wherever a bad response appears, and tests
never call the validator themselves. A 429 is waited out after `Retry-After` a bounded
number of times and counted; a 5xx is a finding and is never retried.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

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

DEFAULT_TIMEOUT = 60.0
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


class TargetUnreachable(Exception):
    """The target could not be reached at all (connection refused, DNS, TLS)."""


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


@dataclass
class ClientStats:
    """What a client spent: requests sent (retries and downloads included), bytes of
    request bodies, 429 retries and the seconds waited before them."""

    requests: int = 0
    bytes_sent: int = 0
    retries: int = 0
    retry_wait: float = 0.0


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

    def __post_init__(self) -> None:
        self._http = httpx.Client(timeout=self.timeout, follow_redirects=False,
                                  transport=self.transport)

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
        self.stats.requests += 1
        try:
            response = self._http.get(url)
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"download failed: {type(exc).__name__}") from None
        exchange = _exchange(DOWNLOAD, response, self.persona, 0,
                             time.perf_counter() - started)
        for observer in self.observers:
            observer(exchange)
        return response

    # The one place every response passes ---------------------------------------------

    def send(self, method: str, path: str, *, operation_id: str | None,
             headers: HeaderValues | None = None, content: bytes | None = None,
             json: Any = None, auth: bool = True) -> httpx.Response:
        retries = 0
        first = time.monotonic()
        while True:
            started = time.perf_counter()
            response = self._send_once(method, path, headers, content, json, auth)
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
            self.stats.retries += 1
            self.stats.retry_wait += wait
            time.sleep(wait)

    def _send_once(self, method: str, path: str, headers: HeaderValues | None,
                   content: bytes | None, json: Any, auth: bool) -> httpx.Response:
        request = self._http.build_request(method, self.base_url + path, content=content,
                                           json=json)
        self._set_headers(request, headers, auth)
        self.stats.requests += 1
        self.stats.bytes_sent += len(request.content)
        try:
            return self._http.send(request)
        except httpx.LocalProtocolError as exc:
            raise RequestNotSendable(f"{method} {path}: {exc}") from None
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"{method} {self.base_url}{path}: "
                                    f"{type(exc).__name__}: {exc}") from None

    def _set_headers(self, request: httpx.Request, headers: HeaderValues | None,
                     auth: bool) -> None:
        wanted: dict[str, str | None] = {"accept": self.accept}
        if auth and self.token is not None:
            wanted["authorization"] = f"Bearer {self.token()}"
        wanted.update({k.lower(): v for k, v in (headers or {}).items()})
        for name, value in wanted.items():
            if value is None:
                request.headers.pop(name, None)
            else:
                request.headers[name] = value

    def _check(self, operation_id: str | None, response: httpx.Response,
               exchange: Exchange) -> None:
        for observer in self.observers:
            observer(exchange)
        violations = validate(operation_id, response)
        errors = [v for v in violations if v.severity == ERROR]
        for v in violations:
            if v.severity != ERROR:
                warnings.warn(ContractWarning(f"{exchange.describe()}: {v.path}: {v.message}"),
                              stacklevel=4)
        if errors:
            raise ContractViolation(exchange, errors)
