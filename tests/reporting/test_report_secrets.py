"""No token, secret or signature of a run reaches any file of its report directory.

The values searched for are the real ones: every token the mock minted during the run
(target file, control API, token endpoint), every SAS signature it put in a blob link, and
its client secrets, in raw, URL-encoded and JSON-escaped form, plus anything shaped like a
JWT, a Bearer credential or a `sig=` value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .report_checks import leaks_in
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

    def test_the_token_was_in_the_terminal_output_so_the_check_could_fail(
            self, leaky_run: ReportRun) -> None:
        """Redaction is of report files; the probe's own terminal output shows the token,
        which proves the probe really put it where a report would pick it up."""
        assert any(secret in leaky_run.stdout for secret in leaky_run.secrets)

    def test_redacted_text_says_so(self, leaky_run: ReportRun) -> None:
        for name in ("junit.xml", "report.json", "summary.md", "report.html"):
            assert "Bearer [REDACTED]" in (leaky_run.out / name).read_text(), name


class TestLeakCheck:
    def test_it_finds_a_planted_secret_in_any_form(self, tmp_path: Path) -> None:
        secret = "ab+c/d=e-secret-value"
        forms = (secret, "ab%2Bc%2Fd%3De-secret-value", "ab+c\\/d=e-secret-value")
        for i, form in enumerate(forms):
            (tmp_path / f"f{i}.txt").write_text(f"before {form} after")
        assert len(leaks_in(tmp_path, {secret})) == 3

    def test_it_finds_token_shapes_it_was_not_told_about(self, tmp_path: Path) -> None:
        (tmp_path / "a.json").write_text('{"x": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}')
        (tmp_path / "b.html").write_text("<td>https://h/b?sv=1&amp;sig=AbC%2B1&amp;se=2</td>")
        assert [f.split(":")[0] for f in leaks_in(tmp_path, set())] == ["a.json", "b.html"]
