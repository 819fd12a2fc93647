"""Rate limits: a 429 says when to come back (Retry-After, in seconds) and is waited out; a
5xx is never a conforming answer and is not retried.

The mock's control API injects the faults. Each is scoped to one method on this module's
scratch iTwin, so requests of tests running in parallel never meet it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from conformance.client import ApiClient, ContractViolation, Exchange, RateLimited
from conformance.contract import ERRORS, RATE_LIMIT_CODES
from conformance.control_client import MockControl
from conformance.targets import Target

from .checks import assert_status

pytestmark = [pytest.mark.ratelimit, pytest.mark.mock_only, pytest.mark.destructive]

RETRY_AFTER = 1  # seconds, as the injected 429s say
INJECTED_429S = 1  # one wait proves waiting; each more costs a second of every run
# time.sleep never returns early; this only absorbs clock granularity.
CLOCK_SLACK = 0.01


@pytest.fixture
def faults(mock_control: MockControl) -> Iterator[MockControl]:
    """The control API for one test, which leaves none of its faults behind."""
    try:
        yield mock_control
    finally:
        mock_control.remove_injected_faults()


@pytest.fixture
def scratch_path(target: Target, scratch_itwin: str) -> str:
    """The URL path of the scratch iTwin, the prefix every injected fault is scoped to."""
    return f"{urlsplit(target.base_url).path.rstrip('/')}/{scratch_itwin}"


@contextlib.contextmanager
def recorded(client: ApiClient) -> Iterator[list[Exchange]]:
    """Every exchange of `client` inside the block, retried ones included."""
    seen: list[Exchange] = []
    client.observers.append(seen.append)
    try:
        yield seen
    finally:
        client.observers.remove(seen.append)


def assert_rate_limited(exchange: Exchange) -> None:
    """The documented 429: Retry-After in whole seconds and the documented error code."""
    headers = {name.lower(): value for name, value in exchange.response_headers.items()}
    assert headers.get("retry-after", "").isdigit(), (
        f"{exchange.describe()}: Retry-After is {headers.get('retry-after')!r}")
    error = json.loads(exchange.response_body)["error"]
    assert error["code"] in RATE_LIMIT_CODES, f"{exchange.describe()}: code {error['code']}"
    if error["code"] in ERRORS:
        assert ERRORS[error["code"]].matches(error["message"]), (
            f"{exchange.describe()}: message {error['message']!r}")


@pytest.mark.documented
class TestTooManyRequests:
    def test_is_waited_out_and_the_call_then_succeeds(self, admin: ApiClient, scratch_itwin: str,
                                                      scratch_path: str,
                                                      faults: MockControl) -> None:
        if admin.max_retries < INJECTED_429S:
            pytest.skip(f"--max-retries {admin.max_retries} cannot outlast {INJECTED_429S} 429s")
        retries = admin.stats.retries
        faults.inject_fault(status=429, count=INJECTED_429S, retry_after=RETRY_AFTER,
                            method="GET", path_prefix=scratch_path)
        started = time.monotonic()
        with recorded(admin) as seen:
            response = admin.get_itwin(scratch_itwin)
        waited = time.monotonic() - started
        assert_status(response, 200)
        # The injected 429s, then the answer; a throttled target may add 429s of its own.
        statuses = [exchange.status for exchange in seen]
        assert statuses[-1] == 200 and set(statuses[:-1]) == {429}, statuses
        assert len(statuses) - 1 >= INJECTED_429S, statuses
        for exchange in seen[:-1]:
            assert_rate_limited(exchange)
        assert admin.stats.retries - retries == len(statuses) - 1
        assert waited >= INJECTED_429S * RETRY_AFTER - CLOCK_SLACK, (
            f"{INJECTED_429S} Retry-After of {RETRY_AFTER} s were waited out in {waited:.2f} s")

    def test_that_never_ends_raises_rate_limited(self, target: Target, scratch_itwin: str,
                                                 scratch_path: str, faults: MockControl) -> None:
        persona = target.persona("org_admin")
        if persona is None:
            pytest.skip(f"persona org_admin is not in target {target.name}")
        # No wait between tries (max_retry_wait 0): the waiting is the test above's subject.
        with ApiClient(target.base_url, persona.access_token, persona="org_admin",
                       max_retries=1, max_retry_wait=0) as client:
            faults.inject_fault(status=429, count=client.max_retries + 2,
                                retry_after=RETRY_AFTER, method="GET", path_prefix=scratch_path)
            with pytest.raises(RateLimited):
                client.get_itwin(scratch_itwin)
            assert (client.stats.requests, client.stats.retries) == (client.max_retries + 1,
                                                                     client.max_retries)


@pytest.mark.documented
class TestServerError:
    def test_a_503_is_a_violation_and_is_not_retried(self, admin: ApiClient,
                                                     scratch_itwin: str, scratch_path: str,
                                                     faults: MockControl) -> None:
        requests, retries = admin.stats.requests, admin.stats.retries
        faults.inject_fault(status=503, count=1, method="GET", path_prefix=scratch_path)
        with pytest.raises(ContractViolation) as caught:
            admin.get_itwin(scratch_itwin)
        assert caught.value.exchange.status == 503
        assert (admin.stats.requests - requests, admin.stats.retries - retries) == (1, 0)
        # The one injected 503 was the only one; the next call is answered normally.
        assert_status(admin.get_itwin(scratch_itwin), 200)
