"""The recording format: one JSON file per suite module, keyed by test id.

```
DIR/test_lifecycle.json
{
  "format": 1,
  "module": "test_lifecycle.py",
  "tests": {
    "TestDelete::test_delete_then_get_is_404": {
      "target": "staging", "mock": false, "outcome": "passed", "last_passed": "2026-11-27",
      "exchanges": [{"phase": "call", "request": {...}, "response": {...}}, ...]
    }
  }
}
```

Files are written with sorted keys, two-space indents and a final newline, so that the
same behaviour gives the same bytes and a change shows as a small diff in review. Test ids
are the node id without its directory (`module.py::Class::test[param]`), so a recording
made through `itwin-conformance run` (rootdir: the suite) and one made with
`pytest conformance/suite` (rootdir: the repository) use the same keys.

A hand-written baseline (such as `fidelity/baselines/documented/`) uses the same format with
`"partial": true` on each test: only what it states is compared, and each exchange may say
where its facts come from in `"source"`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..files import write_atomically
from ..redact import Redactor, checked

FORMAT = 1
SUFFIX = ".json"
KNOWN_DIFFERENCES_FILE = "known-differences.toml"

Entry = dict[str, Any]


class RecordingError(Exception):
    """A recording directory or file that cannot be used; the message says which and why."""


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """`conformance/suite/test_x.py::T::t[p]` -> (`test_x.py`, `T::t[p]`)."""
    path, _, rest = nodeid.partition("::")
    return PurePosixPath(path.replace("\\", "/")).name, rest


def scenario_id(module: str, key: str) -> str:
    return f"{module}::{key}"


@dataclass
class Recording:
    """Every recorded test of a directory: module file name -> test key -> entry."""

    modules: dict[str, dict[str, Entry]] = field(default_factory=dict)

    def entry(self, nodeid: str) -> Entry | None:
        module, key = split_nodeid(nodeid)
        return self.modules.get(module, {}).get(key)

    def put(self, nodeid: str, entry: Entry) -> None:
        module, key = split_nodeid(nodeid)
        self.modules.setdefault(module, {})[key] = entry

    def scenario_ids(self) -> list[str]:
        return sorted(scenario_id(module, key) for module, tests in self.modules.items()
                      for key in tests)


def load(directory: str | os.PathLike[str]) -> Recording:
    """Every module file of `directory`; a missing directory is an error, an empty one not."""
    root = Path(directory)
    if not root.is_dir():
        raise RecordingError(f"recording directory {root} does not exist")
    recording = Recording()
    for path in sorted(root.glob(f"*{SUFFIX}")):
        module, tests = _load_file(path)
        recording.modules[module] = tests
    return recording


def _load_file(path: Path) -> tuple[str, dict[str, Entry]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{path}: not a readable JSON recording: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordingError(f"{path}: not a recording of format {FORMAT}")
    tests = data.get("tests")
    if not isinstance(tests, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("exchanges"), list)
            for e in tests.values()):
        raise RecordingError(f"{path}: `tests` must map test ids to entries with exchanges")
    return str(data.get("module") or path.stem + ".py"), tests


def dumps(module: str, tests: dict[str, Entry]) -> str:
    """The file text of one module: sorted, indented, newline-terminated."""
    document = {"format": FORMAT, "module": module, "tests": tests}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save(directory: str | os.PathLike[str], recording: Recording, redactor: Redactor) -> list[Path]:
    """Write every module of `recording`; refuses (LeakError) a file that would hold a secret."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for module in sorted(recording.modules):
        path = root / (PurePosixPath(module).stem + SUFFIX)
        text = checked(redactor, dumps(module, recording.modules[module]), str(path))
        write_atomically(path, text)
        written.append(path)
    return written


def merged_entry(new: Entry, previous: Entry | None, today: dt.date) -> Entry:
    """`new`, carrying the date the test last passed on the same real target.

    Only a target that is not a mock gets dates: they say how fresh a baseline of the real
    service is. A test that fails today keeps the date it last passed there.
    """
    entry = dict(new)
    entry.pop("last_passed", None)
    if entry.get("mock"):
        return entry
    if entry.get("outcome") == "passed":
        entry["last_passed"] = today.isoformat()
    elif previous and previous.get("target") == entry.get("target") \
            and previous.get("last_passed"):
        entry["last_passed"] = previous["last_passed"]
    return entry


def age_in_days(entry: Entry, today: dt.date) -> int | None:
    """Days since the test last passed on the recorded real target; None if never."""
    stamp = entry.get("last_passed")
    if not isinstance(stamp, str):
        return None
    try:
        return (today - dt.date.fromisoformat(stamp)).days
    except ValueError:
        return None
