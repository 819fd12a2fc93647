"""Permissions: what each persona may do on the shared iTwin, and that a refusal changes
nothing. Upload and delete need itwins_modify or an Organization Administrator of the
owning organization; reads need membership."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import httpx
import pytest

from conformance.client import ApiClient
from conformance.contract import (
    DELETE_IMAGE,
    GET_IMAGE,
    GET_ITWIN,
    PERSONAS,
    UPLOAD_IMAGE,
    Evidence,
)
from conformance.images import build_bytes, case
from conformance.targets import Profile

from .calls import SHORT_NAMES, WRITES, call
from .checks import (
    BASELINE_CASE,
    assert_error,
    assert_one_of_errors,
    assert_status,
    describe,
    error_of,
    image_of,
)
from .stored import Reader, Stored, assert_stored, assert_unchanged, ensure_baseline, identity
from .thumbnails import Upload

pytestmark = [pytest.mark.permissions]

ALLOW = "allow"
FORBIDDEN = "forbidden"  # 403 InsufficientPermissions
NOT_MEMBER = "not-member"  # 403 or 404, per the profile
ADMIN_READ = "admin-read"  # an administrator who may not be a member: undetermined
OPERATIONS = (UPLOAD_IMAGE, DELETE_IMAGE, GET_IMAGE, GET_ITWIN)
READER = "member_modify"  # the persona that reads what the shared iTwin holds


@dataclass(frozen=True)
class Rule:
    persona: str
    operation: str  # the contract's id
    expect: str
    evidence: Evidence


def rules() -> list[Rule]:
    table = {
        "org_admin": {UPLOAD_IMAGE: ALLOW, DELETE_IMAGE: ALLOW, GET_IMAGE: ADMIN_READ,
                      GET_ITWIN: ADMIN_READ},
        "member_modify": dict.fromkeys(OPERATIONS, ALLOW),
        "member_read": {UPLOAD_IMAGE: FORBIDDEN, DELETE_IMAGE: FORBIDDEN, GET_IMAGE: ALLOW,
                        GET_ITWIN: ALLOW},
        "non_member": dict.fromkeys(OPERATIONS, NOT_MEMBER),
        "other_org_admin": dict.fromkeys(OPERATIONS, NOT_MEMBER),
    }
    undetermined = (NOT_MEMBER, ADMIN_READ)
    return [Rule(persona, op, expect,
                 Evidence.UNDETERMINED if expect in undetermined else Evidence.DOCUMENTED)
            for persona in PERSONAS for op, expect in table[persona].items()]


RULES = [pytest.param(rule, id=f"{rule.persona}-{SHORT_NAMES[rule.operation]}",
                      marks=[getattr(pytest.mark, rule.evidence.value)]
                      + [pytest.mark.destructive] * (rule.operation in WRITES))
         for rule in rules()]


NOT_MEMBER_CODES = {403: "InsufficientPermissions", 404: "iTwinNotFound"}


def assert_not_member(response: httpx.Response, profile: Profile) -> None:
    """A non-member gets 403 InsufficientPermissions or 404 iTwinNotFound (hiding the iTwin),
    or exactly the one the profile pins."""
    pinned = profile.non_member_status
    if pinned is None:
        assert_one_of_errors(response, *NOT_MEMBER_CODES.values())
        return
    assert response.status_code == pinned, (
        f"expected {pinned} {NOT_MEMBER_CODES[pinned]} ({profile.pinned('non_member_status')}),"
        f" got {describe(response)}")
    assert_error(response, pinned, NOT_MEMBER_CODES[pinned])


def assert_allowed(response: httpx.Response, rule: Rule, reader: Reader, itwin_id: str,
                   before: Stored | None) -> None:
    """The operation did what it does: stored, deleted, or read what is there (what the
    reader saw before, when it looked: `before` is None when the read is the reader's own)."""
    if rule.operation == UPLOAD_IMAGE:
        assert_status(response, 201)
        body = build_bytes(case(BASELINE_CASE))
        assert_stored(reader, itwin_id, response, Upload.of_case(case(BASELINE_CASE), body))
    elif rule.operation == DELETE_IMAGE:
        assert_status(response, 204)
        assert reader.read(itwin_id).identity is None, "the image is still there after 204"
    elif rule.operation == GET_IMAGE:
        if response.status_code == 404 and (before is None or before.identity is None):
            assert_error(response, 404, "ImageNotFound")
        else:
            assert_status(response, 200)
            image = image_of(response)
            assert before is None or identity(image) == before.identity
            reader.blobs(image, response)  # its links work
    else:
        assert_status(response, 200)
        assert before is not None
        itwin = response.json()["iTwin"]
        expected = before.identity[1] if before.identity else None
        assert itwin["imageName"] == expected, (
            f"imageName is {itwin['imageName']!r}, the small image is {expected!r}")
        if itwin["image"] is not None:
            reader.fetch(itwin["image"], response, "iTwin's image")


@pytest.fixture
def on_shared(shared_itwin: str, shared_lock: Callable[[], AbstractContextManager[None]],
              client_factory: Callable[[str | None], ApiClient], profile: Profile,
              request: pytest.FixtureRequest) -> Iterator[tuple[Reader, Stored | None]]:
    """Holds the shared iTwin for one test; gives a member who reads it, and what it holds
    (a write first stores an image there if it has none, so a refusal has something to
    leave unchanged; a read takes the iTwin as it is). Nothing is read before the reader's
    own GET image: that would be the very request under test, asked twice."""
    reader = Reader(client_factory(READER), profile)
    rule = request.node.callspec.params["rule"]
    with shared_lock():
        if rule.operation in WRITES:
            yield reader, ensure_baseline(reader, shared_itwin)
        elif (rule.persona, rule.operation) == (READER, GET_IMAGE):
            yield reader, None
        else:
            yield reader, reader.last_seen(shared_itwin)


def answered_as_reader(response: httpx.Response) -> bool:
    """A read that was let through: a 200, or 404 ImageNotFound (there is no image)."""
    if response.status_code == 404:
        return error_of(response).get("code") == "ImageNotFound"
    return response.status_code < 400


def admin_reads(response: httpx.Response, profile: Profile) -> bool:
    """Whether an Organization Administrator's read is to be judged as allowed: as pinned,
    else as answered."""
    if profile.admin_reads_without_membership is not None:
        return profile.admin_reads_without_membership
    return answered_as_reader(response)


class TestPersonas:
    @pytest.mark.parametrize("rule", RULES)
    def test_may_or_may_not(self, rule: Rule, on_shared: tuple[Reader, Stored | None],
                            shared_itwin: str, profile: Profile,
                            client_factory: Callable[[str | None], ApiClient]) -> None:
        reader, before = on_shared
        response = call(client_factory(rule.persona), rule.operation, shared_itwin)
        if rule.expect == ALLOW or (rule.expect == ADMIN_READ and admin_reads(response,
                                                                               profile)):
            assert_allowed(response, rule, reader, shared_itwin, before)
            return
        if rule.expect == FORBIDDEN:
            assert_error(response, 403, "InsufficientPermissions")
        else:
            if rule.expect == ADMIN_READ:
                assert not answered_as_reader(response), (
                    f"{rule.persona} was let read ({describe(response)}), but "
                    f"{profile.pinned('admin_reads_without_membership')}")
            assert_not_member(response, profile)
        if rule.operation in WRITES:
            assert before is not None  # a write always reads what is there first
            assert_unchanged(reader, shared_itwin, before)
