"""What an upload is, read from its first bytes, without Pillow.

`inspect` decides every rejection that the header settles (type, format, dimensions,
ratio, pixel cap) in microseconds, so a decompression bomb is refused before anything is
decoded (thumbnails.py does the one full decode, after it).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.contract import IMAGE_RATIO, DetailSpec

from . import choices
from .settings import MockSettings

PNG = "png"
JPEG = "jpeg"
FORMAT_OF_TYPE = {"image/png": PNG, "image/jpeg": JPEG}
TYPE_OF_FORMAT = {fmt: content_type for content_type, fmt in FORMAT_OF_TYPE.items()}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the dimensions; C4, C8 and CC share the range but are not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset(range(0xD0, 0xD9)) | {0x01}


class ImageRejected(Exception):
    """The upload is not an acceptable image; `detail` says why (the 422's detail)."""

    def __init__(self, detail: DetailSpec) -> None:
        super().__init__(detail.message)
        self.detail = detail


@dataclass(frozen=True)
class Header:
    format: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from IHDR, which must be the first chunk."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame segment, skipping the others."""
    i, end = 2, len(data)
    while i < end:
        if data[i] != 0xFF:
            return None
        while i < end and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= end:
            return None
        marker = data[i]
        i += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA) or i + 2 > end:  # end of image or scan before any frame
            return None
        length = int.from_bytes(data[i:i + 2], "big")
        if marker in _JPEG_SOF:
            if length < 8 or i + 7 > end:
                return None
            height = int.from_bytes(data[i + 3:i + 5], "big")
            return int.from_bytes(data[i + 5:i + 7], "big"), height
        if length < 2:
            return None
        i += length
    return None


def inspect(data: bytes, declared: str | None, settings: MockSettings) -> Header:
    """The header of an upload declared as `declared` (png or jpeg; None: the bytes decide),
    or ImageRejected."""
    if not data:
        raise ImageRejected(choices.EMPTY_IMAGE)
    found = sniff(data)
    if found is None:
        raise ImageRejected(choices.NOT_AN_IMAGE)
    if declared is not None and found != declared and not settings.sniff_ambiguous_types:
        raise ImageRejected(choices.TYPE_MISMATCH)
    size = png_size(data) if found == PNG else jpeg_size(data)
    if size is None or 0 in size:
        raise ImageRejected(choices.CORRUPT_IMAGE)
    width, height = size
    if max(width, height) > settings.max_ratio * min(width, height):
        raise ImageRejected(IMAGE_RATIO)
    if width * height > settings.max_pixels:
        raise ImageRejected(choices.too_many_pixels(settings.max_pixels))
    return Header(found, width, height)
