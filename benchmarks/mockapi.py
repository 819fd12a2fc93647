"""The least HTTP a benchmark needs to drive a mock: a token, an iTwin, an upload.

Deliberately plain httpx, with none of the suite's validation, so what is timed is the
mock and the transfer, not the client's checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from conformance.contract import ACCEPT_V1
from conformance.control_client import SECRET_HEADER
from conformance.images import Case, fixture_path

TIMEOUT = 120.0


@dataclass
class MockApi:
    """One persona's view of a mock at `base_url` (…/itwins), token from its control API
    (which wants the mock's control secret)."""

    base_url: str
    control_url: str
    control_secret: str
    persona: str = "org_admin"
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT))
    _token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        if self._token is None:
            reply = self.http.post(f"{self.control_url}/tokens", json={"persona": self.persona},
                                   headers={SECRET_HEADER: self.control_secret})
            reply.raise_for_status()
            self._token = str(reply.json()["access_token"])
        return {"Authorization": f"Bearer {self._token}", "Accept": ACCEPT_V1}

    def new_itwin(self, name: str = "benchmark") -> str:
        reply = self.http.post(self.base_url, headers=self.headers, json={
            "displayName": name, "class": "Endeavor", "subClass": "Project"})
        if reply.status_code != 201:
            raise RuntimeError(f"could not create an iTwin: {reply.status_code} {reply.text}")
        return str(reply.json()["iTwin"]["id"])

    def upload(self, itwin_id: str, body: bytes | Iterable[bytes], content_type: str | None
               ) -> httpx.Response:
        headers = dict(self.headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.http.put(f"{self.base_url}/{itwin_id}/image", content=body,
                             headers=headers)

    def close(self) -> None:
        self.http.close()


def fixture_body(case: Case) -> bytes:
    """A warm fixture's bytes (the caller has run `ensure_fixtures`)."""
    return fixture_path(case).read_bytes()
