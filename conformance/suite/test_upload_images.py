"""Every fixture case uploaded as the case says; the answer asserted to its evidence level.

A case that must be accepted gets 201 and a really stored image; one that must be refused
gets its documented status, code, detail and exact message where documented, and leaves
the stored image as it was. Undetermined cases must meet the envelope: a 201 that stored a
usable image, or a schema-valid 4xx that stored nothing (the client fails any 5xx).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.client import ApiClient, TransportFailure
from conformance.images import CASES, Case, fixture_path, verify_once
from conformance.targets import Profile

from .checks import assert_body_refused, assert_detail, assert_error, describe
from .expectations import TargetExpectation, target_expectation
from .stored import Reader, assert_stored, assert_unchanged, ensure_baseline
from .thumbnails import Upload

pytestmark = [pytest.mark.images, pytest.mark.destructive]


def cases_of(group: str) -> list[Any]:
    return [pytest.param(c, id=c.name, marks=getattr(pytest.mark, c.expectation.evidence.value))
            for c in CASES if c.group == group]


def assert_refusal_matches(response: httpx.Response, expected: TargetExpectation,
                           case: Case) -> None:
    """One of the expected exact answers, or, where it names none, the envelope of a
    refused body."""
    if not expected.answers:
        assert_body_refused(response, f"{case.name} ({expected.reason})")
        return
    matching = [a for a in expected.answers if a.status == response.status_code]
    assert matching, (f"{case.name}: expected {expected.describe()} ({expected.reason}), got "
                      f"{describe(response)}")
    answer = matching[0]
    if answer.code is not None:
        assert_error(response, answer.status, answer.code)
    if answer.detail is not None:
        assert_detail(response, answer.detail)


def check_upload(case: Case, client: ApiClient, itwin_id: str, fixture_dir: Path,
                 profile: Profile) -> None:
    body = fixture_path(case, fixture_dir).read_bytes()
    # The fixture sits exactly on its boundary, or the run stops here.
    verify_once(case, body, fixture_dir)
    expected = target_expectation(case, profile)
    reader = Reader(client, profile)
    # Only a refusal is checked against what was stored before: a case that must be taken
    # needs no baseline (if it is refused, the test has failed already).
    before = None if expected.accepted is True else ensure_baseline(reader, itwin_id)
    try:
        response = client.upload_image(itwin_id, body, case.content_type)
    except TransportFailure:
        if not expected.oversize or before is None:
            raise
        # A gateway may cut the connection of a body over its limit: a refusal too.
        assert_unchanged(reader, itwin_id, before)
        return
    if response.status_code == 201:
        assert expected.accepted is not False, (
            f"{case.name}: expected {expected.describe()} ({expected.reason}), got 201")
        assert_stored(reader, itwin_id, response, Upload.of_case(case, body))
        return
    assert expected.accepted is not True and before is not None, (
        f"{case.name}: expected 201 ({expected.reason}), got {describe(response)}")
    assert_refusal_matches(response, expected, case)
    assert_unchanged(reader, itwin_id, before)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each class below takes the catalogue cases of its group."""
    if "case" in metafunc.fixturenames and metafunc.cls is not None:
        metafunc.parametrize("case", cases_of(metafunc.cls.group))


class UploadCases:
    group: str

    def test_upload(self, case: Case, admin: ApiClient, scratch_itwin: str, fixture_dir: Path,
                    profile: Profile) -> None:
        check_upload(case, admin, scratch_itwin, fixture_dir, profile)


class TestSizes(UploadCases):
    """At most 5,000,000 bytes is accepted; above 5 MiB refused with one of the two
    documented answers, 413 RequestTooLarge (seen at 6 MiB) or 422 InvalidiTwinsRequest
    with the InvalidRequestBody detail; between, either (the profile's max_image_bytes and
    oversize_status pin which). An empty body is refused."""

    group = "sizes"


class TestRatios(UploadCases):
    """Neither side more than 5 times the other: 5:1 and 1:5 accepted, anything longer
    422 InvalidiTwinsRequest with the InvalidValue detail on target image."""

    group = "ratios"


class TestTypes(UploadCases):
    """The Content-Type must be image/png or image/jpeg: valid PNG and JPEG bytes under any
    other type are refused, and so are other formats, text and noise, as themselves or
    disguised. A PNG sent as image/jpeg (or the reverse) or without a Content-Type may be
    accepted or refused (undetermined)."""

    group = "types"


class TestVariants(UploadCases):
    """Every kind of valid PNG or JPEG is an image the API takes (animated PNG and MPO
    are undetermined)."""

    group = "variants"


class TestCorruption(UploadCases):
    """Truncated or damaged files: refused, or stored as a usable image (undetermined)."""

    group = "corruption"


class TestFloods(UploadCases):
    """Decompression bombs and huge legal images: refused, or stored as a usable image
    (undetermined), never a 5xx or a hang."""

    group = "floods"
