"""Forged variants of a real access token, for the auth tests.

Only the header and signature change; the claims stay those of a token the target issued,
so a target that accepts the forgery has skipped its signature check.
"""

from __future__ import annotations

import base64
import json


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def is_jwt(token: str) -> bool:
    return token.count(".") == 2 and all(token.split("."))


def tampered(token: str) -> str:
    """The token with one character in the middle of its signature changed."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{swapped}{signature[middle + 1:]}"


def unsigned(token: str) -> str:
    """The token's claims under `alg: none`, with no signature."""
    _, payload, _ = token.split(".")
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{payload}."
