"""A hostile target cannot hang the run or fill its memory: every answer is read up to a cap
and every request ends within its time, and past either the test at hand fails, naming the
limit, the request and what was seen; the run goes on.

Against a loopback server that answers huge, endless and compressed bodies
(tests/tooling/hostile_server.py). Time bounds are generous: only a hang exceeds them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.client import (
    MAX_API_ANSWER_BYTES,
    MAX_BLOB_BYTES,
    ApiClient,
    RequestTooSlow,
    ResponseTooLarge,
)
from conformance.exitcodes import PYTEST_UNREACHABLE
from tests.tooling.hostile_server import HUGE_BYTES, HostileServer, hostile_target

REPO = Path(__file__).resolve().parents[2]
SECONDS = 2.0  # the client's limit per request in these tests
HANG = 30.0  # what only a hang would take


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as running:
        yield running


def client(server: HostileServer, behaviour: str) -> ApiClient:
    return ApiClient(server.base_url(behaviour), lambda: "t0ken", persona="org_admin",
                     timeout=SECONDS)


def timed(call: object) -> float:
    started = time.monotonic()
    call()  # type: ignore[operator]
    return time.monotonic() - started


class TestHugeAnswers:
    def test_a_declared_huge_answer_fails_the_test_unread(self, server: HostileServer) -> None:
        with pytest.raises(ResponseTooLarge) as caught:
            client(server, "huge").get_image("x")
        assert isinstance(caught.value, AssertionError)  # a failed test, not a stopped run
        assert str(caught.value) == (
            "GET /huge/itwins/x/image (get-itwin-image) as org_admin -> 200: the answer's body "
            f"is larger than {MAX_API_ANSWER_BYTES} bytes, the most this client reads "
            f"(Content-Length: {HUGE_BYTES})")

    def test_an_endless_chunked_answer_is_cut_at_the_cap(self, server: HostileServer) -> None:
        with pytest.raises(ResponseTooLarge, match=r"bytes read, and more coming\)$"):
            client(server, "huge-chunked").get_itwin("x")

    def test_the_cap_counts_inflated_bytes(self, server: HostileServer) -> None:
        """64 KiB of gzip on the wire are 64 MiB in memory: the cap sees the latter."""
        with pytest.raises(ResponseTooLarge, match="bytes read, and more coming"):
            client(server, "gzip-bomb").get_itwin("x")

    def test_blobs_have_their_own_larger_cap(self, server: HostileServer) -> None:
        api = client(server, "huge")
        six_mib = api.download(f"{server.origin}/sized/{6 * 1024 * 1024}/large.png?sig=s")
        assert len(six_mib.content) == 6 * 1024 * 1024  # a 5 MB+ image is fine
        with pytest.raises(ResponseTooLarge, match=rf"^GET /huge/blob.png \(download\) as "
                                                   rf"org_admin -> 200: .* than "
                                                   rf"{MAX_BLOB_BYTES} bytes"):
            api.download(f"{server.origin}/huge/blob.png?sig=secret")

    @pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
    def test_a_524_mb_answer_costs_the_process_little_memory(
            self, server: HostileServer) -> None:
        """In a process of its own, so the figure is the client's (a whole read: 1 GB+)."""
        script = textwrap.dedent("""
            import sys
            from pathlib import Path
            from conformance.client import ApiClient, ResponseTooLarge
            api = ApiClient(sys.argv[1], lambda: "t0ken", persona="org_admin")
            for call in (lambda: api.get_image("x"), lambda: api.download(sys.argv[2])):
                try:
                    call()
                except ResponseTooLarge:
                    pass
            # VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec.
            status = Path("/proc/self/status").read_text().splitlines()
            print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM")))
        """)
        result = subprocess.run(
            [sys.executable, "-c", script, server.base_url("huge"),
             f"{server.origin}/huge-chunked/blob"], cwd=REPO, capture_output=True, text=True,
            timeout=HANG * 4)
        assert result.returncode == 0, result.stderr
        assert int(result.stdout) < 200 * 1024, f"peak RSS {int(result.stdout) // 1024} MB"


class TestEndlessAnswers:
    def test_a_trickling_body(self, server: HostileServer) -> None:
        with pytest.raises(RequestTooSlow) as caught:
            assert timed(lambda: client(server, "trickle-body").get_image("x")) < HANG
        assert isinstance(caught.value, AssertionError)
        assert str(caught.value) == (
            "GET /trickle-body/itwins/x/image (get-itwin-image) as org_admin: no complete "
            "answer within 2 s, the limit for one request (--request-timeout); status 200 had "
            "arrived, not the whole body")

    def test_trickling_headers(self, server: HostileServer) -> None:
        """The limit holds inside the reading of the headers too, not only between the
        chunks of a body (the client's connections carry the deadline)."""
        started = time.monotonic()
        with pytest.raises(RequestTooSlow, match=r"no answer had arrived$"):
            client(server, "trickle-headers").get_itwin("x")
        assert time.monotonic() - started < HANG

    def test_a_trickling_download(self, server: HostileServer) -> None:
        with pytest.raises(RequestTooSlow, match=r"^GET /trickle-body/b \(download\)"):
            client(server, "echo").download(f"{server.origin}/trickle-body/b?sig=x")


def run_suite(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/suite/test_permissions.py", "-q",
         "-p", "no:cacheprovider", "-p", "no:randomly", "--target", str(target), *args],
        cwd=REPO, capture_output=True, text=True, timeout=HANG * 6)


class TestTheRun:
    def test_the_preflight_gives_up_on_a_trickle(self, server: HostileServer,
                                                 tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        target.write_text(hostile_target(server, "trickle-body"))
        started = time.monotonic()
        result = run_suite(target)
        assert result.returncode == PYTEST_UNREACHABLE, result.stdout[-2000:]
        assert "target unreachable" in result.stdout + result.stderr
        assert time.monotonic() - started < HANG * 3

    def test_huge_answers_fail_tests_and_the_run_goes_on(self, server: HostileServer,
                                                         tmp_path: Path) -> None:
        target = tmp_path / "t.toml"
        target.write_text(hostile_target(server, "huge"))
        result = run_suite(target, "--request-timeout", "10")
        assert result.returncode == 1, result.stdout[-2000:]
        summary = result.stdout.strip().splitlines()[-1]
        counts = {word.removesuffix("s"): int(n) for n, word in
                  re.findall(r"(\d+) (failed|errors?|passed)", summary)}
        # Every test of the module ran into it (in its set-up, or in its own request for the
        # one that reads before nothing else), none stopped the run.
        assert counts.get("failed", 0) + counts.get("error", 0) == 20, summary
        assert "passed" not in counts, summary
        assert "ResponseTooLarge" in result.stdout
