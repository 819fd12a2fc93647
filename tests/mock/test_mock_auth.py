"""Authentication: every 401 with its exact body, the token endpoint, OpenID discovery."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest

from conformance.contract import GET_IMAGE, GET_ITWIN, UPLOAD_IMAGE
from tests.mock.mock_testkit import Api, assert_conforms, assert_error_body, png

pytest_plugins = ["tests.mock.mock_fixtures"]


def minted(api: Api, **body: Any) -> str:
    reply = api.control("POST", "/tokens", json={"persona": "org_admin", **body})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def get_itwin_with(api: Api, authorization: str | None) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return api.http.get(api.url(api.shared, image=False), headers=headers)


class TestHeader:
    def test_missing_header(self, api: Api) -> None:
        assert_error_body(get_itwin_with(api, None), 401, "HeaderNotFound", operation_id=GET_ITWIN)

    def test_empty_header(self, api: Api) -> None:
        # HTTP strips surrounding whitespace from a field value, so "   " arrives as "".
        assert_error_body(get_itwin_with(api, ""), 401, "InvalidHeaderValue",
                          operation_id=GET_ITWIN)

    @pytest.mark.parametrize(("value", "scheme"), [
        ("invalid-token", "invalid-token"), ("Basic abc", "Basic"), ("Token x y", "Token")])
    def test_other_scheme_is_named(self, api: Api, value: str, scheme: str) -> None:
        assert_error_body(get_itwin_with(api, value), 401, "InvalidAuthorizationScheme",
                          operation_id=GET_ITWIN, scheme=scheme)

    @pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
    def test_scheme_is_case_insensitive(self, api: Api, scheme: str) -> None:
        assert get_itwin_with(api, f"{scheme} {api.token('org_admin')}").status_code == 200

    def test_checked_on_upload_before_the_body(self, api: Api) -> None:
        reply = api.http.put(api.url(api.shared), content=png(),
                             headers={"Content-Type": "image/png"})
        assert_error_body(reply, 401, "HeaderNotFound", operation_id=UPLOAD_IMAGE)


class TestToken:
    @pytest.mark.parametrize("value", [b"Bearer", b"Bearer abc", b"Bearer a.b.c",
                                       b"Bearer Bearer x", "Bearer é".encode("latin-1"),
                                       b"Bearer \xff\xfe.\x80"])
    def test_garbage(self, api: Api, value: bytes) -> None:
        reply = api.http.get(api.url(api.shared, image=False), headers=[(b"Authorization", value)])
        assert_error_body(reply, 401, "Unauthorized")

    @pytest.mark.parametrize("body", [
        {"expires_in": -60},
        {"not_before_in": 600},
        {"issuer": "https://ims.bentley.com"},
        {"audience": "other-api"},
        {"algorithm": "HS256"},
        {"algorithm": "none"},
        {"claims": {"sub": "00000000-0000-0000-0000-000000000000"}},
        {"claims": {"exp": "tomorrow"}},
    ], ids=["expired", "not-yet-valid", "issuer", "audience", "hs256", "alg-none",
            "unknown-subject", "bad-exp"])
    def test_invalid_tokens_are_unauthorized(self, api: Api, body: dict[str, Any]) -> None:
        reply = get_itwin_with(api, f"Bearer {minted(api, **body)}")
        assert_error_body(reply, 401, "Unauthorized", operation_id=GET_ITWIN)

    def test_tampered_signature(self, api: Api) -> None:
        header, payload, signature = minted(api).split(".")
        forged = base64.urlsafe_b64encode(b'{"sub":"x"}').decode().rstrip("=")
        for token in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{signature[:-4]}"):
            assert_error_body(get_itwin_with(api, f"Bearer {token}"), 401, "Unauthorized")

    @pytest.mark.parametrize("scope", [None, "", "openid profile", "itwin-platform-read"])
    def test_missing_scope(self, api: Api, scope: str | None) -> None:
        reply = get_itwin_with(api, f"Bearer {minted(api, scope=scope)}")
        assert_error_body(reply, 401, "RequiredScopeMissing", operation_id=GET_ITWIN)

    def test_invalid_token_without_scope_is_unauthorized(self, api: Api) -> None:
        reply = get_itwin_with(api, f"Bearer {minted(api, scope=None, expires_in=-5)}")
        assert_error_body(reply, 401, "Unauthorized")

    def test_scope_as_a_string_is_accepted(self, api: Api) -> None:
        token = minted(api, claims={"scope": "openid itwin-platform"})
        assert get_itwin_with(api, f"Bearer {token}").status_code == 200

    def test_same_answers_on_every_operation(self, api: Api) -> None:
        expired = {"Authorization": f"Bearer {minted(api, expires_in=-60)}"}
        assert_error_body(api.http.get(api.url(api.shared), headers=expired), 401, "Unauthorized",
                          operation_id=GET_IMAGE)
        reply = api.http.put(api.url(api.shared), content=png(),
                             headers=expired | {"Content-Type": "image/png"})
        assert_error_body(reply, 401, "Unauthorized", operation_id=UPLOAD_IMAGE)


class TestTokenEndpoint:
    def credentials(self, api: Api, persona: str = "member_read") -> tuple[str, str]:
        user = api.mock.state.world.seed.users[persona]
        return user.client_id, user.client_secret

    def test_client_credentials_grant(self, api: Api) -> None:
        client_id, secret = self.credentials(api)
        reply = api.http.post(f"{api.mock.origin}/connect/token", data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": secret, "scope": "itwin-platform"})
        assert reply.status_code == 200
        body = reply.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] >= 3600
        assert get_itwin_with(api, f"Bearer {body['access_token']}").status_code == 200

    def test_basic_client_authentication(self, api: Api) -> None:
        client_id, secret = self.credentials(api)
        reply = api.http.post(f"{api.mock.origin}/connect/token", auth=(client_id, secret),
                              data={"grant_type": "client_credentials"})
        assert reply.status_code == 200

    @pytest.mark.parametrize(("form", "status", "error"), [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"scope": "itwin-platform openid"}, 400, "invalid_scope"),
    ])
    def test_oauth_errors(self, api: Api, form: dict[str, str], status: int,
                          error: str) -> None:
        client_id, secret = self.credentials(api)
        data = {"grant_type": "client_credentials", "client_id": client_id,
                "client_secret": secret, "scope": "itwin-platform"} | form
        reply = api.http.post(f"{api.mock.origin}/connect/token", data=data)
        assert (reply.status_code, reply.json()["error"]) == (status, error)

    def test_json_body_is_refused(self, api: Api) -> None:
        reply = api.http.post(f"{api.mock.origin}/connect/token", json={"a": 1})
        assert (reply.status_code, reply.json()["error"]) == (400, "invalid_request")


class TestDiscovery:
    def test_token_verifies_with_the_published_key(self, api: Api) -> None:
        config = api.http.get(f"{api.mock.origin}/.well-known/openid-configuration").json()
        assert config["issuer"] == api.mock.origin
        assert config["token_endpoint"] == f"{api.mock.origin}/connect/token"
        keys = jwt.PyJWKSet.from_dict(api.http.get(config["jwks_uri"]).json())
        token = api.token("member_modify")
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="itwin-platform",
                            issuer=config["issuer"])
        assert claims["exp"] > time.time() + 3000
        assert "itwin-platform" in claims["scope"]
        assert_conforms(None, get_itwin_with(api, f"Bearer {token}"))
