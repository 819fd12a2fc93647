"""Upload validation: every rejection with its exact body, limits taken from settings."""

from __future__ import annotations

import io
import random
import socket
import struct
import time
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conformance.contract import IMAGE_RATIO, IMAGE_TOO_BIG, UPLOAD_IMAGE, DetailSpec
from conformance.mock import MockSettings, choices
from tests.mock.mock_testkit import (
    Api,
    api_for,
    assert_conforms,
    assert_error_body,
    chunk,
    jpeg,
    padded_png,
    png,
)

MiB = 1024 * 1024

pytest_plugins = ["tests.mock.mock_fixtures"]


def bomb_png(width: int, height: int, rows: int | None = None) -> bytes:
    """A grayscale PNG whose header claims width x height; `rows` of zeros compressed."""
    header = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                              8, 0, 0, 0, 0))
    packer = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    body = b"".join(packer.compress(row) for _ in range(rows or 0)) + packer.flush()
    return header + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def noise_png(width: int = 128, height: int = 96) -> bytes:
    out = io.BytesIO()
    pixels = random.Random(width * height).randbytes(width * height * 3)
    Image.frombytes("RGB", (width, height), pixels).save(out, "PNG")
    return out.getvalue()


def invalid(detail: DetailSpec) -> tuple[int, str, DetailSpec]:
    return 422, "InvalidiTwinsRequest", detail


@pytest.fixture(scope="module")
def small_limits() -> Iterator[Api]:
    """Deliberately altered limits, as a broken-variant test would build them."""
    yield from api_for(MockSettings(max_image_bytes=2000, max_ratio=6, max_pixels=10_000,
                                    oversize_status=422))


class TestContentType:
    @pytest.mark.parametrize("content_type", ["image/png", "IMAGE/PNG",
                                              "image/png; charset=binary"])
    def test_accepted_spellings(self, api: Api, content_type: str) -> None:
        reply = api.upload(api.new_itwin(), png(), content_type)
        assert reply.status_code == 201
        assert_conforms(UPLOAD_IMAGE, reply)

    @pytest.mark.parametrize("content_type", ["image/gif", "image/jpg", "text/plain",
                                              "application/octet-stream", "multipart/form-data"])
    def test_other_types(self, api: Api, content_type: str) -> None:
        reply = api.upload(api.shared, png(), content_type)
        assert_error_body(reply, *invalid(choices.unsupported_type(content_type)),
                          operation_id=UPLOAD_IMAGE)

    def test_missing_content_type(self, api: Api) -> None:
        reply = api.upload(api.shared, png(), None)
        assert_error_body(reply, *invalid(choices.unsupported_type("")), operation_id=UPLOAD_IMAGE)

    @pytest.mark.parametrize(("body", "content_type"), [(png(), "image/jpeg"),
                                                        (jpeg(), "image/png")])
    def test_content_must_match_type(self, api: Api, body: bytes, content_type: str) -> None:
        assert_error_body(api.upload(api.shared, body, content_type),
                          *invalid(choices.TYPE_MISMATCH), operation_id=UPLOAD_IMAGE)


class TestSize:
    def test_largest_body_is_accepted(self, api: Api) -> None:
        reply = api.upload(api.new_itwin(), padded_png(5 * MiB))
        assert reply.status_code == 201
        assert_conforms(UPLOAD_IMAGE, reply)

    def test_one_byte_more_is_too_large(self, api: Api) -> None:
        assert_error_body(api.upload(api.shared, padded_png(5 * MiB + 1)), 413, "RequestTooLarge",
                          operation_id=UPLOAD_IMAGE)

    def test_six_mib_as_observed(self, api: Api) -> None:
        assert_error_body(api.upload(api.shared, b"\0" * (6 * MiB)), 413, "RequestTooLarge")

    def test_streamed_body_without_length(self, api: Api) -> None:
        def body() -> Iterator[bytes]:
            for _ in range(20):
                yield b"\0" * MiB

        assert_error_body(api.upload(api.shared, body()), 413, "RequestTooLarge")

    def test_declared_length_rejected_before_the_body(self, api: Api) -> None:
        host, port = api.mock.origin.removeprefix("http://").split(":")
        request = (f"PUT /itwins/{api.shared}/image HTTP/1.1\r\nHost: {host}\r\n"
                   f"Authorization: Bearer {api.token('org_admin')}\r\n"
                   f"Content-Type: image/png\r\nContent-Length: 1000000000\r\n\r\n")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request.encode())
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413 ")

    def test_limit_and_status_come_from_settings(self, small_limits: Api) -> None:
        api = small_limits
        assert api.upload(api.new_itwin(), padded_png(2000)).status_code == 201
        assert_error_body(api.upload(api.shared, padded_png(2001)), 422, "InvalidiTwinsRequest",
                          IMAGE_TOO_BIG, operation_id=UPLOAD_IMAGE)


class TestRatio:
    @pytest.mark.parametrize(("width", "height"), [(500, 100), (100, 500), (5, 1), (1, 1)])
    def test_five_to_one_is_allowed(self, api: Api, width: int, height: int) -> None:
        assert api.upload(api.new_itwin(), png(width, height)).status_code == 201

    @pytest.mark.parametrize(("width", "height"), [(501, 100), (100, 501), (600, 100),
                                                   (6, 1)])
    def test_longer_is_rejected(self, api: Api, width: int, height: int) -> None:
        for body, content_type in ((png(width, height), "image/png"),
                                   (jpeg(width, height), "image/jpeg")):
            assert_error_body(api.upload(api.shared, body, content_type),
                              *invalid(IMAGE_RATIO), operation_id=UPLOAD_IMAGE)

    def test_ratio_comes_from_settings(self, small_limits: Api) -> None:
        api = small_limits
        assert api.upload(api.new_itwin(), png(60, 10)).status_code == 201
        assert_error_body(api.upload(api.shared, png(61, 10)), *invalid(IMAGE_RATIO))


class TestNotAnImage:
    def test_empty_body(self, api: Api) -> None:
        assert_error_body(api.upload(api.shared, b""), *invalid(choices.EMPTY_IMAGE),
                          operation_id=UPLOAD_IMAGE)

    @pytest.mark.parametrize("body", [b"hello", b"GIF89a" + b"\0" * 20, b"\0" * 1000])
    def test_not_png_or_jpeg(self, api: Api, body: bytes) -> None:
        assert_error_body(api.upload(api.shared, body), *invalid(choices.NOT_AN_IMAGE))

    @pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
    def test_truncated_png(self, api: Api, cut: float) -> None:
        data = noise_png()
        assert_error_body(api.upload(api.shared, data[:int(len(data) * cut)]),
                          *invalid(choices.CORRUPT_IMAGE), operation_id=UPLOAD_IMAGE)

    @pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
    def test_truncated_jpeg(self, api: Api, cut: float) -> None:
        data = jpeg(640, 480)
        assert_error_body(api.upload(api.shared, data[:int(len(data) * cut)], "image/jpeg"),
                          *invalid(choices.CORRUPT_IMAGE))

    @pytest.mark.parametrize("body", [
        b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, b"\xff\xd8\xff",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\0", b"\xff\xd8\xff\xda\x00\x08" + b"\0" * 20])
    def test_header_cut_short(self, api: Api, body: bytes) -> None:
        content_type = "image/png" if body.startswith(b"\x89") else "image/jpeg"
        assert_error_body(api.upload(api.shared, body, content_type),
                          *invalid(choices.CORRUPT_IMAGE))

    @pytest.mark.parametrize("offset", [8, 500, -40])
    def test_altered_image_data(self, api: Api, offset: int) -> None:
        data = bytearray(noise_png())
        start = data.index(b"IDAT") + offset if offset > 0 else len(data) + offset
        data[start:start + 16] = bytes(b ^ 0x55 for b in data[start:start + 16])
        assert_error_body(api.upload(api.shared, bytes(data)), *invalid(choices.CORRUPT_IMAGE))

    def test_altered_jpeg_scan(self, api: Api) -> None:
        data = bytearray(jpeg(64, 48))
        data[-40:-2] = b"\xff\xd9" * 19  # end-of-image markers inside the scan
        reply = api.upload(api.shared, bytes(data), "image/jpeg")
        assert reply.status_code in (201, 422)  # libjpeg may repair what it can
        assert_conforms(UPLOAD_IMAGE, reply)

    def test_zero_width(self, api: Api) -> None:
        assert_error_body(api.upload(api.shared, bomb_png(0, 10)), *invalid(choices.CORRUPT_IMAGE))


class TestPixelCap:
    def test_header_bomb_is_rejected_at_once(self, api: Api) -> None:
        started = time.monotonic()
        reply = api.upload(api.shared, bomb_png(60_000, 60_000))
        assert time.monotonic() - started < 1.0
        assert_error_body(reply, *invalid(choices.too_many_pixels(api.mock.settings.max_pixels)),
                          operation_id=UPLOAD_IMAGE)

    def test_real_decompression_bomb_within_a_second(self, api: Api) -> None:
        body = bomb_png(12_000, 12_000, rows=12_000)  # 144 MB of pixels in ~150 KB
        assert len(body) < 1 * MiB
        started = time.monotonic()
        reply = api.upload(api.shared, body)
        assert time.monotonic() - started < 1.0
        assert_error_body(reply, *invalid(choices.too_many_pixels(api.mock.settings.max_pixels)))

    def test_cap_comes_from_settings(self, small_limits: Api) -> None:
        api = small_limits
        assert api.upload(api.new_itwin(), png(100, 100)).status_code == 201
        assert_error_body(api.upload(api.shared, png(101, 100)),
                          *invalid(choices.too_many_pixels(10_000)))


class TestNeverFallsOver:
    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff",
                                   png()[:33], jpeg()[:200]]),
           tail=st.binary(max_size=2000),
           content_type=st.sampled_from(["image/png", "image/jpeg"]))
    def test_random_bytes_get_a_documented_4xx(self, api: Api, prefix: bytes, tail: bytes,
                                               content_type: str) -> None:
        reply = api.upload(api.shared, prefix + tail, content_type)
        assert reply.status_code in (201, 422), reply.text
        assert_conforms(UPLOAD_IMAGE, reply)
        if reply.status_code == 422:
            assert reply.json()["error"]["code"] == "InvalidiTwinsRequest"

    @pytest.mark.parametrize("cut", range(0, 400, 7))
    def test_every_prefix_of_a_jpeg(self, api: Api, cut: int) -> None:
        reply = api.upload(api.shared, jpeg(40, 30)[:cut], "image/jpeg")
        assert reply.status_code == 422
        assert_conforms(UPLOAD_IMAGE, reply)
