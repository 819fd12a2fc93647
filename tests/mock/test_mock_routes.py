"""Routing: wrong routes, wrong methods, API versions in Accept, the served schemas."""

from __future__ import annotations

import json

import pytest

from conformance.contract import ACCEPT_V1, GET_ITWIN, schema_dir
from tests.mock.mock_testkit import Api, assert_conforms, assert_error_body

pytest_plugins = ["tests.mock.mock_fixtures"]


class TestWrongRoute:
    @pytest.mark.parametrize("path", ["/nope", "/itwins/x/images", "/itwins/a/b/image",
                                      "/itwins/x/image/", "/blobs/context-images", "/"])
    def test_unknown_path_is_resource_not_found(self, api: Api, path: str) -> None:
        reply = api.http.get(api.mock.origin + path, headers=api.auth())
        assert_error_body(reply, 404, "ResourceNotFound")

    def test_without_a_token_too(self, api: Api) -> None:
        assert_error_body(api.http.get(api.mock.origin + "/nope"), 404, "ResourceNotFound")


class TestWrongMethod:
    @pytest.mark.parametrize(("method", "path", "allowed"), [
        ("POST", "/itwins/{id}/image", {"PUT", "GET", "HEAD", "DELETE"}),
        ("PATCH", "/itwins/{id}", {"GET", "HEAD", "DELETE"}),
        ("DELETE", "/itwins", {"GET", "HEAD", "POST"}),
        ("PUT", "/connect/token", {"POST"}),
    ])
    def test_405_with_allow_and_error_body(self, api: Api, method: str, path: str,
                                           allowed: set[str]) -> None:
        reply = api.http.request(method, api.mock.origin + path.format(id=api.shared),
                                 headers=api.auth())
        assert reply.status_code == 405
        assert reply.json()["error"]["code"] == "MethodNotAllowed"
        assert method in reply.json()["error"]["message"]
        assert set(reply.headers["allow"].replace(" ", "").split(",")) == allowed
        assert_conforms(None, reply)


class TestAccept:
    @pytest.mark.parametrize("accept", [None, "*/*", "application/json", ACCEPT_V1,
                                        f"{ACCEPT_V1}; q=0.9", "text/html",
                                        f"application/vnd.bentley.itwin-platform.v2+json, "
                                        f"{ACCEPT_V1}"])
    def test_served(self, api: Api, accept: str | None) -> None:
        headers = api.auth() | ({"Accept": accept} if accept is not None else {})
        reply = api.http.get(api.url(api.shared, image=False), headers=headers)
        assert reply.status_code == 200
        assert_conforms(GET_ITWIN, reply)

    @pytest.mark.parametrize("accept", ["application/vnd.bentley.itwin-platform.v2+json",
                                        "application/vnd.bentley.itwin-platform.v0+json",
                                        "application/vnd.bentley.something+json"])
    def test_unknown_version_is_resource_not_found(self, api: Api, accept: str) -> None:
        reply = api.http.get(api.url(api.shared, image=False),
                             headers=api.auth() | {"Accept": accept})
        assert_error_body(reply, 404, "ResourceNotFound", operation_id=GET_ITWIN)

    def test_checked_before_authentication(self, api: Api) -> None:
        reply = api.http.get(api.url(api.shared), headers={
            "Accept": "application/vnd.bentley.itwin-platform.v2+json"})
        assert_error_body(reply, 404, "ResourceNotFound")


class TestSchemasServed:
    @pytest.mark.parametrize("name", ["openapi.json", "image.schema.json",
                                      "error.schema.json", "itwin.schema.json"])
    def test_served_as_in_the_repository(self, api: Api, name: str) -> None:
        reply = api.http.get(f"{api.mock.origin}/{name}")
        assert reply.status_code == 200
        assert reply.headers["content-type"] == "application/json"
        assert reply.json() == json.loads((schema_dir() / name).read_text())
