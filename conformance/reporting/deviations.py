"""Known deviations: tests expected to fail on a target, each with a reason, a link and an
expiry date (`--known-deviations FILE`, TOML; format in docs/ci.md).

A deviation is a debt with a due date, not a waiver. A matching test is marked xfail with the
entry's reason, so it is reported as an expected failure and never as a pass; only an
assertion (a broken contract rule) is excused, so a crash in the test still fails. An
expired entry is not applied and fails the run; an entry whose test passes is reported so
that it can be removed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENTRY_KEYS = ("test", "reason", "link", "expires", "target")
REQUIRED_KEYS = ("test", "reason", "link", "expires")
TABLE = "deviation"


class DeviationError(Exception):
    """A known-deviations file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Deviation:
    """One entry: `test` is a suite test id, or a pattern over ids where `*` is a wildcard.

    Test ids are relative to the suite directory (`test_auth.py::TestHeader::test_x[y]`), so
    an entry matches however the suite is started. `expires` is the last day (UTC) on which
    the entry still applies; `target` limits it to the target of that name.
    """

    test: str
    reason: str
    link: str
    expires: dt.date
    target: str | None = None

    def applies_to(self, target_name: str | None) -> bool:
        return self.target is None or self.target == target_name

    def is_expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, test_id: str) -> bool:
        return pattern(self.test).fullmatch(test_id) is not None

    def xfail_reason(self) -> str:
        return f"known deviation: {self.reason} ({self.link}; until {self.expires.isoformat()})"

    def as_dict(self) -> dict[str, str | None]:
        return {"test": self.test, "reason": self.reason, "link": self.link,
                "expires": self.expires.isoformat(), "target": self.target}


@functools.cache
def pattern(test: str) -> re.Pattern[str]:
    """`*` matches any run of characters; nothing else is special, so the brackets of a
    parametrized id (`test_upload[ratio-6x1]`) are literal, unlike in fnmatch."""
    return re.compile(".*".join(re.escape(part) for part in test.split("*")))


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_deviations(path: str | Path) -> list[Deviation]:
    """Every entry of the file, checked; any problem is a `DeviationError`."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise DeviationError(f"known-deviations file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeviationError(f"known-deviations file {path} is not valid TOML: {exc}") from None
    return parse_deviations(data, str(path))


def parse_deviations(data: dict[str, Any], where: str) -> list[Deviation]:
    unknown = sorted(set(data) - {TABLE})
    if unknown:
        raise DeviationError(f"{where}: unknown key(s) {', '.join(unknown)}; entries are "
                             f"[[{TABLE}]] tables")
    entries = data.get(TABLE, [])
    if not isinstance(entries, list):
        raise DeviationError(f"{where}: {TABLE} must be an array of tables ([[{TABLE}]])")
    parsed = [_entry(entry, f"{where}: {TABLE}[{i}]") for i, entry in enumerate(entries)]
    seen: set[tuple[str, str | None]] = set()
    for entry in parsed:
        key = (entry.test, entry.target)
        if key in seen:
            raise DeviationError(f"{where}: test {entry.test!r} is listed twice"
                                 + (f" for target {entry.target}" if entry.target else ""))
        seen.add(key)
    return parsed


def _entry(table: Any, where: str) -> Deviation:
    if not isinstance(table, dict):
        raise DeviationError(f"{where}: expected a table")
    unknown = sorted(set(table) - set(ENTRY_KEYS))
    if unknown:
        raise DeviationError(f"{where}: unknown key(s) {', '.join(unknown)}; "
                             f"known: {', '.join(ENTRY_KEYS)}")
    missing = [key for key in REQUIRED_KEYS if key not in table]
    if missing:
        raise DeviationError(f"{where}: missing {', '.join(missing)} (every entry needs a "
                             "reason, a link and an expiry date)")
    for key in ("test", "reason", "link", "target"):
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            raise DeviationError(f"{where}.{key}: must be a non-empty string")
    if urlsplit(table["link"]).scheme not in ("http", "https"):
        raise DeviationError(f"{where}.link: must be an http(s) URL, got {table['link']!r}")
    return Deviation(test=table["test"].strip(), reason=table["reason"].strip(),
                     link=table["link"].strip(), expires=_date(table["expires"], where),
                     target=table.get("target"))


def _date(value: Any, where: str) -> dt.date:
    """A TOML local date (`2025-09-30`) or the same as a string; nothing with a time."""
    if isinstance(value, dt.datetime):
        raise DeviationError(f"{where}.expires: give a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise DeviationError(f"{where}.expires: must be a date YYYY-MM-DD, got {value!r}")


@dataclass(frozen=True)
class DeviationBook:
    """The entries that concern one target, split by whether they still apply today."""

    entries: tuple[Deviation, ...]
    target_name: str | None
    today: dt.date

    @property
    def relevant(self) -> list[Deviation]:
        return [e for e in self.entries if e.applies_to(self.target_name)]

    @property
    def active(self) -> list[Deviation]:
        return [e for e in self.relevant if not e.is_expired(self.today)]

    @property
    def expired(self) -> list[Deviation]:
        return [e for e in self.relevant if e.is_expired(self.today)]

    def for_test(self, test_id: str) -> Deviation | None:
        """The active entry for `test_id`: an exact id wins over a pattern."""
        matching = [e for e in self.active if e.matches(test_id)]
        exact = [e for e in matching if e.test == test_id]
        chosen = exact or matching
        return chosen[0] if chosen else None

    def expired_for_test(self, test_id: str) -> Deviation | None:
        return next((e for e in self.expired if e.matches(test_id)), None)

    def unused(self, test_ids: list[str]) -> list[Deviation]:
        """Active entries that matched no test of this run (renamed tests, typos, -k)."""
        return [e for e in self.active if not any(e.matches(t) for t in test_ids)]
