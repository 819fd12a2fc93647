"""Compare one test's recorded exchanges with the exchanges of this run.

A false pass is the worst outcome here, so the comparison is exact: every field of every
exchange (status, Content-Type, the headers that matter, the JSON body, the request) must
be the same after normalisation, and placeholders must keep the same identities: where
the recording has one value twice (`<image-id:1>` in the 201 and in the GET), this run
must have one value twice too, and two different recorded values must stay different.
Identity is checked as a one-to-one map between the two sides, never by comparing the
numbers, so a partial baseline that skips an exchange still lines up.

Exchanges are paired before they are compared: by their request (method, operation,
persona, path) with a sequence alignment, so one extra request shows as one extra exchange
rather than shifting every exchange after it. A partial baseline (`"partial": true`)
states only some exchanges and some fields; its exchanges are found in order among this
run's, and fields it does not state are not compared.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .paths import JsonPath, render

# An exchange as recorded: normalised JSON data (`normalise.Normaliser.exchange`).
Recorded = dict[str, Any]
Indexed = tuple[int, Recorded]

CHANGED = "changed"
MISSING = "missing"
EXTRA = "extra"
RETYPED = "retyped"
IDENTITY = "identity"
AGE = "age"

# Fields of a recorded exchange that describe it rather than the API's behaviour.
NOT_COMPARED = ("phase", "source")
PLACEHOLDER = re.compile(r"(<[a-z][a-z0-9-]*:\d+>)")
_NUMBER = re.compile(r":\d+>")
EXCERPT = 160


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def excerpt(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= EXCERPT else text[:EXCERPT - 3] + "..."


@dataclass(frozen=True)
class Difference:
    """One way this run differs from the recording, at one path."""

    path: JsonPath
    kind: str
    recorded: Any = None
    run: Any = None
    note: str = ""

    def describe(self, relative_to: int = 0) -> str:
        """`path: what differs`, the path shown from segment `relative_to` on."""
        return f"{render(self.path[relative_to:])}: {self.explain()}"

    def explain(self) -> str:
        """What differs here, without saying where."""
        if self.kind == CHANGED:
            return f"recorded {excerpt(self.recorded)}, this run {excerpt(self.run)}"
        if self.kind == MISSING:
            return f"missing in this run (recorded {excerpt(self.recorded)})"
        if self.kind == EXTRA:
            return f"not in the recording (this run {excerpt(self.run)})"
        if self.kind == RETYPED:
            return (f"recorded a {json_type(self.recorded)} {excerpt(self.recorded)}, "
                    f"this run a {json_type(self.run)} {excerpt(self.run)}")
        return self.note

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": render(self.path), "kind": self.kind,
                                "message": self.explain()}
        if self.kind in (CHANGED, MISSING, RETYPED, IDENTITY):
            data["recorded"] = self.recorded
        if self.kind in (CHANGED, EXTRA, RETYPED, IDENTITY):
            data["run"] = self.run
        return data


class Identities:
    """The one-to-one map between the recording's placeholders and this run's."""

    def __init__(self) -> None:
        self._forward: dict[str, str] = {}
        self._backward: dict[str, str] = {}
        self._first_recorded: dict[str, JsonPath] = {}
        self._first_run: dict[str, JsonPath] = {}

    def bind(self, recorded: str, run: str, path: JsonPath) -> str | None:
        """None if `recorded` and `run` may stand for each other here; else why not."""
        if recorded.split(":")[0] != run.split(":")[0]:
            return f"recorded a {recorded[1:].split(':')[0]}, this run a {run[1:].split(':')[0]}"
        known_run = self._forward.get(recorded)
        if known_run is not None and known_run != run:
            return (f"identity broken: the recording has {recorded} here, the same value as at "
                    f"{render(self._first_recorded[recorded])}; this run has {run} here but "
                    f"{known_run} there")
        known_recorded = self._backward.get(run)
        if known_recorded is not None and known_recorded != recorded:
            return (f"identity broken: this run has {run} here, the same value as at "
                    f"{render(self._first_run[run])}; the recording has {recorded} here but "
                    f"{known_recorded} there")
        self._forward[recorded], self._backward[run] = run, recorded
        self._first_recorded.setdefault(recorded, path)
        self._first_run.setdefault(run, path)
        return None


def signature(exchange: Recorded) -> str:
    """What pairs exchanges: the request, with placeholder numbers dropped."""
    request = exchange.get("request", {})
    path = request.get("path")
    return json.dumps([request.get("method"), request.get("operation"), request.get("persona"),
                       _NUMBER.sub(">", path) if isinstance(path, str) else path])


def _states_request_of(stated: Recorded, candidate: Recorded) -> bool:
    """A partial baseline's exchange matches a request that agrees on what it states."""
    wanted = stated.get("request", {})
    request = candidate.get("request", {})
    for key in ("method", "operation", "persona", "path"):
        if key not in wanted:
            continue
        ours, theirs = wanted[key], request.get(key)
        if key == "path" and isinstance(ours, str) and isinstance(theirs, str):
            ours, theirs = _NUMBER.sub(">", ours), _NUMBER.sub(">", theirs)
        if ours != theirs:
            return False
    return True


@dataclass
class Alignment:
    pairs: list[tuple[Indexed, Indexed]]
    missing: list[Indexed]
    extra: list[Indexed]


def align(recorded: Sequence[Indexed], run: Sequence[Indexed], partial: bool) -> Alignment:
    if partial:
        return _align_partial(recorded, run)
    matcher = difflib.SequenceMatcher(None, [signature(e) for _, e in recorded],
                                      [signature(e) for _, e in run], autojunk=False)
    result = Alignment([], [], [])
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        common = min(i2 - i1, j2 - j1)
        result.pairs += zip(recorded[i1:i1 + common], run[j1:j1 + common], strict=True)
        result.missing += recorded[i1 + common:i2]
        result.extra += run[j1 + common:j2]
    return result


def _align_partial(recorded: Sequence[Indexed], run: Sequence[Indexed]) -> Alignment:
    result = Alignment([], [], [])
    start = 0
    for item in recorded:
        found = next((k for k in range(start, len(run))
                      if _states_request_of(item[1], run[k][1])), None)
        if found is None:
            result.missing.append(item)
            continue
        result.pairs.append((item, run[found]))
        start = found + 1
    return result


class Comparer:
    """Compares values under one identity map; `partial` ignores fields it does not state."""

    def __init__(self, partial: bool) -> None:
        self.partial = partial
        self.identities = Identities()

    def exchanges(self, recorded: Sequence[Indexed], run: Sequence[Indexed]) -> list[Difference]:
        found: list[Difference] = []
        alignment = align(recorded, run, self.partial)
        for (index, expected), (_, actual) in alignment.pairs:
            self.values(_compared(expected), _compared(actual), ("exchanges", index), found)
        found += [Difference(("exchanges", index), MISSING, recorded=summary(e))
                  for index, e in alignment.missing]
        found += [Difference(("exchanges", index), EXTRA, run=summary(e),
                             note=f"this run's exchange #{index}")
                  for index, e in alignment.extra]
        return found

    def values(self, recorded: Any, run: Any, path: JsonPath, found: list[Difference]) -> None:
        if isinstance(recorded, dict) and isinstance(run, dict):
            self._objects(recorded, run, path, found)
        elif isinstance(recorded, list) and isinstance(run, list):
            self._arrays(recorded, run, path, found)
        elif json_type(recorded) != json_type(run):
            found.append(Difference(path, RETYPED, recorded, run))
        elif isinstance(recorded, str):
            self._strings(recorded, run, path, found)
        elif recorded != run:
            found.append(Difference(path, CHANGED, recorded, run))

    def _objects(self, recorded: dict[str, Any], run: dict[str, Any], path: JsonPath,
                 found: list[Difference]) -> None:
        keys = set(recorded) if self.partial else set(recorded) | set(run)
        for key in sorted(keys):
            if key not in run:
                found.append(Difference((*path, key), MISSING, recorded=recorded[key]))
            elif key not in recorded:
                found.append(Difference((*path, key), EXTRA, run=run[key]))
            else:
                self.values(recorded[key], run[key], (*path, key), found)

    def _arrays(self, recorded: list[Any], run: list[Any], path: JsonPath,
                found: list[Difference]) -> None:
        for index in range(max(len(recorded), len(run))):
            if index >= len(run):
                found.append(Difference((*path, index), MISSING, recorded=recorded[index]))
            elif index >= len(recorded):
                found.append(Difference((*path, index), EXTRA, run=run[index]))
            else:
                self.values(recorded[index], run[index], (*path, index), found)

    def _strings(self, recorded: str, run: str, path: JsonPath,
                 found: list[Difference]) -> None:
        """Equal text around the placeholders, and placeholders that keep their identities."""
        ours, theirs = PLACEHOLDER.split(recorded), PLACEHOLDER.split(run)
        if len(ours) != len(theirs) or ours[0::2] != theirs[0::2]:
            found.append(Difference(path, CHANGED, recorded, run))
            return
        for expected, actual in zip(ours[1::2], theirs[1::2], strict=True):
            broken = self.identities.bind(expected, actual, path)
            if broken is not None:
                found.append(Difference(path, IDENTITY, recorded, run, note=broken))
                return


def _compared(exchange: Recorded) -> Recorded:
    return {k: v for k, v in exchange.items() if k not in NOT_COMPARED}


def summary(exchange: Recorded) -> str:
    """`PUT /itwins/<itwin-id:1>/image (upload-itwin-image) as org_admin -> 201`."""
    request = exchange.get("request", {})
    text = f"{request.get('method', '?')} {request.get('path', '?')}"
    if request.get("operation"):
        text += f" ({request['operation']})"
    if request.get("persona"):
        text += f" as {request['persona']}"
    status = exchange.get("response", {}).get("status")
    return text + (f" -> {status}" if status is not None else "")


class TestComparison:
    """One test's recording against this run's exchanges, stage by stage as the test runs.

    A test's exchanges are compared when its call ends (setup and call) and again when its
    teardown ends (teardown), with one identity map across both, so a difference fails the
    test itself whenever it can.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.recorded: list[Indexed] = list(enumerate(entry.get("exchanges", [])))
        self.comparer = Comparer(bool(entry.get("partial")))

    def stage(self, run: Sequence[Recorded], phases: Iterable[str]) -> list[Difference]:
        wanted = set(phases)
        return self.comparer.exchanges(
            [(i, e) for i, e in self.recorded if e.get("phase", "call") in wanted],
            [(i, e) for i, e in enumerate(run) if e.get("phase") in wanted])


def render_text(differences: Sequence[Difference], recorded: Sequence[Recorded],
                heading: str) -> str:
    """A readable diff: the differences of each exchange under that exchange's request."""
    lines = [heading]
    by_exchange: dict[int, list[Difference]] = {}
    others = []
    for difference in differences:
        if len(difference.path) >= 2 and difference.path[0] == "exchanges" \
                and isinstance(difference.path[1], int) and len(difference.path) > 2:
            by_exchange.setdefault(difference.path[1], []).append(difference)
        else:
            others.append(difference)
    for index in sorted(by_exchange):
        exchange = recorded[index] if index < len(recorded) else {}
        source = f"  [{exchange['source']}]" if exchange.get("source") else ""
        lines.append(f"  exchanges[{index}] {summary(exchange)}{source}")
        lines += [f"    {d.describe(relative_to=2)}" for d in by_exchange[index]]
    for difference in others:
        text = difference.describe()
        if difference.kind == EXTRA and difference.note:
            text = f"{difference.note}: not in the recording: {difference.run}"
        elif difference.kind == MISSING and difference.path[:1] == ("exchanges",):
            text = f"{render(difference.path)}: missing in this run: {difference.recorded}"
        lines.append(f"  {text}")
    return "\n".join(lines)
