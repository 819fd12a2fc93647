"""Self-proof: verify() refuses a fixture that is not what its case says; verify_once()
proves each content once, and never takes another content for a proven one."""

import dataclasses

import pytest
from PIL import ImageFile

from conformance.images import (
    FixtureMismatch,
    build_bytes,
    case,
    png,
    proof,
    read_properties,
    verify,
    verify_once,
)


class TestVerify:
    def test_wrong_boundary_is_refused_by_name(self):
        one_over = build_bytes(case("size-png-5000001"))
        expected = r"size-png-5000000: bytes is 5000001, declared 5000000"
        with pytest.raises(FixtureMismatch, match=expected):
            verify(case("size-png-5000000"), one_over)

    def test_wrong_dimensions_are_refused(self):
        with pytest.raises(FixtureMismatch, match=r"ratio-1001x200: width is 1000, declared 1001"):
            verify(case("ratio-1001x200"), build_bytes(case("ratio-1000x200")))

    def test_wrong_format_is_refused(self):
        with pytest.raises(FixtureMismatch, match=r"format is 'JPEG', declared 'PNG'"):
            verify(case("type-png-as-jpeg"), build_bytes(case("type-jpeg-as-png")))

    def test_a_fixture_that_stopped_decoding_is_refused(self):
        good = build_bytes(case("variant-png-grey"))
        spans = {kind: (start, end) for kind, start, end in png.chunk_spans(good)}
        cut = good[:sum(spans[b"IDAT"]) // 2]
        with pytest.raises(FixtureMismatch, match="decodes is False, declared True"):
            verify(case("variant-png-grey"), cut)

    def test_every_mismatch_is_listed(self):
        declared = dataclasses.replace(case("ratio-1x1"), width=2, height=3)
        expected = "width is 1, declared 2; height is 1, declared 3"
        with pytest.raises(FixtureMismatch, match=expected):
            verify(declared, build_bytes(case("ratio-1x1")))

    def test_is_an_assertion_error(self):
        assert issubclass(FixtureMismatch, AssertionError)


class TestVerifyOnce:
    @pytest.fixture
    def decodes(self, monkeypatch):
        """How many times a proof decoded pixels."""
        counted = []
        real = ImageFile.ImageFile.load

        def load(image):
            counted.append(image)
            return real(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", load)
        return counted

    def test_a_proven_content_is_not_decoded_again(self, tmp_path, decodes):
        data = build_bytes(case("ratio-1x5"))
        verify_once(case("ratio-1x5"), data, tmp_path)
        first = len(decodes)
        verify_once(case("ratio-1x5"), data, tmp_path)
        assert first > 0 and len(decodes) == first

    def test_other_bytes_under_a_proven_name_are_proven_afresh(self, tmp_path):
        verify_once(case("ratio-1001x200"), build_bytes(case("ratio-1001x200")), tmp_path)
        with pytest.raises(FixtureMismatch, match=r"ratio-1001x200: width is 1000"):
            verify_once(case("ratio-1001x200"), build_bytes(case("ratio-1000x200")), tmp_path)

    def test_a_changed_declaration_is_proven_afresh(self, tmp_path):
        data = build_bytes(case("ratio-1x1"))
        verify_once(case("ratio-1x1"), data, tmp_path)
        with pytest.raises(FixtureMismatch, match="width is 1, declared 2"):
            verify_once(dataclasses.replace(case("ratio-1x1"), width=2), data, tmp_path)

    def test_a_refused_content_leaves_no_mark(self, tmp_path):
        wrong = build_bytes(case("ratio-1000x200"))
        for _ in range(2):
            with pytest.raises(FixtureMismatch):
                verify_once(case("ratio-1001x200"), wrong, tmp_path)
        assert not any(tmp_path.iterdir())

    def test_where_no_mark_can_be_left_it_proves_every_time(self, tmp_path, decodes):
        (tmp_path / proof.PROVEN_DIR).write_text("")  # a file: no mark can go under it
        data = build_bytes(case("ratio-1x5"))
        verify_once(case("ratio-1x5"), data, tmp_path)
        first = len(decodes)
        verify_once(case("ratio-1x5"), data, tmp_path)
        assert first > 0 and len(decodes) == 2 * first

    def test_the_mark_is_kept_with_the_fixtures(self, tmp_path):
        verify_once(case("ratio-1x1"), build_bytes(case("ratio-1x1")), tmp_path)
        marks = [path.name for path in (tmp_path / proof.PROVEN_DIR).iterdir()]
        assert len(marks) == 1 and marks[0].startswith("ratio-1x1-")


class TestBombs:
    @pytest.mark.parametrize("name", ["flood-png-65535x65535", "flood-png-50000x50000"])
    def test_verify_is_cheap_and_never_loads_pixels(self, name, monkeypatch):
        data = build_bytes(case(name))

        def refuse(*_):
            raise AssertionError("a bomb was decoded")

        monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
        verify(case(name), data)  # cheap because nothing is decoded (speed: benchmarks/)

    def test_header_of_a_bomb_is_read_despite_pillows_guard(self):
        properties = read_properties(build_bytes(case("flood-png-65535x65535")))
        assert (properties.format, properties.width, properties.height) == ("PNG", 65535, 65535)
        assert properties.decodes is None  # not attempted

    def test_a_bomb_has_no_measured_colour(self):
        assert read_properties(build_bytes(case("flood-png-20000x4000"))).means is None

    def test_unidentifiable_bytes_have_no_properties(self):
        properties = read_properties(b"not an image")
        assert (properties.format, properties.width, properties.decodes) == (None, None, False)
