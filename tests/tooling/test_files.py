"""`conformance.files`: a file is written whole or not at all; a lock excludes other
processes for as long as it is held."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conformance.files import file_lock, write_atomically

REPO = Path(__file__).resolve().parents[2]
HANG = 30.0  # seconds only a hang would take


class TestWriteAtomically:
    def test_writes_text_as_utf8_and_bytes_as_they_are(self, tmp_path: Path) -> None:
        text, data = tmp_path / "a.toml", tmp_path / "b.png"
        assert write_atomically(text, "name = \"ü\"\n") == text.resolve()
        write_atomically(data, b"\x89PNG\r\n\x00")
        assert text.read_bytes() == "name = \"ü\"\n".encode()
        assert data.read_bytes() == b"\x89PNG\r\n\x00"

    def test_creates_the_folder_and_replaces_what_was_there(self, tmp_path: Path) -> None:
        path = tmp_path / "deep" / "er" / "file.json"
        write_atomically(path, "first")
        write_atomically(path, "second")
        assert path.read_text() == "second"
        assert os.listdir(path.parent) == ["file.json"]  # no temporary left behind

    @pytest.mark.parametrize("mode", [0o644, 0o600])
    def test_sets_the_mode(self, tmp_path: Path, mode: int) -> None:
        path = write_atomically(tmp_path / "f", "x", mode=mode)
        assert path.stat().st_mode & 0o777 == mode

    def test_readable_by_others_unless_told(self, tmp_path: Path) -> None:
        assert write_atomically(tmp_path / "f", "x").stat().st_mode & 0o777 == 0o644

    def test_the_file_changes_only_by_the_rename(self, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """Until the rename the reader sees the old file, whole; the new one is complete
        beside it."""
        path = tmp_path / "f.txt"
        path.write_text("old")
        seen: list[tuple[str, str]] = []
        rename = os.replace

        def replace(source: str, target: Path) -> None:
            seen.append((path.read_text(), Path(source).read_text()))
            rename(source, target)

        monkeypatch.setattr(os, "replace", replace)
        write_atomically(path, "new" * 1000)
        assert seen == [("old", "new" * 1000)]
        assert path.read_text() == "new" * 1000

    def test_a_failed_write_leaves_the_old_file_and_no_temporary(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "f.txt"
        path.write_text("old")

        def replace(source: str, target: Path) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(OSError, match="disk full"):
            write_atomically(path, "new")
        assert path.read_text() == "old"
        assert os.listdir(tmp_path) == ["f.txt"]


HOLDER = """
import sys
from conformance.files import file_lock
with file_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


class TestFileLock:
    def test_excludes_another_process_until_released(self, tmp_path: Path) -> None:
        path = tmp_path / "lock"
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=REPO,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline() == "held\n"
            with open(path, "a") as handle, pytest.raises(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            entered = threading.Event()

            def waiter() -> None:
                with file_lock(path):
                    entered.set()

            thread = threading.Thread(target=waiter, daemon=True)
            thread.start()
            assert not entered.wait(0.3), "entered while another process held the lock"
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert entered.wait(HANG), "never entered after the lock was released"
            thread.join(HANG)
        finally:
            holder.kill()
            holder.wait(HANG)

    def test_released_after_the_block_even_on_error(self, tmp_path: Path) -> None:
        path = tmp_path / "lock"
        with pytest.raises(RuntimeError), file_lock(path):
            raise RuntimeError("inside")
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
