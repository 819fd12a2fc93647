"""The catalogue: complete, well-formed, and expecting what the contract says."""

import re

import pytest

from conformance.contract import Evidence
from conformance.images import CASES, Case, build_bytes, case
from conformance.images.catalogue import MB, MIB
from conformance.images.model import GROUPS, Expectation

REQUIRED = [
    *(f"size-{kind}-{size}" for kind in ("png", "jpeg")
      for size in (4_999_999, 5_000_000, 5_000_001, 5_242_879, 5_242_880, 5_242_881, 6 * MIB,
                   50 * MB)),
    "size-png-tiny", "size-jpeg-tiny", "size-empty-as-png",
    "ratio-1000x200", "ratio-200x1000", "ratio-1001x200", "ratio-501x100", "ratio-100x501",
    "ratio-549x100", "ratio-599x100", "ratio-2x11", "ratio-11x2", "ratio-1x5", "ratio-1x6",
    "ratio-1x1", "ratio-600x100", "ratio-2000x400", "ratio-jpeg-2000x400",
    *(f"type-{kind}{suffix}" for kind in ("gif", "webp", "bmp", "tiff", "heic", "svg", "text",
                                         "random") for suffix in ("", "-as-png", "-as-jpeg")),
    "type-png-as-jpeg", "type-jpeg-as-png", "type-png-no-content-type",
    "type-jpeg-no-content-type",
    *(f"type-{kind}-as-{label}" for kind in ("png", "jpeg")
      for label in ("gif", "webp", "bmp", "tiff", "svg", "octet-stream", "text", "multipart")),
    "variant-png-palette-transparency", "variant-png-grey", "variant-png-grey-alpha",
    "variant-png-1bit", "variant-png-rgba", "variant-png-grey-16bit", "variant-png-interlaced",
    "variant-png-animated", "variant-jpeg-grey", "variant-jpeg-cmyk", "variant-jpeg-progressive",
    "variant-jpeg-exif-orientation-6", "variant-jpeg-mpo",
    "corrupt-png-truncated", "corrupt-jpeg-truncated", "corrupt-png-cut-in-ihdr",
    "corrupt-png-bad-crc-idat", "corrupt-png-no-iend",
    "flood-png-50000x50000", "flood-png-65535x65535", "flood-png-20000x4000",
]


def name_of(entry: Case) -> str:
    return entry.name


def cases_in(group: str) -> list[Case]:
    return [entry for entry in CASES if entry.group == group]


def ratio_of(entry: Case) -> float:
    assert entry.width and entry.height
    return max(entry.width, entry.height) / min(entry.width, entry.height)


class TestShape:
    def test_names_are_unique_filename_safe_slugs(self):
        names = [entry.name for entry in CASES]
        assert len(names) == len(set(names))
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) for name in names)

    def test_filenames_are_unique_and_carry_an_extension(self):
        filenames = [entry.filename for entry in CASES]
        assert len(filenames) == len(set(filenames))
        assert all(re.fullmatch(r"[a-z0-9-]+\.[a-z]{3,4}", name) for name in filenames)

    def test_every_group_has_cases(self):
        assert {entry.group for entry in CASES} == set(GROUPS)

    def test_case_lookup(self):
        assert case("ratio-1x1").width == 1
        with pytest.raises(KeyError, match="no image case named 'nope'"):
            case("nope")

    @pytest.mark.parametrize("name", REQUIRED)
    def test_required_case_exists(self, name):
        assert case(name).name == name

    def test_cases_are_immutable(self):
        with pytest.raises(AttributeError):
            CASES[0].name = "x"  # type: ignore[misc]
        with pytest.raises(TypeError):
            CASES[0].params["width"] = 1  # type: ignore[index]


class TestExpectationModel:
    def test_evidence_is_one_of_three(self):
        assert {type(entry.expectation.evidence) for entry in CASES} == {Evidence}
        with pytest.raises(ValueError, match="evidence must be one of documented, observed"):
            Expectation(accepted=True, evidence="guessed", reason="x")  # type: ignore[arg-type]

    def test_only_rejections_name_statuses(self):
        with pytest.raises(ValueError, match="only a rejection"):
            Expectation(accepted=None, statuses=(422,), evidence="undetermined", reason="x")

    def test_reasons_are_one_line(self):
        assert all(entry.expectation.reason and "\n" not in entry.expectation.reason
                   for entry in CASES)

    def test_undetermined_is_never_a_precise_answer(self):
        for entry in CASES:
            expectation = entry.expectation
            if expectation.evidence == "undetermined":
                assert expectation.code is None and expectation.statuses == (), entry.name


class TestSizeExpectations:
    @pytest.mark.parametrize("entry", [c for c in cases_in("sizes") if c.size], ids=name_of)
    def test_follow_the_two_readings_of_5_mb(self, entry):
        expectation = entry.expectation
        if entry.size <= 5 * MB:
            assert (expectation.accepted, expectation.evidence) == (True, "documented")
        elif entry.size <= 5 * MIB:
            assert (expectation.accepted, expectation.evidence) == (None, "undetermined")
        elif entry.size == 6 * MIB:
            assert expectation.statuses == (413,) and expectation.code == "RequestTooLarge"
            assert expectation.evidence == "observed"
        else:
            assert expectation.accepted is False and expectation.statuses == (413, 422)
            assert expectation.evidence == "documented"

    def test_empty_body_is_any_4xx(self):
        expectation = case("size-empty-as-png").expectation
        assert (expectation.accepted, expectation.statuses) == (False, ())

    def test_tiny_images_are_accepted(self):
        assert case("size-png-tiny").expectation.accepted is True
        assert case("size-jpeg-tiny").expectation.accepted is True


class TestRatioExpectations:
    @pytest.mark.parametrize("entry", cases_in("ratios"), ids=name_of)
    def test_accepted_exactly_when_within_5_to_1(self, entry):
        expectation = entry.expectation
        assert expectation.evidence == "documented"
        if ratio_of(entry) <= 5:
            assert expectation.accepted is True
        else:
            assert expectation.accepted is False
            assert (expectation.statuses, expectation.code, expectation.detail_code,
                    expectation.detail_target) == ((422,), "InvalidiTwinsRequest",
                                                   "InvalidValue", "image")

    def test_ratio_cases_are_small_files(self):
        """One colour each: even the 2000x400 JPEG is about 13 kB."""
        assert all(len(build_bytes(entry)) < 20_000 for entry in cases_in("ratios"))

    @pytest.mark.parametrize("name", ["ratio-2000x400", "ratio-jpeg-2000x400"])
    def test_large_5_to_1_cases_for_the_smaller_thumbnail_rule(self, name):
        """A longer side of at least 2,000 px: the thumbnail must have fewer pixels."""
        entry = case(name)
        assert (entry.width, entry.height) == (2000, 400) and entry.width == 5 * entry.height
        assert entry.expectation.accepted is True and entry.signature is not None


SWAPPED_OR_MISSING = {"type-png-as-jpeg", "type-jpeg-as-png", "type-png-no-content-type",
                      "type-jpeg-no-content-type"}
FOREIGN_LABELS = {"image/gif", "image/webp", "image/bmp", "image/tiff", "image/svg+xml",
                  "application/octet-stream", "text/plain", "multipart/form-data"}


class TestTypeExpectations:
    @pytest.mark.parametrize("entry", [c for c in cases_in("types") if c.format not in
                                       ("PNG", "JPEG")], ids=name_of)
    def test_other_bytes_are_refused_with_an_undetermined_answer(self, entry):
        expectation = entry.expectation
        assert (expectation.accepted, expectation.statuses, expectation.code,
                expectation.evidence) == (False, (), None, "undetermined")

    @pytest.mark.parametrize("entry", [c for c in cases_in("types") if c.format in
                                       ("PNG", "JPEG") and c.name not in SWAPPED_OR_MISSING],
                             ids=name_of)
    def test_valid_images_under_a_foreign_type_are_refused_as_documented(self, entry):
        """Content-Type must be image/png or image/jpeg (documented): any 4xx, no code."""
        expectation = entry.expectation
        assert (expectation.accepted, expectation.statuses, expectation.code,
                expectation.evidence) == (False, (), None, "documented")
        assert entry.content_type in FOREIGN_LABELS
        assert "Content-Type must be image/png or image/jpeg" in expectation.reason

    def test_every_foreign_label_carries_a_png_and_a_jpeg(self):
        labelled = {(c.format, c.content_type) for c in cases_in("types")
                    if c.format in ("PNG", "JPEG") and c.name not in SWAPPED_OR_MISSING}
        assert labelled == {(format, label) for format in ("PNG", "JPEG")
                            for label in FOREIGN_LABELS}

    @pytest.mark.parametrize("name", sorted(SWAPPED_OR_MISSING))
    def test_only_the_swap_and_a_missing_header_stay_undetermined(self, name):
        expectation = case(name).expectation
        assert (expectation.accepted, expectation.evidence) == (None, "undetermined")


class TestOtherExpectations:

    @pytest.mark.parametrize("entry", cases_in("variants"), ids=name_of)
    def test_valid_variants_are_accepted(self, entry):
        undetermined = {"variant-png-animated", "variant-jpeg-mpo"}
        assert entry.expectation.accepted is (None if entry.name in undetermined else True)

    @pytest.mark.parametrize("entry", cases_in("corruption") + cases_in("floods"), ids=name_of)
    def test_corruption_and_floods_may_go_either_way(self, entry):
        assert entry.expectation.accepted is None
        assert entry.expectation.evidence == "undetermined"

    def test_declared_content_types(self):
        assert case("type-png-no-content-type").content_type is None
        assert case("type-gif-as-png").content_type == "image/png"
        assert case("type-gif").content_type == "image/gif"
        assert case("type-png-as-octet-stream").content_type == "application/octet-stream"
        assert case("type-jpeg-as-multipart").content_type == "multipart/form-data"
        assert case("type-png-as-svg").content_type == "image/svg+xml"
