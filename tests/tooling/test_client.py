"""The client: every response checked in one place, 429s waited out, 5xx never retried."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from conformance.client import (
    ApiClient,
    ContractViolation,
    ContractWarning,
    RateLimited,
    RequestFailed,
    RequestNotSendable,
    TargetUnreachable,
    TransportFailure,
    preparation,
)
from conformance.contract import ACCEPT_V1, error_body

Handler = Callable[[httpx.Request], httpx.Response]
RATE_LIMITED = httpx.Response(429, json=error_body("RateLimitExceeded"),
                              headers={"Retry-After": "0"})


def client(handler: Handler, **kwargs: object) -> ApiClient:
    return ApiClient("https://api.example/itwins", lambda: "tok", persona="org_admin",
                     transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


def sequence(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]
    return handler, seen


class TestValidationInOnePlace:
    def test_schema_failure_raises_with_path(self) -> None:
        handler, _ = sequence(httpx.Response(200, json={"image": {"id": 1}}))
        with pytest.raises(ContractViolation, match=r"\$\.image\.id: 1 is not of type"):
            client(handler).get_image("abc")

    def test_5xx_raises_and_is_not_retried(self) -> None:
        handler, seen = sequence(httpx.Response(503, json=error_body("ImageNotFound")))
        with pytest.raises(ContractViolation, match="server error 503"):
            client(handler).get_image("abc")
        assert len(seen) == 1

    def test_undocumented_4xx_warns(self) -> None:
        handler, _ = sequence(httpx.Response(415, json=error_body("ImageNotFound")))
        with pytest.warns(ContractWarning, match="status 415 is not documented"):
            assert client(handler).upload_image("abc", b"x").status_code == 415

    def test_message_names_request_and_persona_never_the_token(self) -> None:
        handler, _ = sequence(httpx.Response(404, text="nope"))
        with pytest.raises(ContractViolation) as caught:
            client(handler).delete_image("abc")
        text = str(caught.value)
        assert "DELETE /itwins/abc/image (delete-itwin-image) as org_admin -> 404" in text
        assert "tok" not in text.replace("token", "")


class TestRateLimits:
    def test_429_is_waited_out_and_counted(self) -> None:
        handler, seen = sequence(RATE_LIMITED, RATE_LIMITED,
                                 httpx.Response(404, json=error_body("ImageNotFound")))
        api = client(handler)
        assert api.get_image("abc").status_code == 404
        assert len(seen) == 3 and api.stats.retries == 2

    def test_endless_429_raises_rate_limited(self) -> None:
        handler, seen = sequence(RATE_LIMITED)
        message = r"^3 answers 429 in [0-9.]+ s \(GET /itwins/abc/image"
        with pytest.raises(RateLimited, match=message):
            client(handler, max_retries=2).get_image("abc")
        assert len(seen) == 3


class TestHeaders:
    def test_defaults(self) -> None:
        handler, seen = sequence(httpx.Response(204))
        client(handler).delete_image("abc")
        assert seen[0].headers["authorization"] == "Bearer tok"
        assert seen[0].headers["accept"] == ACCEPT_V1

    def test_none_removes_a_header(self) -> None:
        handler, seen = sequence(httpx.Response(204))
        client(handler).delete_image("abc", headers={"Accept": None})
        assert "accept" not in seen[0].headers

    def test_upload_sends_raw_bytes_and_content_type(self) -> None:
        handler, seen = sequence(httpx.Response(401, json=error_body("Unauthorized")))
        client(handler).upload_image("abc", b"\x89PNG", "image/png")
        assert seen[0].method == "PUT" and seen[0].content == b"\x89PNG"
        assert seen[0].headers["content-type"] == "image/png"

    def test_upload_without_content_type(self) -> None:
        handler, seen = sequence(httpx.Response(401, json=error_body("Unauthorized")))
        client(handler).upload_image("abc", b"x", None)
        assert "content-type" not in seen[0].headers

    def test_raw_without_auth(self) -> None:
        handler, seen = sequence(httpx.Response(401, json=error_body("HeaderNotFound")))
        client(handler).raw("GET", "/abc/image", auth=False)
        assert "authorization" not in seen[0].headers


class TestPreparation:
    def test_marks_exchanges_inside_and_only_inside(self) -> None:
        handler, _ = sequence(httpx.Response(204))
        seen: list[str | None] = []
        api = client(handler, observers=[lambda exchange: seen.append(exchange.preparation)])
        with preparation("baseline"):
            api.delete_image("abc")
        api.delete_image("abc")
        assert seen == ["baseline", None]


class TestTransportFailures:
    """No HTTP answer: before a connection exists the target is unreachable; after, the
    request failed (a test failure, not a stop). Both are TransportFailure."""

    @pytest.mark.parametrize("error", [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectError("[Errno -2] Name or service not known"),  # DNS
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]"),  # TLS, during connect
        httpx.ConnectTimeout("timed out"),
        httpx.ProxyError("proxy refused"),
    ], ids=["refused", "dns", "tls", "connect-timeout", "proxy"])
    def test_no_connection_is_target_unreachable(self, error: httpx.TransportError) -> None:
        with pytest.raises(TargetUnreachable) as caught:
            client(_raising(error)).get_itwin("abc")
        assert isinstance(caught.value, TransportFailure)
        assert str(caught.value).startswith(
            "GET https://api.example/itwins/abc as org_admin: no connection: "
            f"{type(error).__name__}: ")

    @pytest.mark.parametrize("error", [
        httpx.ReadError("[Errno 104] Connection reset by peer"),
        httpx.ReadTimeout("timed out"),
        httpx.WriteError("[Errno 32] Broken pipe"),  # a gateway cutting an oversize upload
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ], ids=["reset", "read-timeout", "cut-upload", "protocol"])
    def test_a_failure_after_connecting_is_request_failed(self,
                                                          error: httpx.TransportError) -> None:
        with pytest.raises(RequestFailed) as caught:
            client(_raising(error)).upload_image("abc", b"x" * 10)
        assert isinstance(caught.value, TransportFailure)
        assert not isinstance(caught.value, TargetUnreachable)
        assert str(caught.value).startswith(
            "PUT https://api.example/itwins/abc/image as org_admin: the connection was made "
            f"but the request failed: {type(error).__name__}: ")

    def test_a_blob_download_is_classified_the_same_way(self) -> None:
        with pytest.raises(RequestFailed, match="download of a blob: the connection was made"):
            client(_raising(httpx.ReadTimeout("timed out"))).download("https://blob.example/x")

    def test_a_request_httpx_cannot_send_is_no_transport_failure(self) -> None:
        with pytest.raises(RequestNotSendable):
            client(_raising(httpx.LocalProtocolError("bad header"))).get_itwin("abc")


def _raising(error: httpx.TransportError) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error
    return handler
