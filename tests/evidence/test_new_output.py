"""A new output is one consumer: a plugin of thirty lines that subscribes to the collector
gets every test's exchanges, under xdist as serially, without touching the suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mock.mock_testkit import StartMock
from tests.suite.suite_runs import run_pytest

pytest_plugins = ["tests.mock.mock_fixtures"]

SELECTION = ("test_lifecycle.py::TestDelete", "test_auth.py::TestHeader")


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
def test_a_har_consumer_sees_every_exchange_of_the_run(workers: int, start_mock: StartMock,
                                                       tmp_path: Path) -> None:
    mock = start_mock()
    target = tmp_path / "target.toml"
    mock.write_target(target)
    har = tmp_path / "run.har"
    run = run_pytest(SELECTION, "-p", "tests.evidence.har_probe", f"--har={har}",
                     junit=tmp_path / "junit.xml", target=target, workers=workers)
    assert run.returncode == 0 and run.passed, run.output
    entries = json.loads(har.read_text())["log"]["entries"]
    assert {e["test"] for e in entries} == run.passed  # every test, by its suite test id
    assert {e["phase"] for e in entries} >= {"setup", "call"}
    deletes = [e for e in entries if e["test"].startswith("test_lifecycle.py::TestDelete::")
               and e["request"]["method"] == "DELETE" and e["phase"] == "call"]
    assert deletes and all(e["response"]["status"] in (204, 404) for e in deletes)
