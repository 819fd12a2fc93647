"""The hand-written PNG encoder: streams, interlacing, animation, floods."""

import io
import zlib

import pytest
from PIL import Image

from conformance.images import CASES, build_bytes, png
from conformance.images.recipes import png_image

FLOODS = [entry for entry in CASES if entry.group == "floods"]


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


class TestStoredZlib:
    @pytest.mark.parametrize("length", [0, 1, 65535, 65536, 200_000])
    def test_round_trips_and_predicts_its_size(self, length):
        data = bytes(i % 251 for i in range(length))
        stream = png.stored_zlib(data)
        assert zlib.decompress(stream) == data
        assert len(stream) == png.stored_zlib_size(length)


class TestRepeatedRows:
    @pytest.mark.parametrize(("row", "count", "batch"),
                             [(b"\x00" * 7, 1000, 64), (b"ab", 3, 1 << 20), (b"\x00\x01", 10, 4)])
    def test_inflates_to_the_repetition(self, row, count, batch):
        stream = b"".join(png.repeated_rows_zlib(row, count, batch))
        assert zlib.decompress(stream) == row * count


def textured_png(width: int, height: int, interlaced: bool) -> bytes:
    """An RGB PNG whose every pixel differs from its neighbours, so that a pixel the
    interlacing put in the wrong place shows (the fixtures themselves are solid)."""
    rows = [bytes((x * 7 + y * 3 + channel * 85) & 0xFF
                  for x in range(width) for channel in range(3)) for y in range(height)]
    data = png.adam7_scanlines(rows, width, 3) if interlaced else png.scanlines(rows)
    return png.assemble(png.ihdr(width, height, 8, 2, interlaced), png.compressed_zlib(data))


class TestInterlacing:
    @pytest.mark.parametrize(("width", "height"), [(1, 1), (3, 2), (9, 9), (64, 48)])
    def test_adam7_decodes_to_the_same_pixels(self, width, height):
        plain = decoded(textured_png(width, height, interlaced=False))
        interlaced = decoded(textured_png(width, height, interlaced=True))
        assert interlaced.info.get("interlace") == 1
        assert interlaced.tobytes() == plain.tobytes()

    def test_the_interlaced_fixture_decodes_to_its_plain_twin(self):
        entry = next(c for c in CASES if c.name == "variant-png-interlaced")
        plain = decoded(png_image(entry.width, entry.height, entry.signature))
        assert decoded(build_bytes(entry)).tobytes() == plain.tobytes()


class TestAnimation:
    def test_apng_has_its_frames(self):
        image = Image.open(io.BytesIO(build_bytes(next(c for c in CASES
                                                       if c.name == "variant-png-animated"))))
        assert image.is_animated and image.n_frames == 3
        image.seek(2)
        image.load()


class TestFloods:
    @pytest.mark.parametrize("entry", FLOODS, ids=lambda c: c.name)
    def test_inflates_completely_to_the_declared_pixels(self, entry):
        """Proves a flood is whole without ever holding its pixels."""
        data = build_bytes(entry)
        params = entry.params
        row = png.row_bytes(entry.width, params["colour_type"], params["bit_depth"])
        assert png.inflated_length(data) == entry.height * (1 + row)

    @pytest.mark.parametrize("entry", FLOODS, ids=lambda c: c.name)
    def test_stays_small(self, entry):
        size = len(build_bytes(entry))
        assert 100_000 < size < 600_000

    def test_inflated_length_notices_a_cut_stream(self):
        data = png_image(16, 16, (30, 64, 98), compression="stored")
        spans = {kind: (start, end) for kind, start, end in png.chunk_spans(data)}
        start, end = spans[b"IDAT"]
        with pytest.raises(ValueError, match="ends before"):
            png.inflated_length(data[:(start + end) // 2])
