"""Records: one per test from its evidence, with the outcome pytest would count."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.client import DOWNLOAD, Exchange
from conformance.contract import GET_IMAGE, UPLOAD_IMAGE
from conformance.evidence.collector import fill
from conformance.evidence.model import Phase, TestEvidence, Traffic
from conformance.redact import REDACTED, Redactor
from conformance.reporting.records import Run, TestRecord
from conformance.reporting.views import MAX_CALLS, MAX_EXCHANGE_VIEWS

NODE = "conformance/suite/test_x.py::T::t"
TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln"


def report(when: str, outcome: str, longrepr: Any = None, *, wasxfail: str | None = None,
           duration: float = 0.5) -> pytest.TestReport:
    made = pytest.TestReport(NODE, ("test_x.py", 1, "T.t"), {}, outcome,  # type: ignore[arg-type]
                             longrepr, when, duration=duration)  # type: ignore[arg-type]
    if wasxfail is not None:
        made.wasxfail = wasxfail
    return made


def fold(*reports: pytest.TestReport, redactor: Redactor | None = None,
         exchanges: list[Exchange] | None = None, **fields: Any) -> TestRecord:
    """The record of a test whose phases ended with `reports`; its call made `exchanges`."""
    phases = [fill(Phase(r.when, r.outcome), r, redactor or Redactor()) for r in reports]
    for phase in phases:
        if phase.when == "call":
            phase.exchanges = exchanges or []
    return TestRecord.of(TestEvidence(NODE, "test_x.py::T::t", phases=phases, **fields))


def passing_setup() -> pytest.TestReport:
    return report("setup", "passed")


def passing_teardown(**kwargs: Any) -> pytest.TestReport:
    return report("teardown", "passed", **kwargs)


def exchange(operation: str | None, status: int, persona: str | None = "org_admin",
             retries: int = 0) -> Exchange:
    return Exchange(operation=operation, method="GET", path="/itwins/1/image",
                    request_headers={}, request_size=0, request_sha256=None, status=status,
                    response_headers={}, response_body=b"", persona=persona, retries=retries)


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

    def test_the_first_of_two_equal_phases_decides(self) -> None:
        record = fold(report("setup", "failed", "fixture broke"),
                      report("teardown", "failed", "cleanup broke"))
        assert (record.outcome, record.message) == ("error", "fixture broke")

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
    def test_phase_verdicts(self, when: str, outcome: str, expected: str | None) -> None:
        assert fill(Phase(when, outcome), report(when, outcome, "x"), Redactor()).verdict == \
            expected

    def test_durations_of_all_phases_add_up(self) -> None:
        record = fold(report("setup", "passed", duration=0.25), report("call", "passed"),
                      passing_teardown(duration=0.25))
        assert record.duration == pytest.approx(1.0)


class TestWhatItCalled:
    def test_personas_operations_and_statuses_in_order_once_each(self) -> None:
        record = fold(passing_setup(), report("call", "passed"), passing_teardown(),
                      exchanges=[exchange(GET_IMAGE, 429), exchange(GET_IMAGE, 200, retries=1),
                                 exchange(UPLOAD_IMAGE, 403, persona="member_read"),
                                 exchange(DOWNLOAD, 200, persona="other")])
        assert record.personas == ["org_admin", "member_read"]  # downloads are not the API
        assert record.operations == [GET_IMAGE, UPLOAD_IMAGE]
        assert record.statuses == [429, 200, 403]
        assert [c.status for c in record.calls] == [429, 200, 403, 200]

    def test_an_unrouted_request_is_named_by_its_method(self) -> None:
        record = fold(report("call", "passed"), exchanges=[exchange(None, 405)])
        assert record.operations == ["GET (unrouted)"]

    def test_calls_and_views_are_capped(self) -> None:
        record = fold(report("call", "passed"), exchanges=[exchange(GET_IMAGE, 200)] * 500)
        assert (len(record.calls), len(record.exchanges)) == (MAX_CALLS, MAX_EXCHANGE_VIEWS)
        assert record.exchanges_total == 500
        assert record.as_json()["calls_total"] == 500

    def test_retries_are_those_the_clients_counted(self) -> None:
        record = fold(report("call", "passed"), traffic=Traffic(5, 10, 2, 3.0, 0.5),
                      exchanges=[exchange(GET_IMAGE, 429), exchange(GET_IMAGE, 200, retries=1)])
        assert record.retries == 2
        assert record.as_json()["traffic"] == {"requests": 5, "bytes_sent": 10, "retries": 2,
                                               "retry_wait": 3.0, "pace_wait": 0.5}


class TestRunTraffic:
    def test_by_area_then_in_all(self) -> None:
        records = [fold(report("call", "passed"), area="images", traffic=Traffic(3, 100, 0, 0)),
                   fold(report("call", "passed"), area="auth", traffic=Traffic(2, 0, 1, 1.5)),
                   fold(report("call", "passed"), area="images", traffic=Traffic(1, 5, 0, 0))]
        run = Run(records, None, None, None, "2026-01-01T00:00:00+00:00", 1.0, 0)
        assert list(run.traffic) == ["auth", "images", "all"]
        assert run.traffic["images"] == Traffic(4, 105, 0, 0)
        assert run.traffic["all"] == Traffic(6, 105, 1, 1.5)
        assert run.retries == 1


class TestRedaction:
    def test_failure_text_is_redacted_before_it_is_kept(self) -> None:
        text = f"AssertionError: sent Authorization: Bearer {TOKEN} and secret-42"
        record = fold(passing_setup(), report("call", "failed", text), passing_teardown(),
                      redactor=Redactor.of(["secret-42"]))
        for kept in (record.message or "", record.details or ""):
            assert TOKEN not in kept and "secret-42" not in kept
            assert REDACTED in kept

