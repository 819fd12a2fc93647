"""What the report files say about each test, and about the run.

A test's record is read from its evidence (`conformance.evidence`): its outcome as pytest
counts it (the worst phase decides: an error in setup or teardown is an error, an excused
failure is xfailed), what it called and how, how it failed, what it spent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..client import DOWNLOAD
from ..deviations import Deviation
from ..evidence.model import (
    ERROR,
    FAILED,
    OUTCOMES,
    PASSED,
    SKIPPED,
    XFAILED,
    XPASSED,
    Failure,
    ImagePair,
    TestEvidence,
    Traffic,
    traffic_by_area,
)
from ..exitcodes import PYTEST_NOTHING_TESTED, PYTEST_UNREACHABLE
from ..gate import NOT_RUN
from .views import MAX_CALLS, MAX_EXCHANGE_VIEWS, Call, ExchangeView

__all__ = ["ERROR", "FAILED", "OUTCOMES", "PASSED", "SKIPPED", "XFAILED", "XPASSED"]


@dataclass
class TestRecord:
    """Everything the report files say about one test."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    test_id: str
    outcome: str = PASSED
    duration: float = 0.0
    message: str | None = None  # the one line: assertion, skip reason or xfail reason
    details: str | None = None  # the failure's (or excused failure's) full text, bounded
    evidence: str | None = None  # its evidence level
    area: str | None = None
    rule: str | None = None
    failure: Failure | None = None
    deviation: Deviation | None = None
    worker: str | None = None
    traffic: Traffic = field(default_factory=Traffic)
    personas: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    exchanges: list[ExchangeView] = field(default_factory=list)
    exchanges_total: int = 0
    images: list[ImagePair] = field(default_factory=list)

    @classmethod
    def of(cls, test: TestEvidence) -> TestRecord:
        exchanges = test.exchanges
        api = [e for e in exchanges if e.operation != DOWNLOAD]
        deciding = test.deciding
        return cls(
            nodeid=test.nodeid, test_id=test.test_id, outcome=test.outcome,
            duration=test.duration, message=deciding.message if deciding else None,
            details=deciding.details if deciding else None, evidence=test.level,
            area=test.area, rule=test.rule, failure=test.failure, deviation=test.deviation,
            worker=test.worker, traffic=test.traffic,
            personas=_distinct(e.persona for e in api if e.persona),
            operations=_distinct(e.operation or f"{e.method} (unrouted)" for e in api),
            statuses=_distinct(e.status for e in api),
            calls=[Call.of(e) for e in exchanges[:MAX_CALLS]],
            exchanges=[ExchangeView.of(e) for e in exchanges[:MAX_EXCHANGE_VIEWS]],
            exchanges_total=len(exchanges), images=list(test.images))

    @property
    def retries(self) -> int:
        return self.traffic.retries

    @property
    def is_problem(self) -> bool:
        return self.outcome in (FAILED, ERROR)

    def as_json(self) -> dict[str, Any]:
        """The record as report.json holds it (no exchange bodies, no images)."""
        return {
            "nodeid": self.nodeid, "id": self.test_id, "outcome": self.outcome,
            "evidence": self.evidence, "area": self.area,
            "personas": self.personas, "operations": self.operations,
            "statuses": self.statuses, "duration": round(self.duration, 3),
            "retries": self.retries, "message": self.message, "rule": self.rule,
            "failure": self.failure.as_dict() if self.failure else None,
            "deviation": self.deviation.as_dict() if self.deviation else None,
            "calls": [call.as_dict() for call in self.calls],
            "calls_total": self.exchanges_total,
            "details": self.details, "worker": self.worker,
            "traffic": self.traffic.as_dict(),
        }


def _distinct(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


# pytest's exit statuses (and the plugin's own: conformance.exitcodes) as a verdict.
VERDICTS = {0: "passed", 1: "failed", 2: "interrupted", 3: "internal error",
            4: "usage error", 5: "no tests ran", PYTEST_UNREACHABLE: "target unreachable",
            PYTEST_NOTHING_TESTED: "nothing tested"}
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

    @property
    def traffic(self) -> dict[str, Traffic]:
        """What the run spent, by area, then in all."""
        return traffic_by_area(self.records)
