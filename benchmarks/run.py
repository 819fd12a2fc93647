"""Run the benchmarks, print the table, and rewrite the figures in docs/performance.md.

    python benchmarks/run.py                      # everything, 3 repetitions
    python benchmarks/run.py --only mock --repeat 5
    python benchmarks/run.py --wait-quiet 600     # first wait for load < 1.0 (max 600 s)
    python benchmarks/run.py --only suite --only latency --before ../before
                                                  # and an earlier checkout's, side by side

Benchmarks are not tests: nothing here fails on a slow machine. A figure that misses its
target is printed as MISSED and the exit status stays 0; only a benchmark that could not
run at all (the mock answered the wrong status, the suite failed) exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `conformance` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import (
    bench_fixtures,
    bench_memory,
    bench_mock,
    bench_network,
    bench_suite,
    report,
)
from benchmarks.measure import Figure, load_average, wait_for_quiet

AREAS: dict[str, Callable[[argparse.Namespace], list[Figure]]] = {
    "fixtures": lambda args: bench_fixtures.measure(args.repeat),
    "mock": lambda args: bench_mock.measure(args.repeat, args.requests),
    "memory": lambda args: bench_memory.measure(args.repeat),
    "suite": lambda args: bench_suite.measure(args.repeat, args.before),
    "latency": lambda args: bench_network.measure_latency(args.repeat, args.before),
    "pacing": lambda args: bench_network.measure_pacing(args.repeat),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=tuple(AREAS),
                        help="run only this area (repeatable); other areas keep their "
                             "last figures in the document")
    parser.add_argument("--repeat", type=int, default=3,
                        help="repetitions of each measurement; medians are reported")
    parser.add_argument("--requests", type=int, default=30,
                        help="timed requests per body and repetition (mock area)")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each area, wait up to SECONDS for a 1-minute load "
                             "average below 1.0")
    parser.add_argument("--before", type=Path, metavar="CHECKOUT",
                        help="also measure this earlier checkout's suite (suite and latency "
                             "areas), interleaved with this one's, e.g. one made by "
                             "`git worktree add ../before COMMIT`")
    parser.add_argument("--no-write", action="store_true",
                        help="print only; leave results.json and docs/performance.md alone")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.requests < 1:
        parser.error("--repeat and --requests must be at least 1")
    if args.before is not None and not (args.before / "conformance" / "suite").is_dir():
        parser.error(f"--before {args.before}: not a checkout of this project")
    if args.before is not None:
        args.before = args.before.resolve()
    return args


def run_area(name: str, args: argparse.Namespace, results: dict[str, object]) -> None:
    """Measure one area under a recorded load average, and file its figures."""
    load_before = wait_for_quiet(args.wait_quiet)
    print(f"[{name}] load {load_before:.2f}: measuring ...", flush=True)
    figures = AREAS[name](args)
    report.record_area(results, name, figures, load_before=load_before,
                       load_after=load_average(), repeat=args.repeat)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = report.load_results()
    try:
        for name in args.only or AREAS:
            run_area(name, args, results)
    except RuntimeError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 1
    print(report.console_table(results))
    if not args.no_write:
        report.save_results(results)
        print(f"\nwrote {report.RESULTS.relative_to(report.ROOT)} and "
              f"{report.write_doc(results).relative_to(report.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
