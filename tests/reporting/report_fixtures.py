"""Fixtures of the reporting tests, loaded by each module's `pytest_plugins`.

One end-to-end run serves every test module (and every xdist worker) of a session.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from conformance.files import file_lock

from .report_runs import SELECTION, ReportRun, run_report


def shared_dir(tmp_path_factory: pytest.TempPathFactory, testrun_uid: str) -> Path:
    """A directory every xdist worker of this session shares (the basetemp's parent)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if base.name.startswith("popen-gw") else base
    folder = root / f"report-run-{testrun_uid}"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def report_run(tmp_path_factory: pytest.TempPathFactory, testrun_uid: str) -> ReportRun:
    """The end-to-end run under `-n 2`, made once per session whatever the workers."""
    folder = shared_dir(tmp_path_factory, testrun_uid)
    saved = folder / "run.json"
    with file_lock(folder / "lock"):
        if not saved.exists():
            run = run_report(folder, ["--", "-n", "2", "-k", SELECTION])
            saved.write_text(json.dumps({**asdict(run), "out": str(run.out)}))
    data = json.loads(saved.read_text())
    return ReportRun(**{**data, "out": Path(data["out"])})
