"""The error catalogue (docs/contract.md, "Errors"), written once as data.

The mock builds its error bodies from it and the suite checks bodies against it, so a
code or a message can never drift between the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .evidence import Evidence


@dataclass(frozen=True)
class ErrorSpec:
    """A top-level error: its status, code and exact message (a template for some)."""

    status: int
    code: str
    message: str
    evidence: Evidence

    def render(self, **params: str) -> str:
        return self.message.format(**params)

    def body(self, details: tuple[DetailSpec, ...] = (), target: str | None = None,
             **params: str) -> dict[str, Any]:
        """This error as a body of the error model, ready for JSON."""
        error: dict[str, Any] = {"code": self.code, "message": self.render(**params)}
        if target is not None:
            error["target"] = target
        if details:
            error["details"] = [detail.body() for detail in details]
        return {"error": error}

    def matches(self, message: str, **params: str) -> bool:
        """Whether `message` is this error's message: each `{placeholder}` filled with
        `params[name]` when given, else with any text. Runs of whitespace compare as one
        space (Bentley's pages and the API's own text disagree on spacing)."""
        pattern = ""
        for literal, name in _TEMPLATE.findall(self.message):
            pattern += re.escape(same_spacing(literal))
            if name:
                pattern += re.escape(same_spacing(params[name])) if name in params else ".+?"
        return re.fullmatch(pattern, same_spacing(message), flags=re.DOTALL) is not None


@dataclass(frozen=True)
class DetailSpec:
    """An entry of `error.details[]`."""

    code: str
    target: str
    message: str

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "target": self.target}

    def matches(self, message: str) -> bool:
        """Whether `message` is this detail's message, runs of whitespace compared as one."""
        return same_spacing(message) == same_spacing(self.message)


# Literal text, then the name of the `{placeholder}` that follows it (empty at the end).
_TEMPLATE = re.compile(r"(.*?)(?:\{(\w+)\}|$)", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


def same_spacing(text: str) -> str:
    """`text` with every run of whitespace made one space, ends stripped."""
    return _WHITESPACE.sub(" ", text).strip()


_ERRORS = (
    ErrorSpec(401, "HeaderNotFound",
              "Header Authorization was not found in the request. Access denied.",
              Evidence.DOCUMENTED),
    ErrorSpec(401, "InvalidAuthorizationScheme",
              "Authorization scheme '{scheme}' is not valid.", Evidence.OBSERVED),
    ErrorSpec(401, "InvalidHeaderValue", "Authorization header is empty.", Evidence.DOCUMENTED),
    ErrorSpec(401, "RequiredScopeMissing",
              "Access denied due to invalid access_token. One or more required scopes are "
              "missing. Make sure to provide a valid token for this API endpoint.",
              Evidence.DOCUMENTED),
    ErrorSpec(401, "Unauthorized",
              "Access denied due to invalid access_token. Make sure to provide a valid token "
              "for this API endpoint.", Evidence.DOCUMENTED),
    ErrorSpec(403, "InsufficientPermissions",
              "The user has insufficient permissions for the requested operation.",
              Evidence.DOCUMENTED),
    ErrorSpec(404, "iTwinNotFound", "Requested iTwin is not available.", Evidence.DOCUMENTED),
    ErrorSpec(404, "ImageNotFound", "Requested image is not available.", Evidence.DOCUMENTED),
    ErrorSpec(404, "ResourceNotFound",
              "The requested resource was not found. Verify the API URL and the Accept header.",
              Evidence.DOCUMENTED),
    ErrorSpec(413, "RequestTooLarge",
              "Provided file is greater than the maximum allowed file size of 5MB.",
              Evidence.DOCUMENTED),
    ErrorSpec(422, "InvalidiTwinsRequest", "Cannot create iTwin Image.", Evidence.DOCUMENTED),
    ErrorSpec(429, "RateLimitExceeded",
              "The client sent more requests than allowed by this API for the current tier of "
              "the client.", Evidence.DOCUMENTED),
)

ERRORS: dict[str, ErrorSpec] = {spec.code: spec for spec in _ERRORS}

# Older pages name the 429 code TooManyRequests; either is the documented error.
RATE_LIMIT_CODES = ("RateLimitExceeded", "TooManyRequests")

# The documented 422 details of upload. Note the two spaces after "big." (as documented).
IMAGE_TOO_BIG = DetailSpec(
    "InvalidRequestBody", "image", "The iTwin Image is too big.  It cannot be greater than 5 MB.")
IMAGE_RATIO = DetailSpec(
    "InvalidValue", "image",
    "The width or height dimensions of the image cannot be greater than 5 times the size of "
    "each other.")
READ_ONLY_ID = DetailSpec("ReadOnlyProperty", "id", "Id is read only and cannot be modified.")
DETAILS: dict[str, DetailSpec] = {
    spec.code: spec for spec in (IMAGE_TOO_BIG, IMAGE_RATIO, READ_ONLY_ID)}

# The documented statuses and limits that are facts, not choices.
ACCEPT_V1 = "application/vnd.bentley.itwin-platform.v1+json"
REQUIRED_SCOPE = "itwin-platform"
MAX_RATIO = 5
# Under either reading of "5 MB", bodies up to the first are accepted and bodies above
# the second rejected; the band between is undetermined.
SIZE_ALWAYS_ACCEPTED = 5_000_000
SIZE_ALWAYS_REJECTED_ABOVE = 5 * 1024 * 1024


def error_body(code: str, *, details: tuple[DetailSpec, ...] = (), target: str | None = None,
               **params: str) -> dict[str, Any]:
    """The documented body for error `code`, as a dict ready for JSON."""
    return ERRORS[code].body(details, target, **params)
