"""The catalogue: every fixture case, grouped as sizes, ratios, types, variants, corruption
and floods, each with the outcome the public contract allows.

Expectations follow the contract's evidence levels (docs/contract.md), never one server's
choices: where the contract is silent the case says `undetermined` and allows either.

Every case that decodes shows one colour as its mean, its signature, handed out by a
`Palette` in catalogue order: no two cases share one, so no thumbnail can pass for another
case's. A case whose colour cannot be judged has the signature None, with the reason where
it is made.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from conformance.contract import Evidence

from .model import Case, Expectation
from .pictures import quiet
from .recipes import jpeg_noise_dims, png_noise_dims
from .signature import COLOURS, GREYS, Signature

KB = 1000
MB = 1000 * KB
MIB = 1024 * 1024
PNG, JPEG = "image/png", "image/jpeg"
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "GIF": "gif", "WEBP": "webp",
              "BMP": "bmp", "TIFF": "tiff"}


# --- expectations --------------------------------------------------------------------------

def accepted(reason: str, evidence: Evidence = Evidence.DOCUMENTED) -> Expectation:
    return Expectation(accepted=True, evidence=evidence, reason=reason)


def either(reason: str) -> Expectation:
    return Expectation(accepted=None, evidence=Evidence.UNDETERMINED, reason=reason)


def rejected(reason: str, evidence: Evidence, statuses: tuple[int, ...] = (),
             code: str | None = None, detail_code: str | None = None,
             detail_target: str | None = None) -> Expectation:
    return Expectation(accepted=False, statuses=statuses, code=code, detail_code=detail_code,
                       detail_target=detail_target, evidence=evidence, reason=reason)


def too_long(why: str) -> Expectation:
    """The documented 422 for sides longer than 5:1."""
    return rejected(f"{why}: longer than 5:1", Evidence.DOCUMENTED, (422,),
                    "InvalidiTwinsRequest", "InvalidValue", "image")


def size_expectation(size: int) -> Expectation:
    """What the contract says about a valid image of `size` bytes."""
    if size == 6 * MIB:
        return rejected("6 MiB was answered 413 RequestTooLarge by the real service",
                        Evidence.OBSERVED, (413,), "RequestTooLarge")
    if size <= 5 * MB:
        return accepted("at most 5,000,000 bytes is within 5 MB under either reading")
    if size <= 5 * MIB:
        return either("between 5,000,000 and 5,242,880 bytes: the exact byte limit is unknown")
    return rejected("above 5 MiB under either reading; 413 or 422 InvalidRequestBody",
                    Evidence.DOCUMENTED, (413, 422))


# --- case construction ---------------------------------------------------------------------

class Palette:
    """Hands out signatures in catalogue order, each once: grid colours, and greys for the
    grey modes. Any two differ by more than 2 x TOLERANCE in some channel."""

    def __init__(self) -> None:
        self._colours = list(COLOURS)
        self._greys = list(GREYS)

    def colour(self, noisy: bool = False) -> Signature:
        """The next unused colour; `noisy`: one that noise can surround (`pictures.quiet`)."""
        return self._take(self._colours, lambda colour: not noisy or quiet(colour))

    def grey(self, level: int | None = None) -> Signature:
        """The next unused grey, or the grey of `level`."""
        return self._take(self._greys, lambda grey: level is None or grey[0] == level)

    @staticmethod
    def _take(pool: list[Signature], fits: Callable[[Signature], bool]) -> Signature:
        for colour in pool:
            if fits(colour):
                pool.remove(colour)
                return colour
        raise RuntimeError("the palette has no signature left of the kind asked for")


def make(name: str, group: str, recipe: str, params: Mapping[str, object],
         content_type: str | None, expectation: Expectation, *, format: str | None,
         width: int | None = None, height: int | None = None, size: int | None = None,
         decodes: bool | None = None, signature: Signature | None = None,
         extension: str | None = None) -> Case:
    """A Case; the extension follows the true format, and identified images decode by default."""
    extension = extension or EXTENSIONS.get(format or "", "bin")
    return Case(name=name, group=group, recipe=recipe, params=params,
                content_type=content_type, expectation=expectation,
                filename=f"{name}.{extension}", size=size, width=width, height=height,
                format=format, decodes=format is not None if decodes is None else decodes,
                signature=signature)


def family_budget(size: int) -> int:
    """Bytes left for pixels: sizes in one 100 kB band share one image and differ in padding."""
    return (size - 12) // (100 * KB) * (100 * KB)


# --- groups ----------------------------------------------------------------------------------

BOUNDARY_SIZES = (5 * MB - 1, 5 * MB, 5 * MB + 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 6 * MIB,
                  50 * MB)


def size_cases(palette: Palette) -> Iterator[Case]:
    """Noise images (incompressible, so each is a real picture of about its size) padded to
    exact byte counts. Sizes in one 100 kB band share dimensions and noise; each has its
    own colour, so that neighbours, uploaded one after the other, have distinct thumbnails."""
    for size in BOUNDARY_SIZES:
        for kind, recipe, dims, content_type, format in (
                ("png", "png-noise-size", png_noise_dims, PNG, "PNG"),
                ("jpeg", "jpeg-noise-size", jpeg_noise_dims, JPEG, "JPEG")):
            width, height = dims(family_budget(size))
            colour = palette.colour(noisy=True)
            yield make(f"size-{kind}-{size}", "sizes", recipe,
                       {"width": width, "height": height, "size": size, "seed": f"size-{kind}",
                        "colour": list(colour)},
                       content_type, size_expectation(size), format=format, width=width,
                       height=height, size=size, signature=colour)
    tiny = accepted("a 1x1 image is a valid PNG or JPEG well under 5 MB")
    colour = palette.colour()
    yield make("size-png-tiny", "sizes", "png",
               {"width": 1, "height": 1, "colour": list(colour), "compression": "stored"},
               PNG, tiny, format="PNG", width=1, height=1, signature=colour)
    colour = palette.colour()
    yield make("size-jpeg-tiny", "sizes", "jpeg", {"width": 1, "height": 1, "colour": list(colour)},
               JPEG, tiny, format="JPEG", width=1, height=1, signature=colour)
    for kind, content_type in (("png", PNG), ("jpeg", JPEG)):
        yield make(f"size-empty-as-{kind}", "sizes", "empty", {}, content_type,
                   rejected("an empty body is no image; status and code are not documented",
                            Evidence.UNDETERMINED), format=None, size=0, extension="bin")


# (2000, 400): 5:1 exactly, and a longer side of 2,000 px, so its thumbnail must have fewer
# pixels than it (a PNG and a JPEG, both cheap: one colour).
ALLOWED_RATIOS = ((1000, 200), (200, 1000), (500, 100), (100, 500), (5, 1), (1, 5), (1, 1),
                  (2000, 400))
REJECTED_RATIOS = (
    ((1001, 200), "just over 5:1"), ((200, 1001), "just over 1:5"),
    ((501, 100), "5.01:1, just over"), ((100, 501), "1:5.01, just over"),
    ((549, 100), "5.49:1 rounds to 5"), ((599, 100), "5.99:1 truncates to 5"),
    ((600, 100), "6:1, also observed as 422 from the real service"),
    ((2, 11), "1:5.5 truncates to 5"), ((11, 2), "5.5:1 truncates to 5"),
    ((1, 6), "1:6"), ((6, 1), "6:1"),
)
JPEG_RATIOS = (((1000, 200), True), ((200, 1000), True), ((1001, 200), False),
               ((200, 1001), False), ((2000, 400), True))
WITHIN_RATIO = "sides within 5:1 either way"


def ratio_cases(palette: Palette) -> Iterator[Case]:
    for width, height in ALLOWED_RATIOS:
        yield _ratio(palette, "ratio", "png", width, height, accepted(WITHIN_RATIO))
    for (width, height), why in REJECTED_RATIOS:
        yield _ratio(palette, "ratio", "png", width, height, too_long(why))
    for (width, height), ok in JPEG_RATIOS:
        expectation = accepted(WITHIN_RATIO) if ok else too_long("just over")
        yield _ratio(palette, "ratio-jpeg", "jpeg", width, height, expectation)


def _ratio(palette: Palette, prefix: str, recipe: str, width: int, height: int,
           expectation: Expectation) -> Case:
    colour = palette.colour()
    return make(f"{prefix}-{width}x{height}", "ratios", recipe,
                {"width": width, "height": height, "colour": list(colour)},
                PNG if recipe == "png" else JPEG, expectation, format=recipe.upper(),
                width=width, height=height, signature=colour)


class Foreign(NamedTuple):
    """Bytes that are not PNG or JPEG, and the Content-Type they would honestly be sent as."""

    recipe: str
    params: Mapping[str, object]
    content_type: str
    extension: str
    format: str | None = None  # Pillow's name when Pillow identifies it (then a solid picture)
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
# Labels a valid PNG or JPEG is sent under, though the type must be image/png or image/jpeg
# (documented): each must be refused, whatever the bytes are.
FOREIGN_LABELS = {
    "gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp", "tiff": "image/tiff",
    "svg": "image/svg+xml", "octet-stream": "application/octet-stream", "text": "text/plain",
    "multipart": "multipart/form-data",
}
DOCUMENTED_TYPES = "Content-Type must be image/png or image/jpeg"
# Only the swap and a missing header leave open whether the header or the bytes win.
UNDETERMINED_LABELS: tuple[tuple[str, str, str | None, str], ...] = (
    ("type-png-as-jpeg", "png", JPEG, "a PNG labelled image/jpeg"),
    ("type-jpeg-as-png", "jpeg", PNG, "a JPEG labelled image/png"),
    ("type-png-no-content-type", "png", None, "a PNG sent without Content-Type"),
    ("type-jpeg-no-content-type", "jpeg", None, "a JPEG sent without Content-Type"),
)


def type_cases(palette: Palette) -> Iterator[Case]:
    for kind, foreign in FOREIGN.items():
        reason = f"{kind} bytes are not PNG or JPEG; status and code are not documented"
        for suffix, content_type in (("", foreign.content_type), ("-as-png", PNG),
                                     ("-as-jpeg", JPEG)):
            # Bytes Pillow cannot identify have no colour to judge (signature None).
            params, signature = foreign.params, None
            if foreign.format is not None:
                signature = palette.colour()
                params = {**foreign.params, "colour": list(signature)}
            yield make(f"type-{kind}{suffix}", "types", foreign.recipe, params,
                       content_type, rejected(reason, Evidence.UNDETERMINED),
                       format=foreign.format, width=foreign.width, height=foreign.height,
                       signature=signature, extension=foreign.extension)
    for kind, what in (("png", "a PNG"), ("jpeg", "a JPEG")):
        for label, content_type in FOREIGN_LABELS.items():
            yield _valid_typed(palette, f"type-{kind}-as-{label}", kind, content_type,
                               rejected(f"{what} labelled {content_type}: {DOCUMENTED_TYPES}",
                                        Evidence.DOCUMENTED))
    either_way = "the contract does not say whether header or bytes win"
    for name, kind, header, what in UNDETERMINED_LABELS:
        yield _valid_typed(palette, name, kind, header, either(f"{what}: {either_way}"))


def _valid_typed(palette: Palette, name: str, kind: str, content_type: str | None,
                 expectation: Expectation) -> Case:
    """A valid 60x40 PNG or JPEG sent under another label (or none)."""
    colour = palette.colour()
    return make(name, "types", kind, {"width": 60, "height": 40, "colour": list(colour)},
                content_type, expectation, format=kind.upper(), width=60, height=40,
                signature=colour)


# kind, options, what, and the kind of signature: a colour, a grey, the 1-bit grey, or
# None for CMYK (CMYK to RGB differs between libraries: naive, Adobe-inverted, ICC).
PNG_VARIANTS: tuple[tuple[str, Mapping[str, object], str, str], ...] = (
    ("palette-transparency", {"colour_type": 3, "transparency": True}, "palette with tRNS",
     "colour"),
    ("grey", {"colour_type": 0}, "8-bit greyscale", "grey"),
    ("grey-alpha", {"colour_type": 4}, "greyscale with alpha", "grey"),
    ("1bit", {"colour_type": 0, "bit_depth": 1}, "1-bit greyscale", "1-bit"),
    ("rgba", {"colour_type": 6}, "RGBA", "colour"),
    ("grey-16bit", {"colour_type": 0, "bit_depth": 16}, "16-bit greyscale", "grey"),
    ("rgb-16bit", {"colour_type": 2, "bit_depth": 16}, "16-bit RGB", "colour"),
    ("interlaced", {"colour_type": 2, "interlaced": True}, "Adam7-interlaced RGB", "colour"),
)
JPEG_VARIANTS: tuple[tuple[str, Mapping[str, object], str, str | None], ...] = (
    ("grey", {"mode": "L"}, "greyscale", "grey"),
    ("cmyk", {"mode": "CMYK"}, "CMYK (Adobe)", None),
    ("progressive", {"progressive": True}, "progressive", "colour"),
    ("exif-orientation-6", {"orientation": 6}, "EXIF orientation 6 (rotated 90 degrees)",
     "colour"),
)
ONE_BIT_LEVEL = 64  # a quarter of the pixels white (see pictures.ONE_BIT_GREYS)
VARIANT_SIZE = (64, 48)
# Larger: a nearest-neighbour shrink keeps a dither's share of white only on average, so the
# 1-bit picture needs many pixels (1/8 of 512x384 still has 3,072).
VARIANT_SIZES = {"variant-png-1bit": (512, 384)}
CMYK_COLOUR = (30, 160, 90, 40)


def variant_cases(palette: Palette) -> Iterator[Case]:
    one_bit = palette.grey(ONE_BIT_LEVEL)  # claimed first: no other grey case may take it

    def signature(kind: str | None) -> Signature | None:
        if kind == "colour":
            return palette.colour()
        if kind == "grey":
            return palette.grey()
        return one_bit if kind == "1-bit" else None

    for format, variants in (("png", PNG_VARIANTS), ("jpeg", JPEG_VARIANTS)):
        for kind, options, what, signature_kind in variants:
            name = f"variant-{format}-{kind}"
            width, height = VARIANT_SIZES.get(name, VARIANT_SIZE)
            colour = signature(signature_kind)
            yield make(name, "variants", format,
                       {"width": width, "height": height,
                        "colour": list(colour or CMYK_COLOUR), **options},
                       PNG if format == "png" else JPEG,
                       accepted(f"a valid {what} {format.upper()} is a {format.upper()}"),
                       format=format.upper(), width=width, height=height, signature=colour)
    colour = palette.colour()
    yield make("variant-png-animated", "variants", "apng",
               {"width": 64, "height": 48, "frames": 3, "colour": list(colour)}, PNG,
               either("an animated PNG (APNG) is a PNG to old decoders; support is not documented"),
               format="PNG", width=64, height=48, signature=colour)
    colour = palette.colour()
    yield make("variant-jpeg-mpo", "variants", "mpo",
               {"width": 64, "height": 48, "frames": 2, "colour": list(colour)},
               JPEG, either("an MPO is a JPEG with extra pictures; support is not documented"),
               format="MPO", width=64, height=48, signature=colour)


def corruption_cases(palette: Palette) -> Iterator[Case]:
    """Damaged files; those that decode keep a signature, those that do not have none (what a
    lenient decoder shows of a cut file, grey or nothing below the cut, is not the colour)."""
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
        colour = palette.colour()
        yield make(f"corrupt-png-{defect}", "corruption", "png-corrupt",
                   {"width": 128, "height": 96, "defect": defect, "colour": list(colour)}, PNG,
                   either(why), format=identified, width=width, height=height, decodes=decodes,
                   signature=colour if decodes else None, extension="png")
    colour = palette.colour()
    yield make("corrupt-jpeg-truncated", "corruption", "jpeg-truncated",
               {"width": 128, "height": 96, "colour": list(colour)}, JPEG, either(why),
               format="JPEG", width=128, height=96, decodes=False)


FLOODS = (
    ("flood-png-50000x50000", 50000, 50000, 0, 1, "2.5 gigapixels (1-bit) in a few hundred KB"),
    ("flood-png-65535x65535", 65535, 65535, 0, 1, "4.3 gigapixels (1-bit) in about 0.5 MB"),
    ("flood-png-20000x4000", 20000, 4000, 2, 8, "legal 5:1, 80 megapixels RGB in ~0.25 MB"),
)


def flood_cases(palette: Palette) -> Iterator[Case]:
    """One row repeated. An RGB row can be one colour and still compress to almost nothing;
    a 1-bit flood is all black (a 1-bit picture has no colour to keep but by dithering, and
    a dither does not repeat row after row), so it has no signature."""
    for name, width, height, colour_type, bit_depth, what in FLOODS:
        params: dict[str, object] = {"width": width, "height": height,
                                     "colour_type": colour_type, "bit_depth": bit_depth}
        signature = None
        if bit_depth == 8:
            signature = palette.colour()
            params["colour"] = list(signature)
        yield make(name, "floods", "png-flood", params, PNG,
                   either(f"{what}: a server may refuse it; it must not fall over"),
                   format="PNG", width=width, height=height, signature=signature)


def catalogue() -> tuple[Case, ...]:
    """Every case, in catalogue order, each with its own signature from one palette."""
    palette = Palette()
    groups = (size_cases, ratio_cases, type_cases, variant_cases, corruption_cases,
              flood_cases)
    return tuple(entry for group in groups for entry in group(palette))


CASES: tuple[Case, ...] = catalogue()
_BY_NAME = {entry.name: entry for entry in CASES}
if len(_BY_NAME) != len(CASES):
    raise RuntimeError("case names must be unique")


def case(name: str) -> Case:
    """The case called `name`; KeyError names the missing case."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no image case named {name!r}") from None
