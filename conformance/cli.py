"""The `itwin-conformance` command: run the suite, serve the mock, build fixtures, and more.

Exit codes (stable, for CI): 0 all passed, 1 conformance failures, 2 usage or
configuration error, 3 target unreachable.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .exitcodes import FAILURES as EXIT_FAILURES
from .exitcodes import OK as EXIT_OK
from .exitcodes import PYTEST_UNREACHABLE
from .exitcodes import UNREACHABLE as EXIT_UNREACHABLE
from .exitcodes import USAGE as EXIT_USAGE

SUITE_DIR = Path(__file__).resolve().parent / "suite"
# Same settings as the repository's pyproject, for runs of an installed package.
_PYTEST_SETTINGS = ["-p", "no:cacheprovider", "--strict-markers", "-o", "timeout=300",
                    "-o", "xfail_strict=true"]

# pytest's own exit codes (and the plugin's code for an unreachable target), mapped to ours.
_PYTEST_EXIT = {0: EXIT_OK, 1: EXIT_FAILURES, 2: EXIT_USAGE, 3: EXIT_USAGE, 4: EXIT_USAGE,
                5: EXIT_USAGE, PYTEST_UNREACHABLE: EXIT_UNREACHABLE}

# Subcommands delegated to the module that owns them: (module, summary). Each module has
# add_arguments(parser) and run(args) -> exit code. A module that is missing from this
# installation makes its subcommand say so and exit 2; it never pretends.
_DELEGATED = {
    "mock": ("conformance.mock.command", "serve the mock iTwins API on loopback"),
    "images": ("conformance.images.command", "build, check or show the image fixtures"),
    "fidelity": ("conformance.fidelity.command",
                 "record one target and compare another, or compare with a baseline"),
    "cleanup": ("conformance.cleanup", "delete leftover scratch iTwins of crashed runs"),
}


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run", help="run the conformance suite against a target (default: the embedded mock)",
        description="Run the shipped conformance suite through pytest. Arguments after the "
                    "options (or after --) are passed to pytest unchanged, e.g. -k auth -n 2.")
    run.add_argument("--target", metavar="FILE",
                     help="target TOML file; without it the embedded mock is started")
    run.add_argument("--allow-production", action="store_true",
                     help="allow a target on the production host api.bentley.com")
    run.add_argument("--report", metavar="DIR",
                     help="write junit.xml, report.json, summary.md and report.html into DIR")
    run.add_argument("--known-deviations", metavar="FILE",
                     help="TOML file of tests expected to fail on this target, each with a "
                          "reason, a link and an expiry date (docs/ci.md)")
    run.add_argument("--max-failures", metavar="N", type=_positive,
                     help="stop after N failures (pytest --maxfail); the run still exits 1")
    run.set_defaults(handler=_run_suite)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _run_suite(args: argparse.Namespace, extra: list[str]) -> int:
    import pytest  # the plugin checks the target file and reports a bad one as usage error

    pytest_args = [str(SUITE_DIR), "-p", "conformance.plugin", "--rootdir", str(SUITE_DIR),
                   *_PYTEST_SETTINGS]
    if args.target:
        pytest_args += ["--target", str(args.target)]
    if args.allow_production:
        pytest_args.append("--allow-production")
    if args.report:
        pytest_args += ["--report", str(args.report)]
    if args.known_deviations:
        pytest_args += ["--known-deviations", str(args.known_deviations)]
    if args.max_failures:
        pytest_args.append(f"--maxfail={args.max_failures}")
    code = int(pytest.main(pytest_args + extra))
    return _PYTEST_EXIT.get(code, EXIT_USAGE)


def _add_delegated(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                   module_name: str, summary: str) -> None:
    parser = sub.add_parser(name, help=summary, description=summary)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # the owning module (or its package) is not there
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        parser.set_defaults(handler=_unavailable(f"{name}: not implemented yet"))
        return
    module.add_arguments(parser)
    parser.set_defaults(handler=lambda args, extra: module.run(args))


def _unavailable(message: str) -> Callable[[argparse.Namespace, list[str]], int]:
    def handler(args: argparse.Namespace, extra: list[str]) -> int:
        print(f"itwin-conformance {message}", file=sys.stderr)
        return EXIT_USAGE
    return handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itwin-conformance",
        description="Conformance suite and mock for Bentley's iTwins image API.",
        epilog="Exit codes: 0 all passed, 1 conformance failures, 2 usage or configuration "
               "error, 3 target unreachable.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub)
    for name, (module_name, summary) in _DELEGATED.items():
        _add_delegated(sub, name, module_name, summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if "--" in extra:  # the separator before pytest's own arguments is ours, not pytest's
        extra.remove("--")
    code: int = args.handler(args, extra)
    return code


if __name__ == "__main__":
    sys.exit(main())
