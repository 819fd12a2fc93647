"""The run as a gate, through the real command: read-only targets run what only reads, a run
that tested nothing never passes, an area can be required, and transport failures fail
their test (or, many in a row, stop the run as unreachable)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.cli import EXIT_FAILURES, EXIT_NOTHING_TESTED, EXIT_OK, EXIT_USAGE
from conformance.exitcodes import UNREACHABLE as EXIT_UNREACHABLE
from conformance.gate import TRANSPORT_STOP, is_transport_failure

from .gate_runs import Result, cutting_server, mock_target, run_command, sample

WORKERS = {"serial": [], "xdist": ["-n", "2"]}
WRITES = "target mock is not destructive = true (the test writes)"
GUARDED = "target mock is not destructive = true (the test needs a scratch iTwin)"
READS = ("gate_readonly.py::TestReads::test_a_member_reads_the_shared_itwin",
         "gate_readonly.py::TestReads::test_an_unknown_itwin_is_not_found")
MARKED_WRITES = ("gate_readonly.py::TestWrites::test_an_upload_is_created",
                 "gate_readonly.py::TestWrites::test_a_delete_without_an_image_is_not_found")
UNMARKED_WRITE = "gate_readonly.py::TestWrites::test_a_write_without_the_mark"


def read_only_run(tmp_path: Path, *args: str) -> Result:
    with mock_target(tmp_path, destructive=False) as target:
        return run_command(tmp_path, target, *args)


@pytest.fixture(scope="module", params=list(WORKERS))
def read_only(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The read-only sample on a target without destructive = true."""
    workdir = tmp_path_factory.mktemp("read-only")
    return read_only_run(workdir, *sample("gate_readonly"), *WORKERS[request.param])


class TestReadOnlyTarget:
    def test_it_runs_what_only_reads_and_passes(self, read_only: Result) -> None:
        assert read_only.returncode == EXIT_OK, read_only.output[-3000:]
        outcomes = {t["id"]: t["outcome"] for t in read_only.json()["tests"]}
        assert outcomes == {**dict.fromkeys(READS, "passed"),
                            **dict.fromkeys((*MARKED_WRITES, UNMARKED_WRITE), "skipped")}

    def test_the_terminal_names_the_target_first(self, read_only: Result) -> None:
        line = next(x for x in read_only.stdout.splitlines()
                    if x.startswith("conformance target: "))
        assert re.fullmatch(r"conformance target: mock at http://127\.0\.0\.1:\d+/itwins "
                            r"\(a mock, with its control API; read-only: destructive = false\)",
                            line)
        assert read_only.stdout.index(line) < read_only.stdout.index("gate_readonly.py")

    def test_the_terminal_lists_each_skip_reason_with_its_tests(self,
                                                                read_only: Result) -> None:
        section = read_only.stdout.split("conformance skips by reason")[1]
        block = section.split(f"2 skipped: {WRITES}\n")[1].split("\n1 skipped")[0]
        assert sorted(x.strip() for x in block.splitlines()[:2]) == sorted(MARKED_WRITES)
        assert f"1 skipped: {GUARDED}\n    {UNMARKED_WRITE}" in section

    def test_the_reports_list_the_skipped_tests_by_reason(self, read_only: Result) -> None:
        summary = read_only.summary()
        assert f"- **2**: {WRITES}" in summary
        for test_id in (*MARKED_WRITES, UNMARKED_WRITE):
            assert f"`{test_id}`" in summary.split("## Other skips")[1]
        page = (read_only.out / "report.html").read_text()
        skipped = page.split('<section id="skipped">')[1].split("</section>")[0]
        assert "<h2>Skipped (3)</h2>" in skipped and f"{WRITES} (2)</h3>" in skipped
        assert all(test_id in skipped for test_id in (*MARKED_WRITES, UNMARKED_WRITE))


class TestNothingTested:
    @pytest.mark.parametrize("workers", list(WORKERS))
    def test_an_all_skipped_run_exits_4_saying_why(self, tmp_path: Path, workers: str) -> None:
        result = read_only_run(tmp_path, *sample("gate_readonly"), "-k", "TestWrites",
                               *WORKERS[workers])
        assert result.returncode == EXIT_NOTHING_TESTED, result.output[-3000:]
        assert (f"nothing tested: no conformance test executed (3 skipped: 2 {WRITES}; "
                f"1 {GUARDED})") in result.stdout
        document = result.json()
        assert document["verdict"] == "nothing tested"
        assert document["why"][0].startswith("nothing tested: no conformance test executed")
        assert result.summary().startswith("# ❌ iTwins image API conformance: nothing tested")

    def test_an_all_deselected_run_of_the_suite_exits_4(self, tmp_path: Path) -> None:
        result = run_command(tmp_path, None, "--", "-k", "no_test_is_called_this")
        assert result.returncode == EXIT_NOTHING_TESTED, result.output[-3000:]
        assert "nothing tested: no conformance test executed (none selected)" in result.stdout

    def test_listing_the_tests_is_not_a_run_that_tested_nothing(self, tmp_path: Path) -> None:
        result = run_command(tmp_path, None, "--", "--collect-only", "-q", "-k", "TestRatios")
        assert result.returncode == EXIT_OK, result.output[-3000:]
        assert "test_upload_images.py::TestRatios::test_upload[ratio-5x1]" in result.stdout
        assert "nothing tested" not in result.stdout


class TestRequireArea:
    def test_an_area_without_an_executed_test_fails_the_run(self, tmp_path: Path) -> None:
        result = read_only_run(tmp_path, "--require-area", "lifecycle",
                               "--require-area", "permissions", *sample("gate_readonly"))
        assert result.returncode == EXIT_NOTHING_TESTED, result.output[-3000:]
        assert ("nothing tested in area lifecycle (--require-area lifecycle): no test of it "
                "executed") in result.stdout
        assert "area permissions" not in result.stdout  # its two read tests ran
        assert "2 passed, 3 skipped" in result.stdout

    def test_an_area_that_ran_passes(self, tmp_path: Path) -> None:
        result = read_only_run(tmp_path, "--require-area", "permissions",
                               *sample("gate_readonly"))
        assert result.returncode == EXIT_OK, result.output[-3000:]

    def test_an_unknown_area_is_a_usage_error_naming_the_closest(self, tmp_path: Path) -> None:
        result = run_command(tmp_path, None, "--require-area", "imgaes")
        assert result.returncode == EXIT_USAGE
        assert ("ERROR: --require-area imgaes: no such area (did you mean images?); areas: "
                "images, auth, permissions, lifecycle, fuzz, ratelimit") in result.stderr


def transport_run(tmp_path: Path, cuts: int, answered: int, workers: str) -> Result:
    with cutting_server() as cut_url, mock_target(tmp_path) as target:
        env = {**os.environ, "GATE_SAMPLE_CUT_URL": cut_url, "GATE_SAMPLE_CUTS": str(cuts),
               "GATE_SAMPLE_ANSWERED": str(answered)}
        return run_command(tmp_path, target, *sample("gate_transport"), *WORKERS[workers],
                           env=env)


class TestTransportFailures:
    @pytest.mark.parametrize("workers", list(WORKERS))
    def test_one_cut_request_fails_its_test_only(self, tmp_path: Path, workers: str) -> None:
        result = transport_run(tmp_path, cuts=1, answered=3, workers=workers)
        assert result.returncode == EXIT_FAILURES, result.output[-3000:]
        assert "1 failed, 3 passed" in result.stdout and "Interrupted" not in result.stdout
        (failed,) = [t for t in result.json()["tests"] if t["outcome"] == "failed"]
        assert failed["failure"] == {"kind": "transport", "type": "RequestFailed"}
        assert re.fullmatch(r"conformance\.client\.RequestFailed: GET http://127\.0\.0\.1:\d+"
                            r"/itwins/\S+ as org_admin: the connection was made but the "
                            r"request failed: RemoteProtocolError: .+", failed["message"])

    @pytest.mark.parametrize("workers", list(WORKERS))
    def test_many_in_a_row_stop_the_run_as_unreachable(self, tmp_path: Path,
                                                        workers: str) -> None:
        result = transport_run(tmp_path, cuts=TRANSPORT_STOP + 3, answered=0, workers=workers)
        assert result.returncode == EXIT_UNREACHABLE, result.output[-3000:]
        said = (f"target unreachable: {TRANSPORT_STOP} tests in a row failed without a "
                "complete HTTP answer (last: RequestFailed: GET http://127.0.0.1:")
        assert said in result.stdout
        failed = [t for t in result.json()["tests"] if t["outcome"] == "failed"]
        if workers == "serial":  # under xdist, tests already sent to a worker still run
            assert len(failed) == TRANSPORT_STOP
        document = result.json()
        assert document["verdict"] == "target unreachable"
        assert document["stopped_at"] == "mid-run" and document["why"][0].startswith(said)


class TestWhatCountsAsNoAnswer:
    """The controller reads a failure's kind from its crash line, as xdist ships it."""

    @pytest.mark.parametrize(("crash", "counted"), [
        ("conformance.client.TargetUnreachable: GET http://h/itwins/x: no connection: ...", True),
        ("conformance.client.RequestFailed: GET http://h/itwins/x: the connection was made "
         "but the request failed: ReadError: ...", True),
        ("conformance.client.RequestTooSlow: GET /itwins/x as org_admin: no complete answer "
         "within 120 s, ...", True),
        ("conformance.client.ResponseTooLarge: GET /itwins/x -> 200: ...", False),
        ("AssertionError: expected 404, got 200 (RequestFailed was caught)", False),
        ("conformance.client.ContractViolation: GET /itwins/x -> 500 breaks the contract:",
         False),
    ], ids=["unreachable", "request-failed", "too-slow", "too-large", "assertion", "contract"])
    def test_only_a_missing_answer_counts(self, crash: str, counted: bool) -> None:
        report = SimpleNamespace(failed=True, longrepr=SimpleNamespace(
            reprcrash=SimpleNamespace(message=crash)))
        assert is_transport_failure(report) is counted

    def test_a_passed_or_skipped_report_never_counts(self) -> None:
        crash = "conformance.client.RequestFailed: GET http://h/itwins/x: ..."
        report = SimpleNamespace(failed=False, longrepr=SimpleNamespace(
            reprcrash=SimpleNamespace(message=crash)))
        assert is_transport_failure(report) is False
