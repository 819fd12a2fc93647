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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import allowlist

ENTRY_KEYS = ("test", "reason", "link", "expires", "target")
REQUIRED_KEYS = ("test", "reason", "link", "expires")


class DeviationError(allowlist.AllowListError):
    """A known-deviations file that cannot be used; the message says where and why."""


FORMAT = allowlist.Format("known-deviations", "deviation", ENTRY_KEYS, DeviationError)


@dataclass(frozen=True)
class Deviation:
    """One entry: `test` is a suite test id, or a pattern over ids where `*` is a wildcard
    (`conformance.allowlist`). `expires` is the last day (UTC) on which the entry still
    applies; `target` limits it to the target of that name.
    """

    test: str
    reason: str
    link: str
    expires: dt.date
    target: str | None = None

    @property
    def patterns(self) -> tuple[str, ...]:
        return (self.test,)

    def applies_to(self, target_name: str | None) -> bool:
        return self.target is None or self.target == target_name

    def is_expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, test_id: str) -> bool:
        return allowlist.matches(self.test, test_id)

    def xfail_reason(self) -> str:
        return f"known deviation: {self.reason} ({self.link}; until {self.expires.isoformat()})"

    def as_dict(self) -> dict[str, str | None]:
        return {"test": self.test, "reason": self.reason, "link": self.link,
                "expires": self.expires.isoformat(), "target": self.target}


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_deviations(path: str | Path) -> list[Deviation]:
    """Every entry of the file, checked; any problem is a `DeviationError`."""
    parsed = [_entry(table, where) for where, table in allowlist.read_entries(path, FORMAT)]
    seen: set[tuple[str, str | None]] = set()
    for entry in parsed:
        key = (entry.test, entry.target)
        if key in seen:
            raise DeviationError(f"{path}: test {entry.test!r} is listed twice"
                                 + (f" for target {entry.target}" if entry.target else ""))
        seen.add(key)
    return parsed


def _entry(table: dict[str, Any], where: str) -> Deviation:
    missing = [key for key in REQUIRED_KEYS if key not in table]
    if missing:
        raise DeviationError(f"{where}: missing {', '.join(missing)} (every entry needs a "
                             "reason, a link and an expiry date)")
    test, reason, link, target = (allowlist.text(table, key, where, FORMAT)
                                  for key in ("test", "reason", "link", "target"))
    assert test and reason and link  # required, and checked non-empty
    if urlsplit(link).scheme not in ("http", "https"):
        raise DeviationError(f"{where}.link: must be an http(s) URL, got {table['link']!r}")
    return Deviation(test=test, reason=reason, link=link, expires=_date(table["expires"], where),
                     target=target)
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
        return allowlist.unmatched(self.active, test_ids)
