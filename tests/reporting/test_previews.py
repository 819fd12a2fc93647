"""Image previews for the HTML report: bounded, re-encoded, never decoding a bomb."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from conformance.evidence.previews import MAX_PREVIEW_BYTES, PREVIEW_SIDE, preview
from conformance.images import CASES, Case, ensure_fixtures, fixture_path


@pytest.fixture(scope="module")
def fixtures() -> Path:
    return ensure_fixtures()


def decoded(uri: str) -> Image.Image:
    header, data = uri.split(",", 1)
    assert header in ("data:image/png;base64", "data:image/jpeg;base64"), header
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    image.load()
    return image


class TestEveryFixture:
    @pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
    def test_preview_is_small_or_absent_with_a_reason(self, case: Case, fixtures: Path) -> None:
        data = fixture_path(case, fixtures).read_bytes()
        shown = preview(data)
        assert f"{len(data):,} bytes" in shown.description
        if shown.data_uri is None:
            assert any(why in shown.description for why in (
                "too large to draw", "not decodable", "preview over"))
            return
        raw = base64.b64decode(shown.data_uri.split(",", 1)[1])
        assert len(raw) <= MAX_PREVIEW_BYTES
        image = decoded(shown.data_uri)
        assert max(image.size) <= PREVIEW_SIDE

    def test_a_multi_megabyte_original_is_never_embedded(self, fixtures: Path) -> None:
        big = [c for c in CASES if (c.size or 0) >= 5_000_000 and c.decodes]
        assert big, "the catalogue has no multi-MB fixtures any more"
        for case in big:
            shown = preview(fixture_path(case, fixtures).read_bytes())
            assert shown.data_uri is None or len(shown.data_uri) < MAX_PREVIEW_BYTES * 4 / 3 + 40

    def test_noise_photos_still_get_a_preview(self, fixtures: Path) -> None:
        """Noise does not compress: the preview shrinks until it fits instead of vanishing."""
        for name in ("size-jpeg-4999999", "size-png-5242880"):
            case = next(c for c in CASES if c.name == name)
            assert preview(fixture_path(case, fixtures).read_bytes()).data_uri is not None


class TestShapes:
    def test_aspect_ratio_is_kept(self) -> None:
        buffer = io.BytesIO()
        Image.new("RGB", (1000, 200), (200, 60, 30)).save(buffer, "PNG")
        image = decoded(preview(buffer.getvalue()).data_uri or "")
        assert image.size == (PREVIEW_SIDE, PREVIEW_SIDE // 5)

    def test_transparency_is_kept_as_png(self) -> None:
        buffer = io.BytesIO()
        Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(buffer, "PNG")
        uri = preview(buffer.getvalue()).data_uri or ""
        assert uri.startswith("data:image/png;") and decoded(uri).mode == "RGBA"

    def test_a_bomb_header_is_refused_before_decoding(self) -> None:
        buffer = io.BytesIO()
        Image.new("1", (12000, 12000)).save(buffer, "PNG")  # 144 Mpx, a few KB
        shown = preview(buffer.getvalue())
        assert shown.data_uri is None and "12000x12000" in shown.description

    @pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
    def test_garbage_is_described_not_raised(self, data: bytes) -> None:
        shown = preview(data)
        assert shown.data_uri is None and "not decodable" in shown.description
