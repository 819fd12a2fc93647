"""A client for the mock's control API (`[mock] control_url` of its target file).

Only tests marked `mock_only` use it, and only over HTTP: the suite never imports the mock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class ControlError(Exception):
    """The control API refused a request; the message carries its error body."""


@dataclass
class MockControl:
    control_url: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.control_url.rstrip("/"), timeout=self.timeout)

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        response = self._http.post(path, json=body)
        if response.status_code >= 300:
            raise ControlError(f"POST {path} -> {response.status_code}: {response.text[:300]}")
        return response

    def mint_token(self, persona: str, **claims: Any) -> str:
        """A token for `persona` with chosen expiry, scope, issuer, audience or algorithm.

        Keywords: expires_in, not_before_in, scope, issuer, audience, algorithm, claims.
        """
        reply = self._post("/tokens", {"persona": persona, **claims}).json()
        return str(reply["access_token"])

    def inject_fault(self, *, status: int | None = None, count: int = 1, retry_after: int = 1,
                     latency_ms: int = 0, method: str | None = None,
                     path_prefix: str | None = None) -> None:
        """The next `count` API requests matching method and path prefix get this fault."""
        self._post("/faults", {"status": status, "count": count, "retry_after": retry_after,
                               "latency_ms": latency_ms, "method": method,
                               "path_prefix": path_prefix})

    def clear_faults(self) -> None:
        self._http.delete("/faults")
