"""The suite's default run (embedded mock, warm fixtures), serially and on two workers,
against its floor: every fixture uploaded once to a mock by a plain httpx loop.

The floor is the work the run cannot avoid: the same bodies, over the same loopback, to
the same mock, with no pytest, no validation, no self-proof and no follow-up reads. The
suite does much more than that floor (auth, permissions, lifecycle and fuzz tests, and a
download after each accepted upload), so the ratio says how much the rest costs in total.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from conformance.images import CASES, ensure_fixtures
from conformance.mock import serve_in_thread

from .measure import Figure, median, timed
from .mockapi import MockApi, fixture_body

AREA = "suite"
ROOT = Path(__file__).resolve().parents[1]
SUITE_COMMAND = ("-m", "pytest", "conformance/suite", "-q", "-p", "no:cacheprovider")
SERIAL_TARGET_S = 30.0
FLOOR_RATIO_TARGET = 5.0  # issue 16; it was 3 before, and about 11 was measured
RUN_TIMEOUT = 600


DURATION = re.compile(r"^(\d+\.\d+)s (setup|call|teardown)\s+([^:]+)::")


def pytest_run(*extra: str, env: dict[str, str] | None = None,
               root: Path = ROOT) -> tuple[float, str]:
    """Wall seconds and output of one suite command in a fresh interpreter, in the checkout
    at `root` (this one, or an earlier commit's); it must pass.

    `env` adds to (or, with empty values, removes from) this process's environment."""
    command = [sys.executable, *SUITE_COMMAND, *extra]
    completed, seconds = timed(lambda: subprocess.run(
        command, cwd=root, env=child_env(env, root), capture_output=True, text=True,
        timeout=RUN_TIMEOUT))
    if completed.returncode != 0:
        tail = "\n".join(completed.stdout.splitlines()[-20:])
        raise RuntimeError(f"the suite of {root} failed ({completed.returncode}):\n{tail}")
    return seconds, completed.stdout


def checkout_env(root: Path) -> dict[str, str]:
    """The environment a checkout's own code runs in: its package first on the path."""
    return {**os.environ, "PYTHONPATH": str(root)}


def child_env(changes: dict[str, str] | None, root: Path = ROOT) -> dict[str, str]:
    env = checkout_env(root)
    for name, value in (changes or {}).items():
        env.pop(name, None)
        if value:
            env[name] = value
    return env


def run_suite(*extra: str, env: dict[str, str] | None = None, root: Path = ROOT) -> float:
    """Wall seconds of the default run (plus `extra` options) of the checkout at `root`."""
    return pytest_run(*extra, env=env, root=root)[0]


def warm_cache_runs(repeat: int) -> tuple[list[float], list[float]]:
    """(serial, -n 2) seconds with every bytecode cache warm, pytest's included.

    Where PYTHONDONTWRITEBYTECODE is set (this machine; many container images), pytest
    cannot keep the modules it rewrites, and it rewrites every module of each installed
    plugin's distribution, Hypothesis and Schemathesis included, in every process: the run
    pays that on each start and on each xdist worker. A private PYCACHEPREFIX, primed by
    one untimed run, shows what the same run costs once those caches exist, without
    writing a single file into the shared environment.
    """
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as prefix:
        env = {"PYTHONPYCACHEPREFIX": prefix, "PYTHONDONTWRITEBYTECODE": ""}
        run_suite("-n", "2", env=env)  # primes the workers' imports too
        serial = [run_suite(env=env) for _ in range(repeat)]
        parallel = [run_suite("-n", "2", env=env) for _ in range(repeat)]
    return serial, parallel


def breakdown() -> tuple[float, dict[str, float]]:
    """Where a serial run's time goes: the seconds of a collect-only run (interpreter,
    plugins, imports, collection) and each test module's setup + call + teardown seconds."""
    startup, _ = pytest_run("--collect-only")
    _, output = pytest_run("--durations=0", "--durations-min=0")
    per_module: dict[str, float] = {}
    for line in output.splitlines():
        match = DURATION.match(line)
        if match:
            module = Path(match.group(3)).name
            per_module[module] = per_module.get(module, 0.0) + float(match.group(1))
    return startup, per_module


def upload_every_fixture(api: MockApi, itwin: str) -> int:
    """Each catalogue case read from disk and uploaded once; the number of 2xx answers."""
    accepted = 0
    for entry in CASES:
        reply = api.upload(itwin, fixture_body(entry), entry.content_type)
        if reply.status_code >= 500:
            raise RuntimeError(f"{entry.name}: the mock answered {reply.status_code}")
        accepted += reply.status_code < 300
    return accepted


def floor_once() -> tuple[float, float]:
    """(seconds to start a mock, seconds of the upload loop) for one floor run."""
    mock, started = timed(serve_in_thread)
    api = MockApi(mock.base_url, mock.control_url, mock.control_secret)
    try:
        itwin = api.new_itwin("suite-floor")
        _, loop = timed(lambda: upload_every_fixture(api, itwin))
    finally:
        api.close()
        mock.stop()
    return started, loop


def measure(repeat: int, before: Path | None = None) -> list[Figure]:
    """`repeat` runs of each: the suite serially and with -n 2 (and, given `before`, an
    earlier checkout's suite the same ways, interleaved), and the floor loop."""
    ensure_fixtures()
    runs: dict[str, list[float]] = {}
    for _ in range(repeat):  # interleaved, so that drift in the machine hits both alike
        for label, root in (("", ROOT), ("before: ", before)):
            if root is not None:
                runs.setdefault(f"{label}serial", []).append(run_suite(root=root))
                runs.setdefault(f"{label}-n 2", []).append(run_suite("-n", "2", root=root))
    floors = [floor_once() for _ in range(repeat)]
    floor = median([loop for _, loop in floors])
    warm_serial, warm_parallel = warm_cache_runs(repeat)
    figures = headline(runs["serial"], runs["-n 2"], floors, floor, repeat)
    if before is not None:
        figures += before_figures(runs["before: serial"], runs["before: -n 2"], floor, repeat,
                                  before)
    return [*figures, *warm_cache_figures(warm_serial, warm_parallel, floor, repeat),
            *breakdown_figures()]


def headline(serial: list[float], parallel: list[float], floors: list[tuple[float, float]],
             floor: float, repeat: int) -> list[Figure]:
    return [
        Figure(AREA, "default run, serial", median(serial), "s", SERIAL_TARGET_S, repeat,
               "wall time of the whole command"),
        Figure(AREA, "default run, -n 2", median(parallel), "s", None, repeat),
        Figure(AREA, "floor: every fixture uploaded once", floor, "s", None, repeat,
               f"{len(CASES)} uploads, plain httpx loop"),
        Figure(AREA, "floor: mock start-up", median([s for s, _ in floors]), "s", None,
               repeat, "serve_in_thread, not in the floor"),
        Figure(AREA, "serial run / floor", median(serial) / floor, "x", FLOOR_RATIO_TARGET,
               repeat),
        Figure(AREA, "-n 2 run / floor", median(parallel) / floor, "x", FLOOR_RATIO_TARGET,
               repeat),
    ]


def before_figures(serial: list[float], parallel: list[float], floor: float, repeat: int,
                   before: Path) -> list[Figure]:
    note = f"{checkout_name(before)}, its own embedded mock"
    return [
        Figure(AREA, "before: default run, serial", median(serial), "s", None, repeat, note),
        Figure(AREA, "before: default run, -n 2", median(parallel), "s", None, repeat, note),
        Figure(AREA, "before: serial run / floor", median(serial) / floor, "x", None, repeat,
               "against this checkout's floor"),
        Figure(AREA, "before: -n 2 run / floor", median(parallel) / floor, "x", None, repeat),
    ]


def checkout_name(root: Path) -> str:
    """The commit a checkout is at, short, for the figures' notes."""
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return f"commit {done.stdout.strip()}" if done.returncode == 0 else str(root)


def warm_cache_figures(serial: list[float], parallel: list[float], floor: float,
                       repeat: int) -> list[Figure]:
    note = "private PYTHONPYCACHEPREFIX, primed"
    return [
        Figure(AREA, "warm bytecode caches: serial", median(serial), "s", None, repeat, note),
        Figure(AREA, "warm bytecode caches: -n 2", median(parallel), "s", None, repeat, note),
        Figure(AREA, "warm bytecode caches: serial / floor", median(serial) / floor, "x",
               None, repeat),
    ]


def breakdown_figures() -> list[Figure]:
    """One extra serial run, split by module, and a collect-only run (no targets)."""
    startup, per_module = breakdown()
    figures = [Figure(AREA, "breakdown: start-up and collection", startup, "s", None, 1,
                      "pytest --collect-only of the suite")]
    figures += [Figure(AREA, f"breakdown: {module}", seconds, "s", None, 1,
                       "setup + call + teardown")
                for module, seconds in sorted(per_module.items(), key=lambda item: -item[1])]
    return figures
