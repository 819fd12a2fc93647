"""Fixtures of the mock's tests, loaded by each module's `pytest_plugins`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.mock import MockSettings, RunningMock, serve_in_thread
from tests.mock.mock_testkit import Api, StartMock, api_for


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """A default mock shared by one test module; tests make their own iTwins."""
    yield from api_for()


@pytest.fixture
def start_mock() -> Iterator[StartMock]:
    """`start(**settings)`: a mock with those settings (broken on purpose, say), stopped
    after the test."""
    started: list[RunningMock] = []

    def start(**settings: Any) -> RunningMock:
        mock = serve_in_thread(MockSettings(**settings))
        started.append(mock)
        return mock

    yield start
    for mock in started:
        mock.stop()
