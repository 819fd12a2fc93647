"""Fixture generation: the whole set built cold, and the warm check every run pays.

Cold is what a fresh CI checkout pays once (`ensure_fixtures` into an empty directory);
warm is what every run and every xdist worker pays before its first upload (the same call
finding every file present and matching). `check_fixtures`, the full self-proof against
the manifest, is reported too but has no target: nothing calls it on the hot path.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from conformance.images import CASES, check_fixtures, ensure_fixtures, fixture_path

from .measure import Figure, median, repeat_timed, timed

AREA = "fixtures"
COLD_TARGET_S = 5.0
WARM_TARGET_S = 0.5


def cold_build(directory: Path) -> float:
    """Seconds to build every case into an empty `directory`."""
    _, seconds = timed(lambda: ensure_fixtures(directory))
    return seconds


def total_bytes(directory: Path) -> int:
    return sum(fixture_path(case, directory).stat().st_size for case in CASES)


def measure(repeat: int) -> list[Figure]:
    """Median of `repeat` cold builds (each into a new temporary directory), then the warm
    check and the full check, both against the last build."""
    cold: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-fixtures-") as root:
        for attempt in range(repeat):
            directory = Path(root) / f"cold-{attempt}"
            cold.append(cold_build(directory))
        size_mb = total_bytes(directory) / 1e6
        warm = repeat_timed(lambda: ensure_fixtures(directory), max(5, repeat))
        full = repeat_timed(lambda: check_fixtures(directory), max(1, repeat))
    note = f"{len(CASES)} files, {size_mb:.0f} MB"
    return [
        Figure(AREA, "cold: ensure_fixtures(empty dir)", median(cold), "s", COLD_TARGET_S,
               len(cold), note),
        Figure(AREA, "warm: ensure_fixtures(built dir)", median(warm), "s", WARM_TARGET_S,
               len(warm), "size + sha256 of every file"),
        Figure(AREA, "full self-proof: check_fixtures", median(full), "s", None, len(full),
               "decodes every file; not on the run's path"),
    ]
