"""A test's exchanges as the reports show them: compact calls for report.json, and bounded
views (headers, a body excerpt) for report.html. The exchanges come redacted from the
evidence; the files are swept again when written."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass

from ..client import Exchange

MAX_EXCHANGE_VIEWS = 40  # per test, in the HTML
MAX_CALLS = 200  # per test, in the JSON (the fuzz tests make hundreds)
MAX_BODY_TEXT = 2000  # characters of a response body shown
DROPPED_RESPONSE_HEADERS = ("set-cookie",)
TEXT_MEDIA = ("application/json", "text/", "application/problem+json")


@dataclass(frozen=True)
class Call:
    """One request, as a script compares it."""

    persona: str | None
    operation: str | None
    method: str
    path: str
    status: int
    retries: int

    @classmethod
    def of(cls, exchange: Exchange) -> Call:
        return cls(exchange.persona, exchange.operation, exchange.method, exchange.path,
                   exchange.status, exchange.retries)

    def as_dict(self) -> dict[str, object]:
        return {"persona": self.persona, "operation": self.operation, "method": self.method,
                "path": self.path, "status": self.status, "retries": self.retries}


@dataclass(frozen=True)
class ExchangeView:
    """One exchange as the HTML shows it. The client keeps no Authorization header and
    paths carry no query."""

    call: Call
    elapsed_ms: float
    request_headers: dict[str, str]
    request_size: int
    response_headers: dict[str, str]
    body: str

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeView:
        headers = {k: v for k, v in exchange.response_headers.items()
                   if k.lower() not in DROPPED_RESPONSE_HEADERS}
        return cls(Call.of(exchange), round(exchange.elapsed * 1000, 1),
                   dict(exchange.request_headers), exchange.request_size, headers,
                   body_text(exchange))


def body_text(exchange: Exchange) -> str:
    """A JSON or text body as text (bounded), anything else as its size and type."""
    body = exchange.response_body
    if not body:
        return ""
    media = next((v for k, v in exchange.response_headers.items()
                  if k.lower() == "content-type"), "")
    if not any(media.lower().startswith(kind) or kind in media.lower() for kind in TEXT_MEDIA):
        return f"({len(body):,} bytes of {media or 'unknown type'})"
    text = body[:MAX_BODY_TEXT * 2].decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(body), indent=1)
    if len(text) > MAX_BODY_TEXT:
        text = text[:MAX_BODY_TEXT] + f"... ({len(body):,} bytes)"
    return text
