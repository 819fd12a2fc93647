"""A small PNG writer, so fixture bytes do not depend on Pillow's encoder.

Size fixtures use STORED deflate blocks, whose bytes do not depend on the host's zlib either.
The writer also does what Pillow cannot: Adam7 interlacing, APNG frames, chunks placed
exactly, and multi-gigapixel streams built without holding the pixels in memory.
"""

import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"
STORED_BLOCK_MAX = 65535
# Private ancillary chunk for padding: lower-case 1st letter = ancillary, lower-case 2nd =
# private, upper-case 3rd = reserved bit clear, lower-case 4th = safe to copy.
PADDING_CHUNK = b"paDd"
CHUNK_OVERHEAD = 12  # length, type and CRC around the data

# Colour type -> samples per pixel.
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7 passes: (first column, first row, column step, row step).
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2))


def chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk with its length and CRC."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return b"".join((struct.pack(">I", len(data)), kind, data, struct.pack(">I", crc)))


def ihdr(width: int, height: int, bit_depth: int, colour_type: int,
         interlaced: bool = False) -> bytes:
    """The IHDR chunk (compression 0, filter method 0)."""
    data = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, int(interlaced))
    return chunk(b"IHDR", data)


def assemble(header: bytes, idat_payload: bytes, before_idat: Sequence[bytes] = (),
             after_idat: Sequence[bytes] = ()) -> bytes:
    """Signature, IHDR, extra chunks, one IDAT, more chunks, IEND."""
    return b"".join((SIGNATURE, header, *before_idat, chunk(b"IDAT", idat_payload),
                     *after_idat, chunk(b"IEND", b"")))


def row_bytes(width: int, colour_type: int, bit_depth: int) -> int:
    """Bytes in one unfiltered scanline (without the filter byte)."""
    return (width * CHANNELS[colour_type] * bit_depth + 7) // 8


def scanlines(rows: Iterable[bytes | memoryview]) -> bytes:
    """Rows with filter type 0 (None) in front of each."""
    return b"".join(b"\x00" + row for row in rows)


def adam7_scanlines(rows: Sequence[bytes], width: int, pixel_bytes: int) -> bytes:
    """Filtered scanlines of the seven Adam7 passes, for bit depths of 8 or more.

    Each pass is a reduced image with its own rows; a pass with no pixels is left out.
    """
    out = []
    for x0, y0, dx, dy in ADAM7:
        if x0 >= width:
            continue
        for row in rows[y0::dy]:
            pixels = [row[x * pixel_bytes:(x + 1) * pixel_bytes] for x in range(x0, width, dx)]
            out.append(b"\x00" + b"".join(pixels))
    return b"".join(out)


def stored_zlib(data: bytes) -> bytes:
    """A zlib stream of STORED blocks: its bytes depend on `data` alone, not on zlib."""
    view = memoryview(data)
    blocks = [view[i:i + STORED_BLOCK_MAX] for i in range(0, len(data), STORED_BLOCK_MAX)]
    blocks = blocks or [view]  # an empty input is still one (empty, final) block
    out: list[bytes | memoryview] = [b"\x78\x01"]
    for index, block in enumerate(blocks):
        final = int(index == len(blocks) - 1)
        out.append(struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF) + block)
    out.append(struct.pack(">I", zlib.adler32(data)))
    return b"".join(out)


def stored_zlib_size(length: int) -> int:
    """Length of `stored_zlib` output for `length` bytes of input, without building it."""
    blocks = max(1, -(-length // STORED_BLOCK_MAX))
    return 2 + 5 * blocks + length + 4


def compressed_zlib(data: bytes) -> bytes:
    """Ordinary zlib compression, for small fixtures where size matters more than host drift."""
    return zlib.compress(data, 9)


def repeated_rows_zlib(row: bytes, count: int, batch_bytes: int = 1 << 20) -> Iterator[bytes]:
    """Yield a zlib stream of `row` repeated `count` times, in pieces.

    A batch of identical rows is compressed once by a fresh raw-deflate compressor ending in
    a full flush (byte-aligned, no history), so its output can be repeated verbatim. The
    pixels never exist in memory, and a 4-gigapixel bomb takes milliseconds.
    """
    per_batch = max(1, min(count, batch_bytes // len(row)))
    batches, rest = divmod(count, per_batch)
    batch = row * per_batch
    yield b"\x78\xda"
    segment = _raw_deflate(batch, zlib.Z_FULL_FLUSH)
    for _ in range(batches):
        yield segment
    yield _raw_deflate(row * rest, zlib.Z_FINISH)
    checksum = 1
    for _ in range(batches):
        checksum = zlib.adler32(batch, checksum)
    yield struct.pack(">I", zlib.adler32(row * rest, checksum))


def _raw_deflate(data: bytes, mode: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(mode)


def animation_control(frames: int, plays: int = 0) -> bytes:
    """The APNG acTL chunk."""
    return chunk(b"acTL", struct.pack(">II", frames, plays))


def frame_control(sequence: int, width: int, height: int, delay_ms: int = 500) -> bytes:
    """An APNG fcTL chunk for a full-canvas frame (no disposal, source blend)."""
    data = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, delay_ms, 1000, 0, 0)
    return chunk(b"fcTL", data)


def frame_data(sequence: int, payload: bytes) -> bytes:
    """An APNG fdAT chunk: a later frame's compressed scanlines."""
    return chunk(b"fdAT", struct.pack(">I", sequence) + payload)


def padding(length: int, size: int) -> bytes:
    """The private chunk that brings a PNG of `length` bytes to exactly `size` bytes."""
    payload = size - length - CHUNK_OVERHEAD
    if payload < 0:
        raise ValueError(f"a PNG of {length} bytes cannot be padded to {size} bytes")
    return chunk(PADDING_CHUNK, bytes(payload))


def pad_to(png: bytes, size: int) -> bytes:
    """Insert the padding chunk before IEND so that the file is exactly `size` bytes."""
    iend = len(png) - CHUNK_OVERHEAD
    return png[:iend] + padding(len(png), size) + png[iend:]


def chunk_spans(png: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk, end included the CRC; stops at a cut chunk."""
    position = len(SIGNATURE)
    while position + 8 <= len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        end = position + CHUNK_OVERHEAD + length
        yield png[position + 4:position + 8], position, min(end, len(png))
        position = end


def inflated_pieces(png: bytes, piece: int = 1 << 20) -> Iterator[bytes]:
    """The inflated IDAT stream in pieces of at most `piece` bytes (safe on bombs).

    Raises zlib.error if the stream is corrupt and ValueError if it ends early.
    """
    inflater = zlib.decompressobj()
    for kind, start, end in chunk_spans(png):
        if kind != b"IDAT":
            continue
        pending = png[start + 8:end - 4]
        while pending:
            yield inflater.decompress(pending, piece)
            pending = inflater.unconsumed_tail
    if not inflater.eof:
        raise ValueError("the image data stream ends before its last block")


def inflated_length(png: bytes, piece: int = 1 << 20) -> int:
    """Bytes the IDAT stream inflates to, counted in bounded memory (safe on bombs)."""
    return sum(len(inflated) for inflated in inflated_pieces(png, piece))
