"""validate(operation, response): statuses, media types and bodies, per operation."""

from __future__ import annotations

import httpx
import pytest

from conformance.contract import (
    DELETE_IMAGE,
    ERROR,
    ERRORS,
    GET_IMAGE,
    GET_ITWIN,
    IMAGE_TOO_BIG,
    UPLOAD_IMAGE,
    WARNING,
    error_body,
    validate,
)


def findings(operation_id: str | None, response: httpx.Response) -> list[tuple[str, str, str]]:
    return [(v.severity, v.path, v.message) for v in validate(operation_id, response)]


class TestStatus:
    def test_documented_error_passes(self) -> None:
        assert findings(GET_IMAGE, httpx.Response(404, json=error_body("ImageNotFound"))) == []

    @pytest.mark.parametrize("status", [500, 502, 503])
    def test_5xx_is_always_an_error(self, status: int) -> None:
        found = findings(UPLOAD_IMAGE, httpx.Response(status, json=error_body("ImageNotFound")))
        assert [(s, p) for s, p, _ in found] == [(ERROR, "$status")]

    def test_undocumented_success_is_an_error(self) -> None:
        found = findings(UPLOAD_IMAGE, httpx.Response(200, json={}))
        assert found == [(ERROR, "$status", "status 200 is not documented for "
                                            "upload-itwin-image")]

    def test_undocumented_4xx_is_a_warning_but_still_needs_the_error_model(self) -> None:
        good = findings(UPLOAD_IMAGE, httpx.Response(415, json=error_body("ImageNotFound")))
        assert [s for s, _, _ in good] == [WARNING]
        bad = findings(UPLOAD_IMAGE, httpx.Response(415, json={"message": "no"}))
        assert (ERROR, "$.error", "'error' is a required property") in bad


class TestMediaType:
    def test_error_body_must_be_application_json(self) -> None:
        response = httpx.Response(404, text="not found")
        assert findings(GET_IMAGE, response)[0][:2] == (ERROR, "$content-type")

    def test_charset_parameter_is_fine(self) -> None:
        response = httpx.Response(404, content=b'{"error":{"code":"x","message":"y"}}',
                                  headers={"content-type": "application/json; charset=utf-8"})
        assert findings(GET_IMAGE, response) == []

    @pytest.mark.parametrize("media", [
        "application/json", "application/json; charset=utf-8", "Application/JSON",
        "application/vnd.bentley.itwin-platform.v1+json", "application/problem+json"])
    def test_any_json_media_type_is_fine_for_errors_and_successes(self, media: str) -> None:
        error = httpx.Response(404, content=b'{"error":{"code":"x","message":"y"}}',
                               headers={"content-type": media})
        success = httpx.Response(200, content=b'{"iTwin":{}}', headers={"content-type": media})
        assert findings(GET_IMAGE, error) == []
        assert [p for _, p, _ in findings(GET_ITWIN, success)] != ["$content-type"]

    @pytest.mark.parametrize("media", ["text/plain", "application/octet-stream",
                                       "text/json", "application/jsonp", ""])
    def test_other_media_types_are_not_json(self, media: str) -> None:
        response = httpx.Response(404, content=b'{"error":{"code":"x","message":"y"}}',
                                  headers={"content-type": media})
        assert findings(GET_IMAGE, response)[0][:2] == (ERROR, "$content-type")

    def test_invalid_json_is_named(self) -> None:
        response = httpx.Response(404, content=b"{", headers={"content-type": "application/json"})
        assert findings(GET_IMAGE, response)[0][:2] == (ERROR, "$body")


class TestEmptyBodies:
    def test_204_with_body_fails(self) -> None:
        assert findings(DELETE_IMAGE, httpx.Response(204, content=b"{}"))[0][1] == "$body"

    def test_204_without_body_passes(self) -> None:
        assert findings(DELETE_IMAGE, httpx.Response(204)) == []


class TestUnroutedRequests:
    def test_405_needs_the_error_model(self) -> None:
        assert findings(None, httpx.Response(405, json=error_body("ResourceNotFound"))) == []
        assert findings(None, httpx.Response(405, text="Method Not Allowed"))[0][1] == (
            "$content-type")


class TestCatalogue:
    def test_templated_message_matches_any_scheme(self) -> None:
        spec = ERRORS["InvalidAuthorizationScheme"]
        assert spec.matches("Authorization scheme 'Basic' is not valid.")
        assert not spec.matches("Authorization scheme is not valid.")

    def test_templated_message_with_a_value_matches_only_that_value(self) -> None:
        spec = ERRORS["InvalidAuthorizationScheme"]
        message = "Authorization scheme 'invalid-token' is not valid."
        assert spec.matches(message, scheme="invalid-token")
        assert not spec.matches(message, scheme="Basic")

    def test_runs_of_whitespace_compare_as_one_space(self) -> None:
        spec = ERRORS["Unauthorized"]
        assert spec.matches(spec.message.replace(". ", ".  "))
        assert spec.matches(f"  {spec.message}\n")
        assert not spec.matches(spec.message.replace(" ", ""))

    def test_detail_messages_compare_with_whitespace_collapsed(self) -> None:
        assert "big.  It" in IMAGE_TOO_BIG.message  # as Bentley's page shows it
        assert IMAGE_TOO_BIG.matches(IMAGE_TOO_BIG.message.replace("big.  It", "big. It"))
        assert not IMAGE_TOO_BIG.matches(IMAGE_TOO_BIG.message.replace("5 MB", "6 MB"))

    def test_plain_message_matches_only_itself(self) -> None:
        spec = ERRORS["ImageNotFound"]
        assert spec.matches("Requested image is not available.")
        assert not spec.matches("Requested image is not available")
