"""The mock's other readings of open points: each answers as docs/mock.md says, inside the
contract's models, so that teams (and the suite's proofs) can test against every one."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from conformance.contract import (
    ACCEPT_V1,
    GET_IMAGE,
    IMAGE_TOO_BIG,
    UPLOAD_IMAGE,
)
from conformance.contract.catalogue import same_spacing
from conformance.mock import MockSettings, choices
from conformance.mock.settings import READINGS
from tests.mock.mock_testkit import Api, api_for, assert_conforms, assert_error_body, jpeg, png

pytest_plugins = ["tests.mock.mock_fixtures"]


def reading(**settings: object) -> Iterator[Api]:
    yield from api_for(MockSettings(**settings))  # type: ignore[arg-type]


class TestSettings:
    @pytest.mark.parametrize("name", sorted(READINGS))
    def test_every_reading_has_the_mocks_own_choice_first(self, name: str) -> None:
        assert getattr(MockSettings(), name) == READINGS[name][0]

    @pytest.mark.parametrize("name", sorted(READINGS))
    def test_a_value_outside_the_readings_is_refused(self, name: str) -> None:
        outside = 499 if isinstance(READINGS[name][0], int) and not isinstance(
            READINGS[name][0], bool) else "nonsense"
        with pytest.raises(ValueError, match=name):
            MockSettings(**{name: outside})  # type: ignore[arg-type]

    def test_an_unknown_break_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown breaks"):
            MockSettings(breaks=frozenset({"no-such-break"}))


@pytest.fixture(scope="module")
def other_statuses() -> Iterator[Api]:
    yield from reading(foreign_type_status=415, empty_body_status=400, malformed_id_status=400)


@pytest.fixture(scope="module")
def admins_not_reading() -> Iterator[Api]:
    yield from reading(admin_reads_without_membership=False, non_member_status=404)


@pytest.fixture(scope="module")
def sniffing() -> Iterator[Api]:
    yield from reading(sniff_ambiguous_types=True)


@pytest.fixture(scope="module")
def square_jpeg() -> Iterator[Api]:
    yield from reading(thumbnail_shape="square", thumbnail_format="jpeg", thumbnail_size=128,
                       blob_content_type="application/octet-stream")


class TestStatuses:
    @pytest.fixture
    def api(self, other_statuses: Api) -> Api:
        return other_statuses

    def test_foreign_type_is_415(self, api: Api) -> None:
        response = api.upload(api.new_itwin(), png(), "image/gif")
        assert response.status_code == 415
        assert response.json() == choices.UNSUPPORTED_MEDIA_TYPE.body(content_type="image/gif")
        assert_conforms(UPLOAD_IMAGE, response)

    def test_empty_body_is_400(self, api: Api) -> None:
        response = api.upload(api.new_itwin(), b"")
        assert response.status_code == 400
        assert response.json() == choices.EMPTY_BODY.body()
        assert_conforms(UPLOAD_IMAGE, response)

    @pytest.mark.parametrize("call", ["get", "put", "delete"])
    def test_malformed_id_is_400_after_authentication(self, api: Api, call: str) -> None:
        response = api.http.request(call.upper(), api.url("not-a-guid"),
                                    headers=api.auth(), content=png() if call == "put" else None)
        assert response.status_code == 400
        assert response.json() == choices.INVALID_ITWIN_ID.body()
        anonymous = api.http.get(api.url("not-a-guid"))
        assert anonymous.status_code == 401


class TestAdminsWhoMayNotRead:
    @pytest.fixture
    def api(self, admins_not_reading: Api) -> Api:
        return admins_not_reading

    def test_read_is_not_member(self, api: Api) -> None:
        assert_error_body(api.get_image(api.shared), 404, "iTwinNotFound", operation_id=GET_IMAGE)

    def test_upload_and_delete_still_work(self, api: Api) -> None:
        assert api.upload(api.shared, png()).status_code == 201
        assert api.delete_image(api.shared).status_code == 204

    def test_iTwins_the_admin_created_are_read(self, api: Api) -> None:
        assert api.get_itwin(api.new_itwin()).status_code == 200


class TestTypesFromTheBytes:
    @pytest.fixture
    def api(self, sniffing: Api) -> Api:
        return sniffing

    @pytest.mark.parametrize("header", ["image/jpeg", None])
    def test_png_is_stored_as_png(self, api: Api, header: str | None) -> None:
        response = api.upload(api.new_itwin(), png(), header)
        assert response.status_code == 201, response.text
        assert response.json()["image"]["largeImageName"].endswith(".png")

    def test_a_foreign_type_is_still_refused(self, api: Api) -> None:
        assert api.upload(api.new_itwin(), png(), "image/gif").status_code == 422


class TestNamesKeptForTheSameBytes:
    def test_same_bytes_same_image_other_bytes_another(self) -> None:
        for api in reading(reupload_keeps_names=True):
            itwin = api.new_itwin()
            first = api.upload(itwin, png()).json()["image"]
            again = api.upload(itwin, png()).json()["image"]
            other = api.upload(itwin, png(color=(1, 2, 3))).json()["image"]
            assert again["id"] == first["id"]
            assert other["id"] != first["id"]


class TestThumbnails:
    @pytest.fixture
    def api(self, square_jpeg: Api) -> Api:
        return square_jpeg

    def small_of(self, api: Api, body: bytes, content_type: str) -> tuple[dict[str, str],
                                                                         httpx.Response]:
        image = api.upload(api.new_itwin(), body, content_type).json()["image"]
        return image, api.http.get(image["smallImageUrl"])

    @pytest.mark.parametrize("size", [(1000, 200), (20, 60)])
    def test_square_jpeg_of_the_box(self, api: Api, size: tuple[int, int]) -> None:
        image, small = self.small_of(api, png(*size), "image/png")
        decoded = Image.open(io.BytesIO(small.content))
        assert (decoded.format, decoded.size) == ("JPEG", (128, 128))
        assert image["smallImageName"].endswith(".jpeg")
        assert image["largeImageName"].endswith(".png")

    def test_blobs_are_octet_streams(self, api: Api) -> None:
        image, small = self.small_of(api, jpeg(), "image/jpeg")
        large = api.http.get(image["largeImageUrl"])
        assert small.headers["content-type"] == large.headers["content-type"] == (
            "application/octet-stream")


class TestJsonMediaTypes:
    @pytest.mark.parametrize("media", READINGS["json_media_type"][1:])
    def test_every_api_answer_has_it(self, media: str) -> None:
        for api in reading(json_media_type=media):
            itwin = api.new_itwin()
            answers = [api.upload(itwin, png()), api.get_image(itwin), api.get_itwin(itwin),
                       api.http.get(api.url(itwin))]
            assert {a.headers["content-type"] for a in answers} == {media}
            assert_conforms(GET_IMAGE, answers[1])
            assert media != ACCEPT_V1 or answers[3].status_code == 401


class TestOneSpaceMessages:
    def test_oversize_detail_has_one_space(self) -> None:
        for api in reading(single_space_messages=True, oversize_status=422,
                           max_image_bytes=2000):
            response = api.upload(api.new_itwin(), png(64, 64) + b"\0" * 3000)
            detail = response.json()["error"]["details"][0]
            assert detail["message"] == same_spacing(IMAGE_TOO_BIG.message)
            assert "  " not in detail["message"]


class TestRateLimit:
    def test_a_burst_past_the_bucket_gets_429_with_retry_after(self) -> None:
        for api in reading(rate_limit_per_second=1, rate_limit_burst=3):
            token = api.auth()  # the token endpoint is not counted
            statuses = [api.http.get(api.url(api.shared, image=False), headers=token)
                        for _ in range(8)]
            refused = [r for r in statuses if r.status_code == 429]
            assert [r.status_code for r in statuses[:3]] == [200] * 3
            assert refused, [r.status_code for r in statuses]
            assert refused[0].headers["retry-after"].isdigit()
            assert refused[0].json()["error"]["code"] == "RateLimitExceeded"
            time.sleep(int(refused[0].headers["retry-after"]))
            assert api.get_itwin(api.shared).status_code == 200
