"""Request bodies read as a stream, never past a limit; JSON bodies parsed strictly.

No body is trusted to be as short as its Content-Length says, or to have one at all: the
reader stops as soon as the limit is passed, so a 1 GB body costs one chunk, not 1 GB.

JSON is checked at the edge for what Python's parser lets through but nothing downstream
can hold: a lone surrogate (a valid `\\ud800` escape that no UTF-8 answer can encode), and
numbers that are not finite (`1e999`, `NaN`). What passes can be stored, echoed and
answered as JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

from .arrival import RequestTimedOut
from .state import Take


class BodyTooLarge(Exception):
    """The body is longer than the limit (by declaration or by counting)."""


class BodyNotJson(Exception):
    """The body is not a JSON document (bad syntax, too deep, a number `int()` refuses)."""


class BodyUnrepresentable(Exception):
    """JSON that holds a lone surrogate or a number that is not finite."""


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_limited(request: Request, limit: int, take: Take | None = None) -> bytes:
    """The whole body if it has at most `limit` bytes, else BodyTooLarge. With `take`,
    each chunk is taken from a byte budget before it is kept (RequestTimedOut if the
    budget does not free up before the body's deadline)."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise BodyTooLarge
        if take is not None:
            try:
                await take(len(chunk))
            except TimeoutError:
                raise RequestTimedOut from None
        body += chunk
    return bytes(body)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # longer than int() reads (4300 digits)
        raise BodyUnrepresentable from None


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BodyUnrepresentable
    return number


def _no_constant(name: str) -> Any:
    raise BodyUnrepresentable  # NaN, Infinity, -Infinity: not JSON at all


def is_text(value: str) -> bool:
    """Whether `value` encodes as UTF-8 (it does unless it holds a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _all_text(document: Any) -> bool:
    """Every string of a parsed document, keys included, is text (iterative: a document
    as deep as the parser allows must not exhaust the stack here)."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not is_text(value):
                return False
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return True


def parse_json(raw: bytes) -> Any:
    """The document in `raw`; BodyNotJson or BodyUnrepresentable if it is not one the mock
    can hold."""
    try:
        document = json.loads(raw, parse_int=_integer, parse_float=_finite,
                              parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BodyNotJson from None
    if not _all_text(document):
        raise BodyUnrepresentable
    return document


async def read_json(request: Request, limit: int, *, if_empty: Any = None) -> Any:
    """The JSON body of at most `limit` bytes (`if_empty` when there is none); raises
    BodyTooLarge, BodyNotJson or BodyUnrepresentable."""
    raw = await read_limited(request, limit)
    return parse_json(raw) if raw else if_empty
