"""Deterministic noise: the same seed gives the same bytes on every host and Python.

SHAKE-256 is an extendable-output hash, so a longer draw starts with the shorter one and
fixtures that share a seed share their pixels.
"""

import hashlib


def noise(seed: str, length: int) -> bytes:
    """Return `length` pseudo-random bytes determined only by `seed`."""
    return hashlib.shake_256(seed.encode()).digest(length)
