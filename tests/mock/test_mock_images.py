"""Stored images: the large byte for byte, the small a real thumbnail, names and links."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image

from conformance.contract import GET_IMAGE, GET_ITWIN, UPLOAD_IMAGE
from conformance.mock.thumbnails import _reduced_in_strips
from tests.mock.mock_testkit import Api, assert_conforms, assert_error_body, decoded, jpeg, png

SAS = r"\?sv=[^&]+&sr=b&sig=[^&]+&se=[^&]+&sp=r$"

pytest_plugins = ["tests.mock.mock_fixtures"]


def uploaded(api: Api, body: bytes, content_type: str = "image/png") -> dict[str, str]:
    reply = api.upload(api.new_itwin(), body, content_type)
    assert reply.status_code == 201, reply.text
    assert_conforms(UPLOAD_IMAGE, reply)
    return dict(reply.json()["image"])


class TestBody:
    @pytest.mark.parametrize(("body", "content_type", "ext"), [
        (png(), "image/png", "png"), (jpeg(), "image/jpeg", "jpeg")])
    def test_names_and_links(self, api: Api, body: bytes, content_type: str, ext: str) -> None:
        image = uploaded(api, body, content_type)
        image_id = re.escape(image["id"])
        assert image["smallImageName"] == f"small_{image['id']}.{ext}"
        assert image["largeImageName"] == f"large_{image['id']}.{ext}"
        assert re.match(rf"^{re.escape(api.mock.origin)}/blobs/context-thumbnails/"
                        rf"small_{image_id}\.{ext}{SAS}", image["smallImageUrl"])
        assert re.match(rf"^{re.escape(api.mock.origin)}/blobs/context-images/"
                        rf"large_{image_id}\.{ext}{SAS}", image["largeImageUrl"])

    def test_get_returns_the_same_image(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        created = api.upload(itwin_id, png()).json()["image"]
        reply = api.get_image(itwin_id)
        assert reply.status_code == 200
        assert_conforms(GET_IMAGE, reply)
        got = reply.json()["image"]
        for key in ("id", "smallImageName", "largeImageName"):
            assert got[key] == created[key]

    def test_reupload_of_the_same_bytes_gets_new_names(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        first = api.upload(itwin_id, png()).json()["image"]
        second = api.upload(itwin_id, png()).json()["image"]
        assert first["id"] != second["id"]


class TestBlobs:
    @pytest.mark.parametrize(("body", "content_type"), [
        (png(900, 300, mode="RGBA", color=(1, 2, 3, 100)), "image/png"),
        (jpeg(1600, 1200), "image/jpeg")])
    def test_large_is_the_upload_and_small_a_thumbnail(self, api: Api, body: bytes,
                                                       content_type: str) -> None:
        image = uploaded(api, body, content_type)
        large = api.http.get(image["largeImageUrl"])
        small = api.http.get(image["smallImageUrl"])
        assert large.content == body
        for reply in (large, small):
            assert reply.status_code == 200
            assert reply.headers["content-type"] == content_type
        thumb = decoded(small.content)
        original = decoded(body)
        assert thumb.format == original.format
        assert max(thumb.size) == api.mock.settings.thumbnail_size
        assert abs(thumb.width / thumb.height - original.width / original.height) < 0.02

    def test_small_images_are_not_enlarged(self, api: Api) -> None:
        image = uploaded(api, png(40, 30))
        assert decoded(api.http.get(image["smallImageUrl"]).content).size == (40, 30)

    @pytest.mark.parametrize(("orientation", "size"), [(1, (400, 200)), (3, (400, 200)),
                                                       (6, (200, 400)), (8, (200, 400))])
    def test_orientation_applies_to_the_thumbnail_only(self, api: Api, orientation: int,
                                                       size: tuple[int, int]) -> None:
        body = jpeg(800, 400, orientation=orientation)
        image = uploaded(api, body, "image/jpeg")
        large = api.http.get(image["largeImageUrl"]).content
        assert large == body
        assert decoded(large).size == (800, 400)
        thumb = decoded(api.http.get(image["smallImageUrl"]).content)
        assert thumb.size == size
        assert thumb.getexif().get(0x0112, 1) == 1

    @pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "I;16", "RGB", "RGBA"])
    def test_png_modes(self, api: Api, mode: str) -> None:
        image = uploaded(api, png(500, 300, mode=mode, color=1))
        assert decoded(api.http.get(image["smallImageUrl"]).content).size == (400, 240)

    @pytest.mark.parametrize(("mode", "color"), [
        ("1", 1), ("L", 90), ("LA", (90, 255)), ("P", 5), ("I;16", 3000), ("RGB", (9, 8, 7)),
        ("RGBA", (9, 8, 7, 255))])
    def test_png_modes_of_images_four_times_the_box(self, api: Api, mode: str,
                                                    color: object) -> None:
        """Shrunk in whole-number steps first (Pillow's reduce, which has no 16-bit
        grayscale: that one is resized directly)."""
        image = uploaded(api, png(2000, 1200, mode=mode, color=color))
        thumb = decoded(api.http.get(image["smallImageUrl"]).content)
        assert thumb.size == (400, 240)
        assert thumb.getpixel((200, 120)) == decoded(png(4, 4, mode=mode, color=color)
                                                    ).getpixel((2, 2))

    @pytest.mark.parametrize("factor", [2, 3, 7, 33])
    def test_rgba_is_reduced_a_strip_at_a_time_to_the_same_pixels(self, factor: int) -> None:
        """The strips (which spare a full-size premultiplied copy) give exactly what
        Pillow's reduce gives, edges and odd sizes included."""
        noise = random.Random(factor).randbytes(1001 * 777 * 4)
        image = Image.frombytes("RGBA", (1001, 777), noise)
        assert _reduced_in_strips(image, factor).tobytes() == image.reduce(factor).tobytes()

    @pytest.mark.parametrize("options", [{"progressive": True}, {"subsampling": 0},
                                         {"mode": "L"}, {"mode": "CMYK"}])
    def test_jpeg_variants(self, api: Api, options: dict[str, object]) -> None:
        mode = str(options.pop("mode", "RGB"))
        out = io.BytesIO()
        Image.new(mode, (640, 480)).save(out, "JPEG", **options)
        image = uploaded(api, out.getvalue(), "image/jpeg")
        assert decoded(api.http.get(image["smallImageUrl"]).content).size == (400, 300)

    def test_interlaced_png(self, api: Api) -> None:
        out = io.BytesIO()
        Image.new("RGB", (640, 480), "green").save(out, "PNG", interlace=1)
        uploaded(api, out.getvalue())


class TestITwinFollowsTheImage:
    def test_image_and_name_follow_upload_replace_and_delete(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        itwin = api.get_itwin(itwin_id).json()["iTwin"]
        assert (itwin["image"], itwin["imageName"]) == (None, None)
        first = api.upload(itwin_id, png()).json()["image"]
        reply = api.get_itwin(itwin_id)
        assert_conforms(GET_ITWIN, reply)
        itwin = reply.json()["iTwin"]
        assert itwin["imageName"] == first["smallImageName"]
        assert itwin["image"].split("?")[0] == first["smallImageUrl"].split("?")[0]
        assert api.http.get(itwin["image"]).status_code == 200
        second = api.upload(itwin_id, jpeg(), "image/jpeg").json()["image"]
        assert api.get_itwin(itwin_id).json()["iTwin"]["imageName"] == second["smallImageName"]
        assert api.delete_image(itwin_id).status_code == 204
        itwin = api.get_itwin(itwin_id).json()["iTwin"]
        assert (itwin["image"], itwin["imageName"]) == (None, None)

    def test_replaced_and_deleted_blobs_are_gone(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        first = api.upload(itwin_id, png()).json()["image"]
        second = api.upload(itwin_id, png()).json()["image"]
        for url in (first["smallImageUrl"], first["largeImageUrl"]):
            reply = api.http.get(url)
            assert reply.status_code == 404
            assert_conforms(None, reply)
        assert api.http.get(second["largeImageUrl"]).status_code == 200
        api.delete_image(itwin_id)
        assert api.http.get(second["largeImageUrl"]).status_code == 404


class TestNoImage:
    def test_get_and_delete_answer_image_not_found(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        assert_error_body(api.get_image(itwin_id), 404, "ImageNotFound", operation_id=GET_IMAGE)
        assert_error_body(api.delete_image(itwin_id), 404, "ImageNotFound")

    def test_delete_is_not_idempotent(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        api.upload(itwin_id, png())
        assert api.delete_image(itwin_id).status_code == 204
        assert_error_body(api.delete_image(itwin_id), 404, "ImageNotFound")
        assert_error_body(api.get_image(itwin_id), 404, "ImageNotFound")

    @pytest.mark.parametrize("itwin_id", ["00000000-0000-0000-0000-000000000000",
                                          "not-a-guid", "123", "%20", "%0A",
                                          "00000000-0000-0000-0000-000000000000%0A",
                                          "{00000000-0000-0000-0000-000000000000}"])
    def test_unknown_or_malformed_itwin(self, api: Api, itwin_id: str) -> None:
        assert_error_body(api.get_image(itwin_id), 404, "iTwinNotFound", operation_id=GET_IMAGE)
        assert_error_body(api.upload(itwin_id, png()), 404, "iTwinNotFound")
        assert_error_body(api.delete_image(itwin_id), 404, "iTwinNotFound")
        assert_error_body(api.get_itwin(itwin_id), 404, "iTwinNotFound")

    def test_upper_case_id_finds_the_itwin(self, api: Api) -> None:
        assert api.get_itwin(api.shared.upper()).status_code == 200
