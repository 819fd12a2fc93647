"""The contact sheet: every case, thumbnails where they decode, never a decoded bomb."""

import pytest
from PIL import ImageFile

from conformance.images import CASES, gallery, write_gallery


@pytest.fixture(scope="module")
def page(built_dir, tmp_path_factory) -> str:
    path = write_gallery(tmp_path_factory.mktemp("gallery") / "fixtures.html", built_dir)
    return path.read_text(encoding="utf-8")


class TestGallery:
    def test_names_every_case_with_its_outcome(self, page):
        for entry in CASES:
            assert f">{entry.name}<" in page
        assert "rejected 422 InvalidiTwinsRequest (documented)" in page
        assert "201 or 4xx (undetermined)" in page

    def test_is_self_contained(self, page):
        assert "src=\"http" not in page and "href=" not in page
        decodable = sum(1 for entry in CASES if entry.decodes)
        assert page.count("src=\"data:image/") >= decodable - 3  # all but the floods

    def test_never_decodes_a_flood(self, built_dir, monkeypatch):
        loaded = []
        original = ImageFile.ImageFile.load

        def spy(image):
            loaded.append(image.size)
            return original(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
        flood = next(c for c in CASES if c.name == "flood-png-65535x65535")
        card = gallery._card(flood, built_dir / flood.filename)
        assert "placeholder" in card and loaded == []
