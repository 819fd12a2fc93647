"""The evidence of one test, typed, and its wire form.

A test's process (an xdist worker, or the only process) records a `TestEvidence` as the
test runs and sends it to the controller on the test's teardown report (`to_wire`, which
xdist's channel carries: dicts, lists, strings, numbers, bytes). The controller reads it
back (`from_wire`) and hands it to every consumer. Its texts are redacted where it is made:
every exchange once, as it is observed; the failure texts before they are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..client import Exchange
from ..deviations import Deviation

PHASES = ("setup", "call", "teardown")
# A test's outcome as the reports count it (pytest's, with excused failures and passes).
PASSED, FAILED, ERROR, SKIPPED, XFAILED, XPASSED = (
    "passed", "failed", "error", "skipped", "xfailed", "xpassed")
OUTCOMES = (PASSED, FAILED, ERROR, XFAILED, XPASSED, SKIPPED)
# Severity: a test takes the outcome of its worst phase (a passing call with a failing
# teardown is an error; an excused failure outranks a pass).
RANK = {PASSED: 0, XPASSED: 1, SKIPPED: 2, XFAILED: 3, FAILED: 4, ERROR: 5}
MAX_DETAILS = 8000  # characters of a failure's full text kept per phase


@dataclass(frozen=True)
class Failure:
    """How a test failed: a contract violation (with its list), an assertion, no HTTP
    answer (a transport failure, by the kind), or a crash (by the exception type)."""

    kind: str  # "contract", "assertion", "transport" or "error"
    type: str | None = None  # the exception's type, for "transport" and "error"
    exchange: str | None = None  # the offending exchange, for "contract"
    violations: tuple[str, ...] = ()  # for "contract"

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "contract":
            return {"kind": self.kind, "exchange": self.exchange,
                    "violations": list(self.violations)}
        if self.kind == "assertion":
            return {"kind": self.kind}
        return {"kind": self.kind, "type": self.type}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        return cls(data["kind"], data.get("type"), data.get("exchange"),
                   tuple(data.get("violations", ())))


@dataclass
class Traffic:
    """What a test spent, its fixtures included: requests sent (retries and downloads
    included), bytes of request bodies, 429 retries and the seconds waited for them, and the
    seconds waited to keep to the target's rate (`[profile] requests_per_minute`)."""

    requests: int = 0
    bytes_sent: int = 0
    retries: int = 0
    retry_wait: float = 0.0
    pace_wait: float = 0.0

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(self.requests + other.requests, self.bytes_sent + other.bytes_sent,
                       self.retries + other.retries, self.retry_wait + other.retry_wait,
                       self.pace_wait + other.pace_wait)

    def __sub__(self, other: Traffic) -> Traffic:
        return Traffic(self.requests - other.requests, self.bytes_sent - other.bytes_sent,
                       self.retries - other.retries,
                       round(self.retry_wait - other.retry_wait, 3),
                       round(self.pace_wait - other.pace_wait, 3))

    def as_dict(self) -> dict[str, int | float]:
        return {"requests": self.requests, "bytes_sent": self.bytes_sent,
                "retries": self.retries, "retry_wait": round(self.retry_wait, 3),
                "pace_wait": round(self.pace_wait, 3)}


@dataclass(frozen=True)
class Preview:
    """An image as a report shows it: what it is, and a data URI if it could be drawn."""

    description: str  # "1000x200 PNG, 4,212 bytes" or why it cannot be shown
    data_uri: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"description": self.description, "data_uri": self.data_uri}


@dataclass(frozen=True)
class ImagePair:
    """An upload worth seeing: the fixture sent beside the thumbnail the target made."""

    label: str
    status: int
    content_type: str | None
    size: int
    fixture: Preview
    thumbnail: Preview | None  # None: refused, or never fetched

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "status": self.status, "content_type": self.content_type,
                "size": self.size, "fixture": self.fixture.as_dict(),
                "thumbnail": self.thumbnail.as_dict() if self.thumbnail else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImagePair:
        thumbnail = data["thumbnail"]
        return cls(data["label"], data["status"], data["content_type"], data["size"],
                   Preview(**data["fixture"]), Preview(**thumbnail) if thumbnail else None)


@dataclass
class Phase:
    """One phase of a test (setup, call or teardown) as its report tells it, and the
    exchanges its requests made."""

    when: str
    outcome: str  # pytest's: "passed", "failed" or "skipped"
    excused: bool = False  # an expected failure (xfail): failed as expected, or passed
    message: str | None = None  # the one line: the assertion, the skip or xfail reason
    details: str | None = None  # a failure's (or excused failure's) full text, bounded
    duration: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def verdict(self) -> str | None:
        """This phase's outcome as a test's; None for a passing setup or teardown."""
        if self.outcome == "failed":
            return FAILED if self.when == "call" else ERROR
        if self.outcome == "skipped":
            return XFAILED if self.excused else SKIPPED
        if self.when == "call":
            return XPASSED if self.excused else PASSED
        return None


@dataclass
class TestEvidence:
    """Everything the run's outputs know about one test."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    test_id: str  # relative to the suite directory (`conformance.markers.test_id`)
    in_suite: bool = True
    markers: tuple[str, ...] = ()  # its marker names, nearest first
    area: str | None = None
    level: str | None = None  # its evidence level: documented, observed or undetermined
    rule: str | None = None  # the contract rule it checks (or broke)
    worker: str | None = None  # the xdist worker that ran it
    phases: list[Phase] = field(default_factory=list)
    failure: Failure | None = None
    deviation: Deviation | None = None  # the known deviation that excused it
    traffic: Traffic = field(default_factory=Traffic)
    images: list[ImagePair] = field(default_factory=list)
    # What a consumer found where the test ran (fidelity's comparison), by consumer, as
    # wire data the consumer reads back into its own type.
    findings: dict[str, Any] = field(default_factory=dict)

    @property
    def exchanges(self) -> list[Exchange]:
        """Every exchange of the test, in the order they were made."""
        return [exchange for phase in self.phases for exchange in phase.exchanges]

    def exchanges_by_phase(self) -> Iterator[tuple[str, Exchange]]:
        for phase in self.phases:
            for exchange in phase.exchanges:
                yield phase.when, exchange

    def phase(self, when: str) -> Phase | None:
        return next((p for p in self.phases if p.when == when), None)

    @property
    def deciding(self) -> Phase | None:
        """The phase whose verdict is the test's: the worst, the first of equals."""
        judged = [p for p in self.phases if p.verdict is not None]
        return max(judged, key=lambda p: RANK[p.verdict or PASSED], default=None)

    @property
    def outcome(self) -> str:
        deciding = self.deciding
        return deciding.verdict if deciding and deciding.verdict else PASSED

    @property
    def suite_outcome(self) -> str:
        """pytest's word for the test: failed if a phase failed, else skipped if one was."""
        seen = {p.outcome for p in self.phases}
        return next((o for o in ("failed", "skipped") if o in seen), "passed")

    @property
    def duration(self) -> float:
        return sum(p.duration for p in self.phases)

    # The wire ------------------------------------------------------------------------

    def to_wire(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid, "test_id": self.test_id, "in_suite": self.in_suite,
            "markers": list(self.markers), "area": self.area, "level": self.level,
            "rule": self.rule, "worker": self.worker,
            "phases": [{**{f.name: getattr(p, f.name) for f in dataclasses.fields(p)
                           if f.name != "exchanges"},
                        "exchanges": [dataclasses.asdict(e) for e in p.exchanges]}
                       for p in self.phases],
            "failure": self.failure.as_dict() if self.failure else None,
            "deviation": self.deviation.as_dict() if self.deviation else None,
            "traffic": self.traffic.as_dict(),
            "images": [pair.as_dict() for pair in self.images],
            "findings": self.findings,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> TestEvidence:
        phases = [Phase(**{**p, "exchanges": [Exchange(**e) for e in p["exchanges"]]})
                  for p in data["phases"]]
        deviation = data["deviation"]
        return cls(
            nodeid=data["nodeid"], test_id=data["test_id"], in_suite=data["in_suite"],
            markers=tuple(data["markers"]), area=data["area"], level=data["level"],
            rule=data["rule"], worker=data["worker"], phases=phases,
            failure=Failure.from_dict(data["failure"]) if data["failure"] else None,
            deviation=Deviation(**{**deviation,
                                   "expires": dt.date.fromisoformat(deviation["expires"])})
            if deviation else None,
            traffic=Traffic(**data["traffic"]),
            images=[ImagePair.from_dict(pair) for pair in data["images"]],
            findings=dict(data["findings"]))


ALL = "all"
NO_AREA = "other"


def traffic_by_area(tests: Iterable[Any]) -> dict[str, Traffic]:
    """What the tests (anything with an `area` and a `traffic`) of each area spent, areas
    by name, then ALL (the whole run)."""
    spent: dict[str, Traffic] = {}
    for test in tests:
        area = test.area or NO_AREA
        spent[area] = spent.get(area, Traffic()) + test.traffic
    if not spent:
        return {}
    total = sum(spent.values(), Traffic())
    return {**dict(sorted(spent.items())), ALL: total}
