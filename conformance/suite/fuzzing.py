"""Schemathesis over the contract's OpenAPI document, with the validating client as transport.

Schemathesis draws the requests: its own strategies for headers, ours for the `image/png` and
`image/jpeg` bodies (real images, see `conformance.images.strategies`). Each request is sent
through `ApiClient`, so the answer first passes `conformance.contract.validate` (and a 429 is
waited out as everywhere else); Schemathesis then judges the same answer with the response
checks named in `RESPONSE_CHECKS`. One transport, two independent readings of the document.

The `iTwinId` path parameter is never generated freely: it is the test's scratch iTwin, or now
and then a random GUID that names no iTwin, so fuzzing can never touch anybody else's iTwin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance.client import ApiClient
from conformance.contract import IMAGE_OPERATIONS, MAX_RATIO, operation, schema_dir
from conformance.images import read_properties
from conformance.images.strategies import ImageBody, image_bodies, image_body

# The image operations and get-itwin; never create-itwin or delete-itwin.
FUZZED_OPERATIONS = IMAGE_OPERATIONS
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Schemathesis' response checks that read the document alone; none of them sends requests.
# Not content_type_conformance: it knows only the document's `application/json`, while any
# JSON media type is JSON (with a charset, or Bentley's vendor type); the client's validator,
# which every answer has passed, is the one judge of media types.
RESPONSE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Generated headers of these names are dropped: the client or the transport owns them, or
# they would make an undocumented answer legitimate (304, 206) or change the method.
RESERVED_HEADERS = frozenset({
    "authorization", "content-type", "content-length", "transfer-encoding", "host",
    "connection", "expect", "te", "upgrade", "trailer", "cookie",
    "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
    "range", "x-http-method-override", "x-http-method", "x-method-override",
})
# What HTTP/1.1 can carry: a token as the name; visible latin-1 text, inner spaces and tabs
# as the value (RFC 9110, 5.5). Leading and trailing whitespace is not part of a value.
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
HEADER_VALUE = re.compile(r"[\x21-\x7e\x80-\xff]([\t \x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?")
FORMATS = ("PNG", "JPEG")
# Sides of the drawn images; small so that every body is far below any size limit.
MAX_SIDE = 60
# The longest short side whose 5:1 edge (5 * short + 1) still fits in MAX_SIDE.
MAX_EDGE_SHORT_SIDE = (MAX_SIDE - 1) // MAX_RATIO


def register_image_media_types() -> None:
    """Real PNG and JPEG bodies (any shape, so 5:1 rejections occur too) for the uploads.

    Schemathesis keeps media-type strategies in one process-wide table; registering the same
    two names again only replaces them.
    """
    for format, media_type in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        bodies = image_bodies(formats=(format,), max_side=MAX_SIDE, max_ratio=None)
        schemathesis.openapi.media_type(media_type, bodies.map(bytes))


def load_operations(base_url: str) -> dict[str, Any]:
    """FUZZED_OPERATIONS, as Schemathesis reads `schemas/openapi.json`, aimed at `base_url`.

    The configuration is built here rather than discovered from a `schemathesis.toml`, so a
    stray file in the working directory cannot change what runs. Security parameters are not
    generated: the client authenticates every request as its persona.
    """
    register_image_media_types()
    config = schemathesis.Config.from_dict({
        "base-url": base_url,
        "generation": {"with-security-parameters": False},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in RESPONSE_CHECKS}},
    })
    schema = schemathesis.openapi.from_path(schema_dir() / "openapi.json", config=config)
    return {operation_id: schema[operation(operation_id).path][operation(operation_id).method]
            for operation_id in FUZZED_OPERATIONS}


def itwin_ids(scratch_itwin: str) -> st.SearchStrategy[str]:
    """Mostly the scratch iTwin; one draw in four a random GUID that names no iTwin."""
    unknown = st.uuids(version=4).map(str)
    return st.sampled_from((True, True, True, False)).flatmap(
        lambda scratch: st.just(scratch_itwin) if scratch else unknown)


@dataclass(frozen=True)
class Drawn:
    """A Schemathesis case whose repr (what Hypothesis prints for a failure) is the request in
    one line, the body as its size rather than its bytes."""

    case: Any

    def __repr__(self) -> str:
        case = self.case
        body = f", {len(case.body)} bytes of {case.media_type}" if isinstance(
            case.body, bytes) else ""
        return f"{case.method} {case.formatted_path} headers={dict(case.headers)!r}{body}"


def cases(operation: Any, mode: GenerationMode, scratch_itwin: str) -> st.SearchStrategy[Drawn]:
    """Schemathesis cases of `operation` in `mode`, with `iTwinId` from `itwin_ids`; only
    cases HTTP/1.1 can carry (else the transport, not the target, would refuse them)."""
    return itwin_ids(scratch_itwin).flatmap(
        lambda itwin_id: operation.as_strategy(mode, path_parameters={"iTwinId": itwin_id}),
    ).filter(sendable).map(Drawn)


def sendable(case: Any) -> bool:
    """Every header HTTP/1.1 can carry: a token name, an empty or well-formed value."""
    return all(HEADER_NAME.fullmatch(name) and (value == "" or HEADER_VALUE.fullmatch(value))
               for name, value in request_headers(case).items() if value is not None)


def request_headers(case: Any) -> dict[str, str | None]:
    """The case's headers as sent: reserved names dropped, values trimmed, an absent Accept
    kept absent (the client would otherwise add its own)."""
    headers: dict[str, str | None] = {
        name.lower(): str(value).strip(" \t") for name, value in case.headers.items()
        if name.lower() not in RESERVED_HEADERS}
    headers.setdefault("accept", None)
    return headers


def send(client: ApiClient, operation_id: str, case: Any) -> httpx.Response:
    """Send `case` through the client: its headers, and its body with its media type."""
    headers = request_headers(case)
    content = None
    if isinstance(case.body, bytes):
        content = case.body
        headers["content-type"] = case.media_type
    elif case.media_type is not None:
        raise TypeError(f"{operation_id}: expected a bytes body, got {type(case.body).__name__}")
    return client.raw(case.method, case.formatted_path, headers=headers, content=content,
                      operation_id=operation_id)


def check_response(case: Any, response: httpx.Response) -> None:
    """Schemathesis' RESPONSE_CHECKS on `response`; an AssertionError lists each failure."""
    try:
        case.validate_response(response)
    except schemathesis.errors.FailureGroup as group:
        request = response.request
        lines = [f"{request.method} {request.url.path} -> {response.status_code} fails "
                 f"Schemathesis' checks ({Drawn(case)!r}):"]
        lines += [f"  - {failure.title}: {failure.message}" for failure in group.exceptions]
        raise AssertionError("\n".join(lines)) from None


# The aspect-ratio property -------------------------------------------------------------


def within_ratio(width: int, height: int) -> bool:
    """The documented rule: neither side is more than 5 times the other (5:1 is allowed)."""
    return max(width, height) <= MAX_RATIO * min(width, height)


def _edges(short: int) -> st.SearchStrategy[tuple[int, int]]:
    longs = (MAX_RATIO * short - 1, MAX_RATIO * short, MAX_RATIO * short + 1)
    return st.sampled_from([(long, short) for long in longs if long >= 1]
                           + [(short, long) for long in longs if long >= 1])


def shapes() -> st.SearchStrategy[tuple[int, int]]:
    """(width, height): any sides up to MAX_SIDE, mixed with shapes on and beside 5:1."""
    side = st.integers(1, MAX_SIDE)
    return st.one_of(st.tuples(side, side), st.integers(1, MAX_EDGE_SHORT_SIDE).flatmap(_edges))


def shaped_bodies() -> st.SearchStrategy[ImageBody]:
    """RGB PNG or JPEG bodies of a drawn shape; RGB so that only the shape varies."""
    return st.tuples(shapes(), st.sampled_from(FORMATS)).flatmap(
        lambda drawn: image_bodies(formats=(drawn[1],), width=drawn[0][0],
                                   height=drawn[0][1], mode="RGB", max_ratio=None))


def fixed_body(format: str, width: int, height: int) -> ImageBody:
    """One RGB body of this shape, for explicit examples."""
    return image_body(format, "RGB", width, height)


def assert_is(body: ImageBody) -> None:
    """The bytes really are the declared image, so the oracle judges what was sent."""
    real = read_properties(body.data)
    assert (real.format, real.width, real.height, real.decodes) == (
        body.format, body.width, body.height, True), f"drawn body is not what it says: {real}"
