"""Redaction: what must never reach a recording, a report or a log.

Recordings are committed and reports are published by CI, so a token or a SAS signature
written there is leaked for good. The client already keeps Authorization out of every
exchange; this is the second line, shared by fidelity, reporting and the terminal: the
run's secrets (the target's static tokens, client secrets and control secret, and every
token the run obtained) are removed by value in every encoding a target or a writer may
give them (`encodings`), and anything shaped like a JWT, a bearer credential or a SAS
signature is removed by shape, whoever minted it. `checked` is the last line: writers check
the final text and refuse to write it if anything survived.

Every shape needs a character base64 never holds ('.', a space, '=' after a non-base64
character), so sweeping a whole HTML file cannot corrupt its image data URIs.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable
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


def _json_escaped(value: str) -> set[str]:
    """`value` inside a JSON string: \\uXXXX or raw for non-ASCII, '/' as is or as '\\/'
    (which JSON allows and some servers write)."""
    forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return forms | {form.replace("/", "\\/") for form in forms}


def _base64_fragments(value: str) -> set[str]:
    """The base64 and base64url characters that encode `value` wherever it starts in a
    longer encoded text (HTTP Basic's `id:secret`, a token in an encoded blob): one run of
    characters for each of the three alignments, those the neighbouring bytes cannot
    change."""
    raw = value.encode()
    fragments = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + raw).decode()
        first = -(-8 * offset // 6)  # the first character made of `value`'s bits only
        last = 8 * (offset + len(raw)) // 6  # past the last character wholly its own
        fragment = encoded[first:last]
        fragments |= {fragment, fragment.replace("+", "-").replace("/", "_")}
    return fragments


# How deep escapes nest: a body's JSON string, quoted in an assertion message, shown in a
# traceback's locals (each a backslash-escaping level).
ESCAPE_LEVELS = 3


def encodings(secret: str) -> set[str]:
    """Every form `secret` can take in text this project writes or a target sends back:
    raw, URL-encoded (query and path), backslash-escaped (JSON, Python reprs, up to
    ESCAPE_LEVELS deep), HTML- and XML-escaped (reports, junit.xml), base64 and base64url."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    level = forms
    for _ in range(ESCAPE_LEVELS):
        level = {escaped for form in level for escaped in _json_escaped(form)}
        forms |= level
    marked_up = {html.escape(form, quote=quote_marks) for form in forms
                 for quote_marks in (True, False)}
    return forms | marked_up | {form.replace("&#x27;", "&apos;") for form in marked_up
                                } | _base64_fragments(secret)


class Redactor:
    """Removes one run's secrets by value, in every encoding, and every token-shaped value
    by shape.

    The secrets are `secrets`, plus whatever `source()` returns at the time of each call:
    the tokens a run obtains arrive while it runs.
    """

    def __init__(self, secrets: Iterable[str] = (),
                 source: Callable[[], Iterable[str]] | None = None) -> None:
        self._fixed = frozenset(secrets)
        self._source = source
        self._known: frozenset[str] | None = None
        self._forms: tuple[str, ...] = ()

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        return cls(secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every form of every secret, longest first (so a secret that contains another,
        or a form that contains a shorter one, is removed whole)."""
        known = self._fixed | frozenset(self._source() if self._source else ())
        if known != self._known:
            forms: set[str] = set()
            for secret in known:
                if len(secret) >= MIN_SECRET_LENGTH:
                    forms |= encodings(secret)
            self._known = known
            self._forms = tuple(sorted(forms, key=len, reverse=True))
        return self._forms

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
