"""JPEG helpers: encode with Pillow, pad to an exact size with COM segments, find the scan.

JPEG bytes come from Pillow's bundled libjpeg-turbo, so they are stable for a pinned Pillow;
the manifest records which Pillow made them.
"""

import io
import struct

from PIL import Image

COM = b"\xff\xfe"
COM_PAYLOAD_MAX = 65533  # the 2-byte length counts itself
COM_MIN = 4  # marker + length, empty payload
COM_MAX = COM_PAYLOAD_MAX + COM_MIN
SOS = b"\xff\xda"


def encode(image: Image.Image, **options: object) -> bytes:
    """Encode `image` as JPEG with Pillow; `options` go to `Image.save`."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def comment_segments(total: int) -> bytes:
    """COM segments adding up to exactly `total` bytes (0, or at least COM_MIN).

    The total is split evenly over the fewest segments that can hold it, so no segment
    falls below the 4-byte minimum.
    """
    if total == 0:
        return b""
    if total < COM_MIN:
        raise ValueError(f"{total} bytes cannot be filled: a COM segment costs at least {COM_MIN}")
    count = -(-total // COM_MAX)
    sizes = [total // count + (i < total % count) for i in range(count)]
    return b"".join(COM + struct.pack(">H", size - 2) + bytes(size - COM_MIN) for size in sizes)


def pad_to(jpeg: bytes, size: int) -> bytes:
    """Insert COM segments after the APPn segments so that the file is exactly `size` bytes."""
    position = _after_app_segments(jpeg)
    return jpeg[:position] + comment_segments(size - len(jpeg)) + jpeg[position:]


def scan_start(jpeg: bytes) -> int:
    """Offset of the entropy-coded data of the first scan (just after the SOS header)."""
    position = jpeg.index(SOS)
    return position + 2 + _segment_length(jpeg, position)


def _after_app_segments(jpeg: bytes) -> int:
    position = 2  # after SOI
    while jpeg[position] == 0xFF and 0xE0 <= jpeg[position + 1] <= 0xEF:
        position += 2 + _segment_length(jpeg, position)
    return position


def _segment_length(jpeg: bytes, marker: int) -> int:
    length: int = struct.unpack(">H", jpeg[marker + 2:marker + 4])[0]
    return length
