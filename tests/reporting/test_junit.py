"""junit.xml: pytest's file, claimed for the report directory and redacted; and the check
the end-to-end tests apply to it, shown to fail on files a JUnit reader would reject."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.redact import REDACTED, Redactor
from conformance.reporting import junit

from .report_checks import junit_problems

GOOD = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0"
failures="1" skipped="1" tests="3" time="1.0"><testcase classname="a.T" name="t1" time="0.1"/>
<testcase classname="a.T" name="t2" time="0.2"><failure message="boom">trace</failure></testcase>
<testcase classname="a.T" name="t3" time="0.0"><skipped message="why"/></testcase>
</testsuite></testsuites>"""
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"


def config(xmlpath: str | None, where: Path) -> Any:
    return SimpleNamespace(option=SimpleNamespace(xmlpath=xmlpath),
                           invocation_params=SimpleNamespace(dir=where))


class TestCheck:
    def test_a_good_file_passes(self, tmp_path: Path) -> None:
        (tmp_path / "j.xml").write_text(GOOD)
        assert junit_problems(tmp_path / "j.xml") == []

    @pytest.mark.parametrize(("change", "problem"), [
        (('tests="3"', 'tests="4"'), "tests='4' but 3"),
        (('failures="1"', 'failures="0"'), "failures='0' but 1"),
        (('<failure message="boom">', "<failure>"), "<failure> without message"),
        (('time="0.2"', 'time="soon"'), "is not a number"),
        (('classname="a.T" name="t1"', 'name="t1"'), "without name or classname"),
        (("testsuites>", "results>"), "root is <results>"),
        (("</testsuites>", ""), "not readable XML"),
    ])
    def test_each_defect_is_found(self, tmp_path: Path, change: tuple[str, str],
                                  problem: str) -> None:
        (tmp_path / "j.xml").write_text(GOOD.replace(*change))
        problems = junit_problems(tmp_path / "j.xml")
        assert any(problem in p for p in problems), problems

    def test_a_huge_property_is_found(self, tmp_path: Path) -> None:
        bloated = GOOD.replace('time="0.1"/>', 'time="0.1"><properties><property name="x" '
                               f'value="{"a" * 5000}"/></properties></testcase>')
        (tmp_path / "j.xml").write_text(bloated)
        assert any("5000 characters" in p for p in junit_problems(tmp_path / "j.xml"))


class TestClaim:
    def test_pytest_is_pointed_into_the_report_directory(self, tmp_path: Path) -> None:
        given = config(None, tmp_path)
        junit.claim(given, tmp_path / "out")
        assert given.option.xmlpath == str(tmp_path / "out" / "junit.xml")

    def test_an_explicit_junitxml_is_left_alone(self, tmp_path: Path) -> None:
        given = config("elsewhere.xml", tmp_path)
        junit.claim(given, tmp_path / "out")
        assert given.option.xmlpath == "elsewhere.xml"


class TestFinish:
    def test_the_written_file_is_redacted_in_place(self, tmp_path: Path) -> None:
        path = tmp_path / "junit.xml"
        path.write_text(GOOD.replace("trace", f"Authorization: Bearer {TOKEN} key-9999"))
        junit.finish(config(str(path), tmp_path), tmp_path, Redactor.of(["key-9999"]))
        text = path.read_text()
        assert TOKEN not in text and "key-9999" not in text and REDACTED in text

    def test_an_explicit_file_is_redacted_and_copied_into_the_directory(self,
                                                                       tmp_path: Path) -> None:
        (tmp_path / "elsewhere.xml").write_text(GOOD.replace("trace", TOKEN))
        out = tmp_path / "out"
        out.mkdir()
        written = junit.finish(config("elsewhere.xml", tmp_path), out, Redactor())
        assert written == out / "junit.xml"
        for path in (tmp_path / "elsewhere.xml", out / "junit.xml"):
            assert TOKEN not in path.read_text()

    def test_nothing_written_is_nothing_copied(self, tmp_path: Path) -> None:
        assert junit.finish(config(str(tmp_path / "none.xml"), tmp_path), tmp_path,
                            Redactor()) is None
