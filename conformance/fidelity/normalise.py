"""One test's exchanges as stable, comparable data: volatile values become placeholders.

Two runs of the same test never see the same ids, names, URLs, signatures or dates, yet
what matters is how those values relate: the id in the 201 is the id the GET returns, the
large URL serves the bytes that were uploaded. So every volatile value becomes a numbered
placeholder such as `<image-id:1>`, numbered per test in the order first seen, and the same
value always gets the same placeholder. Numbering per test (never per module or per
worker) keeps a recording the same however xdist splits a module and in whatever order
tests run.

Values that are volatile but whose coincidences mean nothing become unnumbered
placeholders: dates (`<date>`; two timestamps in the same second are equal by chance) and
counters. Secrets are redacted first (`redact.py`) and never get a placeholder at all.

JSON objects are walked in sorted key order, so the numbering does not depend on the order
in which a service happens to write its keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..redact import REDACTED, Redactor

if TYPE_CHECKING:
    from conformance.client import Exchange

DOWNLOAD = "download"  # the operation the client gives blob downloads

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
URL = re.compile(r"https?://[^\s\"'<>]+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                      r"(?:Z|[+-]\d{2}:?\d{2})?)?")
HTTP_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} "
                       r"\d{2}:\d{2}:\d{2} GMT")
DATE = "<date>"
COUNT = "<count>"

# The request headers that say something about the request (Authorization never reaches
# an exchange; Content-Length is the body's size, recorded with the body).
REQUEST_HEADERS = ("accept", "content-type")


def _verbatim(normaliser: Normaliser, name: str, value: str) -> str:
    return normaliser.text(value, "id")


def _counter(normaliser: Normaliser, name: str, value: str) -> str:
    return COUNT


def _correlation(normaliser: Normaliser, name: str, value: str) -> str:
    return normaliser.placeholders.of("correlation-id", ("header", value))


# The response headers that matter, and how each is made stable. Everything else (Date,
# Server, Content-Length, caching, hop-by-hop) differs between any two servers and says
# nothing about the API. Content-Type is recorded on its own.
RESPONSE_HEADERS: dict[str, Callable[[Normaliser, str, str], str]] = {
    "retry-after": _verbatim,
    "allow": _verbatim,
    "location": _verbatim,
    "www-authenticate": _verbatim,
    "x-ms-blob-type": _verbatim,
    "itwinplatform-ratelimit-retry-after-seconds": _verbatim,
    "itwinplatform-ratelimit-remainingcalls": _counter,
    "x-correlation-id": _correlation,
}

# Values that name a thing rather than describe the API's behaviour: whoever made an iTwin
# chose its number and display name (the suite makes them unique per run, a mock per start,
# staging once), so each is a placeholder of its own, by (owner, key).
NAMED_BY_OWNER = {("iTwin", "number"): "itwin-number", ("iTwin", "displayName"): "itwin-name"}

# What kind of id a UUID is, from the JSON key that holds it (or that key's owner for `id`).
_ID_KIND_BY_OWNER = {"image": "image-id", "iTwin": "itwin-id"}
_ID_KIND_BY_KEY = {
    "smallImageName": "image-id", "largeImageName": "image-id", "smallImageUrl": "image-id",
    "largeImageUrl": "image-id", "imageName": "image-id", "image": "image-id",
    "createdBy": "user-id", "lastModifiedBy": "user-id",
    "parentId": "account-id", "iTwinAccountId": "account-id",
}


def id_kind(keys: Sequence[str]) -> str:
    """The placeholder kind for a UUID found under the JSON keys `keys`."""
    if not keys:
        return "id"
    if keys[-1] == "id" and len(keys) > 1:
        return _ID_KIND_BY_OWNER.get(keys[-2], "id")
    return _ID_KIND_BY_KEY.get(keys[-1], "id")


def media_type(value: str | None) -> str | None:
    """A Content-Type written one way: lower case, `; ` between parameters."""
    if value is None:
        return None
    return "; ".join(part.strip() for part in value.lower().split(";") if part.strip())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Placeholders:
    """Numbered stand-ins for one test's volatile values: one value, one placeholder."""

    def __init__(self) -> None:
        self._assigned: dict[tuple[str, str], str] = {}
        self._counts: Counter[str] = Counter()

    def of(self, kind: str, identity: tuple[str, str]) -> str:
        """The placeholder of `identity`; a new one of `kind` the first time it is seen."""
        if identity not in self._assigned:
            self._counts[kind] += 1
            self._assigned[identity] = f"<{kind}:{self._counts[kind]}>"
        return self._assigned[identity]


class Normaliser:
    """Turns one test's exchanges, in order, into recordable dicts sharing one numbering."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.placeholders = Placeholders()

    def exchange(self, exchange: Exchange, phase: str) -> dict[str, Any]:
        """The recorded form of `exchange`, made during the test's `phase`."""
        recorded = {"phase": phase, "request": self._request(exchange),
                    "response": self._response(exchange)}
        result: dict[str, Any] = self.redactor.tree(recorded)
        return result

    # Requests ------------------------------------------------------------------------

    def _request(self, exchange: Exchange) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in exchange.request_headers.items()}
        return {
            "method": exchange.method,
            "path": self.path(exchange.path, download=exchange.operation == DOWNLOAD),
            "operation": exchange.operation,
            "persona": exchange.persona,
            "headers": {name: self.text(headers[name], "id")
                        for name in REQUEST_HEADERS if name in headers},
            "body": self._request_body(exchange, headers.get("content-type")),
        }

    def path(self, path: str, *, download: bool = False) -> str:
        """An API path with its ids replaced; a blob path is the placeholder of its URL."""
        if download:
            return self.placeholders.of("url", ("url", path))
        segments = path.split("/")
        return "/".join(
            self.text(segment, "itwin-id" if i and segments[i - 1] == "itwins" else "id")
            for i, segment in enumerate(segments))

    def _request_body(self, exchange: Exchange,
                      content_type: str | None) -> dict[str, Any] | None:
        if not exchange.request_size or exchange.request_sha256 is None:
            return None
        return {"content_type": media_type(content_type), "size": exchange.request_size,
                "sha256": exchange.request_sha256,
                "bytes": self.placeholders.of("body", ("body", exchange.request_sha256))}

    # Responses -----------------------------------------------------------------------

    def _response(self, exchange: Exchange) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in exchange.response_headers.items()}
        content_type = media_type(headers.get("content-type"))
        return {
            "status": exchange.status,
            "content_type": content_type,
            "headers": {name: RESPONSE_HEADERS[name](self, name, headers[name])
                        for name in sorted(RESPONSE_HEADERS) if name in headers},
            "body": self._response_body(exchange.response_body, content_type),
        }

    def _response_body(self, raw: bytes, content_type: str | None) -> dict[str, Any] | None:
        """JSON as data; any other body only as the identity of its bytes."""
        if not raw:
            return None
        if content_type is not None and "json" in content_type:
            try:
                return {"json": self.json(json.loads(raw))}
            except (ValueError, UnicodeDecodeError):
                pass
        return {"bytes": self.placeholders.of("body", ("body", sha256(raw)))}

    def json(self, data: Any, keys: tuple[str, ...] = ()) -> Any:
        """A JSON value with its volatile strings replaced, objects walked in key order."""
        if isinstance(data, dict):
            return {key: self.json(data[key], (*keys, key)) for key in sorted(data)}
        if isinstance(data, list):
            return [self.json(item, keys) for item in data]
        if isinstance(data, str):
            named = NAMED_BY_OWNER.get((keys[-2], keys[-1])) if len(keys) > 1 else None
            if named is not None:
                return self.placeholders.of(named, (named, data))
            return self.text(data, id_kind(keys))
        return data

    # Strings -------------------------------------------------------------------------

    def text(self, value: str, kind: str) -> str:
        """A string with URLs, UUIDs (as `kind`), dates and the suite's names replaced."""
        pieces = []
        position = 0
        for match in URL.finditer(value):
            pieces.append(self._plain(value[position:match.start()], kind))
            pieces.append(self.url(match.group()))
            position = match.end()
        pieces.append(self._plain(value[position:], kind))
        return self.redactor.text("".join(pieces))

    def url(self, url: str) -> str:
        """`<url:N>` for the resource (same path, same N, however often it is re-signed),
        then the query with keys sorted, the signature redacted and dates replaced."""
        parts = urlsplit(url)
        name = self.placeholders.of("url", ("url", unquote(parts.path)))
        query = parse_qsl(parts.query, keep_blank_values=True)
        if not query:
            return name
        items = sorted((key, REDACTED if key.lower() == "sig" else
                        self._plain(self.redactor.text(value), "id"))
                       for key, value in query)
        return name + "?" + "&".join(f"{key}={value}" for key, value in items)

    def _plain(self, text: str, kind: str) -> str:
        text = self.redactor.text(text)
        text = UUID.sub(lambda m: self.placeholders.of(kind, ("id", m.group().lower())), text)
        text = HTTP_DATE.sub(DATE, text)
        return ISO_DATE.sub(DATE, text)
