"""One function that checks a response against the contract, and the violation it reports.

Errors break the contract (a 5xx, a status that is not documented at all, a body that
fails its schema, an error body that is not JSON). Warnings are allowed but worth a look:
an extra property (an additive change is not a breach) or a 4xx the operation does not
document (the contract leaves many rejections undetermined).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .operations import operation
from .schemas import registry, schema

ERROR = "error"
WARNING = "warning"
ERROR_SCHEMA = "error.schema.json"


@dataclass(frozen=True)
class Violation:
    """One way a response departs from the contract: where (a JSON path) and what."""

    path: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


def validate(operation_id: str | None, response: httpx.Response) -> list[Violation]:
    """Every violation of `response` to the contract of `operation_id`.

    `operation_id` None is a request outside the documented operations (a wrong route or
    method): only the error model applies.
    """
    status = response.status_code
    if status >= 500:
        return [Violation("$status", f"server error {status}: a 5xx is never a conforming answer")]
    if operation_id is None:
        return _check_unrouted(response)
    op = operation(operation_id)
    spec = op.response_for(status)
    if spec is None:
        return [Violation("$status", f"status {status} is not documented for {operation_id}")]
    found: list[Violation] = []
    if not op.is_documented(status):
        found.append(Violation(
            "$status", f"status {status} is not documented for {operation_id}", WARNING))
    if spec.schema_ref is None:
        return found + _check_empty(response)
    return found + check_json_body(response, spec.schema_ref)


def _check_unrouted(response: httpx.Response) -> list[Violation]:
    if response.status_code < 400:
        return []
    return check_json_body(response, ERROR_SCHEMA)


def _check_empty(response: httpx.Response) -> list[Violation]:
    if response.content:
        return [Violation("$body", f"status {response.status_code} must have no body, "
                                   f"got {len(response.content)} bytes")]
    return []


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip().lower()


def is_json_media(media: str) -> bool:
    """JSON by its media type: `application/json` or any `application/...+json` (Bentley's
    vendor type among them), for success and error bodies alike; parameters such as
    `charset` were stripped by the caller."""
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json"))


def check_json_body(response: httpx.Response, schema_ref: str) -> list[Violation]:
    """The body must be JSON of an allowed media type and valid against `schema_ref`."""
    is_error = schema_ref == ERROR_SCHEMA
    kind = "error body" if is_error else "body"
    media = _media_type(response)
    if not is_json_media(media):
        return [Violation("$content-type",
                          f"{kind} of status {response.status_code} has Content-Type "
                          f"{media or '(none)'!r}, expected application/json or a +json type")]
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        return [Violation("$body", f"{kind} is not valid JSON: {exc}")]
    return validate_body(schema_ref, body)


def validate_body(schema_ref: str, body: Any) -> list[Violation]:
    """Schema errors (sorted by path) and unknown properties (as warnings) of `body`."""
    validator = _validator(schema_ref)
    found = sorted((Violation(_error_path(e), e.message) for e in validator.iter_errors(body)),
                   key=lambda v: (v.path, v.message))
    root = schema(schema_ref)
    found += [Violation(path, "property not in the contract (allowed, additive)", WARNING)
              for path in _extra_properties(root, root, body)]
    return found


def _error_path(error: ValidationError) -> str:
    """The JSON path of the failing value; for a missing property, the property's path."""
    path = str(error.json_path)
    if error.validator == "required":
        missing = _REQUIRED_MESSAGE.fullmatch(error.message)
        if missing:
            return f"{path}.{ast.literal_eval(missing.group(1))}"
    return path


# jsonschema reports each missing property as "'name' is a required property".
_REQUIRED_MESSAGE = re.compile(
    r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") is a required property")


def _validator(schema_ref: str) -> Draft202012Validator:
    return Draft202012Validator(schema(schema_ref), registry=registry())


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        resolved: dict[str, Any] = target
        return resolved
    return node


def _extra_properties(root: dict[str, Any], node: dict[str, Any], instance: Any,
                      path: str = "$") -> list[str]:
    """JSON paths of object keys that `node` (a subschema of `root`) does not name."""
    node = _resolve(root, node)
    found: list[str] = []
    if isinstance(instance, dict) and "properties" in node:
        known = node["properties"]
        for key, value in instance.items():
            if key in known:
                found += _extra_properties(root, known[key], value, f"{path}.{key}")
            else:
                found.append(f"{path}.{key}")
    elif isinstance(instance, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(instance):
            found += _extra_properties(root, node["items"], item, f"{path}[{index}]")
    return found
