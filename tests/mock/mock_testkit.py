"""Shared helpers for the mock's tests: a client for a running mock, small images, checks.

The fixtures live in `mock_fixtures`, which each test module that starts a mock names in its
`pytest_plugins` (the mock's tests, and the fidelity and suite tests that start variants).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from conformance.contract import ERROR, DetailSpec, error_body, validate
from conformance.mock import MockSettings, RunningMock, serve_in_thread
from conformance.mock.control_api import SECRET_HEADER

# `start_mock(**settings)` (mock_fixtures): a mock with those settings.
StartMock = Callable[..., RunningMock]


def png(width: int = 64, height: int = 48, color: Any = (200, 30, 30), mode: str = "RGB"
        ) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, "PNG")
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def padded_png(total: int) -> bytes:
    """A valid PNG of exactly `total` bytes: a private ancillary chunk fills the gap."""
    base = png(32, 32)
    iend = base.rindex(b"IEND") - 4
    filler = chunk(b"prVt", b"\0" * (total - len(base) - 12))
    data = base[:iend] + filler + base[iend:]
    assert len(data) == total
    return data


def jpeg(width: int = 64, height: int = 48, color: Any = (30, 30, 200), *,
         orientation: int | None = None, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    if orientation is None:
        image.save(out, "JPEG", quality=quality)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def errors_of(operation_id: str | None, response: httpx.Response) -> list[str]:
    """Contract violations of severity error (warnings, e.g. an undocumented 4xx, pass)."""
    return [str(v) for v in validate(operation_id, response) if v.severity == ERROR]


def assert_conforms(operation_id: str | None, response: httpx.Response) -> None:
    assert errors_of(operation_id, response) == [], response.text


def assert_error_body(response: httpx.Response, status: int, code: str,
                      *details: DetailSpec, operation_id: str | None = None, **params: str) -> None:
    """Exactly the catalogue's error body, byte for byte (the suite's `assert_error` is
    looser: it checks status, code and message, as a real service may add fields), and a body
    that validates against the contract."""
    assert response.status_code == status, response.text
    assert response.json() == error_body(code, details=details, **params)
    assert_conforms(operation_id, response)


@dataclass
class Api:
    """A client for one running mock, with tokens per persona fetched once."""

    mock: RunningMock
    http: httpx.Client
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def shared(self) -> str:
        return self.mock.state.world.seed.shared_itwin_id

    def token(self, persona: str) -> str:
        if persona not in self._tokens:
            user = self.mock.state.world.seed.users[persona]
            reply = self.http.post(f"{self.mock.origin}/connect/token", data={
                "grant_type": "client_credentials", "client_id": user.client_id,
                "client_secret": user.client_secret, "scope": "itwin-platform"})
            reply.raise_for_status()
            self._tokens[persona] = reply.json()["access_token"]
        return self._tokens[persona]

    def auth(self, persona: str = "org_admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(persona)}"}

    def url(self, itwin_id: str, image: bool = True) -> str:
        return f"{self.mock.base_url}/{itwin_id}" + ("/image" if image else "")

    def new_itwin(self, persona: str = "org_admin") -> str:
        reply = self.http.post(self.mock.base_url, headers=self.auth(persona), json={
            "displayName": "test iTwin", "class": "Endeavor", "subClass": "Project"})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["iTwin"]["id"])

    def upload(self, itwin_id: str, body: Any, content_type: str | None = "image/png",
               persona: str = "org_admin", **headers: str) -> httpx.Response:
        sent = {**self.auth(persona), **headers}
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.http.put(self.url(itwin_id), content=body, headers=sent)

    def get_image(self, itwin_id: str, persona: str = "org_admin") -> httpx.Response:
        return self.http.get(self.url(itwin_id), headers=self.auth(persona))

    def delete_image(self, itwin_id: str, persona: str = "org_admin") -> httpx.Response:
        return self.http.delete(self.url(itwin_id), headers=self.auth(persona))

    def get_itwin(self, itwin_id: str, persona: str = "org_admin") -> httpx.Response:
        return self.http.get(self.url(itwin_id, image=False), headers=self.auth(persona))

    def control(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                **kwargs: Any) -> httpx.Response:
        """A control API request with the mock's secret (and JSON, when `json=` is given)."""
        sent = {SECRET_HEADER: self.mock.control_secret, **(headers or {})}
        return self.http.request(method, f"{self.mock.control_url}{path}", headers=sent,
                                 **kwargs)


def api_for(settings: MockSettings | None = None) -> Iterator[Api]:
    with serve_in_thread(settings) as mock, httpx.Client(timeout=30) as http:
        yield Api(mock, http)
