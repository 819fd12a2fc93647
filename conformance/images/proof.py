"""Self-proof: read what a fixture really is, and refuse to upload it if that is not what its
case declares, so a run never silently tests the wrong boundary (or the wrong colour).
"""

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, JpegImagePlugin, PngImagePlugin

from .model import Case
from .signature import BUILD_TOLERANCE, Mean, describe, mean_rgb, within

# Where `verify_once` marks the contents it has proven, inside the fixture directory.
PROVEN_DIR = ".proven"
# Full decodes above this many pixels are skipped (flood cases declare `decodes` by recipe):
# the 80-megapixel flood alone would take a second and 320 MB.
FULL_DECODE_MAX_PIXELS = 50_000_000


class FixtureMismatch(AssertionError):
    """A fixture's real properties differ from what its case declares."""


@dataclass(frozen=True)
class Properties:
    """What Pillow sees in some bytes. `decodes` is None when a full decode was skipped;
    `means` is the mean colour of every frame, None unless every frame decoded."""

    size: int
    format: str | None
    width: int | None
    height: int | None
    mode: str | None
    decodes: bool | None
    means: tuple[Mean, ...] | None = None


def read_properties(data: bytes, full_decode: bool = True) -> Properties:
    """Identify `data` with Pillow, then (unless a flood, or asked not to) decode every
    frame fully and measure its mean colour."""
    image = _open(data)
    if image is None:
        return Properties(len(data), None, None, None, None, False)
    width, height = image.size
    format, mode = image.format, image.mode
    if not full_decode or width * height > FULL_DECODE_MAX_PIXELS:
        return Properties(len(data), format, width, height, mode, None)
    means = _frame_means(image)
    return Properties(len(data), format, width, height, mode, means is not None, means)


def verify(case: Case, data: bytes) -> None:
    """Raise FixtureMismatch naming the case and each property that differs from its case."""
    if case.size is not None and len(data) != case.size:
        # The boundary is the point; do not spend a decode on a file that already misses it.
        raise FixtureMismatch(f"{case.name}: bytes is {len(data)}, declared {case.size}")
    mismatches = declared_mismatches(case, read_properties(data))
    if mismatches:
        raise FixtureMismatch(f"{case.name}: " + "; ".join(mismatches))


def verify_once(case: Case, data: bytes, directory: Path) -> None:
    """`verify`, decoding only contents not proven before: a fixture's bytes are proven once
    for its declaration, by this proof and this Pillow, and a marker named for all of them
    is left in `directory`. A run re-reads every fixture, but decodes none it has proven."""
    marker = directory / PROVEN_DIR / f"{case.name}-{_proof_key(case, data)}"
    if marker.is_file():
        return
    verify(case, data)
    with contextlib.suppress(OSError):  # a read-only fixture directory proves every time
        marker.parent.mkdir(exist_ok=True)
        marker.touch()


def _proof_key(case: Case, data: bytes) -> str:
    """What a proof's verdict depends on: the bytes, the declaration, the proving code."""
    key = hashlib.sha256(hashlib.sha256(data).digest())
    declared = (case.size, case.format, case.width, case.height, case.decodes, case.signature)
    key.update(repr(declared).encode())
    key.update(f"Pillow {PIL.__version__}".encode())
    for module in ("proof.py", "signature.py"):
        key.update((Path(__file__).parent / module).read_bytes())
    return key.hexdigest()[:32]


def declared_mismatches(case: Case, actual: Properties) -> list[str]:
    """One message per declared property the actual ones contradict."""
    declared = {"bytes": (case.size, actual.size), "format": (case.format, actual.format),
                "width": (case.width, actual.width), "height": (case.height, actual.height),
                "decodes": (case.decodes, actual.decodes)}
    mismatches = [f"{name} is {real!r}, declared {expected!r}"
                  for name, (expected, real) in declared.items()
                  if real != expected and not (name == "bytes" and expected is None)
                  and not (name == "decodes" and real is None)]
    if case.signature is not None and actual.means is not None:
        mismatches += [f"mean colour of frame {index} is {describe(mean)}, declared signature "
                       f"{describe(case.signature)} (build tolerance {BUILD_TOLERANCE})"
                       for index, mean in enumerate(actual.means)
                       if not within(mean, case.signature, BUILD_TOLERANCE)]
    return mismatches


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


def _frame_means(image: Image.Image) -> tuple[Mean, ...] | None:
    """The mean colour of each frame (an APNG or MPO has several), None if one fails."""
    means = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                image.load()
                means.append(mean_rgb(image))
    except Exception:
        return None
    return tuple(means)
