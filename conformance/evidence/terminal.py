"""The run summed up on the terminal, from the evidence: tests by evidence level, and what
the run spent by area (requests, bytes sent, 429s waited out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from ..contract import Evidence
from ..session import is_worker
from .collector import Consumer, subscribe
from .model import TestEvidence, Traffic, traffic_by_area

COUNTED = ("passed", "failed", "skipped")
THROTTLED = "throttled: "  # how plugin.py fails a test whose 429s outlast every retry


def pytest_configure(config: pytest.Config) -> None:
    if not is_worker(config):
        summary = TerminalSummary()
        subscribe(config, summary)
        config.pluginmanager.register(summary, "conformance-terminal")


@dataclass(frozen=True)
class Spent:
    area: str | None
    traffic: Traffic


class TerminalSummary(Consumer):
    """Keeps of each test only what it prints: not its exchanges."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()  # (level, outcome) -> tests
        self.spent: list[Spent] = []
        self.throttled = 0

    def take(self, evidence: TestEvidence) -> None:
        self.counts.update(by_level(evidence))
        self.spent.append(Spent(evidence.area, evidence.traffic))
        self.throttled += any(p.outcome == "failed" and THROTTLED in (p.details or "")
                              for p in evidence.phases)

    @pytest.hookimpl(trylast=True)  # the run's totals close the summary
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.counts:
            return
        terminalreporter.section("conformance by evidence level")
        for level in Evidence:
            row = ", ".join(f"{self.counts[(level.value, o)]} {o}" for o in COUNTED)
            terminalreporter.write_line(f"{level.value:>13}: {row}")
        self._write_traffic(terminalreporter)

    def _write_traffic(self, terminalreporter: Any) -> None:
        spent = traffic_by_area(self.spent)
        if not any(t.requests or t.retries for t in spent.values()):
            return
        terminalreporter.section("conformance traffic")
        for area, row in spent.items():
            if not (row.requests or row.bytes_sent or row.retries or row.retry_wait):
                continue
            line = f"{area:>13}: {row.requests} requests, {row.bytes_sent / 1e6:.1f} MB sent"
            if row.retries:
                line += f", 429s waited out: {row.retries} ({row.retry_wait:.1f} s)"
            if row.pace_wait:
                line += f", paced: {row.pace_wait:.1f} s waited"
            terminalreporter.write_line(line)
        if self.throttled:
            terminalreporter.write_line(f"throttled (429 past every retry): {self.throttled} "
                                        "tests failed", red=True)


def by_level(test: TestEvidence) -> Counter[tuple[str, str]]:
    """(level, outcome) -> 1 for a test of a level, in pytest's own terms: passed or failed by
    its call, skipped in setup or call. Errors (a failing setup), xfailed and xpassed are
    pytest's other words, and its summary line counts them."""
    counts: Counter[tuple[str, str]] = Counter()
    for phase in test.phases:
        if test.level is None or phase.excused or phase.when not in ("setup", "call"):
            continue
        if phase.when == "setup" and phase.outcome != "skipped":
            continue
        counts[(test.level, phase.outcome)] += 1
    return counts
