"""One record per test, assembled by the controller from the phase reports it receives.

A test arrives as up to three reports (setup, call, teardown), possibly interleaved with
other tests' under xdist. Its outcome is decided from all three the way pytest counts it
(an error in setup or teardown is an error, an excused failure is xfailed), and the
summary the running process attached to the teardown report fills in the rest.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from ..exitcodes import PYTEST_NOTHING_TESTED, PYTEST_UNREACHABLE
from ..redact import Redactor
from .collect import SUMMARY_PROPERTY
from .deviations import Deviation

PASSED, FAILED, ERROR, SKIPPED, XFAILED, XPASSED = (
    "passed", "failed", "error", "skipped", "xfailed", "xpassed")
OUTCOMES = (PASSED, FAILED, ERROR, XFAILED, XPASSED, SKIPPED)
MAX_DETAILS = 8000  # characters of a failure's full text kept per test
# Severity: a test's record takes the outcome of its worst phase (a passing call with a
# failing teardown is an error; an excused failure outranks a pass).
RANK = {PASSED: 0, XPASSED: 1, SKIPPED: 2, XFAILED: 3, FAILED: 4, ERROR: 5}


@dataclass
class TestRecord:
    """Everything the report files say about one test."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    outcome: str = PASSED
    duration: float = 0.0
    message: str | None = None  # the one line: assertion, skip reason or xfail reason
    details: str | None = None  # the failure's (or excused failure's) full text, bounded
    summary: dict[str, Any] = field(default_factory=dict)
    retries_property: int = 0  # the plugin's own per-test count ("retries")
    rank: int = -1  # RANK of `outcome` once a phase has decided it

    @property
    def test_id(self) -> str:
        return str(self.summary.get("id") or self.nodeid)

    @property
    def evidence(self) -> str | None:
        return self.summary.get("evidence")

    @property
    def area(self) -> str | None:
        return self.summary.get("area")

    @property
    def retries(self) -> int:
        return max(int(self.summary.get("retries") or 0), self.retries_property)

    @property
    def deviation(self) -> dict[str, Any] | None:
        return self.summary.get("deviation")

    @property
    def is_problem(self) -> bool:
        return self.outcome in (FAILED, ERROR)

    def as_json(self) -> dict[str, Any]:
        """The record as report.json holds it (no exchange bodies, no images)."""
        s = self.summary
        return {
            "nodeid": self.nodeid, "id": self.test_id, "outcome": self.outcome,
            "evidence": self.evidence, "area": self.area,
            "personas": s.get("personas", []), "operations": s.get("operations", []),
            "statuses": s.get("statuses", []), "duration": round(self.duration, 3),
            "retries": self.retries, "message": self.message, "rule": s.get("rule"),
            "failure": s.get("failure"), "deviation": self.deviation,
            "calls": s.get("calls", []), "calls_total": s.get("exchanges_total", 0),
            "details": self.details, "worker": s.get("worker"),
        }


class RecordBook:
    """The records of a run, by test id: the same order however xdist interleaved them."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._records: dict[str, TestRecord] = {}

    def records(self) -> list[TestRecord]:
        return sorted(self._records.values(), key=lambda record: record.test_id)

    def add(self, report: pytest.TestReport) -> None:
        """Fold one phase report into its test's record: the worst phase decides."""
        record = self._records.setdefault(report.nodeid, TestRecord(report.nodeid))
        record.duration += float(getattr(report, "duration", 0.0) or 0.0)
        self._take_properties(record, report)
        outcome = phase_outcome(report)
        if outcome is None or RANK[outcome] <= record.rank:
            return
        record.outcome, record.rank = outcome, RANK[outcome]
        record.message = self.redactor.text(one_line(report)) or None
        if outcome in (FAILED, ERROR, XFAILED):
            record.details = self.redactor.text(report.longreprtext)[:MAX_DETAILS]

    def _take_properties(self, record: TestRecord, report: pytest.TestReport) -> None:
        kept = []
        for name, value in report.user_properties:
            if name == SUMMARY_PROPERTY:
                record.summary = json.loads(str(value))
                continue
            if name == "retries":
                record.retries_property = max(record.retries_property, int(str(value)))
            kept.append((name, value))
        # Leave pytest's JUnit writer only small properties: the summary is ours alone.
        report.user_properties = kept


def phase_outcome(report: pytest.TestReport) -> str | None:
    """This phase's outcome; None for a passing setup or teardown (nothing to say)."""
    excused = hasattr(report, "wasxfail")
    if report.failed:
        return FAILED if report.when == "call" else ERROR
    if report.skipped:
        return XFAILED if excused else SKIPPED
    if report.when == "call":
        return XPASSED if excused else PASSED
    return None


def one_line(report: pytest.TestReport) -> str:
    """The line people read first: the assertion, the skip reason, the xfail reason."""
    if hasattr(report, "wasxfail") and not report.failed:
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).split("\n", 1)[0]
    text = report.longreprtext
    return text.strip().splitlines()[-1] if text.strip() else ""


# pytest's exit statuses (and the plugin's own: conformance.exitcodes) as a verdict.
VERDICTS = {0: "passed", 1: "failed", 2: "interrupted", 3: "internal error",
            4: "usage error", 5: "no tests ran", PYTEST_UNREACHABLE: "target unreachable",
            PYTEST_NOTHING_TESTED: "nothing tested"}
NOT_RUN = "not run"
# Where a run can stop before any test (conformance.gate): its verdict is "not run".
BEFORE_START = ("configuration", "preflight")


@dataclass
class Run:
    """A whole run as the report files describe it."""

    records: list[TestRecord]
    target_name: str | None
    target_url: str | None
    run_id: str | None
    started: str  # ISO 8601, UTC
    duration: float
    exit_status: int
    expired: list[Deviation] = field(default_factory=list)
    unused: list[Deviation] = field(default_factory=list)
    stopped_at: str | None = None  # "configuration", "preflight" or "mid-run" (gate.Stop)
    why: list[str] = field(default_factory=list)  # a verdict other than pass/fail, explained

    @property
    def verdict(self) -> str:
        if self.stopped_at in BEFORE_START:
            return NOT_RUN
        return VERDICTS.get(self.exit_status, f"exit status {self.exit_status}")

    def counts(self) -> Counter[str]:
        return Counter(record.outcome for record in self.records)

    def counts_by(self, attribute: str) -> dict[str, Counter[str]]:
        """Outcome counts per value of `attribute` ("area" or "evidence"); None as "-"."""
        table: dict[str, Counter[str]] = {}
        for record in self.records:
            key = getattr(record, attribute) or "-"
            table.setdefault(key, Counter())[record.outcome] += 1
        return dict(sorted(table.items()))

    @property
    def problems(self) -> list[TestRecord]:
        return [r for r in self.records if r.is_problem]

    @property
    def now_passing(self) -> list[TestRecord]:
        """Tests a known deviation excused that passed: their entries can go."""
        return [r for r in self.records if r.outcome == XPASSED and r.deviation]

    @property
    def excused(self) -> list[TestRecord]:
        return [r for r in self.records if r.outcome == XFAILED and r.deviation]

    @property
    def retries(self) -> int:
        return sum(record.retries for record in self.records)
