"""Who may do what: itwins_modify, Organization Administrators, members, non-members."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.contract import DELETE_IMAGE, DELETE_ITWIN, GET_IMAGE, GET_ITWIN, UPLOAD_IMAGE
from conformance.mock import MockSettings
from tests.mock.mock_testkit import Api, api_for, assert_conforms, assert_error_body, png

ALLOWED = {"org_admin", "member_modify", "member_read"}
MODIFIERS = {"org_admin", "member_modify"}
OUTSIDERS = ("non_member", "other_org_admin")

pytest_plugins = ["tests.mock.mock_fixtures"]


@pytest.fixture(scope="module")
def api_403() -> Iterator[Api]:
    """A mock that answers non-members 403 instead of hiding the iTwin."""
    yield from api_for(MockSettings(non_member_status=403))


def with_image(api: Api) -> str:
    """A fresh iTwin of the owning organization, shared like the seeded one, with an image."""
    itwin_id = api.new_itwin("org_admin")
    itwin, shared = (api.mock.state.world.itwin(i) for i in (itwin_id, api.shared))
    assert itwin is not None and shared is not None
    itwin.members.update(shared.members)
    assert api.upload(itwin_id, png()).status_code == 201
    return itwin_id


class TestReads:
    @pytest.mark.parametrize("persona", sorted(ALLOWED))
    def test_members_and_admin_read(self, api: Api, persona: str) -> None:
        itwin_id = with_image(api)
        reply = api.get_itwin(itwin_id, persona)
        assert reply.status_code == 200
        assert_conforms(GET_ITWIN, reply)
        reply = api.get_image(itwin_id, persona)
        assert reply.status_code == 200
        assert_conforms(GET_IMAGE, reply)

    @pytest.mark.parametrize("persona", OUTSIDERS)
    def test_outsiders_are_told_it_is_not_there(self, api: Api, persona: str) -> None:
        itwin_id = with_image(api)
        assert_error_body(api.get_itwin(itwin_id, persona), 404, "iTwinNotFound",
                          operation_id=GET_ITWIN)
        assert_error_body(api.get_image(itwin_id, persona), 404, "iTwinNotFound",
                          operation_id=GET_IMAGE)

    @pytest.mark.parametrize("persona", OUTSIDERS)
    def test_or_403_when_configured(self, api_403: Api, persona: str) -> None:
        assert_error_body(api_403.get_itwin(api_403.shared, persona), 403,
                          "InsufficientPermissions", operation_id=GET_ITWIN)
        assert_error_body(api_403.get_image(api_403.shared, persona), 403,
                          "InsufficientPermissions", operation_id=GET_IMAGE)


class TestModify:
    @pytest.mark.parametrize("persona", sorted(MODIFIERS))
    def test_modify_right_or_admin_uploads_and_deletes(self, api: Api, persona: str) -> None:
        itwin_id = with_image(api)
        reply = api.upload(itwin_id, png(), persona=persona)
        assert reply.status_code == 201
        assert_conforms(UPLOAD_IMAGE, reply)
        reply = api.delete_image(itwin_id, persona)
        assert reply.status_code == 204
        assert_conforms(DELETE_IMAGE, reply)

    def test_member_without_modify_is_forbidden(self, api: Api) -> None:
        itwin_id = with_image(api)
        assert_error_body(api.upload(itwin_id, png(), persona="member_read"), 403,
                          "InsufficientPermissions", operation_id=UPLOAD_IMAGE)
        assert_error_body(api.delete_image(itwin_id, "member_read"), 403,
                          "InsufficientPermissions", operation_id=DELETE_IMAGE)
        assert api.get_image(itwin_id).status_code == 200  # nothing changed

    def test_forbidden_even_without_an_image(self, api: Api) -> None:
        itwin_id = with_image(api)
        assert api.delete_image(itwin_id).status_code == 204
        assert_error_body(api.delete_image(itwin_id, "member_read"), 403, "InsufficientPermissions")

    @pytest.mark.parametrize("persona", OUTSIDERS)
    def test_outsiders(self, api: Api, api_403: Api, persona: str) -> None:
        itwin_id = with_image(api)
        assert_error_body(api.upload(itwin_id, png(), persona=persona), 404, "iTwinNotFound")
        assert_error_body(api.delete_image(itwin_id, persona), 404, "iTwinNotFound")
        assert_error_body(api_403.upload(api_403.shared, png(), persona=persona), 403,
                          "InsufficientPermissions")


class TestCreatedITwins:
    def test_creator_org_owns_and_creator_has_every_right(self, api: Api) -> None:
        itwin_id = api.new_itwin("member_modify")  # member_modify belongs to the other org
        assert api.upload(itwin_id, png(), persona="member_modify").status_code == 201
        assert api.upload(itwin_id, png(), persona="other_org_admin").status_code == 201
        assert_error_body(api.get_itwin(itwin_id, "org_admin"), 404, "iTwinNotFound")
        reply = api.http.delete(api.url(itwin_id, image=False), headers=api.auth("member_modify"))
        assert reply.status_code == 204
        assert_conforms(DELETE_ITWIN, reply)

    def test_delete_itwin_needs_delete_right(self, api: Api) -> None:
        reply = api.http.delete(api.url(api.shared, image=False),
                                headers=api.auth("member_modify"))
        assert_error_body(reply, 403, "InsufficientPermissions", operation_id=DELETE_ITWIN)
