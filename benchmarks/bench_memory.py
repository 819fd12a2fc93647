"""The mock's memory, measured from outside: VmHWM of a mock running as its own process.

A process of its own, started as users start it (`python -m conformance.mock`), so the
figure is the mock's and not the benchmark's. Two loads:

* 8 concurrent 5 MB uploads (4 JPEG, 4 PNG, one iTwin each): the peak resident memory,
  and its growth over the warmed-up baseline. The growth includes the 8 stored images
  (~40 MB of blobs the mock keeps by design).
* one 200 MB oversize upload streamed from a generator (chunked, no Content-Length, so
  the declared-length shortcut does not apply and the mock must count): the growth of the
  peak over the baseline. Target: <= 50 MB.
* one upload at the pixel cap (8000x5000, 40 megapixels, the default `max_pixels`) of
  each kind whose decode differs: PNG RGBA (4 bytes a pixel, and an alpha channel Pillow
  premultiplies), RGB, L, 16-bit grayscale; JPEG baseline (decoded at 1/8 scale) and
  progressive (libjpeg keeps every coefficient of the full image): the growth of the peak
  over a baseline warmed by a small upload of the same format. And two RGBA ones at once,
  one on each of the `decode_workers` threads. docs/mock.md quotes these figures; the
  target is what it promises for one decode.

The peak counter is reset after warm-up (`/proc/PID/clear_refs`), so the warm-up's own
peak does not hide or inflate the one measured.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from conformance.images import case, ensure_fixtures

from .measure import Figure, median, timed
from .mockapi import MockApi, fixture_body

AREA = "memory"
ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
CONCURRENT = 8
OVERSIZE_MB = 200
GROWTH_TARGET_MB = 50.0
PIXEL_CAP_SIZE = (8000, 5000)  # MockSettings().max_pixels, at a ratio the mock accepts
PIXEL_CAP_TARGET_MB = 200.0  # docs/mock.md: one decode at the pixel cap
# Kind -> (format, Pillow mode, save options); flat colours, so each fits in 5 MB.
PIXEL_CAP_KINDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "PNG RGBA": ("PNG", "RGBA", {}),
    "PNG RGB": ("PNG", "RGB", {}),
    "PNG L": ("PNG", "L", {}),
    "PNG 16-bit grayscale": ("PNG", "I;16", {}),
    "JPEG baseline": ("JPEG", "RGB", {"quality": 50}),
    "JPEG progressive": ("JPEG", "RGB", {"quality": 50, "progressive": True}),
}
START_TIMEOUT = 30.0


@dataclass
class MockProcess:
    pid: int
    target: dict[str, Any]

    def api(self) -> MockApi:
        mock = self.target["mock"]
        return MockApi(self.target["base_url"], mock["control_url"], mock["control_secret"])

    def kb(self, field: str) -> int:
        """VmRSS (now) or VmHWM (peak since start or last reset), in kB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise LookupError(field)

    def reset_peak(self) -> None:
        """Make VmHWM start again from the current RSS (Linux >= 4.0, own process)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")


@contextmanager
def mock_process() -> Iterator[MockProcess]:
    """A mock in its own process on a free loopback port, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        target_file = Path(folder) / "mock.toml"
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance.mock", "--port", "0",
             "--write-target", str(target_file)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(target_file, process)
            yield MockProcess(process.pid, tomllib.loads(target_file.read_text()))
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait_for(target_file: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not target_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the mock process did not start")
        time.sleep(0.05)


def oversize_stream(total_mb: int) -> Iterator[bytes]:
    """A PNG signature then zeros, 1 MiB at a time: the client never holds the body."""
    block = b"\x89PNG\r\n\x1a\n" + bytes(MIB - 8)
    for _ in range(total_mb):
        yield block


def concurrent_peak(process: MockProcess) -> tuple[float, float]:
    """(peak MB, growth MB) of 8 concurrent 5 MB uploads after a warm-up of each kind."""
    bodies = [(fixture_body(case(name)), case(name).content_type)
              for name in ("size-jpeg-5000000", "size-png-5000000")]
    apis = [process.api() for _ in range(CONCURRENT)]
    try:
        itwins = [api.new_itwin(f"memory-{i}") for i, api in enumerate(apis)]
        for data, content_type in bodies:  # imports, decode pool, buffers: all warm
            _expect(apis[0].upload(itwins[0], data, content_type), 201)
        baseline = process.kb("VmRSS")
        process.reset_peak()
        with ThreadPoolExecutor(CONCURRENT) as pool:
            replies = list(pool.map(
                lambda i: apis[i].upload(itwins[i], *bodies[i % 2]), range(CONCURRENT)))
        for reply in replies:
            _expect(reply, 201)
        peak = process.kb("VmHWM")
    finally:
        for api in apis:
            api.close()
    return peak / 1024, (peak - baseline) / 1024


def oversize_growth(process: MockProcess) -> tuple[float, float]:
    """(growth MB, seconds) of one 200 MB streamed upload, after a small one of each."""
    api = process.api()
    try:
        itwin = api.new_itwin("memory-oversize")
        _expect(api.upload(itwin, fixture_body(case("size-png-tiny")), "image/png"), 201)
        _expect(api.upload(itwin, oversize_stream(8), "image/png"), 413)
        baseline = process.kb("VmRSS")
        process.reset_peak()
        reply, seconds = timed(lambda: api.upload(itwin, oversize_stream(OVERSIZE_MB),
                                                  "image/png"))
        _expect(reply, 413)
        return (process.kb("VmHWM") - baseline) / 1024, seconds
    finally:
        api.close()


def pixel_cap_body(kind: str, size: tuple[int, int] = PIXEL_CAP_SIZE) -> tuple[bytes, str]:
    """An image of `kind` (PIXEL_CAP_KINDS) and its content type."""
    fmt, mode, options = PIXEL_CAP_KINDS[kind]
    colour = {"RGBA": (200, 30, 30, 128), "RGB": (200, 30, 30), "L": 90, "I;16": 3000}[mode]
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **options)
    return out.getvalue(), f"image/{fmt.lower()}"


def pixel_cap_growth(process: MockProcess, kind: str, at_once: int = 1) -> float:
    """Growth (MB) of the mock's peak during `at_once` uploads of a pixel-cap `kind`, over a
    baseline warmed by a small upload of the same kind."""
    body, content_type = pixel_cap_body(kind)
    apis = [process.api() for _ in range(at_once)]
    try:
        itwins = [api.new_itwin(f"pixel-cap-{i}") for i, api in enumerate(apis)]
        _expect(apis[0].upload(itwins[0], pixel_cap_body(kind, (800, 500))[0], content_type),
                201)
        baseline = process.kb("VmRSS")
        process.reset_peak()
        with ThreadPoolExecutor(at_once) as pool:
            replies = list(pool.map(
                lambda i: apis[i].upload(itwins[i], body, content_type), range(at_once)))
        for reply in replies:
            _expect(reply, 201)
        return (process.kb("VmHWM") - baseline) / 1024
    finally:
        for api in apis:
            api.close()


def _expect(response: Any, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"expected {status}, got {response.status_code}: "
                           f"{response.text[:300]}")


def measure(repeat: int) -> list[Figure]:
    """Each load `repeat` times, each time in a fresh mock process; medians."""
    ensure_fixtures()
    peaks, growths, oversize, seconds = [], [], [], []
    at_cap: dict[str, list[float]] = {kind: [] for kind in PIXEL_CAP_KINDS}
    two_at_cap: list[float] = []
    for _ in range(repeat):
        for kind in PIXEL_CAP_KINDS:
            with mock_process() as process:
                at_cap[kind].append(pixel_cap_growth(process, kind))
        with mock_process() as process:
            two_at_cap.append(pixel_cap_growth(process, "PNG RGBA", at_once=2))
        with mock_process() as process:
            peak, growth = concurrent_peak(process)
        peaks.append(peak)
        growths.append(growth)
        with mock_process() as process:
            grown, took = oversize_growth(process)
        oversize.append(grown)
        seconds.append(took)
    return [
        Figure(AREA, f"{CONCURRENT} concurrent 5 MB uploads: peak RSS", median(peaks), "MB",
               None, repeat, "VmHWM of the mock process"),
        Figure(AREA, f"{CONCURRENT} concurrent 5 MB uploads: growth", median(growths), "MB",
               None, repeat, "includes ~40 MB of images now stored"),
        Figure(AREA, f"{OVERSIZE_MB} MB oversize upload: growth", median(oversize), "MB",
               GROWTH_TARGET_MB, repeat, "chunked, no Content-Length; answered 413"),
        Figure(AREA, f"{OVERSIZE_MB} MB oversize upload: client time", median(seconds), "s",
               None, repeat),
        *(Figure(AREA, f"pixel cap, {kind}: growth", median(values), "MB",
                 PIXEL_CAP_TARGET_MB, repeat, "8000x5000, one upload")
          for kind, values in at_cap.items()),
        Figure(AREA, "pixel cap, PNG RGBA, two at once: growth", median(two_at_cap), "MB",
               None, repeat, "one on each decode worker"),
    ]
