"""What a default run sends, counted by a proxy in front of the mock, for any checkout.

    python benchmarks/traffic.py                       # this checkout
    python benchmarks/traffic.py --checkout /tmp/old   # another (e.g. an earlier commit)

The mock of the checkout runs in its own process, behind a counting TCP relay that it names
as its public URL, so the API, the blob links and the token endpoint all pass the relay; the
checkout's suite then runs against the mock's target file. Requests are counted by method
and kind of path, bytes as the request bodies' declared lengths. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.suite.gateway import Relay

ROOT = Path(__file__).resolve().parents[1]


class Counts:
    """Requests by method and kind of path, and request-body bytes by kind of path."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str, length: int) -> bool:
        with self._lock:
            self.requests[f"{method} {_kind(path)}"] += 1
            self.bytes[_kind(path)] += length
        return True


def _kind(path: str) -> str:
    path = path.split("?", 1)[0]
    if path.startswith("/blobs/"):
        return "blob"
    if path.startswith("/connect/") or path.startswith("/.well-known/"):
        return "identity"
    if path.startswith("/__mock__"):
        return "control"
    if path.rstrip("/") == "/itwins":
        return "itwins"
    return "image" if path.endswith("/image") else "itwin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count(checkout: Path, python: str, *pytest_args: str) -> tuple[Counter[str], Counter[str]]:
    """Start the checkout's mock behind a relay, run its suite, return (requests, bytes)."""
    mock_port = free_port()
    counts = Counts()
    with Relay(mock_port, counts) as relay, tempfile.TemporaryDirectory(
            prefix="traffic-") as scratch:
        target = Path(scratch) / "target.toml"
        mock = subprocess.Popen(
            [python, "-m", "conformance.mock", "--port", str(mock_port), "--public-url",
             relay.origin, "--write-target", str(target)],
            cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not target.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            subprocess.run([python, "-m", "pytest", "conformance/suite", "-q", "-p",
                            "no:cacheprovider", "--target", str(target), *pytest_args],
                           cwd=checkout, stdout=subprocess.DEVNULL, timeout=1800, check=False)
        finally:
            mock.terminate()
            mock.wait(30)
    return counts.requests, counts.bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--python", default=sys.executable)
    args, pytest_args = parser.parse_known_args(argv)
    counts, sent = count(args.checkout, args.python, *pytest_args)
    counted = {key: value for key, value in counts.items() if not key.endswith(" control")}
    print(f"requests (control API left out): {sum(counted.values())}")
    for key, value in sorted(counted.items(), key=lambda item: -item[1]):
        print(f"  {value:6d}  {key}")
    print(f"bytes sent: {sum(v for k, v in sent.items() if k != 'control') / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
