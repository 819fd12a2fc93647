"""The identity side: POST /connect/token (client credentials) and OpenID discovery.

This stands in for IMS, not for the iTwins API, so its errors are OAuth 2.0's
(`{"error": "invalid_client"}`, RFC 6749 section 5.2), as a real token endpoint answers.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conformance.contract import REQUIRED_SCOPE

from .state import state_of
from .streams import BodyTooLarge, read_limited
from .world import User

TOKEN_PATH = "/connect/token"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = DISCOVERY_PATH + "/jwks"
FORM = "application/x-www-form-urlencoded"


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers={"Cache-Control": "no-store"})


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_id and secret from HTTP Basic, which RFC 6749 requires servers to accept."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


def _form_value(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values and len(values) == 1 else None


async def token(request: Request) -> Response:
    state = state_of(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM:
        return oauth_error(400, "invalid_request", f"Content-Type must be {FORM}.")
    try:
        raw = await read_limited(request, state.settings.max_json_bytes)
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    except (BodyTooLarge, UnicodeDecodeError, ValueError):
        return oauth_error(400, "invalid_request", "The form body is invalid.")
    if _form_value(form, "grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    credentials = _basic_credentials(request) or (
        _form_value(form, "client_id") or "", _form_value(form, "client_secret") or "")
    user: User | None = state.world.client(*credentials)
    if user is None:
        return oauth_error(401, "invalid_client", "Unknown client or wrong secret.")
    scopes = (_form_value(form, "scope") or REQUIRED_SCOPE).split()
    if not scopes or any(scope != REQUIRED_SCOPE for scope in scopes):
        return oauth_error(400, "invalid_scope", f"The only scope is {REQUIRED_SCOPE}.")
    ttl = state.settings.token_ttl_seconds
    access_token = state.tokens.mint(user, issuer=state.origin(request), expires_in=ttl)
    return JSONResponse({"access_token": access_token, "token_type": "Bearer",
                         "expires_in": ttl, "scope": REQUIRED_SCOPE},
                        headers={"Cache-Control": "no-store"})


async def discovery(request: Request) -> Response:
    origin = state_of(request).origin(request)
    return JSONResponse({
        "issuer": origin,
        "jwks_uri": origin + JWKS_PATH,
        "token_endpoint": origin + TOKEN_PATH,
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [REQUIRED_SCOPE],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
    })


async def jwks(request: Request) -> Response:
    return JSONResponse(state_of(request).tokens.jwks())
