"""`itwin-conformance run --report out` under `-n 2`: the four files, and what each says.

One real run (report_fixtures.report_run) against a mock that accepts 6:1 images, so one
documented test fails, one persona is missing, and one test waits out two 429s.
"""

from __future__ import annotations

from conformance.evidence.collector import WIRE
from conformance.exitcodes import FAILURES
from conformance.suite.test_rate_limits import INJECTED_429S

from .report_checks import junit_cases, junit_problems
from .report_runs import FAILING, SKIPPED_PERSONA, ReportRun

pytest_plugins = ["tests.reporting.report_fixtures"]

FILES = ("junit.xml", "report.json", "summary.md", "report.html")
WAITED_OUT = ("test_rate_limits.py::TestTooManyRequests::"
              "test_is_waited_out_and_the_call_then_succeeds")


class TestRun:
    def test_exit_code_is_1_for_a_conformance_failure(self, report_run: ReportRun) -> None:
        assert report_run.returncode == FAILURES, report_run.stdout[-3000:] + report_run.stderr

    def test_all_four_files_are_written(self, report_run: ReportRun) -> None:
        for name in FILES:
            path = report_run.out / name
            assert path.is_file() and path.stat().st_size > 0, name

    def test_the_controller_wrote_what_both_workers_ran(self, report_run: ReportRun) -> None:
        """Under xdist only the controller sees every test: a file written by a worker
        would hold that worker's tests alone."""
        tests = report_run.json()["tests"]
        assert {t["worker"] for t in tests} == {"gw0", "gw1"}
        assert len(tests) == len(junit_cases(report_run.out / "junit.xml"))
        assert all(t["area"] for t in tests), "a test arrived without its worker's summary"


class TestJunit:
    def test_a_junit_reader_accepts_it(self, report_run: ReportRun) -> None:
        assert junit_problems(report_run.out / "junit.xml") == []

    def test_verdicts_match_the_json(self, report_run: ReportRun) -> None:
        cases = junit_cases(report_run.out / "junit.xml")
        failed = [name for name, verdict in cases.items() if verdict == "failure"]
        assert failed == [FAILING]
        skipped = [t["id"] for t in report_run.json()["tests"] if t["outcome"] == "skipped"]
        assert sum(v == "skipped" for v in cases.values()) == len(skipped) == 1

    def test_the_evidence_stays_out_and_retries_go_in(self, report_run: ReportRun) -> None:
        text = report_run.read("junit.xml")
        assert WIRE not in text and "response_body" not in text
        assert f'<property name="retries" value="{INJECTED_429S}" />' in text


class TestJson:
    def test_every_record_has_the_fields(self, report_run: ReportRun) -> None:
        fields = {"outcome", "evidence", "area", "personas", "operations", "statuses",
                  "duration", "retries"}
        for test in report_run.json()["tests"]:
            assert fields <= set(test), test["id"]
            assert test["evidence"] in ("documented", "observed", "undetermined"), test["id"]

    def test_the_failure_names_its_rule_persona_operation_and_status(
            self, report_run: ReportRun) -> None:
        failing = report_run.record(FAILING)
        assert failing["outcome"] == "failed"
        assert (failing["evidence"], failing["area"]) == ("documented", "images")
        assert failing["personas"] == ["org_admin"]
        assert "upload-itwin-image" in failing["operations"]
        upload = [c for c in failing["calls"] if c["operation"] == "upload-itwin-image"]
        assert upload[-1]["status"] == 201
        assert failing["rule"].startswith("6:1: longer than 5:1: expects 422")
        assert "got 201" in failing["message"]

    def test_retries_after_429_are_counted(self, report_run: ReportRun) -> None:
        waited = report_run.record(WAITED_OUT)
        assert (waited["outcome"], waited["retries"]) == ("passed", INJECTED_429S)
        assert [c["status"] for c in waited["calls"]].count(429) == INJECTED_429S
        assert report_run.json()["retries"] == INJECTED_429S

    def test_a_missing_persona_is_a_skip_with_its_reason(self, report_run: ReportRun) -> None:
        skipped = [t for t in report_run.json()["tests"] if t["outcome"] == "skipped"]
        assert [t["message"] for t in skipped] == [
            f"persona {SKIPPED_PERSONA} is not in target broken-mock"]

    def test_counts_agree_with_the_records(self, report_run: ReportRun) -> None:
        document = report_run.json()
        assert sum(document["counts"].values()) == len(document["tests"])
        assert document["counts"]["failed"] == 1
        assert document["verdict"] == "failed" and document["exit_status"] == 1


class TestMarkdown:
    def test_the_failure_and_the_skipped_persona_are_there(self, report_run: ReportRun) -> None:
        text = report_run.read("summary.md")
        assert text.startswith("# ❌ iTwins image API conformance: failed")
        assert f"### `{FAILING}`" in text
        assert "- Rule: 6:1: longer than 5:1" in text
        assert f"| {SKIPPED_PERSONA} | 1 | persona {SKIPPED_PERSONA} is not in target" in text
        assert "| images |" in text and "| documented |" in text
