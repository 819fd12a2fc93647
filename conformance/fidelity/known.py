"""Known differences: where a mock is allowed to differ from the recording, and why.

One TOML file, by default `known-differences.toml` beside the recording:

```toml
[[difference]]
path = "exchanges[*].response.headers.x-correlation-id"
reason = "the mock sends no correlation ids"
tests = ["test_upload_images.py::*"]      # optional; default: every test
```

A declared difference covers the differences at its path and below it, in the tests its
`tests` globs name (`*` is the only wildcard, so brackets in test ids need no escaping).
Declarations excuse a mock, never the real service: when the compared target is not a
mock they are not applied at all. A declaration that was in scope of at least one compared
test but covered nothing is stale, and reported as such: the mock was fixed, or the
recording changed, and the excuse should go.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compare import AGE, Difference
from .paths import PathSyntaxError, Pattern, parse


class KnownDifferencesError(Exception):
    """A known-differences file that cannot be used; the message says where."""


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


@dataclass(frozen=True)
class KnownDifference:
    index: int
    path: Pattern
    reason: str
    tests: tuple[str, ...]

    def in_scope(self, scenario: str) -> bool:
        return any(_glob(pattern).match(scenario) for pattern in self.tests)

    def covers(self, scenario: str, difference: Difference) -> bool:
        return difference.kind != AGE and self.in_scope(scenario) \
            and self.path.covers(difference.path)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "path": self.path.text, "reason": self.reason,
                "tests": list(self.tests)}


@dataclass(frozen=True)
class Excused:
    difference: Difference
    by: KnownDifference

    def to_json(self) -> dict[str, Any]:
        return {**self.difference.to_json(), "known": self.by.index, "reason": self.by.reason}


def load_known(path: str | Path | None) -> list[KnownDifference]:
    """The declarations in `path`; none if `path` is None."""
    if path is None:
        return []
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnownDifferencesError(f"known-differences file {source} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnownDifferencesError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"difference"})
    if unknown:
        raise KnownDifferencesError(f"{source}: unknown key(s) {', '.join(unknown)}; "
                                    "declare each as a [[difference]] table")
    entries = data.get("difference", [])
    if not isinstance(entries, list):
        raise KnownDifferencesError(f"{source}: `difference` must be an array of tables")
    return [_entry(table, i, f"{source}: difference {i + 1}") for i, table in enumerate(entries)]


def _entry(table: Any, index: int, where: str) -> KnownDifference:
    if not isinstance(table, dict):
        raise KnownDifferencesError(f"{where}: expected a table")
    unknown = sorted(set(table) - {"path", "reason", "tests"})
    if unknown:
        raise KnownDifferencesError(f"{where}: unknown key(s) {', '.join(unknown)}")
    path, reason = table.get("path"), table.get("reason")
    if not isinstance(path, str) or not path.strip():
        raise KnownDifferencesError(f"{where}: `path` (a JSON path) is required")
    if not isinstance(reason, str) or not reason.strip():
        raise KnownDifferencesError(f"{where}: `reason` is required: say why it may differ")
    tests = table.get("tests", ["*"])
    if isinstance(tests, str):
        tests = [tests]
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise KnownDifferencesError(f"{where}: `tests` must be a list of test-id globs")
    try:
        pattern = parse(path)
    except PathSyntaxError as exc:
        raise KnownDifferencesError(f"{where}: {exc}") from None
    return KnownDifference(index, pattern, reason.strip(), tuple(tests))


def excuse(known: Sequence[KnownDifference], scenario: str,
           differences: Sequence[Difference]) -> tuple[list[Difference], list[Excused]]:
    """Split `differences` of `scenario` into those still unexplained and those excused."""
    remaining: list[Difference] = []
    excused: list[Excused] = []
    for difference in differences:
        by = next((k for k in known if k.covers(scenario, difference)), None)
        if by is None:
            remaining.append(difference)
        else:
            excused.append(Excused(difference, by))
    return remaining, excused


def stale(known: Sequence[KnownDifference], compared: Sequence[str],
          used: set[int]) -> list[KnownDifference]:
    """Declarations in scope of a compared test that excused nothing in any test."""
    return [k for k in known if k.index not in used and any(k.in_scope(s) for s in compared)]
