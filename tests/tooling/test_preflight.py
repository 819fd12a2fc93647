"""The preflight: before any test, the target must answer like the iTwins API and accept each
persona's token; otherwise one line per problem, exit 2 (configuration) or 3 (unreachable),
and nothing runs. Its requests are bounded in time, even against an endless trickle."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conformance import preflight as preflight_module
from conformance.cli import EXIT_USAGE
from conformance.contract import error_body
from conformance.exitcodes import UNREACHABLE as EXIT_UNREACHABLE
from conformance.preflight import CONFIGURATION, UNREACHABLE, preflight
from conformance.targets import Target, parse_target

from .gate_runs import mock_target, run_command, web_server, write_target

SHARED = "5e1e5f2c-0000-4000-8000-000000000001"
TOKEN_URL = "https://ims.example/connect/token"
ITWIN = {"iTwin": {"id": SHARED, "class": "Endeavor", "subClass": "Project",
                   "displayName": "shared", "number": "shared-1", "imageName": None,
                   "image": None}}
Handler = Callable[[httpx.Request], httpx.Response]


def target(**personas: dict[str, str]) -> Target:
    return parse_target({"name": "t", "base_url": "https://api.example/itwins",
                         "itwins": {"shared": SHARED}, "personas": personas})


def api(valid_tokens: set[str]) -> Handler:
    """The API as far as the preflight asks: 401 without a valid token, the iTwin with one;
    a token endpoint that issues `issued` for client id `app`."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url == TOKEN_URL:
            if b"client_id=app" in request.content:
                return httpx.Response(200, json={"access_token": "issued", "expires_in": 600})
            return httpx.Response(401, json={"error": "invalid_client"})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token in valid_tokens:
            return httpx.Response(200, json=ITWIN)
        if not token:
            return httpx.Response(401, json=error_body("HeaderNotFound"))
        return httpx.Response(401, json=error_body("Unauthorized"))
    return handle


def lines(found: preflight_module.Preflight) -> list[str]:
    return [p.line for p in found.problems]


class TestQuestions:
    def test_the_api_with_good_credentials_has_no_problem(self) -> None:
        found = preflight(target(org_admin={"token": "good-token-1"},
                                 member_read={"client_id": "app", "client_secret": "s",
                                              "token_url": TOKEN_URL}),
                          transport=httpx.MockTransport(api({"good-token-1", "issued"})))
        assert found.problems == []
        assert len(found.checked) == 3  # without a token, then each persona

    def test_a_refused_token_names_the_persona(self) -> None:
        found = preflight(target(org_admin={"token": "expired-token"},
                                 member_read={"token": "good-token-1"}),
                          transport=httpx.MockTransport(api({"good-token-1"})))
        assert [p.kind for p in found.problems] == [CONFIGURATION]
        assert lines(found) == [
            "persona org_admin (static token): the target refuses its token: 401 "
            "Unauthorized: Access denied due to invalid access_token. Make sure to provide a "
            "valid token for this API endpoint."]

    def test_a_token_endpoint_that_refuses_is_a_configuration_problem(self) -> None:
        found = preflight(target(member_read={"client_id": "wrong", "client_secret": "s",
                                              "token_url": TOKEN_URL}),
                          transport=httpx.MockTransport(api(set())))
        assert [(p.kind, p.line) for p in found.problems] == [
            (CONFIGURATION, f"persona member_read: token endpoint {TOKEN_URL} answered 401")]

    def test_the_token_only_personas_are_not_asked(self) -> None:
        found = preflight(target(expired={"token": "e"}, no_scope={"token": "n"}),
                          transport=httpx.MockTransport(api(set())))
        assert found.problems == [] and len(found.checked) == 1

    @pytest.mark.parametrize("answer", [
        httpx.Response(200, text="<html>It works!</html>", headers={"content-type": "text/html"}),
        httpx.Response(404, text="Not Found"),
        httpx.Response(401, json={"message": "not our error model"}),
    ], ids=["web-page", "404-text", "401-other-json"])
    def test_something_that_is_not_the_api_is_one_line(self, answer: httpx.Response) -> None:
        found = preflight(target(org_admin={"token": "good-token-1"}),
                          transport=httpx.MockTransport(lambda request: answer))
        (problem,) = found.problems
        assert problem.kind == CONFIGURATION
        assert problem.line.startswith(
            "base_url https://api.example/itwins does not answer like the iTwins API: GET "
            f"/itwins/{SHARED} without a token answered {answer.status_code} ")
        assert problem.line.endswith("expected 401 with an error body "
                                     '({"error": {"code": ..., "message": ...}})')

    def test_a_member_reading_the_shared_itwin_is_enough_evidence(self) -> None:
        def handle(request: httpx.Request) -> httpx.Response:  # 403 without a token
            if "authorization" in request.headers:
                return httpx.Response(200, json=ITWIN)
            return httpx.Response(403, text="gateway says no")
        found = preflight(target(member_read={"token": "good-token-1"}),
                          transport=httpx.MockTransport(handle))
        assert found.problems == []

    def test_a_429_is_waited_out(self) -> None:
        answers = [httpx.Response(429, json=error_body("RateLimitExceeded"),
                                  headers={"Retry-After": "0"})]
        handler = api({"good-token-1"})

        def handle(request: httpx.Request) -> httpx.Response:
            return answers.pop() if answers else handler(request)
        found = preflight(target(org_admin={"token": "good-token-1"}),
                          transport=httpx.MockTransport(handle))
        assert found.problems == []
        assert found.checked[0].endswith("without a token: 401")

    def test_a_429_that_lasts_is_the_api_throttling_not_a_problem(self) -> None:
        throttled = httpx.Response(429, json=error_body("RateLimitExceeded"),
                                   headers={"Retry-After": "0"})
        found = preflight(target(org_admin={"token": "good-token-1"}),
                          transport=httpx.MockTransport(lambda request: throttled))
        assert found.problems == []

    @pytest.mark.parametrize("error", [httpx.ConnectError("refused"),
                                       httpx.ConnectTimeout("timed out")])
    def test_no_connection_is_unreachable_and_asks_nothing_more(
            self, error: httpx.TransportError) -> None:
        seen: list[httpx.Request] = []

        def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            raise error
        found = preflight(target(org_admin={"token": "good-token-1"}),
                          transport=httpx.MockTransport(handle))
        (problem,) = found.problems
        assert problem.kind == UNREACHABLE and found.unreachable and len(seen) == 1
        assert problem.line.startswith(f"target unreachable: GET https://api.example/itwins/"
                                       f"{SHARED} (without a token): no connection: ")

    def test_a_token_never_reaches_a_problem_line(self) -> None:
        secret = "static-secret-token-123"

        def handle(request: httpx.Request) -> httpx.Response:  # echoes the header it got
            said = request.headers.get("authorization", "")
            if not said:
                return httpx.Response(401, json=error_body("HeaderNotFound"))
            return httpx.Response(401, json={"error": {"code": "Unauthorized",
                                                       "message": f"bad: {said}"}})
        found = preflight(target(org_admin={"token": secret}),
                          transport=httpx.MockTransport(handle))
        assert found.problems and all(secret not in p.line for p in found.problems)


@contextlib.contextmanager
def trickling_server() -> Iterator[str]:
    """Answers 200 with a body that never ends: one byte every 50 ms."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
                             b"transfer-encoding: chunked\r\n\r\n")
                while not stop.is_set():
                    conn.sendall(b"1\r\n \r\n")
                    time.sleep(0.05)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/itwins"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


class TestBounded:
    def test_an_endless_trickle_ends_at_the_deadline(self,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(preflight_module, "REQUEST_SECONDS", 1.0)
        with trickling_server() as base_url:
            started = time.monotonic()
            found = preflight(parse_target({"base_url": base_url}))
            took = time.monotonic() - started
        (problem,) = found.problems
        assert problem.kind == UNREACHABLE
        assert "the connection was made but the request failed: ReadTimeout" in problem.line
        assert took < 30  # generous: only a hang (the trickle never ends) gets there


class TestThroughTheCommand:
    """The mistakes of the issue, each stopped by the preflight with its line."""

    def test_a_plain_web_server_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        (tmp_path / "index.html").write_text("<html>It works!</html>")
        with web_server(tmp_path) as origin:
            result = run_command(tmp_path, write_target(tmp_path, f"{origin}/itwins"),
                                 "--", "-n", "2")
        assert result.returncode == EXIT_USAGE, result.output[-3000:]
        (line,) = result.not_run_lines()
        assert f"base_url {origin}/itwins does not answer like the iTwins API: GET " in line
        assert "without a token answered 404 text/html" in line
        assert "created: 2/2 workers" not in result.stdout  # nothing started, nothing ran
        assert "no tests ran" in result.stdout
        assert len(result.output.splitlines()) < 30

    def test_an_expired_token_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        with mock_target(tmp_path, tokens={"org_admin": {"expires_in": -600}}) as made:
            result = run_command(tmp_path, made)
        assert result.returncode == EXIT_USAGE, result.output[-3000:]
        (line,) = result.not_run_lines()
        assert line.startswith("itwin-conformance: not run: preflight of mock (http://")
        assert line.endswith("persona org_admin (static token): the target refuses its token: "
                             "401 Unauthorized: Access denied due to invalid access_token. "
                             "Make sure to provide a valid token for this API endpoint.")
        assert "no tests ran" in result.stdout

    def test_an_unreachable_target_is_exit_3(self, tmp_path: Path) -> None:
        result = run_command(tmp_path, write_target(tmp_path, "http://127.0.0.1:9/itwins"))
        assert result.returncode == EXIT_UNREACHABLE
        (line,) = result.not_run_lines()
        assert ("target unreachable: GET http://127.0.0.1:9/itwins/" in line
                and "(without a token): no connection: ConnectError" in line)
