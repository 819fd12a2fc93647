"""Reports on every exit: `--report DIR` holds a summary (and the JSON and HTML) also when the
run stops before any test, at the target file or the preflight, with the verdict "not run"
and why; and when it tested nothing, with the verdict "nothing tested" and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.reporting import html, markdown

from ..tooling.gate_runs import Result, run_command, write_target
from .run_samples import sample_run

UNREACHABLE_URL = "http://127.0.0.1:9/itwins"  # port 9 (discard): nothing listens on loopback


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Result:
    workdir = tmp_path_factory.mktemp("unreachable")
    return run_command(workdir, write_target(workdir, UNREACHABLE_URL), "--", "-n", "2")


class TestUnreachableTarget:
    def test_the_report_folder_holds_every_file(self, unreachable: Result) -> None:
        assert unreachable.returncode == 3, unreachable.output[-2000:]
        assert sorted(p.name for p in unreachable.out.iterdir()) == [
            "junit.xml", "report.html", "report.json", "summary.md"]

    def test_the_summary_says_not_run_and_why(self, unreachable: Result) -> None:
        lines = unreachable.summary().splitlines()
        assert lines[0] == "# ❌ iTwins image API conformance: not run"
        why = [line for line in lines if line.startswith("- preflight of made")]
        assert len(why) == 1 and "target unreachable: GET http://127.0.0.1:9/itwins/" in why[0]
        assert "0 tests: none." in lines

    def test_the_json_says_where_it_stopped(self, unreachable: Result) -> None:
        document = unreachable.json()
        assert document["verdict"] == "not run" and document["exit_status"] == 13
        assert document["stopped_at"] == "preflight" and document["tests"] == []
        assert document["target"] == {"name": "made", "base_url": UNREACHABLE_URL}
        assert len(document["why"]) == 1

    def test_the_html_says_it(self, unreachable: Result) -> None:
        page = (unreachable.out / "report.html").read_text()
        assert 'data-verdict="not run"' in page and '<ul class="why"' in page


class TestBadTargetFile:
    def test_the_summary_names_the_key(self, tmp_path: Path) -> None:
        target = write_target(tmp_path, UNREACHABLE_URL, extra="[itwins]\nshard = \"x\"\n")
        result = run_command(tmp_path, target)
        assert result.returncode == 2, result.output[-2000:]
        text = result.summary()
        assert text.startswith("# ❌ iTwins image API conformance: not run")
        assert "itwins: unknown key 'shard' (did you mean 'shared'?)" in text
        assert result.json()["stopped_at"] == "configuration"


class TestWriters:
    def test_markdown_lists_why_under_the_verdict(self) -> None:
        run = sample_run(records=[], exit_status=14, expired=[], unused=[],
                         why=["nothing tested: no conformance test executed (none selected)"])
        lines = markdown.render(run).splitlines()
        assert lines[0] == "# ❌ iTwins image API conformance: nothing tested"
        assert "- nothing tested: no conformance test executed (none selected)" in lines

    def test_a_stop_before_the_start_is_not_run_whatever_the_status(self) -> None:
        for at, status in (("configuration", 4), ("preflight", 13), ("preflight", 4)):
            run = sample_run(records=[], exit_status=status, stopped_at=at, why=["x"])
            assert run.verdict == "not run"
            assert 'data-verdict="not run"' in html.render(run)
        assert sample_run(exit_status=13, stopped_at="mid-run").verdict == "target unreachable"
