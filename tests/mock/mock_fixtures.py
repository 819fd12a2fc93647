"""Fixtures of the mock's tests, loaded by each module's `pytest_plugins`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mock.mock_testkit import Api, api_for


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """A default mock shared by one test module; tests make their own iTwins."""
    yield from api_for()
