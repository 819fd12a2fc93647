"""Redaction: what must never reach a recording or a report.

Recordings are committed to git and reports are published by CI, so a token or a SAS
signature written there is leaked for good. The client already keeps Authorization out of
every exchange; this is the second line: the target's own secrets (static tokens, client
secrets) are scrubbed wherever they appear, and so is anything shaped like a bearer token,
a JWT or a SAS signature, whoever minted it. `leaks` is the last line: writers check the
final text and refuse to write if anything survived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "<redacted>"
# Shorter values would scrub ordinary words; no real token or client secret is this short.
MIN_SECRET_LENGTH = 6

# A JWT: base64url header starting `{"` (eyJ), payload, and a signature that may be empty
# (alg none). Both dots are required, so ordinary words starting `eyJ` are left alone.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# A SAS signature in any URL or text: `sig=...` up to the next separator.
_SIG = re.compile(r"(?i)(?<![A-Za-z0-9_])(sig=)(?!<redacted>)[^&\s\"'#<>]+")
# `Bearer <token>` in an echoed header or message.
_BEARER = re.compile(r"(?i)(bearer\s+)(?!<redacted>)[^\s\"',;]+")


class Redactor:
    """Scrubs one target's secrets and every token-shaped value from text and JSON trees."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(forms, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        value = _JWT.sub(REDACTED, value)
        value = _SIG.sub(lambda m: m.group(1) + REDACTED, value)
        return _BEARER.sub(lambda m: m.group(1) + REDACTED, value)

    def tree(self, data: Any) -> Any:
        """A copy of a JSON-like tree with every string (keys too) scrubbed."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self.text(str(k)): self.tree(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.tree(item) for item in data]
        return data

    def leaks(self, text: str) -> list[str]:
        """What kind of secret survives in `text` (never the value itself); [] when clean."""
        found = []
        if any(secret in text for secret in self._secrets):
            found.append("a secret of the target")
        if _JWT.search(text):
            found.append("a JWT")
        if _SIG.search(text):
            found.append("a SAS signature")
        if _BEARER.search(text):
            found.append("a bearer token")
        return found


class LeakError(RuntimeError):
    """Refusal to write a file that would still hold a secret."""


def checked(redactor: Redactor, text: str, where: str) -> str:
    """`text` if it is clean; raises `LeakError` naming the kind of leak otherwise."""
    leaks = redactor.leaks(text)
    if leaks:
        raise LeakError(f"refusing to write {where}: it would contain {', '.join(leaks)}")
    return text
