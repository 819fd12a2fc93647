"""Self-proof: read what a fixture really is, and refuse to upload it if that is not what its
case declares, so a run never silently tests the wrong boundary.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, JpegImagePlugin, PngImagePlugin

from .model import Case

# Full decodes above this many pixels are skipped (flood cases declare `decodes` by recipe):
# the 80-megapixel flood alone would take a second and 320 MB.
FULL_DECODE_MAX_PIXELS = 50_000_000


class FixtureMismatch(AssertionError):
    """A fixture's real properties differ from what its case declares."""


@dataclass(frozen=True)
class Properties:
    """What Pillow sees in some bytes. `decodes` is None when a full decode was skipped."""

    size: int
    format: str | None
    width: int | None
    height: int | None
    mode: str | None
    decodes: bool | None


def read_properties(data: bytes, full_decode: bool = True) -> Properties:
    """Identify `data` with Pillow, then (unless a flood, or asked not to) decode it fully."""
    image = _open(data)
    if image is None:
        return Properties(len(data), None, None, None, None, False)
    width, height = image.size
    decodes = _decodes(image) if full_decode and width * height <= FULL_DECODE_MAX_PIXELS else None
    return Properties(len(data), image.format, width, height, image.mode, decodes)


def verify(case: Case, data: bytes) -> None:
    """Raise FixtureMismatch naming the case and each property that differs from its case."""
    if case.size is not None and len(data) != case.size:
        # The boundary is the point; do not spend a decode on a file that already misses it.
        raise FixtureMismatch(f"{case.name}: bytes is {len(data)}, declared {case.size}")
    mismatches = declared_mismatches(case, read_properties(data))
    if mismatches:
        raise FixtureMismatch(f"{case.name}: " + "; ".join(mismatches))


def declared_mismatches(case: Case, actual: Properties) -> list[str]:
    """One message per declared property the actual ones contradict."""
    declared = {"bytes": (case.size, actual.size), "format": (case.format, actual.format),
                "width": (case.width, actual.width), "height": (case.height, actual.height),
                "decodes": (case.decodes, actual.decodes)}
    return [f"{name} is {real!r}, declared {expected!r}"
            for name, (expected, real) in declared.items()
            if real != expected and not (name == "bytes" and expected is None)
            and not (name == "decodes" and real is None)]


def _open(data: bytes) -> Image.Image | None:
    """Pillow's view of the header; a bomb is opened by its plugin so it is never refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        return _open_unchecked(data)
    except Exception:  # Pillow raises many types for bytes it cannot identify
        return None


def _open_unchecked(data: bytes) -> Image.Image | None:
    """Open PNG or JPEG headers without Pillow's pixel-count guard (nothing is decoded)."""
    for plugin in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            return plugin(io.BytesIO(data))
        except Exception:
            continue
    return None


def _decodes(image: Image.Image) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Exception:
        return False
    return True
