"""The control API under /__mock__/: reset, inspect the world, mint tokens, inject faults.

For tests that must steer the mock. Every endpoint checks its input and answers 422 in the
error model for anything it does not understand, unknown keys included, so a typo in a
test fails loudly instead of being ignored.

It mints tokens for every persona and wipes data, so it serves only its own callers: a
request must carry the mock's control secret (written into its target file), address the
mock by its own name (so a page on another name that resolves here, DNS rebinding, is
refused), come from no foreign origin, and send JSON if it sends anything (a browser's
form or simple cross-site request cannot).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.contract import PERSONAS, REQUIRED_SCOPE, DetailSpec

from . import choices
from .errors import mock_error
from .routing import Endpoint, resource
from .state import state_of
from .streams import BodyNotJson, BodyTooLarge, BodyUnrepresentable, read_json
from .tokens import ALGORITHMS

PREFIX = "/__mock__"
SECRET_HEADER = "X-Mock-Control-Secret"
JSON = "application/json"
_TEN_YEARS = 10 * 365 * 24 * 3600
_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
_NOT_GIVEN = object()


class Fields:
    """Typed reads from a JSON object, collecting every problem for one 422."""

    def __init__(self, body: Any, known: tuple[str, ...]) -> None:
        self.problems: list[DetailSpec] = []
        self.body: dict[str, Any] = body if isinstance(body, dict) else {}
        if not isinstance(body, dict):
            self.problems.append(choices.NOT_JSON)
        for key in self.body:
            if key not in known:
                self.problems.append(choices.invalid_property(str(key)[:100], "is not known."))

    def _bad(self, name: str, why: str) -> None:
        self.problems.append(choices.invalid_property(name, why))

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.body.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self._bad(name, f"must be an integer from {low} to {high}.")
            return default
        return value

    def text(self, name: str, default: str | None, allowed: tuple[Any, ...] | None = None,
             *, nullable: bool = True) -> str | None:
        value = self.body.get(name, default)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or len(value) > 1000 or (
                allowed is not None and value not in allowed):
            kind = f"one of {', '.join(allowed)}" if allowed else "a string"
            self._bad(name, f"must be {kind}{' or null' if nullable else ''}.")
            return default
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.body.get(name, {})
        if not isinstance(value, dict):
            self._bad(name, "must be an object.")
            return {}
        return value

    def check(self) -> None:
        if self.problems:
            raise mock_error(choices.INVALID_CONTROL_REQUEST, *self.problems)


async def _json(request: Request) -> Any:
    """The body (no body: {}), or _NOT_GIVEN for one that is not JSON (Fields says so)."""
    try:
        return await read_json(request, state_of(request).settings.max_json_bytes,
                               if_empty={})
    except BodyTooLarge:
        raise mock_error(choices.INVALID_CONTROL_REQUEST, choices.JSON_TOO_LARGE) from None
    except BodyUnrepresentable:
        raise mock_error(choices.INVALID_CONTROL_REQUEST, choices.UNREPRESENTABLE) from None
    except BodyNotJson:
        return _NOT_GIVEN


async def reset(request: Request) -> Response:
    state_of(request).reset()
    return Response(status_code=204)


async def world(request: Request) -> Response:
    seed = state_of(request).world.seed
    return JSONResponse({
        "organizations": [{"id": org.id, "name": org.name} for org in seed.organizations],
        "personas": {name: {"user_id": user.id, "organization": user.organization_id,
                            "client_id": user.client_id, "org_admin": user.org_admin}
                     for name, user in seed.users.items()},
        "itwins": {"shared": seed.shared_itwin_id},
    })


async def mint_token(request: Request) -> Response:
    state = state_of(request)
    fields = Fields(await _json(request), ("persona", "expires_in", "not_before_in", "scope",
                                           "issuer", "audience", "algorithm", "claims"))
    persona = fields.text("persona", None, PERSONAS, nullable=False)
    expires_in = fields.integer("expires_in", state.settings.token_ttl_seconds,
                                -_TEN_YEARS, _TEN_YEARS)
    not_before_in = fields.integer("not_before_in", 0, -_TEN_YEARS, _TEN_YEARS)
    scope = fields.text("scope", REQUIRED_SCOPE)
    issuer = fields.text("issuer", None)
    audience = fields.text("audience", None)
    algorithm = fields.text("algorithm", "RS256", ALGORITHMS, nullable=False)
    claims = fields.mapping("claims")
    fields.check()
    user = state.world.seed.users[str(persona)]
    try:
        token = state.tokens.mint(
            user, issuer=issuer if issuer is not None else state.origin(request),
            audience=audience, expires_in=expires_in, not_before_in=not_before_in,
            scope=scope, algorithm=str(algorithm), claims=claims)
    except (TypeError, ValueError, jwt.PyJWTError):
        raise mock_error(choices.INVALID_CONTROL_REQUEST, choices.invalid_property(
            "claims", "cannot be encoded in a token.")) from None
    return JSONResponse({"access_token": token, "token_type": "Bearer",
                         "expires_in": expires_in})


async def add_fault(request: Request) -> Response:
    state = state_of(request)
    fields = Fields(await _json(request), ("status", "count", "retry_after", "latency_ms",
                                           "method", "path_prefix"))
    status = fields.body.get("status")
    if status not in (429, 503, None):
        fields.problems.append(choices.invalid_property("status", "must be 429, 503 or null."))
        status = None
    count = fields.integer("count", 1, 1, 10_000)
    retry_after = fields.integer("retry_after", 1, 0, 3600)
    latency_ms = fields.integer("latency_ms", 0, 0, 30_000)
    method = fields.text("method", None, _METHODS)
    path_prefix = fields.text("path_prefix", None)
    if path_prefix is not None and not path_prefix.startswith("/"):
        fields.problems.append(choices.invalid_property("path_prefix", "must start with '/'."))
    if status is None and latency_ms == 0 and not fields.problems:
        fields.problems.append(choices.invalid_property(
            "status", "or latency_ms must be given: this fault would do nothing."))
    fields.check()
    fault = state.faults.add(status=status, count=count, retry_after=retry_after,
                             latency_ms=latency_ms, method=method, path_prefix=path_prefix)
    if fault is None:
        raise mock_error(choices.CAPACITY_EXCEEDED,
                         what=f"at most {state.faults.max_faults} pending faults")
    return JSONResponse({"id": fault.id}, status_code=201)


async def clear_faults(request: Request) -> Response:
    state_of(request).faults.clear()
    return Response(status_code=204)


async def remove_fault(request: Request) -> Response:
    """Idempotent: a fault already used up is as gone as one removed."""
    state_of(request).faults.remove(request.path_params["fault_id"])
    return Response(status_code=204)


def _host_name(value: str) -> str | None:
    """The host name of a Host header or an Origin (lower case, no port, no brackets)."""
    try:
        return urlsplit(value if "//" in value else f"//{value}").hostname
    except ValueError:
        return None


def check_caller(request: Request) -> None:
    """Host, Origin, secret and media type, before the body is read; else the refusal."""
    state = state_of(request)
    own = state.own_names()
    origin = request.headers.get("origin")
    if _host_name(request.headers.get("host", "")) not in own or (
            origin is not None and _host_name(origin) not in own):
        raise mock_error(choices.CONTROL_FOREIGN_HOST)
    given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
    if not hmac.compare_digest(given, state.control_secret.encode()):
        raise mock_error(choices.CONTROL_SECRET_REQUIRED)
    media = request.headers.get("content-type")
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers)
    if (media is not None and media.split(";")[0].strip().lower() != JSON) or (
            media is None and has_body):
        raise mock_error(choices.CONTROL_JSON_ONLY)


def _guarded(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        check_caller(request)
        return await endpoint(request)
    return guarded


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/reset", _guarded(reset), methods=["POST"]),
        Route(f"{PREFIX}/world", _guarded(world), methods=["GET"]),
        Route(f"{PREFIX}/tokens", _guarded(mint_token), methods=["POST"]),
        resource(f"{PREFIX}/faults", {"POST": _guarded(add_fault),
                                      "DELETE": _guarded(clear_faults)}),
        Route(f"{PREFIX}/faults/{{fault_id}}", _guarded(remove_fault), methods=["DELETE"]),
    ]
