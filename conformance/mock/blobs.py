"""The blob store behind the image URLs, and SAS-style links that sign each one.

Links are shaped like the real Azure SAS links (`sv`, `sr=b`, `sig`, `se`, `sp=r`) and
readable without a token; the signature is an HMAC over the blob, the expiry and the
permissions, with a key that lives as long as the mock. The store counts its bytes and
refuses what would pass its cap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from . import choices
from .errors import mock_error

SMALL = "context-thumbnails"
LARGE = "context-images"
SAS_VERSION = "2022-11-02"
_EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Blob:
    data: bytes
    content_type: str


class BlobStore:
    """Blobs by (container, name), with a running byte count against a cap."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._blobs: dict[tuple[str, str], Blob] = {}
        self.total_bytes = 0

    def fits(self, adding: int, freeing: int = 0) -> bool:
        return self.total_bytes - freeing + adding <= self.max_bytes

    def size(self, container: str, name: str) -> int:
        blob = self._blobs.get((container, name))
        return len(blob.data) if blob else 0

    def put(self, container: str, name: str, blob: Blob) -> None:
        self.remove(container, name)
        self._blobs[(container, name)] = blob
        self.total_bytes += len(blob.data)

    def remove(self, container: str, name: str) -> None:
        blob = self._blobs.pop((container, name), None)
        if blob is not None:
            self.total_bytes -= len(blob.data)

    def get(self, container: str, name: str) -> Blob | None:
        return self._blobs.get((container, name))

    def clear(self) -> None:
        self._blobs.clear()
        self.total_bytes = 0


class SasSigner:
    """Signs and checks read-only links to one blob, valid for `ttl_seconds`."""

    def __init__(self, ttl_seconds: int) -> None:
        self.ttl_seconds = ttl_seconds
        self._key = secrets.token_bytes(32)

    def _signature(self, container: str, name: str, expiry: str) -> str:
        to_sign = "\n".join(("r", expiry, f"/blob/mock/{container}/{name}", SAS_VERSION, "b"))
        digest = hmac.new(self._key, to_sign.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def url(self, origin: str, container: str, name: str, *, expires_at: float | None = None
            ) -> str:
        """A link to the blob, valid until `expires_at` (default: now + ttl)."""
        when = expires_at if expires_at is not None else time.time() + self.ttl_seconds
        expiry = datetime.fromtimestamp(int(when), UTC).strftime(_EXPIRY_FORMAT)
        query = urlencode({"sv": SAS_VERSION, "sr": "b",
                           "sig": self._signature(container, name, expiry),
                           "se": expiry, "sp": "r"})
        return f"{origin}/blobs/{container}/{quote(name)}?{query}"

    def allows(self, container: str, name: str, query: dict[str, list[str]]) -> bool:
        """Whether the query is an untampered, unexpired read link for this blob."""
        values = {key: query[key][0] for key in ("sv", "sr", "sig", "se", "sp")
                  if len(query.get(key, ())) == 1}
        if len(values) != 5 or (values["sv"], values["sr"], values["sp"]) != (
                SAS_VERSION, "b", "r"):
            return False
        expected = self._signature(container, name, values["se"])
        if not hmac.compare_digest(expected.encode(), values["sig"].encode()):
            return False
        try:
            expiry = datetime.strptime(values["se"], _EXPIRY_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return False
        return expiry.timestamp() > time.time()


def parse_query(request: Request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        found.setdefault(key, []).append(value)
    return found


async def download(request: Request) -> Response:
    """GET/HEAD of a blob link: 403 for a bad or expired link, 404 for a blob now gone."""
    state = request.app.state.mock
    container = request.path_params["container"]
    name = request.path_params["name"]
    if not state.sas.allows(container, name, parse_query(request)):
        raise mock_error(choices.BLOB_AUTH_FAILED)
    blob = state.blobs.get(container, name)
    if blob is None:
        raise mock_error(choices.BLOB_NOT_FOUND)
    return Response(blob.data, media_type=blob.content_type,
                    headers={"x-ms-blob-type": "BlockBlob", "Cache-Control": "no-cache"})
