"""The suite against a distant and a throttled target: latency hidden, pace kept.

latency: the suite against the mock with 0 ms and with 40 ms added to every answer (a round
trip from a CI runner to staging), serially and on 2, 4 and 8 workers; the best
configuration at 40 ms against the same configuration at 0 ms. Requests and bytes are
counted where a proxy would count them: by a middleware outermost in the mock.

pacing: the whole suite on 2 workers against the mock throttled to RATE requests a second,
with `[profile] requests_per_minute` at the same rate; it must meet no 429, and its time is
compared with API requests / rate.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.images import ensure_fixtures
from conformance.mock import MockSettings, RunningMock, create_app
from conformance.mock.server import bind, origin_of

from .bench_suite import pytest_run
from .measure import Figure, median

LATENCY_MS = 40
CONFIGS: dict[str, tuple[str, ...]] = {"serial": (), "-n 2": ("-n", "2"), "-n 4": ("-n", "4"),
                                       "-n 8": ("-n", "8")}
LATENCY_RATIO_TARGET = 1.3
PACE_RATE = 20  # requests a second the throttled mock allows (1,200 a minute)
PACE_RATIO_TARGET = 1.10
TRAFFIC = re.compile(r"^\s+all: (\d+) requests, ([\d.]+) MB sent")


class Counting:
    """ASGI middleware counting requests and request-body bytes by kind of path."""

    def __init__(self, app: ASGIApp, counts: Counter[str]) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock__"):
            await self.app(scope, receive, send)
            return
        kind = "api" if scope["path"].startswith("/itwins") else "other"
        self.counts[f"{kind} requests"] += 1

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.counts[f"{kind} bytes"] += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


def counted_mock(settings: MockSettings) -> tuple[RunningMock, Counter[str]]:
    counts: Counter[str] = Counter()
    sock = bind("127.0.0.1", 0)
    origin = origin_of(sock)
    app = create_app(settings, public_url=origin)
    app.add_middleware(Counting, counts=counts)
    return RunningMock(app, origin, sock).start(), counts


def suite_run(target: Path, *extra: str) -> tuple[float, str]:
    """Wall seconds and output of the whole suite against `target`; it must pass."""
    return pytest_run("--target", str(target), *extra)


def with_profile(mock: RunningMock, extra: str, directory: Path) -> Path:
    """The mock's target file in `directory`, with `extra` lines in its [profile]."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "target.toml"
    text = mock.target_toml()
    if extra:
        text = text.replace("[profile]\n", f"[profile]\n{extra}\n")
    path.write_text(text)
    return path


def measure_latency(repeat: int) -> list[Figure]:
    ensure_fixtures()
    seconds: dict[tuple[int, str], list[float]] = {}
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch:
        mocks = {ms: counted_mock(MockSettings(latency_ms=ms)) for ms in (0, LATENCY_MS)}
        try:
            targets = {ms: with_profile(mock, "", Path(scratch) / str(ms))
                       for ms, (mock, _) in mocks.items()}
            for _ in range(repeat):  # 0 and 40 ms in turn, so drift hits both alike
                for name, options in CONFIGS.items():
                    for ms, target in targets.items():
                        before = Counter(mocks[ms][1])
                        took, _ = suite_run(target, *options)
                        seconds.setdefault((ms, name), []).append(took)
                        if ms == 0 and name == "serial":
                            counts = mocks[ms][1] - before
        finally:
            for mock, _ in mocks.values():
                mock.stop()
    return latency_figures(seconds, counts, repeat)


def latency_figures(seconds: dict[tuple[int, str], list[float]], counts: Counter[str],
                    repeat: int) -> list[Figure]:
    area = "latency"
    figures = [Figure(area, "requests a run makes (API)", counts["api requests"], "", None, 1,
                      "counted in the mock, serial run, 0 ms"),
               Figure(area, "requests a run makes (blobs, tokens)", counts["other requests"],
                      "", None, 1),
               Figure(area, "bytes a run sends", counts["api bytes"] / 1e6, "MB", None, 1)]
    for name in CONFIGS:
        zero, slow = median(seconds[(0, name)]), median(seconds[(LATENCY_MS, name)])
        figures += [Figure(area, f"{name}, 0 ms", zero, "s", None, repeat),
                    Figure(area, f"{name}, {LATENCY_MS} ms", slow, "s", None, repeat),
                    Figure(area, f"{name}: {LATENCY_MS} ms / 0 ms", slow / zero, "x", None,
                           repeat)]
    best = min(CONFIGS, key=lambda name: median(seconds[(LATENCY_MS, name)]))
    ratio = median(seconds[(LATENCY_MS, best)]) / median(seconds[(0, best)])
    figures.append(Figure(area, f"best at {LATENCY_MS} ms ({best}) / same at 0 ms", ratio, "x",
                          LATENCY_RATIO_TARGET, repeat))
    return figures


def measure_pacing(repeat: int) -> list[Figure]:
    ensure_fixtures()
    runs: list[tuple[float, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="bench-pacing-") as scratch:
        for _ in range(repeat):
            mock, counts = counted_mock(MockSettings(rate_limit_per_second=PACE_RATE))
            try:
                target = with_profile(mock, f"requests_per_minute = {PACE_RATE * 60}",
                                      Path(scratch))
                took, output = suite_run(target, "-n", "2")
            finally:
                mock.stop()
            waited = output.count("429s waited out")
            runs.append((took, counts["api requests"], waited))
    took = median([t for t, _, _ in runs])
    api = median([n for _, n, _ in runs])
    floor = api / PACE_RATE
    return [
        Figure("pacing", "whole suite, -n 2, paced", took, "s", None, repeat,
               f"mock allows {PACE_RATE} API requests a second"),
        Figure("pacing", "API requests", api, "", None, repeat),
        Figure("pacing", "runs that met a 429", sum(1 for *_, w in runs if w), "", 0, repeat),
        Figure("pacing", "run / (requests / rate)", took / floor, "x", PACE_RATIO_TARGET,
               repeat, f"requests / rate = {floor:.1f} s"),
    ]
