"""The contract as data: schemas, operations, the error catalogue, and the validator.

Imports nothing else from the project; the mock, the client and the suite all use it.
"""

from .catalogue import (
    ACCEPT_V1,
    DETAILS,
    DOCUMENTED,
    ERRORS,
    EVIDENCE_LEVELS,
    IMAGE_CONTENT_TYPES,
    IMAGE_RATIO,
    IMAGE_TOO_BIG,
    MAX_RATIO,
    OBSERVED,
    RATE_LIMIT_CODES,
    READ_ONLY_ID,
    REQUIRED_SCOPE,
    SIZE_ALWAYS_ACCEPTED,
    SIZE_ALWAYS_REJECTED_ABOVE,
    UNDETERMINED,
    DetailSpec,
    ErrorSpec,
    error_body,
)
from .operations import (
    CREATE_ITWIN,
    DELETE_IMAGE,
    DELETE_ITWIN,
    GET_IMAGE,
    GET_ITWIN,
    IMAGE_OPERATIONS,
    LIST_ITWINS,
    UPLOAD_IMAGE,
    Operation,
    operation,
    operations,
)
from .schemas import openapi, registry, schema, schema_dir
from .validate import ERROR, WARNING, Violation, check_json_body, validate, validate_body

__all__ = [
    "ACCEPT_V1", "CREATE_ITWIN", "DELETE_IMAGE", "DELETE_ITWIN", "DETAILS", "DOCUMENTED",
    "ERROR", "ERRORS", "EVIDENCE_LEVELS", "GET_IMAGE", "GET_ITWIN", "IMAGE_CONTENT_TYPES",
    "IMAGE_OPERATIONS", "IMAGE_RATIO", "LIST_ITWINS", "IMAGE_TOO_BIG", "MAX_RATIO", "OBSERVED",
    "RATE_LIMIT_CODES", "READ_ONLY_ID", "REQUIRED_SCOPE", "SIZE_ALWAYS_ACCEPTED",
    "SIZE_ALWAYS_REJECTED_ABOVE", "UNDETERMINED", "UPLOAD_IMAGE", "WARNING", "DetailSpec",
    "ErrorSpec", "Operation", "Violation", "check_json_body", "error_body", "openapi",
    "operation", "operations", "registry", "schema", "schema_dir", "validate", "validate_body",
]
