"""A client for the mock's control API (`[mock] control_url` of its target file).

Only tests marked `mock_only` use it, and only over HTTP: the suite never imports the mock.
Every request carries the mock's control secret (`[mock] control_secret`), without which
the control API refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from .targets import Target
from .tls import tls_context

# The header the mock's control API reads its secret from (docs/mock.md).
SECRET_HEADER = "X-Mock-Control-Secret"


class ControlError(Exception):
    """The control API refused a request; the message carries its error body."""


@dataclass
class MockControl:
    control_url: str
    control_secret: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        headers = {SECRET_HEADER: self.control_secret} if self.control_secret else {}
        self._http = httpx.Client(base_url=self.control_url.rstrip("/"), timeout=self.timeout,
                                  headers=headers, verify=tls_context())
        self._injected: list[str] = []

    @classmethod
    def of(cls, target: Target) -> MockControl:
        """The control API of a mock's target (which must have `[mock] control_url`)."""
        if target.control_url is None:
            raise ValueError(f"target {target.name} is not a mock (no [mock] control_url)")
        secret = target.control_secret.reveal() if target.control_secret else None
        return cls(target.control_url, secret)

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
