"""Recipes: pure functions from a case's parameters to its bytes.

Every recipe is deterministic: PNGs come from `png` (STORED blocks where the byte count
matters), JPEGs and the other formats from the pinned Pillow, noise from a seeded hash.
"""

import io
import math
import struct
from collections.abc import Callable, Mapping, Sequence

from PIL import Image

from . import jpeg, png
from .noise import noise

# Measured for seeded RGB noise at quality 95 without chroma subsampling: about 2.43 bytes a
# pixel. Sizing images at 2.5 leaves ~3% under the target for COM padding and encoder drift.
JPEG_NOISE_QUALITY = 95
JPEG_NOISE_BYTES_PER_PIXEL = 2.5
PNG_FIXED_BYTES = len(png.SIGNATURE) + 25 + png.CHUNK_OVERHEAD * 2  # IHDR, IDAT wrapper, IEND


# --- sizing --------------------------------------------------------------------------------

def png_noise_length(width: int, height: int) -> int:
    """Bytes of an unpadded RGB noise PNG written with STORED blocks."""
    return PNG_FIXED_BYTES + png.stored_zlib_size(height * (1 + 3 * width))


def png_noise_dims(budget: int) -> tuple[int, int]:
    """The near-square RGB noise PNG that fills most of `budget` bytes without exceeding it."""
    width = math.isqrt(budget // 3)
    height = (budget - PNG_FIXED_BYTES) // (1 + 3 * width)
    while png_noise_length(width, height) > budget:
        height -= 1
    return width, height


def jpeg_noise_dims(budget: int) -> tuple[int, int]:
    """A square noise JPEG expected to come out about 3% under `budget` bytes."""
    side = math.isqrt(int(budget / JPEG_NOISE_BYTES_PER_PIXEL))
    return side, side


# --- pixels ----------------------------------------------------------------------------------

def pattern(width: int, height: int, channels: int) -> bytes:
    """A smooth, deterministic 8-bit pattern: cheap to compress, different in every channel."""
    return bytes((x * 7 + y * 3 + c * 85) & 0xFF
                 for y in range(height) for x in range(width) for c in range(channels))


def pattern_image(mode: str, width: int, height: int) -> Image.Image:
    """A Pillow image of the pattern in an 8-bit mode (L, RGB, RGBA, CMYK, ...)."""
    return Image.frombytes(mode, (width, height), pattern(width, height, len(mode)))


def png_rows(width: int, height: int, colour_type: int, bit_depth: int,
             fill: Sequence[int] | None = None) -> list[bytes]:
    """Unfiltered scanlines: a solid `fill` or the pattern, at any depth the catalogue uses."""
    channels = png.CHANNELS[colour_type]
    if bit_depth == 1:
        return [_checker_row(width, y) for y in range(height)]
    if colour_type == 3:
        return [bytes(((x // 4 + y // 4) % 16) for x in range(width)) for y in range(height)]
    samples = bytes(fill) * width * height if fill else pattern(width, height, channels)
    if bit_depth == 16:
        samples = bytes(byte for sample in samples for byte in (sample, sample))
    step = png.row_bytes(width, colour_type, bit_depth)
    return [samples[y * step:(y + 1) * step] for y in range(height)]


def _checker_row(width: int, y: int) -> bytes:
    bits = [((x // 4 + y // 4) & 1) for x in range(width)] + [0] * 7
    return bytes(sum(bit << (7 - i) for i, bit in enumerate(bits[x:x + 8]))
                 for x in range(0, width, 8))


def _palette_chunks(transparency: bool) -> list[bytes]:
    colours = bytes(channel for i in range(16) for channel in (i * 16, 255 - i * 16, 128))
    chunks = [png.chunk(b"PLTE", colours)]
    if transparency:
        chunks.append(png.chunk(b"tRNS", bytes(i * 17 for i in range(16))))
    return chunks


# --- PNG recipes -----------------------------------------------------------------------------

def png_image(width: int, height: int, colour_type: int = 2, bit_depth: int = 8,
              interlaced: bool = False, transparency: bool = False,
              fill: Sequence[int] | None = None, compression: str = "zlib") -> bytes:
    """A valid PNG in any colour type and depth, plain or Adam7-interlaced."""
    rows = png_rows(width, height, colour_type, bit_depth, fill)
    if interlaced:
        pixel_bytes = png.CHANNELS[colour_type] * bit_depth // 8
        data = png.adam7_scanlines(rows, width, pixel_bytes)
    else:
        data = png.scanlines(rows)
    payload = png.stored_zlib(data) if compression == "stored" else png.compressed_zlib(data)
    before = _palette_chunks(transparency) if colour_type == 3 else []
    return png.assemble(png.ihdr(width, height, bit_depth, colour_type, interlaced), payload,
                        before)


def png_noise_size(width: int, height: int, size: int, seed: str) -> bytes:
    """An RGB noise PNG in STORED blocks, padded with a private chunk to exactly `size` bytes."""
    pixels = memoryview(noise(seed, width * height * 3))
    step = width * 3
    data = png.scanlines(pixels[y * step:(y + 1) * step] for y in range(height))
    padding = png.padding(png_noise_length(width, height), size)
    return png.assemble(png.ihdr(width, height, 8, 2), png.stored_zlib(data), after_idat=[padding])


def apng(width: int, height: int, frames: int) -> bytes:
    """An animated PNG: the default image is frame 0, later frames are fdAT chunks."""
    def frame_payload(index: int) -> bytes:
        fill = (index * 80 % 256, 255 - index * 80 % 256, 64)
        return png.compressed_zlib(png.scanlines(png_rows(width, height, 2, 8, fill)))

    chunks = [png.animation_control(frames), png.frame_control(0, width, height)]
    later = []
    for index in range(1, frames):
        later.append(png.frame_control(2 * index - 1, width, height))
        later.append(png.frame_data(2 * index, frame_payload(index)))
    return png.assemble(png.ihdr(width, height, 8, 2), frame_payload(0), chunks, later)


def png_flood(width: int, height: int, colour_type: int, bit_depth: int) -> bytes:
    """A huge all-zero PNG compressed to a few hundred KB, streamed row batch by row batch."""
    row = bytes(1 + png.row_bytes(width, colour_type, bit_depth))  # filter byte + zeros
    payload = b"".join(png.repeated_rows_zlib(row, height))
    return png.assemble(png.ihdr(width, height, bit_depth, colour_type), payload)


def png_corrupt(width: int, height: int, defect: str) -> bytes:
    """A pattern PNG with one defect: truncated, cut-in-ihdr, bad-crc-ihdr/-idat, no-iend."""
    image = png_image(width, height)
    spans = {kind: (start, end) for kind, start, end in png.chunk_spans(image)}
    ihdr_start, ihdr_end = spans[b"IHDR"]
    idat_start, idat_end = spans[b"IDAT"]
    if defect == "truncated":
        return image[:(idat_start + idat_end) // 2]
    if defect == "cut-in-ihdr":
        return image[:ihdr_start + 8 + 6]
    if defect in ("bad-crc-ihdr", "bad-crc-idat"):
        end = ihdr_end if defect == "bad-crc-ihdr" else idat_end
        return image[:end - 1] + bytes([image[end - 1] ^ 0xFF]) + image[end:]
    if defect == "no-iend":
        return image[:spans[b"IEND"][0]]
    raise ValueError(f"unknown PNG defect {defect!r}")


# --- JPEG recipes ----------------------------------------------------------------------------

def jpeg_image(width: int, height: int, mode: str = "RGB", quality: int = 90,
               progressive: bool = False, orientation: int | None = None,
               fill: Sequence[int] | None = None) -> bytes:
    """A valid JPEG in L, RGB or CMYK, optionally progressive or with an EXIF orientation."""
    if fill:
        image = Image.new(mode, (width, height), tuple(fill))
    else:
        image = pattern_image(mode, width, height)
    options: dict[str, object] = {"quality": quality, "progressive": progressive}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    return jpeg.encode(image, **options)


def jpeg_noise_size(width: int, height: int, size: int, seed: str) -> bytes:
    """A noise JPEG from Pillow's encoder, padded with COM segments to exactly `size` bytes."""
    image = Image.frombytes("RGB", (width, height), noise(seed, width * height * 3))
    encoded = jpeg.encode(image, quality=JPEG_NOISE_QUALITY, subsampling=0)
    if len(encoded) > size - jpeg.COM_MIN:
        raise ValueError(f"noise JPEG of {len(encoded)} bytes leaves no room to pad to {size}:"
                         " the encoder has drifted; lower JPEG_NOISE_BYTES_PER_PIXEL")
    return jpeg.pad_to(encoded, size)


def jpeg_truncated(width: int, height: int) -> bytes:
    """A pattern JPEG cut halfway through its scan data: headers intact, no EOI."""
    image = jpeg_image(width, height)
    start = jpeg.scan_start(image)
    return image[:(start + len(image)) // 2]


def mpo(width: int, height: int, frames: int) -> bytes:
    """A multi-picture JPEG (MPO): a JPEG whose APP2 segment indexes further JPEGs."""
    images = [Image.new("RGB", (width, height), (i * 90 % 256, 120, 200)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "MPO", save_all=True, append_images=images[1:], quality=90)
    return buffer.getvalue()


# --- other types -----------------------------------------------------------------------------

def pillow_image(format: str, width: int, height: int, mode: str = "RGB") -> bytes:
    """A valid image in a format other than PNG or JPEG (GIF, WEBP, BMP, TIFF)."""
    buffer = io.BytesIO()
    pattern_image(mode, width, height).save(buffer, format)
    return buffer.getvalue()


def heic_like(seed: str, length: int) -> bytes:
    """ISO-BMFF bytes branded HEIC (an ftyp box, then an mdat of noise); not decodable."""
    ftyp = b"ftyp" + b"heic" + struct.pack(">I", 0) + b"mif1heic"
    mdat = b"mdat" + noise(seed, length)
    return b"".join(struct.pack(">I", len(box) + 4) + box for box in (ftyp, mdat))


def svg(width: int, height: int) -> bytes:
    """An SVG document: an image, but text, and neither PNG nor JPEG."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="{width}" height="{height}" fill="#3a7"/></svg>\n').encode()


def text(line: str, repeat: int) -> bytes:
    """Plain UTF-8 text."""
    return (line + "\n").encode() * repeat


def random_bytes(seed: str, length: int) -> bytes:
    """Seeded noise that no image library identifies."""
    return noise(seed, length)


def empty() -> bytes:
    """The 0-byte body."""
    return b""


RECIPES: Mapping[str, Callable[..., bytes]] = {
    "png": png_image,
    "png-noise-size": png_noise_size,
    "apng": apng,
    "png-flood": png_flood,
    "png-corrupt": png_corrupt,
    "jpeg": jpeg_image,
    "jpeg-noise-size": jpeg_noise_size,
    "jpeg-truncated": jpeg_truncated,
    "mpo": mpo,
    "pillow": pillow_image,
    "heic-like": heic_like,
    "svg": svg,
    "text": text,
    "random": random_bytes,
    "empty": empty,
}
