"""Records: one per test from its phase reports, with the outcome pytest would count."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.redact import REDACTED, Redactor
from conformance.reporting.collect import SUMMARY_PROPERTY
from conformance.reporting.records import RecordBook, TestRecord, phase_outcome

NODE = "test_x.py::T::t"
TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln"


def report(when: str, outcome: str, longrepr: Any = None, *, wasxfail: str | None = None,
           properties: list[tuple[str, object]] | None = None, duration: float = 0.5,
           nodeid: str = NODE) -> pytest.TestReport:
    made = pytest.TestReport(nodeid, ("test_x.py", 1, "T.t"), {}, outcome,  # type: ignore[arg-type]
                             longrepr, when, duration=duration,  # type: ignore[arg-type]
                             user_properties=properties or [])
    if wasxfail is not None:
        made.wasxfail = wasxfail
    return made


def fold(*reports: pytest.TestReport, redactor: Redactor | None = None) -> TestRecord:
    book = RecordBook(redactor or Redactor())
    for each in reports:
        book.add(each)
    (record,) = book.records()
    return record


def passing_setup() -> pytest.TestReport:
    return report("setup", "passed")


def passing_teardown(**kwargs: Any) -> pytest.TestReport:
    return report("teardown", "passed", **kwargs)


class TestOutcome:
    def test_pass(self) -> None:
        assert fold(passing_setup(), report("call", "passed"), passing_teardown()).outcome == \
            "passed"

    def test_failed_call(self) -> None:
        record = fold(passing_setup(), report("call", "failed", "AssertionError: boom"),
                      passing_teardown())
        assert (record.outcome, record.message) == ("failed", "AssertionError: boom")

    def test_failing_setup_is_an_error(self) -> None:
        assert fold(report("setup", "failed", "fixture broke"), passing_teardown()).outcome == \
            "error"

    def test_failing_teardown_after_a_pass_is_an_error_not_a_pass(self) -> None:
        record = fold(passing_setup(), report("call", "passed"),
                      report("teardown", "failed", "cleanup broke"))
        assert (record.outcome, record.message) == ("error", "cleanup broke")

    def test_skip_in_setup_keeps_its_reason(self) -> None:
        skip = ("x.py", 3, "Skipped: persona non_member is not in target staging")
        record = fold(report("setup", "skipped", skip), passing_teardown())
        assert (record.outcome, record.message) == (
            "skipped", "persona non_member is not in target staging")

    def test_excused_failure_is_xfailed_with_the_deviation_reason(self) -> None:
        record = fold(passing_setup(), report("call", "skipped", "AssertionError: boom",
                                              wasxfail="known deviation: staging differs"),
                      passing_teardown())
        assert (record.outcome, record.message) == ("xfailed", "known deviation: staging differs")
        assert record.details == "AssertionError: boom"

    def test_excused_pass_is_xpassed(self) -> None:
        record = fold(passing_setup(), report("call", "passed", wasxfail="known deviation: x"),
                      passing_teardown())
        assert record.outcome == "xpassed"

    @pytest.mark.parametrize(("when", "outcome", "expected"), [
        ("setup", "passed", None), ("teardown", "passed", None), ("call", "passed", "passed"),
        ("call", "failed", "failed"), ("setup", "failed", "error"),
        ("teardown", "failed", "error"), ("setup", "skipped", "skipped")])
    def test_phase_outcomes(self, when: str, outcome: str, expected: str | None) -> None:
        assert phase_outcome(report(when, outcome, "x")) == expected

    def test_durations_of_all_phases_add_up(self) -> None:
        record = fold(report("setup", "passed", duration=0.25), report("call", "passed"),
                      passing_teardown(duration=0.25))
        assert record.duration == pytest.approx(1.0)

    def test_interleaved_tests_stay_apart(self) -> None:
        book = RecordBook(Redactor())
        for each in (report("setup", "passed", nodeid="a"), report("setup", "passed", nodeid="b"),
                     report("call", "failed", "x", nodeid="b"),
                     report("call", "passed", nodeid="a")):
            book.add(each)
        assert {r.nodeid: r.outcome for r in book.records()} == {"a": "passed", "b": "failed"}


class TestProperties:
    def test_the_summary_is_taken_out_of_user_properties(self) -> None:
        """pytest's JUnit writer reads user_properties after us; the summary (images,
        exchanges) must not end up in junit.xml."""
        summary = {"id": "suite.py::t", "area": "images", "retries": 1}
        teardown = passing_teardown(properties=[("retries", 2),
                                                (SUMMARY_PROPERTY, json.dumps(summary))])
        record = fold(passing_setup(), report("call", "passed"), teardown)
        assert teardown.user_properties == [("retries", 2)]
        assert (record.test_id, record.area, record.retries) == ("suite.py::t", "images", 2)

    def test_a_test_without_summary_still_has_a_record(self) -> None:
        record = fold(passing_setup(), report("call", "passed"), passing_teardown())
        assert (record.test_id, record.evidence, record.retries) == (NODE, None, 0)


class TestRedaction:
    def test_failure_text_is_redacted_before_it_is_kept(self) -> None:
        text = f"AssertionError: sent Authorization: Bearer {TOKEN} and secret-42"
        record = fold(passing_setup(), report("call", "failed", text), passing_teardown(),
                      redactor=Redactor.of(["secret-42"]))
        for kept in (record.message or "", record.details or ""):
            assert TOKEN not in kept and "secret-42" not in kept
            assert REDACTED in kept
