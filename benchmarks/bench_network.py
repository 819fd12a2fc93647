"""The suite against a distant and a throttled target: latency hidden, pace kept.

latency: the suite against a mock that adds 0 and 40 ms to every answer (a round trip from a
CI runner to staging), serially and on 2, 4 and 8 workers; the best configuration at 40 ms
against the same configuration at 0 ms. Each checkout's suite runs against its own mock, in
its own process (benchmarks/checkout_mock.py), which counts requests and their declared
body bytes as a proxy in front of it would. This checkout's mock adds the latency itself
(`--latency-ms`); an earlier checkout's (`--before`), which has no such setting, is given
the same delay by the counter around its app.

pacing: the whole suite on 2 workers against a mock throttled to PACE_RATE API requests a
second, with `[profile] requests_per_minute` at that rate: it must meet no 429, and its time
is compared with API requests / rate. The same run without the profile key (as every run
was before pacing) shows what the limit costs unpaced.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conformance.images import ensure_fixtures

from .bench_suite import ROOT, RUN_TIMEOUT, checkout_env, checkout_name, pytest_run
from .checkout_mock import API_KINDS
from .measure import Figure, median, timed

LATENCY_MS = 40
CONFIGS: dict[str, tuple[str, ...]] = {"serial": (), "-n 2": ("-n", "2"), "-n 4": ("-n", "4"),
                                       "-n 8": ("-n", "8")}
LATENCY_RATIO_TARGET = 1.3
PACE_RATE = 20  # API requests a second the throttled mock allows (1,200 a minute)
PACE_RATIO_TARGET = 1.10
# The suite's traffic summary: "  AREA: N requests, X MB sent[, 429s waited out: K (S s)]".
TRAFFIC_LINE = re.compile(r"^\s*(\w+): (\d+) requests, ([\d.]+) MB sent"
                          r"(?:, 429s waited out: (\d+))?", re.MULTILINE)
INJECTED_AREA = "ratelimit"  # whose tests inject their own 429s on purpose
LAUNCHER = Path(__file__).with_name("checkout_mock.py")
MOCK_START_SECONDS = 60


@dataclass
class Served:
    """A checkout's mock in its own process: the target file its suite is run with, and
    what the mock counted (read when it has stopped): "METHOD kind" requests, "bytes"."""

    root: Path
    target: Path
    counts_file: Path
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def api_requests(self) -> int:
        return sum(n for key, n in self.counts.items() if key.split(" ")[-1] in API_KINDS)

    @property
    def other_requests(self) -> int:
        return sum(self.counts.values()) - self.counts["bytes"] - self.api_requests


@contextlib.contextmanager
def served(root: Path, scratch: Path, *mock_args: str, delay_ms: int = 0
           ) -> Iterator[Served]:
    """The mock of the checkout at `root`, counted (and delayed) by checkout_mock.py."""
    server = Served(root, scratch / "target.toml", scratch / "counts.json")
    mock = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--counts", str(server.counts_file), "--delay-ms",
         str(delay_ms), "--", "--port", "0", "--write-target", str(server.target),
         *mock_args],
        cwd=root, env=checkout_env(root), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        wait_for(server.target, mock)
        yield server
    finally:
        mock.terminate()
        mock.wait(30)
        if server.counts_file.exists():
            server.counts.update(json.loads(server.counts_file.read_text()))


def wait_for(target: Path, mock: subprocess.Popen[str]) -> None:
    """Until the mock has written its target file; its error if it stopped instead."""
    deadline = time.monotonic() + MOCK_START_SECONDS
    while not target.exists():
        if mock.poll() is not None:
            error = mock.stderr.read() if mock.stderr else ""
            raise RuntimeError(f"the mock did not start: {error[-500:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the mock wrote no target file in {MOCK_START_SECONDS} s")
        time.sleep(0.1)



def with_profile(target: Path, extra: str) -> Path:
    """`target` with `extra` lines added to its [profile] (the mock always writes one)."""
    text = target.read_text()
    assert "[profile]\n" in text, f"{target} has no [profile]"
    target.write_text(text.replace("[profile]\n", f"[profile]\n{extra}\n", 1))
    return target


def suite_run(server: Served, *options: str) -> tuple[float, str]:
    """Wall seconds and output of the checkout's whole suite against its mock; it must pass."""
    return pytest_run("--target", str(server.target), *options, root=server.root)


# --- latency -----------------------------------------------------------------------------


def measure_latency(repeat: int, before: Path | None = None) -> list[Figure]:
    ensure_fixtures()
    checkouts = {"": ROOT, **({"before: ": before} if before is not None else {})}
    seconds: dict[tuple[str, int, str], list[float]] = {}
    with contextlib.ExitStack() as stack:
        servers = {(label, ms): stack.enter_context(latency_server(root, ms, stack))
                   for label, root in checkouts.items() for ms in (0, LATENCY_MS)}
        for _ in range(repeat):  # interleaved, so that drift hits every variant alike
            for name, options in CONFIGS.items():
                for (label, ms), server in servers.items():
                    took, _ = suite_run(server, *options)
                    seconds.setdefault((label, ms, name), []).append(took)
    runs = repeat * len(CONFIGS)  # the counts are read once the mocks have stopped
    figures = []
    for label, root in checkouts.items():
        figures += traffic_figures(label, servers[(label, 0)], runs, root)
        figures += latency_figures(label, seconds, repeat)
    return figures


@contextlib.contextmanager
def latency_server(root: Path, ms: int, stack: contextlib.ExitStack) -> Iterator[Served]:
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-latency-")))
    if root == ROOT:
        with served(root, scratch, "--latency-ms", str(ms)) as server:
            yield server
    else:  # an earlier mock has no latency setting: the counter around its app waits
        with served(root, scratch, delay_ms=ms) as server:
            yield server


def traffic_figures(label: str, server: Served, runs: int, root: Path) -> list[Figure]:
    area = "latency"
    note = f"counted by the mock, per run (0 ms, {runs} runs)" + (
        f"; {checkout_name(root)}" if label else "")
    return [Figure(area, f"{label}API requests a run makes", server.api_requests / runs,
                   "", None, runs, note),
            Figure(area, f"{label}blob downloads and token requests a run makes",
                   server.other_requests / runs, "", None, runs),
            Figure(area, f"{label}request bytes a run sends",
                   server.counts["bytes"] / runs / 1e6, "MB", None, runs,
                   "declared Content-Length")]


def latency_figures(label: str, seconds: dict[tuple[str, int, str], list[float]],
                    repeat: int) -> list[Figure]:
    area = "latency"
    figures = []
    for name in CONFIGS:
        zero, slow = (median(seconds[(label, ms, name)]) for ms in (0, LATENCY_MS))
        figures += [Figure(area, f"{label}{name}, 0 ms", zero, "s", None, repeat),
                    Figure(area, f"{label}{name}, {LATENCY_MS} ms", slow, "s", None, repeat),
                    Figure(area, f"{label}{name}: {LATENCY_MS} ms / 0 ms", slow / zero, "x",
                           None, repeat)]
    best = min(CONFIGS, key=lambda name: median(seconds[(label, LATENCY_MS, name)]))
    ratio = median(seconds[(label, LATENCY_MS, best)]) / median(seconds[(label, 0, best)])
    figures.append(Figure(area, f"{label}best at {LATENCY_MS} ms ({best}) / same at 0 ms",
                          ratio, "x", None if label else LATENCY_RATIO_TARGET, repeat))
    return figures


# --- pacing ------------------------------------------------------------------------------


def measure_pacing(repeat: int) -> list[Figure]:
    ensure_fixtures()
    paced: list[tuple[float, int, int]] = []
    unpaced: list[tuple[float, int, int, bool]] = []
    for _ in range(repeat):
        with throttled_mock() as server:
            with_profile(server.target, f"requests_per_minute = {PACE_RATE * 60}")
            took, output = suite_run(server, "-n", "2")
        paced.append((took, server.api_requests, throttled(output)))
        with throttled_mock() as server:
            took, met, passed = unpaced_run(server)
        unpaced.append((took, server.api_requests, met, passed))
    return pacing_figures(paced, unpaced, repeat)


@contextlib.contextmanager
def throttled_mock() -> Iterator[Served]:
    """A fresh mock of this checkout that allows PACE_RATE API requests a second."""
    with tempfile.TemporaryDirectory(prefix="bench-pacing-") as scratch, served(
            ROOT, Path(scratch), "--rate-limit", str(PACE_RATE)) as server:
        yield server


def unpaced_run(server: Served) -> tuple[float, int, bool]:
    """(seconds, 429s met, passed) of the suite on 2 workers, unpaced; it may fail (a test
    that meets more 429s than its retries fails as throttled)."""
    command = [sys.executable, "-m", "pytest", "conformance/suite", "-q", "-p",
               "no:cacheprovider", "--target", str(server.target), "-n", "2"]
    done, took = timed(lambda: subprocess.run(
        command, cwd=server.root, env=checkout_env(server.root), capture_output=True,
        text=True, timeout=RUN_TIMEOUT))
    return took, throttled(done.stdout), done.returncode == 0


def throttled(output: str) -> int:
    """429s the run met from the target's limit: those waited out in every area but the
    one whose tests inject 429s on purpose."""
    return sum(int(waited or 0) for area, _, _, waited in TRAFFIC_LINE.findall(output)
               if area not in ("all", INJECTED_AREA))


def pacing_figures(paced: list[tuple[float, int, int]],
                   unpaced: list[tuple[float, int, int, bool]], repeat: int) -> list[Figure]:
    area = "pacing"
    took = median([t for t, _, _ in paced])
    api = median([n for _, n, _ in paced])
    floor = api / PACE_RATE
    return [
        Figure(area, "paced: whole suite, -n 2", took, "s", None, repeat,
               f"requests_per_minute = {PACE_RATE * 60}; the mock allows {PACE_RATE} API "
               "requests a second"),
        Figure(area, "paced: API requests", api, "", None, repeat),
        Figure(area, "paced: 429s met (all runs)", sum(n for *_, n in paced), "", 0, repeat,
               "429s the rate-limit tests inject on purpose left out"),
        Figure(area, "paced: run / (requests / rate)", took / floor, "x", PACE_RATIO_TARGET,
               repeat, f"requests / rate = {floor:.1f} s"),
        Figure(area, "unpaced: whole suite, -n 2", median([t for t, *_ in unpaced]), "s", None,
               repeat, "no requests_per_minute, same mock"),
        Figure(area, "unpaced: 429s met (median)", median([n for _, _, n, _ in unpaced]), "",
               None, repeat),
        Figure(area, "unpaced: runs that failed", sum(1 for *_, ok in unpaced if not ok), "",
               None, repeat, "tests that met more 429s than their retries fail as throttled"),
    ]
