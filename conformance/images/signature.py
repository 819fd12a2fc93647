"""Colour signatures: the mean colour a fixture shows, which any thumbnail of it keeps.

A server may scale a thumbnail to any size, crop it to any aspect, re-encode it as PNG or
JPEG (quality 50 or better) and apply the EXIF orientation. None of that moves the mean
colour of a picture that looks the same everywhere (a solid fill, fine noise or a fine
dither around one colour): JPEG keeps each block's mean almost exactly, resampling averages
neighbours, a crop of a uniform picture is the picture. So each fixture that decodes
carries a signature, the colour its thumbnail's mean must be within TOLERANCE of.

Signatures are points of a grid whose LEVELS are more than 2 x TOLERANCE apart, so two
fixtures' signatures always differ by more than that in some channel: the previous
upload's thumbnail never passes for the next one. Every level is more than TOLERANCE from
0, 128 and 255, so a black, white or mid-grey (blank) thumbnail never passes either.

TOLERANCE is 16, with room to spare: over every fixture and every transformation that
tests/images/test_signatures.py applies, the worst shift measured is 4.4, and a flat colour
re-encoded as a JPEG at quality 50 moves by at most 4 (the quantised DC term of a block is
within a level of its mean in Y, Cb and Cr). Six levels a channel leave enough greys for the
five grey-mode fixtures; a larger tolerance would not.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

from PIL import Image, ImageStat

Signature = tuple[int, int, int]
Mean = tuple[float, float, float]

TOLERANCE = 16
# How close a freshly built fixture's mean must be to its declared signature (solid fills
# are exact; a JPEG moves a flat colour by a level or two, noise averages out to ~0.01).
BUILD_TOLERANCE = 3
LEVELS = (30, 64, 98, 158, 192, 226)
BLANKS: tuple[Signature, ...] = ((0, 0, 0), (128, 128, 128), (255, 255, 255))
GREYS: tuple[Signature, ...] = tuple((level, level, level) for level in LEVELS)
_GRID = [(red, green, blue) for red, green, blue in itertools.product(LEVELS, repeat=3)
         if len({red, green, blue}) > 1]
# Every non-grey grid colour, stepped through with a stride prime to their number, so that
# neighbouring cases (handed colours in catalogue order) look different in a gallery.
COLOURS: tuple[Signature, ...] = tuple(_GRID[(index * 47) % len(_GRID)]
                                       for index in range(len(_GRID)))

_SIXTEEN_BIT_GREY = 257  # a 16-bit grey sample is the 8-bit level times 257
_WITH_ALPHA_OR_PALETTE = ("P", "PA", "LA", "La", "RGBA", "RGBa")


def as_rgb(image: Image.Image) -> Image.Image:
    """`image` as 8-bit RGB, the sane way: 16-bit grey scaled (not clipped) to 8 bits,
    palettes looked up, alpha dropped (not composited), CMYK by Pillow's conversion."""
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I"):  # I;16 and friends, or I holding a 16-bit grey
        level = image.convert("I").point(lambda value: value / _SIXTEEN_BIT_GREY)
        return level.convert("L").convert("RGB")
    if image.mode in _WITH_ALPHA_OR_PALETTE:
        with warnings.catch_warnings():  # "palette images with transparency..." is noise
            warnings.simplefilter("ignore")
            return image.convert("RGBA").convert("RGB")
    return image.convert("RGB")


def mean_rgb(image: Image.Image) -> Mean:
    """The mean colour of `image` (its current frame), channel by channel, in 0..255."""
    red, green, blue = ImageStat.Stat(as_rgb(image)).mean
    return red, green, blue


def within(mean: Sequence[float], signature: Sequence[int], tolerance: float) -> bool:
    """True when every channel of `mean` is at most `tolerance` from `signature`."""
    return all(abs(measured - expected) <= tolerance
               for measured, expected in zip(mean, signature, strict=True))


def distinct(first: Sequence[int], second: Sequence[int]) -> bool:
    """True when two signatures differ by more than 2 x TOLERANCE in some channel, so no
    mean is within TOLERANCE of both."""
    return any(abs(a - b) > 2 * TOLERANCE for a, b in zip(first, second, strict=True))


def describe(mean: Sequence[float]) -> str:
    return "(" + ", ".join(f"{channel:.0f}" for channel in mean) + ")"


def signature_mismatch(image: Image.Image, signature: Sequence[int]) -> str | None:
    """None when the mean colour of `image` is within TOLERANCE of `signature`;
    otherwise one line naming the measured mean, the signature and the tolerance."""
    mean = mean_rgb(image)
    if within(mean, signature, TOLERANCE):
        return None
    return (f"mean colour {describe(mean)} is not within {TOLERANCE} of the signature "
            f"{describe(signature)} in every channel")
