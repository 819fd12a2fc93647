"""The suite's tests as pytest sees them: where they live, what they are called, and the
markers that classify them (an area, an evidence level, and when they may run).

Everything that names a test (reports, recordings, known deviations, known differences)
uses `test_id`, so an id is the same however the suite was started (`itwin-conformance
run`, whose rootdir is the suite, or `pytest conformance/suite` from the repository).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .contract import Evidence

SUITE_DIR = Path(__file__).resolve().parent / "suite"
AREAS = {
    "images": "uploads of every fixture case",
    "auth": "authentication failures",
    "permissions": "what each persona may do",
    "lifecycle": "upload, read, replace and delete",
    "fuzz": "generated requests and property tests",
    "ratelimit": "429 handling",
}
OTHER_MARKERS = {
    "mock_only": "steers the mock through its control API; skipped on other targets",
    "destructive": "creates or deletes; runs only where the target says destructive = true",
}
EVIDENCE_HELP = {
    "documented": "asserts what Bentley's API reference states",
    "observed": "asserts what the real service was seen to do",
    "undetermined": "asserts only the envelope any sane answer meets; exact answer from profile",
}


def in_suite(item: Any) -> bool:
    """Whether `item` (a pytest item) is one of the shipped suite's tests."""
    return SUITE_DIR in Path(str(item.path)).parents


def test_id(item: Any) -> str:
    """The id relative to the suite directory (`test_auth.py::TestHeader::test_x[y]`); the
    node id for a test outside the suite."""
    path = Path(str(item.path))
    names = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else item.name
    if SUITE_DIR in path.parents:
        return f"{path.relative_to(SUITE_DIR).as_posix()}::{names}"
    return str(item.nodeid)


test_id.__test__ = False  # type: ignore[attr-defined]  # not a test, despite the name


def first_of(names: Iterable[str], among: Iterable[str]) -> str | None:
    """The first of `names` (a test's marker names, nearest first) that is one of `among`."""
    wanted = set(among)
    return next((name for name in names if name in wanted), None)


def area_of(names: Iterable[str]) -> str | None:
    return first_of(names, AREAS)


def level_of(names: Iterable[str]) -> str | None:
    """The evidence level among a test's marker names."""
    return first_of(names, [level.value for level in Evidence])
