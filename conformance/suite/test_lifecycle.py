"""Upload, read, replace and delete an iTwin's image, as the contract describes them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from conformance.client import ApiClient
from conformance.contract import ACCEPT_V1
from conformance.images import build_bytes, case

from .checks import (
    assert_error,
    assert_large_is,
    assert_one_of_errors,
    assert_status,
    current_image,
    describe,
    identity,
    image_of,
    thumbnail_of,
)

pytestmark = [pytest.mark.lifecycle, pytest.mark.destructive]

# Documented-valid images from the catalogue: a wide PNG and a wide JPEG, big enough that a
# thumbnail is smaller, and a tall PNG to replace them with.
PNG = ("image/png", "png", "ratio-1000x200")
JPEG = ("image/jpeg", "jpeg", "ratio-jpeg-1000x200")
TALL_PNG = "ratio-200x1000"
KINDS = [pytest.param(PNG, id="png"), pytest.param(JPEG, id="jpeg")]
# Aspect ratios of thumbnail and original may differ by rounding one side to whole pixels.
RATIO_TOLERANCE_PX = 1.0


def upload(client: ApiClient, itwin_id: str, case_name: str, content_type: str) -> tuple[
        dict[str, str], bytes]:
    body = build_bytes(case(case_name))
    response = client.upload_image(itwin_id, body, content_type)
    assert_status(response, 201)
    return image_of(response), body


@pytest.mark.documented
class TestUpload:
    @pytest.mark.parametrize("kind", KINDS)
    def test_names_carry_the_id_prefix_and_extension(self, admin: ApiClient,
                                                     scratch_itwin: str,
                                                     kind: tuple[str, str, str]) -> None:
        content_type, ext, name = kind
        image, _ = upload(admin, scratch_itwin, name, content_type)
        assert image["id"] in image["smallImageName"] and image["id"] in image["largeImageName"]
        assert image["smallImageName"].startswith("small_")
        assert image["largeImageName"].startswith("large_")
        # The large image is the upload, so its extension is the upload's; the thumbnail's
        # format is undetermined, but it is a PNG or a JPEG.
        assert image["largeImageName"].endswith(f".{ext}")
        assert image["smallImageName"].rsplit(".", 1)[-1] in ("png", "jpeg")

    @pytest.mark.parametrize("kind", KINDS)
    def test_get_returns_the_uploaded_image(self, admin: ApiClient, scratch_itwin: str,
                                            kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        image, _ = upload(admin, scratch_itwin, name, content_type)
        assert identity(current_image(admin, scratch_itwin)) == identity(image)

    def test_itwin_shows_the_small_image(self, admin: ApiClient, scratch_itwin: str) -> None:
        image, _ = upload(admin, scratch_itwin, PNG[2], PNG[0])
        itwin = admin.get_itwin(scratch_itwin).json()["iTwin"]
        assert itwin["imageName"] == image["smallImageName"]
        # The same blob as smallImageUrl; the SAS query may be signed anew on each read.
        assert isinstance(itwin["image"], str), f"iTwin image is {itwin['image']!r}"
        assert urlsplit(itwin["image"])[:3] == urlsplit(image["smallImageUrl"])[:3], (
            f"iTwin image {itwin['image']!r} is not the small image {image['smallImageUrl']!r}")

    @pytest.mark.parametrize("kind", KINDS)
    def test_large_url_serves_the_exact_bytes_without_a_token(
            self, admin: ApiClient, scratch_itwin: str, kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        image, body = upload(admin, scratch_itwin, name, content_type)
        response = assert_large_is(admin, image, body)
        assert response.headers.get("content-type", "").split(";")[0] == content_type

    @pytest.mark.parametrize("kind", KINDS)
    def test_small_url_serves_a_thumbnail_of_the_same_shape(
            self, admin: ApiClient, scratch_itwin: str, kind: tuple[str, str, str]) -> None:
        content_type, _, name = kind
        image, _ = upload(admin, scratch_itwin, name, content_type)
        original = case(name)
        assert original.width and original.height
        thumb = thumbnail_of(admin, image)
        assert thumb.width <= original.width and thumb.height <= original.height, (
            f"thumbnail {thumb.width}x{thumb.height} is larger than {original.width}x"
            f"{original.height}")
        # "A small, thumbnail image": a 1000 px side is never kept at full size.
        assert max(thumb.size) < max(original.width, original.height), (
            f"the small image is not reduced: {thumb.width}x{thumb.height}")
        # The shorter side, scaled by the original's ratio, must land within a pixel.
        expected_height = thumb.width * original.height / original.width
        assert abs(thumb.height - expected_height) <= RATIO_TOLERANCE_PX + 0.5, (
            f"thumbnail {thumb.width}x{thumb.height} does not keep "
            f"{original.width}x{original.height}'s aspect ratio")


@pytest.mark.documented
class TestReplace:
    def test_second_upload_replaces_the_first(self, admin: ApiClient,
                                              scratch_itwin: str) -> None:
        first, _ = upload(admin, scratch_itwin, PNG[2], PNG[0])
        second, body = upload(admin, scratch_itwin, TALL_PNG, "image/png")
        assert second["id"] != first["id"]
        assert second["smallImageName"] != first["smallImageName"]
        assert second["largeImageName"] != first["largeImageName"]
        assert identity(current_image(admin, scratch_itwin)) == identity(second)
        assert_large_is(admin, second, body)


@pytest.mark.observed
class TestDelete:
    def test_delete_then_get_is_404(self, admin: ApiClient, scratch_itwin: str) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        response = admin.delete_image(scratch_itwin)
        assert_status(response, 204)
        assert response.content == b""
        assert_error(admin.get_image(scratch_itwin), 404, "ImageNotFound")

    def test_delete_clears_the_itwin_image_fields(self, admin: ApiClient,
                                                   scratch_itwin: str) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        assert_status(admin.delete_image(scratch_itwin), 204)
        itwin = admin.get_itwin(scratch_itwin).json()["iTwin"]
        assert (itwin["image"], itwin["imageName"]) == (None, None)

    def test_delete_is_not_idempotent(self, admin: ApiClient, scratch_itwin: str) -> None:
        upload(admin, scratch_itwin, PNG[2], PNG[0])
        assert_status(admin.delete_image(scratch_itwin), 204)
        assert_error(admin.delete_image(scratch_itwin), 404, "ImageNotFound")


class TestUnknownITwin:
    @pytest.mark.documented
    def test_upload_is_404_itwin_not_found(self, admin: ApiClient) -> None:
        body = build_bytes(case(PNG[2]))
        assert_error(admin.upload_image(str(uuid.uuid4()), body, "image/png"), 404,
                     "iTwinNotFound")

    # The real service answered 404 (observed); the docs list ImageNotFound for get and
    # delete, iTwinNotFound for the iTwin, so either documented code is right.
    @pytest.mark.observed
    @pytest.mark.parametrize("call", [ApiClient.get_image, ApiClient.delete_image],
                             ids=["get", "delete"])
    def test_get_and_delete_are_404(self, admin: ApiClient,
                                    call: Callable[[ApiClient, str], object]) -> None:
        response = call(admin, str(uuid.uuid4()))
        assert_one_of_errors(response, "iTwinNotFound", "ImageNotFound")  # type: ignore[arg-type]


MALFORMED_IDS = ["not-a-guid", "1234", "0" * 300, "%20", "..%2F..%2Fetc", "'%3B--"]


@pytest.mark.undetermined
class TestMalformedITwinId:
    @pytest.mark.parametrize("itwin_id", MALFORMED_IDS)
    def test_is_a_client_error_never_a_server_error(self, admin: ApiClient,
                                                    itwin_id: str) -> None:
        body = build_bytes(case(PNG[2]))
        for response in (admin.upload_image(itwin_id, body, "image/png"),
                         admin.get_image(itwin_id), admin.delete_image(itwin_id)):
            assert 400 <= response.status_code < 500, describe(response)


class TestAcceptHeader:
    @pytest.mark.documented
    @pytest.mark.parametrize("accept", [None, ACCEPT_V1], ids=["none", "v1"])
    def test_requests_work_with_no_accept_or_v1(self, admin: ApiClient, scratch_itwin: str,
                                                accept: str | None) -> None:
        image, _ = upload(admin, scratch_itwin, PNG[2], PNG[0])
        response = admin.get_image(scratch_itwin, headers={"Accept": accept})
        assert_status(response, 200)
        assert identity(image_of(response)) == identity(image)
        assert_status(admin.get_itwin(scratch_itwin, headers={"Accept": accept}), 200)

    @pytest.mark.documented
    def test_unknown_version_is_resource_not_found(self, admin: ApiClient,
                                                   scratch_itwin: str) -> None:
        unknown = {"Accept": "application/vnd.bentley.itwin-platform.v99+json"}
        assert_error(admin.get_image(scratch_itwin, headers=unknown), 404, "ResourceNotFound")
        assert_error(admin.get_itwin(scratch_itwin, headers=unknown), 404, "ResourceNotFound")

    @pytest.mark.documented
    def test_wrong_route_is_resource_not_found(self, admin: ApiClient,
                                               scratch_itwin: str) -> None:
        response = admin.raw("GET", f"/{scratch_itwin}/images")
        assert_error(response, 404, "ResourceNotFound")
