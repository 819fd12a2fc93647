"""The pytest plugin behind `--report DIR` and `--known-deviations FILE`.

Loaded through `pytest_plugins` of `conformance.plugin`, so every run of the suite has the
options. Without them it does nothing: no listener, no summaries, no cost.

Roles under xdist: each process that runs tests (a worker, or the only process) collects
its tests' exchanges and attaches a redacted summary to each teardown report; the
controller (or the only process) folds the reports into records and writes the files once,
after pytest's JUnit writer has written its file.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from .. import gate
from .. import plugin as core
from ..run_secrets import redactor_for
from . import html, json, junit, markdown
from .collect import (
    SUMMARY_PROPERTY,
    ExchangeLog,
    encode,
    failure_of,
    suite_test_id,
    summarise,
    unfetched_thumbnails,
)
from .deviations import Deviation, DeviationBook, DeviationError, load_deviations, today_utc
from .records import RecordBook, Run

JSON_FILE, MARKDOWN_FILE, HTML_FILE = "report.json", "summary.md", "report.html"
DEVIATION_PREFIX = "known deviation: "
_failure = pytest.StashKey[dict[str, Any]]()
_deviation = pytest.StashKey[Deviation]()
_fetched = pytest.StashKey[dict[str, dict[str, str | None]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance-reports", "conformance reports")
    group.addoption("--report", metavar="DIR", default=None,
                    help="write junit.xml, report.json, summary.md and report.html into DIR")
    group.addoption("--known-deviations", metavar="FILE", default=None,
                    help="TOML file of tests expected to fail on a target, each with a "
                         "reason, a link and an expiry date (see docs/ci.md)")


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)  # before pytest's junitxml reads --junitxml
def pytest_configure(config: pytest.Config) -> None:
    deviations_file = config.getoption("--known-deviations")
    if deviations_file:
        try:
            entries = load_deviations(Path(config.invocation_params.dir, deviations_file))
        except DeviationError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.pluginmanager.register(DeviationPlugin(config, entries), "conformance-deviations")
    report_dir = config.getoption("--report")
    if report_dir:
        directory = Path(config.invocation_params.dir, report_dir).resolve()
        if not is_worker(config):
            _prepare(directory)
            junit.claim(config, directory)
        config.pluginmanager.register(ReportPlugin(config, directory), "conformance-reports")


def _prepare(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(f"--report {directory}: cannot create it ({exc})") from None




class DeviationPlugin:
    """Known deviations: xfail for active entries, a failed run for expired ones."""

    def __init__(self, config: pytest.Config, entries: list[Deviation]) -> None:
        self.config = config
        self.entries = entries
        self._book: DeviationBook | None = None
        self.now_passing: list[str] = []

    @property
    def book(self) -> DeviationBook:
        """Entries for this target; the target is read only if an entry names one."""
        if self._book is None:
            name = None
            if any(entry.target for entry in self.entries):
                target = core.loaded_target(self.config) or core.get_target(self.config)
                name = target.name
            self._book = DeviationBook(tuple(self.entries), name, today_utc())
        return self._book

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            entry = self.book.for_test(suite_test_id(item))
            if entry is None:
                continue
            item.stash[_deviation] = entry
            # Only a broken rule (an AssertionError, ContractViolation included) is excused;
            # a crash in the test still fails. Not strict: a pass is reported, not failed.
            item.add_marker(pytest.mark.xfail(reason=entry.xfail_reason(), strict=False,
                                              raises=AssertionError))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if is_worker(self.config):
            return
        reason = str(getattr(report, "wasxfail", ""))
        if report.when == "call" and report.passed and reason.startswith(DEVIATION_PREFIX):
            self.now_passing.append(report.nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not is_worker(self.config) and self.book.expired and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not (self.book.expired or self.now_passing):
            return
        terminalreporter.section("known deviations")
        for entry in self.book.expired:
            terminalreporter.write_line(
                f"EXPIRED {entry.expires}: {entry.test} ({entry.link}); the run fails until "
                "it is fixed, renewed or removed", red=True)
        for nodeid in self.now_passing:
            terminalreporter.write_line(f"NOW PASSES (remove its entry): {nodeid}", yellow=True)


class ReportPlugin:
    """Summaries where tests run; records and the four files where the run is controlled."""

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        self.config = config
        self.directory = directory
        self.log = ExchangeLog()
        self.book = RecordBook(redactor_for(config))
        self.started = time.time()
        core.add_exchange_listener(config, self.log)

    def pytest_sessionstart(self) -> None:
        self.started = time.time()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Any:
        report = yield
        excused = report.skipped and hasattr(report, "wasxfail")
        if call.excinfo is not None and (report.failed or excused) and _failure not in item.stash:
            item.stash[_failure] = failure_of(call.excinfo)
        if call.when == "call":
            item.stash[_fetched] = unfetched_thumbnails(item, self.log.peek(item.nodeid))
        if call.when == "teardown":
            summary = self._summary(item)
            report.user_properties.append((SUMMARY_PROPERTY, encode(summary)))
        return report

    def _summary(self, item: pytest.Item) -> dict[str, Any]:
        entry = item.stash.get(_deviation, None)
        return summarise(item, self.log.take(item.nodeid), item.stash.get(_failure, None),
                         entry.as_dict() if entry else None, redactor_for(self.config),
                         item.stash.get(_fetched, None))

    @pytest.hookimpl(tryfirst=True)  # take our summary out before the JUnit writer sees it
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not is_worker(self.config):
            self.book.add(report)

    @pytest.hookimpl(trylast=True)  # after pytest's JUnit writer has written its file
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config):
            return
        redactor = redactor_for(self.config)
        run = self._run(int(session.exitstatus))
        junit.finish(self.config, self.directory, redactor)
        for name, text in ((JSON_FILE, json.render(run)), (MARKDOWN_FILE, markdown.render(run)),
                           (HTML_FILE, html.render(run))):
            (self.directory / name).write_text(redactor.text(text), encoding="utf-8")

    def _run(self, exit_status: int) -> Run:
        target = core.loaded_target(self.config)
        deviations = self.config.pluginmanager.get_plugin("conformance-deviations")
        records = self.book.records()
        expired = list(deviations.book.expired) if deviations else []
        unused = (deviations.book.unused([r.test_id for r in records]) if deviations else [])
        stopped_at, why = gate.why_of(self.config)
        return Run(records=records, target_name=target.name if target else None,
                   target_url=target.base_url if target else None,
                   stopped_at=stopped_at, why=why,
                   run_id=core.run_id_of(self.config),
                   started=dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(
                       timespec="seconds"),
                   duration=time.time() - self.started, exit_status=exit_status,
                   expired=expired, unused=unused)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not is_worker(self.config):
            terminalreporter.write_sep("-", f"conformance reports in {self.directory}")
