"""The `itwin-conformance` command: run the suite, serve the mock, build fixtures, and more.

Exit codes (stable, for CI): 0 all passed, 1 conformance failures, 2 usage or
configuration error, 3 target unreachable, 4 nothing tested.

Only the subcommand being run is imported: `run` calls pytest in this process, and a
module imported before pytest starts cannot have its assertions rewritten (importing the
mock's command, which imports Starlette and so anyio, made pytest warn on every run).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from .exitcodes import FAILURES as EXIT_FAILURES
from .exitcodes import NOTHING_TESTED as EXIT_NOTHING_TESTED
from .exitcodes import OK as EXIT_OK
from .exitcodes import PYTEST_NOTHING_TESTED, PYTEST_UNREACHABLE, SUMMARY
from .exitcodes import UNREACHABLE as EXIT_UNREACHABLE
from .exitcodes import USAGE as EXIT_USAGE

__all__ = ["EXIT_FAILURES", "EXIT_NOTHING_TESTED", "EXIT_OK", "EXIT_UNREACHABLE",
           "EXIT_USAGE", "build_parser", "main"]

SUITE_DIR = Path(__file__).resolve().parent / "suite"
# The plugins a run needs, loaded by name: with autoload on, pytest marks every module of
# every installed plugin's distribution (all of Hypothesis and Schemathesis) for assertion
# rewriting and, where bytecode is not written, rewrites them again in every process and
# xdist worker (about 2 s each). Other plugins load with `-p NAME` after `--`.
EXPLICIT_PLUGINS = ("--disable-plugin-autoload", "-p", "xdist.plugin", "-p", "pytest_timeout",
                    "-p", "_hypothesis_pytestplugin")

# Same settings as the repository's pyproject, for runs of an installed package.
_PYTEST_SETTINGS = ["-p", "no:cacheprovider", "--strict-markers", "-o", "timeout=300",
                    "-o", "xfail_strict=true", *EXPLICIT_PLUGINS]

# pytest's own exit codes (and the plugin's for its own stops), mapped to ours. pytest's 5
# ("no tests collected": everything deselected) is "nothing tested" too.
_PYTEST_EXIT = {0: EXIT_OK, 1: EXIT_FAILURES, 2: EXIT_USAGE, 3: EXIT_USAGE, 4: EXIT_USAGE,
                5: EXIT_NOTHING_TESTED, PYTEST_UNREACHABLE: EXIT_UNREACHABLE,
                PYTEST_NOTHING_TESTED: EXIT_NOTHING_TESTED}

# Subcommands delegated to the module that owns them: (module, summary). Each module has
# add_arguments(parser) and run(args) -> exit code.
_DELEGATED = {
    "mock": ("conformance.mock.command", "serve the mock iTwins API on loopback"),
    "images": ("conformance.images.command", "build, check or show the image fixtures"),
    "fidelity": ("conformance.fidelity.command",
                 "record one target and compare another, or compare with a baseline"),
    "cleanup": ("conformance.cleanup", "delete leftover scratch iTwins of crashed runs"),
}
RUN_SUMMARY = "run the conformance suite against a target (default: the embedded mock)"


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`run`'s options. Each is also an option of the suite's pytest plugins, passed on
    under the same name, so it works after `--` too (and with `python -m pytest`)."""
    run = sub.add_parser(
        "run", help=RUN_SUMMARY, allow_abbrev=False,
        description="Run the shipped conformance suite through pytest. Arguments after the "
                    "options (or after --) are passed to pytest unchanged, e.g. -k auth -n 2.",
        epilog=f"Exit codes: {SUMMARY}.")
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
    run.add_argument("--require-area", metavar="AREA", action="append",
                     help="exit 4 unless a test of AREA executed (repeatable; images, auth, "
                          "permissions, lifecycle, fuzz, ratelimit)")
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
        pytest_args += ["--max-failures", str(args.max_failures)]
    for area in args.require_area or []:
        pytest_args += ["--require-area", area]
    code = int(pytest.main(pytest_args + extra))
    return _PYTEST_EXIT.get(code, EXIT_USAGE)


def _add_delegated(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                   module_name: str, summary: str, load: bool) -> None:
    parser = sub.add_parser(name, help=summary, description=summary, allow_abbrev=False)
    if not load:  # listed in the help; its module is imported only when it is the one run
        return
    module = importlib.import_module(module_name)
    module.add_arguments(parser)
    parser.set_defaults(handler=lambda args, extra: module.run(args))


def build_parser(load: str | None = None) -> argparse.ArgumentParser:
    """The command's parser; `load` names the delegated subcommand whose module is imported
    for its options ("*": all of them)."""
    parser = argparse.ArgumentParser(
        prog="itwin-conformance", allow_abbrev=False,  # as pytest: a prefix is no option
        description="Conformance suite and mock for Bentley's iTwins image API.",
        epilog=f"Exit codes: {SUMMARY}.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub)
    for name, (module_name, summary) in _DELEGATED.items():
        _add_delegated(sub, name, module_name, summary, load in (name, "*"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a == "run" or a in _DELEGATED), None)
    misplaced = _misplaced_before(argv, command)
    if misplaced:
        return _usage_error(misplaced)
    parser = build_parser(load=command)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        return _usage_error(_unknown_for(args.command, extra))
    if "--" in extra:  # the separator before pytest's own arguments is ours, not pytest's
        extra.remove("--")
    code: int = args.handler(args, extra)
    return code


# Our own usage errors, each one line. Mistyped options of `run` are caught by the suite's
# plugin, which alone knows pytest's options too (see conformance.plugin).


def _usage_error(message: str) -> int:
    print(f"itwin-conformance: {message}", file=sys.stderr)
    return EXIT_USAGE


def _options_by_command() -> dict[str, list[str]]:
    """Every subcommand's option strings (imports every subcommand: only for messages)."""
    choices = _subparsers(build_parser(load="*")).choices
    return {name: _option_strings(sub) for name, sub in choices.items()}


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[
        argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [s for action in parser._actions for s in action.option_strings
            if s.startswith("--") and s != "--help"]


def _misplaced_before(argv: list[str], command: str | None) -> str | None:
    """An option of a subcommand written before it (`itwin-conformance --target t run`)."""
    before = argv[:argv.index(command)] if command else argv
    options = [a.split("=", 1)[0] for a in before if a.startswith("--") and a != "--help"]
    if not options:
        return None
    owners = [name for name, known in _options_by_command().items() if options[0] in known]
    if owners:
        where = command if command in owners else owners[0]
        return (f"{options[0]} is an option of 'itwin-conformance {where}': write it after "
                f"the subcommand (itwin-conformance {where} {options[0]} ...)")
    return f"unknown option {options[0]} before the subcommand (run, mock, images, ...)"


def _unknown_for(command: str, extra: list[str]) -> str:
    """Why `extra` is not for `command`: an option of another subcommand, or a mistype."""
    token = next((a for a in extra if a.startswith("-")), extra[0])
    name = token.split("=", 1)[0]
    by_command = _options_by_command()
    owners = [other for other, known in by_command.items() if name in known]
    if owners:
        return (f"{name} is an option of 'itwin-conformance {owners[0]}', not of "
                f"'itwin-conformance {command}'")
    close = difflib.get_close_matches(name, by_command[command], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{command}: unknown argument {token}{hint}"


if __name__ == "__main__":
    sys.exit(main())
