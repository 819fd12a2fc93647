"""The committed manifest: what each fixture file is, and the check of files against it.

A file whose properties hold but whose sha256 differs is library drift (a warning: another
Pillow or zlib encoded the same picture differently); a property that differs is an error.
"""

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import PIL

from conformance.files import write_atomically

from .build import build_bytes
from .catalogue import CASES
from .model import Case
from .paths import checkout_manifest_path, fixture_path, manifest_path
from .proof import Properties, declared_mismatches, read_properties

Manifest = dict[str, Any]
Record = dict[str, Any]

# Properties that must match the manifest exactly; bytes and sha256 may drift.
STRICT_PROPERTIES = ("format", "width", "height", "mode", "decodes")


@dataclass(frozen=True)
class Problem:
    """One finding of `check_fixtures`; severity is "warning" or "error"."""

    case: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.case}: {self.message}"


def entry(case: Case, data: bytes, properties: Properties | None = None) -> Record:
    """The manifest record of one fixture file."""
    properties = properties or read_properties(data)
    record = {
        "case": case.name, "file": case.filename, "group": case.group,
        "recipe": case.recipe, "params": dict(case.params),
        "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "width": properties.width, "height": properties.height, "format": properties.format,
        "mode": properties.mode, "decodes": properties.decodes,
        "content_type": case.content_type, "expectation": asdict(case.expectation),
        "signature": case.signature,
    }
    read_back: Record = json.loads(json.dumps(record))  # lists, not tuples, as when loaded
    return read_back


def build_manifest(cases: Iterable[Case] = CASES) -> Manifest:
    """A manifest made from fresh builds (files on disk are not trusted)."""
    files = [entry(case, build_bytes(case)) for case in sorted(cases, key=lambda c: c.name)]
    return {"generator": "conformance.images", "pillow": PIL.__version__,
            "zlib": zlib.ZLIB_RUNTIME_VERSION, "files": files}


def dumps(manifest: Manifest) -> str:
    """Stable text: sorted keys, indent 2, trailing newline (tuples become lists)."""
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def write_manifest(path: Path | str | None = None) -> Path:
    """Rebuild every case and write the manifest (default: the checkout's committed one)."""
    path = Path(path or checkout_manifest_path())
    write_atomically(path, dumps(build_manifest()))
    return path


def load_manifest(path: Path | str | None = None) -> Manifest:
    """The manifest as data; an absent manifest is an empty one."""
    path = Path(path or manifest_path())
    if not path.is_file():
        return {"files": []}
    manifest: Manifest = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def entries_by_case(manifest: Manifest) -> dict[str, Record]:
    """The manifest's records by case name."""
    return {record["case"]: record for record in manifest["files"]}


def check_fixtures(directory: Path | str | None = None, manifest: Path | str | None = None,
                   cases: Iterable[Case] = CASES) -> list[Problem]:
    """Compare each file with its case and with the manifest; nothing is rebuilt."""
    recorded = load_manifest(manifest)
    records = entries_by_case(recorded)
    problems = [Problem(name, "error", "in the manifest but not in the catalogue")
                for name in sorted(set(records) - {case.name for case in CASES})]
    for case in cases:
        problems += _check_one(case, fixture_path(case, directory), records.get(case.name),
                               recorded.get("pillow"))
    return problems


def _check_one(case: Case, path: Path, record: Record | None, pillow: object) -> list[Problem]:
    if record is None:
        return [Problem(case.name, "error", "not in the manifest: regenerate it")]
    if not path.is_file():
        return [Problem(case.name, "error", f"missing file {path.name}")]
    data = path.read_bytes()
    actual = entry(case, data)
    problems = [Problem(case.name, "error", message)
                for message in declared_mismatches(case, read_properties(data))]
    problems += [Problem(case.name, "error",
                         f"{key} is {actual[key]!r}, manifest says {record.get(key)!r}")
                 for key in (*STRICT_PROPERTIES, "file", "content_type", "expectation",
                             "signature")
                 if actual[key] != record.get(key)]
    if actual["sha256"] != record.get("sha256") and not problems:
        drift = f"{actual['bytes']} bytes, sha256 {str(actual['sha256'])[:12]}"
        problems.append(Problem(case.name, "warning",
                                f"library drift: {drift} differs from the manifest "
                                f"({record.get('bytes')} bytes, made with Pillow {pillow}, "
                                f"this is Pillow {PIL.__version__})"))
    return problems
