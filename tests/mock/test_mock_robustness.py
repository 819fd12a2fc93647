"""Never falling over: a bug still answers the error model; odd requests get a 4xx."""

from __future__ import annotations

import socket
import warnings
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.mock import MockSettings, choices, create_app
from tests.mock.mock_testkit import Api, assert_conforms, png

pytest_plugins = ["tests.mock.mock_fixtures"]


class TestBugsStillAnswerTheErrorModel:
    def test_unexpected_exception_is_a_500_error_body(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Starlette would rather have httpx2 here
            from starlette.testclient import TestClient

        async def broken(request: Request) -> Response:
            raise RuntimeError("a bug")

        app = create_app()
        app.router.routes.insert(0, Route("/boom", broken))
        client = TestClient(app, raise_server_exceptions=False)
        reply = client.get("/boom")
        assert reply.status_code == 500
        assert reply.json() == choices.INTERNAL_ERROR.body()


class TestOddRequests:
    def raw(self, api: Api, request: bytes) -> bytes:
        host, port = api.mock.origin.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request)
            return sock.recv(65536)

    def test_client_that_hangs_up_mid_body(self, api: Api) -> None:
        head = (f"PUT /itwins/{api.shared}/image HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {api.token('org_admin')}\r\n"
                "Content-Type: image/png\r\nContent-Length: 100000\r\n\r\n").encode()
        host, port = api.mock.origin.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(head + png()[:50])
        assert api.get_itwin(api.shared).status_code == 200  # still serving

    @pytest.mark.parametrize("path", ["/itwins/%00/image", "/itwins/%ff%fe/image",
                                      "/itwins/" + "a" * 5000 + "/image", "/itwins/../image",
                                      "/blobs/context-images/%2e%2e?sig=%zz"])
    def test_strange_paths(self, api: Api, path: str) -> None:
        answer = self.raw(api, f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                               f"Authorization: Bearer {api.token('org_admin')}\r\n\r\n".encode())
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500

    @pytest.mark.parametrize("content_type", ["image/png;;;", "image/png; x=\"unterminated",
                                              ";", "image/", "/"])
    def test_strange_content_types(self, api: Api, content_type: str) -> None:
        reply = api.upload(api.shared, png(), content_type)
        assert reply.status_code in (201, 422)
        assert_conforms("upload-itwin-image", reply)


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255,
                                    exclude_characters="\x7f"), max_size=60).map(str.strip)


class TestFuzzedRequests:
    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(base=st.sampled_from(["/itwins/", "/blobs/context-images/", "/__mock__/", "/"]),
           segment=st.text(max_size=40), tail=st.sampled_from(["", "/image", "/image/x", "/"]),
           method=st.sampled_from(["GET", "PUT", "DELETE", "POST", "PATCH", "HEAD"]),
           accept=HEADER_TEXT, content_type=HEADER_TEXT, body=st.binary(max_size=200))
    def test_never_a_5xx(self, api: Api, base: str, segment: str, tail: str, method: str,
                         accept: str, content_type: str, body: bytes) -> None:
        path = base + quote(segment, safe="") + tail
        headers = [(b"Authorization", f"Bearer {api.token('org_admin')}".encode()),
                   (b"Accept", accept.encode("latin-1")),
                   (b"Content-Type", content_type.encode("latin-1"))]
        reply = api.http.request(method, api.mock.origin + path, headers=headers, content=body)
        assert reply.status_code < 500, reply.text
        if method != "HEAD" and reply.status_code >= 400:
            assert_conforms(None, reply)


class TestSettings:
    def test_defaults(self) -> None:
        settings = MockSettings()
        assert (settings.max_image_bytes, settings.max_ratio, settings.oversize_status) == (
            5_242_880, 5, 413)
        assert settings.sas_ttl_seconds >= 3600
        assert settings.control is True

    @pytest.mark.parametrize("change", [
        {"max_ratio": 0}, {"max_image_bytes": -1}, {"oversize_status": 400},
        {"non_member_status": 401}, {"thumbnail_quality": 100}, {"max_pixels": 1.5},
        {"decode_workers": True}, {"read_timeout_seconds": 0},
        {"max_buffered_upload_bytes": 5_242_879}])
    def test_invalid_settings_are_refused(self, change: dict[str, object]) -> None:
        with pytest.raises((TypeError, ValueError)):
            MockSettings(**change)  # type: ignore[arg-type]
