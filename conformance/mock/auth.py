"""Access tokens: the mock's RS256 key, minting, and the checks every API call makes.

Each failure answers the catalogue's 401 with its exact message, in the order a gateway
meets them: the header, its scheme, the token itself, then the scope.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request

from conformance.contract import REQUIRED_SCOPE

from .errors import documented
from .settings import MockSettings
from .world import User, World

AUDIENCE = REQUIRED_SCOPE
ALGORITHMS = ("RS256", "HS256", "none")
_REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class TokenIssuer:
    """The mock's signing key (kept across resets) and the tokens it mints and checks."""

    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public = self._private.public_key()
        self.kid = secrets.token_hex(8)
        # HS256 tokens exist only to be rejected; their secret is as throwaway as the key.
        self._hs_secret = secrets.token_bytes(32)

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._public, as_dict=True)
        jwk.pop("key_ops", None)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def mint(self, user: User, *, issuer: str, audience: str | None = None,
             expires_in: int, not_before_in: int = 0, scope: str | None = REQUIRED_SCOPE,
             algorithm: str = "RS256", claims: dict[str, Any] | None = None) -> str:
        """A token for `user`; every argument can be set wrong on purpose."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": issuer, "aud": audience if audience is not None else AUDIENCE,
            "sub": user.id, "client_id": user.client_id, "iat": now,
            "nbf": now + not_before_in, "exp": now + expires_in,
            "jti": secrets.token_hex(8)}
        if scope is not None:
            payload["scope"] = scope.split()
        payload.update(claims or {})
        if algorithm == "RS256":
            return jwt.encode(payload, self._private, algorithm="RS256",
                              headers={"kid": self.kid})
        if algorithm == "HS256":
            return jwt.encode(payload, self._hs_secret, algorithm="HS256")
        if algorithm == "none":
            return jwt.encode(payload, "", algorithm="none")
        raise ValueError(f"algorithm must be one of {ALGORITHMS}")

    def verify(self, token: str, issuer: str, *, check_expiry: bool = True) -> dict[str, Any]:
        """The claims of a valid token; raises `jwt.PyJWTError` (or ValueError) otherwise.
        (`check_expiry` False exists only for the mock's deliberate breaks.)"""
        claims: dict[str, Any] = jwt.decode(
            token, self._public, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer,
            options={"require": _REQUIRED_CLAIMS, "verify_exp": check_expiry}, leeway=0)
        return claims


def has_scope(claims: dict[str, Any]) -> bool:
    """IMS writes `scope` as a list; a space-separated string is accepted too."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return REQUIRED_SCOPE in scope.split()
    return isinstance(scope, list) and REQUIRED_SCOPE in scope


def _checks_expiry(request: Request, settings: MockSettings) -> bool:
    if settings.broken("expiry-not-checked"):
        return False
    reading = request.method in ("GET", "HEAD")
    return not (reading and settings.broken("expiry-checked-on-writes-only"))


def authenticate(request: Request, tokens: TokenIssuer, world: World, issuer: str,
                 settings: MockSettings) -> User:
    """The caller, or the catalogue's 401 for the first check that fails."""
    header = request.headers.get("authorization")
    if header is None:
        raise documented("HeaderNotFound")
    parts = header.split(None, 1)
    if not parts:
        raise documented("InvalidHeaderValue")
    scheme = parts[0]
    if scheme.lower() != "bearer":
        raise documented("InvalidAuthorizationScheme", scheme=scheme)
    token = parts[1].strip() if len(parts) > 1 else ""
    try:
        claims = tokens.verify(token, issuer, check_expiry=_checks_expiry(request, settings))
    except (jwt.PyJWTError, ValueError, TypeError):
        raise documented("Unauthorized") from None
    if not has_scope(claims) and not settings.broken("scope-not-checked"):
        raise documented("RequiredScopeMissing")
    user = world.user(claims.get("sub"))
    if user is None:
        raise documented("Unauthorized")
    return user
