"""Fixtures shared by the image tests."""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.images import build_bytes, case, ensure_fixtures
from conformance.images.manifest import entry


@pytest.fixture(scope="session")
def built_dir() -> Path:
    """The fixture directory the suite uses, built (or found warm) once per process."""
    return ensure_fixtures()


@pytest.fixture(scope="session")
def fresh_record() -> Callable[[str], dict[str, Any]]:
    """The manifest record of a case built afresh in memory, once per case and process."""
    return functools.cache(lambda name: entry(case(name), build_bytes(case(name))))
