"""`itwin-conformance fidelity`: record A and compare B in one go, or compare with a stored
baseline; a report every time; exit 1 on any difference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fidelity.fidelity_testkit import (
    DOCUMENTED,
    StartMock,
    WriteTarget,
    run_command,
)

pytest_plugins = ["tests.fidelity.fidelity_fixtures"]

# Quick selections (-k) for the one-shot runs: the oversize uploads and an accepted one.
SIZES = "TestSizes and (5242881 or 4999999)"
SIX_MIB = "test_upload_images.py::TestSizes::test_upload[size-png-6291456]"


def report(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "fidelity.json").read_text())
    return data


def statuses(directory: Path) -> dict[str, str]:
    return {s["test"]: s["status"] for s in report(directory)["scenarios"]}


class TestRecordAThenCompareB:
    def test_the_same_mock_twice_is_the_same(self, start_mock: StartMock,
                                             write_target: WriteTarget,
                                             tmp_path: Path) -> None:
        a = write_target(start_mock(), "a.toml")
        b = write_target(start_mock(), "b.toml")
        done = run_command("fidelity", str(a), str(b), "-k", SIZES,
                           "--report-dir", str(tmp_path / "report"))
        assert done.returncode == 0, done.stdout + done.stderr
        assert set(statuses(tmp_path / "report").values()) == {"same"}
        assert (tmp_path / "report" / "recording" / "test_upload_images.json").exists()
        assert "4 same, 0 different" in done.stdout

    def test_a_mock_answering_422_is_different(self, start_mock: StartMock,
                                               write_target: WriteTarget,
                                               tmp_path: Path) -> None:
        a = write_target(start_mock(), "a.toml")
        b = write_target(start_mock(oversize_status=422), "b.toml")
        done = run_command("fidelity", str(a), str(b), "-k", SIZES,
                           "--report-dir", str(tmp_path / "report"))
        assert done.returncode == 1, done.stdout + done.stderr
        assert statuses(tmp_path / "report") == {
            "test_upload_images.py::TestSizes::test_upload[size-png-5242881]": "different",
            "test_upload_images.py::TestSizes::test_upload[size-jpeg-5242881]": "different",
            "test_upload_images.py::TestSizes::test_upload[size-png-4999999]": "same",
            "test_upload_images.py::TestSizes::test_upload[size-jpeg-4999999]": "same"}
        markdown = (tmp_path / "report" / "fidelity.md").read_text()
        assert "`exchanges[0].response.status`" in markdown


class TestBaseline:
    def test_the_documented_baseline_against_the_embedded_mock(self, tmp_path: Path) -> None:
        done = run_command("fidelity", "--baseline", str(DOCUMENTED), "--recorded-only",
                           "--report-dir", str(tmp_path / "report"))
        assert done.returncode == 0, done.stdout + done.stderr
        counts = report(tmp_path / "report")["counts"]
        assert counts["different"] == counts["only-in-recording"] == 0
        assert counts["same"] == len(statuses(tmp_path / "report")) > 40

    def test_the_documented_baseline_catches_a_422_mock(self, start_mock: StartMock,
                                                        write_target: WriteTarget,
                                                        tmp_path: Path) -> None:
        target = write_target(start_mock(oversize_status=422))
        done = run_command("fidelity", "--baseline", str(DOCUMENTED), "--target", str(target),
                           "--recorded-only", "-k", "TestSizes",
                           "--report-dir", str(tmp_path / "report"))
        assert done.returncode == 1
        different = {t for t, s in statuses(tmp_path / "report").items() if s == "different"}
        assert SIX_MIB in different
        html = (tmp_path / "report" / "fidelity.html").read_text()
        assert SIX_MIB in html and "exchanges[0].response.status" in html
        assert "observed: ItwinClientImage.test.ts" in done.stdout


class TestUsage:
    @pytest.mark.parametrize(("args", "message"), [
        ((), "give two targets"),
        (("a.toml",), "give two targets"),
        (("a.toml", "b.toml", "--baseline", "."), "not both"),
        (("a.toml", "b.toml", "--target", "c.toml"), "--target applies to --baseline"),
        (("--baseline", "no/such/dir"), "does not exist"),
        (("--baseline", ".", "--record-dir", "x"), "--record-dir applies"),
    ])
    def test_exit_2_with_a_reason(self, args: tuple[str, ...], message: str) -> None:
        done = run_command("fidelity", *args, timeout=60)
        assert done.returncode == 2
        assert message in done.stderr

    def test_a_bad_target_is_a_usage_error(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.toml"
        bad.write_text("base_url = 3\n")
        done = run_command("fidelity", str(bad), str(bad),
                           "--report-dir", str(tmp_path / "report"), timeout=60)
        assert done.returncode == 2
