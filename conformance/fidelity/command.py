"""`itwin-conformance fidelity`: record one target and compare another, in one go.

    itwin-conformance fidelity A.toml B.toml             # record A, compare B with it
    itwin-conformance fidelity --baseline DIR [--target B.toml]   # compare with a recording

Each step is a normal `itwin-conformance run` in its own process (`--record` then
`--compare`), so the one-shot command behaves exactly like the two commands a team would
type, and one pytest session never leaks into the next. The comparison writes the report
(Markdown, JSON, HTML) into `--report-dir`.

Exit codes: 0 every recorded scenario was compared and is the same; 1 differences, or
recorded scenarios the compared run did not reach; 2 usage or configuration error; 3 a
target was unreachable. Conformance failures of either target are not fidelity failures:
a mock that fails a test exactly as the real service does is faithful.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from conformance.exitcodes import FAILURES as EXIT_FAILURES
from conformance.exitcodes import OK as EXIT_OK
from conformance.exitcodes import UNREACHABLE as EXIT_UNREACHABLE
from conformance.exitcodes import USAGE as EXIT_USAGE

from . import recording
from .report import DIFFERENT, FILES, ONLY_IN_RECORDING, ONLY_IN_RUN, SAME, load

DEFAULT_REPORT_DIR = "fidelity-report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help="A.toml B.toml: record target A, then compare target B with it")
    parser.add_argument("--baseline", metavar="DIR",
                        help="compare with the recording in DIR instead of recording A")
    parser.add_argument("--target", metavar="FILE",
                        help="with --baseline: the target to compare (default: the embedded "
                             "mock)")
    parser.add_argument("--report-dir", metavar="DIR", default=DEFAULT_REPORT_DIR,
                        help=f"where the report goes (default: ./{DEFAULT_REPORT_DIR})")
    parser.add_argument("--record-dir", metavar="DIR",
                        help="with A B: keep A's recording in DIR, merged with what is there "
                             "(default: REPORT_DIR/recording, replaced on every run)")
    parser.add_argument("--known-differences", metavar="FILE",
                        help="declared differences, applied only when the compared target is "
                             f"a mock (default: DIR/{recording.KNOWN_DIFFERENCES_FILE})")
    parser.add_argument("--max-baseline-age", metavar="DAYS", type=int,
                        help="differences too: a recording that last passed on the real target "
                             "more than DAYS days ago")
    parser.add_argument("--allow-production", action="store_true",
                        help="allow a target on the production host api.bentley.com")
    parser.add_argument("-n", "--workers", metavar="N",
                        help="pytest-xdist workers for each run (e.g. 2 or auto)")
    parser.add_argument("-k", metavar="EXPRESSION", dest="select",
                        help="only the tests pytest -k EXPRESSION selects, in both runs")
    parser.add_argument("--recorded-only", action="store_true",
                        help="compare only the tests the recording holds (quick with a "
                             "partial baseline such as the documented one)")


def usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the arguments, or None."""
    if args.baseline is not None:
        if args.targets:
            return "give either two targets (A B) or --baseline DIR, not both"
        if args.record_dir is not None:
            return "--record-dir applies to recording A; --baseline compares an existing one"
        if not Path(args.baseline).is_dir():
            return f"baseline directory {args.baseline} does not exist"
        return None
    if len(args.targets) != 2:
        return "give two targets (record A, compare B) or --baseline DIR [--target B]"
    if args.target is not None:
        return "--target applies to --baseline; with A B the second target is compared"
    return None


def run_suite(options: list[str], args: argparse.Namespace) -> int:
    """One `itwin-conformance run` in its own process; its exit code."""
    command = [sys.executable, "-m", "conformance", "run", *options]
    if args.allow_production:
        command.append("--allow-production")
    if args.workers:
        command.append(f"--numprocesses={args.workers}")
    if args.select:
        command += ["-k", args.select]
    print(f"itwin-conformance fidelity: {' '.join(command[2:])}", flush=True)
    return subprocess.run(command, check=False).returncode


def fresh_directory(path: Path) -> None:
    """Empty the default recording directory, which belongs to this command."""
    if path.is_dir():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def record_first(args: argparse.Namespace, report_dir: Path) -> tuple[Path, int]:
    directory = Path(args.record_dir) if args.record_dir else report_dir / "recording"
    if args.record_dir is None:
        fresh_directory(directory)
    code = run_suite([f"--target={args.targets[0]}", f"--record={directory}"], args)
    return directory, code


def run(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem:
        print(f"itwin-conformance fidelity: {problem}", file=sys.stderr)
        return EXIT_USAGE
    report_dir = Path(args.report_dir)
    if args.baseline is not None:
        directory, compared = Path(args.baseline), args.target
    else:
        directory, code = record_first(args, report_dir)
        if code in (EXIT_USAGE, EXIT_UNREACHABLE):
            print(f"itwin-conformance fidelity: recording {args.targets[0]} failed (exit "
                  f"{code})", file=sys.stderr)
            return code
        compared = args.targets[1]
    (report_dir / FILES["json"]).unlink(missing_ok=True)
    options = [f"--compare={directory}", f"--fidelity-report={report_dir}"]
    options += [f"--target={compared}"] if compared else []
    options += [f"--known-differences={args.known_differences}"] if args.known_differences \
        else []
    options += [f"--max-baseline-age={args.max_baseline_age}"] \
        if args.max_baseline_age is not None else []
    options += ["--recorded-only"] if args.recorded_only else []
    code = run_suite(options, args)
    if code in (EXIT_USAGE, EXIT_UNREACHABLE) or not (report_dir / FILES["json"]).exists():
        print(f"itwin-conformance fidelity: comparing failed (exit {code})", file=sys.stderr)
        return code if code != EXIT_OK else EXIT_USAGE
    return summarise(report_dir)


def summarise(report_dir: Path) -> int:
    report = load(report_dir)
    counts = report.counts()
    print(f"itwin-conformance fidelity: {counts[SAME]} same, {counts[DIFFERENT]} different, "
          f"{counts[ONLY_IN_RECORDING]} only in the recording, {counts[ONLY_IN_RUN]} only in "
          f"the compared run; report: {report_dir / FILES['markdown']}")
    return EXIT_FAILURES if report.failed else EXIT_OK
