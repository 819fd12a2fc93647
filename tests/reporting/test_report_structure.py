"""The shape of each report file, pinned: which fields and sections a run's files have, so
that a change to how the files are made (they read the run's evidence) cannot drop or rename
one unnoticed. What the values say is the other modules' business."""

from __future__ import annotations

import re

from .report_checks import junit_cases
from .report_runs import ReportRun

pytest_plugins = ["tests.reporting.report_fixtures"]

RUN_FIELDS = ["format", "run_id", "target", "started", "duration", "exit_status", "verdict",
              "stopped_at", "why", "counts", "counts_by_area", "counts_by_evidence", "retries",
              "traffic", "known_deviations", "tests"]
TEST_FIELDS = ["nodeid", "id", "outcome", "evidence", "area", "personas", "operations",
               "statuses", "duration", "retries", "message", "rule", "failure", "deviation",
               "calls", "calls_total", "details", "worker", "traffic"]
TRAFFIC_FIELDS = ["requests", "bytes_sent", "retries", "retry_wait", "pace_wait"]
CALL_FIELDS = ["persona", "operation", "method", "path", "status", "retries"]
SUMMARY_HEADINGS = ["## By area", "## By evidence", "## Traffic", "## Failures (1) by cause (1)",
                    "## Personas skipped"]
HTML_IDS = ["by-area", "by-evidence", "traffic", "failures", "skipped"]


class TestJson:
    def test_the_run_has_its_fields_in_order(self, report_run: ReportRun) -> None:
        document = report_run.json()
        assert list(document) == RUN_FIELDS
        assert list(document["known_deviations"]) == ["expired", "now_passing", "excused",
                                                      "unused"]

    def test_each_test_has_its_fields_in_order(self, report_run: ReportRun) -> None:
        for test in report_run.json()["tests"]:
            assert list(test) == TEST_FIELDS, test["id"]
            assert list(test["traffic"]) == TRAFFIC_FIELDS
            assert all(list(call) == CALL_FIELDS for call in test["calls"]), test["id"]

    def test_traffic_is_by_area_then_in_all_and_adds_up(self, report_run: ReportRun) -> None:
        document = report_run.json()
        spent = document["traffic"]
        areas = list(spent)
        assert areas[-1] == "all" and areas[:-1] == sorted(areas[:-1]) and len(areas) > 2
        for key in TRAFFIC_FIELDS:
            total = sum(t["traffic"][key] for t in document["tests"])
            assert spent["all"][key] == (round(total, 3) if key == "retry_wait" else total)
        assert spent["all"]["requests"] > 0 and spent["all"]["retries"] == document["retries"]


class TestMarkdown:
    def test_the_sections_in_order(self, report_run: ReportRun) -> None:
        headings = [line for line in report_run.read("summary.md").splitlines()
                    if line.startswith("## ")]
        assert headings == SUMMARY_HEADINGS

    def test_the_traffic_table_has_each_area_and_all(self, report_run: ReportRun) -> None:
        text = report_run.read("summary.md")
        table = text.split("## Traffic", 1)[1].split("\n\n")[1].splitlines()
        assert table[0] == ("| area | requests | MB sent | 429 retries | waited (s) | "
                            "paced (s) |")
        assert [row.split(" | ")[0].lstrip("| ") for row in table[2:]] == list(
            report_run.json()["traffic"])


class TestHtml:
    def test_the_sections_and_one_section_per_test(self, report_run: ReportRun) -> None:
        page = report_run.read("report.html")
        assert [i for i in HTML_IDS if f'id="{i}"' in page] == HTML_IDS
        tests = re.findall(r'<section class="test [a-z]+" id="t\d+" data-test="([^"]+)"', page)
        assert tests == [t["id"] for t in report_run.json()["tests"]]


class TestJunit:
    def test_one_case_per_test_with_traffic_properties(self, report_run: ReportRun) -> None:
        text = report_run.read("junit.xml")
        assert set(junit_cases(report_run.out / "junit.xml")) == {
            t["id"] for t in report_run.json()["tests"]}
        properties = set(re.findall(r'<property name="([a-z_]+)"', text))
        # Only what is not zero: this run waits out 429s but is not paced.
        assert properties == set(TRAFFIC_FIELDS) - {"pace_wait"}
