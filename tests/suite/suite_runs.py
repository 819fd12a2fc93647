"""Runs of the shipped suite against a mock, in a subprocess over HTTP, as against any target.

The mock runs in this process (a loopback thread), with the settings a proof chooses; the
target file it is reached through says what the suite may assume: the faithful mock's
profile, a variant's own, or no `[profile]` at all (the shape of a staging target file).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from conformance.mock import MockSettings, RunningMock
from conformance.mock.target_file import profile_of, toml_value

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance" / "suite"
FAITHFUL = MockSettings()
RUN_TIMEOUT = 900  # seconds: a hang, never a slow run


@dataclass
class SuiteRun:
    """The tests of one run by outcome, as `Class::test[params]` (or `test[params]`)."""

    failed: dict[str, str] = field(default_factory=dict)  # test -> failure message
    passed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    output: str = ""

    def __str__(self) -> str:
        lines = [f"{len(self.passed)} passed, {len(self.failed)} failed, "
                 f"{len(self.skipped)} skipped"]
        lines += [f"  FAILED {test}: {message[:300]}" for test, message in
                  sorted(self.failed.items())]
        return "\n".join(lines)


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
    """Run the selected suite tests (paths under conformance/suite) against `mock`."""
    target = tmp_path / "target.toml"
    target.write_text(target_text(mock, profile, base_url, requests_per_minute))
    junit = tmp_path / "junit.xml"
    paths = [str(SUITE / part) for part in selection] or [str(SUITE)]
    command = [sys.executable, "-m", "pytest", *paths, "-p", "conformance.plugin",
               "--target", str(target), "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", "-o", "junit_family=xunit2"]
    if workers:
        command += ["-n", str(workers)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)
    return parse_junit(junit, done.stdout + done.stderr)


def parse_junit(junit: Path, output: str) -> SuiteRun:
    assert junit.exists(), f"the run wrote no JUnit file:\n{output[-3000:]}"
    run = SuiteRun(output=output)
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = suite_test_name(case.get("classname", ""), case.get("name", ""))
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            run.failed[name] = bad.get("message") or (bad.text or "")
        elif case.find("skipped") is not None:
            run.skipped.add(name)
        else:
            run.passed.add(name)
    return run


def suite_test_name(classname: str, name: str) -> str:
    """`Class::test[params]`, or `test[params]` for a test outside a class."""
    last = classname.rsplit(".", 1)[-1]
    return f"{last}::{name}" if last.startswith("Test") else name
