"""Error answers the contract does not document: the mock's own, each a stated choice.

The catalogue in `conformance.contract` holds every documented code and message; nothing
here repeats one of those. What is here answers a case the real service's docs leave open
(a wrong image type, a corrupt image, a 405, a fault) or belongs to the mock alone (its
store is full, its control API got bad input, a blob link is wrong). `docs/differences.md`
lists each with its reason.
"""

from __future__ import annotations

from conformance.contract import DetailSpec, ErrorSpec, Evidence


def _mock(status: int, code: str, message: str) -> ErrorSpec:
    return ErrorSpec(status, code, message, Evidence.UNDETERMINED)


METHOD_NOT_ALLOWED = _mock(
    405, "MethodNotAllowed", "The HTTP method '{method}' is not allowed for this resource.")
SERVICE_UNAVAILABLE = _mock(
    503, "ServiceUnavailable", "The service is temporarily unavailable. Try again later.")
INTERNAL_ERROR = _mock(
    500, "InternalServerError", "The mock failed unexpectedly. This is a bug in the mock.")
REQUEST_TIMEOUT = _mock(
    408, "RequestTimeout", "The request did not arrive within {seconds} seconds.")
CAPACITY_EXCEEDED = _mock(
    409, "MockCapacityExceeded",
    "The mock's store is full ({what}). Delete iTwins or images, or reset the mock.")
ITWIN_EXISTS = _mock(409, "iTwinExists", "An iTwin with the same number already exists.")
CANNOT_CREATE_ITWIN = _mock(422, "InvalidiTwinsRequest", "Cannot create iTwin.")
INVALID_LIST_REQUEST = _mock(422, "InvalidiTwinsRequest", "Cannot list iTwins.")
INVALID_CONTROL_REQUEST = _mock(422, "InvalidMockRequest", "The control request is invalid.")
# The control API's gate (control_api.py): the secret, the mock's own name, JSON only.
CONTROL_SECRET_REQUIRED = _mock(
    403, "MockControlForbidden",
    "The control API needs the mock's control secret (its target file's [mock] "
    "control_secret) in the X-Mock-Control-Secret header.")
CONTROL_FOREIGN_HOST = _mock(
    403, "MockControlForbidden",
    "The control API answers only requests addressed to the mock's own name, from no "
    "other origin.")
CONTROL_JSON_ONLY = _mock(
    415, "UnsupportedMediaType", "The control API accepts only application/json bodies.")
# Blob links are Azure Storage links; these are Azure's codes and messages (Azure answers
# them as XML; the mock answers the JSON error model so every answer has one shape).
BLOB_AUTH_FAILED = _mock(
    403, "AuthenticationFailed",
    "Server failed to authenticate the request. Make sure the value of Authorization header "
    "is formed correctly including the signature.")
BLOB_NOT_FOUND = _mock(404, "BlobNotFound", "The specified blob does not exist.")

# Other readings of open points (settings.READINGS), in the shapes other APIs use.
UNSUPPORTED_MEDIA_TYPE = _mock(
    415, "UnsupportedMediaType",
    "The Content-Type '{content_type}' is not supported. Supported media types are "
    "'image/jpeg', 'image/png'.")
EMPTY_BODY = _mock(400, "InvalidRequest", "The request body is empty.")
INVALID_ITWIN_ID = _mock(400, "InvalidiTwinsRequest", "The iTwin id is not a valid GUID.")
# The code of the "oversize-wrong-code" break: a plausible name that is not the documented one.
WRONG_OVERSIZE_CODE = "PayloadTooLarge"

SUPPORTED_TYPES = "Supported media types are 'image/jpeg', 'image/png'."


def unsupported_type(content_type: str) -> DetailSpec:
    """A wrong or missing Content-Type, phrased as the sibling iModels API does."""
    shown = content_type[:100]
    return DetailSpec("InvalidHeaderValue", "content-type",
                      f"'{shown}' is not supported 'content-type'. {SUPPORTED_TYPES}")


EMPTY_IMAGE = DetailSpec("InvalidRequestBody", "image", "The iTwin Image is empty.")
NOT_AN_IMAGE = DetailSpec(
    "InvalidRequestBody", "image", "The iTwin Image is not a PNG or JPEG image.")
TYPE_MISMATCH = DetailSpec(
    "InvalidRequestBody", "image", "The iTwin Image does not match its 'content-type'.")
CORRUPT_IMAGE = DetailSpec(
    "InvalidRequestBody", "image", "The iTwin Image is corrupt or truncated.")


def too_many_pixels(max_pixels: int) -> DetailSpec:
    return DetailSpec("InvalidValue", "image",
                      f"The iTwin Image has too many pixels. It cannot have more than "
                      f"{max_pixels} pixels.")


def missing_property(name: str) -> DetailSpec:
    return DetailSpec("MissingRequiredProperty", name, f"{name} is missing.")


def invalid_property(name: str, why: str) -> DetailSpec:
    return DetailSpec("InvalidValue", name, f"{name} {why}")


NOT_JSON = DetailSpec("InvalidRequestBody", "body", "The request body is not a JSON object.")
JSON_TOO_LARGE = DetailSpec("InvalidRequestBody", "body", "The request body is too large.")
UNREPRESENTABLE = DetailSpec(
    "InvalidRequestBody", "body",
    "The request body holds a value the mock cannot represent (a lone surrogate, or a "
    "number too large or not finite).")
