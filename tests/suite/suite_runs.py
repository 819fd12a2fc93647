"""Runs of the shipped suite in a subprocess, as a team or CI would run it: the one runner
of the project's tests that run the suite (here, tests/fidelity and tests/reporting), and
the one reader of the JUnit file such a run writes.

`run_pytest` runs suite tests (or other paths) with pytest and the conformance plugin;
`run_command` runs `itwin-conformance ARGS`. `run_suite` below runs the suite against a mock
in this process (a loopback thread), with the settings a proof chooses; the target file it
is reached through says what the suite may assume: the faithful mock's profile, a variant's
own, or no `[profile]` at all (the shape of a staging target file).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.mock import MockSettings, RunningMock
from conformance.mock.target_file import profile_of, toml_value

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance" / "suite"
FAITHFUL = MockSettings()
RUN_TIMEOUT = 900  # seconds: a hang, never a slow run
VERDICTS = ("failure", "error", "skipped")  # JUnit's; "passed" when none of them


@dataclass
class SuiteRun:
    """The tests of one run by outcome, by suite test id (`test_x.py::Class::test[p]`)."""

    returncode: int = 0
    output: str = ""
    failed: set[str] = field(default_factory=set)  # failures and errors
    passed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    messages: dict[str, str] = field(default_factory=dict)  # a failure's message, by test

    def __str__(self) -> str:
        lines = [f"{len(self.passed)} passed, {len(self.failed)} failed, "
                 f"{len(self.skipped)} skipped"]
        lines += [f"  FAILED {test}: {self.messages.get(test, '')[:300]}"
                  for test in sorted(self.failed)]
        return "\n".join(lines)

    def by_name(self) -> SuiteRun:
        """The same run with tests named without their module (`Class::test[p]`)."""
        short = {test: test.split("::", 1)[1] for test in
                 self.failed | self.passed | self.skipped}
        return SuiteRun(self.returncode, self.output, {short[t] for t in self.failed},
                        {short[t] for t in self.passed}, {short[t] for t in self.skipped},
                        {short[t]: m for t, m in self.messages.items()})


def run_pytest(paths: Sequence[str], *options: str, junit: Path, target: Path | None = None,
               workers: int | None = 0, timeout: float = RUN_TIMEOUT) -> SuiteRun:
    """pytest on `paths` (relative to the suite, or any path) with the conformance plugin,
    from the repository; the outcomes as its JUnit file tells them."""
    command = [sys.executable, "-m", "pytest", *[str(SUITE / path) for path in paths],
               "-p", "conformance.plugin", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", "-o", "junit_family=xunit2", *options]
    if target is not None:
        command += ["--target", str(target)]
    if workers:
        command += ["-n", str(workers)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    run = SuiteRun(done.returncode, done.stdout + done.stderr)
    for test, (verdict, message) in read_junit(junit).items():
        if verdict in ("failure", "error"):
            run.failed.add(test)
            run.messages[test] = message
        else:
            (run.skipped if verdict == "skipped" else run.passed).add(test)
    return run


def run_command(*args: str, cwd: Path = REPO, timeout: float = RUN_TIMEOUT,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`itwin-conformance ARGS` in its own process, in `cwd`."""
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def read_junit(path: Path) -> dict[str, tuple[str, str]]:
    """Each test of a JUnit file by suite test id: (passed, failure, error or skipped, the
    failure's message)."""
    found: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return found
    for case in ET.parse(path).getroot().iter("testcase"):
        verdict = next((v for v in VERDICTS if case.find(v) is not None), "passed")
        bad = case.find(verdict) if verdict != "passed" else None
        message = (bad.get("message") or (bad.text or "")) if bad is not None else ""
        found[junit_test_id(case.get("classname", ""), case.get("name", ""))] = (verdict,
                                                                               message)
    return found


def junit_test_id(classname: str, name: str) -> str:
    """A JUnit test case as a suite test id: `module.py::Class::test[param]`, whether the
    run's rootdir was the repository (`conformance.suite.test_x.Class`) or the suite."""
    parts = classname.split(".")
    index = next((i for i, part in enumerate(parts) if part.startswith("test_")), None)
    if index is None:
        return f"{classname}::{name}"
    return "::".join([parts[index] + ".py", *parts[index + 1:], name])


def target_text(mock: RunningMock, profile: MockSettings | None,
                base_url: str | None = None, requests_per_minute: int | None = None) -> str:
    """The mock's target file, its [profile] that of `profile`'s readings (None: no profile),
    reached at `base_url` if given (a gateway in front of it)."""
    text = mock.target_toml()
    data = tomllib.loads(text)
    if base_url is not None:
        text = text.replace(f'base_url = "{data["base_url"]}"', f'base_url = "{base_url}"')
    tables = [t for t in text.split("\n\n") if not t.startswith("[profile]")]
    assert "profile" in data, "the mock writes a profile of its own"
    pins: dict[str, str | int | bool] = profile_of(profile) if profile is not None else {}
    if requests_per_minute is not None:
        pins["requests_per_minute"] = requests_per_minute
    if pins:
        tables.append("[profile]\n" + "\n".join(
            f"{key} = {toml_value(value)}" for key, value in pins.items()))
    return "\n\n".join(tables) + "\n"


def run_suite(mock: RunningMock, tmp_path: Path, *selection: str,
              profile: MockSettings | None = FAITHFUL, workers: int = 0,
              base_url: str | None = None, requests_per_minute: int | None = None) -> SuiteRun:
    """Run the selected suite tests (paths under conformance/suite) against `mock`; tests
    named without their module, as the proofs' tables name them."""
    target = tmp_path / "target.toml"
    target.write_text(target_text(mock, profile, base_url, requests_per_minute))
    run = run_pytest(selection or [""], junit=tmp_path / "junit.xml", target=target,
                     workers=workers)
    assert (tmp_path / "junit.xml").exists(), f"the run wrote no JUnit file:\n{run.output[-3000:]}"
    return run.by_name()
