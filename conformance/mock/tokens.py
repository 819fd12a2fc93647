"""Access tokens: the mock's RS256 key, the tokens it mints, and what makes one valid.

The token endpoint (identity_provider.py) and the control API mint them; every API call
checks the bearer's (access.py).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.contract import REQUIRED_SCOPE

from .world import User

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
