"""Pictures whose mean colour is their signature everywhere: solid fills, noise around a
colour, and a 1-bit dither. Recipes encode them; strategies draw them.

"Everywhere" is what makes a thumbnail's mean predictable: a crop, a resize with any
filter, or a JPEG re-encode of a uniform picture keeps its mean (see `signature`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PIL import Image, ImageChops

from .noise import noise

# Noise is the signature plus a value in -40..+40. Channels stay inside QUIET_RANGE so the
# noise never clamps and averaging it in linear light (as some resizers do) lifts the mean
# by under 4 levels; a darker colour would be lifted more.
NOISE_AMPLITUDE = 40
QUIET_RANGE = range(2 * NOISE_AMPLITUDE, 256 - NOISE_AMPLITUDE)
# A 1-bit picture can only show two greys: a quarter of its pixels white, or three quarters.
ONE_BIT_GREYS = {64: 1, 192: 3}  # grey level -> white pixels in every 2x2 block
_QUADS = list(itertools.permutations(range(4)))


def grey_level(colour: Sequence[int]) -> int:
    """The level of a grey colour; ValueError if the colour is not grey."""
    if len(set(colour)) != 1:
        raise ValueError(f"a grey picture needs a grey colour, not {tuple(colour)}")
    return colour[0]


def quiet(colour: Sequence[int]) -> bool:
    """True when noise around `colour` neither clamps nor drifts in linear light."""
    return all(channel in QUIET_RANGE for channel in colour)


def solid(mode: str, width: int, height: int, pixel: int | Sequence[int]) -> Image.Image:
    """One colour, given in the mode's own channels."""
    value = pixel if isinstance(pixel, int) else tuple(pixel)
    return Image.new(mode, (width, height), value)


def noisy(width: int, height: int, colour: Sequence[int], seed: str) -> Image.Image:
    """RGB `colour` plus zero-mean noise of NOISE_AMPLITUDE, incompressible and uniform.

    One seeded plane serves all three channels, each shifted by a third of the picture, so
    neighbouring samples are independent in every channel at a third of the hashing cost.
    """
    if not quiet(colour):
        raise ValueError(f"noise around {tuple(colour)} would clamp: keep channels in "
                         f"{QUIET_RANGE.start}..{QUIET_RANGE.stop - 1}")
    plane = Image.frombytes("L", (width, height), noise(seed, width * height))
    # Byte b becomes level + (b - 127.5) * A / 127.5, rounded: symmetric, so the mean of
    # uniform bytes is exactly the level. One band at a time keeps the peak memory down.
    bands = [ImageChops.offset(plane, width * index // 3, height * index // 3).point(
                 [level + round((byte - 127.5) * NOISE_AMPLITUDE / 127.5) for byte in range(256)])
             for index, level in enumerate(colour)]
    return Image.merge("RGB", bands)


def one_bit_rows(width: int, height: int, level: int, seed: str) -> list[bytes]:
    """Packed rows of a 1-bit dither whose mean is `level` (64 or 192) in any region.

    Every aligned 2x2 block has exactly one pixel that differs from the others, so any
    even-sided region has the exact mean. Which one is seeded per 4x4 block, each of the
    four positions once, so sampling every other pixel (a nearest-neighbour halving) still
    sees the same share and sampling every fourth sees it at random, never a regular grid.
    """
    if level not in ONE_BIT_GREYS:
        raise ValueError(f"a 1-bit picture can show the greys {sorted(ONE_BIT_GREYS)}, "
                         f"not {level}")
    odd_one_is_white = ONE_BIT_GREYS[level] == 1
    blocks_across = -(-width // 4)
    choices = noise(seed, blocks_across * -(-height // 4))
    rows = []
    for y in range(height):
        bits = []
        for x in range(width):
            quad = _QUADS[choices[(y // 4) * blocks_across + x // 4] % len(_QUADS)]
            block = (y // 2 % 2) * 2 + x // 2 % 2
            odd_one = quad[block] == (y % 2) * 2 + x % 2
            bits.append(odd_one == odd_one_is_white)
        rows.append(_pack(bits))
    return rows


def one_bit(width: int, height: int, level: int, seed: str) -> Image.Image:
    """The dither of `one_bit_rows` as a Pillow mode "1" image."""
    return Image.frombytes("1", (width, height), b"".join(one_bit_rows(width, height, level,
                                                                        seed)))


def _pack(bits: Sequence[bool]) -> bytes:
    padded = [*bits, *[False] * 7]
    return bytes(sum(bit << (7 - i) for i, bit in enumerate(padded[x:x + 8]))
                 for x in range(0, len(bits), 8))
