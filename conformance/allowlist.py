"""Allow-lists: TOML files of entries that excuse something in named tests, each with a
reason. Reading them, checking their shape, matching test ids and finding stale entries are
the same for both kinds, which keep their own meanings and entry formats:

- known deviations (`conformance.deviations`, `--known-deviations`): tests expected to fail
  on a target until a date;
- known differences (`conformance.fidelity.known`, `--known-differences`): where a mock may
  differ from a recording.

Test ids are relative to the suite directory (`conformance.markers.test_id`); in a
pattern `*` matches any run of characters and nothing else is special, so the brackets of
a parametrized id (`test_upload[ratio-6x1]`) are literal, unlike in fnmatch.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar


class AllowListError(Exception):
    """An allow-list file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Format:
    """One kind of allow-list file: what it is called, the name of its entries' tables,
    the keys an entry may have, and the error it raises."""

    kind: str  # "known-deviations"
    table: str  # "deviation": entries are [[deviation]] tables
    keys: tuple[str, ...]
    error: type[AllowListError]


def read_entries(path: str | Path, form: Format) -> list[tuple[str, dict[str, Any]]]:
    """Each entry table of the file with where it is (`FILE: deviation 2`), checked for
    shape and unknown keys; the values are the entry module's to check."""
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise form.error(f"{form.kind} file {source} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise form.error(f"{form.kind} file {source} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {form.table})
    if unknown:
        raise form.error(f"{source}: unknown key(s) {', '.join(unknown)}; entries are "
                         f"[[{form.table}]] tables")
    tables = data.get(form.table, [])
    if not isinstance(tables, list):
        raise form.error(f"{source}: {form.table} must be an array of tables "
                         f"([[{form.table}]])")
    entries = []
    for number, table in enumerate(tables, start=1):
        where = f"{source}: {form.table} {number}"
        if not isinstance(table, dict):
            raise form.error(f"{where}: expected a table")
        extra = sorted(set(table) - set(form.keys))
        if extra:
            raise form.error(f"{where}: unknown key(s) {', '.join(extra)}; known: "
                             f"{', '.join(form.keys)}")
        entries.append((where, table))
    return entries


def text(table: dict[str, Any], key: str, where: str, form: Format) -> str | None:
    """The entry's `key` as a stripped string, None if absent; blank or not a string is an
    error."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise form.error(f"{where}.{key}: must be a non-empty string")
    return value.strip()


@functools.cache
def glob(pattern: str) -> re.Pattern[str]:
    """A test-id pattern: `*` is any run of characters, everything else literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def matches(pattern: str, test_id: str) -> bool:
    return glob(pattern).fullmatch(test_id) is not None


class Entry(Protocol):
    """An allow-list entry: the test-id patterns it applies to."""

    @property
    def patterns(self) -> tuple[str, ...]: ...


E = TypeVar("E", bound=Entry)


def in_scope(entry: Entry, test_id: str) -> bool:
    return any(matches(pattern, test_id) for pattern in entry.patterns)


def unmatched(entries: Iterable[E], test_ids: Sequence[str]) -> list[E]:
    """Entries in scope of none of `test_ids` (a renamed test, a typo, a `-k`)."""
    return [e for e in entries if not any(in_scope(e, t) for t in test_ids)]


def stale(entries: Iterable[E], test_ids: Sequence[str], used: Iterable[E]) -> list[E]:
    """Entries in scope of one of `test_ids` that excused nothing in any of them: what they
    excused was fixed, or changed, and the entry should go."""
    spent = list(used)
    return [e for e in entries if not any(e is u for u in spent)
            and any(in_scope(e, t) for t in test_ids)]
