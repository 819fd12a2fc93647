"""`--record DIR`: every suite test's exchanges, one file per module, the same bytes however
often and however many workers record them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conformance.control_client import MockControl
from conformance.fidelity.plugin import (
    NOT_RECORDED_MARKERS,
    NOT_SCENARIO_OPERATIONS,
)
from conformance.markers import AREAS
from tests.fidelity.fidelity_testkit import (
    SELECTION,
    Recorded,
    StartMock,
    WriteTarget,
    load_module,
    read_tree,
    run_suite,
)

pytest_plugins = ["tests.fidelity.fidelity_fixtures"]

GET_AFTER_UPLOAD = "TestUpload::test_get_returns_the_uploaded_image[png]"
REFUSED = "TestSizes::test_upload[size-png-5242881]"
DELETE_THEN_GET = "TestDelete::test_delete_then_get_is_404"


class TestFiles:
    def test_one_file_per_module(self, recorded_mock: Recorded) -> None:
        assert sorted(read_tree(recorded_mock.directory)) == [
            "test_auth.json", "test_lifecycle.json", "test_upload_images.json"]

    def test_keyed_by_the_suite_test_ids_that_ran(self, recorded_mock: Recorded) -> None:
        keys = {f"{module}::{key}"
                for name in read_tree(recorded_mock.directory)
                for module, key in [(name.replace(".json", ".py"), k)
                                    for k in load_module(recorded_mock.directory, name)["tests"]]}
        assert keys == recorded_mock.run.passed

    def test_identity_shows_the_get_returns_the_201(self, recorded_mock: Recorded) -> None:
        tests = load_module(recorded_mock.directory, "test_lifecycle.json")["tests"]
        created, read = (e["response"]["body"]["json"]["image"]
                         for e in tests[GET_AFTER_UPLOAD]["exchanges"])
        assert created["id"] == read["id"] == "<image-id:1>"
        assert created["largeImageName"] == read["largeImageName"] == "large_<image-id:1>.png"

    def test_a_refusal_is_its_request_and_answer_only(self, recorded_mock: Recorded) -> None:
        """The baseline upload before it and the read-back after it depend on earlier tests."""
        tests = load_module(recorded_mock.directory, "test_upload_images.json")["tests"]
        (refused,) = tests[REFUSED]["exchanges"]
        assert (refused["request"]["method"], refused["response"]["status"]) == ("PUT", 413)
        assert refused["request"]["body"]["size"] == 5242881
        assert "bytes" in refused["request"]["body"] and "sha256" in refused["request"]["body"]

    def test_scratch_itwins_are_not_scenarios(self, recorded_mock: Recorded) -> None:
        operations = {e["request"]["operation"]
                      for name in read_tree(recorded_mock.directory)
                      for entry in load_module(recorded_mock.directory, name)["tests"].values()
                      for e in entry["exchanges"]}
        assert operations and not operations & set(NOT_SCENARIO_OPERATIONS)

    def test_a_mock_recording_has_no_dates(self, recorded_mock: Recorded) -> None:
        entry = load_module(recorded_mock.directory, "test_lifecycle.json")["tests"][
            GET_AFTER_UPLOAD]
        assert (entry["target"], entry["mock"], entry["outcome"]) == ("mock", True, "passed")
        assert "last_passed" not in entry


class TestShape:
    """The recording format, pinned: a change to how recordings are made (from the run's
    evidence) cannot add, drop or rename a field unnoticed."""

    def test_files_entries_and_exchanges_have_their_fields(self,
                                                          recorded_mock: Recorded) -> None:
        for name in read_tree(recorded_mock.directory):
            document = load_module(recorded_mock.directory, name)
            assert sorted(document) == ["format", "module", "tests"]
            assert document["format"] == 1 and document["module"] == name.replace(".json", ".py")
            for entry in document["tests"].values():
                assert sorted(entry) == ["exchanges", "mock", "outcome", "target"]
                for exchange in entry["exchanges"]:
                    assert sorted(exchange) == ["phase", "request", "response"]
                    assert exchange["phase"] in ("setup", "call", "teardown")
                    assert sorted(exchange["request"]) == [
                        "body", "headers", "method", "operation", "path", "persona"]
                    assert sorted(exchange["response"]) == [
                        "body", "content_type", "headers", "status"]


class TestStable:
    def test_recording_another_mock_gives_the_same_bytes(
            self, recorded_mock: Recorded, start_mock: StartMock, write_target: WriteTarget,
            tmp_path: Path) -> None:
        run = run_suite(write_target(start_mock()), SELECTION, f"--record={tmp_path / 'again'}",
                        junit=tmp_path / "junit.xml")
        assert run.returncode == 0, run.output
        assert read_tree(tmp_path / "again") == read_tree(recorded_mock.directory)

    def test_two_workers_record_the_same_bytes(
            self, recorded_mock: Recorded, start_mock: StartMock, write_target: WriteTarget,
            tmp_path: Path) -> None:
        run = run_suite(write_target(start_mock()), SELECTION, f"--record={tmp_path / 'two'}",
                        junit=tmp_path / "junit.xml", workers=2)
        assert run.returncode == 0, run.output
        assert read_tree(tmp_path / "two") == read_tree(recorded_mock.directory)


class TestWhatIsNotRecorded:
    @pytest.mark.parametrize("marker", sorted(NOT_RECORDED_MARKERS))
    def test_each_marker_left_out_is_a_suite_marker(self, marker: str) -> None:
        assert marker in AREAS

    def test_generated_tests_are_not_recorded(self, start_mock: StartMock,
                                              write_target: WriteTarget,
                                              tmp_path: Path) -> None:
        run = run_suite(write_target(start_mock()),
                        ["test_fuzz.py::TestAspectRatio", "test_lifecycle.py::TestDelete"],
                        f"--record={tmp_path / 'rec'}", junit=tmp_path / "junit.xml")
        assert run.returncode == 0, run.output
        assert sorted(read_tree(tmp_path / "rec")) == ["test_lifecycle.json"]


    def test_a_429_waited_out_is_not_part_of_the_scenario(
            self, recorded_mock: Recorded, start_mock: StartMock, write_target: WriteTarget,
            tmp_path: Path) -> None:
        """A throttled request is repeated; the recording is that of an unthrottled run."""
        mock = start_mock()
        MockControl(mock.control_url, mock.control_secret).inject_fault(
            status=429, count=1, retry_after=1, method="DELETE", path_prefix="/itwins/")
        run = run_suite(write_target(mock), [f"test_lifecycle.py::{DELETE_THEN_GET}"],
                        f"--record={tmp_path / 'rec'}", junit=tmp_path / "junit.xml")
        assert "429s waited out: 1 (" in run.output
        recorded = load_module(tmp_path / "rec", "test_lifecycle.json")["tests"]
        expected = load_module(recorded_mock.directory, "test_lifecycle.json")["tests"]
        assert recorded[DELETE_THEN_GET] == expected[DELETE_THEN_GET]


class TestRealTargets:
    def test_a_pass_on_a_real_target_is_dated_today(self, start_mock: StartMock,
                                                    write_target: WriteTarget,
                                                    tmp_path: Path) -> None:
        target = write_target(start_mock(), as_real=True)
        run = run_suite(target, ["test_lifecycle.py::TestDelete"],
                        f"--record={tmp_path / 'rec'}", junit=tmp_path / "junit.xml")
        assert run.returncode == 0, run.output
        for entry in load_module(tmp_path / "rec", "test_lifecycle.json")["tests"].values():
            assert (entry["mock"], entry["last_passed"]) == (False, dt.date.today().isoformat())


class TestUsage:
    def test_record_and_compare_exclude_each_other(self, tmp_path: Path) -> None:
        run = run_suite(None, ["test_lifecycle.py::TestDelete"], f"--record={tmp_path}",
                        f"--compare={tmp_path}", junit=tmp_path / "junit.xml")
        assert run.returncode == 4
        assert "--record and --compare exclude each other" in run.output

    def test_compare_options_need_compare(self, tmp_path: Path) -> None:
        run = run_suite(None, ["test_lifecycle.py::TestDelete"], "--max-baseline-age=3",
                        junit=tmp_path / "junit.xml")
        assert run.returncode == 4
        assert "--max-baseline-age needs --compare DIR" in run.output
