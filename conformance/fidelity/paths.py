"""JSON paths into a recorded test: where a difference is, and which differences a known
difference covers.

A difference names its place as `exchanges[0].response.body.json.error.code`, so a reader
can find it in the recording file and a known difference can name it back. Patterns add
three wildcards: `*` (any one key), `[*]` (any one index) and `**` or `$..` (any depth, zero
or more segments). A pattern covers a path and everything below it, so declaring
`exchanges[*].response.headers.x-correlation-id` covers a missing header as well as a
changed one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

Segment = str | int
JsonPath = tuple[Segment, ...]

# A key that needs no quoting: letters, digits, `_` and `-` (header names), not first a digit.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
ANY_ONE = object()
ANY_DEPTH = object()
PatternSegment = str | int | object


class PathSyntaxError(ValueError):
    """A pattern that cannot be read; the message says where."""


def render(path: JsonPath) -> str:
    """`("exchanges", 0, "response")` -> `exchanges[0].response`; `$` for the root."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif _PLAIN_KEY.fullmatch(segment):
            text += f".{segment}" if text else segment
        else:
            text += f"[{json.dumps(segment)}]"
    return text or "$"


@dataclass(frozen=True)
class Pattern:
    """A parsed path pattern; `covers(path)` is true for the path and everything below it."""

    text: str
    segments: tuple[PatternSegment, ...]

    def covers(self, path: JsonPath) -> bool:
        return _covers(self.segments, path)


def _covers(pattern: tuple[PatternSegment, ...], path: JsonPath) -> bool:
    if not pattern:
        return True  # the pattern ended: the rest of the path lies below it
    head, rest = pattern[0], pattern[1:]
    if head is ANY_DEPTH:
        return any(_covers(rest, path[skip:]) for skip in range(len(path) + 1))
    if not path:
        return False
    if head is ANY_ONE or head == path[0]:
        return _covers(rest, path[1:])
    return False


_TOKEN = re.compile(r"""
    (?P<descent>\.\.)                      # $..key: any depth
  | \.(?P<key>\*\*|\*|[A-Za-z_][A-Za-z0-9_-]*)
  | \[(?P<index>\d+|\*)\]
  | \[(?P<quoted>"(?:[^"\\]|\\.)*")\]
""", re.VERBOSE)


def parse(text: str) -> Pattern:
    """Read a pattern such as `$..error.code` or `exchanges[*].response.status`."""
    body = text.strip()
    if body.startswith("$"):
        body = body[1:]
    elif body and not body.startswith(("[", ".")):
        body = "." + body
    segments: list[PatternSegment] = []
    position = 0
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None:
            raise PathSyntaxError(f"cannot read path {text!r} at {body[position:]!r}")
        segments.extend(_segments_of(match, body))
        position = match.end()
        if match.group("descent"):
            position = _after_descent(body, position, segments, text)
    if not segments:
        raise PathSyntaxError(f"path {text!r} names nothing")
    return Pattern(text, tuple(segments))


def _segments_of(match: re.Match[str], body: str) -> list[PatternSegment]:
    if match.group("descent"):
        return [ANY_DEPTH]
    if match.group("key") is not None:
        key = match.group("key")
        return [{"**": ANY_DEPTH, "*": ANY_ONE}.get(key, key)]
    if match.group("index") is not None:
        index = match.group("index")
        return [ANY_ONE if index == "*" else int(index)]
    return [json.loads(match.group("quoted"))]


def _after_descent(body: str, position: int, segments: list[PatternSegment],
                   text: str) -> int:
    """`$..key`: the descent is followed directly by a key (no dot of its own)."""
    key = re.compile(r"\*|[A-Za-z_][A-Za-z0-9_-]*").match(body, position)
    if key is None:
        if body.startswith("[", position):
            return position
        raise PathSyntaxError(f"path {text!r}: `..` must be followed by a key")
    segments.append(ANY_ONE if key.group() == "*" else key.group())
    return key.end()
