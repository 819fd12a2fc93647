"""The report: every scenario as same, different (how) or on one side only, in JSON,
Markdown and HTML that agree; escaped HTML; never a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.fidelity.report import (
    DIFFERENT,
    NOT_RECORDED,
    ONLY_IN_RECORDING,
    ONLY_IN_RUN,
    SAME,
    FidelityReport,
    html_page,
    load,
    markdown,
    write,
)
from conformance.redact import LeakError, Redactor

OVERSIZE = "test_upload_images.py::TestSizes::test_upload[size-png-5242881]"
STATUS = {"path": "exchanges[0].response.status", "kind": "changed",
          "message": "recorded 413, this run 422",
          "recorded": 413, "run": 422}


def sample(**fields: object) -> FidelityReport:
    report = FidelityReport(
        recording="fidelity/baselines/staging", target="mock", target_is_mock=True,
        known_differences="known-differences.toml", known_applied=True,
        scenarios=[
            {"test": OVERSIZE, "status": DIFFERENT, "differences": [STATUS], "excused": [],
             "suite_outcome": "passed"},
            {"test": "test_auth.py::T::same", "status": SAME, "differences": [],
             "excused": [{"path": "exchanges[0].response.headers.x-correlation-id",
                          "reason": "no correlation ids", "kind": "missing", "message": "m"}]},
            {"test": "test_auth.py::T::<b>", "status": ONLY_IN_RECORDING,
             "note": "skipped in this run"},
            {"test": "test_auth.py::T::new", "status": ONLY_IN_RUN},
            {"test": "test_fuzz.py::T::f", "status": NOT_RECORDED},
        ],
        stale=[{"index": 1, "path": "$..etag", "reason": "old", "tests": ["*"]}])
    for key, value in fields.items():
        setattr(report, key, value)
    return report


class TestContent:
    def test_markdown_names_the_scenario_and_the_field(self) -> None:
        text = markdown(sample())
        assert f"`{OVERSIZE}`" in text
        assert "**changed** `exchanges[0].response.status`: recorded 413, this run 422" in text
        assert "| different | 1 |" in text

    def test_says_when_only_the_comparison_failed(self) -> None:
        assert f"- `{OVERSIZE}`: the suite's own checks passed" in markdown(sample())

    def test_every_status_has_its_section(self) -> None:
        text = markdown(sample())
        for heading in ("## Different (1)", "## Only in the recording", "## Only in this run",
                        "## Same (1)", "## Not recorded by design (1)",
                        "## Stale known differences (1)"):
            assert heading in text

    def test_excused_differences_are_shown_with_their_reason(self) -> None:
        assert "known `exchanges[0].response.headers.x-correlation-id`: no correlation ids" \
            in markdown(sample())

    def test_says_when_known_differences_were_not_applied(self) -> None:
        text = markdown(sample(known_applied=False, target_is_mock=False))
        assert "NOT applied: the compared target is not a mock" in text

    def test_html_escapes_and_agrees(self) -> None:
        page = html_page(sample())
        assert "test_auth.py::T::&lt;b&gt;" in page and "T::<b>" not in page
        assert OVERSIZE in page and "recorded 413, this run 422" in page

    def test_json_counts_every_status(self) -> None:
        data = sample().to_json()
        assert data["counts"] == {DIFFERENT: 1, ONLY_IN_RECORDING: 1, ONLY_IN_RUN: 1,
                                  SAME: 1, NOT_RECORDED: 1}
        assert [s["test"] for s in data["scenarios"]] == sorted(s["test"]
                                                               for s in data["scenarios"])


class TestFailed:
    def test_differences_fail(self) -> None:
        assert sample().failed

    def test_recorded_scenarios_not_compared_fail(self) -> None:
        report = sample()
        report.scenarios = [s for s in report.scenarios if s["status"] != DIFFERENT]
        assert report.failed

    def test_same_and_one_sided_runs_pass(self) -> None:
        report = sample()
        report.scenarios = [s for s in report.scenarios
                            if s["status"] in (SAME, ONLY_IN_RUN, NOT_RECORDED)]
        assert not report.failed


class TestFiles:
    def test_three_forms_round_trip(self, tmp_path: Path) -> None:
        written = write(sample(), tmp_path, Redactor())
        assert sorted(p.name for p in written.values()) == ["fidelity.html", "fidelity.json",
                                                           "fidelity.md"]
        assert load(tmp_path).to_json() == sample().to_json()
        json.loads((tmp_path / "fidelity.json").read_text())

    def test_a_secret_never_reaches_a_report(self, tmp_path: Path) -> None:
        report = sample()
        report.target = "staging s3cr3t-abcdef"
        write(report, tmp_path, Redactor(["s3cr3t-abcdef"]))
        for path in tmp_path.iterdir():
            assert "s3cr3t-abcdef" not in path.read_text()

    def test_refuses_what_it_cannot_scrub(self, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(Redactor, "text", lambda self, value: value)
        with pytest.raises(LeakError):
            write(sample(target="eyJhbGciOi.eyJzdWIi.c2ln"), tmp_path, Redactor())
