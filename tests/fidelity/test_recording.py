"""The recording format: one sorted, stable file per module, keyed by test id; dates of the
last pass on a real target; nothing secret is ever written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.fidelity import recording as rec
from conformance.redact import LeakError, Redactor

TODAY = dt.date(2026, 11, 27)
NODE = "conformance/suite/test_lifecycle.py::TestDelete::test_delete_then_get_is_404"


def entry(**fields: Any) -> rec.Entry:
    return {"target": "staging", "mock": False, "outcome": "passed",
            "exchanges": [{"phase": "call", "request": {"method": "GET"},
                           "response": {"status": 404}}], **fields}


class TestTestIds:
    @pytest.mark.parametrize("nodeid", [
        NODE, "test_lifecycle.py::TestDelete::test_delete_then_get_is_404"])
    def test_the_same_key_from_any_rootdir(self, nodeid: str) -> None:
        assert rec.split_nodeid(nodeid) == ("test_lifecycle.py",
                                            "TestDelete::test_delete_then_get_is_404")

    def test_parameters_are_kept(self) -> None:
        assert rec.split_nodeid("s/test_x.py::T::t[a-b/c]") == ("test_x.py", "T::t[a-b/c]")


class TestFiles:
    def test_one_file_per_module_keyed_by_test(self, tmp_path: Path) -> None:
        recording = rec.Recording()
        recording.put(NODE, entry())
        recording.put("test_auth.py::TestHeader::t[upload]", entry())
        rec.save(tmp_path, recording, Redactor())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["test_auth.json",
                                                             "test_lifecycle.json"]
        data = json.loads((tmp_path / "test_lifecycle.json").read_text())
        assert data["module"] == "test_lifecycle.py"
        assert list(data["tests"]) == ["TestDelete::test_delete_then_get_is_404"]

    def test_sorted_indented_and_newline_terminated(self) -> None:
        text = rec.dumps("test_x.py", {"b": entry(), "a": entry()})
        assert text.endswith("}\n")
        assert text.index('"a"') < text.index('"b"')
        assert '\n  "format": 1' in text

    def test_the_same_data_gives_the_same_bytes(self) -> None:
        forward = {"b": entry(), "a": entry(exchanges=[])}
        backward = dict(reversed(list(forward.items())))
        assert rec.dumps("m.py", forward) == rec.dumps("m.py", backward)

    def test_round_trip(self, tmp_path: Path) -> None:
        recording = rec.Recording()
        recording.put(NODE, entry())
        rec.save(tmp_path, recording, Redactor())
        assert rec.load(tmp_path).entry(NODE) == entry()
        assert rec.load(tmp_path).scenario_ids() == [
            "test_lifecycle.py::TestDelete::test_delete_then_get_is_404"]

    def test_refuses_to_write_a_secret(self, tmp_path: Path) -> None:
        recording = rec.Recording()
        recording.put(NODE, entry(note="client secret s3cr3t-abcdef"))
        with pytest.raises(LeakError):
            rec.save(tmp_path, recording, Redactor(["s3cr3t-abcdef"]))
        assert not (tmp_path / "test_lifecycle.json").exists()

    @pytest.mark.parametrize("text", ["not json", '{"format": 99, "tests": {}}',
                                      '{"format": 1, "tests": {"t": {}}}'])
    def test_a_bad_file_is_an_error_naming_it(self, tmp_path: Path, text: str) -> None:
        (tmp_path / "test_x.json").write_text(text)
        with pytest.raises(rec.RecordingError, match=r"test_x\.json"):
            rec.load(tmp_path)

    def test_a_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(rec.RecordingError, match="does not exist"):
            rec.load(tmp_path / "nope")


class TestLastPassed:
    def test_a_pass_on_a_real_target_is_dated(self) -> None:
        assert rec.merged_entry(entry(), None, TODAY)["last_passed"] == "2026-11-27"

    def test_a_mock_is_never_dated(self) -> None:
        merged = rec.merged_entry(entry(mock=True), entry(last_passed="2026-01-01"), TODAY)
        assert "last_passed" not in merged

    def test_a_failure_keeps_the_date_of_the_last_pass(self) -> None:
        merged = rec.merged_entry(entry(outcome="failed"), entry(last_passed="2026-11-01"),
                                  TODAY)
        assert merged["last_passed"] == "2026-11-01"

    def test_but_not_one_from_another_target(self) -> None:
        merged = rec.merged_entry(entry(outcome="failed"),
                                  entry(target="other", last_passed="2026-11-01"), TODAY)
        assert "last_passed" not in merged

    def test_age(self) -> None:
        assert rec.age_in_days(entry(last_passed="2026-11-20"), TODAY) == 7
        assert rec.age_in_days(entry(), TODAY) is None
        assert rec.age_in_days(entry(last_passed="yesterday"), TODAY) is None
