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
from conformance.images import build_bytes, case
from conformance.targets import Profile

from .checks import (
    BASELINE_CASE,
    assert_error,
    assert_one_of_errors,
    assert_status,
    assert_unchanged,
    current_image,
    ensure_baseline,
    identity,
    image_of,
)

pytestmark = [pytest.mark.permissions, pytest.mark.destructive]

ALLOW = "allow"
FORBIDDEN = "forbidden"  # 403 InsufficientPermissions
NOT_MEMBER = "not-member"  # 403 or 404, per the profile
ADMIN_READ = "admin-read"  # an administrator who may not be a member: undetermined


@dataclass(frozen=True)
class Rule:
    persona: str
    operation: str
    expect: str
    evidence: str


def rules() -> list[Rule]:
    table = {
        "org_admin": {"upload": ALLOW, "delete": ALLOW, "get-image": ADMIN_READ,
                      "get-itwin": ADMIN_READ},
        "member_modify": dict.fromkeys(("upload", "delete", "get-image", "get-itwin"), ALLOW),
        "member_read": {"upload": FORBIDDEN, "delete": FORBIDDEN, "get-image": ALLOW,
                        "get-itwin": ALLOW},
        "non_member": dict.fromkeys(("upload", "delete", "get-image", "get-itwin"), NOT_MEMBER),
        "other_org_admin": dict.fromkeys(("upload", "delete", "get-image", "get-itwin"),
                                         NOT_MEMBER),
    }
    undetermined = (NOT_MEMBER, ADMIN_READ)
    return [Rule(persona, op, expect, "undetermined" if expect in undetermined else "documented")
            for persona, ops in table.items() for op, expect in ops.items()]


RULES = [pytest.param(rule, id=f"{rule.persona}-{rule.operation}",
                      marks=getattr(pytest.mark, rule.evidence)) for rule in rules()]


def act(client: ApiClient, operation: str, itwin_id: str) -> httpx.Response:
    if operation == "upload":
        return client.upload_image(itwin_id, build_bytes(case(BASELINE_CASE)), "image/png")
    if operation == "delete":
        return client.delete_image(itwin_id)
    if operation == "get-image":
        return client.get_image(itwin_id)
    return client.get_itwin(itwin_id)


def assert_not_member(response: httpx.Response, profile: Profile) -> None:
    """A non-member gets 403 InsufficientPermissions or 404 iTwinNotFound (hiding the iTwin)."""
    if profile.non_member_status == 403:
        assert_error(response, 403, "InsufficientPermissions")
    elif profile.non_member_status == 404:
        assert_error(response, 404, "iTwinNotFound")
    else:
        assert_one_of_errors(response, "InsufficientPermissions", "iTwinNotFound")


def assert_allowed(response: httpx.Response, rule: Rule, reader: ApiClient, itwin_id: str,
                   before: dict[str, str]) -> None:
    if rule.operation == "upload":
        assert_status(response, 201)
        assert identity(current_image(reader, itwin_id)) == identity(image_of(response))
    elif rule.operation == "delete":
        assert_status(response, 204)
        assert current_image(reader, itwin_id) is None
    elif rule.operation == "get-image":
        assert_status(response, 200)
        assert identity(image_of(response)) == identity(before)
    else:
        assert_status(response, 200)
        assert response.json()["iTwin"]["imageName"] == before["smallImageName"]


@pytest.fixture
def on_shared(shared_itwin: str, shared_lock: Callable[[], AbstractContextManager[None]],
              client_factory: Callable[[str | None], ApiClient]) -> Iterator[
                  tuple[ApiClient, dict[str, str]]]:
    """Holds the shared iTwin for one test; gives a member who reads it, and its image."""
    reader = client_factory("member_modify")
    with shared_lock():
        yield reader, ensure_baseline(reader, shared_itwin)


class TestPersonas:
    @pytest.mark.parametrize("rule", RULES)
    def test_may_or_may_not(self, rule: Rule, on_shared: tuple[ApiClient, dict[str, str]],
                            shared_itwin: str, profile: Profile,
                            client_factory: Callable[[str | None], ApiClient]) -> None:
        reader, before = on_shared
        response = act(client_factory(rule.persona), rule.operation, shared_itwin)
        if rule.expect == ALLOW or (rule.expect == ADMIN_READ and (
                profile.admin_reads_without_membership or response.status_code < 400)):
            assert_allowed(response, rule, reader, shared_itwin, before)
            return
        if rule.expect == FORBIDDEN:
            assert_error(response, 403, "InsufficientPermissions")
        else:
            assert_not_member(response, profile)
        assert_unchanged(reader, shared_itwin, before)
