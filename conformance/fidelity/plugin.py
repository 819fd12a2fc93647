"""pytest plugin: `--record DIR` writes every suite test's exchanges; `--compare DIR` fails
each test whose exchanges differ from that recording and lists them in a report.

Both are consumers of the run's evidence (`conformance.evidence`): a `Recorder` and a
`Comparer` sharing what a scenario is. Exchanges are normalised per test (placeholders are
numbered per test, so it does not matter which xdist worker runs which test, or in what
order). The comparison runs where the test runs, at the end of its call and of its
teardown, so a difference fails the test itself; its result rides back with the test's
evidence. The controlling process alone writes the recording and the report. So `-n 2`
needs no shard files and records the same bytes as a serial run.

What is not a scenario. A test's recorded exchanges must be the same whatever ran before
it on the same worker, so four kinds of traffic are left out:
- tests marked with a marker in `NOT_RECORDED_MARKERS` (generated requests),
- the operations in `NOT_SCENARIO_OPERATIONS` (scratch iTwins come and go per module and
  worker, so the test that happens to create one is arbitrary),
- requests the suite sends inside `conformance.client.preparation(...)`: what they send or
  get back depends on what earlier tests on the same worker left on the iTwin,
- 429 answers, except in tests about rate limiting (`RATE_LIMIT_MARKER`): a shared
  subscription may throttle any request, and the client repeats it after Retry-After.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..client import DOWNLOAD, Exchange
from ..contract import CREATE_ITWIN, DELETE_ITWIN
from ..evidence.collector import Consumer, subscribe
from ..evidence.model import TestEvidence
from ..redact import Redactor
from ..run_secrets import redactor_for
from ..session import get_target, is_worker
from ..targets import Target
from . import recording as rec
from .compare import AGE, Difference, Recorded, TestComparison, render_text
from .known import Excused, KnownDifference, KnownDifferencesError, excuse, load_known, stale
from .normalise import Normaliser
from .report import (
    DIFFERENT,
    NOT_RECORDED,
    ONLY_IN_RECORDING,
    ONLY_IN_RUN,
    SAME,
    STATUS_TEXT,
    FidelityReport,
    write,
)

NOT_RECORDED_MARKERS = {
    "fuzz": "Schemathesis and Hypothesis generate the requests: which ones, and how many, "
            "change with the library version and the database of examples",
}
NOT_SCENARIO_OPERATIONS = {
    CREATE_ITWIN: "a scratch iTwin is created once per module and worker, during the setup "
                  "of whichever test needs it first",
    DELETE_ITWIN: "a scratch iTwin is deleted during the teardown of whichever test ran last",
}
# Tests about rate limiting: only they record the 429s they provoke.
RATE_LIMIT_MARKER = "ratelimit"
SKIPPED = "skipped"
SKIPPED_HERE = "skipped in this run"
NOT_RUN = "not run in this session"
PHASES_AT = {"call": ("setup", "call"), "teardown": ("teardown",)}
SUMMARY_LIMIT = 20
COMPARE_OPTIONS = ("--known-differences", "--max-baseline-age", "--fidelity-report",
                   "--recorded-only")
FINDING = "fidelity"  # the comparison's key in a test's evidence findings


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fidelity", "mock fidelity: record a target, compare another")
    group.addoption("--record", metavar="DIR", default=None,
                    help="write each suite test's exchanges into DIR (one JSON file a module)")
    group.addoption("--compare", metavar="DIR", default=None,
                    help="fail each test whose exchanges differ from the recording in DIR")
    group.addoption("--known-differences", metavar="FILE", default=None,
                    help="declared differences, applied only when the target is a mock "
                         f"(default: DIR/{rec.KNOWN_DIFFERENCES_FILE} if it exists)")
    group.addoption("--max-baseline-age", metavar="DAYS", type=int, default=None,
                    help="with --compare: fail a test whose recording last passed on a real "
                         "target more than DAYS days ago (or never)")
    group.addoption("--fidelity-report", metavar="DIR", default=None,
                    help="with --compare: write fidelity.json, .md and .html into DIR")
    group.addoption("--recorded-only", action="store_true", default=False,
                    help="with --compare: run only the tests the recording holds")


def pytest_configure(config: pytest.Config) -> None:
    record, compare = config.getoption("--record"), config.getoption("--compare")
    if record is None and compare is None:
        for option in COMPARE_OPTIONS:
            if config.getoption(option) not in (None, False):
                raise pytest.UsageError(f"{option} needs --compare DIR")
        return
    if record is not None and compare is not None:
        raise pytest.UsageError("--record and --compare exclude each other: record one target, "
                                "then compare another against that recording")
    consumer: Fidelity
    if record is not None:
        for option in COMPARE_OPTIONS:
            if config.getoption(option) not in (None, False):
                raise pytest.UsageError(f"{option} applies to --compare, not to --record")
        consumer = Recorder(config, Path(record))
    else:
        consumer = Comparer(config, Path(compare))
    config.pluginmanager.register(consumer, "conformance-fidelity")
    subscribe(config, consumer)


def is_generated(evidence: TestEvidence) -> bool:
    return any(marker in evidence.markers for marker in NOT_RECORDED_MARKERS)


def scenario_exchanges(evidence: TestEvidence) -> Iterator[tuple[str, Exchange]]:
    """The exchanges of a test that make its scenario, with their phases (see the module
    docstring for what is left out, and why)."""
    keeps_rate_limits = RATE_LIMIT_MARKER in evidence.markers
    downloaded: set[str] = set()
    for when, exchange in evidence.exchanges_by_phase():
        if exchange.operation in NOT_SCENARIO_OPERATIONS or exchange.preparation:
            continue
        if exchange.operation == DOWNLOAD:
            # A blob fetched again through a link signed anew: the same fact, recorded once
            # (whether a target re-signs within a test depends on the clock, not the API).
            if exchange.path in downloaded:
                continue
            downloaded.add(exchange.path)
        if exchange.status == 429 and not keeps_rate_limits:
            continue
        yield when, exchange


class Fidelity(Consumer):
    """What recording and comparing share: the target, the redactor, what a scenario is."""

    needs_exchanges = True

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        self.config = config
        self.directory = directory
        self._target: Target | None = None
        self._redactor: Redactor | None = None

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = get_target(self.config)
        return self._target

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            self._redactor = redactor_for(self.config)
        return self._redactor

    def is_scenario(self, evidence: TestEvidence) -> bool:
        return evidence.in_suite and not is_generated(evidence)


class Recorder(Fidelity):
    """`--record DIR`: each scenario's exchanges, normalised, merged into the recording."""

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        super().__init__(config, directory)
        self.entries: dict[str, rec.Entry] = {}

    def take(self, evidence: TestEvidence) -> None:
        if not self.is_scenario(evidence) or evidence.suite_outcome == SKIPPED:
            return
        normaliser = Normaliser(self.redactor)
        self.entries[evidence.test_id] = {
            "target": self.target.name, "mock": self.target.is_mock,
            "outcome": evidence.suite_outcome,
            "exchanges": [normaliser.exchange(exchange, when)
                          for when, exchange in scenario_exchanges(evidence)]}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config) or not self.entries:
            return
        existing = rec.load(self.directory) if self.directory.is_dir() else rec.Recording()
        today = dt.date.today()
        for test_id, entry in sorted(self.entries.items()):
            existing.put(test_id, rec.merged_entry(entry, existing.entry(test_id), today))
        rec.save(self.directory, existing, self.redactor)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not is_worker(self.config):
            terminalreporter.section("mock fidelity")
            terminalreporter.write_line(f"recorded {len(self.entries)} test(s) into "
                                        f"{self.directory}")


@dataclass
class ScenarioResult:
    """How one test compared with the recording; made where the test ran."""

    test: str
    status: str  # SAME, DIFFERENT, ONLY_IN_RUN, NOT_RECORDED or SKIPPED
    # The suite's own verdict on this target, before the comparison had its say.
    suite_outcome: str | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)
    excused: list[dict[str, Any]] = field(default_factory=list)
    used: list[int] = field(default_factory=list)  # known differences that excused one

    def to_json(self) -> dict[str, Any]:
        """As the report lists it."""
        data: dict[str, Any] = {"test": self.test, "status": self.status}
        if self.suite_outcome is not None:
            data["suite_outcome"] = self.suite_outcome
        if self.status in (SAME, DIFFERENT):
            data |= {"differences": self.differences, "excused": self.excused}
        return data

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ScenarioResult:
        return cls(**data)


@dataclass
class Following:
    """The comparison of the test running in this process, so far."""

    nodeid: str
    normaliser: Normaliser
    comparison: TestComparison | None
    exchanges: list[Recorded] = field(default_factory=list)  # normalised, in order
    outcomes: dict[str, str] = field(default_factory=dict)  # by phase, before comparing
    differences: list[Difference] = field(default_factory=list)
    excused: list[Excused] = field(default_factory=list)
    compared_call: bool = False

    @property
    def outcome(self) -> str:
        values = set(self.outcomes.values())
        return next((o for o in ("failed", SKIPPED) if o in values), "passed")


class Comparer(Fidelity):
    """`--compare DIR`: each scenario against the recording, failing the tests that differ;
    the report of every scenario where the run is controlled."""

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        super().__init__(config, directory)
        self.known: list[KnownDifference] = []
        self.known_file: Path | None = None
        self.following: Following | None = None
        self.results: dict[str, ScenarioResult] = {}
        self.report: FidelityReport | None = None
        try:
            self.recording = rec.load(directory)
            option = config.getoption("--known-differences")
            default = directory / rec.KNOWN_DIFFERENCES_FILE
            self.known_file = Path(option) if option else (default if default.exists() else None)
            self.known = load_known(self.known_file)
        except (rec.RecordingError, KnownDifferencesError) as exc:
            raise pytest.UsageError(str(exc)) from None

    @property
    def apply_known(self) -> bool:
        """Known differences excuse a mock only, never the real service."""
        return self.target.is_mock

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """--recorded-only: a partial baseline need not wait for tests it says nothing about."""
        if not config.getoption("--recorded-only"):
            return
        keep = [item for item in items if self.recording.entry(item.nodeid) is not None]
        dropped = [item for item in items if self.recording.entry(item.nodeid) is None]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    # Where the test runs ---------------------------------------------------------------

    def check(self, evidence: TestEvidence, report: pytest.TestReport) -> None:
        if not evidence.in_suite:
            return
        if is_generated(evidence):
            if report.when == "teardown":
                evidence.findings[FINDING] = asdict(ScenarioResult(evidence.test_id,
                                                                   NOT_RECORDED))
            return
        following = self._follow(evidence)
        following.outcomes[report.when] = report.outcome
        if report.when in PHASES_AT and following.outcome != SKIPPED:
            self._compare(following, evidence, report)
        if report.when == "teardown":
            evidence.findings[FINDING] = asdict(self._result(following, evidence.test_id))
            self.following = None

    def _follow(self, evidence: TestEvidence) -> Following:
        if self.following is None or self.following.nodeid != evidence.nodeid:
            entry = self.recording.entry(evidence.test_id)
            self.following = Following(evidence.nodeid, Normaliser(self.redactor),
                                       TestComparison(entry) if entry else None)
        following = self.following
        seen = list(scenario_exchanges(evidence))
        following.exchanges += [following.normaliser.exchange(exchange, when)
                                for when, exchange in seen[len(following.exchanges):]]
        return following

    def _compare(self, following: Following, evidence: TestEvidence,
                 report: pytest.TestReport) -> None:
        comparison = following.comparison
        if comparison is None:
            return
        phases: tuple[str, ...] = PHASES_AT[report.when]
        if report.when == "call":
            following.compared_call = True
        elif not following.compared_call:  # setup failed: no call report, compare it all now
            phases = ("setup", "call", "teardown")
        found = comparison.stage(following.exchanges, phases)
        if phases[0] == "setup":  # the first comparison of this test
            found = self._age(comparison.entry) + found
        if self.apply_known:
            found, excused = excuse(self.known, evidence.test_id, found)
            following.excused += excused
        following.differences += found
        if found:
            heading = (f"fidelity: {len(found)} difference(s) from the recording in "
                       f"{self.directory} ({evidence.test_id})")
            _fail(report, render_text(found, comparison.entry["exchanges"], heading))

    def _age(self, entry: rec.Entry) -> list[Difference]:
        limit = self.config.getoption("--max-baseline-age")
        if limit is None:
            return []
        age = rec.age_in_days(entry, dt.date.today())
        if age is None:
            return [Difference(("last_passed",), AGE, note=(
                "the recording has no date on which this test passed on a real target "
                f"({_why_undated(entry)}; --max-baseline-age {limit})"))]
        if age > limit:
            return [Difference(("last_passed",), AGE, recorded=entry["last_passed"], note=(
                f"the recording last passed on {entry.get('target')} on "
                f"{entry['last_passed']}, {age} days ago (--max-baseline-age {limit})"))]
        return []

    def _result(self, following: Following, test: str) -> ScenarioResult:
        if following.outcome == SKIPPED:
            return ScenarioResult(test, SKIPPED)
        if following.comparison is None:
            return ScenarioResult(test, ONLY_IN_RUN, following.outcome)
        return ScenarioResult(
            test, DIFFERENT if following.differences else SAME, following.outcome,
            differences=[d.to_json() for d in following.differences],
            excused=[e.to_json() for e in following.excused],
            used=sorted({e.by.index for e in following.excused}))

    # Where the run is controlled: gather, then write -----------------------------------

    def take(self, evidence: TestEvidence) -> None:
        if FINDING in evidence.findings:
            self.results[evidence.nodeid] = ScenarioResult.from_wire(
                evidence.findings[FINDING])

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config):
            return
        ran = [r for r in self.results.values() if r.status != SKIPPED]
        scenarios = [r.to_json() for r in ran]
        compared = [r.test for r in ran if r.status in (SAME, DIFFERENT)]
        skipped = {r.test for r in self.results.values() if r.status == SKIPPED}
        tested = {r.test for r in ran}
        for scenario in self.recording.scenario_ids():
            if scenario not in tested:
                scenarios.append({"test": scenario, "status": ONLY_IN_RECORDING,
                                  "note": SKIPPED_HERE if scenario in skipped else NOT_RUN})
        used = {i for r in self.results.values() for i in r.used}
        applied = bool(self.known) and self.apply_known
        self.report = FidelityReport(
            recording=str(self.directory), target=self.target.name,
            target_is_mock=self.target.is_mock,
            known_differences=str(self.known_file) if self.known_file else None,
            known_applied=applied, scenarios=scenarios,
            stale=[k.to_json() for k in stale(self.known, compared, used)] if applied else [])
        directory = self.config.getoption("--fidelity-report")
        if directory:
            write(self.report, directory, self.redactor)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if is_worker(self.config) or self.report is None:
            return
        write = terminalreporter.write_line
        terminalreporter.section("mock fidelity")
        counts = self.report.counts()
        write(", ".join(f"{counts[s]} {STATUS_TEXT[s].split(' (')[0]}"
                        for s in (SAME, DIFFERENT, ONLY_IN_RECORDING, ONLY_IN_RUN)))
        self._list(write, DIFFERENT, lambda s: s["status"] == DIFFERENT)
        self._list(write, "skipped here, recorded", lambda s: s["status"] == ONLY_IN_RECORDING
                   and s.get("note") == SKIPPED_HERE)
        not_run = sum(1 for s in self.report.scenarios if s["status"] == ONLY_IN_RECORDING
                      and s.get("note") != SKIPPED_HERE)
        if not_run:
            write(f"  {not_run} recorded scenario(s) were not run in this session")
        for entry in self.report.stale:
            write(f"  stale known difference: {entry['path']} ({entry['reason']})")
        if self.known and not self.report.known_applied:
            write("  known differences not applied: the target is not a mock")
        directory = self.config.getoption("--fidelity-report")
        if directory:
            write(f"report: {Path(directory) / 'fidelity.md'}")

    def _list(self, write: Any, label: str, chosen: Any) -> None:
        assert self.report is not None
        names = sorted(s["test"] for s in self.report.scenarios if chosen(s))
        for name in names[:SUMMARY_LIMIT]:
            write(f"  {label}: {name}")
        if len(names) > SUMMARY_LIMIT:
            write(f"  ... and {len(names) - SUMMARY_LIMIT} more ({label})")


def _why_undated(entry: rec.Entry) -> str:
    if entry.get("partial"):
        return f"{entry.get('target', 'a')} baseline, written by hand"
    if entry.get("mock"):
        return f"recorded on {entry.get('target')}, a mock"
    return f"it never passed on {entry.get('target')}"


def _fail(report: pytest.TestReport, text: str) -> None:
    """Fail the test with the diff; a test that already failed gets the diff as a section."""
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    else:
        report.sections.append(("fidelity", text))
