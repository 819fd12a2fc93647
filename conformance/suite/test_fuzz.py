"""Generated requests: Schemathesis over the OpenAPI document, and the 5:1 rule as a property.

Both run as org_admin against the module's scratch iTwin (the fuzzer also against random
GUIDs that name no iTwin), with few derandomized examples and no shrinking, so a run is
short and repeats itself exactly.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance.client import ApiClient
from conformance.contract import IMAGE_RATIO, SIZE_ALWAYS_ACCEPTED
from conformance.images.strategies import ImageBody
from conformance.targets import Profile, Target

from .checks import assert_detail, assert_error, assert_status
from .fuzzing import (
    FUZZED_OPERATIONS,
    MODES,
    Drawn,
    assert_is,
    cases,
    check_response,
    fixed_body,
    load_operations,
    send,
    shaped_bodies,
    within_ratio,
)
from .stored import Reader, assert_upload_answer
from .thumbnails import Upload

pytestmark = [pytest.mark.fuzz, pytest.mark.destructive]

# Every example is an HTTP request: no shrinking (each step would be more requests), no
# example database, the same examples on every run.
QUICK = settings(
    derandomize=True, database=None, deadline=None, phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.differing_executors))


GENERATED_REQUESTS = 20  # per operation and mode
ALONGSIDE = 10  # requests of a test in flight at once


def draw(strategy: st.SearchStrategy[Drawn], count: int) -> list[Drawn]:
    """`count` examples of `strategy`, drawn (the same ones every run) before any is sent."""
    drawn: list[Drawn] = []

    @settings(QUICK, max_examples=count)
    @given(strategy)
    def keep(example: Drawn) -> None:
        drawn.append(example)

    keep()
    return drawn


def failure_of(case: Any, answer: httpx.Response) -> str | None:
    """Why Schemathesis' checks fail `answer` to `case`, or None."""
    try:
        check_response(case, answer)
    except AssertionError as failure:
        return str(failure)
    return None


@pytest.fixture(scope="module")
def fuzzed(target: Target) -> dict[str, Any]:
    """The fuzzed operations as Schemathesis reads them from the document, aimed at the
    target."""
    return load_operations(target.base_url)


@pytest.mark.documented
class TestGeneratedRequests:
    """Whatever Schemathesis sends, the answer is one the document allows: never a 5xx, a
    documented status (any 4xx is allowed by the 4XX range), the documented content type and
    headers, and a body that validates; the client's contract check has already passed.

    The requests of a test do not depend on each other: all are drawn first, then sent
    ALONGSIDE at a time, so a distant target costs a round trip per batch, not per request.
    Every failing request is listed."""

    @pytest.mark.parametrize("mode", MODES, ids=[mode.value for mode in MODES])
    @pytest.mark.parametrize("operation_id", FUZZED_OPERATIONS)
    def test_answers_conform_to_the_document(self, fuzzed: dict[str, Any], admin: ApiClient,
                                             scratch_itwin: str, operation_id: str,
                                             mode: GenerationMode) -> None:
        drawn = draw(cases(fuzzed[operation_id], mode, scratch_itwin), GENERATED_REQUESTS)
        failures = []
        for start in range(0, len(drawn), ALONGSIDE):
            batch = drawn[start:start + ALONGSIDE]
            answers = admin.concurrently(*(partial(send, admin, operation_id, one.case)
                                           for one in batch))
            failures += [failure for one, answer in zip(batch, answers, strict=True)
                         if (failure := failure_of(one.case, answer))]
        assert not failures, f"{len(failures)} of {len(drawn)} answers fail:\n" + "\n".join(
            failures)


@pytest.mark.documented
class TestAspectRatio:
    """Sides "cannot be greater than 5 times the size of each other": an upload is 201
    exactly when the longer side is at most 5 times the shorter, else 422 InvalidValue."""

    @settings(QUICK, max_examples=40)
    @given(image=shaped_bodies())
    @example(image=fixed_body("PNG", 5, 1))
    @example(image=fixed_body("JPEG", 1, 5))
    @example(image=fixed_body("PNG", 1, 6))
    @example(image=fixed_body("JPEG", 6, 1))
    def test_upload_is_201_exactly_within_5_to_1(self, admin: ApiClient, scratch_itwin: str,
                                                 profile: Profile, image: ImageBody) -> None:
        note(f"{image.format} {image.width}x{image.height}, {len(image.data)} bytes")
        assert_is(image)
        assert len(image.data) <= SIZE_ALWAYS_ACCEPTED
        response = admin.upload_image(scratch_itwin, image.data, image.content_type)
        if within_ratio(image.width, image.height):
            assert_status(response, 201)
            assert_upload_answer(Reader(admin, profile), response, Upload.of_body(image))
        else:
            assert_error(response, 422, "InvalidiTwinsRequest")
            assert_detail(response, IMAGE_RATIO)
