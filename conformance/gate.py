"""The run as a gate: what decides whether it may pass, and what it says about itself.

A release gate that passes on nothing says ship. So, in the process that controls the run
(the only one that sees every test's report, also under xdist):

- **Stops before any test.** A target file that cannot be used, or a preflight that found
  problems (`conformance.preflight`): nothing is collected or run, each problem is one line,
  the exit status says configuration (2) or unreachable (3), and the reports say "not run"
  and why. Under xdist no worker is even started.
- **Stops mid-run** after `TRANSPORT_STOP` tests in a row failed without a complete HTTP
  answer (NO_ANSWER): the target has gone away, exit 3. One such failure only fails its
  test.
- **Never passes on nothing.** A run in scope of the suite where no test body executed (all
  skipped or deselected) exits "nothing tested" (4); so does one where an area named by
  `--require-area` executed no test.
- **Explains itself.** The target is named at the start, skips are listed by reason (with
  the tests) at the end.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .client import RequestFailed, RequestTooSlow, TargetUnreachable
from .contract import Evidence
from .exitcodes import PYTEST_NOTHING_TESTED, PYTEST_UNREACHABLE
from .preflight import Preflight
from .targets import Target

# Tests in a row (in the order their reports arrive) that failed without a complete answer
# before the run stops as "target unreachable". One or two are a flaky network or a
# gateway cutting one request; five in a row, across tests, is a target that has gone.
TRANSPORT_STOP = 5
# No answer: no connection, a connection cut or broken, or no complete answer in time (a
# target that accepts connections and then says nothing ends in RequestTooSlow).
NO_ANSWER = (TargetUnreachable, RequestFailed, RequestTooSlow)
# How a failure's crash line starts for each, as pytest writes it (module.Class: message).
_NO_ANSWER_PREFIXES = tuple(f"{kind.__module__}.{kind.__qualname__}: " for kind in NO_ANSWER)
SKIPS_SHOWN = 10  # test names per skip reason in the terminal
NOT_RUN = "not run"
_gate = pytest.StashKey["Gate"]()


@dataclass(frozen=True)
class Stop:
    """Why the run stopped early: where, the pytest exit status, one line per problem."""

    at: str  # "configuration", "preflight" (before any test) or "mid-run"
    status: int
    lines: tuple[str, ...]

    @property
    def before_start(self) -> bool:
        return self.at != "mid-run"


@dataclass
class Tally:
    """What the controller saw of the tests, from their reports."""

    executed: int = 0  # conformance tests whose body ran
    executed_other: int = 0  # other tests (the project's own) whose body ran
    seen: int = 0  # conformance tests reported at all
    by_area: Counter[str] = field(default_factory=Counter)  # executed, per area
    skips: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def gate_of(config: pytest.Config) -> Gate | None:
    return config.stash.get(_gate, None)


def why_of(config: pytest.Config) -> tuple[str | None, list[str]]:
    """(where the run stopped, or None; the lines that explain its verdict) for reports."""
    gate = gate_of(config)
    if gate is None:
        return None, []
    return (gate.stop.at if gate.stop else None), gate.why()


def install(config: pytest.Config, areas: dict[str, str], suite_dir: Path,
            get_target: Callable[[pytest.Config], Target]) -> Gate:
    """Register the gate in the controlling process, checking --require-area against
    `areas` (a usage error names the closest area). `get_target` loads the target (and
    starts the embedded mock if none was given)."""
    required = tuple(dict.fromkeys(
        a.strip() for value in config.getoption("--require-area") or []
        for a in value.split(",") if a.strip()))
    for area in required:
        if area not in areas:
            close = difflib.get_close_matches(area, list(areas), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise pytest.UsageError(f"--require-area {area}: no such area{hint}; areas: "
                                    f"{', '.join(areas)}")
    gate = Gate(config, required, tuple(areas), suite_dir, get_target)
    config.stash[_gate] = gate
    config.pluginmanager.register(gate, "conformance-gate")
    return gate


def skip_reason(report: Any) -> str:
    """The reason a skip report gives (pytest keeps it as (path, line, "Skipped: ...")."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(getattr(report, "longreprtext", "") or "(no reason given)").strip()


def is_transport_failure(report: Any) -> bool:
    """A failed report whose exception is one of NO_ANSWER: read from the crash line, which
    crosses from an xdist worker like the rest of the report."""
    crash = getattr(report.longrepr, "reprcrash", None)
    return bool(report.failed and crash is not None
                and str(crash.message).startswith(_NO_ANSWER_PREFIXES))


class Gate:
    """The controller's view of the run; see the module docstring."""

    def __init__(self, config: pytest.Config, required: tuple[str, ...],
                 areas: tuple[str, ...], suite_dir: Path,
                 get_target: Callable[[pytest.Config], Target]) -> None:
        self.config = config
        self.required = required
        self.areas = areas
        self.suite_dir = suite_dir
        self._get_target = get_target
        self.stop: Stop | None = None
        self.shortfall: list[str] = []  # why the run tested too little
        self.tally = Tally()
        self.target: Target | None = None
        self.preflight: Preflight | None = None
        self._streak: list[str] = []
        self._counted: set[str] = set()
        self._session: pytest.Session | None = None

    # Stops before the start --------------------------------------------------------

    def stop_before_start(self, at: str, status: int, lines: list[str]) -> None:
        """Nothing will be collected or run; xdist starts no workers."""
        split = [part.strip() for line in lines for part in line.splitlines() if part.strip()]
        self.stop = Stop(at, status, tuple(split))
        self.config.option.dist = "no"  # read by xdist's configure, which runs after ours
        self.config.option.tx = []

    def checked(self, result: Preflight) -> None:
        self.preflight = result
        if result.problems:
            status = PYTEST_UNREACHABLE if result.unreachable else pytest.ExitCode.USAGE_ERROR
            where = f"preflight of {result.target.name} ({result.target.base_url})"
            self.stop_before_start("preflight", int(status),
                                   [f"{where}: {p.line}" for p in result.problems])

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self) -> bool | None:
        """After the header: the target, and why nothing will run if so. True (collect
        nothing) for a run stopped before the start."""
        self._say_target()
        if self.stop is None:
            return None
        for line in self.stop.lines:
            sys.stderr.write(f"itwin-conformance: {NOT_RUN}: {line}\n")
        sys.stderr.flush()
        return True

    def _say_target(self) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None or self.config.get_verbosity() < -1:
            return
        if self.target is None and self.stop is None and self._in_scope():
            self.target = self._get_target(self.config)  # the embedded mock, started here
        if self.target is None:
            return
        t = self.target
        kind = "a mock, with its control API" if t.is_mock else "not a mock"
        writes = "destructive = true" if t.destructive else "read-only: destructive = false"
        terminal.write_line(f"conformance target: {t.name} at {t.base_url} ({kind}; {writes})")
        if self.preflight is not None and not self.preflight.problems:
            terminal.write_line(f"preflight: {len(self.preflight.checked)} checks passed")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self) -> bool | None:
        return True if self.stop is not None else None  # True: run nothing

    # What the tests did ------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        conformance = any(level in report.keywords for level in Evidence)
        if conformance and report.when == "setup":
            self.tally.seen += 1
        if report.skipped and not hasattr(report, "wasxfail"):
            if conformance:
                self.tally.skips[skip_reason(report)].append(report.nodeid)
        elif report.when == "call":
            if conformance:
                self.tally.executed += 1
                area = next((a for a in self.areas if a in report.keywords), None)
                if area:
                    self.tally.by_area[area] += 1
            else:
                self.tally.executed_other += 1
        self._count_transport(report)

    def _count_transport(self, report: pytest.TestReport) -> None:
        if report.nodeid in self._counted or self.stop is not None:
            return
        if is_transport_failure(report):
            self._counted.add(report.nodeid)
            self._streak.append(report.nodeid)
        elif report.when == "call" and not report.skipped:
            self._streak = []  # this test got its answers (or failed on something else)
        if len(self._streak) >= TRANSPORT_STOP:
            self._stop_mid_run(report)

    def _stop_mid_run(self, report: pytest.TestReport) -> None:
        crash = getattr(report.longrepr, "reprcrash", None)
        last = str(crash.message).split("\n", 1)[0] if crash is not None else ""
        line = (f"target unreachable: {TRANSPORT_STOP} tests in a row failed without a "
                f"complete HTTP answer (last: {last.removeprefix('conformance.client.')})")
        self.stop = Stop("mid-run", PYTEST_UNREACHABLE, (line,))
        if self._session is not None:
            self._session.shouldstop = line  # checked after each test when serial
        dsession = self.config.pluginmanager.get_plugin("dsession")
        if dsession is not None:  # xdist's controller: shuts the workers down
            dsession.shouldstop = line

    # The verdict -------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)  # before the reports are written (trylast)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.stop is not None:
            session.exitstatus = self.stop.status
            return
        self.shortfall = self._shortfall()
        if self.shortfall and session.exitstatus in (pytest.ExitCode.OK,
                                                     pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = PYTEST_NOTHING_TESTED

    def _shortfall(self) -> list[str]:
        tally = self.tally
        if self.config.option.collectonly:
            return []  # asked to list the tests, not to run them
        if not (tally.seen or self._in_scope()):
            return []  # not a run of the suite (the project's own tests, say)
        lines = []
        if tally.executed == 0 and tally.executed_other == 0:
            skipped = sum(len(ids) for ids in tally.skips.values())
            reasons = "; ".join(f"{len(ids)} {reason}" for reason, ids in
                                sorted(tally.skips.items(), key=lambda kv: -len(kv[1]))[:3])
            detail = f"{skipped} skipped: {reasons}" if skipped else "none selected"
            lines.append(f"nothing tested: no conformance test executed ({detail})")
        for area in self.required:
            if tally.by_area[area] == 0:
                lines.append(f"nothing tested in area {area} (--require-area {area}): no "
                             "test of it executed")
        return lines

    def _in_scope(self) -> bool:
        """Whether the run's paths include the suite (or lie inside it)."""
        suite = self.suite_dir
        for arg in self.config.args:
            path = Path(self.config.invocation_params.dir, arg.split("::")[0]).resolve()
            if path == suite or suite in path.parents or path in suite.parents:
                return True
        return False

    def why(self) -> list[str]:
        """The lines that explain a verdict other than pass or fail."""
        return list(self.stop.lines) if self.stop else list(self.shortfall)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.tally.skips:
            terminalreporter.section("conformance skips by reason")
            for reason, ids in sorted(self.tally.skips.items(), key=lambda kv: -len(kv[1])):
                terminalreporter.write_line(f"{len(ids)} skipped: {reason}")
                for nodeid in ids[:SKIPS_SHOWN]:
                    terminalreporter.write_line(f"    {nodeid}")
                if len(ids) > SKIPS_SHOWN:
                    terminalreporter.write_line(f"    ... and {len(ids) - SKIPS_SHOWN} more")
        if self.shortfall or (self.stop and not self.stop.before_start):
            terminalreporter.section("conformance verdict")
            for line in self.why():
                terminalreporter.write_line(line, red=True)
