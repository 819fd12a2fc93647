"""Uploads beside their thumbnails, made where the test ran."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PIL import Image

from conformance.client import DOWNLOAD, Exchange
from conformance.contract import UPLOAD_IMAGE
from conformance.evidence.model import Preview
from conformance.evidence.pictures import image_pairs, thumbnail_fetcher
from conformance.images import case
from conformance.markers import SUITE_DIR

SIG = "AbC%2Bdef%2F123%3D"
SMALL = f"http://127.0.0.1:1/blobs/context-thumbnails/small_1.png?sv=1&sr=b&sig={SIG}&sp=r"


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def exchange(operation: str | None, status: int, *, body: bytes = b"", sent: bytes = b"",
             path: str = "/itwins/1/image", persona: str | None = "org_admin",
             retries: int = 0, headers: dict[str, str] | None = None) -> Exchange:
    return Exchange(operation=operation, method="PUT" if operation == UPLOAD_IMAGE else "GET",
                    path=path, request_headers={"content-type": "image/png"},
                    request_size=len(sent),
                    request_sha256=hashlib.sha256(sent).hexdigest() if sent else None,
                    status=status,
                    response_headers=headers or {"content-type": "application/json"},
                    response_body=body, persona=persona, retries=retries)


def uploaded(sent: bytes) -> Exchange:
    answer = {"image": {"id": "1", "smallImageName": "small_1.png", "smallImageUrl": SMALL,
                        "largeImageName": "large_1.png", "largeImageUrl": SMALL}}
    return exchange(UPLOAD_IMAGE, 201, body=json.dumps(answer).encode(), sent=sent)


def item(fixture: Any = None, folder: Path | None = None, markers: tuple[str, ...] = (
        "documented", "images")) -> Any:
    """Enough of a pytest.Item for the collector."""
    params = {"case": fixture} if fixture is not None else {}
    return SimpleNamespace(
        path=SUITE_DIR / "test_upload_images.py",
        nodeid="conformance/suite/test_upload_images.py::TestRatios::test_upload[x]",
        name="test_upload[x]", callspec=SimpleNamespace(params=params),
        funcargs={"fixture_dir": folder} if folder else {},
        iter_markers=lambda: [SimpleNamespace(name=m) for m in markers],
        obj=None, cls=None, module=None)


class TestImagePairs:
    def test_the_case_fixture_beside_its_thumbnail(self, tmp_path: Path) -> None:
        fixture = case("ratio-1000x200")
        sent = png((1000, 200))
        (tmp_path / fixture.filename).write_bytes(sent)
        thumb = exchange(DOWNLOAD, 200, body=png((400, 80)),
                         path="/blobs/context-thumbnails/small_1.png",
                         headers={"content-type": "image/png"})
        (pair,) = image_pairs(item(fixture, tmp_path), [uploaded(sent), thumb], {})
        assert pair.label == "ratio-1000x200" and pair.status == 201
        assert pair.fixture.description.startswith("1000x200 PNG")
        assert pair.thumbnail is not None and pair.thumbnail.description.startswith("400x80 PNG")
        assert (pair.fixture.data_uri or "").startswith("data:image/")

    def test_a_refused_case_shows_its_fixture_without_thumbnail(self, tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        sent = png((6, 1))
        (tmp_path / fixture.filename).write_bytes(sent)
        refused = exchange(UPLOAD_IMAGE, 422, body=b'{"error": {}}', sent=sent)
        (pair,) = image_pairs(item(fixture, tmp_path), [refused], {})
        assert pair.status == 422 and pair.thumbnail is None

    def test_uploads_that_are_not_the_case_are_left_to_the_exchanges(self,
                                                                     tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        (tmp_path / fixture.filename).write_bytes(png((6, 1)))
        baseline = uploaded(png((1, 1)))
        assert image_pairs(item(fixture, tmp_path), [baseline], {}) == []

    def test_a_thumbnail_the_report_fetched_is_used(self, tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        sent = png((6, 1))
        (tmp_path / fixture.filename).write_bytes(sent)
        fetched = {"/blobs/context-thumbnails/small_1.png": Preview("6x1 PNG (fetched)", None)}
        (pair,) = image_pairs(item(fixture, tmp_path), [uploaded(sent)], fetched)
        assert pair.thumbnail == Preview("6x1 PNG (fetched)", None)

    @pytest.mark.parametrize("status", [200, 404])
    def test_fetching_a_thumbnail_reports_what_came(self, status: int) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            assert "authorization" not in request.headers
            return httpx.Response(status, content=png((6, 1)) if status == 200 else b"")

        fetch, close = thumbnail_fetcher(httpx.MockTransport(answer))
        try:
            shown = fetch(SMALL)
        finally:
            close()
        if status == 200:
            assert shown.description.endswith("(fetched for the report)")
            assert shown.data_uri
        else:
            assert "no longer there" in shown.description and shown.data_uri is None

    def test_a_thumbnail_over_its_size_is_not_shown(self) -> None:
        huge = bytes(5 * 1024 * 1024)
        fetch, close = thumbnail_fetcher(httpx.MockTransport(
            lambda request: httpx.Response(200, content=huge)))
        try:
            shown = fetch(SMALL)
        finally:
            close()
        assert shown == Preview("over the size a thumbnail may have; not shown", None)
