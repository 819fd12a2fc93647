"""Build a case's bytes from its recipe."""

from .model import Case
from .recipes import RECIPES


def build_bytes(case: Case) -> bytes:
    """The case's bytes: pure and deterministic for a given Pillow and zlib."""
    return RECIPES[case.recipe](**case.params)
