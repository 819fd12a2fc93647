"""The documented baseline: what docs/contract.md records as documented or observed, in the
recording format, keyed by real suite test ids, each exchange with its source."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from conformance.fidelity import recording as rec
from tests.fidelity.fidelity_testkit import DOCUMENTED, REPO, SUITE

SOURCES = ("documented: ", "observed: ")


@pytest.fixture(scope="module")
def baseline() -> rec.Recording:
    return rec.load(DOCUMENTED)


@pytest.fixture(scope="module")
def suite_ids() -> set[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", str(SUITE), "--collect-only", "-q",
                           "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    return {"::".join(rec.split_nodeid(line.strip()))
            for line in done.stdout.splitlines() if "::" in line}


def exchanges(baseline: rec.Recording) -> list[dict[str, Any]]:
    return [e for tests in baseline.modules.values() for entry in tests.values()
            for e in entry["exchanges"]]


def answer(baseline: rec.Recording, scenario: str, index: int = 0) -> dict[str, Any]:
    entry = baseline.entry(scenario)
    assert entry is not None, scenario
    response: dict[str, Any] = entry["exchanges"][index]["response"]
    return response


class TestFormat:
    def test_every_key_is_a_suite_test(self, baseline: rec.Recording,
                                       suite_ids: set[str]) -> None:
        assert set(baseline.scenario_ids()) <= suite_ids
        assert len(baseline.scenario_ids()) >= 40

    def test_partial_and_from_the_documentation(self, baseline: rec.Recording) -> None:
        for tests in baseline.modules.values():
            for entry in tests.values():
                assert (entry["partial"], entry["target"]) == (True, "documented")
                assert "last_passed" not in entry

    def test_every_exchange_says_where_it_comes_from(self, baseline: rec.Recording) -> None:
        for exchange in exchanges(baseline):
            assert exchange["source"].startswith(SOURCES), exchange["source"]

    def test_files_are_written_as_recordings_are(self) -> None:
        for path in DOCUMENTED.glob("*.json"):
            data = rec.load(DOCUMENTED).modules[path.stem + ".py"]
            assert path.read_text() == rec.dumps(path.stem + ".py", data)


class TestWhatItStates:
    def test_413_at_6_mib(self, baseline: rec.Recording) -> None:
        response = answer(baseline, "test_upload_images.py::TestSizes::test_upload"
                                    "[size-png-6291456]")
        assert response["status"] == 413
        assert response["body"]["json"]["error"]["code"] == "RequestTooLarge"

    def test_422_at_6_to_1(self, baseline: rec.Recording) -> None:
        error = answer(baseline, "test_upload_images.py::TestRatios::test_upload"
                                 "[ratio-600x100]")["body"]["json"]["error"]
        assert error["code"] == "InvalidiTwinsRequest"
        assert error["details"][0]["code"] == "InvalidValue"

    def test_201_image_body_with_placeholders(self, baseline: rec.Recording) -> None:
        image = answer(baseline, "test_lifecycle.py::TestUpload::"
                                 "test_names_carry_the_id_prefix_and_extension[png]")[
                                     "body"]["json"]["image"]
        assert image["smallImageName"] == "small_<image-id:1>.png"
        assert "sig=[REDACTED]" in image["largeImageUrl"]

    def test_204_delete_then_404(self, baseline: rec.Recording) -> None:
        scenario = "test_lifecycle.py::TestDelete::test_delete_then_get_is_404"
        assert (answer(baseline, scenario, 1)["status"], answer(baseline, scenario, 1)["body"]
                ) == (204, None)
        assert answer(baseline, scenario, 2)["body"]["json"]["error"]["code"] == "ImageNotFound"

    def test_401_header_not_found(self, baseline: rec.Recording) -> None:
        response = answer(baseline, "test_auth.py::TestHeader::"
                                    "test_missing_is_header_not_found[upload]")
        assert (response["status"], response["body"]["json"]["error"]["message"]) == (
            401, "Header Authorization was not found in the request. Access denied.")
