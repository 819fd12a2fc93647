"""The documented example bodies validate; each mutation fails with a readable path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.contract import (
    DETAILS,
    ERRORS,
    WARNING,
    error_body,
    openapi,
    registry,
    validate_body,
)

IMAGE_ID = "4f5c7a3e-22b1-4b8e-9a51-0c2b3d4e5f60"
IMAGE_BODY = {"image": {
    "id": IMAGE_ID,
    "smallImageName": f"small_{IMAGE_ID}.png",
    "smallImageUrl": f"https://x.blob.core.windows.net/context-thumbnails/small_{IMAGE_ID}.png"
                     "?sv=2021-08-06&sr=b&sig=REDACTED&se=2026-01-01T00%3A00%3A00Z&sp=r",
    "largeImageName": f"large_{IMAGE_ID}.png",
    "largeImageUrl": f"https://x.blob.core.windows.net/context-images/large_{IMAGE_ID}.png"
                     "?sv=2021-08-06&sr=b&sig=REDACTED&se=2026-01-01T00%3A00%3A00Z&sp=r",
}}
ITWIN_WITHOUT_IMAGE = {"iTwin": {
    "id": "e1b2c3d4-0000-4000-8000-000000000001", "class": "Endeavor", "subClass": "Project",
    "type": None, "number": "P-1", "displayName": "Bridge", "status": "Active",
    "image": None, "imageName": None, "createdDateTime": "2026-01-01T00:00:00Z"}}
ITWIN_WITH_IMAGE = copy.deepcopy(ITWIN_WITHOUT_IMAGE)
ITWIN_WITH_IMAGE["iTwin"].update(image=IMAGE_BODY["image"]["smallImageUrl"],
                                 imageName=IMAGE_BODY["image"]["smallImageName"])
# The documented 422 example, with its three details.
INVALID_REQUEST = error_body("InvalidiTwinsRequest", details=tuple(DETAILS.values()))


def errors_of(schema_ref: str, body: Any) -> list[str]:
    return [f"{v.path}: {v.message}" for v in validate_body(schema_ref, body)
            if v.severity != WARNING]


class TestDocumentedBodiesValidate:
    def test_image_body(self) -> None:
        assert errors_of("image.schema.json", IMAGE_BODY) == []

    @pytest.mark.parametrize("body", [ITWIN_WITHOUT_IMAGE, ITWIN_WITH_IMAGE],
                             ids=["without-image", "with-image"])
    def test_itwin_body(self, body: dict[str, Any]) -> None:
        assert errors_of("itwin.schema.json", body) == []

    @pytest.mark.parametrize("code", sorted(ERRORS))
    def test_every_catalogue_error(self, code: str) -> None:
        assert errors_of("error.schema.json", error_body(code, scheme="Basic")) == []

    def test_422_with_three_details(self) -> None:
        assert len(INVALID_REQUEST["error"]["details"]) == 3
        assert errors_of("error.schema.json", INVALID_REQUEST) == []


def mutated(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `body` with the key at `path` set to `value` (or removed if value is ...)."""
    copied = copy.deepcopy(body)
    node = copied
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copied


class TestMutatedBodiesFail:
    @pytest.mark.parametrize(("schema_ref", "body", "path", "value", "expected"), [
        ("error.schema.json", error_body("ImageNotFound"), ("error", "code"), ...,
         "$.error.code: 'code' is a required property"),
        ("error.schema.json", error_body("ImageNotFound"), ("error", "message"), 42,
         "$.error.message: 42 is not of type 'string'"),
        ("error.schema.json", INVALID_REQUEST, ("error", "details"), {"code": "x"},
         "$.error.details: {'code': 'x'} is not of type 'array'"),
        ("image.schema.json", IMAGE_BODY, ("image", "largeImageUrl"), ...,
         "$.image.largeImageUrl: 'largeImageUrl' is a required property"),
        ("image.schema.json", IMAGE_BODY, ("image", "id"), 7,
         "$.image.id: 7 is not of type 'string'"),
        ("itwin.schema.json", ITWIN_WITH_IMAGE, ("iTwin", "image"), 3,
         "$.iTwin.image: 3 is not of type 'string', 'null'"),
    ], ids=["missing-code", "message-not-string", "details-not-array",
            "no-largeImageUrl", "id-number", "itwin-image-number"])
    def test_mutation_names_its_path(self, schema_ref: str, body: dict[str, Any],
                                     path: tuple[str, ...], value: Any, expected: str) -> None:
        assert errors_of(schema_ref, mutated(body, path, value)) == [expected]

    def test_each_missing_property_names_itself(self) -> None:
        body = {"image": {"id": "x", "smallImageName": "s", "smallImageUrl": "https://s",
                          "largeImageName": "l"}}
        body["image"].pop("smallImageName")
        assert errors_of("image.schema.json", body) == [
            "$.image.largeImageUrl: 'largeImageUrl' is a required property",
            "$.image.smallImageName: 'smallImageName' is a required property"]

    def test_list_items_are_itwins(self) -> None:
        assert errors_of("itwin-list.schema.json", {"iTwins": [{"id": 1}]}) == [
            "$.iTwins[0].id: 1 is not of type 'string'",
            "$.iTwins[0].image: 'image' is a required property",
            "$.iTwins[0].imageName: 'imageName' is a required property"]

    def test_detail_without_code_fails(self) -> None:
        body = mutated(INVALID_REQUEST, ("error", "details"), [{"message": "m"}])
        assert errors_of("error.schema.json", body) == [
            "$.error.details[0].code: 'code' is a required property"]


class TestExtraProperties:
    def test_are_warnings_not_errors(self) -> None:
        body = mutated(IMAGE_BODY, ("image", "format"), "png")
        violations = validate_body("image.schema.json", body)
        assert [(v.path, v.severity) for v in violations] == [("$.image.format", WARNING)]

    def test_inside_details_items(self) -> None:
        body = error_body("InvalidiTwinsRequest", details=(DETAILS["InvalidValue"],))
        body["error"]["details"][0]["hint"] = "x"
        paths = [v.path for v in validate_body("error.schema.json", body)]
        assert paths == ["$.error.details[0].hint"]


class TestOpenApiDocument:
    def test_refs_resolve_to_the_schema_files(self) -> None:
        refs = set()
        for item in openapi()["paths"].values():
            for op in item.values():
                if isinstance(op, dict) and "responses" in op:
                    for response in op["responses"].values():
                        for media in response.get("content", {}).values():
                            refs.add(media["schema"]["$ref"])
        assert refs == {"image.schema.json", "error.schema.json", "itwin.schema.json",
                        "itwin-list.schema.json"}
        for ref in refs:
            assert registry().get_or_retrieve(ref).value.contents["$id"].endswith(ref)

    def test_every_schema_is_2020_12(self) -> None:
        for name in ("image.schema.json", "error.schema.json", "itwin.schema.json",
                     "itwin-list.schema.json"):
            contents = registry().get_or_retrieve(name).value.contents
            assert contents["$schema"] == "https://json-schema.org/draft/2020-12/schema"
