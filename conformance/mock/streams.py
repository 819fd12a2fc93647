"""Request bodies read as a stream, never past a limit.

No body is trusted to be as short as its Content-Length says, or to have one at all: the
reader stops as soon as the limit is passed, so a 1 GB body costs one chunk, not 1 GB.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is longer than the limit (by declaration or by counting)."""


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body if it has at most `limit` bytes, else BodyTooLarge."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)
