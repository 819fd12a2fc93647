"""Redaction: what must never reach a report file, and the one function that removes it.

Reports leave the process (CI artifacts, job summaries), so every text that came from the
traffic or from a failure goes through `Redactor.text` before it is written, and every
written file is swept once more as a whole. What is removed:

- the target's secrets (static tokens, client secrets), by value (any of 8 characters or
  more);
- anything that looks like a JWT (`eyJ<header>.<payload>[.<signature>]`): access tokens
  minted during the run are not in the target file, but they are all JWTs;
- the credential after `Bearer ` (an opaque token would not look like a JWT);
- the value of a SAS `sig=` query parameter (the blob links' signatures).

Every pattern needs a character base64 never contains ('.', '=' after a non-base64
character, a space), so sweeping a whole HTML file cannot corrupt its image data URIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

REDACTED = "[REDACTED]"
# Secrets shorter than this are not removed by value: replacing a 1-character "token" (a
# placeholder in a test target) everywhere would shred every report, and no real access
# token or client secret is that short. Tokens are JWTs, caught by shape anyway.
MIN_SECRET_LENGTH = 8

# Header segment of a JWT starts with base64url of '{"': "eyJ". The second segment is
# required so that a base64 image body (which never holds '.') cannot match.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")
# A credential after the scheme: at least 8 token characters, so prose ("the bearer token")
# is left alone while any real credential, JWT or opaque, is removed.
BEARER = re.compile(r"(\b[Bb]earer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}")
# `sig=` as a query parameter: preceded by '?', '&', ';' (from &amp;) or a quote, never by a
# base64 character, so `...xsig==` at the end of a data URI is left alone.
SAS_SIGNATURE = re.compile(r"(?<![A-Za-z0-9+/])(sig=)(?!\[REDACTED\])[^&\s'\"<>\\]+",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Redactor:
    """Removes secrets by value and by shape; `secrets` are the values known to this run."""

    secrets: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        # Longest first, so a secret containing another is removed whole.
        kept = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        return cls(tuple(sorted(kept, key=len, reverse=True)))

    def text(self, value: str) -> str:
        """`value` without any secret, token or signature."""
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        value = JWT.sub(REDACTED, value)
        value = BEARER.sub(lambda m: m.group(1) + REDACTED, value)
        return SAS_SIGNATURE.sub(lambda m: m.group(1) + REDACTED, value)

    def leaks(self, value: str) -> list[str]:
        """What `text` would remove from `value`: empty when `value` is clean.

        Shown to people as kinds, never as the values themselves.
        """
        found = [f"secret #{i + 1}" for i, s in enumerate(self.secrets) if s in value]
        if JWT.search(value):
            found.append("JWT")
        if BEARER.search(value):
            found.append("Bearer credential")
        if SAS_SIGNATURE.search(value):
            found.append("SAS signature")
        return found
