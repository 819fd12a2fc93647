"""Known-deviations files: what is accepted, what is refused, and which entries apply."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conformance.deviations import (
    Deviation,
    DeviationBook,
    DeviationError,
    load_deviations,
)

TODAY = dt.date(2025, 6, 15)
ENTRY = """
[[deviation]]
test = "test_upload_images.py::TestRatios::test_upload[ratio-6x1]"
reason = "staging accepts 6:1"
link = "https://example.com/issues/1"
expires = 2025-06-30
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deviations.toml"
    path.write_text(text)
    return path


def entry(test: str = "a.py::t", expires: dt.date = TODAY, target: str | None = None
          ) -> Deviation:
    return Deviation(test, "why", "https://example.com/1", expires, target)


class TestFile:
    def test_a_valid_entry_is_read(self, tmp_path: Path) -> None:
        (loaded,) = load_deviations(write(tmp_path, ENTRY))
        assert loaded == Deviation("test_upload_images.py::TestRatios::test_upload[ratio-6x1]",
                                   "staging accepts 6:1", "https://example.com/issues/1",
                                   dt.date(2025, 6, 30))

    def test_an_empty_file_has_no_entries(self, tmp_path: Path) -> None:
        assert load_deviations(write(tmp_path, "")) == []

    def test_a_date_may_be_a_string(self, tmp_path: Path) -> None:
        (loaded,) = load_deviations(write(tmp_path, ENTRY.replace("2025-06-30",
                                                                  '"2025-06-30"')))
        assert loaded.expires == dt.date(2025, 6, 30)

    @pytest.mark.parametrize(("change", "message"), [
        (('reason = "staging accepts 6:1"\n', ""), "missing reason"),
        (('link = "https://example.com/issues/1"\n', ""), "missing link"),
        (("expires = 2025-06-30\n", ""), "missing expires"),
        (("https://example.com/issues/1", "see the wiki"), "link: must be an http(s) URL"),
        (("expires = 2025-06-30", "expires = 2025-06-30T10:00:00"), "not a date-time"),
        (("expires = 2025-06-30", 'expires = "next month"'), "must be a date"),
        (('reason = "staging accepts 6:1"', 'reason = "  "'), "reason: must be a non-empty"),
        (("expires = 2025-06-30", "expires = 2025-06-30\nowner = \"me\""), "unknown key(s) owner"),
        (("[[deviation]]", "[[deviations]]"), "unknown key(s) deviations"),
    ])
    def test_an_incomplete_or_wrong_entry_is_refused(self, tmp_path: Path,
                                                     change: tuple[str, str],
                                                     message: str) -> None:
        with pytest.raises(DeviationError, match="deviation") as caught:
            load_deviations(write(tmp_path, ENTRY.replace(*change)))
        assert message in str(caught.value)

    def test_the_same_test_twice_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(DeviationError, match="listed twice"):
            load_deviations(write(tmp_path, ENTRY + ENTRY))

    def test_the_same_test_for_two_targets_is_allowed(self, tmp_path: Path) -> None:
        text = (ENTRY + 'target = "staging"\n' + ENTRY + 'target = "qa"\n')
        assert len(load_deviations(write(tmp_path, text))) == 2

    def test_missing_or_invalid_files_say_so(self, tmp_path: Path) -> None:
        with pytest.raises(DeviationError, match="does not exist"):
            load_deviations(tmp_path / "none.toml")
        with pytest.raises(DeviationError, match="not valid TOML"):
            load_deviations(write(tmp_path, "[[deviation]\n"))


class TestExpiry:
    def test_the_expiry_day_itself_still_applies(self) -> None:
        book = DeviationBook((entry(expires=TODAY),), None, TODAY)
        assert book.active and not book.expired

    def test_the_day_after_it_has_expired(self) -> None:
        book = DeviationBook((entry(expires=TODAY - dt.timedelta(days=1)),), None, TODAY)
        assert book.expired and not book.active

    def test_an_expired_entry_excuses_nothing(self) -> None:
        book = DeviationBook((entry(expires=TODAY - dt.timedelta(days=1)),), None, TODAY)
        assert book.for_test("a.py::t") is None
        assert book.expired_for_test("a.py::t") is not None


class TestMatching:
    def test_an_exact_id_matches_only_itself(self) -> None:
        book = DeviationBook((entry("a.py::T::t[x]"),), None, TODAY)
        assert book.for_test("a.py::T::t[x]") is not None
        assert book.for_test("a.py::T::t[xy]") is None
        assert book.for_test("b.py::T::t[x]") is None

    def test_brackets_in_an_id_are_not_a_character_class(self) -> None:
        book = DeviationBook((entry("a.py::t[ab]"),), None, TODAY)
        assert book.for_test("a.py::t[ab]") is not None
        assert book.for_test("a.py::ta") is None

    def test_a_pattern_matches_many_and_an_exact_entry_wins(self) -> None:
        pattern = entry("test_permissions.py::*[non_member-*]")
        exact = entry("test_permissions.py::T::t[non_member-upload]")
        book = DeviationBook((pattern, exact), None, TODAY)
        assert book.for_test("test_permissions.py::T::t[non_member-get-image]") == pattern
        assert book.for_test("test_permissions.py::T::t[non_member-upload]") == exact

    def test_an_entry_for_another_target_is_ignored_even_when_expired(self) -> None:
        old = TODAY - dt.timedelta(days=30)
        book = DeviationBook((entry(target="qa", expires=old), entry("b.py::t", target="staging")),
                             "staging", TODAY)
        assert book.for_test("a.py::t") is None
        assert book.expired == []
        assert book.for_test("b.py::t") is not None

    def test_unused_entries_are_those_no_test_matched(self) -> None:
        used, unused = entry("a.py::t"), entry("gone.py::t")
        book = DeviationBook((used, unused), None, TODAY)
        assert book.unused(["a.py::t", "c.py::t"]) == [unused]
