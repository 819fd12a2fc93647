"""The small image, made with Pillow: the one full decode of an upload (JPEG in draft mode),
which is where a truncated or corrupt image is found; and, for a deliberate break, the
upload encoded again. All of the mock's Pillow work is here (docs/mock.md measures its
memory).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from . import choices
from .breaks import CONSTANT_THUMBNAIL_GREY, CONSTANT_THUMBNAIL_SIZE
from .image_headers import JPEG, PNG, Header, ImageRejected
from .settings import MockSettings

_PILLOW_FORMAT = {PNG: "PNG", JPEG: "JPEG"}
_WRITABLE_MODES = {JPEG: ("L", "RGB", "CMYK"), PNG: ("1", "L", "LA", "I;16", "P", "RGB", "RGBA")}
_FALLBACK_MODE = {JPEG: "RGB", PNG: "RGBA"}


@dataclass(frozen=True)
class Thumbnail:
    """The small image: its bytes and the format its name's extension says."""

    data: bytes
    format: str


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
        if image.mode == "P":  # its transparency is a palette entry's: RGBA reads it
            image = image.convert("RGBA")
        image = image.convert(_FALLBACK_MODE[fmt])
    out = io.BytesIO()
    if fmt == JPEG:
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def reencoded(data: bytes) -> bytes:
    """The same picture encoded again by Pillow (the "large-reencoded" break), with other
    settings than any fixture's, so the bytes surely differ."""
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, image.format or "PNG", quality=70, optimize=True)
        return out.getvalue()
