"""Timing, statistics and the figures every benchmark reports.

A single timing on a shared two-core machine says little, so every benchmark repeats its
measurement and reports a median (and a 95th percentile where the spread matters), together
with the load average it was taken under: a figure from a busy machine is not a figure.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

QUIET_LOAD = 1.0


@dataclass(frozen=True)
class Figure:
    """One reported number, its target (if the issue sets one) and how it was obtained.

    `limit` is the target as a number in `unit`; a figure meets it when value <= limit.
    """

    area: str
    name: str
    value: float
    unit: str
    limit: float | None = None
    samples: int = 1
    note: str = ""

    @property
    def met(self) -> bool | None:
        """True/False against the target, None where the issue sets none."""
        return None if self.limit is None else self.value <= self.limit

    @property
    def target(self) -> str:
        return "" if self.limit is None else f"<= {_number(self.limit)} {self.unit}"

    def shown(self) -> str:
        return f"{_number(self.value)} {self.unit}"

    def verdict(self) -> str:
        return {None: "", True: "met", False: "MISSED"}[self.met]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        return cls(**data)


def _number(value: float) -> str:
    """Three significant digits is all a shared machine's timing can carry."""
    if value == 0 or not math.isfinite(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: with few samples it names a sample that really happened."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    """The result of `work()` and the wall seconds it took."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def repeat_timed(work: Callable[[], Any], times: int) -> list[float]:
    """Wall seconds of `times` calls of `work()`."""
    return [timed(work)[1] for _ in range(times)]


def load_average() -> float:
    """The one-minute load average (what "is the machine quiet now" means here)."""
    return os.getloadavg()[0]


def wait_for_quiet(max_wait: float, threshold: float = QUIET_LOAD, poll: float = 5.0,
                   say: Callable[[str], None] = print) -> float:
    """Wait (at most `max_wait` s) for the 1-minute load to drop below `threshold`.

    Other engineers share the machine; measuring while their tests run would report their
    load as ours. Returns the load seen when measuring starts, quiet or not.
    """
    deadline = time.monotonic() + max_wait
    load = load_average()
    if load >= threshold and max_wait > 0:
        say(f"load {load:.2f} >= {threshold}: waiting up to {max_wait:.0f} s for quiet")
    while load >= threshold and time.monotonic() < deadline:
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        load = load_average()
    return load
