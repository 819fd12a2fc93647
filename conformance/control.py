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
        self._injected: list[str] = []

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
                     path_prefix: str | None = None) -> str:
        """The next `count` API requests matching method and path prefix get this fault."""
        reply = self._post("/faults", {"status": status, "count": count,
                                       "retry_after": retry_after, "latency_ms": latency_ms,
                                       "method": method, "path_prefix": path_prefix})
        fault_id = str(reply.json()["id"])
        self._injected.append(fault_id)
        return fault_id

    def remove_injected_faults(self) -> None:
        """Remove the faults this client injected, and only those: other xdist workers share
        the mock and may have faults of their own pending."""
        while self._injected:
            fault_id = self._injected.pop()
            response = self._http.delete(f"/faults/{fault_id}")
            if response.status_code not in (204, 404):  # 404: already used up
                raise ControlError(f"DELETE /faults/{fault_id} -> {response.status_code}")
