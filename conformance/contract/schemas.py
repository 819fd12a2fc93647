"""The contract's schema files, loaded once into a `referencing` registry.

The files live in the repository's `schemas/` folder; a wheel carries a copy in
`conformance/_data/schemas`. Each schema is registered under its `$id` and under its
file name, so the OpenAPI document's relative `$ref`s ("image.schema.json") resolve.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_FILES = ("image.schema.json", "error.schema.json", "itwin.schema.json",
                "itwin-list.schema.json")


def schema_dir() -> Path:
    """The folder holding the schema files: the checkout's, else the installed copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "schemas", here.parent / "_data" / "schemas"):
        if (candidate / "openapi.json").is_file():
            return candidate
    raise FileNotFoundError("schemas/openapi.json not found beside the package")


def _load(name: str) -> dict[str, Any]:
    with open(schema_dir() / name, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@cache
def schema(name: str) -> dict[str, Any]:
    """One schema file by name, e.g. `schema("error.schema.json")`."""
    return _load(name)


@cache
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return _load("openapi.json")


@cache
def registry() -> Registry[Any]:
    """All schemas, addressable by `$id` and by file name."""
    pairs: list[tuple[str, Resource[Any]]] = []
    for name in SCHEMA_FILES:
        contents = schema(name)
        resource = DRAFT202012.create_resource(contents)
        pairs += [(contents["$id"], resource), (name, resource)]
    return Registry().with_resources(pairs)
