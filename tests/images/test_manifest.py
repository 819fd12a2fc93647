"""The committed manifest, the check against it, and building under concurrency."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.images import (
    CASES,
    build_bytes,
    build_manifest,
    case,
    check_fixtures,
    ensure_fixtures,
    fixture_path,
    load_manifest,
    manifest_path,
    png,
)
from conformance.images.manifest import dumps

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "generated_images" / "manifest.json"
SAMPLE = [case(name) for name in ("size-png-5000000", "size-jpeg-5000000", "ratio-1x6",
                                  "variant-jpeg-cmyk", "type-gif")]
SMALL = [entry for entry in CASES if entry.group in ("ratios", "types")]


def linked_copy(source: Path, target: Path) -> Path:
    """A cheap copy of the fixture directory: symlinks (files are replaced, never edited)."""
    target.mkdir()
    for entry in CASES:
        fixture_path(entry, target).symlink_to(fixture_path(entry, source))
    return target


def replace_file(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


def by_case(manifest: dict) -> dict[str, dict]:
    return {record["case"]: record for record in manifest["files"]}


class TestCommittedManifest:
    def test_lists_every_case_once(self):
        names = [record["case"] for record in load_manifest(COMMITTED)["files"]]
        assert names == sorted(entry.name for entry in CASES)

    @pytest.mark.parametrize("entry", CASES, ids=lambda c: c.name)
    def test_matches_a_fresh_build(self, entry, fresh_record):
        """sha256, bytes, properties, content type and expectation, from a build in memory."""
        assert fresh_record(entry.name) == by_case(load_manifest(COMMITTED))[entry.name]

    def test_build_manifest_makes_the_committed_records(self):
        made = build_manifest(SAMPLE)
        assert made["pillow"] == load_manifest(COMMITTED)["pillow"]
        assert made["files"] == [by_case(load_manifest(COMMITTED))[c.name]
                                 for c in sorted(SAMPLE, key=lambda c: c.name)]

    def test_is_stably_formatted(self):
        text = COMMITTED.read_text(encoding="utf-8")
        assert dumps(json.loads(text)) == text

    def test_records_each_signature(self):
        records = by_case(load_manifest(COMMITTED))
        assert all(records[c.name]["signature"] == (list(c.signature) if c.signature else None)
                   for c in CASES)
        assert records["variant-jpeg-cmyk"]["signature"] is None
        assert records["ratio-1x1"]["signature"] == list(case("ratio-1x1").signature)

    def test_records_the_pillow_that_made_it(self):
        assert load_manifest()["pillow"]

    def test_is_the_one_the_package_uses_in_a_checkout(self):
        assert manifest_path() == COMMITTED


class TestCheck:
    def test_clean_directory_has_no_problems(self, built_dir):
        assert check_fixtures(built_dir, cases=SAMPLE) == []

    def test_sha_drift_alone_is_a_warning(self, built_dir, tmp_path):
        directory = linked_copy(built_dir, tmp_path / "fixtures")
        entry = case("size-png-5000000")
        original = build_bytes(entry)
        start, end = next((s, e) for kind, s, e in png.chunk_spans(original) if kind == b"paDd")
        other_padding = png.chunk(png.PADDING_CHUNK, b"\x01" * (end - start - 12))
        drifted = original[:start] + other_padding + original[end:]
        replace_file(fixture_path(entry, directory), drifted)
        problems = check_fixtures(directory, cases=[entry])
        assert [(p.case, p.severity) for p in problems] == [(entry.name, "warning")]
        assert "drift" in problems[0].message

    def test_property_change_is_an_error(self, built_dir, tmp_path):
        directory = linked_copy(built_dir, tmp_path / "fixtures")
        entry = case("size-png-5000000")
        replace_file(fixture_path(entry, directory), build_bytes(case("size-png-5000001")))
        problems = check_fixtures(directory, cases=[entry])
        assert problems and {p.severity for p in problems} == {"error"}
        assert "bytes is 5000001, declared 5000000" in problems[0].message

    def test_manifest_property_change_is_an_error(self, built_dir, tmp_path):
        manifest = load_manifest()
        record = next(r for r in manifest["files"] if r["case"] == "variant-jpeg-cmyk")
        record["mode"] = "RGB"
        tampered = tmp_path / "manifest.json"
        tampered.write_text(dumps(manifest), encoding="utf-8")
        problems = check_fixtures(built_dir, tampered, cases=[case("variant-jpeg-cmyk")])
        assert [p.severity for p in problems] == ["error"]
        assert "mode is 'CMYK', manifest says 'RGB'" in problems[0].message

    def test_manifest_signature_change_is_an_error(self, built_dir, tmp_path):
        manifest = load_manifest()
        record = next(r for r in manifest["files"] if r["case"] == "ratio-1x6")
        record["signature"] = [1, 2, 3]
        tampered = tmp_path / "manifest.json"
        tampered.write_text(dumps(manifest), encoding="utf-8")
        problems = check_fixtures(built_dir, tampered, cases=[case("ratio-1x6")])
        assert [p.severity for p in problems] == ["error"]
        assert "signature is [" in problems[0].message
        assert "manifest says [1, 2, 3]" in problems[0].message

    def test_missing_file_and_unknown_entry_are_errors(self, built_dir, tmp_path):
        directory = linked_copy(built_dir, tmp_path / "fixtures")
        fixture_path(case("ratio-1x6"), directory).unlink()
        manifest = load_manifest()
        manifest["files"].append({**manifest["files"][0], "case": "gone"})
        tampered = tmp_path / "manifest.json"
        tampered.write_text(dumps(manifest), encoding="utf-8")
        problems = check_fixtures(directory, tampered, cases=[case("ratio-1x6")])
        assert {(p.case, p.severity) for p in problems} == {("gone", "error"),
                                                            ("ratio-1x6", "error")}


# Runs ensure_fixtures and prints how many files this process built.
ENSURE = """
import sys
from conformance.images import fixtures
build = fixtures.build_files
fixtures.build_files = lambda directory, cases: print(len(cases)) or build(directory, cases)
fixtures.ensure_fixtures(sys.argv[1])
"""


def ensure_in_subprocess(directory: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ENSURE, str(directory)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, text=True)


class TestEnsure:
    def test_two_processes_build_once_and_completely(self, tmp_path):
        directory = tmp_path / "fixtures"
        processes = [ensure_in_subprocess(directory), ensure_in_subprocess(directory)]
        outputs = [process.communicate(timeout=60)[0] for process in processes]
        assert [process.returncode for process in processes] == [0, 0]
        assert sorted(outputs) == ["", f"{len(CASES)}\n"]  # one built everything, one nothing
        expected = by_case(load_manifest())
        for entry in CASES:
            data = fixture_path(entry, directory).read_bytes()
            assert len(data) == expected[entry.name]["bytes"], entry.name
        assert not list(directory.glob(".*.tmp"))
        assert check_fixtures(directory, cases=SAMPLE) == []

    def test_warm_check_builds_nothing(self, built_dir):
        before = {p.name: p.stat().st_mtime_ns for p in built_dir.iterdir()
                  if not p.name.startswith(".")}
        ensure_fixtures(built_dir)  # its speed is measured in benchmarks/, not asserted here
        after = {p.name: p.stat().st_mtime_ns for p in built_dir.iterdir()
                 if not p.name.startswith(".")}
        assert {name: after[name] for name in before} == before

    def test_stale_and_missing_files_are_rebuilt(self, tmp_path, monkeypatch):
        monkeypatch.setattr("conformance.images.fixtures.CASES", SMALL)
        directory = ensure_fixtures(tmp_path / "fixtures")
        fixture_path(case("ratio-1x6"), directory).write_bytes(b"stale")
        fixture_path(case("type-gif"), directory).unlink()
        (directory / ".leftover.tmp").write_bytes(b"half")
        ensure_fixtures(directory)
        for entry in SMALL:
            assert fixture_path(entry, directory).read_bytes() == build_bytes(entry)
        assert not (directory / ".leftover.tmp").exists()

    def test_a_drifted_host_does_not_rebuild_every_run(self, tmp_path, monkeypatch):
        """Files that never match the manifest (another zlib) are remembered as built here."""
        monkeypatch.setattr("conformance.images.fixtures.CASES", SMALL)
        other_host = tmp_path / "manifest.json"
        manifest = load_manifest()
        for record in manifest["files"]:
            record["sha256"] = "0" * 64
        other_host.write_text(dumps(manifest), encoding="utf-8")
        monkeypatch.setattr("conformance.images.fixtures.load_manifest",
                            lambda: load_manifest(other_host))
        directory = ensure_fixtures(tmp_path / "fixtures")
        mtimes = {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}
        ensure_fixtures(directory)
        assert {p.name: p.stat().st_mtime_ns for p in directory.iterdir()} == mtimes
