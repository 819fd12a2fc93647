"""Normalisation: volatile values become placeholders that keep identity, numbered per test;
only the headers that matter are kept; no body bytes and no secret are ever recorded."""

from __future__ import annotations

import json
from typing import Any

from conformance.fidelity.normalise import Normaliser, media_type, sha256
from conformance.redact import REDACTED, Redactor
from tests.fidelity.fidelity_testkit import (
    IMAGE_ID,
    ITWIN_ID,
    error_json,
    exchange,
    get_image,
    image_json,
)

OTHER_IMAGE = "0c1d2e3f-2222-4b8f-9d66-6e7f8a9b0c1d"
SAS = "?se=<date>&sig=[REDACTED]&sp=r&sr=b&sv=<date>"


def normalised(*exchanges: Any, secrets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    normaliser = Normaliser(Redactor(secrets))
    return [normaliser.exchange(e, "call") for e in exchanges]


def image(recorded: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = recorded["response"]["body"]["json"]["image"]
    return result


class TestPlaceholders:
    def test_the_201_and_the_get_share_the_image_id(self) -> None:
        created, read = normalised(exchange(), get_image())
        assert image(created)["id"] == image(read)["id"] == "<image-id:1>"

    def test_names_show_they_contain_the_id(self) -> None:
        (created,) = normalised(exchange())
        assert image(created)["smallImageName"] == "small_<image-id:1>.png"
        assert image(created)["largeImageName"] == "large_<image-id:1>.png"

    def test_a_new_value_gets_the_next_number(self) -> None:
        first, second = normalised(exchange(), exchange(response_body=image_json(OTHER_IMAGE)))
        assert (image(first)["id"], image(second)["id"]) == ("<image-id:1>", "<image-id:2>")

    def test_numbering_starts_again_for_each_test(self) -> None:
        (first,) = normalised(exchange(response_body=image_json(OTHER_IMAGE)))
        (second,) = normalised(exchange())
        assert image(first)["id"] == image(second)["id"] == "<image-id:1>"

    def test_numbering_ignores_the_order_keys_are_written_in(self) -> None:
        body = json.loads(image_json())
        reversed_body = {"image": dict(reversed(list(body["image"].items())))}
        (ordered,) = normalised(exchange())
        (shuffled,) = normalised(exchange(response_body=json.dumps(reversed_body).encode()))
        assert ordered == shuffled

    def test_the_path_id_is_an_itwin_id(self) -> None:
        (created,) = normalised(exchange())
        assert created["request"]["path"] == "/itwins/<itwin-id:1>/image"

    def test_the_same_id_in_path_and_body_is_one_placeholder(self) -> None:
        body = json.dumps({"iTwin": {"id": ITWIN_ID, "imageName": None}}).encode()
        (read,) = normalised(get_image(body, path=f"/itwins/{ITWIN_ID}", operation="get-itwin"))
        assert read["response"]["body"]["json"]["iTwin"]["id"] == "<itwin-id:1>"

    def test_itwin_names_are_placeholders(self) -> None:
        body = json.dumps({"iTwin": {"number": "itwin-conformance-1a2b3c4d-0123456789ab",
                                     "displayName": "shared-7f"}}).encode()
        (read,) = normalised(get_image(body))
        assert read["response"]["body"]["json"]["iTwin"] == {
            "displayName": "<itwin-name:1>", "number": "<itwin-number:1>"}


class TestUrls:
    def test_a_sas_link_keeps_its_shape_without_its_signature(self) -> None:
        (created,) = normalised(exchange())
        assert image(created)["largeImageUrl"] == "<url:1>" + SAS
        assert image(created)["smallImageUrl"] == "<url:2>" + SAS

    def test_a_re_signed_link_to_the_same_blob_is_the_same_url(self) -> None:
        created, read = normalised(exchange(), get_image(image_json(sig="b3RoZXI=")))
        assert image(created)["largeImageUrl"] == image(read)["largeImageUrl"]

    def test_a_download_is_the_url_it_fetched(self) -> None:
        download = exchange(operation="download", method="GET",
                            path=f"/blobs/context-images/large_{IMAGE_ID}.png",
                            request_headers={"accept": "*/*"}, request_size=0,
                            request_sha256=None, response_body=b"\x89PNG....",
                            response_headers={"content-type": "image/png"}, status=200)
        created, fetched = normalised(exchange(), download)
        assert fetched["request"]["path"] == "<url:1>"
        assert image(created)["largeImageUrl"].startswith("<url:1>?")

    def test_dates_are_unnumbered(self) -> None:
        body = json.dumps({"iTwin": {"createdDateTime": "2026-11-27T18:35:26.129Z",
                                     "lastModifiedDateTime": "2026-11-27T18:35:26.129Z"}})
        (read,) = normalised(get_image(body.encode()))
        assert set(read["response"]["body"]["json"]["iTwin"].values()) == {"<date>"}


class TestRequests:
    def test_the_body_is_its_type_size_and_hash_never_its_bytes(self) -> None:
        (created,) = normalised(exchange())
        assert created["request"]["body"] == {"content_type": "image/png", "size": 4,
                                              "sha256": "ab" * 32, "bytes": "<body:1>"}

    def test_no_body(self) -> None:
        (read,) = normalised(get_image())
        assert read["request"]["body"] is None

    def test_only_accept_and_content_type(self) -> None:
        headers = {"accept": "a/b", "content-type": "image/png", "content-length": "4",
                   "user-agent": "python-httpx", "authorization": "Bearer x"}
        (created,) = normalised(exchange(request_headers=headers))
        assert created["request"]["headers"] == {"accept": "a/b", "content-type": "image/png"}

    def test_who_and_what(self) -> None:
        (created,) = normalised(exchange())
        assert (created["request"]["method"], created["request"]["operation"],
                created["request"]["persona"]) == ("PUT", "upload-itwin-image", "org_admin")


class TestResponses:
    def test_only_the_headers_that_matter(self) -> None:
        headers = {"content-type": "application/json", "retry-after": "1", "date": "x",
                   "server": "y", "content-length": "5", "x-correlation-id": "abc-1",
                   "itwinplatform-ratelimit-remainingcalls": "498"}
        (read,) = normalised(get_image(error_json("RateLimitExceeded", "m"), status=429,
                                       response_headers=headers))
        assert read["response"]["headers"] == {
            "retry-after": "1", "x-correlation-id": "<correlation-id:1>",
            "itwinplatform-ratelimit-remainingcalls": "<count>"}
        assert read["response"]["content_type"] == "application/json"

    def test_an_error_body_is_kept_as_json(self) -> None:
        (refused,) = normalised(exchange(status=413, response_body=error_json(
            "RequestTooLarge", "Provided file is greater than the maximum allowed file size "
            "of 5MB.")))
        assert refused["response"]["status"] == 413
        assert refused["response"]["body"]["json"]["error"]["code"] == "RequestTooLarge"

    def test_no_body(self) -> None:
        (deleted,) = normalised(get_image(b"", status=204, response_headers={}))
        assert deleted["response"]["body"] is None
        assert deleted["response"]["content_type"] is None

    def test_a_blob_is_the_identity_of_its_bytes(self) -> None:
        upload = exchange(request_sha256=sha256(b"PNG!"))
        same = get_image(b"PNG!", response_headers={"content-type": "image/png"})
        other = get_image(b"JPG!", response_headers={"content-type": "image/png"})
        _, fetched, thumbnail = normalised(upload, same, other)
        assert fetched["response"]["body"] == {"bytes": "<body:1>"}
        assert thumbnail["response"]["body"] == {"bytes": "<body:2>"}

    def test_content_type_is_written_one_way(self) -> None:
        assert media_type("Application/JSON;charset=UTF-8") == "application/json; charset=utf-8"


class TestSecretsNeverRecorded:
    def test_a_secret_echoed_in_a_body_is_redacted(self) -> None:
        body = error_json("Unauthorized", "token s3cr3t-value-123 was refused")
        (refused,) = normalised(exchange(status=401, response_body=body),
                                secrets=("s3cr3t-value-123",))
        assert refused["response"]["body"]["json"]["error"]["message"] == \
            f"token {REDACTED} was refused"

    def test_a_jwt_in_a_header_is_redacted(self) -> None:
        token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
        headers = {"content-type": "application/json", "www-authenticate": f"Bearer {token}"}
        (refused,) = normalised(exchange(status=401, response_headers=headers,
                                         response_body=error_json("Unauthorized", "m")))
        assert token not in json.dumps(refused)
        assert "eyJ" not in json.dumps(refused)

    def test_no_signature_survives(self) -> None:
        (created,) = normalised(exchange(response_body=image_json(sig="U0VDUkVU")))
        assert "U0VDUkVU" not in json.dumps(created)
