"""Assertions the suite's tests share: one place that knows how to read an answer.

The client has already checked every response against the schemas; these check the
behaviour a test is about (the status, the documented code and message, what is stored).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import httpx
from PIL import Image

from conformance.client import ApiClient, preparation
from conformance.contract import ERRORS, DetailSpec
from conformance.images import build_bytes, case

# A small documented-valid PNG, stored before a request that must change nothing.
BASELINE_CASE = "ratio-1x1"

# Thumbnails are small; refuse to decode anything pretending otherwise.
MAX_THUMBNAIL_PIXELS = 25_000_000


def describe(response: httpx.Response) -> str:
    request = response.request
    body = response.text[:300] if response.content else "(no body)"
    return f"{request.method} {request.url.path} -> {response.status_code}: {body}"


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def assert_status(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (
        f"expected {' or '.join(map(str, statuses))}, got {describe(response)}")


def assert_error(response: httpx.Response, status: int, code: str, **params: str) -> None:
    """Exactly the catalogue's error: status, code and message (a template filled by params)."""
    assert_status(response, status)
    error = error_of(response)
    assert error["code"] == code, f"expected code {code}, got {describe(response)}"
    spec = ERRORS[code]
    expected = spec.render(**params) if params else None
    if expected is not None:
        assert error["message"] == expected, f"expected message {expected!r}: {describe(response)}"
    else:
        assert spec.matches(error["message"]), (
            f"expected message {spec.message!r}, got {describe(response)}")


def assert_one_of_errors(response: httpx.Response, *codes: str) -> None:
    """One of several documented errors (where the contract leaves the choice open)."""
    statuses = sorted({ERRORS[code].status for code in codes})
    assert_status(response, *statuses)
    error = error_of(response)
    matching = [c for c in codes if c == error["code"] and ERRORS[c].status == response.status_code]
    assert matching, f"expected one of {codes}, got {describe(response)}"
    assert_error(response, response.status_code, matching[0])


def assert_detail(response: httpx.Response, detail: DetailSpec) -> None:
    """`error.details[]` holds `detail`: its code, target and exact message."""
    details = error_of(response).get("details") or []
    found = [d for d in details if d.get("code") == detail.code]
    assert found, f"expected detail {detail.code}, got {describe(response)}"
    assert found[0].get("target") == detail.target, (
        f"detail {detail.code} target should be {detail.target!r}: {describe(response)}")
    assert found[0].get("message") == detail.message, (
        f"detail {detail.code} message should be {detail.message!r}: {describe(response)}")


def image_of(response: httpx.Response) -> dict[str, str]:
    image: dict[str, str] = response.json()["image"]
    return image


def current_image(client: ApiClient, itwin_id: str) -> dict[str, str] | None:
    """What GET image returns now: the image, or None after a 404 ImageNotFound."""
    response = client.get_image(itwin_id)
    if response.status_code == 404:
        assert_error(response, 404, "ImageNotFound")
        return None
    assert_status(response, 200)
    return image_of(response)


def identity(image: dict[str, str] | None) -> tuple[str, str, str] | None:
    """What identifies a stored image (URLs may be re-signed on every read)."""
    if image is None:
        return None
    return image["id"], image["smallImageName"], image["largeImageName"]


def assert_unchanged(client: ApiClient, itwin_id: str, before: dict[str, str] | None) -> None:
    """The iTwin's image is still `before` (or still none): a refused request stored nothing."""
    with preparation("reads back whatever image an earlier test left"):
        after = current_image(client, itwin_id)
    assert identity(after) == identity(before), (
        f"a refused request changed the stored image: before {identity(before)}, "
        f"after {identity(after)}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_large_is(client: ApiClient, image: dict[str, str], body: bytes) -> httpx.Response:
    """The large URL, fetched without the bearer token, returns exactly the uploaded bytes."""
    response = client.download(image["largeImageUrl"])
    assert response.status_code == 200, f"large image download: {describe(response)}"
    assert sha256(response.content) == sha256(body), (
        f"large image is not the uploaded bytes ({len(response.content)} vs {len(body)} bytes)")
    return response


def thumbnail_of(client: ApiClient, image: dict[str, str]) -> Image.Image:
    """The small URL, fetched without the bearer token, decoded (bounded in pixels)."""
    response = client.download(image["smallImageUrl"])
    assert response.status_code == 200, f"small image download: {describe(response)}"
    thumb = Image.open(io.BytesIO(response.content))
    assert thumb.width * thumb.height <= MAX_THUMBNAIL_PIXELS, (
        f"thumbnail is {thumb.width}x{thumb.height}")
    thumb.load()
    return thumb


def assert_stored(client: ApiClient, itwin_id: str, upload: httpx.Response,
                  body: bytes) -> dict[str, str]:
    """A 201 really stored a usable image: GET agrees, large is the bytes, small decodes."""
    image = image_of(upload)
    stored = current_image(client, itwin_id)
    assert identity(stored) == identity(image), (
        f"GET after 201 returns {identity(stored)}, the upload said {identity(image)}")
    assert_large_is(client, image, body)
    thumbnail_of(client, image)
    return image


def ensure_baseline(client: ApiClient, itwin_id: str) -> dict[str, str]:
    """The iTwin's image, uploading a small one first if it has none, so that 'a refused
    request stored nothing' compares against a real image."""
    with preparation("uploads a baseline only if earlier tests left no image"):
        image = current_image(client, itwin_id)
        if image is None:
            body = build_bytes(case(BASELINE_CASE))
            response = client.upload_image(itwin_id, body, "image/png")
            assert response.status_code == 201, f"baseline upload failed: {describe(response)}"
            image = image_of(response)
    return image
