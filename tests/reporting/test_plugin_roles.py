"""Under xdist a worker summarises and the controller writes: each stays in its role."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.reporting.collect import SUMMARY_PROPERTY
from conformance.reporting.plugin import ReportPlugin


def fake_config(worker: bool) -> Any:
    config = SimpleNamespace(stash=pytest.Stash(), pluginmanager=SimpleNamespace(
        get_plugin=lambda name: None), invocation_params=SimpleNamespace(dir=Path.cwd()),
        option=SimpleNamespace(xmlpath=None))
    if worker:
        config.workerinput = {}
    return config


def teardown_report() -> pytest.TestReport:
    return pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, "passed", None, "teardown",
                             user_properties=[(SUMMARY_PROPERTY, '{"id": "t.py::t"}')])


class TestWorker:
    def test_writes_nothing(self, tmp_path: Path) -> None:
        plugin = ReportPlugin(fake_config(worker=True), tmp_path)
        plugin.pytest_sessionfinish(SimpleNamespace(exitstatus=0))  # type: ignore[arg-type]
        assert list(tmp_path.iterdir()) == []

    def test_leaves_the_summary_in_the_report_it_sends(self, tmp_path: Path) -> None:
        report = teardown_report()
        ReportPlugin(fake_config(worker=True), tmp_path).pytest_runtest_logreport(report)
        assert [name for name, _ in report.user_properties] == [SUMMARY_PROPERTY]


class TestController:
    def test_takes_the_summary_and_writes_the_three_files_it_owns(self,
                                                                  tmp_path: Path) -> None:
        plugin = ReportPlugin(fake_config(worker=False), tmp_path)
        report = teardown_report()
        plugin.pytest_runtest_logreport(report)
        assert report.user_properties == []
        plugin.pytest_sessionfinish(SimpleNamespace(exitstatus=0))  # type: ignore[arg-type]
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "report.html", "report.json", "summary.md"]  # junit.xml is pytest's to write
