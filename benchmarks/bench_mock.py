"""The mock's upload path: server time per upload, against a bare endpoint's floor.

Four bodies from the catalogue: a 5 MB JPEG and a 5 MB PNG (accepted: read, header checks,
one decode, a thumbnail), a ratio reject and a decompression bomb (both refused from the
header, with nothing decoded). Each is sent to the mock and, byte for byte, to the floor
(`servers.FloorServer`); the ratio of the medians is what the mock adds over receiving the
body at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from conformance.images import case, ensure_fixtures

from .measure import Figure, median, percentile
from .mockapi import MockApi, fixture_body
from .servers import FloorServer, timed_mock

AREA = "mock"
JPEG_TARGET_MS = 100.0
WARMUP = 3


@dataclass(frozen=True)
class Body:
    """A benchmark body: its catalogue case, the status the mock must answer, a label."""

    case_name: str
    status: int
    label: str


BODIES = (
    Body("size-jpeg-5000000", 201, "5 MB JPEG upload"),
    Body("size-png-5000000", 201, "5 MB PNG upload"),
    Body("ratio-1001x200", 422, "ratio reject (header)"),
    Body("flood-png-65535x65535", 422, "bomb reject (header)"),
)


@dataclass
class Timings:
    server: list[float]
    client: list[float]


def run_requests(send: Callable[[], httpx.Response], samples: list[float], status: int,
                 count: int) -> Timings:
    """`count` timed requests after a warm-up; server seconds come from `samples`."""
    for _ in range(WARMUP):
        _expect(send(), status)
    timings = Timings([], [])
    for _ in range(count):
        before = len(samples)
        started = time.perf_counter()
        _expect(send(), status)
        timings.client.append(time.perf_counter() - started)
        if len(samples) != before + 1:
            raise RuntimeError("expected exactly one server sample per request")
        timings.server.append(samples[-1])
    return timings


def _expect(response: httpx.Response, status: int) -> None:
    """A benchmark of the wrong answer is worthless: stop on any other status."""
    if response.status_code != status:
        raise RuntimeError(f"expected {status}, got {response.status_code}: "
                           f"{response.text[:300]}")


def mock_timings(body: Body, data: bytes, count: int) -> Timings:
    mock, samples = timed_mock()
    api = MockApi(mock.base_url, mock.control_url, mock.control_secret)
    try:
        itwin = api.new_itwin()
        content_type = case(body.case_name).content_type
        return run_requests(lambda: api.upload(itwin, data, content_type), samples,
                            body.status, count)
    finally:
        api.close()
        mock.stop()


def floor_timings(body: Body, data: bytes, count: int) -> Timings:
    content_type = case(body.case_name).content_type or "application/octet-stream"
    with FloorServer().start() as floor, httpx.Client(timeout=120) as http:
        url = f"{floor.origin}/itwins/x/image"
        return run_requests(lambda: http.put(url, content=data,
                                             headers={"Content-Type": content_type}),
                            floor.samples, 201, count)


def figures_for(body: Body, mock: Timings, floor: Timings) -> list[Figure]:
    ms = [s * 1000 for s in mock.server]
    floor_ms = median(floor.server) * 1000
    limit = JPEG_TARGET_MS if body.case_name == "size-jpeg-5000000" else None
    n = len(ms)
    return [
        Figure(AREA, f"{body.label}: server median", median(ms), "ms", limit, n),
        Figure(AREA, f"{body.label}: server p95", percentile(ms, 95), "ms", None, n),
        Figure(AREA, f"{body.label}: client round trip median",
               median(mock.client) * 1000, "ms", None, n),
        Figure(AREA, f"{body.label}: floor server median", floor_ms, "ms", None,
               len(floor.server), "same body to a read-and-discard endpoint"),
        Figure(AREA, f"{body.label}: mock / floor", median(ms) / floor_ms, "x", None, n),
    ]


def measure(repeat: int, requests: int = 30) -> list[Figure]:
    """Each body `requests` x `repeat` times to a fresh mock and a fresh floor."""
    ensure_fixtures()
    figures: list[Figure] = []
    for body in BODIES:
        data = fixture_body(case(body.case_name))
        mock, floor = Timings([], []), Timings([], [])
        for _ in range(repeat):
            got = mock_timings(body, data, requests)
            mock.server += got.server
            mock.client += got.client
            got = floor_timings(body, data, requests)
            floor.server += got.server
            floor.client += got.client
        figures += figures_for(body, mock, floor)
    return figures
