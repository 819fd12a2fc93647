"""Hypothesis strategies for valid PNG and JPEG upload bodies.

    from conformance.images.strategies import image_bodies

    @given(image_bodies(formats=("PNG",), width=st.integers(1, 32)))
    def test_upload(body): client.upload(body.data, body.content_type)

Every parameter takes a value, a strategy, or None to draw a default. Drawn sides are small
(at most `max_side`) so property tests stay fast; by default sides stay within 5:1, the
contract's limit, so that bodies are acceptable uploads.

Drawn pictures are uniform, a solid fill (or a fine dither for 1-bit), so a thumbnail of
one keeps its mean colour: `ImageBody.signature`, to compare with `signature_mismatch`.
"""

import dataclasses
import io
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import assume, reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from PIL import Image

from . import jpeg, pictures, png
from .noise import noise
from .signature import COLOURS, GREYS, Signature

MODES = {"PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"), "JPEG": ("L", "RGB", "CMYK")}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class ImageBody:
    """An encoded image and what it is."""

    data: bytes
    width: int
    height: int
    format: str
    mode: str
    content_type: str
    # The mean colour any thumbnail of the picture keeps; None where it is not judged: CMYK
    # (libraries convert it differently) and 1-bit pictures with an odd side (the dither is
    # exact in 2x2 blocks). Defaults to None for bodies built by hand.
    signature: Signature | None = None

    def __bytes__(self) -> bytes:
        return self.data


def _strategy(value: object, default: st.SearchStrategy) -> st.SearchStrategy:
    if value is None:
        return default
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


@st.composite
def image_bodies(draw: st.DrawFn, formats: tuple[str, ...] = ("PNG", "JPEG"),
                 width: object = None, height: object = None, mode: object = None,
                 target_size: object = None, max_side: int = 64,
                 max_ratio: float | None = 5.0) -> ImageBody:
    """Valid PNG or JPEG bodies of drawn or chosen width, height, mode and exact byte size.

    `mode` is a Pillow mode; formats that cannot hold it are left out. `target_size` pads
    the file (a private PNG chunk, JPEG COM segments) to exactly that many bytes; drawn
    images too big for it are rejected, so leave room. `max_ratio=None` allows any shape.
    """
    chosen_mode = None if mode is None else draw(_strategy(mode, st.nothing()))
    usable = [f for f in formats if chosen_mode is None or chosen_mode in MODES[f]]
    if not usable:
        raise InvalidArgument(f"none of {formats} can hold mode {chosen_mode!r}")
    format = draw(st.sampled_from(usable))
    chosen_mode = chosen_mode or draw(st.sampled_from(MODES[format]))
    w = draw(_strategy(width, st.integers(1, max_side)))
    h = draw(_strategy(height, _heights(w, max_side, max_ratio)))
    if max_ratio is not None:
        assume(max(w, h) <= max_ratio * min(w, h))
    body = image_body(format, chosen_mode, w, h, seed=draw(st.integers(0, 2**32 - 1)))
    size = draw(_strategy(target_size, st.just(None)))
    if size is not None:
        body = dataclasses.replace(body, data=_padded(format, body.data, size))
    return body


def png_bodies(**options: Any) -> st.SearchStrategy[ImageBody]:
    """`image_bodies` restricted to PNG."""
    return image_bodies(formats=("PNG",), **options)


def jpeg_bodies(**options: Any) -> st.SearchStrategy[ImageBody]:
    """`image_bodies` restricted to JPEG."""
    return image_bodies(formats=("JPEG",), **options)


Picture = tuple[Image.Image, Signature | None]


def picture(mode: str, width: int, height: int, seed: int = 0) -> Picture:
    """A uniform picture in `mode` and its signature; `seed` chooses the colour."""
    if mode == "1":
        level = sorted(pictures.ONE_BIT_GREYS)[seed % len(pictures.ONE_BIT_GREYS)]
        exact = width % 2 == 0 and height % 2 == 0
        grey = (level, level, level) if exact else None
        return pictures.one_bit(width, height, level, str(seed)), grey
    if mode == "CMYK":
        return pictures.solid(mode, width, height, tuple(noise(str(seed), 4))), None
    grey_mode = mode in ("L", "LA", "I;16")
    colour = GREYS[seed % len(GREYS)] if grey_mode else COLOURS[seed % len(COLOURS)]
    if mode == "P":
        image = pictures.solid("P", width, height, 0)
        image.putpalette(colour)
        return image, colour
    level = colour[0]
    pixel = {"L": (level,), "LA": (level, 255), "I;16": (level * 257,), "RGB": colour,
             "RGBA": (*colour, 255)}[mode]
    return pictures.solid(mode, width, height, pixel), colour


def image_body(format: str, mode: str, width: int, height: int, seed: int = 0) -> ImageBody:
    """The picture of `picture(mode, width, height, seed)`, encoded by Pillow as PNG or JPEG,
    with its signature: what `image_bodies` draws, built directly."""
    image, signature = picture(mode, width, height, seed)
    buffer = io.BytesIO()
    image.save(buffer, format, **({"quality": 90} if format == "JPEG" else {}))
    return ImageBody(buffer.getvalue(), width, height, format, mode, CONTENT_TYPES[format],
                     signature)


def encode(format: str, mode: str, width: int, height: int, seed: int = 0) -> bytes:
    """The bytes of `image_body(format, mode, width, height, seed)`."""
    return image_body(format, mode, width, height, seed).data


def _heights(width: int, max_side: int, max_ratio: float | None) -> st.SearchStrategy[int]:
    if max_ratio is None:
        return st.integers(1, max_side)
    low = max(1, math.ceil(width / max_ratio))
    high = min(max_side, math.floor(width * max_ratio))
    return st.integers(low, max(low, high))


def _padded(format: str, data: bytes, size: int) -> bytes:
    gap = size - len(data)
    if gap == 0:
        return data
    if gap < (png.CHUNK_OVERHEAD if format == "PNG" else jpeg.COM_MIN):
        reject()  # the image is too big for the target, or the gap too small to fill
    return png.pad_to(data, size) if format == "PNG" else jpeg.pad_to(data, size)
