"""The control API: reset, world, minted tokens, faults scoped to their own requests."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from conformance import control_client
from conformance.contract import GET_IMAGE, PERSONAS, UPLOAD_IMAGE
from conformance.mock import MockSettings, choices
from conformance.mock.control_api import SECRET_HEADER
from tests.mock.mock_testkit import Api, StartMock, api_for, assert_conforms, assert_error_body, png

pytest_plugins = ["tests.mock.mock_fixtures"]


@pytest.fixture(scope="module")
def quiet() -> Iterator[Api]:
    yield from api_for(MockSettings(control=False))


def test_the_suites_client_sends_the_header_the_mock_reads() -> None:
    # Spelled twice: the suite's side may not import the mock (an import-linter contract).
    assert control_client.SECRET_HEADER == SECRET_HEADER


def fault(api: Api, **body: Any) -> str:
    reply = api.control("POST", "/faults", json=body)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def assert_control_invalid(reply: Any) -> None:
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == choices.INVALID_CONTROL_REQUEST.code
    assert reply.json()["error"]["details"]
    assert_conforms(None, reply)


class TestResetAndWorld:
    def test_world_describes_the_seed(self, api: Api) -> None:
        world = api.control("GET", "/world").json()
        assert len(world["organizations"]) == 2
        assert world["itwins"] == {"shared": api.shared}
        assert tuple(world["personas"]) == PERSONAS
        for info in world["personas"].values():
            assert {"user_id", "organization", "client_id"} <= set(info)
            assert "client_secret" not in info

    def test_reset_restores_the_seed_and_keeps_tokens(self, api: Api) -> None:
        token = api.token("org_admin")
        created = api.new_itwin()
        assert api.upload(api.shared, png()).status_code == 201
        assert api.control("POST", "/reset").status_code == 204
        assert api.get_itwin(created).status_code == 404
        assert_error_body(api.get_image(api.shared), 404, "ImageNotFound")
        assert api.token("org_admin") == token
        assert api.get_itwin(api.shared).status_code == 200

    def test_switched_off(self, quiet: Api) -> None:
        for method, path in (("POST", "/reset"), ("GET", "/world"), ("POST", "/tokens")):
            assert_error_body(quiet.control(method, path, json={}), 404, "ResourceNotFound")
        assert "[mock]" not in quiet.mock.target_toml()


def raw_control(api: Api, method: str, path: str, **headers: str) -> Any:
    """A control request with exactly these headers (no secret unless given)."""
    return api.http.request(method, f"{api.mock.control_url}{path}", headers=headers)


class TestOnlyItsOwnCallers:
    """The control API mints tokens and wipes data: only a caller holding the secret of the
    target file, addressing the mock by its own name, sending JSON, may use it."""

    @pytest.mark.parametrize(("method", "path"), [
        ("POST", "/reset"), ("GET", "/world"), ("POST", "/tokens"), ("POST", "/faults"),
        ("DELETE", "/faults"), ("DELETE", "/faults/fault-1")])
    def test_every_endpoint_needs_the_secret(self, api: Api, method: str, path: str) -> None:
        for secret in (None, "", "wrong", api.mock.control_secret[:-1]):
            headers = {} if secret is None else {SECRET_HEADER: secret}
            reply = raw_control(api, method, path, **headers)
            assert reply.status_code == 403, reply.text
            assert reply.json() == choices.CONTROL_SECRET_REQUIRED.body()
            assert_conforms(None, reply)

    def test_nothing_happens_without_it(self, api: Api) -> None:
        created = api.new_itwin()
        assert raw_control(api, "POST", "/reset").status_code == 403
        assert api.get_itwin(created).status_code == 200
        reply = api.http.post(f"{api.mock.control_url}/tokens", json={"persona": "org_admin"})
        assert "access_token" not in reply.text

    def test_the_secret_is_in_the_target_file_only(self, api: Api) -> None:
        target = tomllib.loads(api.mock.target_toml())
        assert target["mock"]["control_secret"] == api.mock.control_secret
        assert len(api.mock.control_secret) >= 32
        assert api.mock.control_secret not in api.control("GET", "/world").text

    def test_each_mock_has_its_own(self, api: Api, start_mock: StartMock) -> None:
        other = start_mock()
        assert other.control_secret != api.mock.control_secret
        reply = api.http.get(f"{other.control_url}/world",
                             headers={SECRET_HEADER: api.mock.control_secret})
        assert reply.status_code == 403

    @pytest.mark.parametrize("host", ["evil.example", "evil.example:1234", "127.0.0.2",
                                      "localhost.evil.example", "", "[::2]"])
    def test_a_foreign_host_is_refused(self, api: Api, host: str) -> None:
        """A page on another name that resolves to this machine (DNS rebinding) is refused,
        secret or not."""
        reply = raw_control(api, "GET", "/world", Host=host,
                            **{SECRET_HEADER: api.mock.control_secret})
        assert reply.status_code == 403, reply.text
        assert reply.json() == choices.CONTROL_FOREIGN_HOST.body()

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
    def test_loopback_names_are_its_own(self, api: Api, host: str) -> None:
        port = api.mock.origin.rsplit(":", 1)[1]
        reply = raw_control(api, "GET", "/world", Host=f"{host}:{port}",
                            **{SECRET_HEADER: api.mock.control_secret})
        assert reply.status_code == 200, reply.text

    @pytest.mark.parametrize("origin", ["http://evil.example", "null",
                                        "http://127.0.0.1.evil.example:80"])
    def test_a_foreign_origin_is_refused(self, api: Api, origin: str) -> None:
        reply = api.control("GET", "/world", headers={"Origin": origin})
        assert reply.status_code == 403, reply.text
        assert reply.json() == choices.CONTROL_FOREIGN_HOST.body()

    def test_its_own_origin_is_served(self, api: Api) -> None:
        assert api.control("GET", "/world", headers={"Origin": api.mock.origin}
                           ).status_code == 200

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                              "multipart/form-data; boundary=x", None])
    def test_only_json_bodies(self, api: Api, content_type: str | None) -> None:
        """What a browser's form or simple request can send is refused before it is read."""
        headers = {"Content-Type": content_type} if content_type else {}
        body = b'{"persona": "org_admin"}'
        reply = api.control("POST", "/tokens", content=body, headers=headers)
        assert reply.status_code == 415, reply.text
        assert reply.json() == choices.CONTROL_JSON_ONLY.body()
        assert_conforms(None, reply)

    def test_json_with_parameters_and_no_body_are_fine(self, api: Api) -> None:
        reply = api.control("POST", "/tokens", content=b'{"persona": "org_admin"}',
                            headers={"Content-Type": "Application/JSON; charset=utf-8"})
        assert reply.status_code == 200, reply.text
        assert api.control("POST", "/reset").status_code == 204


class TestTokens:
    def test_claims_are_as_asked(self, api: Api) -> None:
        reply = api.control("POST", "/tokens", json={
            "persona": "member_read", "expires_in": 120, "claims": {"extra": [1, 2]}})
        assert reply.status_code == 200
        body = reply.json()
        assert (body["token_type"], body["expires_in"]) == ("Bearer", 120)
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["extra"] == [1, 2]
        assert claims["exp"] - time.time() <= 121
        assert claims["sub"] == api.control("GET", "/world").json()[
            "personas"]["member_read"]["user_id"]
        assert jwt.get_unverified_header(body["access_token"])["alg"] == "RS256"

    @pytest.mark.parametrize("algorithm", ["HS256", "none"])
    def test_other_algorithms(self, api: Api, algorithm: str) -> None:
        token = api.control("POST", "/tokens", json={
            "persona": "org_admin", "algorithm": algorithm}).json()["access_token"]
        assert jwt.get_unverified_header(token)["alg"] == algorithm

    @pytest.mark.parametrize("body", [
        {}, {"persona": "nobody"}, {"persona": "org_admin", "expires_in": "soon"},
        {"persona": "org_admin", "algorithm": "RS512"}, {"persona": "org_admin", "claims": []},
        {"persona": "org_admin", "typo": 1}, {"persona": "org_admin", "expires_in": True},
        {"persona": "org_admin", "expires_in": 10**12}, [], "x"])
    def test_bad_input(self, api: Api, body: Any) -> None:
        assert_control_invalid(api.control("POST", "/tokens", json=body))

    def test_not_json(self, api: Api) -> None:
        assert_control_invalid(api.control("POST", "/tokens", content=b"{",
                                           headers={"Content-Type": "application/json"}))


class TestFaults:
    def test_429_with_retry_after_for_count_requests(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        fault(api, status=429, count=2, retry_after=7, path_prefix=f"/itwins/{itwin_id}")
        for _ in range(2):
            reply = api.get_image(itwin_id)
            assert_error_body(reply, 429, "RateLimitExceeded", operation_id=GET_IMAGE)
            assert reply.headers["retry-after"] == "7"
        assert_error_body(api.get_image(itwin_id), 404, "ImageNotFound")

    def test_503_only_for_the_method_and_prefix(self, api: Api) -> None:
        mine, other = api.new_itwin(), api.new_itwin()
        fault(api, status=503, method="PUT", path_prefix=f"/itwins/{mine}")
        assert api.upload(other, png()).status_code == 201
        assert api.get_image(mine).status_code == 404
        reply = api.upload(mine, png())
        assert reply.status_code == 503
        assert reply.json() == choices.SERVICE_UNAVAILABLE.body()
        assert "retry-after" in reply.headers
        assert api.upload(mine, png()).status_code == 201
        assert_conforms(UPLOAD_IMAGE, api.upload(mine, png()))

    def test_latency(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        fault(api, latency_ms=300, path_prefix=f"/itwins/{itwin_id}")
        started = time.monotonic()
        assert api.get_itwin(itwin_id).status_code == 200
        assert time.monotonic() - started >= 0.3
        assert api.mock.state.faults.take("GET", f"/itwins/{itwin_id}") is None  # used up

    def test_default_scope_is_the_api_only(self, api: Api) -> None:
        fault(api, status=503, count=1)
        assert api.http.get(f"{api.mock.origin}/openapi.json").status_code == 200
        assert api.control("GET", "/world").status_code == 200
        assert api.get_itwin(api.shared).status_code == 503
        assert api.get_itwin(api.shared).status_code == 200

    def test_cleared_and_removed(self, api: Api) -> None:
        itwin_id = api.new_itwin()
        first = fault(api, status=503, path_prefix=f"/itwins/{itwin_id}")
        assert api.control("DELETE", f"/faults/{first}").status_code == 204
        assert api.control("DELETE", f"/faults/{first}").status_code == 204
        fault(api, status=503, count=5, path_prefix=f"/itwins/{itwin_id}")
        assert api.control("DELETE", "/faults").status_code == 204
        assert api.get_itwin(itwin_id).status_code == 200

    @pytest.mark.parametrize("body", [
        {"status": 500}, {"status": 429, "count": 0}, {"status": 429, "retry_after": -1},
        {"latency_ms": 10**6}, {"status": 503, "method": "FETCH"},
        {"status": 503, "path_prefix": "itwins"}, {}, {"status": "429"}, {"status": 429, "x": 1}])
    def test_bad_input(self, api: Api, body: dict[str, Any]) -> None:
        assert_control_invalid(api.control("POST", "/faults", json=body))
