"""The suite passes every faithful reading of what the contract leaves open, and a profile
that pins a reading makes the suite assert exactly that reading.

Each variant is the mock answering one open point another way (settings.READINGS, the rate
limit); the suite runs against it in a subprocess over HTTP with no `[profile]` (as a
staging target file would be) and must not fail a single test. One mock plays every
alternative at once, against the whole suite. Where a reading can be pinned, the variant
also passes with its own profile, and the faithful mock fails exactly the pinned tests when
given the variant's profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import ACCEPT_V1, SIZE_ALWAYS_ACCEPTED, SIZE_ALWAYS_REJECTED_ABOVE
from conformance.mock import MockSettings
from tests.mock.mock_testkit import StartMock
from tests.suite.gateway import CuttingGateway
from tests.suite.suite_runs import run_suite
from tests.suite.test_catches_broken_mocks import (
    LARGE_BYTES,
    OPERATIONS,
    READS_BACK,
    THUMBNAILS,
    personas,
    uploads,
    valid_sized,
)

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock

UPLOADS = "test_upload_images.py"
SIZES, TYPES = f"{UPLOADS}::TestSizes", f"{UPLOADS}::TestTypes"
LIFECYCLE, PERMISSIONS = "test_lifecycle.py", "test_permissions.py"
UPLOAD_TESTS = f"{LIFECYCLE}::TestUpload"
NON_MEMBERS = ("non_member", "other_org_admin")


@dataclass(frozen=True)
class Reading:
    """A faithful mock that reads open points another way; the tests that meet them; and,
    where the reading can be pinned, the tests a pin of it fails on the default mock."""

    name: str
    settings: dict[str, Any]
    selection: tuple[str, ...]
    pinned: set[str] = field(default_factory=set)
    pinned_in: tuple[str, ...] = ()  # where `pinned` is counted, if not the whole selection


READINGS = [
    Reading("403-for-non-members", {"non_member_status": 403}, (PERMISSIONS,), personas(
        *(f"{who}-{op}" for who in NON_MEMBERS for op in OPERATIONS))),
    Reading("admins-read-only-as-members", {"admin_reads_without_membership": False},
            (PERMISSIONS,), personas("org_admin-get-image", "org_admin-get-itwin")),
    Reading("422-for-oversize", {"oversize_status": 422}, (SIZES,),
            uploads(lambda c: valid_sized(c) and (c.size or 0) > SIZE_ALWAYS_REJECTED_ABOVE)),
    Reading("5-000-000-byte-limit", {"max_image_bytes": SIZE_ALWAYS_ACCEPTED}, (SIZES,),
            uploads(lambda c: valid_sized(c) and SIZE_ALWAYS_ACCEPTED < (c.size or 0)
                    <= SIZE_ALWAYS_REJECTED_ABOVE)),
    Reading("square-jpeg-thumbnails", {"thumbnail_shape": "square", "thumbnail_format": "jpeg"},
            (LIFECYCLE, UPLOADS), THUMBNAILS, (UPLOAD_TESTS,)),
    Reading("octet-stream-blobs", {"blob_content_type": "application/octet-stream"},
            (LIFECYCLE,), LARGE_BYTES | READS_BACK, (UPLOAD_TESTS,)),
    Reading("415-for-foreign-types", {"foreign_type_status": 415}, (TYPES,)),
    Reading("400-for-empty-bodies", {"empty_body_status": 400}, (SIZES,)),
    Reading("400-for-malformed-ids", {"malformed_id_status": 400},
            (f"{LIFECYCLE}::TestMalformedITwinId",)),
    Reading("types-from-the-bytes", {"sniff_ambiguous_types": True}, (TYPES,)),
    Reading("names-kept-for-the-same-bytes", {"reupload_keeps_names": True},
            (LIFECYCLE, PERMISSIONS)),
    Reading("charset-json", {"json_media_type": "application/json; charset=utf-8"},
            (LIFECYCLE, "test_fuzz.py")),
    Reading("vendor-json", {"json_media_type": ACCEPT_V1}, (LIFECYCLE, "test_fuzz.py")),
    Reading("one-space-messages", {"single_space_messages": True, "oversize_status": 422},
            (SIZES,)),
    Reading("throttled-15-a-second", {"rate_limit_per_second": 15},
            (LIFECYCLE, PERMISSIONS)),
]
PINNABLE = [r for r in READINGS if r.pinned]
EVERY_READING = {key: value for reading in READINGS for key, value in reading.settings.items()}


def ids(readings: list[Reading]) -> list[str]:
    return [reading.name for reading in readings]


class TestEachReading:
    @pytest.mark.parametrize("reading", READINGS, ids=ids(READINGS))
    def test_passes_without_a_profile(self, reading: Reading, start_mock: StartMock,
                                      tmp_path: Path) -> None:
        run = run_suite(start_mock(**reading.settings), tmp_path, *reading.selection,
                        profile=None)
        assert not run.failed, f"{reading.name}: a faithful reading failed\n{run}"
        assert run.passed, f"{reading.name}: nothing passed\n{run}"

    @pytest.mark.parametrize("reading", PINNABLE, ids=ids(PINNABLE))
    def test_passes_with_its_pins(self, reading: Reading, start_mock: StartMock,
                                  tmp_path: Path) -> None:
        run = run_suite(start_mock(**reading.settings), tmp_path, *reading.selection,
                        profile=MockSettings(**reading.settings))
        assert not run.failed, f"{reading.name}: failed its own profile\n{run}"

    @pytest.mark.parametrize("reading", PINNABLE, ids=ids(PINNABLE))
    def test_its_pins_fail_a_mock_that_reads_otherwise(self, reading: Reading,
                                                       start_mock: StartMock,
                                                       tmp_path: Path) -> None:
        run = run_suite(start_mock(), tmp_path, *(reading.pinned_in or reading.selection),
                        profile=MockSettings(**reading.settings))
        assert set(run.failed) == reading.pinned, (
            f"{reading.name}: the pins should fail exactly {sorted(reading.pinned)}\n{run}")
        pin_named = {test for test in run.failed if "pinned by" in run.messages[test]}
        assert pin_named == run.failed, (
            f"{reading.name}: each failure names its pin\n{run}")


class TestAGatewayThatCutsOversizeUploads:
    def test_is_a_refusal_of_the_body(self, start_mock: StartMock, tmp_path: Path) -> None:
        """A gateway may close the connection of a body over its limit without answering;
        that is a refusal of the body, not an unreachable target."""
        mock = start_mock()
        with CuttingGateway(int(mock.origin.rsplit(":", 1)[1]), SIZE_ALWAYS_ACCEPTED) as gateway:
            run = run_suite(mock, tmp_path, SIZES, profile=None,
                            base_url=f"{gateway.origin}/itwins")
        assert not run.failed, f"a cut oversize upload failed the run\n{run}"
        oversize = uploads(lambda c: valid_sized(c) and (c.size or 0) > SIZE_ALWAYS_ACCEPTED)
        assert gateway.cut >= len(oversize), (gateway.cut, run)
        assert oversize <= run.passed, run


class TestEveryReadingAtOnce:
    @pytest.mark.parametrize("pinned", [False, True], ids=["no-profile", "its-profile"])
    def test_the_whole_suite_passes(self, pinned: bool, start_mock: StartMock,
                                    tmp_path: Path) -> None:
        settings = MockSettings(**EVERY_READING)
        run = run_suite(start_mock(**EVERY_READING), tmp_path,
                        profile=settings if pinned else None)
        assert not run.failed, f"every reading at once failed\n{run}"
        assert len(run.passed) > 200, run
