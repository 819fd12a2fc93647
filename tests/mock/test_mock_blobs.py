"""Blob links: readable without a token, refused when tampered with or expired."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from conformance.contract import ErrorSpec
from conformance.mock import choices
from conformance.mock.blobs import LARGE
from tests.mock.mock_testkit import Api, assert_conforms, png

MIN_VALIDITY = 3600

pytest_plugins = ["tests.mock.mock_fixtures"]


def image_of(api: Api) -> dict[str, str]:
    reply = api.upload(api.new_itwin(), png())
    assert reply.status_code == 201
    return dict(reply.json()["image"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def assert_blob_error(reply: httpx.Response, spec: ErrorSpec) -> None:
    assert reply.status_code == spec.status
    assert reply.json() == spec.body()
    assert_conforms(None, reply)


class TestReading:
    def test_no_token_needed_and_valid_an_hour(self, api: Api) -> None:
        image = image_of(api)
        for url in (image["smallImageUrl"], image["largeImageUrl"]):
            reply = api.http.get(url)
            assert reply.status_code == 200
            assert reply.headers["content-type"] == "image/png"
            expiry = parse_qs(urlsplit(url).query)["se"][0]
            expires = datetime.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            assert expires.timestamp() - time.time() >= MIN_VALIDITY - 5

    def test_head(self, api: Api) -> None:
        url = image_of(api)["largeImageUrl"]
        reply = api.http.head(url)
        assert reply.status_code == 200
        assert int(reply.headers["content-length"]) == len(api.http.get(url).content)


class TestRefused:
    @pytest.mark.parametrize("change", [
        {"sig": "AAAA"}, {"se": "2999-01-01T00:00:00Z"}, {"sp": "rw"}, {"sr": "c"},
        {"sv": "2019-07-07"}])
    def test_tampered_link(self, api: Api, change: dict[str, str]) -> None:
        url = with_query(image_of(api)["largeImageUrl"], **change)
        assert_blob_error(api.http.get(url), choices.BLOB_AUTH_FAILED)

    def test_signature_of_another_blob(self, api: Api) -> None:
        image = image_of(api)
        sig = parse_qs(urlsplit(image["smallImageUrl"]).query)["sig"][0]
        url = with_query(image["largeImageUrl"], sig=sig)
        assert_blob_error(api.http.get(url), choices.BLOB_AUTH_FAILED)

    @pytest.mark.parametrize("query", ["", "?sig=x", "?sv=a&sv=b&sr=b&sig=x&se=y&sp=r"])
    def test_missing_or_repeated_parameters(self, api: Api, query: str) -> None:
        url = image_of(api)["largeImageUrl"].split("?")[0] + query
        assert_blob_error(api.http.get(url), choices.BLOB_AUTH_FAILED)

    def test_expired_link(self, api: Api) -> None:
        name = image_of(api)["largeImageName"]
        url = api.mock.state.sas.url(api.mock.origin, LARGE, name, expires_at=time.time() - 1)
        assert_blob_error(api.http.get(url), choices.BLOB_AUTH_FAILED)

    def test_unknown_blob_with_a_valid_signature(self, api: Api) -> None:
        url = api.mock.state.sas.url(api.mock.origin, LARGE, "large_nothing.png")
        assert_blob_error(api.http.get(url), choices.BLOB_NOT_FOUND)
