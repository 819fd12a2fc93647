"""Under xdist a worker records and the controller writes: each stays in its role."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.evidence.model import Phase, TestEvidence
from conformance.reporting.plugin import ReportWriter


def fake_config(worker: bool) -> Any:
    config = SimpleNamespace(stash=pytest.Stash(), pluginmanager=SimpleNamespace(
        get_plugin=lambda name: None), invocation_params=SimpleNamespace(dir=Path.cwd()),
        option=SimpleNamespace(xmlpath=None))
    if worker:
        config.workerinput = {}
    return config


class TestWorker:
    def test_writes_nothing(self, tmp_path: Path) -> None:
        writer = ReportWriter(fake_config(worker=True), tmp_path)
        writer.pytest_sessionfinish(SimpleNamespace(exitstatus=0))  # type: ignore[arg-type]
        assert list(tmp_path.iterdir()) == []

    def test_asks_for_what_only_the_worker_has(self, tmp_path: Path) -> None:
        writer = ReportWriter(fake_config(worker=True), tmp_path)
        assert writer.needs_exchanges and writer.needs_images


class TestController:
    def test_writes_the_three_files_it_owns_from_what_it_took(self, tmp_path: Path) -> None:
        writer = ReportWriter(fake_config(worker=False), tmp_path)
        writer.take(TestEvidence("conformance/suite/t.py::t", "t.py::t",
                                 phases=[Phase("call", "passed")]))
        writer.pytest_sessionfinish(SimpleNamespace(exitstatus=0))  # type: ignore[arg-type]
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "report.html", "report.json", "summary.md"]  # junit.xml is pytest's to write
        assert '"id": "t.py::t"' in (tmp_path / "report.json").read_text()
