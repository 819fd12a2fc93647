"""Creating and deleting iTwins, with the request schema's validation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from conformance.contract import CREATE_ITWIN, DELETE_ITWIN, LIST_ITWINS, READ_ONLY_ID, DetailSpec
from conformance.mock import MockSettings, choices
from tests.mock.mock_testkit import Api, api_for, assert_conforms, padded_png, png

VALID = {"displayName": "Bridge", "class": "Endeavor", "subClass": "Project"}

pytest_plugins = ["tests.mock.mock_fixtures"]


def create(api: Api, body: Any, path: str = "") -> Any:
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    return api.http.post(api.mock.base_url + path, headers=api.auth(), **kwargs)


def assert_invalid(reply: Any, *details: DetailSpec) -> None:
    assert reply.status_code == 422, reply.text
    assert reply.json() == choices.CANNOT_CREATE_ITWIN.body(details)
    assert_conforms(CREATE_ITWIN, reply)


@pytest.fixture(scope="module")
def tiny() -> Iterator[Api]:
    yield from api_for(MockSettings(max_itwins=3, max_stored_bytes=600))


class TestCreate:
    @pytest.mark.parametrize("path", ["", "/"])
    def test_created_with_every_property(self, api: Api, path: str) -> None:
        reply = create(api, VALID | {"number": f"N-{path}", "status": "Trial"}, path)
        assert reply.status_code == 201
        assert_conforms(CREATE_ITWIN, reply)
        itwin = reply.json()["iTwin"]
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", itwin["id"])
        assert (itwin["image"], itwin["imageName"], itwin["status"]) == (None, None, "Trial")
        assert itwin["displayName"] == "Bridge"
        datetime.fromisoformat(itwin["createdDateTime"])
        assert api.get_itwin(itwin["id"]).json() == reply.json()

    def test_number_defaults_and_must_be_unique(self, api: Api) -> None:
        first = create(api, VALID | {"number": "unique-1"})
        assert first.status_code == 201
        reply = create(api, VALID | {"number": "unique-1"})
        assert reply.status_code == 409
        assert reply.json() == choices.ITWIN_EXISTS.body()
        assert_conforms(CREATE_ITWIN, reply)

    @pytest.mark.parametrize("missing", ["displayName", "class", "subClass"])
    def test_missing_property(self, api: Api, missing: str) -> None:
        body = {k: v for k, v in VALID.items() if k != missing}
        assert_invalid(create(api, body), choices.missing_property(missing))

    @pytest.mark.parametrize("body", [
        VALID | {"class": "Nope"}, VALID | {"subClass": "Asset"}, VALID | {"displayName": ""},
        VALID | {"displayName": "x" * 256}, VALID | {"number": 5}, VALID | {"status": "Gone"},
        VALID | {"class": ["Endeavor"]}, VALID | {"displayName": {"a": 1}}])
    def test_invalid_values(self, api: Api, body: dict[str, Any]) -> None:
        reply = create(api, body)
        assert reply.status_code == 422
        assert reply.json()["error"]["code"] == "InvalidiTwinsRequest"
        assert reply.json()["error"]["details"][0]["code"] == "InvalidValue"
        assert_conforms(CREATE_ITWIN, reply)

    def test_id_is_read_only(self, api: Api) -> None:
        assert_invalid(create(api, VALID | {"id": "x"}), READ_ONLY_ID)

    @pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b"\xff\xfe", b"[" * 50_000])
    def test_not_a_json_object(self, api: Api, body: bytes) -> None:
        assert_invalid(create(api, body), choices.NOT_JSON)

    def test_body_too_large(self, api: Api) -> None:
        assert_invalid(create(api, VALID | {"type": "x" * 70_000}), choices.JSON_TOO_LARGE)

    def test_needs_a_token(self, api: Api) -> None:
        reply = api.http.post(api.mock.base_url, json=VALID)
        assert reply.status_code == 401
        assert_conforms(CREATE_ITWIN, reply)


class TestDelete:
    def test_deleted_itwin_and_its_image_are_gone(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        image = api.upload(itwin_id, png()).json()["image"]
        reply = api.http.delete(api.url(itwin_id, image=False), headers=api.auth())
        assert reply.status_code == 204
        assert_conforms(DELETE_ITWIN, reply)
        assert api.get_itwin(itwin_id).status_code == 404
        assert api.http.get(image["largeImageUrl"]).status_code == 404


class TestBoundedStore:
    def test_itwin_cap(self, tiny: Api) -> None:
        created = [create(tiny, VALID) for _ in range(3)]
        assert [reply.status_code for reply in created] == [201, 201, 409]
        assert created[2].json() == choices.CAPACITY_EXCEEDED.body(what="at most 3 iTwins")
        assert_conforms(CREATE_ITWIN, created[2])

    def test_byte_cap_and_replacement_frees_bytes(self, tiny: Api) -> None:
        tiny.control("POST", "/reset")
        body = padded_png(400)  # its thumbnail, without the padding, is far smaller
        assert tiny.upload(tiny.shared, body).status_code == 201
        assert tiny.upload(tiny.shared, body).status_code == 201  # replaces: still fits
        other = tiny.new_itwin()
        reply = tiny.upload(other, body)
        assert reply.status_code == 409
        assert reply.json()["error"]["code"] == "MockCapacityExceeded"
        assert tiny.get_image(other).status_code == 404


class TestList:
    """GET /itwins: what cleanup uses to find leftover scratch iTwins."""

    def listing(self, api: Api, persona: str = "org_admin", query: str = "") -> Any:
        reply = api.http.get(f"{api.mock.base_url}/{query}", headers=api.auth(persona))
        assert_conforms(LIST_ITWINS, reply)
        return reply

    def test_lists_only_what_the_caller_may_see(self, api: Api) -> None:
        mine = api.new_itwin("other_org_admin")
        ids = {i["id"] for i in self.listing(api).json()["iTwins"]}
        assert api.shared in ids and mine not in ids
        theirs = {i["id"] for i in self.listing(api, "other_org_admin").json()["iTwins"]}
        assert theirs == {mine}

    def test_search_finds_display_name_or_number(self, api: Api) -> None:
        found = create(api, {**VALID, "displayName": "itwin-conformance-x1"}).json()["iTwin"]
        create(api, {**VALID, "displayName": "unrelated"})
        reply = self.listing(api, query="?$search=ITWIN-CONFORMANCE")
        assert [i["id"] for i in reply.json()["iTwins"]] == [found["id"]]

    def test_pages_follow_next_links(self, api: Api) -> None:
        for n in range(3):
            create(api, {**VALID, "displayName": f"paged-{n}"})
        first = self.listing(api, query="?$search=paged-&$top=2").json()
        assert len(first["iTwins"]) == 2
        href = first["_links"]["next"]["href"]
        second = api.http.get(href, headers=api.auth()).json()
        assert len(second["iTwins"]) == 1 and second["_links"]["next"] is None
        names = {i["displayName"] for i in first["iTwins"] + second["iTwins"]}
        assert names == {"paged-0", "paged-1", "paged-2"}

    @pytest.mark.parametrize("query", ["?$top=0", "?$top=x", "?$skip=-1", "?$top=100000"])
    def test_bad_paging_is_422(self, api: Api, query: str) -> None:
        reply = self.listing(api, query=query)
        assert reply.status_code == 422
        assert reply.json()["error"]["code"] == choices.INVALID_LIST_REQUEST.code

    def test_needs_a_token(self, api: Api) -> None:
        reply = api.http.get(f"{api.mock.base_url}/")
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "HeaderNotFound"
