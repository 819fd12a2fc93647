"""Every case builds into exactly what it declares, the same way every time."""

import hashlib

import pytest

from conformance.images import CASES, build_bytes, fixture_path, verify

IDS = [entry.name for entry in CASES]


class TestDeclaredProperties:
    @pytest.mark.parametrize("entry", CASES, ids=IDS)
    def test_file_is_what_its_case_declares(self, entry, built_dir):
        """Bytes, format, dimensions, and a full decode that succeeds or fails as declared
        (floods are proven without decoding in test_png.TestFloods)."""
        verify(entry, fixture_path(entry, built_dir).read_bytes())


class TestDeterminism:
    @pytest.mark.parametrize("entry", CASES, ids=IDS)
    def test_two_builds_are_byte_identical(self, entry, built_dir, fresh_record):
        """The file (built by ensure_fixtures, maybe in another process or run) and a fresh
        in-memory build have the same sha256."""
        on_disk = hashlib.sha256(fixture_path(entry, built_dir).read_bytes()).hexdigest()
        assert fresh_record(entry.name)["sha256"] == on_disk

    @pytest.mark.parametrize("name", ["size-png-5000000", "size-jpeg-5242880",
                                      "variant-png-interlaced", "flood-png-50000x50000"])
    def test_rebuilding_in_process_repeats_itself(self, name):
        entry = next(c for c in CASES if c.name == name)
        assert build_bytes(entry) == build_bytes(entry)
