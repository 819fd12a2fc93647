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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import allowlist
from .compare import AGE, Difference
from .paths import PathSyntaxError, Pattern, parse


class KnownDifferencesError(allowlist.AllowListError):
    """A known-differences file that cannot be used; the message says where."""


FORMAT = allowlist.Format("known-differences", "difference", ("path", "reason", "tests"),
                          KnownDifferencesError)


@dataclass(frozen=True)
class KnownDifference:
    index: int
    path: Pattern
    reason: str
    tests: tuple[str, ...]

    @property
    def patterns(self) -> tuple[str, ...]:
        return self.tests

    def in_scope(self, scenario: str) -> bool:
        return allowlist.in_scope(self, scenario)

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
    return [_entry(table, index, where) for index, (where, table)
            in enumerate(allowlist.read_entries(path, FORMAT))]


def _entry(table: dict[str, Any], index: int, where: str) -> KnownDifference:
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
    return allowlist.stale(known, compared, [k for k in known if k.index in used])
