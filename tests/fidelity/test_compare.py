"""Comparison: every kind of difference fails, and is named by its path; only a run that
does the same thing passes. Each check is proved by breaking one thing on purpose."""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar

from conformance.client import Exchange
from conformance.fidelity.compare import (
    CHANGED,
    EXTRA,
    IDENTITY,
    MISSING,
    RETYPED,
    Difference,
    TestComparison,
    render_text,
)
from conformance.fidelity.normalise import Normaliser, sha256
from conformance.fidelity.paths import render
from conformance.redact import Redactor
from tests.fidelity.fidelity_testkit import (
    IMAGE_ID,
    error_json,
    exchange,
    get_image,
    image_json,
)

OTHER_IMAGE = "0c1d2e3f-2222-4b8f-9d66-6e7f8a9b0c1d"
TOO_LARGE = error_json("RequestTooLarge",
                       "Provided file is greater than the maximum allowed file size of 5MB.")
ALL_PHASES = ("setup", "call", "teardown")


def normalised(*exchanges: Exchange) -> list[dict[str, Any]]:
    """One test's exchanges, all made during its call."""
    return phased(*((e, "call") for e in exchanges))


def phased(*exchanges: tuple[Exchange, str]) -> list[dict[str, Any]]:
    """One test's exchanges, each made in the given phase."""
    normaliser = Normaliser(Redactor())
    return [normaliser.exchange(e, phase) for e, phase in exchanges]


def compare(recorded: list[dict[str, Any]], run: list[dict[str, Any]],
            partial: bool = False) -> list[Difference]:
    return TestComparison({"exchanges": recorded, "partial": partial}).stage(run, ALL_PHASES)


def found(differences: list[Difference]) -> set[tuple[str, str]]:
    return {(render(d.path), d.kind) for d in differences}


UPLOAD_THEN_GET = (exchange(), get_image())


class TestSame:
    def test_the_same_behaviour_passes(self) -> None:
        assert compare(normalised(*UPLOAD_THEN_GET), normalised(*UPLOAD_THEN_GET)) == []

    def test_other_ids_with_the_same_relations_pass(self) -> None:
        other = (exchange(response_body=image_json(OTHER_IMAGE)),
                 get_image(image_json(OTHER_IMAGE)))
        assert compare(normalised(*UPLOAD_THEN_GET), normalised(*other)) == []


class TestStatusAndErrorCode:
    def test_a_changed_status(self) -> None:
        recorded = normalised(exchange(status=413, response_body=TOO_LARGE))
        run = normalised(exchange(status=422, response_body=TOO_LARGE))
        assert found(compare(recorded, run)) == {("exchanges[0].response.status", CHANGED)}

    def test_a_changed_error_code(self) -> None:
        recorded = normalised(exchange(status=413, response_body=TOO_LARGE))
        run = normalised(exchange(status=413, response_body=error_json(
            "TooLarge", "Provided file is greater than the maximum allowed file size of 5MB.")))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.error.code", CHANGED)}

    def test_a_changed_request(self) -> None:
        recorded = normalised(exchange())
        run = normalised(exchange(request_sha256="cd" * 32))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].request.body.sha256", CHANGED)}


class TestFields:
    def test_a_missing_field(self) -> None:
        body = json.loads(image_json())
        del body["image"]["smallImageUrl"]
        run = normalised(exchange(response_body=json.dumps(body).encode()))
        assert found(compare(normalised(exchange()), run)) == {
            ("exchanges[0].response.body.json.image.smallImageUrl", MISSING)}

    def test_an_extra_field(self) -> None:
        body = json.loads(image_json())
        body["image"]["etag"] = "1"
        run = normalised(exchange(response_body=json.dumps(body).encode()))
        assert found(compare(normalised(exchange()), run)) == {
            ("exchanges[0].response.body.json.image.etag", EXTRA)}

    def test_a_retyped_field(self) -> None:
        body = {"error": {"code": "X", "message": "m", "details": {"code": "Y"}}}
        recorded = normalised(exchange(status=422, response_body=error_json(
            "X", "m", details=[{"code": "Y"}])))
        run = normalised(exchange(status=422, response_body=json.dumps(body).encode()))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.error.details", RETYPED)}

    def test_null_is_not_a_string(self) -> None:
        recorded = normalised(get_image(json.dumps({"iTwin": {"image": None}}).encode()))
        run = normalised(get_image(json.dumps({"iTwin": {"image": "x"}}).encode()))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.iTwin.image", RETYPED)}

    def test_a_boolean_is_not_a_number(self) -> None:
        recorded = normalised(get_image(b'{"a": 1}'))
        run = normalised(get_image(b'{"a": true}'))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.a", RETYPED)}

    def test_a_shorter_list(self) -> None:
        recorded = normalised(exchange(status=422, response_body=error_json(
            "X", "m", details=[{"code": "A"}, {"code": "B"}])))
        run = normalised(exchange(status=422, response_body=error_json(
            "X", "m", details=[{"code": "A"}])))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.error.details[1]", MISSING)}

    def test_a_longer_list(self) -> None:
        recorded = normalised(exchange(status=422, response_body=error_json(
            "X", "m", details=[{"code": "A"}])))
        run = normalised(exchange(status=422, response_body=error_json(
            "X", "m", details=[{"code": "A"}, {"code": "B"}])))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.error.details[1]", EXTRA)}


class TestIdentity:
    def test_the_get_returning_another_id_than_the_201(self) -> None:
        run = normalised(exchange(), get_image(image_json(OTHER_IMAGE)))
        differences = compare(normalised(*UPLOAD_THEN_GET), run)
        assert ("exchanges[1].response.body.json.image.id", IDENTITY) in found(differences)
        identity = next(d for d in differences if d.kind == IDENTITY)
        assert "exchanges[0].response.body.json.image.id" in identity.note

    def test_two_recorded_values_that_became_one(self) -> None:
        recorded = normalised(exchange(), exchange(response_body=image_json(OTHER_IMAGE)))
        run = normalised(exchange(), exchange())
        assert ("exchanges[1].response.body.json.image.id", IDENTITY) in found(
            compare(recorded, run))

    def test_names_that_stop_containing_the_id(self) -> None:
        body = json.loads(image_json())
        body["image"]["smallImageName"] = f"small_{OTHER_IMAGE}.png"
        run = normalised(exchange(response_body=json.dumps(body).encode()))
        assert found(compare(normalised(exchange()), run)) == {
            ("exchanges[0].response.body.json.image.smallImageName", IDENTITY)}

    def test_a_placeholder_of_another_kind(self) -> None:
        recorded = normalised(get_image(json.dumps({"image": {"id": IMAGE_ID}}).encode()))
        run = normalised(get_image(json.dumps({"image": {"id": "plain"}}).encode()))
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.body.json.image.id", CHANGED)}

    def test_a_placeholder_of_another_kind_of_id(self) -> None:
        def with_id(placeholder: str) -> list[dict[str, Any]]:
            return [{"phase": "call", "request": {"method": "GET"},
                     "response": {"body": {"id": placeholder}}}]
        assert found(compare(with_id("<image-id:1>"), with_id("<itwin-id:1>"))) == {
            ("exchanges[0].response.body.id", IDENTITY)}

    def test_the_download_of_other_bytes_than_were_uploaded(self) -> None:
        def download(body: bytes) -> Exchange:
            return get_image(body, operation="download",
                             response_headers={"content-type": "image/png"})
        payload = b"IMAGE"
        upload = exchange(request_sha256=sha256(payload))
        recorded = normalised(upload, download(payload))
        run = normalised(upload, download(b"OTHER"))
        assert found(compare(recorded, run)) == {
            ("exchanges[1].response.body.bytes", IDENTITY)}


class TestHeaders:
    def test_a_changed_header(self) -> None:
        def limited(seconds: str) -> list[dict[str, Any]]:
            return normalised(get_image(error_json("RateLimitExceeded", "m"), status=429,
                                        response_headers={"content-type": "application/json",
                                                          "retry-after": seconds}))
        assert found(compare(limited("1"), limited("60"))) == {
            ("exchanges[0].response.headers.retry-after", CHANGED)}

    def test_a_missing_header(self) -> None:
        recorded = normalised(get_image(response_headers={
            "content-type": "application/json", "x-correlation-id": "c-1"}))
        run = normalised(get_image())
        assert found(compare(recorded, run)) == {
            ("exchanges[0].response.headers.x-correlation-id", MISSING)}

    def test_a_changed_content_type(self) -> None:
        run = normalised(exchange(response_headers={"content-type": "text/json"}))
        differences = found(compare(normalised(exchange()), run))
        assert ("exchanges[0].response.content_type", CHANGED) in differences


class TestExchanges:
    def test_a_missing_exchange(self) -> None:
        assert found(compare(normalised(*UPLOAD_THEN_GET), normalised(exchange()))) == {
            ("exchanges[1]", MISSING)}

    def test_an_extra_exchange(self) -> None:
        run = normalised(exchange(), get_image(), get_image())
        assert found(compare(normalised(*UPLOAD_THEN_GET), run)) == {("exchanges[2]", EXTRA)}

    def test_an_extra_exchange_in_the_middle_shifts_nothing_else(self) -> None:
        delete = get_image(b"", status=204, method="DELETE", operation="delete-itwin-image",
                           response_headers={})
        recorded = normalised(exchange(), delete)
        run = normalised(exchange(), get_image(), delete)
        assert found(compare(recorded, run)) == {("exchanges[1]", EXTRA)}

    def test_another_persona(self) -> None:
        run = normalised(exchange(persona="member_read"), get_image())
        differences = found(compare(normalised(*UPLOAD_THEN_GET), run))
        assert ("exchanges[0].request.persona", CHANGED) in differences


class TestPartial:
    """A hand-written baseline states only some exchanges and fields."""

    STATED: ClassVar[list[dict[str, Any]]] = [
        {"request": {"method": "PUT", "path": "/itwins/<itwin-id:1>/image"},
         "response": {"status": 201, "body": {"json": {"image": {
             "id": "<image-id:1>", "smallImageName": "small_<image-id:1>.png"}}}},
         "source": "documented: upload-itwin-image"},
        {"request": {"method": "GET", "path": "/itwins/<itwin-id:1>/image"},
         "response": {"status": 200, "body": {"json": {"image": {"id": "<image-id:1>"}}}}}]

    def test_unstated_fields_and_exchanges_are_not_compared(self) -> None:
        run = normalised(exchange(), exchange(method="POST"), get_image())
        assert compare(self.STATED, run, partial=True) == []

    def test_a_stated_field_is_compared(self) -> None:
        run = normalised(exchange(status=202), get_image())
        assert found(compare(self.STATED, run, partial=True)) == {
            ("exchanges[0].response.status", CHANGED)}

    def test_a_stated_field_that_is_missing(self) -> None:
        body = json.loads(image_json())
        del body["image"]["smallImageName"]
        run = normalised(exchange(response_body=json.dumps(body).encode()), get_image())
        assert found(compare(self.STATED, run, partial=True)) == {
            ("exchanges[0].response.body.json.image.smallImageName", MISSING)}

    def test_identity_across_stated_exchanges(self) -> None:
        run = normalised(exchange(), get_image(image_json(OTHER_IMAGE)))
        assert found(compare(self.STATED, run, partial=True)) == {
            ("exchanges[1].response.body.json.image.id", IDENTITY)}

    def test_a_stated_exchange_that_never_happens(self) -> None:
        assert found(compare(self.STATED, normalised(exchange()), partial=True)) == {
            ("exchanges[1]", MISSING)}

    def test_stated_exchanges_are_found_in_order(self) -> None:
        run = normalised(get_image(), exchange())  # the GET came before the upload
        assert ("exchanges[1]", MISSING) in found(compare(self.STATED, run, partial=True))


class TestStages:
    def test_each_stage_compares_its_own_phases(self) -> None:
        recorded = phased((exchange(), "call"), (get_image(), "teardown"))
        run = phased((exchange(), "call"), (get_image(image_json(OTHER_IMAGE)), "teardown"))
        comparison = TestComparison({"exchanges": recorded})
        assert comparison.stage(run, ("setup", "call")) == []
        assert ("exchanges[1].response.body.json.image.id", IDENTITY) in found(
            comparison.stage(run, ("teardown",)))


class TestReadableDiff:
    def test_names_the_exchange_and_the_field_with_both_values(self) -> None:
        recorded = normalised(exchange(status=413, response_body=TOO_LARGE))
        run = normalised(exchange(status=422, response_body=TOO_LARGE))
        text = render_text(compare(recorded, run), recorded, "fidelity: t")
        assert "exchanges[0] PUT /itwins/<itwin-id:1>/image (upload-itwin-image) as org_admin" \
            in text
        assert "response.status: recorded 413, this run 422" in text

    def test_names_the_baseline_source(self) -> None:
        stated = copy.deepcopy(TestPartial.STATED)
        run = normalised(exchange(status=202), get_image())
        text = render_text(compare(stated, run, partial=True), stated, "fidelity: t")
        assert "[documented: upload-itwin-image]" in text

    def test_missing_and_extra_exchanges_are_described(self) -> None:
        recorded = normalised(*UPLOAD_THEN_GET)
        text = render_text(compare(recorded, normalised(exchange())), recorded, "h")
        assert "exchanges[1]: missing in this run: GET /itwins/<itwin-id:1>/image" in text
