"""Colour signatures: each fixture shows its declared mean colour; a thumbnail of it keeps that
colour however a sane server makes it; no blank picture and no other fixture's passes for it."""

import dataclasses
import functools
import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageOps, ImageStat

from conformance.images import (
    CASES,
    TOLERANCE,
    Case,
    FixtureMismatch,
    build_bytes,
    case,
    fixture_path,
    mean_rgb,
    png,
    read_properties,
    signature_mismatch,
    verify,
)
from conformance.images.signature import (
    BLANKS,
    BUILD_TOLERANCE,
    COLOURS,
    GREYS,
    LEVELS,
    as_rgb,
    distinct,
    within,
)

SIGNED = [c for c in CASES if c.signature is not None]
# What a server may accept: the previous upload's thumbnail may be any of these.
ACCEPTABLE = [c for c in SIGNED if c.expectation.accepted is not False]
DECODED = [c for c in SIGNED if c.group != "floods"]  # floods are too big to decode here
# Pictures larger than this are judged on their centre: they are uniform by construction
# (test_declared_mean_is_the_same_in_every_quarter proves it), and this keeps the test fast.
SAMPLE_SIDE = 512
FRAMES = {"variant-png-animated": 3, "variant-jpeg-mpo": 2}
UNJUDGED = {  # cases that decode but carry no signature, and why
    "variant-jpeg-cmyk": "CMYK to RGB differs between libraries",
    "flood-png-50000x50000": "a 1-bit flood is black",
    "flood-png-65535x65535": "a 1-bit flood is black",
}


def name_of(entry: Case) -> str:
    return entry.name


def solid_image(colour: tuple[int, int, int], format: str | None = None) -> Image.Image:
    image = Image.new("RGB", (40, 30), colour)
    return reencoded(image, format, 85) if format else image


def reencoded(image: Image.Image, format: str, quality: int = 90) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format, **({"quality": quality} if format == "JPEG" else {}))
    decoded = Image.open(io.BytesIO(buffer.getvalue()))
    decoded.load()
    return decoded


class TestMeanColour:
    @pytest.mark.parametrize(("image", "expected"), [
        (Image.new("RGB", (3, 2), (10, 20, 30)), (10, 20, 30)),
        (Image.new("L", (3, 2), 77), (77, 77, 77)),
        (Image.new("LA", (3, 2), (77, 0)), (77, 77, 77)),  # alpha dropped, not composited
        (Image.new("RGBA", (3, 2), (10, 20, 30, 0)), (10, 20, 30)),
        (Image.new("I;16", (3, 2), 100 * 257), (100, 100, 100)),  # scaled, not clipped
        (Image.new("I", (3, 2), 200 * 257), (200, 200, 200)),
        (Image.new("1", (2, 2), 1), (255, 255, 255)),
    ], ids=["RGB", "L", "LA", "RGBA", "I;16", "I", "1"])
    def test_any_mode_is_read_as_rgb(self, image, expected):
        assert mean_rgb(image) == pytest.approx(expected)

    def test_a_palette_is_looked_up_and_its_transparency_dropped(self):
        image = Image.new("P", (4, 4), 1)
        image.putpalette([0, 0, 0, 30, 60, 90])
        image.info["transparency"] = bytes([255, 0])
        assert mean_rgb(image) == pytest.approx((30, 60, 90))

    def test_cmyk_is_converted_as_pillow_converts_it(self):
        image = Image.new("CMYK", (2, 2), (10, 20, 30, 40))
        assert mean_rgb(image) == pytest.approx(ImageStat.Stat(image.convert("RGB")).mean)

    def test_the_mean_is_over_every_pixel(self):
        image = Image.new("RGB", (4, 1), (0, 0, 0))
        image.paste((200, 100, 40), (0, 0, 1, 1))
        assert mean_rgb(image) == pytest.approx((50, 25, 10))


class TestSignatureMismatch:
    def test_within_tolerance_in_every_channel_is_a_match(self):
        image = solid_image((100 + TOLERANCE, 100 - TOLERANCE, 100))
        assert signature_mismatch(image, (100, 100, 100)) is None

    def test_one_channel_beyond_tolerance_is_a_mismatch_in_one_line(self):
        image = solid_image((100, 100, 101 + TOLERANCE))
        message = signature_mismatch(image, (100, 100, 100))
        assert message == (f"mean colour (100, 100, {101 + TOLERANCE}) is not within "
                           f"{TOLERANCE} of the signature (100, 100, 100) in every channel")

    @pytest.mark.parametrize("entry", ACCEPTABLE, ids=name_of)
    @pytest.mark.parametrize("format", [None, "PNG", "JPEG"])
    def test_a_blank_thumbnail_never_passes(self, entry, format):
        for blank in BLANKS:
            assert signature_mismatch(solid_image(blank, format), entry.signature), blank


class TestPalette:
    def test_levels_are_more_than_twice_the_tolerance_apart(self):
        assert all(b - a > 2 * TOLERANCE for a, b in itertools.pairwise(LEVELS))

    def test_no_level_is_within_tolerance_of_black_grey_or_white(self):
        assert all(abs(level - blank) > TOLERANCE for level in LEVELS for blank in (0, 128, 255))

    def test_colours_and_greys_are_the_grid(self):
        grid = set(itertools.product(LEVELS, repeat=3))
        assert set(COLOURS) | set(GREYS) == grid
        assert len(COLOURS) == len(set(COLOURS)) == len(grid) - len(LEVELS)


class TestDeclaredSignatures:
    def test_every_case_that_decodes_has_a_signature_unless_listed(self):
        decodes = {c.name for c in CASES if c.decodes}
        assert decodes - {c.name for c in SIGNED} == set(UNJUDGED)

    def test_cases_that_do_not_decode_have_none(self):
        assert all(c.signature is None for c in CASES if not c.decodes)

    def test_no_signature_is_blank(self):
        for entry in SIGNED:
            assert not any(within(blank, entry.signature, TOLERANCE) for blank in BLANKS), entry

    def test_every_signature_is_distinct_from_every_other(self):
        """Stronger than needed (acceptable pairs): no two cases share a colour at all."""
        for first, second in itertools.combinations(SIGNED, 2):
            assert distinct(first.signature, second.signature), (first.name, second.name)

    def test_acceptable_cases_are_distinct(self):
        for first, second in itertools.combinations(ACCEPTABLE, 2):
            assert any(abs(a - b) > 2 * TOLERANCE
                       for a, b in zip(first.signature, second.signature, strict=True)), (
                first.name, second.name)

    def test_grey_modes_have_grey_signatures(self):
        grey = [c for c in SIGNED if c.params.get("colour_type") in (0, 4)
                or c.params.get("mode") == "L"]
        assert len(grey) == 5
        assert all(len(set(c.signature)) == 1 for c in grey)

    @pytest.mark.parametrize("entry", DECODED, ids=name_of)
    def test_every_frame_shows_the_signature(self, entry, built_dir):
        means = read_properties(fixture_path(entry, built_dir).read_bytes()).means
        assert means is not None and len(means) == FRAMES.get(entry.name, 1)
        for mean in means:
            assert within(mean, entry.signature, BUILD_TOLERANCE), (mean, entry.signature)

    @pytest.mark.parametrize("entry", [c for c in DECODED if c.width * c.height >= 64],
                             ids=name_of)
    def test_declared_mean_is_the_same_in_every_quarter(self, entry, built_dir):
        """Uniform, not just right on average: each quarter has the signature too."""
        with Image.open(fixture_path(entry, built_dir)) as image:
            width, height = image.size
            for left, top in itertools.product((0, width // 2), (0, height // 2)):
                quarter = image.crop((left, top, left + width // 2, top + height // 2))
                assert within(mean_rgb(quarter), entry.signature, BUILD_TOLERANCE), (left, top)

    def test_the_rgb_flood_repeats_a_row_of_its_signature(self):
        """Proven from the inflated stream, in bounded memory (80 megapixels)."""
        entry = case("flood-png-20000x4000")
        row = b"\x00" + bytes(entry.signature) * entry.width
        offset = 0
        for piece in png.inflated_pieces(build_bytes(entry)):
            start = offset % len(row)
            expected = (row * (len(piece) // len(row) + 2))[start:start + len(piece)]
            assert piece == expected, offset
            offset += len(piece)
        assert offset == len(row) * entry.height

    def test_verify_refuses_a_fixture_of_another_colour(self):
        other = dataclasses.replace(case("ratio-1x1"), signature=case("ratio-5x1").signature)
        with pytest.raises(FixtureMismatch, match=r"ratio-1x1: mean colour of frame 0 is "
                                                  r"\(64, 98, 192\), declared signature"):
            verify(other, build_bytes(case("ratio-1x1")))


# --- what a server may do to make a thumbnail ----------------------------------------------

def eighth(image: Image.Image) -> tuple[int, int]:
    return max(1, image.width // 8), max(1, image.height // 8)


def centre(image: Image.Image, width: int, height: int) -> Image.Image:
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    return centre(image, side, side)


def jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    return lambda image: reencoded(as_rgb(image), "JPEG", quality)


def resized(size: Callable[[Image.Image], tuple[int, int]],
            resample: Image.Resampling) -> Callable[[Image.Image], Image.Image]:
    return lambda image: as_rgb(image).resize(size(image), resample)


def tripled(resample: Image.Resampling) -> Callable[[Image.Image], Image.Image]:
    """The middle (at most 128 px square) enlarged three times."""
    def enlarge(image: Image.Image) -> Image.Image:
        middle = centre(image, min(image.width, 128), min(image.height, 128))
        return as_rgb(middle).resize((middle.width * 3, middle.height * 3), resample)
    return enlarge


def own_mode_thumbnail(image: Image.Image) -> Image.Image:
    """Shrunk by Pillow in the picture's own mode and saved as PNG, as a naive server does:
    1-bit and palette pictures by nearest neighbour, 16-bit grey kept 16-bit."""
    return reencoded(image.resize(eighth(image)), "PNG")


def averaged_in_linear_light(image: Image.Image) -> Image.Image:
    """The picture box-averaged in linear light (as gamma-aware resizers do) to one pixel."""
    def to_linear(level: int) -> float:
        value = level / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    def to_srgb(linear: float) -> int:
        value = linear * 12.92 if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055
        return round(value * 255)

    rgb = as_rgb(image)
    histogram = rgb.histogram()
    count = rgb.width * rgb.height
    pixel = tuple(to_srgb(sum(to_linear(level) * histogram[band * 256 + level]
                                for level in range(256)) / count) for band in range(3))
    return Image.new("RGB", (1, 1), pixel)


TRANSFORMATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg-q50": jpeg(50),
    "jpeg-q95": jpeg(95),
    "eighth-lanczos": resized(eighth, Image.Resampling.LANCZOS),
    "eighth-bilinear": resized(eighth, Image.Resampling.BILINEAR),
    "eighth-nearest": resized(eighth, Image.Resampling.NEAREST),
    "eighth-own-mode": own_mode_thumbnail,
    "triple-bicubic": tripled(Image.Resampling.BICUBIC),
    "triple-nearest": tripled(Image.Resampling.NEAREST),
    "centre-square": square,
    "square-eighth-q50": lambda image: jpeg(50)(resized(eighth, Image.Resampling.LANCZOS)(
        square(image))),
    "linear-light": averaged_in_linear_light,
}
KNOWN_LIMITS = {
    ("variant-png-1bit", "linear-light"): "a 1-bit picture is black and white pixels; averaged "
    "in linear light a quarter white is sRGB 137, not 64, and no choice of pixels avoids it",
}


@functools.cache
def frames(name: str, directory: Path) -> tuple[Image.Image, ...]:
    """Each frame of the fixture, as EXIF orients it, cut to its centre SAMPLE_SIDE square."""
    samples = []
    with Image.open(fixture_path(case(name), directory)) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            oriented = ImageOps.exif_transpose(image)
            samples.append(centre(oriented, min(oriented.width, SAMPLE_SIDE),
                                  min(oriented.height, SAMPLE_SIDE)))
    return tuple(samples)


def robustness_params() -> list[object]:
    params = []
    for entry, transformation in itertools.product(DECODED, TRANSFORMATIONS):
        limit = KNOWN_LIMITS.get((entry.name, transformation))
        marks = [pytest.mark.xfail(reason=limit, strict=True)] if limit else []
        params.append(pytest.param(entry, transformation, marks=marks,
                                   id=f"{entry.name}-{transformation}"))
    return params


class TestThumbnailsKeepTheSignature:
    @pytest.mark.parametrize(("entry", "transformation"), robustness_params())
    def test_within_tolerance_of_its_own_and_of_no_other(self, entry, transformation,
                                                         built_dir):
        others = [c for c in ACCEPTABLE if c.name != entry.name]
        for index, frame in enumerate(frames(entry.name, built_dir)):
            thumbnail = TRANSFORMATIONS[transformation](frame)
            assert signature_mismatch(thumbnail, entry.signature) is None, (
                f"frame {index}: {signature_mismatch(thumbnail, entry.signature)}")
            mean = mean_rgb(thumbnail)
            passes_for = [c.name for c in others if within(mean, c.signature, TOLERANCE)]
            assert not passes_for, f"frame {index}: mean {mean} passes for {passes_for}"
