"""summary.md: the verdict, counts by area and evidence, failures with their rule, known
deviations, and who was not tested."""

from __future__ import annotations

import re

from conformance.reporting import markdown
from conformance.reporting.records import Run

from .run_samples import record, sample_run


def section(text: str, title: str) -> str:
    """The text of one `## title` section (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}.*?(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no section {title!r} in:\n{text}"
    return match.group(0)


class TestHeading:
    def test_a_failing_run_says_so_first(self) -> None:
        first = markdown.render(sample_run()).splitlines()[0]
        assert first.startswith("# ❌") and first.endswith("failed")

    def test_a_passing_run_says_so_first(self) -> None:
        run = sample_run(records=[record("a.py::t", "passed")], exit_status=0, expired=[])
        assert markdown.render(run).splitlines()[0].startswith("# ✅")

    def test_an_unreachable_target_is_named(self) -> None:
        text = markdown.render(sample_run(exit_status=13))
        assert "target unreachable" in text.splitlines()[0]

    def test_target_run_id_and_tally(self) -> None:
        text = markdown.render(sample_run())
        assert "**staging**" in text and "`abcd1234`" in text
        assert "8 tests: 1 passed, 2 failed, 1 xfailed, 1 xpassed, 3 skipped." in text


class TestCounts:
    def test_by_area_rows_add_up(self) -> None:
        table = section(markdown.render(sample_run()), "By area")
        assert "| area | passed | failed | xfailed | xpassed | skipped |" in table
        assert "| images | 1 | 1 | 0 | 0 | 0 |" in table
        assert "| permissions | 0 | 0 | 0 | 0 | 2 |" in table

    def test_by_evidence(self) -> None:
        table = section(markdown.render(sample_run()), "By evidence")
        assert "| undetermined | 0 | 0 | 0 | 0 | 2 |" in table


class TestFailures:
    def test_each_failure_has_its_rule_and_what_broke(self) -> None:
        text = section(markdown.render(sample_run()), "Failures")
        assert "#### `test_upload_images.py::TestRatios::test_upload[ratio-6x1]`" in text
        assert "- Rule: 6:1: longer than 5:1: expects 422 InvalidiTwinsRequest" in text
        assert "- Broke: AssertionError: ratio-6x1: expected 422, got 201" in text

    def test_a_contract_violation_lists_each_violation(self) -> None:
        text = section(markdown.render(sample_run()), "Failures")
        assert "- Violation: `$status: server error 500" in text
        assert "- Response: `GET /itwins/1 (get-itwin) -> 500`" in text

    def test_a_long_list_is_cut_and_counted(self) -> None:
        many = [record(f"t.py::t[{i}]", "failed", message="x") for i in range(80)]
        text = markdown.render(sample_run(records=many))
        assert text.count("#### `t.py::t[") == markdown.MAX_FAILURES_SHOWN
        rest = 80 - markdown.MAX_FAILURES_SHOWN
        assert f"Details of {rest} more in report.json" in text
        also = next(line for line in text.splitlines() if line.startswith("Also: "))
        assert also.count("`t.py::t[") == rest  # the rest by name, under their cause

    def test_text_cannot_break_the_page(self) -> None:
        nasty = "a | b `c` <script>\n## not a heading"
        text = markdown.render(sample_run(records=[record("t.py::t", "failed", message=nasty)]))
        line = next(x for x in text.splitlines() if x.startswith("- Broke:"))
        assert "\\|" in line and "`" not in line and "<script>" not in line
        assert not any(x.startswith("## not a heading") for x in text.splitlines())


class TestDeviations:
    def test_expired_excused_now_passing_and_unused_each_have_a_place(self) -> None:
        text = section(markdown.render(sample_run()), "Known deviations")
        assert "Expired known deviations (run fails)" in text
        assert "| `test_old.py::t` | old \\| issue | https://x.test/3 | 2025-01-01 |" in text
        assert "now passes (remove them)" in text and "test_auth.py::TestHeader::test_w" in text
        assert "| `test_auth.py::TestHeader::test_z` | staging says 400 |" in text
        assert "matched no test" in text and "test_gone.py::t" in text

    def test_no_section_without_deviations(self) -> None:
        run = sample_run(records=[record("a.py::t", "passed")], expired=[], unused=[])
        assert "Known deviations" not in markdown.render(run)


class TestSkips:
    def test_personas_skipped_are_counted_with_the_reason(self) -> None:
        table = section(markdown.render(sample_run()), "Personas skipped")
        assert "| non_member | 2 | persona non_member is not in target staging |" in table

    def test_other_skips_are_grouped_by_reason_with_their_tests(self) -> None:
        text = section(markdown.render(sample_run()), "Other skips")
        assert ("- **1**: target staging is not a mock (no [mock] control_url)\n"
                "  - `test_rate_limits.py::TestTooManyRequests::test_y`") in text
        assert "non_member" not in text

    def test_the_summary_fits_a_github_step_summary(self) -> None:
        many = [record(f"t.py::t[{i}]", "failed", message="x" * 5000, rule="r" * 5000)
                for i in range(2000)]
        assert len(markdown.render(Run(many, "t", "u", "r", "s", 1.0, 1)).encode()) < 1_000_000
