"""Redaction: what must never reach a recording, a report or a log.

Recordings are committed and reports are published by CI, so a token or a SAS signature
written there is leaked for good. The client already keeps Authorization out of every
exchange; this is the second line, shared by fidelity and reporting: the target's own
secrets (static tokens, client secrets, also URL-encoded) are removed by value, and anything
shaped like a JWT, a bearer credential or a SAS signature is removed by shape, whoever
minted it. `checked` is the last line: writers check the final text and refuse to write it
if anything survived.

Every shape needs a character base64 never holds ('.', a space, '=' after a non-base64
character), so sweeping a whole HTML file cannot corrupt its image data URIs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

# Brackets, not angle brackets: a whole HTML or Markdown file is swept too, where "<...>"
# would read as a tag.
REDACTED = "[REDACTED]"
# Secrets shorter than this are not removed by value: a placeholder token ("t") in a test
# target would shred every text, and no real token or client secret is that short.
MIN_SECRET_LENGTH = 8

# A JWT: base64url of '{"' (eyJ), a second segment, and a signature that may be empty
# (alg none). The required '.' keeps base64 image data, which never holds one, safe.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")
# A credential after the scheme, at least 8 token characters, so prose ("the bearer
# token") is left alone while any real credential, JWT or opaque, is removed.
BEARER = re.compile(r"(\b[Bb]earer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}")
# `sig=` as a query parameter: never after a base64 character, so a data URI ending in
# `...sig==` is left alone; stops at the next separator (also '&amp;' in HTML).
SAS_SIGNATURE = re.compile(r"(?<![A-Za-z0-9+/])(sig=)(?!\[REDACTED\])[^&\s'\"<>\\#]+",
                           re.IGNORECASE)


class Redactor:
    """Removes one run's secrets by value and every token-shaped value by shape."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_SECRET_LENGTH:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = tuple(sorted(forms, key=len, reverse=True))

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        return cls(secrets)

    def text(self, value: str) -> str:
        """`value` without any secret, token or signature."""
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        value = JWT.sub(REDACTED, value)
        value = BEARER.sub(lambda m: m.group(1) + REDACTED, value)
        return SAS_SIGNATURE.sub(lambda m: m.group(1) + REDACTED, value)

    def tree(self, data: Any) -> Any:
        """A copy of a JSON-like tree with every string (keys too) redacted."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self.text(str(k)): self.tree(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.tree(item) for item in data]
        return data

    def leaks(self, value: str) -> list[str]:
        """The kinds of secret `text` would remove from `value` (never the values): [] when
        `value` is clean."""
        found = []
        if any(secret in value for secret in self.secrets):
            found.append("a secret of the target")
        for pattern, kind in ((JWT, "a JWT"), (BEARER, "a bearer credential"),
                              (SAS_SIGNATURE, "a SAS signature")):
            if pattern.search(value):
                found.append(kind)
        return found


class LeakError(RuntimeError):
    """Refusal to write a file that would still hold a secret."""


def checked(redactor: Redactor, text: str, where: str) -> str:
    """`text` if it is clean; raises `LeakError` naming the kind of leak otherwise."""
    leaks = redactor.leaks(text)
    if leaks:
        raise LeakError(f"refusing to write {where}: it would contain {', '.join(leaks)}")
    return text
