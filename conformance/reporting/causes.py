"""Failures grouped by cause, skips by reason: how a page of 190 failures becomes three
headings.

A run that goes wrong usually goes wrong for few reasons: one broken rule, one pin in the
target's profile, one refused credential. Each failure's cause is its one line with what
varies between tests taken out (ids, hashes), or a stronger key where there is one:
- a profile pin (`pinned by [profile] oversize_status = 413`) is the cause itself;
- a contract violation is the violated rules, whatever the request was;
- a transport failure is its kind, whatever the URL.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .records import SKIPPED, TestRecord

PIN = re.compile(r"pinned by \[profile\] [A-Za-z0-9_.-]+ = [^\s,;)]+")
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12}\b")
HEX = re.compile(r"\b[0-9a-fA-F]{16,}\b")
TRANSPORT = re.compile(r"(?:conformance\.client\.)?(TargetUnreachable|RequestFailed): .*?"
                       r"(no connection|the connection was made but the request failed): "
                       r"(\w+)")
MAX_CAUSE = 300


def cause_of(record: TestRecord) -> str:
    """The cause a failure is grouped under (see the module docstring)."""
    message = record.message or "(no message)"
    pin = PIN.search(message)
    if pin:
        return pin.group(0)
    failure = record.failure
    if failure is not None and failure.kind == "contract" and failure.violations:
        return "contract violation: " + "; ".join(
            _general(v) for v in sorted(set(failure.violations)))
    transport = TRANSPORT.search(message)
    if transport:
        kind, what, error = transport.groups()
        return f"no HTTP answer ({kind}): {what}: {error}"
    return _general(message)


def _general(text: str) -> str:
    text = UUID.sub("{id}", text)
    text = HEX.sub("{hex}", text)
    text = " ".join(text.split())
    return text[:MAX_CAUSE] + ("..." if len(text) > MAX_CAUSE else "")


def by_cause(records: list[TestRecord]) -> list[tuple[str, list[TestRecord]]]:
    """Failures and errors by cause, the most frequent first (then by name)."""
    groups: dict[str, list[TestRecord]] = defaultdict(list)
    for record in records:
        if record.is_problem:
            groups[cause_of(record)].append(record)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def by_skip_reason(records: list[TestRecord]) -> list[tuple[str, list[TestRecord]]]:
    """Skipped tests by the reason given, the most frequent first."""
    groups: dict[str, list[TestRecord]] = defaultdict(list)
    for record in records:
        if record.outcome == SKIPPED:
            groups[record.message or "(no reason given)"].append(record)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
