"""Fixtures of the fidelity tests, loaded by each module's `pytest_plugins`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.mock import RunningMock, serve_in_thread
from tests.fidelity.fidelity_testkit import (
    SELECTION,
    Recorded,
    WriteTarget,
    run_suite,
    target_text,
)

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock


@pytest.fixture
def write_target(tmp_path: Path) -> WriteTarget:
    """`write(mock, name, as_real=False)`: the mock's target file in tmp_path."""
    def write(mock: RunningMock, name: str = "target.toml", *, as_real: bool = False) -> Path:
        path = tmp_path / name
        path.write_text(target_text(mock, as_real=as_real))
        return path
    return write


@pytest.fixture(scope="session")
def recorded_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """Recorded once per session: the tests that only read the recording share it."""
    base = tmp_path_factory.mktemp("recorded-mock")
    mock = serve_in_thread()
    target = base / "target.toml"
    target.write_text(target_text(mock))
    run = run_suite(target, SELECTION, f"--record={base / 'recording'}",
                    junit=base / "junit.xml")
    assert run.returncode == 0, run.output
    yield Recorded(mock, target, base / "recording", run)
    mock.stop()
