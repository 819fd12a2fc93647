"""Known differences: each excuses the differences at its path and below, in the tests it
names, with a reason; one that excuses nothing in the tests it names is stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.fidelity.compare import AGE, CHANGED, MISSING, Difference
from conformance.fidelity.known import KnownDifferencesError, excuse, load_known, stale

UPLOAD = "test_upload_images.py::TestSizes::test_upload[size-png-5242881]"
DELETE = "test_lifecycle.py::TestDelete::test_delete_is_not_idempotent"
CORRELATION = Difference(("exchanges", 0, "response", "headers", "x-correlation-id"), MISSING,
                         recorded="<correlation-id:1>")
STATUS = Difference(("exchanges", 0, "response", "status"), CHANGED, 413, 422)


def declare(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "known-differences.toml"
    path.write_text(text)
    return path


HEADER = '''
[[difference]]
path = "exchanges[*].response.headers.x-correlation-id"
reason = "the mock sends no correlation ids"
'''
SIZES_ONLY = '''
[[difference]]
path = "exchanges[0].response"
reason = "the mock answers 422 for oversize bodies"
tests = ["test_upload_images.py::TestSizes::test_upload[size-png-*]"]
'''


class TestLoad:
    def test_entries_with_path_reason_and_default_scope(self, tmp_path: Path) -> None:
        (entry,) = load_known(declare(tmp_path, HEADER))
        assert entry.reason == "the mock sends no correlation ids"
        assert entry.tests == ("*",)

    def test_no_file_no_entries(self) -> None:
        assert load_known(None) == []

    @pytest.mark.parametrize(("text", "message"), [
        ("[[difference]]\npath = 'a'\n", "`reason` is required"),
        ("[[difference]]\nreason = 'r'\n", "`path`"),
        ("[[difference]]\npath = 'a[x'\nreason = 'r'\n", "cannot read path"),
        ("[[difference]]\npath = 'a'\nreason = 'r'\ntests = []\n", "`tests`"),
        ("[[difference]]\npath = 'a'\nreason = 'r'\nwhy = 1\n", "unknown key(s) why"),
        ("[differences]\n", "unknown key(s) differences"),
        ("path = ", "not valid TOML"),
    ])
    def test_a_bad_file_says_where_and_why(self, tmp_path: Path, text: str,
                                           message: str) -> None:
        with pytest.raises(KnownDifferencesError) as caught:
            load_known(declare(tmp_path, text))
        assert message in str(caught.value)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(KnownDifferencesError, match="does not exist"):
            load_known(tmp_path / "nope.toml")


class TestExcuse:
    def test_covers_its_path_in_every_test_by_default(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, HEADER))
        remaining, excused = excuse(known, DELETE, [CORRELATION, STATUS])
        assert remaining == [STATUS]
        assert [e.difference for e in excused] == [CORRELATION]
        assert excused[0].to_json()["reason"] == "the mock sends no correlation ids"

    def test_covers_everything_below_its_path(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, SIZES_ONLY))
        remaining, _ = excuse(known, UPLOAD, [CORRELATION, STATUS])
        assert remaining == []

    def test_only_in_the_tests_it_names(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, SIZES_ONLY))
        remaining, excused = excuse(known, DELETE, [STATUS])
        assert (remaining, excused) == ([STATUS], [])

    def test_brackets_in_test_ids_are_literal(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, SIZES_ONLY))
        assert known[0].in_scope(UPLOAD)
        assert not known[0].in_scope("test_upload_images.py::TestSizes::test_upload[size-p]")

    def test_never_excuses_a_stale_baseline(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, '[[difference]]\npath = "**"\nreason = "all"\n'))
        age = Difference(("last_passed",), AGE, note="too old")
        remaining, _ = excuse(known, UPLOAD, [age, STATUS])
        assert remaining == [age]


class TestStale:
    def test_in_scope_but_used_nowhere_is_stale(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, HEADER + SIZES_ONLY))
        assert [k.index for k in stale(known, [UPLOAD], used={1})] == [0]

    def test_used_once_is_not_stale(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, HEADER))
        assert stale(known, [UPLOAD, DELETE], used={0}) == []

    def test_not_in_scope_of_any_compared_test_is_not_judged(self, tmp_path: Path) -> None:
        known = load_known(declare(tmp_path, SIZES_ONLY))
        assert stale(known, [DELETE], used=set()) == []
