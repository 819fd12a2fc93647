"""The collector: one pytest plugin that records each test's evidence where the test runs
and hands it to the consumers where the run is reported.

Where the work happens. In the process that runs a test (an xdist worker, or the only
process) the collector follows the test through its phases: each exchange its clients make
(redacted once, as it is observed), each phase's report, the failure, what it spent, and,
for consumers that want them, the uploads beside their thumbnails. Consumers that must act
while the test runs (fidelity's comparison, which can fail the test) `check` it at the end
of each phase. The evidence then rides to the controller on the teardown report, the one
transport (`WIRE`); there the collector reads it back and each consumer `take`s it.

A new output is a consumer: subscribe it in its plugin's `pytest_configure` with
`subscribe(config, consumer)`, and write its file from what `take` gathered.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from ..client import ContractViolation, Exchange, TransportFailure
from ..contract import DETAILS
from ..markers import area_of, in_suite, level_of, test_id
from ..redact import Redactor
from ..run_secrets import redactor_for
from ..session import is_worker, persona_clients, worker_id
from .model import MAX_DETAILS, Failure, Phase, TestEvidence, Traffic
from .pictures import image_pairs, thumbnail_fetcher, unfetched_thumbnails

WIRE = "conformance_evidence"  # the teardown report's attribute that carries the evidence
TEXT_MEDIA = ("json", "text/")  # bodies that are text, and so are redacted
CONTRACT_RULE = ("Every response matches the contract for its operation and status "
                 "(schemas/openapi.json: documented statuses, schema-valid bodies, never a 5xx)")
# The known deviation that excuses a test, set at collection by the known-deviations plugin.
DEVIATION = pytest.StashKey[Any]()
_collector = pytest.StashKey["Collector"]()


class Consumer:
    """What reads the evidence. Override what you need; every method is optional.

    `needs_exchanges` and `needs_images` ask the collector to keep the test's exchanges and
    to make its image previews (both cost time and memory, so only when someone reads them).
    """

    needs_exchanges = False
    needs_images = False

    def check(self, evidence: TestEvidence, report: pytest.TestReport) -> None:
        """Where the test runs, at the end of each phase (`report.when`), with the evidence
        so far; may fail the report, and may leave a finding in `evidence.findings`."""

    def take(self, evidence: TestEvidence) -> None:
        """Where the run is reported, once per test, after its teardown."""


def collector_of(config: pytest.Config) -> Collector:
    """This process's collector, registered as a plugin the first time it is asked for."""
    if _collector not in config.stash:
        collector = Collector(config)
        config.stash[_collector] = collector
        config.pluginmanager.register(collector, "conformance-evidence")
    return config.stash[_collector]


def subscribe(config: pytest.Config, consumer: Consumer) -> None:
    collector_of(config).consumers.append(consumer)


def pytest_configure(config: pytest.Config) -> None:
    collector_of(config)


class Collector:
    """See the module docstring."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.consumers: list[Consumer] = []
        self.evidence: TestEvidence | None = None  # of the test running in this process
        self._item: pytest.Item | None = None
        self._phase: Phase | None = None
        self._raw: list[Exchange] = []  # as made, for fetching what they link to
        self._traffic_at_start = Traffic()
        self._fetched: dict[str, Any] = {}
        self._fetch: Any = None

    @property
    def redactor(self) -> Redactor:
        return redactor_for(self.config)

    @property
    def keeps_exchanges(self) -> bool:
        return any(c.needs_exchanges for c in self.consumers)

    @property
    def makes_images(self) -> bool:
        return any(c.needs_images for c in self.consumers)

    # Where the test runs -------------------------------------------------------------

    def observe(self, exchange: Exchange) -> None:
        """A client observer: the exchange, redacted, joins the running phase."""
        if self._phase is None or not self.keeps_exchanges:
            return
        self._raw.append(exchange)
        self._phase.exchanges.append(redacted(exchange, self.redactor))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None
                                ) -> Iterator[None]:
        self._item = item
        self._traffic_at_start = spent(self.config)
        self._raw, self._fetched = [], {}
        names = tuple(m.name for m in item.iter_markers())
        self.evidence = TestEvidence(item.nodeid, test_id(item), in_suite=in_suite(item),
                                     markers=names, area=area_of(names),
                                     level=level_of(names), worker=worker_id(self.config))
        try:
            return (yield)
        finally:
            self.evidence, self._item, self._phase, self._raw = None, None, None, []

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # before fixtures: their traffic counts
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        return (yield from self._in_phase("setup"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        return (yield from self._in_phase("call"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None
                                ) -> Iterator[None]:
        return (yield from self._in_phase("teardown"))

    def _in_phase(self, when: str) -> Iterator[None]:
        self._phase = Phase(when, "passed")
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report as sent
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        evidence = self.evidence
        if evidence is None or item is not self._item:
            return report
        phase = self._phase if self._phase and self._phase.when == call.when \
            else Phase(call.when, report.outcome)
        evidence.phases.append(phase)
        self._note_failure(evidence, call, report)
        if call.when == "call" and self.makes_images:
            self._fetched = self._fetch_thumbnails(item)
        for consumer in self.consumers:
            consumer.check(evidence, report)
        fill(phase, report, self.redactor)
        if call.when == "teardown":
            self._finish(item, evidence)
            setattr(report, WIRE, evidence.to_wire())
        return report

    def _note_failure(self, evidence: TestEvidence, call: pytest.CallInfo[None],
                      report: pytest.TestReport) -> None:
        """The first failing (or excused) phase's exception says how the test failed."""
        excused = report.skipped and hasattr(report, "wasxfail")
        if call.excinfo is not None and (report.failed or excused) and evidence.failure is None:
            evidence.failure = failure_of(call.excinfo.value)

    def _finish(self, item: pytest.Item, evidence: TestEvidence) -> None:
        evidence.traffic = spent(self.config) - self._traffic_at_start
        evidence.deviation = item.stash.get(DEVIATION, None)
        evidence.rule = CONTRACT_RULE if evidence.failure and \
            evidence.failure.kind == "contract" else rule_of(item)
        if self.makes_images:
            evidence.images = image_pairs(item, evidence.exchanges, self._fetched)

    def _fetch_thumbnails(self, item: pytest.Item) -> dict[str, Any]:
        if self._fetch is None:
            self._fetch, close = thumbnail_fetcher()
            self.config.add_cleanup(close)
        return unfetched_thumbnails(item, self._raw, self._fetch)

    # Where the run is reported -------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)  # before pytest's JUnit writer reads the properties
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        wire = getattr(report, WIRE, None)
        if wire is None or is_worker(self.config):
            return
        delattr(report, WIRE)  # the controller keeps every report; not every exchange
        evidence = TestEvidence.from_wire(wire)
        report.user_properties.extend(junit_properties(evidence.traffic))
        for consumer in self.consumers:
            consumer.take(evidence)


def fill(phase: Phase, report: pytest.TestReport, redactor: Redactor) -> Phase:
    """`phase` as its final report tells it, its texts redacted."""
    phase.outcome = report.outcome
    phase.excused = hasattr(report, "wasxfail")
    phase.duration = float(getattr(report, "duration", 0.0) or 0.0)
    phase.message = redactor.text(one_line(report)) or None
    if phase.verdict in ("failed", "error", "xfailed"):
        phase.details = redactor.text(report.longreprtext)[:MAX_DETAILS]
    return phase


def spent(config: pytest.Config) -> Traffic:
    """What this process's persona clients have spent so far."""
    total = Traffic()
    for client in persona_clients(config):
        stats = client.stats
        total += Traffic(stats.requests, stats.bytes_sent, stats.retries, stats.retry_wait,
                         stats.pace_wait)
    return total


def junit_properties(traffic: Traffic) -> list[tuple[str, int | float]]:
    """A test's traffic as JUnit properties: those that are not zero."""
    return [(key, value) for key, value in traffic.as_dict().items() if value]


def redacted(exchange: Exchange, redactor: Redactor) -> Exchange:
    """`exchange` without secrets: its path, its headers and a text body. A binary body
    (an image) is kept as it came: it is shown only as a preview or a hash."""
    media = next((v for k, v in exchange.response_headers.items()
                  if k.lower() == "content-type"), "").lower()
    body = exchange.response_body
    if body and any(kind in media for kind in TEXT_MEDIA):
        body = redactor.text(body.decode("utf-8", "replace")).encode()
    return dataclasses.replace(
        exchange, path=redactor.text(exchange.path),
        request_headers={k: redactor.text(v) for k, v in exchange.request_headers.items()},
        response_headers={k: redactor.text(v) for k, v in exchange.response_headers.items()},
        response_body=body)


def failure_of(error: BaseException) -> Failure:
    """How a phase failed: a contract violation (with its list), an assertion, no HTTP
    answer (a transport failure), or a crash."""
    if isinstance(error, ContractViolation):
        return Failure("contract", exchange=error.exchange.describe(),
                       violations=tuple(f"{v.path}: {v.message}" for v in error.violations))
    if isinstance(error, AssertionError):
        return Failure("assertion")
    if isinstance(error, TransportFailure):  # no HTTP answer: which kind says where it broke
        return Failure("transport", type=type(error).__name__)
    return Failure("error", type=type(error).__name__)


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


def rule_of(item: Any) -> str | None:
    """The contract rule a test checks: its case's expectation, else the nearest docstring."""
    from .pictures import case_of

    expectation = getattr(case_of(item), "expectation", None)
    if expectation is not None:
        return case_rule(expectation)
    for owner in (getattr(item, "obj", None), getattr(item, "cls", None),
                  getattr(item, "module", None)):
        doc = inspect.getdoc(owner) if owner is not None else None
        if doc:
            return " ".join(doc.split("\n\n", 1)[0].split())
    return None


def case_rule(expectation: Any) -> str:
    """A fixture case's rule as the catalogue states it: why, and which answer it expects
    (the target's profile may narrow an undetermined one)."""
    if expectation.accepted is True:
        expected = "201"
    else:
        expected = " ".join(filter(None, ["/".join(map(str, expectation.statuses)) or "a 4xx",
                                          expectation.code]))
        if expectation.accepted is None:
            expected = f"201 or {expected}"
    rule = f"{expectation.reason}: expects {expected}"
    detail = DETAILS.get(expectation.detail_code or "")
    if detail is not None:
        rule += f" with detail {detail.code} \"{detail.message}\""
    return f"{rule} ({expectation.evidence})"
