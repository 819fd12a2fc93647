"""The pytest plugin behind `--report DIR` and `--known-deviations FILE`.

Loaded through `pytest_plugins` of `conformance.plugin`, so every run of the suite has the
options. Without them it does nothing: no consumer, no summaries, no cost.

Both are consumers of the run's evidence (`conformance.evidence`). The report writer asks
for the tests' exchanges and image previews, turns each test's evidence into a record where
the run is controlled, and writes the files once, after pytest's JUnit writer has written
its file. Known deviations mark their tests xfail at collection, wherever tests run.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from .. import gate
from ..deviations import Deviation, DeviationBook, DeviationError, load_deviations, today_utc
from ..evidence.collector import DEVIATION, Consumer, subscribe
from ..evidence.model import TestEvidence
from ..markers import test_id
from ..run_secrets import redactor_for
from ..session import get_target, is_worker, loaded_target, run_id_of
from . import html, json, junit, markdown
from .records import Run, TestRecord

JSON_FILE, MARKDOWN_FILE, HTML_FILE = "report.json", "summary.md", "report.html"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance-reports", "conformance reports")
    group.addoption("--report", metavar="DIR", default=None,
                    help="write junit.xml, report.json, summary.md and report.html into DIR")
    group.addoption("--known-deviations", metavar="FILE", default=None,
                    help="TOML file of tests expected to fail on a target, each with a "
                         "reason, a link and an expiry date (see docs/ci.md)")


@pytest.hookimpl(tryfirst=True)  # before pytest's junitxml reads --junitxml
def pytest_configure(config: pytest.Config) -> None:
    deviations_file = config.getoption("--known-deviations")
    if deviations_file:
        try:
            entries = load_deviations(Path(config.invocation_params.dir, deviations_file))
        except DeviationError as exc:
            raise pytest.UsageError(str(exc)) from None
        deviations = KnownDeviations(config, entries)
        config.pluginmanager.register(deviations, "conformance-deviations")
        subscribe(config, deviations)
    report_dir = config.getoption("--report")
    if report_dir:
        directory = Path(config.invocation_params.dir, report_dir).resolve()
        if not is_worker(config):
            _prepare(directory)
            junit.claim(config, directory)
        writer = ReportWriter(config, directory)
        config.pluginmanager.register(writer, "conformance-reports")
        subscribe(config, writer)


def _prepare(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(f"--report {directory}: cannot create it ({exc})") from None


class KnownDeviations(Consumer):
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
                target = loaded_target(self.config) or get_target(self.config)
                name = target.name
            self._book = DeviationBook(tuple(self.entries), name, today_utc())
        return self._book

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            entry = self.book.for_test(test_id(item))
            if entry is None:
                continue
            item.stash[DEVIATION] = entry
            # Only a broken rule (an AssertionError, ContractViolation included) is excused;
            # a crash in the test still fails. Not strict: a pass is reported, not failed.
            item.add_marker(pytest.mark.xfail(reason=entry.xfail_reason(), strict=False,
                                              raises=AssertionError))

    def take(self, evidence: TestEvidence) -> None:
        call = evidence.phase("call")
        if evidence.deviation and call is not None and call.outcome == "passed" \
                and call.excused:
            self.now_passing.append(evidence.nodeid)

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


class ReportWriter(Consumer):
    """Records of the tests and the four files, where the run is controlled."""

    needs_exchanges = True
    needs_images = True

    def __init__(self, config: pytest.Config, directory: Path) -> None:
        self.config = config
        self.directory = directory
        self.records: dict[str, TestRecord] = {}
        self.started = time.time()

    def pytest_sessionstart(self) -> None:
        self.started = time.time()

    def take(self, evidence: TestEvidence) -> None:
        self.records[evidence.nodeid] = TestRecord.of(evidence)

    @pytest.hookimpl(trylast=True)  # after pytest's JUnit writer has written its file
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if is_worker(self.config):
            return
        redactor = redactor_for(self.config)
        run = self.run(int(session.exitstatus))
        junit.finish(self.config, self.directory, redactor)
        for name, text in ((JSON_FILE, json.render(run)), (MARKDOWN_FILE, markdown.render(run)),
                           (HTML_FILE, html.render(run))):
            (self.directory / name).write_text(redactor.text(text), encoding="utf-8")

    def run(self, exit_status: int) -> Run:
        target = loaded_target(self.config)
        deviations = self.config.pluginmanager.get_plugin("conformance-deviations")
        records = sorted(self.records.values(), key=lambda record: record.test_id)
        expired = list(deviations.book.expired) if deviations else []
        unused = (deviations.book.unused([r.test_id for r in records]) if deviations else [])
        stopped_at, why = gate.why_of(self.config)
        return Run(records=records, target_name=target.name if target else None,
                   target_url=target.base_url if target else None,
                   stopped_at=stopped_at, why=why, run_id=run_id_of(self.config),
                   started=dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(
                       timespec="seconds"),
                   duration=time.time() - self.started, exit_status=exit_status,
                   expired=expired, unused=unused)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not is_worker(self.config):
            terminalreporter.write_sep("-", f"conformance reports in {self.directory}")
