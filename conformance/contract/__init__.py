"""The contract as data: schemas, operations, the error catalogue, evidence levels, the
personas, and the validator.

The bottom of the project, above only `conformance.files`: everything else (images, the
mock, the client, targets, the suite) builds on it.
"""

from .catalogue import (
    ACCEPT_V1,
    DETAILS,
    ERRORS,
    IMAGE_RATIO,
    IMAGE_TOO_BIG,
    MAX_RATIO,
    RATE_LIMIT_CODES,
    READ_ONLY_ID,
    REQUIRED_SCOPE,
    SIZE_ALWAYS_ACCEPTED,
    SIZE_ALWAYS_REJECTED_ABOVE,
    DetailSpec,
    ErrorSpec,
    error_body,
)
from .evidence import Evidence
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
from .personas import PERSONAS, TOKEN_ONLY_PERSONAS
from .schemas import openapi, registry, schema, schema_dir
from .validate import ERROR, WARNING, Violation, check_json_body, validate, validate_body

__all__ = [
    "ACCEPT_V1",
    "CREATE_ITWIN",
    "DELETE_IMAGE",
    "DELETE_ITWIN",
    "DETAILS",
    "ERROR",
    "ERRORS",
    "GET_IMAGE",
    "GET_ITWIN",
    "IMAGE_OPERATIONS",
    "IMAGE_RATIO",
    "IMAGE_TOO_BIG",
    "LIST_ITWINS",
    "MAX_RATIO",
    "PERSONAS",
    "RATE_LIMIT_CODES",
    "READ_ONLY_ID",
    "REQUIRED_SCOPE",
    "SIZE_ALWAYS_ACCEPTED",
    "SIZE_ALWAYS_REJECTED_ABOVE",
    "TOKEN_ONLY_PERSONAS",
    "UPLOAD_IMAGE",
    "WARNING",
    "DetailSpec",
    "ErrorSpec",
    "Evidence",
    "Operation",
    "Violation",
    "check_json_body",
    "error_body",
    "openapi",
    "operation",
    "operations",
    "registry",
    "schema",
    "schema_dir",
    "validate",
    "validate_body",
]
