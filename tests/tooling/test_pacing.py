"""Pacing: `[profile] requests_per_minute` keeps every process of a run under the target's
rate, so a throttled host never has to say 429."""

from __future__ import annotations

import itertools
import multiprocessing
from pathlib import Path

import pytest

from conformance.pacing import SAFETY, Pacer
from conformance.targets import TargetError, parse_profile
from tests.mock.mock_testkit import StartMock
from tests.suite.suite_runs import FAITHFUL, run_suite

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock

PER_MINUTE = 6000  # a slot every 10 ms (x SAFETY): quick to book many


def book(schedule: str, count: int, queue: multiprocessing.Queue[float]) -> None:
    pacer = Pacer(PER_MINUTE, Path(schedule))
    for _ in range(count):
        queue.put(pacer.take())


class TestSchedule:
    def test_one_process_books_evenly_spaced_slots(self, tmp_path: Path) -> None:
        pacer = Pacer(PER_MINUTE, tmp_path / "schedule")
        slots = [pacer.take() for _ in range(50)]
        gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
        assert min(gaps) >= pacer.interval - 1e-6
        assert pacer.interval == pytest.approx(60 / PER_MINUTE * SAFETY)

    def test_processes_share_one_schedule(self, tmp_path: Path) -> None:
        """Two processes booking at once never get slots closer than the interval."""
        context = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[float] = context.Queue()
        workers = [context.Process(target=book, args=(str(tmp_path / "s"), 40, queue))
                   for _ in range(2)]
        for worker in workers:
            worker.start()
        slots = sorted(queue.get(timeout=60) for _ in range(80))
        for worker in workers:
            worker.join(60)
        gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
        assert min(gaps) >= 60 / PER_MINUTE * SAFETY - 1e-6

    def test_a_target_has_one_schedule_whoever_asks(self) -> None:
        one = Pacer.for_target(10, "https://qa-api.bentley.com/itwins")
        two = Pacer.for_target(500, "https://qa-api.bentley.com/itwins")
        other = Pacer.for_target(10, "https://dev-api.bentley.com/itwins")
        assert one.schedule == two.schedule != other.schedule


class TestProfile:
    def test_requests_per_minute_is_read(self) -> None:
        assert parse_profile({"requests_per_minute": 500}, "p").requests_per_minute == 500

    @pytest.mark.parametrize("value", [0, -1, 2.5, True, "500"])
    def test_anything_but_a_positive_integer_is_refused(self, value: object) -> None:
        with pytest.raises(TargetError, match="requests_per_minute: must be a positive"):
            parse_profile({"requests_per_minute": value}, "p")


class TestAgainstAThrottledMock:
    def test_a_paced_run_meets_no_429(self, start_mock: StartMock, tmp_path: Path) -> None:
        """The mock allows 10 requests a second and saves up as many; the run, paced to 600
        a minute over two workers, is never throttled (unpaced, the same run is)."""
        mock = start_mock(rate_limit_per_second=10, rate_limit_burst=10)
        run = run_suite(mock, tmp_path, "test_lifecycle.py::TestUpload", profile=FAITHFUL,
                        workers=2, requests_per_minute=600)
        assert not run.failed, run
        assert "429s waited out" not in run.output and "paced:" in run.output, run.output
        unpaced = run_suite(mock, tmp_path, "test_lifecycle.py::TestUpload", profile=FAITHFUL,
                            workers=2)
        assert "429s waited out" in unpaced.output, unpaced.output
