"""What an upload is, read from its first bytes; and the thumbnail made from it.

`inspect` decides every rejection that the header settles (type, format, dimensions,
ratio, pixel cap) without Pillow, in microseconds, so a decompression bomb is refused
before anything is decoded. `thumbnail` then does the one full decode (JPEG in draft
mode), which is where a truncated or corrupt image is found.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from conformance.contract import IMAGE_RATIO, DetailSpec

from . import choices
from .breaks import CONSTANT_THUMBNAIL_GREY, CONSTANT_THUMBNAIL_SIZE
from .settings import MockSettings

PNG = "png"
JPEG = "jpeg"
FORMAT_OF_TYPE = {"image/png": PNG, "image/jpeg": JPEG}
TYPE_OF_FORMAT = {fmt: content_type for content_type, fmt in FORMAT_OF_TYPE.items()}
_PILLOW_FORMAT = {PNG: "PNG", JPEG: "JPEG"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the dimensions; C4, C8 and CC share the range but are not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset(range(0xD0, 0xD9)) | {0x01}
_WRITABLE_MODES = {JPEG: ("L", "RGB", "CMYK"), PNG: ("1", "L", "LA", "I;16", "P", "RGB", "RGBA")}
_FALLBACK_MODE = {JPEG: "RGB", PNG: "RGBA"}


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


@dataclass(frozen=True)
class Thumbnail:
    """The small image: its bytes and the format its name's extension says."""

    data: bytes
    format: str


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


def thumbnail(data: bytes, header: Header, settings: MockSettings) -> Thumbnail:
    """The small image: fully decoded (JPEG at reduced scale), shrunk, oriented, encoded.

    A PNG is verified first (chunk CRCs and a final IEND), since its decoder stops at the
    last pixel row. Any failure of the decode means the image is corrupt or truncated;
    Pillow's own bomb check (which the pixel cap normally pre-empts) counts as too many
    pixels.
    """
    formats = [_PILLOW_FORMAT[header.format]]
    try:
        if header.format == PNG:  # every chunk's CRC, through IEND: cut or altered bytes
            with Image.open(io.BytesIO(data), formats=formats) as image:
                image.verify()
        with Image.open(io.BytesIO(data), formats=formats) as image:
            if image.size != (header.width, header.height):
                raise ImageRejected(choices.CORRUPT_IMAGE)
            small = _shrunk(image, header, settings)
    except Image.DecompressionBombError:
        raise ImageRejected(choices.too_many_pixels(settings.max_pixels)) from None
    except ImageRejected:
        raise
    except Exception:  # Pillow signals bad data with many types (OSError, SyntaxError, ...)
        raise ImageRejected(choices.CORRUPT_IMAGE) from None
    fmt = header.format if settings.thumbnail_format == "same" else settings.thumbnail_format
    return _broken(data, header, small, settings) or Thumbnail(
        _encode(small, fmt, settings.thumbnail_quality), fmt)


def _shrunk(image: Image.Image, header: Header, settings: MockSettings) -> Image.Image:
    """Fit within the thumbnail box, aspect kept ("fit"), or cropped to a centred square of
    exactly the box ("square", enlarging a smaller image): two readings of "a thumbnail"."""
    box = (settings.thumbnail_size, settings.thumbnail_size)
    if header.format == JPEG:
        # Draft mode: decodes at 1/2..1/8 scale, down to no less than the box. Pillow's
        # default gap (2) asks for twice the box, so a 1400 px photo would be decoded and
        # resampled at full size; the DCT scaling is as good and cheaper.
        image.thumbnail(box, reducing_gap=1.0)
        oriented = _oriented(image)
    else:
        oriented = _oriented(_png_thumbnail(image, settings.thumbnail_size))
    if settings.thumbnail_shape == "square":
        return ImageOps.fit(oriented, box)
    return oriented


def _broken(data: bytes, header: Header, small: Image.Image,
            settings: MockSettings) -> Thumbnail | None:
    """The thumbnail of a deliberately broken mock (breaks.py), or None."""
    if settings.broken("thumbnail-not-resized"):
        return Thumbnail(data, header.format)
    if settings.broken("constant-thumbnail"):
        grey = Image.new("L", CONSTANT_THUMBNAIL_SIZE, CONSTANT_THUMBNAIL_GREY)
        return Thumbnail(_encode(grey, PNG, settings.thumbnail_quality), PNG)
    if settings.broken("blank-thumbnail"):
        white = Image.new("RGB", small.size, (255, 255, 255))
        return Thumbnail(_encode(white, header.format, settings.thumbnail_quality),
                         header.format)
    if settings.broken("small-name-wrong-extension"):
        return Thumbnail(_encode(small, JPEG, settings.thumbnail_quality), header.format)
    return None


# Modes Image.reduce cannot shrink (16-bit grayscale): resized directly instead.
_NOT_REDUCIBLE = ("I;16", "I;16L", "I;16B", "I;16N")
# Modes Pillow premultiplies by their alpha before shrinking, in a full-size copy.
_WITH_ALPHA = ("RGBA", "LA")
_STRIP_BLOCKS = 16  # rows of reduced output made from one strip


def _png_thumbnail(image: Image.Image, size: int) -> Image.Image:
    """The decoded PNG shrunk into a `size` box, with no second full-size copy.

    Pillow's thumbnail reduces a large image by a whole-number factor to about twice the
    box, then resamples. For RGBA and LA it first converts the whole image to premultiplied
    form, a copy as large as the decoded image (160 MB more at the pixel cap: docs/mock.md),
    so for those the whole-number step is done here, a strip at a time.
    """
    image.load()
    box = (size, size)
    if image.mode in _NOT_REDUCIBLE:
        image.thumbnail(box, reducing_gap=None)
        return image
    factor = max(image.size) // (2 * size)
    if image.mode in _WITH_ALPHA and factor > 1:
        image = _reduced_in_strips(image, factor)
    image.thumbnail(box)
    return image


def _reduced_in_strips(image: Image.Image, factor: int) -> Image.Image:
    """`image.reduce(factor)`, the same box average of premultiplied pixels, made a strip of
    rows at a time so that only a strip is ever premultiplied."""
    width, height = image.size
    rows = factor * _STRIP_BLOCKS
    reduced = Image.new(image.mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(top + rows, height)))
        reduced.paste(strip.reduce(factor), (0, top // factor))
    reduced.info = dict(image.info)  # EXIF orientation, for the thumbnail
    return reduced


def _oriented(image: Image.Image) -> Image.Image:
    """EXIF orientation applied to the thumbnail only; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image.copy()


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    """The thumbnail in `fmt`, converted only if that format cannot hold its mode (e.g.
    32-bit grayscale to PNG, RGBA to JPEG)."""
    if image.mode not in _WRITABLE_MODES[fmt]:
        if image.mode.startswith("I"):  # 16-bit grey: scaled to 8 bits (convert would clip)
            image = image.convert("I").point(lambda value: value / 257).convert("L")
        image = image.convert(_FALLBACK_MODE[fmt])
    out = io.BytesIO()
    if fmt == JPEG:
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG")
    return out.getvalue()
