"""The suite fails, naming exactly the right tests, against mocks that each break one rule.

Each variant is the mock with one setting wrong or one break of `conformance.mock.breaks`;
the suite runs against it in a subprocess over HTTP, once with the faithful mock's
`[profile]` and once with none (the shape of a staging target file), and must fail exactly
the tests that assert the broken rule, computed from the catalogue where they are many.
A break that is a break only against a pin (a limit inside the undetermined band) must be
caught with the profile and pass without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import (
    GET_IMAGE,
    GET_ITWIN,
    SIZE_ALWAYS_ACCEPTED,
    SIZE_ALWAYS_REJECTED_ABOVE,
)
from conformance.images import CASES, Case
from conformance.suite.calls import SHORT_NAMES
from tests.mock.mock_testkit import StartMock
from tests.suite.suite_runs import FAITHFUL, run_suite

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock

GROUP_CLASSES = {"sizes": "TestSizes", "ratios": "TestRatios", "types": "TestTypes",
                 "variants": "TestVariants", "corruption": "TestCorruption",
                 "floods": "TestFloods"}
OPERATIONS = tuple(SHORT_NAMES.values())  # as test ids name them
READS = (SHORT_NAMES[GET_IMAGE], SHORT_NAMES[GET_ITWIN])
IMAGE_TYPES = ("image/png", "image/jpeg")

Expected = Callable[[bool], set[str]]  # with a profile? -> the tests that must fail


def uploads(keep: Callable[[Case], bool]) -> set[str]:
    """The upload tests of the catalogue cases `keep` selects."""
    return {f"{GROUP_CLASSES[c.group]}::test_upload[{c.name}]" for c in CASES if keep(c)}


def valid_sized(c: Case) -> bool:
    return c.group == "sizes" and c.size is not None and c.decodes


def stored_thumbnails(c: Case) -> bool:
    """Accepted cases whose thumbnail's colours the suite judges."""
    return c.expectation.accepted is True and c.signature is not None


def lifecycle(*names: str) -> set[str]:
    return set(names)


def always(tests: Iterable[str]) -> Expected:
    frozen = set(tests)
    return lambda with_profile: frozen


def only_with_profile(tests: Iterable[str]) -> Expected:
    frozen = set(tests)
    return lambda with_profile: frozen if with_profile else set()


# Tests of TestUpload (test_lifecycle) by what they check of a stored image.
THUMBNAILS_OF_LONG = {"TestUpload::test_a_long_upload_gets_a_smaller_thumbnail[png]",
                      "TestUpload::test_a_long_upload_gets_a_smaller_thumbnail[jpeg]"}
THUMBNAILS = THUMBNAILS_OF_LONG | {
    "TestUpload::test_small_url_serves_a_thumbnail_of_the_upload[png]",
    "TestUpload::test_small_url_serves_a_thumbnail_of_the_upload[jpeg]",
    "TestUpload::test_every_link_works_without_a_token_and_lives_an_hour"}
READS_BACK = THUMBNAILS | {"TestUpload::test_itwin_shows_the_small_image"}
LARGE_BYTES = THUMBNAILS | {
    "TestUpload::test_large_url_serves_the_exact_bytes_without_a_token[png]",
    "TestUpload::test_large_url_serves_the_exact_bytes_without_a_token[jpeg]"}
DELETES = {"TestDelete::test_delete_then_get_is_404",
           "TestDelete::test_delete_clears_the_itwin_image_fields",
           "TestDelete::test_delete_is_not_idempotent"}


def personas(*rules: str) -> set[str]:
    return {f"TestPersonas::test_may_or_may_not[{rule}]" for rule in rules}


def unfit(kind: str, operations: Iterable[str] = OPERATIONS) -> set[str]:
    return {f"TestUnfitTokens::test_is_refused_with_its_code[{op}-{kind}]" for op in operations}


@dataclass(frozen=True)
class Broken:
    """A mock wrong in one way, the suite tests to run, and those that must catch it."""

    name: str
    selection: tuple[str, ...]
    caught: Expected
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def mock_settings(self) -> dict[str, Any]:
        return self.settings or {"breaks": frozenset({self.name})}


LIMIT = SIZE_ALWAYS_REJECTED_ABOVE
# A test none of the breaks above touches, for selections that every test there catches.
CONTROL = "test_lifecycle.py::TestUpload::test_get_returns_the_uploaded_image"
UPLOADS = "test_upload_images.py"
BROKEN = [
    Broken("ratio-limit-of-six", (f"{UPLOADS}::TestRatios",), always(uploads(
        lambda c: c.group == "ratios" and c.expectation.accepted is False and bool(
            c.width and c.height and max(c.width, c.height) <= 6 * min(c.width, c.height))
    )), {"max_ratio": 6}),
    Broken("size-limit-one-byte-under-the-pin", (f"{UPLOADS}::TestSizes",), only_with_profile(
        uploads(lambda c: valid_sized(c) and c.size == LIMIT)),
        {"max_image_bytes": LIMIT - 1}),
    Broken("size-limit-under-5-000-000", (f"{UPLOADS}::TestSizes",), lambda profile: uploads(
        lambda c: valid_sized(c) and c.size is not None and (
            c.size == SIZE_ALWAYS_ACCEPTED
            or (profile and SIZE_ALWAYS_ACCEPTED < c.size <= LIMIT))),
        {"max_image_bytes": SIZE_ALWAYS_ACCEPTED - 1}),
    Broken("oversize-422-against-a-413-pin", (f"{UPLOADS}::TestSizes",), only_with_profile(
        uploads(lambda c: valid_sized(c) and (c.size or 0) > LIMIT)), {"oversize_status": 422}),
    Broken("oversize-wrong-code", (f"{UPLOADS}::TestSizes",),
           always(uploads(lambda c: valid_sized(c) and (c.size or 0) > LIMIT))),
    Broken("empty-body-404", (f"{UPLOADS}::TestSizes",),
           always(uploads(lambda c: c.group == "sizes" and c.size == 0))),
    Broken("sniff-content-type", (f"{UPLOADS}::TestTypes",), always(uploads(
        lambda c: c.group == "types" and c.content_type not in (*IMAGE_TYPES, None)
        and c.format in ("PNG", "JPEG")))),
    Broken("foreign-type-401", (f"{UPLOADS}::TestTypes",), always(uploads(
        lambda c: c.group == "types" and c.content_type not in IMAGE_TYPES))),
    Broken("refusal-overwrites-bytes", (f"{UPLOADS}::TestRatios",), always(uploads(
        lambda c: c.group == "ratios" and c.expectation.accepted is False))),
    Broken("constant-thumbnail", ("test_lifecycle.py::TestUpload", f"{UPLOADS}::TestRatios"),
           always(THUMBNAILS | uploads(lambda c: c.group == "ratios" and stored_thumbnails(c)))),
    Broken("blank-thumbnail", ("test_lifecycle.py::TestUpload", f"{UPLOADS}::TestRatios"),
           always(THUMBNAILS | uploads(lambda c: c.group == "ratios" and stored_thumbnails(c)))),
    Broken("thumbnail-not-resized", ("test_lifecycle.py::TestUpload",),
           lambda profile: THUMBNAILS if profile else THUMBNAILS_OF_LONG),
    Broken("stale-thumbnail", ("test_lifecycle.py::TestReplace", CONTROL),
           always({"TestReplace::test_second_upload_replaces_the_first"})),
    Broken("small-name-wrong-extension", ("test_lifecycle.py::TestUpload",), always({
        "TestUpload::test_small_url_serves_a_thumbnail_of_the_upload[png]",
        "TestUpload::test_a_long_upload_gets_a_smaller_thumbnail[png]"})),
    Broken("large-reencoded", ("test_lifecycle.py::TestUpload",), always(LARGE_BYTES)),
    Broken("get-links-broken", ("test_lifecycle.py::TestUpload",), always(READS_BACK)),
    Broken("itwin-image-is-large", ("test_lifecycle.py::TestUpload",), always(READS_BACK)),
    Broken("short-lived-links", ("test_lifecycle.py::TestUpload",), always(READS_BACK)),
    Broken("expiry-not-checked", ("test_auth.py",), always(unfit("expired"))),
    Broken("expiry-checked-on-writes-only", ("test_auth.py",), always(unfit("expired", READS))),
    Broken("scope-not-checked", ("test_auth.py",), always(unfit("no-scope"))),
    Broken("permission-check-skipped", ("test_permissions.py",), always(
        personas(*(f"{persona}-{op}" for persona in ("non_member", "other_org_admin")
                   for op in OPERATIONS),
                 "member_read-upload", "member_read-delete-image"))),
    Broken("refused-delete-deletes", ("test_permissions.py",),
           always(personas("member_read-delete-image"))),
    Broken("wrong-error-code", ("test_lifecycle.py::TestDelete", CONTROL), always(DELETES)),
    Broken("delete-idempotent", ("test_lifecycle.py::TestDelete",),
           always({"TestDelete::test_delete_is_not_idempotent"})),
    Broken("endless-429", ("test_lifecycle.py::TestDelete", CONTROL), always(DELETES)),
    Broken("unknown-accept-served", ("test_lifecycle.py::TestAcceptHeader",),
           always({"TestAcceptHeader::test_unknown_version_is_resource_not_found"})),
]


class TestEachBreakIsCaught:
    @pytest.mark.parametrize("with_profile", [True, False], ids=["profile", "no-profile"])
    @pytest.mark.parametrize("broken", BROKEN, ids=[b.name for b in BROKEN])
    def test_by_exactly_the_tests_of_its_rule(self, broken: Broken, with_profile: bool,
                                             start_mock: StartMock, tmp_path: Path) -> None:
        mock = start_mock(**broken.mock_settings)
        run = run_suite(mock, tmp_path, *broken.selection,
                        profile=FAITHFUL if with_profile else None)
        expected = broken.caught(with_profile)
        assert set(run.failed) == expected, (
            f"{broken.name}: expected to fail {sorted(expected)}\n{run}")
        assert run.passed, f"{broken.name}: nothing passed, so nothing was proved\n{run}"

    def test_every_break_of_the_mock_is_proved(self) -> None:
        from conformance.mock.breaks import BREAKS

        proved = {b.name for b in BROKEN if not b.settings}
        assert proved == set(BREAKS)
        assert len(BROKEN) >= 20
