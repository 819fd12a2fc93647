"""Failures grouped by cause and skips by reason, in summary.md and report.html: one
heading per distinct reason with the tests under it."""

from __future__ import annotations

from typing import Any

from conformance.reporting import html, markdown
from conformance.reporting.causes import by_cause, by_skip_reason, cause_of
from conformance.reporting.records import Run, TestRecord

from .run_samples import record, sample_run

PIN = ("AssertionError: oversize-6mib: expected 413 (pinned by [profile] oversize_status = 413)"
       ", got 422")


def failed(test_id: str, message: str, **summary: Any) -> TestRecord:
    return record(test_id, "failed", message=message, **summary)


class TestCause:
    def test_a_profile_pin_is_the_cause(self) -> None:
        assert cause_of(failed("t.py::a", PIN)) == ("pinned by [profile] oversize_status = "
                                                    "413")

    def test_a_contract_violation_is_its_rules_whatever_the_request(self) -> None:
        a = failed("t.py::a", "ContractViolation: GET /itwins/1 -> 500 breaks the contract:",
                   failure={"kind": "contract", "violations": ["$status: server error 500"]})
        b = failed("t.py::b", "ContractViolation: PUT /itwins/2/image -> 500 breaks the "
                              "contract:",
                   failure={"kind": "contract", "violations": ["$status: server error 500"]})
        assert cause_of(a) == cause_of(b) == "contract violation: $status: server error 500"

    def test_a_transport_failure_is_its_kind_whatever_the_url(self) -> None:
        text = ("conformance.client.RequestFailed: GET http://h/itwins/{} as org_admin: the "
                "connection was made but the request failed: ReadTimeout: timed out")
        causes = {cause_of(failed(f"t.py::{n}", text.format(n))) for n in ("x1", "y2")}
        assert causes == {"no HTTP answer (RequestFailed): the connection was made but the "
                          "request failed: ReadTimeout"}

    def test_ids_that_vary_between_tests_are_taken_out(self) -> None:
        a = failed("t.py::a", "AssertionError: could not create a scratch iTwin: "
                              "2c1b6f4e-0a0b-4c5d-8e9f-0123456789ab")
        b = failed("t.py::b", "AssertionError: could not create a scratch iTwin: "
                              "9d8c7b6a-1111-4222-8333-444455556666")
        assert cause_of(a) == cause_of(b) == ("AssertionError: could not create a scratch "
                                              "iTwin: {id}")

    def test_different_rules_stay_apart(self) -> None:
        a = failed("t.py::a", "AssertionError: ratio-6x1: expected 422, got 201")
        b = failed("t.py::b", "AssertionError: ratio-1x6: expected 422, got 201")
        assert cause_of(a) != cause_of(b)


class TestGrouping:
    def test_the_most_frequent_cause_comes_first_with_its_tests(self) -> None:
        records = [failed(f"t.py::pin{n}", PIN) for n in range(3)]
        records += [failed("t.py::other", "AssertionError: x"),
                    record("t.py::ok", "passed")]
        groups = by_cause(records)
        assert [(cause, len(tests)) for cause, tests in groups] == [
            ("pinned by [profile] oversize_status = 413", 3), ("AssertionError: x", 1)]

    def test_skips_by_reason(self) -> None:
        groups = by_skip_reason(sample_run().records)
        assert [(reason, len(tests)) for reason, tests in groups] == [
            ("persona non_member is not in target staging", 2),
            ("target staging is not a mock (no [mock] control_url)", 1)]


class TestInTheReports:
    def run(self) -> Run:
        records = [failed(f"test_upload_images.py::T::test[{n}]", PIN) for n in ("a", "b")]
        records.append(failed("test_auth.py::T::test_x", "AssertionError: expected 401"))
        return sample_run(records=records, expired=[], unused=[])

    def test_markdown_has_one_heading_per_cause_with_its_tests(self) -> None:
        text = markdown.render(self.run())
        assert "## Failures (3) by cause (2)" in text
        pinned = text.split("### pinned by [profile] oversize_status = 413 (2)")[1]
        pinned = pinned.split("\n### ")[0]
        assert pinned.count("#### `test_upload_images.py::T::test[") == 2
        assert "### AssertionError: expected 401 (1)\n\n#### `test_auth.py::T::test_x`" in text

    def test_html_indexes_failures_by_cause(self) -> None:
        page = html.render(self.run())
        index = page.split('<section id="failures">')[1].split("</section>")[0]
        pinned = index.split("pinned by [profile] oversize_status = 413 (2)</h3>")[1]
        assert pinned.split("</ol>")[0].count("<li>") == 2
