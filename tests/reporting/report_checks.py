"""Checks the reporting tests apply to report files, each shown elsewhere to fail when it
should (tests/reporting/test_checks.py): a check that cannot fail proves nothing."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, quote_plus

from conformance.redact import BEARER, JWT, SAS_SIGNATURE
from tests.suite.suite_runs import read_junit

BROWSERS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable")
REQUIRE_BROWSER = "CONFORMANCE_REQUIRE_BROWSER"


def junit_problems(path: Path) -> list[str]:
    """What is wrong with a JUnit XML file, as a CI's JUnit reader would see it."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        return [f"not readable XML: {exc}"]
    suites = [root] if root.tag == "testsuite" else list(root)
    if root.tag not in ("testsuites", "testsuite") or not suites:
        return [f"root is <{root.tag}>, expected <testsuites> with <testsuite> children"]
    problems: list[str] = []
    for suite in suites:
        problems += _suite_problems(suite)
    return problems


def _suite_problems(suite: ET.Element) -> list[str]:
    problems = []
    if suite.tag != "testsuite":
        return [f"<{suite.tag}> where a <testsuite> belongs"]
    cases = suite.findall("testcase")
    counted = {"tests": len(cases),
               "failures": sum(c.find("failure") is not None for c in cases),
               "errors": sum(c.find("error") is not None for c in cases),
               "skipped": sum(c.find("skipped") is not None for c in cases)}
    for name, count in counted.items():
        declared = suite.get(name)
        if declared is None or not declared.isdigit() or int(declared) != count:
            problems.append(f"testsuite {name}={declared!r} but {count} testcases say so")
    for case in cases:
        problems += _case_problems(case)
    return problems


def _case_problems(case: ET.Element) -> list[str]:
    problems = []
    name = case.get("name")
    if not name or not case.get("classname"):
        problems.append(f"testcase without name or classname: {case.attrib}")
    try:
        float(case.get("time", ""))
    except ValueError:
        problems.append(f"testcase {name}: time {case.get('time')!r} is not a number")
    for verdict in ("failure", "error"):
        for element in case.findall(verdict):
            if element.get("message") is None:
                problems.append(f"testcase {name}: <{verdict}> without message")
    for prop in case.iter("property"):
        if len(prop.get("value", "")) > 1000:
            problems.append(f"testcase {name}: property {prop.get('name')} is "
                            f"{len(prop.get('value', ''))} characters")
    return problems


def junit_cases(path: Path) -> dict[str, str]:
    """Suite test id -> passed, failure, error or skipped."""
    return {test: verdict for test, (verdict, _) in read_junit(path).items()}


def secret_forms(value: str) -> set[str]:
    """A value as it may appear in a file: raw, URL-encoded (query, path), JSON-escaped
    (with `\\/`, and once more inside a JSON report), base64 and base64url (whole)."""
    encoded = base64.b64encode(value.encode()).decode().rstrip("=")
    return {value, quote_plus(value), quote(value, safe=""), value.replace("/", "\\/"),
            value.replace("/", "\\\\/"), encoded,
            encoded.replace("+", "-").replace("/", "_")}


def leaks_in(directory: Path, secrets: set[str]) -> list[str]:
    """Each file of `directory` holding a secret (in any of its forms) or a token's shape."""
    found = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            if any(form in text for form in secret_forms(secret)):
                found.append(f"{path.name}: a secret ending ...{secret[-4:]}")
        for name, pattern in (("JWT", JWT), ("Bearer", BEARER), ("sig=", SAS_SIGNATURE)):
            match = pattern.search(text)
            if match:
                found.append(f"{path.name}: {name} at {match.start()}")
    return found


def browser() -> str | None:
    """A Chromium (or Chrome) binary, or None."""
    for name in BROWSERS:
        found = shutil.which(name) if not os.path.isabs(name) else (
            name if os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def dump_dom(binary: str, page: Path, profile: Path) -> str:
    """The DOM after the page's load event (its script has marked each image)."""
    result = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class _Images(HTMLParser):
    """Each <img> with its attributes and the id of the <section> it is in."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.body: dict[str, str] = {}
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "section":
            self._section = values.get("data-test", values.get("id", ""))
        elif tag == "img":
            self.images.append({**values, "section": self._section})
        elif tag == "body":
            self.body = values


def images_in(dom: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    parser = _Images()
    parser.feed(dom)
    return parser.images, parser.body
