"""A target without `destructive = true` runs every test that only reads, and nothing it
sends writes: no upload, no delete, no iTwin created."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from threading import Lock

from tests.mock.mock_testkit import StartMock
from tests.suite.gateway import Relay
from tests.suite.suite_runs import read_junit, run_pytest, target_text

pytest_plugins = ["tests.mock.mock_fixtures"]  # start_mock

WRITES = ("PUT", "POST", "DELETE", "PATCH")


class Methods:
    """Counts the requests that pass the relay, by method."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self._lock = Lock()

    def __call__(self, method: str, path: str, length: int) -> bool:
        with self._lock:
            self.seen[method] += 1
        return True


class TestReadOnlyTarget:
    def test_runs_the_reads_and_sends_no_write(self, start_mock: StartMock,
                                               tmp_path: Path) -> None:
        mock = start_mock()
        methods = Methods()
        with Relay(int(mock.origin.rsplit(":", 1)[1]), methods) as relay:
            target = tmp_path / "target.toml"
            target.write_text(target_text(mock, None, f"{relay.origin}/itwins").replace(
                "destructive = true", "destructive = false"))
            run = run_pytest([""], junit=tmp_path / "junit.xml", target=target, workers=2)
        assert run.returncode == 0 and not run.failed, run
        reads = {t for t in run.passed if "get-image" in t or "get-itwin" in t}
        assert len(run.passed) >= 40 and reads, run
        assert {"TestPersonas", "TestHeader", "TestAcceptHeader"} <= {
            t.split("::")[1] for t in run.passed}, run
        skips = {test: message for test, (verdict, message) in
                 read_junit(tmp_path / "junit.xml").items() if verdict == "skipped"}
        assert skips and all("is not destructive = true" in m for m in skips.values()), skips
        assert methods.seen["GET"] > 0
        assert not any(methods.seen[m] for m in WRITES), methods.seen
