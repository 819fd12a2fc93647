"""Memory: a 200 MB upload is refused while the server process grows by under 50 MB."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.mock.mock_testkit import png

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
BODY_MB = 200
ALLOWED_GROWTH_MB = 50


def memory_kb(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of a process, in kB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict]]:  # type: ignore[type-arg]
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read a process's memory")
    target = tmp_path_factory.mktemp("memory") / "t.toml"
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.mock", "--port", "0", "--write-target", str(target)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not target.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        yield process.pid, tomllib.loads(target.read_text())
    finally:
        process.terminate()
        process.wait(timeout=20)


def stream(total_mb: int) -> Iterator[bytes]:
    block = b"\x89PNG\r\n\x1a\n" + b"\0" * (MB - 8)
    for _ in range(total_mb):
        yield block


class TestLargeBodies:
    def test_200_mb_upload_stays_bounded(self, server: tuple[int, dict]) -> None:  # type: ignore[type-arg]
        pid, target = server
        persona = target["personas"]["org_admin"]
        with httpx.Client(timeout=120) as client:
            token = client.post(persona["token_url"], data={
                "grant_type": "client_credentials", "client_id": persona["client_id"],
                "client_secret": persona["client_secret"]}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "image/png"}
            url = f"{target['base_url']}/{target['itwins']['shared']}/image"
            # Warm up every code path first, so the baseline already holds its imports.
            assert client.put(url, content=png(2000, 1500), headers=headers).status_code == 201
            assert client.put(url, content=stream(8), headers=headers).status_code == 413
            baseline = memory_kb(pid, "VmHWM")
            started = time.monotonic()
            reply = client.put(url, content=stream(BODY_MB), headers=headers)
            elapsed = time.monotonic() - started
        grown_mb = (memory_kb(pid, "VmHWM") - baseline) / 1024
        assert reply.status_code == 413
        assert reply.json()["error"]["code"] == "RequestTooLarge"
        assert grown_mb < ALLOWED_GROWTH_MB, f"server peak grew by {grown_mb:.1f} MB"
        assert elapsed < 60
        print(f"grown {grown_mb:.1f} MB in {elapsed:.2f} s")
