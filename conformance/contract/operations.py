"""The API's operations as the OpenAPI document states them.

Nothing here is written by hand: method, path and the documented responses of each
operation come from `schemas/openapi.json`, so the document stays the single source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .schemas import openapi

UPLOAD_IMAGE = "upload-itwin-image"
GET_IMAGE = "get-itwin-image"
DELETE_IMAGE = "delete-itwin-image"
GET_ITWIN = "get-itwin"
CREATE_ITWIN = "create-itwin"
DELETE_ITWIN = "delete-itwin"
LIST_ITWINS = "get-my-itwins"
IMAGE_OPERATIONS = (UPLOAD_IMAGE, GET_IMAGE, DELETE_IMAGE, GET_ITWIN)


@dataclass(frozen=True)
class ResponseSpec:
    """One documented response: which schema its JSON body has, if any."""

    key: str  # "201", "404" or a range such as "4XX"
    schema_ref: str | None  # e.g. "image.schema.json"; None for a response without body


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str  # relative to the API root, e.g. "/{iTwinId}/image"
    responses: dict[str, ResponseSpec]

    def response_for(self, status: int) -> ResponseSpec | None:
        """The exact documented response for `status`, else its range (e.g. 4XX), else None."""
        return self.responses.get(str(status)) or self.responses.get(f"{status // 100}XX")

    def is_documented(self, status: int) -> bool:
        return str(status) in self.responses

    def url_path(self, **params: str) -> str:
        return self.path.format(**params)


def _response_spec(key: str, response: dict[str, Any]) -> ResponseSpec:
    content = response.get("content", {})
    media = content.get("application/json", {})
    return ResponseSpec(key, media.get("schema", {}).get("$ref"))


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the OpenAPI document, by operationId."""
    found: dict[str, Operation] = {}
    for path, item in openapi()["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            responses = {key: _response_spec(key, value) for key, value in op["responses"].items()}
            found[op["operationId"]] = Operation(op["operationId"], method.upper(), path, responses)
    return found


def operation(operation_id: str) -> Operation:
    try:
        return operations()[operation_id]
    except KeyError:
        raise KeyError(f"no operation {operation_id!r} in schemas/openapi.json") from None
