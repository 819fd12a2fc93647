"""Fixture files on disk: built once per run, whatever the number of processes asking.

Every pytest-xdist worker calls `ensure_fixtures`; the first takes a file lock and builds,
the others wait and then find the files warm. Files are written under a temporary name and
renamed, so nobody ever reads a half-written fixture.
"""

import hashlib
import json
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import PIL

from conformance.files import TEMPORARY_SUFFIX, file_lock, write_atomically

from .build import build_bytes
from .catalogue import CASES
from .manifest import entries_by_case, load_manifest
from .model import Case
from .paths import default_fixture_dir, fixture_path

LOCK_NAME = ".lock"
LOCAL_NAME = ".local-builds.json"
BUILDER_MODULES = ("build.py", "catalogue.py", "jpeg.py", "noise.py", "pictures.py", "png.py",
                   "recipes.py", "signature.py")


def ensure_fixtures(directory: Path | str | None = None) -> Path:
    """Build whatever is missing or stale, once; return the directory. Cheap when warm."""
    directory = Path(directory or default_fixture_dir())
    directory.mkdir(parents=True, exist_ok=True)
    if not stale_cases(directory):
        return directory
    with file_lock(directory / LOCK_NAME):
        stale = stale_cases(directory)  # another process may have built them meanwhile
        if stale:
            _remove_temporaries(directory)
            built = build_files(directory, stale)
            _remember_local_builds(directory, built)
    return directory


def stale_cases(directory: Path) -> list[Case]:
    """Cases whose file is missing, or whose size and sha256 match neither the manifest nor
    what this host last built with the same Pillow, zlib and recipes (library drift)."""
    known = _known_digests(directory)
    stale = []
    for entry in CASES:
        path = fixture_path(entry, directory)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            stale.append(entry)
            continue
        digests = {digest for length, digest in known.get(entry.name, ()) if length == size}
        if not digests or _sha256(path) not in digests:
            stale.append(entry)
    return stale


def build_files(directory: Path, cases: Sequence[Case]) -> dict[str, tuple[int, str]]:
    """Write each case's file atomically; return each one's (bytes, sha256).

    One process is enough: the whole set (~170 MB) builds in about 2 s, a pool did not help.
    """
    digests = {}
    for entry in cases:
        data = build_bytes(entry)
        write_atomically(fixture_path(entry, directory), data)
        digests[entry.name] = (len(data), hashlib.sha256(data).hexdigest())
    return digests


def _remove_temporaries(directory: Path) -> None:
    """Leftovers of a build that died; safe to remove while holding the lock."""
    for leftover in directory.glob(f".*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def environment() -> str:
    """What the bytes depend on besides the catalogue: Pillow, zlib and the builder's code."""
    code = hashlib.sha256()
    here = Path(__file__).parent
    for module in BUILDER_MODULES:
        code.update((here / module).read_bytes())
    return (f"Pillow {PIL.__version__}; zlib {zlib.ZLIB_RUNTIME_VERSION}; "
            f"code {code.hexdigest()[:16]}")


def _known_digests(directory: Path) -> dict[str, set[tuple[int, str]]]:
    known: dict[str, set[tuple[int, str]]] = {}
    for name, record in entries_by_case(load_manifest()).items():
        known.setdefault(name, set()).add((record["bytes"], record["sha256"]))
    local = _read_local_builds(directory)
    if local.get("environment") == environment():
        for name, (length, digest) in local["files"].items():
            known.setdefault(name, set()).add((length, digest))
    return known


def _read_local_builds(directory: Path) -> dict[str, Any]:
    try:
        local: dict[str, Any] = json.loads((directory / LOCAL_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return local


def _remember_local_builds(directory: Path, built: dict[str, tuple[int, str]]) -> None:
    """Record what this host built, so drifted files are not rebuilt on every run."""
    local = _read_local_builds(directory)
    files = local.get("files", {}) if local.get("environment") == environment() else {}
    files.update(built)
    write_atomically(directory / LOCAL_NAME,
                     json.dumps({"environment": environment(), "files": files},
                                indent=2, sort_keys=True))


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()

