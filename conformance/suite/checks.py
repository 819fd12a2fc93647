"""Assertions on one answer, shared by the suite's tests: its status, the catalogue's code
and message, a detail, and the envelope of a refusal the contract leaves open.

The client has already checked every response against the schemas; these check the
behaviour a test is about. Messages compare with runs of whitespace collapsed (Bentley's
pages and the API's own text disagree on spacing).
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance.contract import ERRORS, DetailSpec

# A small documented-valid PNG, stored before a request that must change nothing.
BASELINE_CASE = "ratio-1x1"


def describe(response: httpx.Response) -> str:
    request = response.request
    body = response.text[:300] if response.content else "(no body)"
    return f"{request.method} {request.url.path} -> {response.status_code}: {body}"


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def image_of(response: httpx.Response) -> dict[str, str]:
    image: dict[str, str] = response.json()["image"]
    return image


def assert_status(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (
        f"expected {' or '.join(map(str, statuses))}, got {describe(response)}")


def assert_error(response: httpx.Response, status: int, code: str, **params: str) -> None:
    """Exactly the catalogue's error: status, code and message; a templated message is
    matched with `params` filled in where given, any value where not."""
    assert_status(response, status)
    error = error_of(response)
    assert error["code"] == code, f"expected code {code}, got {describe(response)}"
    spec = ERRORS[code]
    expected = spec.render(**params) if params else spec.message
    assert spec.matches(error["message"], **params), (
        f"expected message {expected!r}, got {describe(response)}")


def assert_one_of_errors(response: httpx.Response, *codes: str) -> None:
    """One of several documented errors (where the contract leaves the choice open)."""
    statuses = sorted({ERRORS[code].status for code in codes})
    assert_status(response, *statuses)
    error = error_of(response)
    matching = [c for c in codes if c == error["code"] and ERRORS[c].status == response.status_code]
    assert matching, f"expected one of {codes}, got {describe(response)}"
    assert_error(response, response.status_code, matching[0])


def assert_detail(response: httpx.Response, detail: DetailSpec) -> None:
    """`error.details[]` holds `detail`: its code, target and message."""
    details = error_of(response).get("details") or []
    found = [d for d in details if isinstance(d, dict) and d.get("code") == detail.code]
    assert found, f"expected detail {detail.code}, got {describe(response)}"
    assert found[0].get("target") == detail.target, (
        f"detail {detail.code} target should be {detail.target!r}: {describe(response)}")
    assert detail.matches(str(found[0].get("message"))), (
        f"detail {detail.code} message should be {detail.message!r}: {describe(response)}")


def assert_body_refused(response: httpx.Response, why: str) -> None:
    """The envelope of a refusal of what was sent, where the contract does not say which
    answer: a 4xx in the error model (the client checked the model) that neither calls a
    valid token invalid (401) nor says an iTwin the caller may change is not there (404)."""
    status = response.status_code
    assert 400 <= status < 500, f"{why}: expected a 4xx, got {describe(response)}"
    assert status != 401, (
        f"{why}: the token is valid, so not 401; got {describe(response)}")
    assert status != 404, (
        f"{why}: the iTwin exists and the caller may change it, so not 404; "
        f"got {describe(response)}")
