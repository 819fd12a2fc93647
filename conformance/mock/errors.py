"""One exception for every refusal, turned into the error model in one place.

Handlers raise `ApiError` wherever they decide; `app.py` renders it. Documented errors
are built by the contract's `error_body` from its catalogue; the mock's own from a
`choices` spec, in the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from conformance.contract import ERRORS, DetailSpec, ErrorSpec, error_body


class ApiError(Exception):
    """A refusal: its status, the error body, and any headers (Retry-After, Allow)."""

    def __init__(self, status: int, body: dict[str, Any],
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(body["error"]["code"])
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def documented(code: str, *details: DetailSpec, headers: Mapping[str, str] | None = None,
               **params: str) -> ApiError:
    """A catalogued error by code, with the catalogue's status and message."""
    return ApiError(ERRORS[code].status, error_body(code, details=details, **params), headers)


def mock_error(spec: ErrorSpec, *details: DetailSpec,
               headers: Mapping[str, str] | None = None, **params: str) -> ApiError:
    """One of the mock's own errors (`choices`)."""
    return ApiError(spec.status, spec.body(details, **params), headers)
