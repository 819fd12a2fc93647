"""pytest plugin: `--record DIR` writes every suite test's exchanges; `--compare DIR` fails
each test whose exchanges differ from that recording and lists them in a report.

Where the work happens. Exchanges are normalised in the process that runs the test, as
they happen (placeholders are numbered per test, so it does not matter which xdist worker
runs which test, or in what order). Each test's result (its recorded entry, or its
comparison) rides on its teardown report to the controlling process, which alone writes
the recording and the report. So `-n 2` needs no shard files and records the same bytes
as a serial run.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.client import DOWNLOAD, Exchange
from conformance.contract import CREATE_ITWIN, DELETE_ITWIN
from conformance.plugin import SUITE_DIR, add_exchange_listener, get_target
from conformance.targets import Target

from ..redact import Redactor
from ..run_secrets import redactor_for
from . import recording as rec
from .compare import AGE, Difference, TestComparison, render_text
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

RECORD = "record"
COMPARE = "compare"

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
SKIPPED_HERE = "skipped in this run"
NOT_RUN = "not run in this session"
PHASES_AT = {"call": ("setup", "call"), "teardown": ("teardown",)}
SUMMARY_LIMIT = 20
COMPARE_OPTIONS = ("--known-differences", "--max-baseline-age", "--fidelity-report",
                   "--recorded-only")


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
    if record is not None:
        for option in COMPARE_OPTIONS:
            if config.getoption(option) not in (None, False):
                raise pytest.UsageError(f"{option} applies to --compare, not to --record")
        plugin = FidelityPlugin(config, RECORD, Path(record))
    else:
        plugin = FidelityPlugin(config, COMPARE, Path(compare))
    config.pluginmanager.register(plugin, "conformance-fidelity")
    add_exchange_listener(config, plugin.observe)


def in_suite(item: pytest.Item) -> bool:
    return SUITE_DIR in Path(str(item.path)).parents


def is_generated(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(marker) for marker in NOT_RECORDED_MARKERS)


@dataclass
class Capture:
    """What one running test has sent and received so far, and how it compares."""

    nodeid: str
    normaliser: Normaliser
    comparison: TestComparison | None
    keeps_rate_limits: bool = False
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    excused: list[Excused] = field(default_factory=list)
    compared_call: bool = False
    downloaded: set[str] = field(default_factory=set)  # blob paths already recorded

    def repeats_a_download(self, exchange: Exchange) -> bool:
        """A blob fetched again through a link signed anew: the same fact, recorded once
        (whether a target re-signs within a test depends on the clock, not on the API)."""
        if exchange.operation != DOWNLOAD:
            return False
        seen = exchange.path in self.downloaded
        self.downloaded.add(exchange.path)
        return seen

    @property
    def outcome(self) -> str:
        values = set(self.outcomes.values())
        return next((o for o in ("failed", "skipped") if o in values), "passed")


class FidelityPlugin:
    """Records or compares the suite's exchanges; registered only with --record/--compare."""

    def __init__(self, config: pytest.Config, mode: str, directory: Path) -> None:
        self.config = config
        self.mode = mode
        self.directory = directory
        self.is_worker = hasattr(config, "workerinput")
        self.recording = rec.Recording()
        self.known: list[KnownDifference] = []
        self.known_file: Path | None = None
        self.results: dict[str, dict[str, Any]] = {}
        self.report: FidelityReport | None = None
        self.capture: Capture | None = None
        self.phase = "setup"
        self.generated = False  # the running test is a suite test left out by design
        self.recorded_count = 0
        self._target: Target | None = None
        self._redactor: Redactor | None = None
        if mode == COMPARE:
            self._load_comparison()

    def _load_comparison(self) -> None:
        try:
            self.recording = rec.load(self.directory)
            option = self.config.getoption("--known-differences")
            default = self.directory / rec.KNOWN_DIFFERENCES_FILE
            self.known_file = Path(option) if option else (default if default.exists() else None)
            self.known = load_known(self.known_file)
        except (rec.RecordingError, KnownDifferencesError) as exc:
            raise pytest.UsageError(str(exc)) from None

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

    @property
    def apply_known(self) -> bool:
        """Known differences excuse a mock only, never the real service."""
        return self.target.is_mock

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """--recorded-only: a partial baseline need not wait for tests it says nothing about."""
        if self.mode != COMPARE or not config.getoption("--recorded-only"):
            return
        keep = [item for item in items if self.recording.entry(item.nodeid) is not None]
        dropped = [item for item in items if self.recording.entry(item.nodeid) is None]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    # Following a test ----------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.generated = in_suite(item) and is_generated(item)
        self.capture = self._start(item) if in_suite(item) and not self.generated else None
        try:
            return (yield)
        finally:
            self.capture = None

    def _start(self, item: pytest.Item) -> Capture:
        normaliser = Normaliser(self.redactor)
        entry = self.recording.entry(item.nodeid) if self.mode == COMPARE else None
        return Capture(item.nodeid, normaliser, TestComparison(entry) if entry else None,
                       keeps_rate_limits=item.get_closest_marker(RATE_LIMIT_MARKER) is not None)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Any:
        self.phase = "setup"
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self.phase = "call"
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.phase = "teardown"
        return (yield)

    def observe(self, nodeid: str, exchange: Exchange) -> None:
        capture = self.capture
        if capture is None or nodeid != capture.nodeid:
            return
        if exchange.operation in NOT_SCENARIO_OPERATIONS or exchange.preparation:
            return
        if capture.repeats_a_download(exchange):
            return
        if exchange.status == 429 and not capture.keeps_rate_limits:
            return
        capture.exchanges.append(capture.normaliser.exchange(exchange, self.phase))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Any:
        report: pytest.TestReport = yield
        capture = self.capture
        if capture is None:
            if report.when == "teardown" and self.generated and self.mode == COMPARE:
                report.fidelity = {"test": _scenario(item.nodeid),  # type: ignore[attr-defined]
                                   "status": NOT_RECORDED}
            return report
        capture.outcomes[report.when] = report.outcome
        if self.mode == COMPARE and report.when in PHASES_AT and capture.outcome != "skipped":
            self._compare(capture, report)
        if report.when == "teardown":
            report.fidelity = self._result(capture)  # type: ignore[attr-defined]
        return report

    # Comparing -----------------------------------------------------------------------

    def _compare(self, capture: Capture, report: pytest.TestReport) -> None:
        if capture.comparison is None:
            return
        phases: tuple[str, ...] = PHASES_AT[report.when]
        if report.when == "call":
            capture.compared_call = True
        elif not capture.compared_call:  # setup failed: no call report, compare it all now
            phases = ("setup", "call", "teardown")
        found = capture.comparison.stage(capture.exchanges, phases)
        if phases[0] == "setup":  # the first comparison of this test
            found = self._age(capture.comparison.entry) + found
        scenario = _scenario(capture.nodeid)
        if self.apply_known:
            found, excused = excuse(self.known, scenario, found)
            capture.excused += excused
        capture.differences += found
        if found:
            heading = (f"fidelity: {len(found)} difference(s) from the recording in "
                       f"{self.directory} ({scenario})")
            _fail(report, render_text(found, capture.comparison.entry["exchanges"], heading))

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

    def _result(self, capture: Capture) -> dict[str, Any]:
        scenario = _scenario(capture.nodeid)
        if capture.outcome == "skipped":
            return {"test": scenario, "status": "skipped"}
        if self.mode == RECORD:
            return {"test": scenario, "status": "recorded", "entry": {
                "target": self.target.name, "mock": self.target.is_mock,
                "outcome": capture.outcome, "exchanges": capture.exchanges}}
        if capture.comparison is None:
            return {"test": scenario, "status": ONLY_IN_RUN, "suite_outcome": capture.outcome}
        return {
            "test": scenario, "status": DIFFERENT if capture.differences else SAME,
            # The suite's own verdict on this target, before the comparison had its say.
            "suite_outcome": capture.outcome,
            "differences": [d.to_json() for d in capture.differences],
            "excused": [e.to_json() for e in capture.excused],
            "in_scope": [k.index for k in self.known if k.in_scope(scenario)],
            "used": sorted({e.by.index for e in capture.excused}),
        }

    # The controlling process: collect, then write ----------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = getattr(report, "fidelity", None)
        if report.when == "teardown" and isinstance(result, dict):
            self.results[report.nodeid] = result

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        if self.mode == RECORD:
            self._write_recording()
        else:
            self._write_report()

    def _write_recording(self) -> None:
        recorded = {nodeid: r["entry"] for nodeid, r in self.results.items()
                    if r["status"] == "recorded"}
        if not recorded:
            return
        existing = rec.load(self.directory) if self.directory.is_dir() else rec.Recording()
        today = dt.date.today()
        for nodeid, entry in sorted(recorded.items()):
            existing.put(nodeid, rec.merged_entry(entry, existing.entry(nodeid), today))
        rec.save(self.directory, existing, self.redactor)
        self.recorded_count = len(recorded)

    def _write_report(self) -> None:
        scenarios = []
        compared = []
        for result in self.results.values():
            status = result["status"]
            if status == "skipped":
                continue
            scenarios.append({k: v for k, v in result.items() if k not in ("in_scope", "used")})
            if status in (SAME, DIFFERENT):
                compared.append(result["test"])
        ran = {r["test"] for r in self.results.values() if r["status"] != "skipped"}
        skipped = {r["test"] for r in self.results.values() if r["status"] == "skipped"}
        for scenario in self.recording.scenario_ids():
            if scenario not in ran:
                scenarios.append({"test": scenario, "status": ONLY_IN_RECORDING,
                                  "note": SKIPPED_HERE if scenario in skipped else NOT_RUN})
        used = {i for r in self.results.values() for i in r.get("used", [])}
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

    def _list(self, write: Any, label: str, chosen: Any) -> None:
        assert self.report is not None
        names = sorted(s["test"] for s in self.report.scenarios if chosen(s))
        for name in names[:SUMMARY_LIMIT]:
            write(f"  {label}: {name}")
        if len(names) > SUMMARY_LIMIT:
            write(f"  ... and {len(names) - SUMMARY_LIMIT} more ({label})")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        write = terminalreporter.write_line
        if self.mode == RECORD:
            terminalreporter.section("mock fidelity")
            write(f"recorded {self.recorded_count} test(s) into {self.directory}")
            return
        if self.report is None:
            return
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


def _why_undated(entry: rec.Entry) -> str:
    if entry.get("partial"):
        return f"{entry.get('target', 'a')} baseline, written by hand"
    if entry.get("mock"):
        return f"recorded on {entry.get('target')}, a mock"
    return f"it never passed on {entry.get('target')}"


def _scenario(nodeid: str) -> str:
    return rec.scenario_id(*rec.split_nodeid(nodeid))


def _fail(report: pytest.TestReport, text: str) -> None:
    """Fail the test with the diff; a test that already failed gets the diff as a section."""
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    else:
        report.sections.append(("fidelity", text))
