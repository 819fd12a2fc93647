"""A new output as one small consumer of the run's evidence: every exchange of the run as a
HAR-like JSON file (`-p tests.evidence.har_probe --har FILE`). Used by test_new_output.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.evidence.collector import Consumer, subscribe
from conformance.evidence.model import TestEvidence
from conformance.session import is_worker


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--har", metavar="FILE", default=None)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--har"):
        har = Har(config)
        subscribe(config, har)
        config.pluginmanager.register(har, "har-probe")


class Har(Consumer):
    needs_exchanges = True

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.entries: list[dict[str, Any]] = []

    def take(self, evidence: TestEvidence) -> None:
        self.entries += [{"test": evidence.test_id, "phase": when,
                          "request": {"method": e.method, "url": e.path},
                          "response": {"status": e.status, "bodySize": len(e.response_body)}}
                         for when, e in evidence.exchanges_by_phase()]

    def pytest_sessionfinish(self) -> None:
        if not is_worker(self.config):
            Path(self.config.getoption("--har")).write_text(
                json.dumps({"log": {"version": "1.2", "entries": self.entries}}))
