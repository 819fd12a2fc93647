"""The preflight: before any test, is this target the iTwins API, and are its credentials good?

A run against a wrong `base_url` (a plain web server) or with a refused token used to
produce a failure per test and thousands of lines. The preflight asks a handful of
questions instead, each bounded in time, and says what is wrong in one line per problem:

- `GET /itwins/{id}` without a token must get the documented 401 with an error body that
  matches the contract (or a persona must read the shared iTwin with a schema-valid body):
  otherwise `base_url` is not the API (a configuration problem);
- each persona with credentials must get a token, and the target must accept it: any
  answer but 401 to `GET /itwins/{id}` (the token-only personas `expired` and `no_scope`
  exist to be refused, so they are not asked);
- no answer at all (connection refused, DNS, TLS, timeouts) means unreachable.

A throttled target (429) is waited out after `Retry-After` within the time left; a 429
that lasts is the API's own answer too, and is no refused token.

Every request has a deadline checked while its answer streams in, so a target that
trickles bytes forever cannot hang the run; the whole preflight has one too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

from .client import retry_after_seconds, transport_failure
from .contract import ACCEPT_V1, ERROR, GET_ITWIN, PERSONAS, operation, validate
from .redact import Redactor
from .targets import Target, TargetError
from .tls import tls_context

CONFIGURATION = "configuration"
UNREACHABLE = "unreachable"
REQUEST_SECONDS = 10.0  # one request, from sending to the last byte of its answer
TOTAL_SECONDS = 30.0  # the whole preflight
CONNECT_SECONDS = 5.0
MAX_ANSWER_BYTES = 1024 * 1024  # the answers asked for are a few hundred bytes
MAX_QUOTED = 160  # characters of an answer quoted in a problem line
MAX_TRIES = 3  # per question, when the target answers 429


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the target, in one line; `kind` decides the exit code."""

    kind: str  # CONFIGURATION or UNREACHABLE
    line: str


@dataclass
class Preflight:
    """What the preflight found: problems (none: go ahead), and what it checked."""

    target: Target
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    deadline: float = 0.0  # time.monotonic() by which the whole preflight ends

    @property
    def unreachable(self) -> bool:
        return any(p.kind == UNREACHABLE for p in self.problems)


def preflight(target: Target, *, transport: httpx.BaseTransport | None = None,
              total_seconds: float = TOTAL_SECONDS) -> Preflight:
    """Ask the target the preflight's questions; never raises for anything the target does."""
    found = Preflight(target, deadline=time.monotonic() + total_seconds)
    deadline = found.deadline
    tokens: list[str] = []
    inner = transport or httpx.HTTPTransport(verify=tls_context())
    with httpx.Client(transport=_Deadline(inner, deadline), follow_redirects=False,
                      timeout=httpx.Timeout(REQUEST_SECONDS, connect=CONNECT_SECONDS)) as http:
        _check(found, http, tokens)
    redactor = Redactor.of([*target.secrets(), *tokens])
    found.problems = [Problem(p.kind, redactor.text(p.line)) for p in found.problems]
    return found


def _check(found: Preflight, http: httpx.Client, tokens: list[str]) -> None:
    target = found.target
    itwin = target.itwins.get("shared") or str(uuid.uuid4())  # unknown id: 404 to a member
    url = target.base_url + operation(GET_ITWIN).url_path(iTwinId=itwin)
    anonymous = _get(found, http, url, None, "without a token")
    if anonymous is None:
        return
    api_like = _is_documented_error(anonymous)
    refused: list[Problem] = []
    for name in PERSONAS:
        persona = target.persona(name)
        if persona is None:
            continue
        try:
            token = persona.access_token(http)
        except TargetError as exc:
            kind = UNREACHABLE if isinstance(exc.__context__, httpx.TransportError) else \
                CONFIGURATION
            found.problems.append(Problem(kind, str(exc)))
            continue
        tokens.append(token)
        answer = _get(found, http, url, token, f"as {name}")
        if answer is None:
            return
        if answer.status_code == 401:
            refused.append(Problem(CONFIGURATION, f"persona {name} ({persona.kind}): the "
                                                  f"target refuses its token: "
                                                  f"{_describe(answer)}"))
        elif answer.status_code == 200 and "shared" in target.itwins and not _errors(answer):
            api_like = True
    if not api_like:
        found.problems.insert(0, Problem(
            CONFIGURATION, f"base_url {target.base_url} does not answer like the iTwins API: "
                           f"GET {_path(url)} without a token answered "
                           f"{_describe(anonymous)}; expected 401 with an error body "
                           f'({{"error": {{"code": ..., "message": ...}}}})'))
        return  # what personas got from something that is not the API says nothing
    found.problems += refused


def _get(found: Preflight, http: httpx.Client, url: str, token: str | None,
         what: str) -> httpx.Response | None:
    """The answer, or None after recording why there was none (the target is unreachable)."""
    headers = {"accept": ACCEPT_V1}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    try:
        response = http.get(url, headers=headers)
        for _ in range(MAX_TRIES - 1):
            wait = retry_after_seconds(response)
            if response.status_code != 429 or time.monotonic() + wait >= found.deadline:
                break
            time.sleep(wait)
            response = http.get(url, headers=headers)
    except httpx.TransportError as exc:
        failure = transport_failure(exc, f"GET {url} ({what})")
        found.problems.append(Problem(UNREACHABLE, f"target unreachable: {failure}"))
        return None
    found.checked.append(f"GET {_path(url)} {what}: {response.status_code}")
    return response


def _is_documented_error(response: httpx.Response) -> bool:
    """The documented 401 for a request without a token (or the API's own 429), with an
    error body that matches the contract."""
    return response.status_code in (401, 429) and not _errors(response)


def _errors(response: httpx.Response) -> list[str]:
    return [f"{v.path}: {v.message}" for v in validate(GET_ITWIN, response)
            if v.severity == ERROR]


def _describe(response: httpx.Response) -> str:
    """`401 Unauthorized: Access denied ...` for an error body, else status and media type."""
    media = response.headers.get("content-type", "no Content-Type").split(";")[0]
    try:
        error = response.json()["error"]
        said = f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        excerpt = " ".join(response.text[:MAX_QUOTED].split())
        said = f"{media}" + (f' "{excerpt}"' if excerpt else "")
    return f"{response.status_code} {said}"[:MAX_QUOTED * 2]


def _path(url: str) -> str:
    return httpx.URL(url).path


class _Deadline(httpx.BaseTransport):
    """A transport whose answers must arrive whole before a deadline: checked while the
    body streams in (an endless trickle ends in a ReadTimeout), and capped in size."""

    def __init__(self, inner: httpx.BaseTransport, deadline: float) -> None:
        self.inner = inner
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = min(self.deadline, time.monotonic() + REQUEST_SECONDS)
        if time.monotonic() >= deadline:
            raise httpx.ConnectTimeout("the preflight ran out of time", request=request)
        response = self.inner.handle_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_BoundedStream(stream, deadline, request),
                              extensions=response.extensions, request=request)

    def close(self) -> None:
        self.inner.close()


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: float,
                 request: httpx.Request) -> None:
        self.inner = inner
        self.deadline = deadline
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self.inner:
            if time.monotonic() > self.deadline:
                raise httpx.ReadTimeout(f"no complete answer within {REQUEST_SECONDS:.0f} s",
                                        request=self.request)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:  # far more than any answer asked for: stop reading
                yield chunk[:MAX_ANSWER_BYTES - (size - len(chunk))]
                return
            yield chunk

    def close(self) -> None:
        self.inner.close()
