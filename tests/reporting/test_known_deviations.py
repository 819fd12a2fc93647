"""`--known-deviations FILE` in real runs: an excused failure is an expected failure, never a
pass; a crash is not excused; an expired entry fails the run; a test that passes again is
reported so its entry can go."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.exitcodes import FAILURES, OK, USAGE
from tests.suite.suite_runs import SuiteRun, run_command, run_pytest

from .report_checks import junit_cases
from .report_runs import FAILING, REPO, ReportRun, run_report

PASSING = "test_upload_images.py::TestRatios::test_upload[ratio-1000x200]"
PROBE = "tests/reporting/deviation_probe.py"
SELECTION = ["--", "-k", "ratio-6x1 or ratio-1000x200 or type-gif"]


def entry(test: str, expires: str = "2099-12-31", reason: str = "staging differs",
          target: str | None = None) -> str:
    line = f'target = "{target}"\n' if target else ""
    return (f'[[deviation]]\ntest = "{test}"\nreason = "{reason}"\n'
            f'link = "https://example.com/issues/7"\nexpires = {expires}\n{line}\n')


def run_with(tmp_path: Path, *entries: str) -> ReportRun:
    (tmp_path / "deviations.toml").write_text("".join(entries))
    return run_report(tmp_path, ["--known-deviations", "deviations.toml", *SELECTION])


@pytest.fixture(scope="module")
def excused_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """The 6:1 failure excused, the passing 1000x200 listed too, an entry for another
    target that would have expired."""
    return run_with(tmp_path_factory.mktemp("excused"), entry(FAILING), entry(PASSING),
                    entry("test_upload_images.py::*", expires="2000-01-01", target="qa"))


@pytest.fixture(scope="module")
def expired_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    return run_with(tmp_path_factory.mktemp("expired"),
                    entry(FAILING, expires="2000-01-01", reason="old news"))


class TestExcused:
    def test_the_run_passes_with_the_failure_excused(self, excused_run: ReportRun) -> None:
        assert excused_run.returncode == OK, excused_run.stdout[-3000:]

    def test_the_excused_failure_is_an_expected_failure_not_a_pass(self,
                                                                  excused_run: ReportRun) -> None:
        record = excused_run.record(FAILING)
        assert record["outcome"] == "xfailed"
        assert record["message"].startswith("known deviation: staging differs")
        assert record["deviation"]["link"] == "https://example.com/issues/7"
        assert "got 201" in record["details"]  # what failed is still there to read
        verdict = junit_cases(excused_run.out / "junit.xml")[FAILING]
        assert verdict == "skipped"  # JUnit's word for an expected failure, never "passed"

    def test_a_test_that_passes_again_is_reported_for_removal(self,
                                                             excused_run: ReportRun) -> None:
        assert excused_run.record(PASSING)["outcome"] == "xpassed"
        assert excused_run.json()["known_deviations"]["now_passing"] == [PASSING]
        assert "now passes (remove them)" in excused_run.read("summary.md")
        assert "NOW PASSES (remove its entry)" in excused_run.stdout

    def test_the_summary_lists_the_excuse_with_its_link(self, excused_run: ReportRun) -> None:
        text = excused_run.read("summary.md")
        assert f"| `{FAILING}` | staging differs | https://example.com/issues/7 |" in text

    def test_an_entry_for_another_target_neither_applies_nor_expires(
            self, excused_run: ReportRun) -> None:
        document = excused_run.json()
        assert document["known_deviations"]["expired"] == []
        assert {t["outcome"] for t in document["tests"] if "type-gif" in t["id"]} == {"passed"}


class TestExpired:
    def test_an_expired_entry_fails_the_run(self, expired_run: ReportRun) -> None:
        assert expired_run.returncode == FAILURES
        assert "EXPIRED 2000-01-01" in expired_run.stdout

    def test_and_excuses_nothing(self, expired_run: ReportRun) -> None:
        assert expired_run.record(FAILING)["outcome"] == "failed"

    def test_it_is_at_the_top_of_the_summary(self, expired_run: ReportRun) -> None:
        head = expired_run.read("summary.md").split("## ")[0]
        assert "1 known deviation(s) expired" in head
        assert expired_run.json()["known_deviations"]["expired"][0]["reason"] == "old news"

    def test_it_fails_the_run_even_when_every_test_passes(self, tmp_path: Path) -> None:
        (tmp_path / "d.toml").write_text(entry(PASSING, expires="2000-01-01"))
        run = run_report(tmp_path, ["--known-deviations", "d.toml", "--", "-k",
                                    "ratio-1000x200"], settings={})
        assert run.returncode == FAILURES
        assert run.json()["counts"] == {"passed": 1}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The probe's three tests, each with an active entry."""
    folder = tmp_path_factory.mktemp("probe")
    deviations = folder / "d.toml"
    deviations.write_text("".join(entry(f"{PROBE}::{name}") for name in (
        "test_broken_rule", "test_crash", "test_passes_now")))
    return run_pytest([str(REPO / PROBE)], "--known-deviations", str(deviations), "-rA",
                      junit=folder / "junit.xml", timeout=300)


class TestWhatIsExcused:
    def test_a_broken_rule_is_excused(self, probe: SuiteRun) -> None:
        assert "XFAIL tests/reporting/deviation_probe.py::test_broken_rule" in probe.output

    def test_a_crash_in_the_test_is_not(self, probe: SuiteRun) -> None:
        assert "FAILED tests/reporting/deviation_probe.py::test_crash" in probe.output
        assert probe.returncode == 1

    def test_a_pass_stays_visible(self, probe: SuiteRun) -> None:
        assert "XPASS tests/reporting/deviation_probe.py::test_passes_now" in probe.output


class TestBadFile:
    def test_a_bad_file_is_a_usage_error_before_anything_runs(self, tmp_path: Path) -> None:
        bad = tmp_path / "d.toml"
        bad.write_text('[[deviation]]\ntest = "x"\nreason = "no link, no expiry"\n')
        result = run_command("run", "--known-deviations", str(bad), timeout=120)
        assert result.returncode == USAGE
        assert "missing link, expires" in result.stderr + result.stdout
