"""Small previews of images for the report, as data URIs of bounded size.

An uploaded fixture can be a 5 MB noise image or a 65535x65535 decompression bomb, and a
thumbnail comes from a target that may be wrong, so nothing is decoded before its header
says it is small enough, and nothing is embedded as it came: every preview is re-encoded
at display size, and one over the byte bound is dropped rather than inlined.
"""

from __future__ import annotations

import base64
import io
import warnings

from PIL import Image

from .model import Preview

PREVIEW_SIDE = 160  # CSS pixels; the longest side of a preview
MAX_DECODE_PIXELS = 4_200_000  # the catalogue's largest displayable fixture is ~2.1 Mpx
MAX_PREVIEW_BYTES = 48_000  # of the encoded preview, before base64
# (longest side, JPEG quality), tried in turn until the preview fits: noise does not
# compress, so a noise fixture gets a smaller, coarser preview instead of none.
ENCODINGS = ((PREVIEW_SIDE, 75), (112, 50), (80, 35))


def preview(data: bytes) -> Preview:
    """A preview of `data`, or a description of why there is none; never raises."""
    size = f"{len(data):,} bytes"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            width, height, kind = image.width, image.height, image.format or "image"
            described = f"{width}x{height} {kind}, {size}"
            if width * height > MAX_DECODE_PIXELS:
                return Preview(f"{described} (too large to draw)", None)
            uri = _fitting_uri(_display_copy(image))
    except Exception as exc:  # a corrupt upload is a normal case here, not an error
        return Preview(f"{size}, not decodable ({type(exc).__name__})", None)
    if uri is None:
        return Preview(f"{described} (preview over {MAX_PREVIEW_BYTES:,} bytes)", None)
    return Preview(described, uri)


def _display_copy(image: Image.Image) -> Image.Image:
    """`image` at display size in RGB or RGBA; JPEGs decode at reduced scale first."""
    if image.format == "JPEG":
        image.draft("RGB", (PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
    image.seek(0)  # animated and multi-picture files: the first frame
    if image.mode.startswith("I"):  # 16-bit and 32-bit grey
        image = image.point(lambda value: value / 256).convert("L")
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if alpha else "RGB")
    image.info = {}  # comments, profiles and EXIF would be written again (a fixture pads to
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))  # its byte size with a 64 KB comment)
    return image


def _fitting_uri(image: Image.Image) -> str | None:
    """The first encoding of `image` within MAX_PREVIEW_BYTES, as a data URI."""
    for side, quality in ENCODINGS:
        image.thumbnail((side, side))
        media, encoded = _encode(image, quality)
        if len(encoded) <= MAX_PREVIEW_BYTES:
            return f"data:{media};base64,{base64.b64encode(encoded).decode('ascii')}"
    return None


def _encode(image: Image.Image, quality: int) -> tuple[str, bytes]:
    """PNG where there is transparency to keep, else JPEG at `quality`."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        return "image/png", buffer.getvalue()
    image.save(buffer, "JPEG", quality=quality)
    return "image/jpeg", buffer.getvalue()
