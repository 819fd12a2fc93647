"""`--compare DIR`: a test whose exchanges differ from the recording fails, with a readable
diff, and the report lists it; the same behaviour passes; known differences excuse only a
mock; a stale one is reported; a recording too old fails."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.mock import MockSettings, serve_in_thread
from tests.fidelity.fidelity_testkit import (
    OVERSIZE,
    SELECTION,
    Recorded,
    StartMock,
    SuiteRun,
    WriteTarget,
    load_module,
    run_suite,
    target_text,
)

pytest_plugins = ["tests.fidelity.fidelity_fixtures"]

# The oversize scenarios of the selection; a mock answering 422 instead of 413 breaks both.
OVERSIZED = {OVERSIZE, "test_upload_images.py::TestSizes::test_upload[size-jpeg-6291456]"}
STATUS_PATH = "exchanges[0].response.status"
KNOWN_422 = '''
[[difference]]
path = "exchanges[0].response"
reason = "this mock answers 422 InvalidiTwinsRequest for oversize bodies"
tests = ["test_upload_images.py::TestSizes::*"]
'''
STALE = '''
[[difference]]
path = "$..etag"
reason = "the real service once sent an etag"
'''


def compare(target: Path, recording: Path, tmp_path: Path, *options: str,
            selection: tuple[str, ...] = SELECTION, workers: int | None = None) -> SuiteRun:
    return run_suite(target, selection, f"--compare={recording}",
                     f"--fidelity-report={tmp_path / 'report'}", *options,
                     junit=tmp_path / "junit.xml", workers=workers)


def report(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "report" / "fidelity.json").read_text())
    return data


def scenario(tmp_path: Path, test: str) -> dict[str, Any]:
    return next(s for s in report(tmp_path)["scenarios"] if s["test"] == test)


@pytest.fixture(scope="module")
def compared_422(recorded_mock: Recorded,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SuiteRun, Path]]:
    """The selection compared once, on a mock that answers 422 for oversize bodies."""
    base = tmp_path_factory.mktemp("compared-422")
    mock = serve_in_thread(MockSettings(oversize_status=422))
    target = base / "target.toml"
    target.write_text(target_text(mock))
    yield compare(target, recorded_mock.directory, base), base
    mock.stop()


@pytest.fixture(scope="module")
def real_recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The oversize test recorded on a target that is not a mock (a mock without [mock])."""
    base = tmp_path_factory.mktemp("real-recording")
    mock = serve_in_thread()
    target = base / "real.toml"
    target.write_text(target_text(mock, as_real=True))
    run = run_suite(target, (OVERSIZE,), f"--record={base / 'real'}",
                    junit=base / "record.xml")
    mock.stop()
    assert run.returncode == 0, run.output
    yield base / "real"


class TestSameBehaviour:
    def test_the_mock_matches_its_own_recording(self, recorded_mock: Recorded,
                                                start_mock: StartMock,
                                                write_target: WriteTarget,
                                                tmp_path: Path) -> None:
        run = compare(write_target(start_mock()), recorded_mock.directory, tmp_path)
        assert run.returncode == 0, run.output
        assert run.passed == recorded_mock.run.passed
        assert report(tmp_path)["counts"]["same"] == len(run.passed)
        assert not report(tmp_path)["counts"]["different"]


class TestOversizeAnswered422:
    """A mock whose own profile says 422 passes the suite's test of 5 MiB + 1 byte (the
    contract allows 413 or 422 there); only the comparison with a 413 recording shows that
    it no longer behaves like the recorded target. (6 MiB the suite fails by itself: 413 was
    observed.)"""

    def test_fails_exactly_the_oversize_tests(self, recorded_mock: Recorded,
                                              compared_422: tuple[SuiteRun, Path]) -> None:
        run, _ = compared_422
        assert run.returncode == 1
        assert run.failed == OVERSIZED
        assert run.passed == recorded_mock.run.passed - OVERSIZED

    def test_the_diff_names_the_exchange_and_the_fields(
            self, compared_422: tuple[SuiteRun, Path]) -> None:
        run, _ = compared_422
        assert f"({OVERSIZE})" in run.output
        assert "exchanges[0] PUT /itwins/<itwin-id:1>/image (upload-itwin-image)" in run.output
        assert "response.status: recorded 413, this run 422" in run.output
        assert 'response.body.json.error.code: recorded "RequestTooLarge", this run ' \
               '"InvalidiTwinsRequest"' in run.output

    def test_the_report_has_its_fields(self, compared_422: tuple[SuiteRun, Path]) -> None:
        """The report's shape, pinned (its scenarios come from each test's evidence)."""
        _, base = compared_422
        document = report(base)
        assert sorted(document) == ["counts", "known_applied", "known_differences",
                                    "recording", "scenarios", "stale_known_differences",
                                    "target", "target_is_mock"]
        fields = {s["status"]: sorted(s) for s in document["scenarios"]}
        assert fields["different"] == ["differences", "excused", "status", "suite_outcome",
                                       "test"]
        assert fields["same"] == fields["different"]

    def test_the_report_names_the_scenario_and_the_field(
            self, compared_422: tuple[SuiteRun, Path]) -> None:
        _, base = compared_422
        different = scenario(base, OVERSIZE)
        assert different["status"] == "different"
        assert {"path": STATUS_PATH, "kind": "changed", "recorded": 413, "run": 422}.items() \
            <= next(d for d in different["differences"] if d["path"] == STATUS_PATH).items()
        for name in ("fidelity.md", "fidelity.html"):
            text = (base / "report" / name).read_text()
            assert OVERSIZE in text and STATUS_PATH in text

    def test_under_two_workers(self, recorded_mock: Recorded, start_mock: StartMock,
                               write_target: WriteTarget, tmp_path: Path) -> None:
        run = compare(write_target(start_mock(oversize_status=422)), recorded_mock.directory,
                      tmp_path, workers=2)
        assert run.failed == OVERSIZED
        assert {s["test"] for s in report(tmp_path)["scenarios"]
                if s["status"] == "different"} == OVERSIZED


class TestKnownDifferences:
    def test_excuse_a_mock_with_their_reason(self, recorded_mock: Recorded,
                                             start_mock: StartMock, write_target: WriteTarget,
                                             tmp_path: Path) -> None:
        known = tmp_path / "known.toml"
        known.write_text(KNOWN_422)
        run = compare(write_target(start_mock(oversize_status=422)), recorded_mock.directory,
                      tmp_path, f"--known-differences={known}", selection=(OVERSIZE,))
        assert run.returncode == 0, run.output
        excused = scenario(tmp_path, OVERSIZE)["excused"]
        assert {e["path"] for e in excused} >= {STATUS_PATH}
        assert excused[0]["reason"] == "this mock answers 422 InvalidiTwinsRequest for " \
                                       "oversize bodies"

    def test_never_excuse_a_target_that_is_not_a_mock(self, recorded_mock: Recorded,
                                                      start_mock: StartMock,
                                                      write_target: WriteTarget,
                                                      tmp_path: Path) -> None:
        known = tmp_path / "known.toml"
        known.write_text(KNOWN_422)
        target = write_target(start_mock(oversize_status=422), as_real=True)
        run = compare(target, recorded_mock.directory, tmp_path,
                      f"--known-differences={known}", selection=(OVERSIZE,))
        assert run.failed == {OVERSIZE}
        assert "known differences not applied: the target is not a mock" in run.output
        assert not report(tmp_path)["known_applied"]

    def test_the_default_file_beside_the_recording(self, recorded_mock: Recorded,
                                                   start_mock: StartMock,
                                                   write_target: WriteTarget,
                                                   tmp_path: Path) -> None:
        recording = tmp_path / "recording"
        recording.mkdir()
        for path in recorded_mock.directory.iterdir():
            (recording / path.name).write_text(path.read_text())
        (recording / "known-differences.toml").write_text(KNOWN_422)
        run = compare(write_target(start_mock(oversize_status=422)), recording, tmp_path,
                      selection=(OVERSIZE,))
        assert run.returncode == 0, run.output

    def test_a_stale_one_is_reported(self, recorded_mock: Recorded, start_mock: StartMock,
                                     write_target: WriteTarget, tmp_path: Path) -> None:
        known = tmp_path / "known.toml"
        known.write_text(STALE)
        run = compare(write_target(start_mock()), recorded_mock.directory, tmp_path,
                      f"--known-differences={known}", selection=(OVERSIZE,))
        assert run.returncode == 0, run.output
        assert "stale known difference: $..etag (the real service once sent an etag)" \
            in run.output
        assert [k["path"] for k in report(tmp_path)["stale_known_differences"]] == ["$..etag"]


class TestOneSided:
    def test_recorded_tests_not_run_are_listed(self, recorded_mock: Recorded,
                                               start_mock: StartMock,
                                               write_target: WriteTarget,
                                               tmp_path: Path) -> None:
        compare(write_target(start_mock()), recorded_mock.directory, tmp_path,
                selection=(OVERSIZE,))
        counts = report(tmp_path)["counts"]
        assert (counts["same"], counts["only-in-recording"]) == (
            1, len(recorded_mock.run.passed) - 1)

    def test_tests_not_in_the_recording_are_listed(self, recorded_mock: Recorded,
                                                   start_mock: StartMock,
                                                   write_target: WriteTarget,
                                                   tmp_path: Path) -> None:
        extra = "test_lifecycle.py::TestReplace"
        run = compare(write_target(start_mock()), recorded_mock.directory, tmp_path,
                      selection=(OVERSIZE, extra, "test_fuzz.py::TestAspectRatio"))
        assert run.returncode == 0, run.output
        statuses = {s["test"]: s["status"] for s in report(tmp_path)["scenarios"]}
        assert statuses["test_lifecycle.py::TestReplace::test_second_upload_replaces_the_first"] \
            == "only-in-run"
        assert statuses["test_fuzz.py::TestAspectRatio::test_upload_is_201_exactly_within_5_to_1"
                        ] == "not-recorded"

    def test_recorded_only_runs_just_the_recorded_tests(self, recorded_mock: Recorded,
                                                        start_mock: StartMock,
                                                        write_target: WriteTarget,
                                                        tmp_path: Path) -> None:
        run = compare(write_target(start_mock()), recorded_mock.directory, tmp_path,
                      "--recorded-only", selection=("test_lifecycle.py",))
        assert run.returncode == 0, run.output
        assert run.passed == {t for t in recorded_mock.run.passed
                              if t.startswith("test_lifecycle.py")}


class TestBaselineAge:
    def aged(self, recording: Path, days: int, tmp_path: Path) -> Path:
        """A copy of `recording` whose tests last passed `days` days ago."""
        copy = tmp_path / "aged"
        copy.mkdir()
        data = load_module(recording, "test_upload_images.json")
        for entry in data["tests"].values():
            entry["last_passed"] = (dt.date.today() - dt.timedelta(days=days)).isoformat()
        (copy / "test_upload_images.json").write_text(json.dumps(data))
        return copy

    def test_a_fresh_recording_passes(self, real_recording: Path, start_mock: StartMock,
                                      write_target: WriteTarget, tmp_path: Path) -> None:
        run = compare(write_target(start_mock()), real_recording, tmp_path,
                      "--max-baseline-age=0", selection=(OVERSIZE,))
        assert run.returncode == 0, run.output

    def test_an_old_recording_fails(self, real_recording: Path, start_mock: StartMock,
                                    write_target: WriteTarget, tmp_path: Path) -> None:
        run = compare(write_target(start_mock()), self.aged(real_recording, 8, tmp_path),
                      tmp_path, "--max-baseline-age=7", selection=(OVERSIZE,))
        assert run.failed == {OVERSIZE}
        assert "8 days ago (--max-baseline-age 7)" in run.output

    def test_a_mock_recording_has_no_age_and_fails(self, recorded_mock: Recorded,
                                                   start_mock: StartMock,
                                                   write_target: WriteTarget,
                                                   tmp_path: Path) -> None:
        run = compare(write_target(start_mock()), recorded_mock.directory, tmp_path,
                      "--max-baseline-age=30", selection=(OVERSIZE,))
        assert run.failed == {OVERSIZE}
        assert "no date on which this test passed on a real target" in run.output
