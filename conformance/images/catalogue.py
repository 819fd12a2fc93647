"""The catalogue: every fixture case, grouped as sizes, ratios, types, variants, corruption
and floods, each with the outcome the public contract allows.

Expectations follow the contract's evidence levels (reference/api-contract.md), never one
server's choices: where the contract is silent the case says `undetermined` and allows either.
"""

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from .model import Case, Expectation
from .recipes import jpeg_noise_dims, png_noise_dims

KB = 1000
MB = 1000 * KB
MIB = 1024 * 1024
PNG, JPEG = "image/png", "image/jpeg"
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "GIF": "gif", "WEBP": "webp",
              "BMP": "bmp", "TIFF": "tiff"}


# --- expectations --------------------------------------------------------------------------

def accepted(reason: str, evidence: str = "documented") -> Expectation:
    return Expectation(accepted=True, evidence=evidence, reason=reason)


def either(reason: str) -> Expectation:
    return Expectation(accepted=None, evidence="undetermined", reason=reason)


def rejected(reason: str, evidence: str, statuses: tuple[int, ...] = (),
             code: str | None = None, detail_code: str | None = None,
             detail_target: str | None = None) -> Expectation:
    return Expectation(accepted=False, statuses=statuses, code=code, detail_code=detail_code,
                       detail_target=detail_target, evidence=evidence, reason=reason)


def too_long(why: str) -> Expectation:
    """The documented 422 for sides longer than 5:1."""
    return rejected(f"{why}: longer than 5:1", "documented", (422,), "InvalidiTwinsRequest",
                    "InvalidValue", "image")


def size_expectation(size: int) -> Expectation:
    """What the contract says about a valid image of `size` bytes."""
    if size == 6 * MIB:
        return rejected("6 MiB was answered 413 RequestTooLarge by the real service", "observed",
                        (413,), "RequestTooLarge")
    if size <= 5 * MB:
        return accepted("at most 5,000,000 bytes is within 5 MB under either reading")
    if size <= 5 * MIB:
        return either("between 5,000,000 and 5,242,880 bytes: the exact byte limit is unknown")
    return rejected("above 5 MiB under either reading; 413 or 422 InvalidRequestBody",
                    "documented", (413, 422))


# --- case construction ---------------------------------------------------------------------

def make(name: str, group: str, recipe: str, params: Mapping[str, object],
         content_type: str | None, expectation: Expectation, *, format: str | None,
         width: int | None = None, height: int | None = None, size: int | None = None,
         decodes: bool | None = None, extension: str | None = None) -> Case:
    """A Case; the extension follows the true format, and identified images decode by default."""
    extension = extension or EXTENSIONS.get(format or "", "bin")
    return Case(name=name, group=group, recipe=recipe, params=params,
                content_type=content_type, expectation=expectation,
                filename=f"{name}.{extension}", size=size, width=width, height=height,
                format=format, decodes=format is not None if decodes is None else decodes)


def family_budget(size: int) -> int:
    """Bytes left for pixels: sizes in one 100 kB band share one image and differ in padding."""
    return (size - 12) // (100 * KB) * (100 * KB)


# --- groups ----------------------------------------------------------------------------------

BOUNDARY_SIZES = (5 * MB - 1, 5 * MB, 5 * MB + 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 6 * MIB,
                  50 * MB)


def size_cases() -> Iterator[Case]:
    for size in BOUNDARY_SIZES:
        width, height = png_noise_dims(family_budget(size))
        yield make(f"size-png-{size}", "sizes", "png-noise-size",
                   {"width": width, "height": height, "size": size, "seed": "size-png"},
                   PNG, size_expectation(size), format="PNG", width=width, height=height,
                   size=size)
        width, height = jpeg_noise_dims(family_budget(size))
        yield make(f"size-jpeg-{size}", "sizes", "jpeg-noise-size",
                   {"width": width, "height": height, "size": size, "seed": "size-jpeg"},
                   JPEG, size_expectation(size), format="JPEG", width=width, height=height,
                   size=size)
    tiny = accepted("a 1x1 image is a valid PNG or JPEG well under 5 MB")
    yield make("size-png-tiny", "sizes", "png", {"width": 1, "height": 1, "compression": "stored"},
               PNG, tiny, format="PNG", width=1, height=1)
    yield make("size-jpeg-tiny", "sizes", "jpeg", {"width": 1, "height": 1}, JPEG, tiny,
               format="JPEG", width=1, height=1)
    for kind, content_type in (("png", PNG), ("jpeg", JPEG)):
        yield make(f"size-empty-as-{kind}", "sizes", "empty", {}, content_type,
                   rejected("an empty body is no image; status and code are not documented",
                            "undetermined"), format=None, size=0, extension="bin")


ALLOWED_RATIOS = ((1000, 200), (200, 1000), (500, 100), (100, 500), (5, 1), (1, 5), (1, 1))
REJECTED_RATIOS = (
    ((1001, 200), "just over 5:1"), ((200, 1001), "just over 1:5"),
    ((501, 100), "5.01:1, just over"), ((100, 501), "1:5.01, just over"),
    ((549, 100), "5.49:1 rounds to 5"), ((599, 100), "5.99:1 truncates to 5"),
    ((600, 100), "6:1, also observed as 422 from the real service"),
    ((2, 11), "1:5.5 truncates to 5"), ((11, 2), "5.5:1 truncates to 5"),
    ((1, 6), "1:6"), ((6, 1), "6:1"),
)
JPEG_RATIOS = (((1000, 200), True), ((200, 1000), True), ((1001, 200), False),
               ((200, 1001), False))


def ratio_cases() -> Iterator[Case]:
    for width, height in ALLOWED_RATIOS:
        yield _ratio_png(width, height, accepted("sides within 5:1 either way"))
    for (width, height), why in REJECTED_RATIOS:
        yield _ratio_png(width, height, too_long(why))
    for (width, height), ok in JPEG_RATIOS:
        expectation = accepted("sides within 5:1 either way") if ok else too_long("just over")
        yield make(f"ratio-jpeg-{width}x{height}", "ratios", "jpeg",
                   {"width": width, "height": height, "fill": [40, 90, 160]}, JPEG, expectation,
                   format="JPEG", width=width, height=height)


def _ratio_png(width: int, height: int, expectation: Expectation) -> Case:
    return make(f"ratio-{width}x{height}", "ratios", "png",
                {"width": width, "height": height, "fill": [200, 60, 30]}, PNG, expectation,
                format="PNG", width=width, height=height)


class Foreign(NamedTuple):
    """Bytes that are not PNG or JPEG, and the Content-Type they would honestly be sent as."""

    recipe: str
    params: Mapping[str, object]
    content_type: str
    extension: str
    format: str | None = None  # Pillow's name when Pillow identifies it
    width: int | None = None
    height: int | None = None


def _pillow(format: str, content_type: str, extension: str) -> Foreign:
    params = {"format": format, "width": 60, "height": 40, "mode": "RGB"}
    return Foreign("pillow", params, content_type, extension, format, 60, 40)


FOREIGN = {
    "gif": _pillow("GIF", "image/gif", "gif"),
    "webp": _pillow("WEBP", "image/webp", "webp"),
    "bmp": _pillow("BMP", "image/bmp", "bmp"),
    "tiff": _pillow("TIFF", "image/tiff", "tiff"),
    "heic": Foreign("heic-like", {"seed": "heic", "length": 2048}, "image/heic", "heic"),
    "svg": Foreign("svg", {"width": 60, "height": 40}, "image/svg+xml", "svg"),
    "text": Foreign("text", {"line": "This is not an image.", "repeat": 20}, "text/plain", "txt"),
    "random": Foreign("random", {"seed": "random", "length": 4096}, "application/octet-stream",
                      "bin"),
}


def type_cases() -> Iterator[Case]:
    for kind, foreign in FOREIGN.items():
        reason = f"{kind} bytes are not PNG or JPEG; status and code are not documented"
        for suffix, content_type in (("", foreign.content_type), ("-as-png", PNG),
                                     ("-as-jpeg", JPEG)):
            yield make(f"type-{kind}{suffix}", "types", foreign.recipe, foreign.params,
                       content_type, rejected(reason, "undetermined"), format=foreign.format,
                       width=foreign.width, height=foreign.height, extension=foreign.extension)
    valid_png = ("png", {"width": 60, "height": 40}, "PNG")
    valid_jpeg = ("jpeg", {"width": 60, "height": 40}, "JPEG")
    mislabelled: tuple[tuple[str, tuple[str, Mapping[str, object], str], str | None, str], ...] = (
        ("type-png-as-jpeg", valid_png, JPEG, "a PNG labelled image/jpeg"),
        ("type-jpeg-as-png", valid_jpeg, PNG, "a JPEG labelled image/png"),
        ("type-png-no-content-type", valid_png, None, "a PNG sent without Content-Type"),
        ("type-jpeg-no-content-type", valid_jpeg, None, "a JPEG sent without Content-Type"),
        ("type-png-as-octet-stream", valid_png, "application/octet-stream",
         "a PNG labelled application/octet-stream"),
        ("type-jpeg-as-octet-stream", valid_jpeg, "application/octet-stream",
         "a JPEG labelled application/octet-stream"),
    )
    for name, (recipe, params, format), header, what in mislabelled:
        yield make(name, "types", recipe, params, header,
                   either(f"{what}: the contract does not say whether header or bytes win"),
                   format=format, width=60, height=40)


PNG_VARIANTS: tuple[tuple[str, Mapping[str, object], str], ...] = (
    ("palette-transparency", {"colour_type": 3, "transparency": True}, "palette with tRNS"),
    ("grey", {"colour_type": 0}, "8-bit greyscale"),
    ("grey-alpha", {"colour_type": 4}, "greyscale with alpha"),
    ("1bit", {"colour_type": 0, "bit_depth": 1}, "1-bit greyscale"),
    ("rgba", {"colour_type": 6}, "RGBA"),
    ("grey-16bit", {"colour_type": 0, "bit_depth": 16}, "16-bit greyscale"),
    ("rgb-16bit", {"colour_type": 2, "bit_depth": 16}, "16-bit RGB"),
    ("interlaced", {"colour_type": 2, "interlaced": True}, "Adam7-interlaced RGB"),
)
JPEG_VARIANTS: tuple[tuple[str, Mapping[str, object], str], ...] = (
    ("grey", {"mode": "L"}, "greyscale"),
    ("cmyk", {"mode": "CMYK"}, "CMYK (Adobe)"),
    ("progressive", {"progressive": True}, "progressive"),
    ("exif-orientation-6", {"orientation": 6}, "EXIF orientation 6 (rotated 90 degrees)"),
)


def variant_cases() -> Iterator[Case]:
    for kind, options, what in PNG_VARIANTS:
        yield make(f"variant-png-{kind}", "variants", "png", {"width": 64, "height": 48, **options},
                   PNG, accepted(f"a valid {what} PNG is a PNG"), format="PNG",
                   width=64, height=48)
    for kind, options, what in JPEG_VARIANTS:
        yield make(f"variant-jpeg-{kind}", "variants", "jpeg",
                   {"width": 64, "height": 48, **options}, JPEG,
                   accepted(f"a valid {what} JPEG is a JPEG"), format="JPEG", width=64, height=48)
    yield make("variant-png-animated", "variants", "apng",
               {"width": 64, "height": 48, "frames": 3}, PNG,
               either("an animated PNG (APNG) is a PNG to old decoders; support is not documented"),
               format="PNG", width=64, height=48)
    yield make("variant-jpeg-mpo", "variants", "mpo", {"width": 64, "height": 48, "frames": 2},
               JPEG, either("an MPO is a JPEG with extra pictures; support is not documented"),
               format="MPO", width=64, height=48)


def corruption_cases() -> Iterator[Case]:
    why = "corrupt bytes: a server may refuse them or store them; the contract is silent"
    png_defects: tuple[tuple[str, str | None, bool], ...] = (
        ("truncated", "PNG", False),  # IDAT cut in half: header readable, pixels missing
        ("cut-in-ihdr", None, False),
        ("bad-crc-ihdr", None, False),  # Pillow refuses a broken IHDR
        ("bad-crc-idat", "PNG", True),  # Pillow does not check IDAT CRCs; libpng does
        ("no-iend", "PNG", True),  # Pillow stops after the image data
    )
    for defect, identified, decodes in png_defects:
        width, height = (128, 96) if identified else (None, None)
        yield make(f"corrupt-png-{defect}", "corruption", "png-corrupt",
                   {"width": 128, "height": 96, "defect": defect}, PNG, either(why),
                   format=identified, width=width, height=height, decodes=decodes,
                   extension="png")
    yield make("corrupt-jpeg-truncated", "corruption", "jpeg-truncated",
               {"width": 128, "height": 96}, JPEG, either(why), format="JPEG", width=128,
               height=96, decodes=False)


FLOODS = (
    ("flood-png-50000x50000", 50000, 50000, 0, 1, "2.5 gigapixels (1-bit) in a few hundred KB"),
    ("flood-png-65535x65535", 65535, 65535, 0, 1, "4.3 gigapixels (1-bit) in about 0.5 MB"),
    ("flood-png-20000x4000", 20000, 4000, 2, 8, "legal 5:1, 80 megapixels RGB in ~0.25 MB"),
)


def flood_cases() -> Iterator[Case]:
    for name, width, height, colour_type, bit_depth, what in FLOODS:
        yield make(name, "floods", "png-flood",
                   {"width": width, "height": height, "colour_type": colour_type,
                    "bit_depth": bit_depth}, PNG,
                   either(f"{what}: a server may refuse it; it must not fall over"),
                   format="PNG", width=width, height=height)


CASES: tuple[Case, ...] = (*size_cases(), *ratio_cases(), *type_cases(), *variant_cases(),
                           *corruption_cases(), *flood_cases())
_BY_NAME = {entry.name: entry for entry in CASES}
if len(_BY_NAME) != len(CASES):
    raise RuntimeError("case names must be unique")


def case(name: str) -> Case:
    """The case called `name`; KeyError names the missing case."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no image case named {name!r}") from None
