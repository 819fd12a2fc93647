"""What the process running a test sends the report writer: compact, redacted, bounded."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from conformance.client import DOWNLOAD, Exchange
from conformance.contract import GET_IMAGE, UPLOAD_IMAGE
from conformance.images import case
from conformance.plugin import SUITE_DIR
from conformance.redact import REDACTED, Redactor
from conformance.reporting import collect

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


class TestSummary:
    def test_what_the_json_needs_is_there(self) -> None:
        exchanges = [exchange(GET_IMAGE, 429, persona="org_admin"),
                     exchange(GET_IMAGE, 200, persona="org_admin", retries=1),
                     exchange(UPLOAD_IMAGE, 403, persona="member_read")]
        summary = collect.summarise(item(), exchanges, None, None, Redactor())
        assert summary["id"] == "test_upload_images.py::TestRatios::test_upload[x]"
        assert (summary["evidence"], summary["area"]) == ("documented", "images")
        assert summary["personas"] == ["org_admin", "member_read"]
        assert summary["operations"] == [GET_IMAGE, UPLOAD_IMAGE]
        assert summary["statuses"] == [429, 200, 403]
        assert summary["retries"] == 1
        json.dumps(summary)  # plain data, as xdist and the JSON file need

    def test_calls_and_views_are_capped(self) -> None:
        many = [exchange(GET_IMAGE, 200) for _ in range(500)]
        summary = collect.summarise(item(), many, None, None, Redactor())
        assert len(summary["calls"]) == collect.MAX_CALLS
        assert len(summary["exchanges"]) == collect.MAX_EXCHANGE_VIEWS
        assert summary["exchanges_total"] == 500

    def test_a_contract_violation_names_the_contract_rule(self) -> None:
        failure = {"kind": "contract", "violations": ["$status: server error 503"]}
        summary = collect.summarise(item(), [], failure, None, Redactor())
        assert summary["rule"] == collect.CONTRACT_RULE

    def test_a_case_names_its_catalogue_rule(self) -> None:
        summary = collect.summarise(item(case("ratio-6x1")), [], None, None, Redactor())
        assert summary["rule"].startswith("6:1: longer than 5:1: expects 422")


class TestExchangeViews:
    def test_signatures_in_bodies_and_headers_are_redacted(self) -> None:
        seen = exchange(GET_IMAGE, 200, body=json.dumps({"url": SMALL}).encode(),
                        headers={"content-type": "application/json", "location": SMALL,
                                 "set-cookie": "session=1"})
        text = json.dumps(collect.summarise(item(), [seen], None, None, Redactor()))
        assert SIG not in text and f"sig={REDACTED}" in text
        assert "set-cookie" not in text

    def test_a_binary_body_is_described_not_embedded(self) -> None:
        blob = exchange(DOWNLOAD, 200, body=b"\x89PNG" + bytes(5000),
                        headers={"content-type": "image/png"})
        assert collect.body_text(blob) == "(5,004 bytes of image/png)"

    def test_a_long_body_is_cut(self) -> None:
        long = exchange(GET_IMAGE, 200, body=json.dumps({"x": "y" * 10_000}).encode())
        assert len(collect.body_text(long)) < collect.MAX_BODY_TEXT + 100


class TestImagePairs:
    def test_the_case_fixture_beside_its_thumbnail(self, tmp_path: Path) -> None:
        fixture = case("ratio-1000x200")
        sent = png((1000, 200))
        (tmp_path / fixture.filename).write_bytes(sent)
        thumb = exchange(DOWNLOAD, 200, body=png((400, 80)),
                         path="/blobs/context-thumbnails/small_1.png",
                         headers={"content-type": "image/png"})
        (pair,) = collect.image_pairs(item(fixture, tmp_path), [uploaded(sent), thumb], {})
        assert pair["label"] == "ratio-1000x200" and pair["status"] == 201
        assert pair["fixture"]["description"].startswith("1000x200 PNG")
        assert pair["thumbnail"]["description"].startswith("400x80 PNG")
        assert pair["fixture"]["data_uri"].startswith("data:image/")

    def test_a_refused_case_shows_its_fixture_without_thumbnail(self, tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        sent = png((6, 1))
        (tmp_path / fixture.filename).write_bytes(sent)
        refused = exchange(UPLOAD_IMAGE, 422, body=b'{"error": {}}', sent=sent)
        (pair,) = collect.image_pairs(item(fixture, tmp_path), [refused], {})
        assert pair["status"] == 422 and pair["thumbnail"] is None

    def test_uploads_that_are_not_the_case_are_left_to_the_exchanges(self,
                                                                     tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        (tmp_path / fixture.filename).write_bytes(png((6, 1)))
        baseline = uploaded(png((1, 1)))
        assert collect.image_pairs(item(fixture, tmp_path), [baseline], {}) == []

    def test_a_thumbnail_the_report_fetched_is_used(self, tmp_path: Path) -> None:
        fixture = case("ratio-6x1")
        sent = png((6, 1))
        (tmp_path / fixture.filename).write_bytes(sent)
        fetched = {"/blobs/context-thumbnails/small_1.png": {"description": "6x1 PNG (fetched)",
                                                              "data_uri": None}}
        (pair,) = collect.image_pairs(item(fixture, tmp_path), [uploaded(sent)], fetched)
        assert pair["thumbnail"]["description"] == "6x1 PNG (fetched)"

    @pytest.mark.parametrize("status", [200, 404])
    def test_fetching_a_thumbnail_reports_what_came(self, status: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        import httpx

        def answer(request: httpx.Request) -> httpx.Response:
            assert "authorization" not in request.headers
            return httpx.Response(status, content=png((6, 1)) if status == 200 else b"")

        real = httpx.Client
        monkeypatch.setattr(httpx, "Client", lambda **kw: real(
            transport=httpx.MockTransport(answer), **kw))
        shown = collect.fetched_thumbnail(SMALL)
        if status == 200:
            assert str(shown["description"]).endswith("(fetched for the report)")
            assert shown["data_uri"]
        else:
            assert "no longer there" in str(shown["description"]) and shown["data_uri"] is None
