"""No token, secret or signature of a run reaches any file of its report directory.

The values searched for are the real ones: every token the mock minted during the run
(target file, control API, token endpoint), every SAS signature it put in a blob link, and
its client secrets, in raw, URL-encoded and JSON-escaped form, plus anything shaped like a
JWT, a Bearer credential or a `sig=` value.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.suite.suite_runs import run_pytest
from tests.tooling.hostile_server import (
    CLIENT_SECRET,
    OPAQUE_TOKEN,
    RUNTIME_TOKEN,
    HostileServer,
    hostile_target,
)

from .report_checks import leaks_in, secret_forms
from .report_runs import ReportRun, run_report

pytest_plugins = ["tests.reporting.report_fixtures"]

PROBE = "tests/reporting/leaky_probe.py"


@pytest.fixture(scope="module")
def leaky_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """A run whose one failing test quotes the org_admin token in its message and output,
    with captured output written into junit.xml."""
    return run_report(tmp_path_factory.mktemp("leaky"),
                      ["-o", "junit_logging=all", "-k", "quoting or ratio-1000x200"],
                      settings={}, paths=[PROBE, "conformance/suite/test_upload_images.py"])


class TestSuiteRun:
    def test_no_file_holds_a_secret(self, report_run: ReportRun) -> None:
        assert leaks_in(report_run.out, set(report_run.secrets)) == []

    def test_the_search_had_something_to_find(self, report_run: ReportRun) -> None:
        """The run did see tokens and signed links, and the reports did show the links."""
        assert report_run.tokens >= 10 and report_run.signatures >= 4
        html = report_run.read("report.html")
        assert html.count("sig=[REDACTED]") >= 4
        assert "smallImageUrl" in html


class TestCarelessTest:
    def test_the_probe_failed_as_meant(self, leaky_run: ReportRun) -> None:
        assert leaky_run.returncode == 1, leaky_run.stdout[-3000:]
        assert "Bearer" in leaky_run.read("junit.xml")  # its message is there...

    def test_but_no_file_holds_the_token(self, leaky_run: ReportRun) -> None:
        assert leaks_in(leaky_run.out, set(leaky_run.secrets)) == []

    def test_nor_does_the_terminal(self, leaky_run: ReportRun) -> None:
        """The probe printed the token and quoted it in its failure: the terminal shows both
        places, redacted (which also proves the token reached what reports are made of)."""
        terminal = leaky_run.stdout + leaky_run.stderr
        assert not [s for s in leaky_run.secrets if any(f in terminal for f in secret_forms(s))]
        assert "captured output with the token: [REDACTED]" in terminal
        assert "sent Authorization: Bearer [REDACTED] and got nothing back" in terminal

    def test_redacted_text_says_so(self, leaky_run: ReportRun) -> None:
        for name in ("junit.xml", "report.json", "summary.md", "report.html"):
            assert "Bearer [REDACTED]" in (leaky_run.out / name).read_text(), name


@dataclass
class EchoRun:
    out: Path
    terminal: str


@pytest.fixture(scope="module", params=["serial", "-n 2"])
def echo_run(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[EchoRun]:
    """Part of the suite against a target that echoes each request's opaque token in its
    answers (`\\/`-escaped, URL-encoded, base64), with every report and captured output in
    junit.xml; serially and under xdist (where workers' reports travel to the controller)."""
    workdir = tmp_path_factory.mktemp("echo")
    extra = [] if request.param == "serial" else ["-n", "2"]
    with HostileServer() as server:
        (workdir / "t.toml").write_text(hostile_target(server, "echo"))
        result = run_pytest(["test_permissions.py", "test_lifecycle.py"],
                            "--report", str(workdir / "out"), "-o", "junit_logging=all",
                            "-rA", junit=workdir / "out" / "junit.xml",
                            target=workdir / "t.toml", workers=2 if extra else 0,
                            timeout=600)
    assert result.returncode == 1, result.output[-3000:]
    yield EchoRun(workdir / "out", result.output)


def found_in(text: str) -> list[str]:
    """Which forms of the run's secrets (the static token, the token obtained during the
    run, the client secret that obtained it) `text` holds, masked."""
    return [f"{secret[:6]}...: {form[:6]}..." for secret in (
        OPAQUE_TOKEN, RUNTIME_TOKEN, CLIENT_SECRET) for form in secret_forms(secret)
        if form in text]


class TestAnEchoingTarget:
    """An opaque token has no shape to be found by: it is redacted by value, in every form
    the target gave it, in every file and on the terminal."""

    @pytest.mark.parametrize("name", ["junit.xml", "report.html", "report.json",
                                      "summary.md"])
    def test_no_report_file_holds_a_secret(self, echo_run: EchoRun, name: str) -> None:
        text = (echo_run.out / name).read_text(encoding="utf-8")
        assert found_in(text) == []

    def test_nor_the_terminal(self, echo_run: EchoRun) -> None:
        assert found_in(echo_run.terminal) == []

    def test_the_echo_was_there_to_be_found(self, echo_run: EchoRun) -> None:
        """The answers quoted in failures, in the HTML report and on the terminal held the
        echo, where each form of the token now reads [REDACTED]."""
        echoed = '"echo":"[REDACTED]","query":"token=[REDACTED]","basic":"[REDACTED]'
        for text in (echo_run.terminal, (echo_run.out / "junit.xml").read_text(),
                     html.unescape((echo_run.out / "report.html").read_text())):
            assert echoed in text


class TestLeakCheck:
    def test_it_finds_a_planted_secret_in_any_form(self, tmp_path: Path) -> None:
        secret = "ab+c/d=e-secret-value"
        forms = (secret, "ab%2Bc%2Fd%3De-secret-value", "ab+c\\/d=e-secret-value",
                 "ab+c\\\\/d=e-secret-value", "YWIrYy9kPWUtc2VjcmV0LXZhbHVl",
                 "YWIrYy9kPWUtc2VjcmV0LXZhbHVl".replace("+", "-").replace("/", "_"))
        for i, form in enumerate(forms):
            (tmp_path / f"f{i}.txt").write_text(f"before {form} after")
        assert len(leaks_in(tmp_path, {secret})) == len(forms)

    def test_it_finds_token_shapes_it_was_not_told_about(self, tmp_path: Path) -> None:
        (tmp_path / "a.json").write_text('{"x": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}')
        (tmp_path / "b.html").write_text("<td>https://h/b?sv=1&amp;sig=AbC%2B1&amp;se=2</td>")
        assert [f.split(":")[0] for f in leaks_in(tmp_path, set())] == ["a.json", "b.html"]
