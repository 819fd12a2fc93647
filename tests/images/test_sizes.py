"""Size fixtures sit exactly on their boundaries, decode fully, and pad in valid ways."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageChops

from conformance.images import CASES, fixture_path, jpeg, png

EXACT = [entry for entry in CASES if entry.group == "sizes" and entry.size]
EXACT_PNG = [entry for entry in EXACT if entry.format == "PNG"]
EXACT_JPEG = [entry for entry in EXACT if entry.format == "JPEG"]


def png_chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    """(type, data, stored CRC) of every chunk, checking that they tile the file."""
    chunks, position = [], len(png.SIGNATURE)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        chunks.append((kind, body, crc))
        position += 12 + length
    assert position == len(data)
    return chunks


class TestBoundaries:
    @pytest.mark.parametrize("entry", EXACT, ids=lambda c: c.name)
    def test_exact_byte_count_and_full_decode(self, entry, built_dir):
        data = fixture_path(entry, built_dir).read_bytes()
        assert len(data) == entry.size
        if entry.size == 0:
            return
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, image.size) == (entry.format, (entry.width, entry.height))
            image.load()

    @pytest.mark.parametrize("entry", EXACT_PNG, ids=lambda c: c.name)
    def test_png_padding_is_a_valid_private_ancillary_chunk(self, entry, built_dir):
        chunks = png_chunks(fixture_path(entry, built_dir).read_bytes())
        assert [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"paDd", b"IEND"]
        assert all(zlib.crc32(kind + body) == crc for kind, body, crc in chunks)
        kind = chunks[2][0]
        assert kind[0:1].islower() and kind[1:2].islower() and kind[2:3].isupper()

    @pytest.mark.parametrize("entry", EXACT_JPEG, ids=lambda c: c.name)
    def test_jpeg_padding_is_comment_segments_before_the_tables(self, entry, built_dir):
        data = fixture_path(entry, built_dir).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            assert len(image.info.get("comment", b"")) > 0
        assert data.startswith(b"\xff\xd8\xff\xe0") and data.endswith(b"\xff\xd9")

    @pytest.mark.parametrize("format", ["PNG", "JPEG"])
    def test_neighbours_share_shape_and_noise_and_differ_in_colour(self, format, built_dir):
        """Sizes in one band differ only by padding and by their colour (so that each has a
        thumbnail of its own): the pixel difference is the signatures' difference."""
        family = [c for c in EXACT if c.format == format
                  and c.size in (4_999_999, 5_000_000, 5_000_001)]
        images = [Image.open(fixture_path(c, built_dir)) for c in family]
        assert len({image.size for image in images}) == 1
        assert len({c.signature for c in family}) == 3
        if format == "JPEG":
            return  # lossy: the same noise around another colour encodes differently
        for entry, image in zip(family[1:], images[1:], strict=True):
            shift = [abs(a - b) for a, b in zip(entry.signature, family[0].signature,
                                                strict=True)]
            extrema = ImageChops.difference(images[0], image).getextrema()
            assert list(extrema) == [(d, d) for d in shift], entry.name


class TestCommentPadding:
    @pytest.mark.parametrize("total", [0, 4, 5, 65537, 65538, 65541, 131074, 131075, 500_000])
    def test_fills_exactly(self, total):
        segments = jpeg.comment_segments(total)
        assert len(segments) == total
        position = 0
        while position < total:
            assert segments[position:position + 2] == jpeg.COM
            (length,) = struct.unpack(">H", segments[position + 2:position + 4])
            assert 2 <= length <= 65535
            position += 2 + length
        assert position == total

    @pytest.mark.parametrize("total", [1, 2, 3])
    def test_refuses_gaps_below_one_segment(self, total):
        with pytest.raises(ValueError, match="at least 4"):
            jpeg.comment_segments(total)

    def test_padded_jpeg_still_decodes(self):
        small = jpeg.encode(Image.new("RGB", (8, 8), "red"))
        padded = jpeg.pad_to(small, len(small) + 70_000)
        assert len(padded) == len(small) + 70_000
        with Image.open(io.BytesIO(padded)) as image:
            image.load()


class TestPngPadding:
    def test_refuses_a_gap_below_one_chunk(self):
        tiny = png.assemble(png.ihdr(1, 1, 8, 0), png.stored_zlib(b"\x00\x00"))
        with pytest.raises(ValueError, match="cannot be padded"):
            png.pad_to(tiny, len(tiny) + 11)
        assert len(png.pad_to(tiny, len(tiny) + 12)) == len(tiny) + 12
