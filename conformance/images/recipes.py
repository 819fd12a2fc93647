"""Recipes: pure functions from a case's parameters to its bytes.

Every recipe is deterministic: PNGs come from `png` (STORED blocks where the byte count
matters), JPEGs and the other formats from the pinned Pillow, noise from a seeded hash.
Every picture that decodes shows the colour it is given as its mean (`pictures`), which
the catalogue declares as the case's signature.
"""

import io
import math
import struct
from collections.abc import Callable, Mapping, Sequence

from PIL import Image

from . import jpeg, pictures, png
from .noise import noise

# Measured for `pictures.noisy` (+-40 around the colour) at quality 100 without chroma
# subsampling: 2.99-3.00 bytes a pixel, whatever the colour. Sizing images at 3.1 leaves ~3%
# under the target for COM padding and encoder drift. Quality 100 keeps the pixel count (and
# so the time to build, verify and thumbnail) at the level of full-range noise at 95.
JPEG_NOISE_QUALITY = 100
JPEG_NOISE_BYTES_PER_PIXEL = 3.1
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

def png_rows(width: int, height: int, colour: Sequence[int], colour_type: int = 2,
             bit_depth: int = 8, seed: str = "dither") -> list[bytes]:
    """Unfiltered scanlines of a picture whose mean is `colour`, in any colour type and depth
    the catalogue uses: a solid fill (alpha opaque, palette index 0), or a 1-bit dither."""
    if bit_depth == 1:
        return pictures.one_bit_rows(width, height, pictures.grey_level(colour), seed)
    if colour_type == 3:
        return [bytes(width)] * height  # every pixel is palette entry 0, the colour
    samples = _samples(colour, colour_type)
    if bit_depth == 16:
        samples = bytes(byte for sample in samples for byte in (sample, sample))
    return [samples * width] * height


def _samples(colour: Sequence[int], colour_type: int) -> bytes:
    """One pixel of `colour`: grey types take its (single) level, alpha is opaque."""
    grey = colour_type in (0, 4)
    channels = [pictures.grey_level(colour)] if grey else list(colour)
    if colour_type in (4, 6):
        channels.append(255)
    return bytes(channels)


def _palette_chunks(colour: Sequence[int], transparency: bool) -> list[bytes]:
    """PLTE with `colour` as entry 0 and 15 unused others; tRNS keeps entry 0 opaque and
    makes the unused ones translucent, so the file is a real palette-with-alpha PNG whose
    colour does not depend on how a server composites alpha."""
    others = (channel for i in range(1, 16) for channel in (i * 16, 255 - i * 16, 128))
    chunks = [png.chunk(b"PLTE", bytes([*colour, *others]))]
    if transparency:
        chunks.append(png.chunk(b"tRNS", bytes([255, *(i * 17 for i in range(15))])))
    return chunks


def nudged(colour: Sequence[int], index: int) -> tuple[int, ...]:
    """Frame `index` of an animation: the colour, then one channel moved by 1 per frame, so
    frames differ and every one of them shows the signature."""
    if index == 0:
        return tuple(colour)
    step = 1 if index % 2 else -1
    return tuple(value + step * (channel == (index - 1) % 3)
                 for channel, value in enumerate(colour))


def _pixel(mode: str, colour: Sequence[int]) -> int | tuple[int, ...]:
    """`colour` in `mode`'s channels: a grey level for L; CMYK pictures are given in CMYK."""
    if mode == "L":
        return pictures.grey_level(colour)
    if len(colour) != len(mode):
        raise ValueError(f"a {mode} picture needs {len(mode)} channels, not {tuple(colour)}")
    return tuple(colour)


# --- PNG recipes -----------------------------------------------------------------------------

def png_image(width: int, height: int, colour: Sequence[int], colour_type: int = 2,
              bit_depth: int = 8, interlaced: bool = False, transparency: bool = False,
              compression: str = "zlib") -> bytes:
    """A valid PNG showing `colour` in any colour type and depth, plain or Adam7-interlaced."""
    rows = png_rows(width, height, colour, colour_type, bit_depth)
    if interlaced:
        pixel_bytes = png.CHANNELS[colour_type] * bit_depth // 8
        data = png.adam7_scanlines(rows, width, pixel_bytes)
    else:
        data = png.scanlines(rows)
    payload = png.stored_zlib(data) if compression == "stored" else png.compressed_zlib(data)
    before = _palette_chunks(colour, transparency) if colour_type == 3 else []
    return png.assemble(png.ihdr(width, height, bit_depth, colour_type, interlaced), payload,
                        before)


def png_noise_size(width: int, height: int, size: int, seed: str,
                   colour: Sequence[int]) -> bytes:
    """An RGB noise PNG around `colour` in STORED blocks, padded with a private chunk to
    exactly `size` bytes (stored blocks make the size independent of the pixels)."""
    pixels = memoryview(pictures.noisy(width, height, colour, seed).tobytes())
    step = width * 3
    data = png.scanlines(pixels[y * step:(y + 1) * step] for y in range(height))
    padding = png.padding(png_noise_length(width, height), size)
    return png.assemble(png.ihdr(width, height, 8, 2), png.stored_zlib(data), after_idat=[padding])


def apng(width: int, height: int, frames: int, colour: Sequence[int]) -> bytes:
    """An animated PNG: the default image is frame 0, later frames are fdAT chunks; every
    frame shows (within a level or two) the same colour, since a server may pick any."""
    def frame_payload(index: int) -> bytes:
        return png.compressed_zlib(png.scanlines(png_rows(width, height,
                                                          nudged(colour, index))))

    chunks = [png.animation_control(frames), png.frame_control(0, width, height)]
    later = []
    for index in range(1, frames):
        later.append(png.frame_control(2 * index - 1, width, height))
        later.append(png.frame_data(2 * index, frame_payload(index)))
    return png.assemble(png.ihdr(width, height, 8, 2), frame_payload(0), chunks, later)


def png_flood(width: int, height: int, colour_type: int, bit_depth: int,
              colour: Sequence[int] | None = None) -> bytes:
    """A huge PNG of one repeated row (all zeros, or one colour) compressed to a few hundred
    KB, streamed row batch by row batch."""
    if colour is None:
        row = bytes(png.row_bytes(width, colour_type, bit_depth))
    else:
        row = _samples(colour, colour_type) * width
    payload = b"".join(png.repeated_rows_zlib(b"\x00" + row, height))  # filter byte: None
    return png.assemble(png.ihdr(width, height, bit_depth, colour_type), payload)


def png_corrupt(width: int, height: int, defect: str, colour: Sequence[int]) -> bytes:
    """A PNG with one defect: truncated, cut-in-ihdr, bad-crc-ihdr/-idat, no-iend."""
    image = png_image(width, height, colour)
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

def jpeg_image(width: int, height: int, colour: Sequence[int], mode: str = "RGB",
               quality: int = 90, progressive: bool = False,
               orientation: int | None = None) -> bytes:
    """A solid JPEG in L, RGB or CMYK (`colour` in CMYK then), optionally progressive or
    with an EXIF orientation."""
    image = pictures.solid(mode, width, height, _pixel(mode, colour))
    options: dict[str, object] = {"quality": quality, "progressive": progressive}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    return jpeg.encode(image, **options)


def jpeg_noise_size(width: int, height: int, size: int, seed: str,
                    colour: Sequence[int]) -> bytes:
    """A noise JPEG around `colour` from Pillow's encoder, padded with COM segments to
    exactly `size` bytes."""
    image = pictures.noisy(width, height, colour, seed)
    encoded = jpeg.encode(image, quality=JPEG_NOISE_QUALITY, subsampling=0)
    if len(encoded) > size - jpeg.COM_MIN:
        raise ValueError(f"noise JPEG of {len(encoded)} bytes leaves no room to pad to {size}:"
                         " the encoder has drifted; raise JPEG_NOISE_BYTES_PER_PIXEL")
    return jpeg.pad_to(encoded, size)


def jpeg_truncated(width: int, height: int, colour: Sequence[int]) -> bytes:
    """A JPEG cut halfway through its scan data: headers intact, no EOI."""
    image = jpeg_image(width, height, colour)
    start = jpeg.scan_start(image)
    return image[:(start + len(image)) // 2]


def mpo(width: int, height: int, frames: int, colour: Sequence[int]) -> bytes:
    """A multi-picture JPEG (MPO): a JPEG whose APP2 segment indexes further JPEGs; every
    picture shows (within a level or two) the same colour, since a server may pick any."""
    images = [pictures.solid("RGB", width, height, nudged(colour, index))
              for index in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "MPO", save_all=True, append_images=images[1:], quality=90)
    return buffer.getvalue()


# --- other types -----------------------------------------------------------------------------

def pillow_image(format: str, width: int, height: int, colour: Sequence[int],
                 mode: str = "RGB") -> bytes:
    """A valid solid image in a format other than PNG or JPEG (GIF, WEBP, BMP, TIFF)."""
    buffer = io.BytesIO()
    pictures.solid(mode, width, height, _pixel(mode, colour)).save(buffer, format)
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
