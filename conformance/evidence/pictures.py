"""Uploads worth seeing: the fixture a test sent beside the thumbnail the target made.

Made where the test ran, which alone has the test's fixture files and, while the test's
fixtures still stand, the image on the target: a thumbnail the test never fetched (it
failed first, typically) is fetched here through the client (`ApiClient.download`), with
no observers, so the fetch is no part of the test's exchanges or traffic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..client import DOWNLOAD, ApiClient, Exchange, TransportFailure
from ..contract import UPLOAD_IMAGE
from .model import ImagePair, Preview
from .previews import preview

MAX_IMAGE_PAIRS = 4  # per test
MAX_FETCH_BYTES = 4 * 1024 * 1024  # a thumbnail fetched for the report
FETCH_TIMEOUT = 10.0
Fetched = dict[str, Preview]  # thumbnails fetched after the test, by the small image's path


def case_of(item: Any) -> Any:
    """The image fixture case a test is parametrized with, if any."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("case") if callspec is not None else None


def image_pairs(item: Any, exchanges: list[Exchange], fetched: Fetched) -> list[ImagePair]:
    """The uploads worth seeing, at most MAX_IMAGE_PAIRS.

    An upload is shown when it sent the test's own fixture case (accepted or refused), or
    when the test fetched its thumbnail; baseline uploads and auth probes are left to the
    exchange list. The bytes sent are the case's fixture file (or the catalogue file, or the
    large-image download) with the upload's hash.
    """
    downloads = [e for e in exchanges if e.operation == DOWNLOAD and e.status == 200]
    case_bytes = _case_file(item, case_of(item))
    pairs = []
    for upload in (e for e in exchanges if e.operation == UPLOAD_IMAGE):
        pair = _pair(item, upload, downloads, case_bytes, fetched)
        if pair is not None:
            pairs.append(pair)
    return pairs[:MAX_IMAGE_PAIRS]


def _pair(item: Any, upload: Exchange, downloads: list[Exchange], case_bytes: bytes | None,
          fetched: Fetched) -> ImagePair | None:
    digest = upload.request_sha256
    is_case = case_bytes is not None and digest == _sha256(case_bytes)
    small = small_url(upload)
    small_path = urlsplit(small).path if small else None
    thumb = next((d for d in downloads if small_path and d.path == small_path), None)
    if not (is_case or thumb):
        return None
    if is_case:
        label, sent = str(case_of(item).name), case_bytes
    else:
        label, sent = _catalogue_file(item, upload)
        sent = sent or next((d.response_body for d in downloads
                             if digest == _sha256(d.response_body)), None)
    return ImagePair(
        label=label, status=upload.status,
        content_type=upload.request_headers.get("content-type"), size=upload.request_size,
        fixture=(preview(sent) if sent is not None else
                 Preview(f"{upload.request_size:,} bytes (not kept)", None)),
        thumbnail=(preview(thumb.response_body) if thumb is not None
                   else fetched.get(small_path or "")))


def unfetched_thumbnails(item: Any, exchanges: list[Exchange],
                         fetch: Callable[[str], Preview]) -> Fetched:
    """Thumbnails of the test's own fixture that the target accepted but the test never
    fetched, each fetched now with `fetch`. Called when the test body ends, before its
    fixtures are torn down and the image with them."""
    case_bytes = _case_file(item, case_of(item))
    if case_bytes is None:
        return {}
    digest = _sha256(case_bytes)
    downloaded = {d.path for d in exchanges if d.operation == DOWNLOAD}
    found = {}
    for upload in exchanges:
        small = small_url(upload) if upload.operation == UPLOAD_IMAGE else None
        path = urlsplit(small).path if small else None
        if small and path and upload.request_sha256 == digest and path not in downloaded:
            found[path] = fetch(small)
    return found


def thumbnail_fetcher(transport: httpx.BaseTransport | None = None
                      ) -> tuple[Callable[[str], Preview], Callable[[], None]]:
    """(fetch, close): `fetch(url)` previews the small image at `url`, a SAS link that
    needs no token, capped in size, through a client of its own (on `transport`, if given:
    the project's tests give one)."""
    client = ApiClient("", None, timeout=FETCH_TIMEOUT, max_blob_bytes=MAX_FETCH_BYTES,
                       transport=transport)

    def fetch(url: str) -> Preview:
        try:
            response = client.download(url)
        except AssertionError:  # ResponseTooLarge, or RequestTooSlow: not a thumbnail's
            return Preview("over the size a thumbnail may have; not shown", None)
        except TransportFailure as exc:
            return Preview(f"could not be fetched for the report ({type(exc).__name__})", None)
        if response.status_code != 200:
            return Preview(f"no longer there (fetched after the test: "
                           f"{response.status_code})", None)
        shown = preview(response.content)
        return Preview(f"{shown.description} (fetched for the report)", shown.data_uri)

    return fetch, client.close


def _catalogue_file(item: Any, upload: Exchange) -> tuple[str, bytes | None]:
    """The catalogue fixture an upload sent, found by size and hash (tests that build a
    case's bytes themselves keep no copy); ("upload", None) if it was none of them."""
    from ..images import case, default_fixture_dir, fixture_path, load_manifest

    folder = (getattr(item, "funcargs", None) or {}).get("fixture_dir") or default_fixture_dir()
    try:
        records = load_manifest()["files"]
    except (OSError, ValueError, KeyError):
        return "upload", None
    for record in records:
        if record.get("bytes") != upload.request_size:
            continue
        try:
            data = fixture_path(case(record["case"]), folder).read_bytes()
        except (OSError, KeyError):
            continue
        if _sha256(data) == upload.request_sha256:
            return str(record["case"]), data
    return "upload", None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _case_file(item: Any, case: Any) -> bytes | None:
    """The fixture file of `case`, from the directory the test itself used."""
    funcargs = getattr(item, "funcargs", None) or {}
    folder = funcargs.get("fixture_dir")
    if case is None or folder is None:
        return None
    from ..images import fixture_path

    try:
        return fixture_path(case, folder).read_bytes()
    except OSError:
        return None


def small_url(upload: Exchange) -> str | None:
    """The small image's link in an accepted upload's answer."""
    if upload.status != 201:
        return None
    try:
        url = json.loads(upload.response_body)["image"]["smallImageUrl"]
    except (ValueError, KeyError, TypeError):
        return None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
