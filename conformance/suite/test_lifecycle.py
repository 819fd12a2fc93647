"""Upload, read, replace and delete an iTwin's image, as the contract describes them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from conformance.client import ApiClient
from conformance.images import build_bytes, case
from conformance.targets import Profile, Target

from .checks import (
    assert_error,
    assert_one_of_errors,
    assert_status,
    describe,
    image_of,
)
from .links import assert_blob_type
from .stored import NOTHING, Reader, assert_stored, ensure_baseline, identity
from .thumbnails import Upload

pytestmark = [pytest.mark.lifecycle]
destructive = pytest.mark.destructive

# Documented-valid images from the catalogue: a wide PNG and a wide JPEG, big enough that a
# thumbnail is smaller, and a tall PNG to replace them with; and two whose longer side is
# 2,000 px, which no thumbnail keeps at full size.
PNG = ("image/png", "png", "ratio-1000x200")
JPEG = ("image/jpeg", "jpeg", "ratio-jpeg-1000x200")
TALL_PNG = "ratio-200x1000"
KINDS = [pytest.param(PNG, id="png"), pytest.param(JPEG, id="jpeg")]
LARGE_KINDS = [pytest.param(("image/png", "png", "ratio-2000x400"), id="png"),
               pytest.param(("image/jpeg", "jpeg", "ratio-jpeg-2000x400"), id="jpeg")]


def upload(client: ApiClient, itwin_id: str, case_name: str, content_type: str) -> tuple[
        dict[str, str], Upload, httpx.Response]:
    body = build_bytes(case(case_name))
    response = client.upload_image(itwin_id, body, content_type)
    assert_status(response, 201)
    return image_of(response), Upload.of_case(case(case_name), body), response


@destructive
@pytest.mark.documented
class TestUpload:
    @pytest.mark.parametrize("kind", KINDS)
    def test_names_carry_the_id_prefix_and_extension(self, admin: ApiClient,
                                                     scratch_itwin: str,
                                                     kind: tuple[str, str, str]) -> None:
        content_type, ext, name = kind
        image, _, _ = upload(admin, scratch_itwin, name, content_type)
        # The large image is the upload, so its extension is the upload's; the small one's
        # is the thumbnail's format (checked with the thumbnail), png or jpeg.
        assert image["largeImageName"] == f"large_{image['id']}.{ext}"
        small_ext = image["smallImageName"].rsplit(".", 1)[-1]
        assert image["smallImageName"] == f"small_{image['id']}.{small_ext}"
        assert small_ext in ("png", "jpeg")

    @pytest.mark.parametrize("kind", KINDS)
    def test_get_returns_the_uploaded_image(self, admin: ApiClient, scratch_itwin: str,
                                            profile: Profile,
                                            kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        image, _, _ = upload(admin, scratch_itwin, name, content_type)
        stored, _ = Reader(admin, profile).image(scratch_itwin)
        assert identity(stored) == identity(image)

    def test_itwin_shows_the_small_image(self, admin: ApiClient, scratch_itwin: str,
                                         profile: Profile) -> None:
        image, _, _ = upload(admin, scratch_itwin, PNG[2], PNG[0])
        # Reading checks that imageName is the small image's name and that the iTwin's
        # image link serves the small image's bytes (its URL may be signed anew).
        assert Reader(admin, profile).read(scratch_itwin).identity == identity(image)

    @pytest.mark.parametrize("kind", KINDS)
    def test_large_url_serves_the_exact_bytes_without_a_token(
            self, admin: ApiClient, scratch_itwin: str, profile: Profile,
            kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        image, sent, _ = upload(admin, scratch_itwin, name, content_type)
        response = admin.download(image["largeImageUrl"])
        assert_status(response, 200)
        assert response.content == sent.body, (
            f"the large image is not the uploaded bytes ({len(response.content)} bytes)")
        assert_blob_type(response, "large image", profile)

    @pytest.mark.parametrize("kind", KINDS)
    def test_small_url_serves_a_thumbnail_of_the_upload(
            self, admin: ApiClient, scratch_itwin: str, profile: Profile,
            kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        _, sent, answer = upload(admin, scratch_itwin, name, content_type)
        assert_stored(Reader(admin, profile), scratch_itwin, answer, sent)

    @pytest.mark.parametrize("kind", LARGE_KINDS)
    def test_a_long_upload_gets_a_smaller_thumbnail(
            self, admin: ApiClient, scratch_itwin: str, profile: Profile,
            kind: tuple[str, str, str]) -> None:
        """"A small, thumbnail image": 2,000 px is never kept at full size."""
        content_type, _, name = kind
        _, sent, answer = upload(admin, scratch_itwin, name, content_type)
        assert sent.width and max(sent.width, sent.height or 0) >= 2000
        assert_stored(Reader(admin, profile), scratch_itwin, answer, sent)

    def test_every_link_works_without_a_token_and_lives_an_hour(
            self, admin: ApiClient, scratch_itwin: str, profile: Profile) -> None:
        """The 201's links, GET image's and the iTwin's image link: each answers 200 to a
        request without the bearer token and, where it states its expiry, is valid for at
        least an hour (documented: "a minimum of 1 hour")."""
        _, sent, answer = upload(admin, scratch_itwin, JPEG[2], JPEG[0])
        assert_stored(Reader(admin, profile), scratch_itwin, answer, sent)


@destructive
@pytest.mark.documented
class TestReplace:
    def test_second_upload_replaces_the_first(self, admin: ApiClient, scratch_itwin: str,
                                              profile: Profile) -> None:
        first, _, _ = upload(admin, scratch_itwin, PNG[2], PNG[0])
        second, sent, answer = upload(admin, scratch_itwin, TALL_PNG, "image/png")
        # Another image, so other names ("will only change if the image changes").
        assert second["id"] != first["id"]
        assert second["smallImageName"] != first["smallImageName"]
        assert second["largeImageName"] != first["largeImageName"]
        assert_stored(Reader(admin, profile), scratch_itwin, answer, sent)


@destructive
@pytest.mark.undetermined
class TestUploadAgain:
    def test_the_same_bytes_again_are_stored_either_way(self, admin: ApiClient,
                                                        scratch_itwin: str,
                                                        profile: Profile) -> None:
        """Whether the same bytes again keep the names is open; either way the second 201
        describes what is stored, and it is those bytes."""
        upload(admin, scratch_itwin, JPEG[2], JPEG[0])
        _, sent, answer = upload(admin, scratch_itwin, JPEG[2], JPEG[0])
        assert_stored(Reader(admin, profile), scratch_itwin, answer, sent)


@destructive
@pytest.mark.observed
class TestDelete:
    def test_delete_then_get_is_404(self, admin: ApiClient, scratch_itwin: str) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        response = admin.delete_image(scratch_itwin)
        assert_status(response, 204)
        assert response.content == b""
        assert_error(admin.get_image(scratch_itwin), 404, "ImageNotFound")

    def test_delete_clears_the_itwin_image_fields(self, admin: ApiClient, scratch_itwin: str,
                                                   profile: Profile) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        assert_status(admin.delete_image(scratch_itwin), 204)
        assert Reader(admin, profile).read(scratch_itwin) == NOTHING  # both fields null

    def test_delete_is_not_idempotent(self, admin: ApiClient, scratch_itwin: str) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        assert_status(admin.delete_image(scratch_itwin), 204)
        assert_error(admin.delete_image(scratch_itwin), 404, "ImageNotFound")


class TestUnknownITwin:
    @destructive
    @pytest.mark.documented
    def test_upload_is_404_itwin_not_found(self, admin: ApiClient) -> None:
        body = build_bytes(case(PNG[2]))
        assert_error(admin.upload_image(str(uuid.uuid4()), body, "image/png"), 404,
                     "iTwinNotFound")

    # The real service answered 404 (observed); the docs list ImageNotFound for get and
    # delete, iTwinNotFound for the iTwin, so either documented code is right.
    @pytest.mark.observed
    @pytest.mark.parametrize("call", [
        pytest.param(ApiClient.get_image, id="get"),
        pytest.param(ApiClient.delete_image, id="delete", marks=destructive)])
    def test_get_and_delete_are_404(self, admin: ApiClient,
                                    call: Callable[[ApiClient, str], httpx.Response]) -> None:
        response = call(admin, str(uuid.uuid4()))
        assert_one_of_errors(response, "iTwinNotFound", "ImageNotFound")


MALFORMED_IDS = ["not-a-guid", "1234", "0" * 300, "%20", "..%2F..%2Fetc", "'%3B--"]


def _upload(client: ApiClient, itwin_id: str) -> httpx.Response:
    return client.upload_image(itwin_id, build_bytes(case(PNG[2])), "image/png")


@pytest.mark.undetermined
class TestMalformedITwinId:
    """Which refusal an id that is not a GUID gets is open: any 4xx but 401 (the token is
    valid)."""

    @pytest.mark.parametrize("itwin_id", MALFORMED_IDS)
    @pytest.mark.parametrize("call", [
        pytest.param(ApiClient.get_image, id="get"),
        pytest.param(_upload, id="upload", marks=destructive),
        pytest.param(ApiClient.delete_image, id="delete", marks=destructive)])
    def test_is_a_client_error_never_a_server_error(
            self, admin: ApiClient, itwin_id: str,
            call: Callable[[ApiClient, str], httpx.Response]) -> None:
        response = call(admin, itwin_id)
        assert 400 <= response.status_code < 500, describe(response)
        assert response.status_code != 401, f"the token is valid: {describe(response)}"


@pytest.mark.documented
class TestAcceptHeader:
    def test_no_accept_is_answered_as_v1(self, admin: ApiClient, readable_itwin: str,
                                         target: Target, profile: Profile) -> None:
        """Bentley's own client sends no Accept: the answers are those the suite gets
        everywhere else, where it asks for v1."""
        if target.destructive:  # compare answers about a real image where one may be made
            with_v1 = ensure_baseline(Reader(admin, profile), readable_itwin).identity
        else:
            answer = admin.get_image(readable_itwin)
            with_v1 = identity(image_of(answer)) if answer.status_code == 200 else None
        no_accept = {"Accept": None}
        plain = admin.get_image(readable_itwin, headers=no_accept)
        if with_v1 is None:
            assert_error(plain, 404, "ImageNotFound")
        else:
            assert_status(plain, 200)
            assert identity(image_of(plain)) == with_v1
        assert_status(admin.get_itwin(readable_itwin, headers=no_accept), 200)

    def test_unknown_version_is_resource_not_found(self, admin: ApiClient,
                                                   readable_itwin: str) -> None:
        unknown = {"Accept": "application/vnd.bentley.itwin-platform.v99+json"}
        assert_error(admin.get_image(readable_itwin, headers=unknown), 404, "ResourceNotFound")
        assert_error(admin.get_itwin(readable_itwin, headers=unknown), 404, "ResourceNotFound")

    def test_wrong_route_is_resource_not_found(self, admin: ApiClient,
                                               readable_itwin: str) -> None:
        response = admin.raw("GET", f"/{readable_itwin}/images")
        assert_error(response, 404, "ResourceNotFound")
