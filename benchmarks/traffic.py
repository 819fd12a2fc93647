"""What a run sends, counted by the mock, for any checkout.

    python benchmarks/traffic.py                       # this checkout
    python benchmarks/traffic.py --checkout /tmp/old   # another (e.g. an earlier commit)

The checkout's mock runs in its own process, counted by benchmarks/checkout_mock.py (every
request but the control API's, by method and kind of path, and the declared request-body
bytes); the checkout's suite then runs against the mock's target file, with any further
arguments given to pytest. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_network import served
from benchmarks.bench_suite import ROOT, RUN_TIMEOUT, checkout_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args, pytest_args = parser.parse_known_args(argv)
    root = args.checkout.resolve()
    with tempfile.TemporaryDirectory(prefix="traffic-") as scratch, served(
            root, Path(scratch)) as server:
        subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "-q", "-p",
                        "no:cacheprovider", "--target", str(server.target), *pytest_args],
                       cwd=root, env=checkout_env(root), stdout=subprocess.DEVNULL,
                       timeout=RUN_TIMEOUT, check=False)
    requests = {key: n for key, n in server.counts.items() if key != "bytes"}
    print(f"requests (control API left out): {sum(requests.values())}, of which API "
          f"{server.api_requests}")
    for key, value in sorted(requests.items(), key=lambda item: -item[1]):
        print(f"  {value:6d}  {key}")
    print(f"bytes sent: {server.counts['bytes'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
