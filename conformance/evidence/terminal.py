"""The run summed up on the terminal, from the evidence: tests by evidence level, and what
the run spent by area (requests, bytes sent, 429s waited out)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ..contract import EVIDENCE_LEVELS
from ..session import is_worker
from .collector import Consumer, subscribe
from .model import TestEvidence, traffic_by_area

COUNTED = ("passed", "failed", "skipped")
THROTTLED = "throttled: "  # how plugin.py fails a test whose 429s outlast every retry


def pytest_configure(config: pytest.Config) -> None:
    if not is_worker(config):
        summary = TerminalSummary()
        subscribe(config, summary)
        config.pluginmanager.register(summary, "conformance-terminal")


class TerminalSummary(Consumer):
    def __init__(self) -> None:
        self.tests: list[TestEvidence] = []

    def take(self, evidence: TestEvidence) -> None:
        self.tests.append(evidence)

    def by_level(self) -> Counter[tuple[str, str]]:
        """(level, outcome) -> tests; a test counts once, by its setup if that did not pass,
        else by its call."""
        counts: Counter[tuple[str, str]] = Counter()
        for test in self.tests:
            for phase in test.phases:
                if test.level is None or phase.when not in ("setup", "call"):
                    continue
                if phase.outcome == "passed" and phase.when != "call":
                    continue
                counts[(test.level, phase.outcome)] += 1
        return counts

    @pytest.hookimpl(trylast=True)  # the run's totals close the summary
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        counts = self.by_level()
        if not counts:
            return
        terminalreporter.section("conformance by evidence level")
        for level in EVIDENCE_LEVELS:
            row = ", ".join(f"{counts[(level, o)]} {o}" for o in COUNTED)
            terminalreporter.write_line(f"{level:>13}: {row}")
        self._write_traffic(terminalreporter)

    def _write_traffic(self, terminalreporter: Any) -> None:
        spent = traffic_by_area(self.tests)
        if not any(t.requests or t.retries for t in spent.values()):
            return
        terminalreporter.section("conformance traffic")
        for area, row in spent.items():
            if not (row.requests or row.bytes_sent or row.retries or row.retry_wait):
                continue
            line = f"{area:>13}: {row.requests} requests, {row.bytes_sent / 1e6:.1f} MB sent"
            if row.retries:
                line += f", 429s waited out: {row.retries} ({row.retry_wait:.1f} s)"
            terminalreporter.write_line(line)
        throttled = [t for t in self.tests if any(
            p.outcome == "failed" and THROTTLED in (p.details or "") for p in t.phases)]
        if throttled:
            terminalreporter.write_line(f"throttled (429 past every retry): {len(throttled)} "
                                        "tests failed", red=True)
